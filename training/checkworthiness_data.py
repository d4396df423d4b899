"""The labelled data of the check-worthiness head: ClaimBuster debates split by debate,
CheckThat! 2021/2022 task 1A tweets, the fixed test sample, cached embeddings and the
head's input matrix. Shared by ``training.checkworthiness`` and
``evaluation.checkworthiness`` (so neither imports the other's loaders).
"""

from __future__ import annotations

import csv
import random
from dataclasses import dataclass, field
from pathlib import Path

import numpy as np
import numpy.typing as npt

from models.embedding import Embedder
from models.features import feature_matrix
from training.cache import cached_rows, embedder_identity

REPO_ROOT = Path(__file__).resolve().parent.parent
DEFAULT_DATA_DIR = REPO_ROOT.parent / "shared" / "data"
CACHE_DIR = REPO_ROOT / "var" / "cache" / "checkworthiness"
SEED = 20250217
TEST_DEBATE_FRACTION = 0.2
DEV_DEBATE_FRACTION = 0.15

Labels = npt.NDArray[np.int64]
Matrix = npt.NDArray[np.float32]


@dataclass(slots=True)
class LabelledSet:
    """Texts with 0/1 check-worthiness labels from one source and split."""

    name: str
    texts: list[str]
    labels: Labels
    groups: list[str] = field(default_factory=list)

    @property
    def positives(self) -> int:
        """How many texts are labelled check-worthy."""
        return int(self.labels.sum())


@dataclass(slots=True)
class Splits:
    """Every labelled set the head is trained, tuned and reported on."""

    train: list[LabelledSet]
    dev: list[LabelledSet]
    test: list[LabelledSet]
    debates: dict[str, list[str]]


def _read_tsv(path: Path) -> list[dict[str, str]]:
    with path.open(encoding="utf-8", newline="") as handle:
        return list(csv.DictReader(handle, delimiter="\t", quoting=csv.QUOTE_NONE))


def load_claimbuster(data_dir: Path) -> LabelledSet:
    """ClaimBuster ``crowdsourced.csv``: check-worthy factual (Verdict 1) against the rest."""
    path = data_dir / "claimbuster" / "crowdsourced.csv"
    with path.open(encoding="utf-8", newline="") as handle:
        rows = list(csv.DictReader(handle))
    return LabelledSet(
        "claimbuster",
        [r["Text"] for r in rows],
        np.array([int(r["Verdict"] == "1") for r in rows], dtype=np.int64),
        [r["File_id"] for r in rows],
    )


def load_checkthat(data_dir: Path, year: int, split: str) -> LabelledSet:
    """A CheckThat! task 1A English tweet file (``year`` 2021 or 2022, ``split`` train/dev)."""
    if year == 2021:
        folder = data_dir / "checkthat2021-task1a-en"
        path = folder / f"dataset_{split}_v1_english.tsv"
        column = "check_worthiness" if split == "train" else "claim_worthiness"
    else:
        folder = data_dir / "checkthat2022-task1a-en"
        path = folder / f"CT22_english_1A_checkworthy_{split}.tsv"
        column = "class_label"
    rows = _read_tsv(path)
    return LabelledSet(
        f"checkthat{year}-{split}",
        [r["tweet_text"] for r in rows],
        np.array([int(r[column].strip() == "1") for r in rows], dtype=np.int64),
    )


def split_debates(debates: list[str], seed: int = SEED) -> dict[str, list[str]]:
    """Shuffle the debate files with ``seed`` and cut them into train / dev / test."""
    shuffled = sorted(set(debates))
    random.Random(seed).shuffle(shuffled)
    n_test = round(len(shuffled) * TEST_DEBATE_FRACTION)
    n_dev = round(len(shuffled) * DEV_DEBATE_FRACTION)
    return {
        "test": sorted(shuffled[:n_test]),
        "dev": sorted(shuffled[n_test : n_test + n_dev]),
        "train": sorted(shuffled[n_test + n_dev :]),
    }


def _subset(data: LabelledSet, name: str, keep: set[str]) -> LabelledSet:
    rows = [i for i, g in enumerate(data.groups) if g in keep]
    return LabelledSet(
        name, [data.texts[i] for i in rows], data.labels[rows], [data.groups[i] for i in rows]
    )


def load_splits(data_dir: Path, seed: int = SEED) -> Splits:
    """All sets, split as the module docstring describes."""
    claimbuster = load_claimbuster(data_dir)
    debates = split_debates(claimbuster.groups, seed)
    return Splits(
        train=[
            _subset(claimbuster, "claimbuster-train", set(debates["train"])),
            load_checkthat(data_dir, 2021, "train"),
            load_checkthat(data_dir, 2022, "train"),
        ],
        dev=[
            _subset(claimbuster, "claimbuster-dev", set(debates["dev"])),
            load_checkthat(data_dir, 2021, "dev"),
        ],
        test=[
            _subset(claimbuster, "claimbuster-test", set(debates["test"])),
            load_checkthat(data_dir, 2022, "dev"),
        ],
        debates=debates,
    )


def fixed_sample(splits: Splits, stride: int = 10) -> LabelledSet:
    """A small fixed sample for the artefact test: every ``stride``-th test row of each set."""
    texts: list[str] = []
    labels: list[int] = []
    for data in splits.test:
        texts += data.texts[::stride]
        labels += data.labels[::stride].tolist()
    return LabelledSet("fixed-sample", texts, np.array(labels, dtype=np.int64))


def embed_cached(embedder: Embedder, texts: list[str], cache_dir: Path = CACHE_DIR) -> Matrix:
    """Embed ``texts``, reusing an earlier run's vectors for the same texts and model
    (``training.cache.cached_rows``)."""
    return cached_rows(embedder, texts, identity=embedder_identity(embedder), directory=cache_dir)


def inputs(embeddings: Matrix, texts: list[str]) -> Matrix:
    """The head's input: the embedding with the surface features appended."""
    return np.hstack([embeddings, feature_matrix(texts)]).astype(np.float32)


def choose_threshold(dev: list[tuple[Labels, npt.NDArray[np.float64]]]) -> float:
    """The threshold with the best F1 over the dev sets pooled (every row counts once).

    The pooled dev data is mostly debate prose, the nearest of these domains to news.
    """
    labels = np.concatenate([y for y, _ in dev])
    scores = np.concatenate([p for _, p in dev])
    candidates = np.round(np.arange(0.10, 0.90, 0.01), 2)
    f1s = []
    for threshold in candidates:
        predicted = scores >= threshold
        tp = float((predicted & (labels == 1)).sum())
        f1s.append(2 * tp / max(float(predicted.sum() + labels.sum()), 1.0))
    return float(candidates[int(np.argmax(f1s))])
