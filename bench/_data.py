"""Shared benchmark inputs: real fact-checks and their embeddings, synthetic filler, articles.

Scale beyond the ~20k real fact-checks comes from synthetic filler whose vectors are noisy
mixtures of two real claim embeddings (renormalised), so the neighbourhood structure stays
close to real data while nothing needs encoding; its texts mix the same two claims' words,
so full-text search meets real vocabulary too. Filler rows are bulk-inserted (executemany
on SQLite, binary COPY on PostgreSQL).
"""

from __future__ import annotations

import datetime as dt
import functools
import json
import os
import platform
import resource
import subprocess
import time
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import numpy as np

from claims_db.importers.datasets import curated_seed, default_datasets
from claims_db.models import claim_key
from claims_db.repository import FactCheckInput
from models.embedding import Embedder

REPO = Path(__file__).resolve().parent.parent
DATA_DIR = REPO.parent / "shared" / "data"
EXAMPLE = REPO.parent / "shared" / "examples" / "metro-2025-02-17-starmer-paris.txt"
RESULTS = REPO / "bench" / "results"
CACHE = REPO / "var" / "bench"
MODEL_NAME = "all-MiniLM-L6-v2"
DIM = 384


def real_factchecks() -> list[FactCheckInput]:
    """The curated seed plus the dataset fact-checks (records the importers skip are left out)."""
    items = [*curated_seed(), *default_datasets(DATA_DIR)]
    return [item for item in items if isinstance(item, FactCheckInput)]


def real_embeddings(embedder: Embedder) -> np.ndarray:
    """Embeddings of the real fact-checks' claims, cached under var/bench."""
    CACHE.mkdir(parents=True, exist_ok=True)
    path = CACHE / f"real-{embedder.precision.value}.npy"
    if path.exists():
        return np.load(path)
    vectors = embedder.encode([item.claim for item in real_factchecks()])
    np.save(path, vectors)
    return vectors


def query_sentences(count: int = 400, seed: int = 0) -> list[str]:
    """Claim-like sentences: check-worthiness tweets from CheckThat 2022 (not fact-checks)."""
    path = DATA_DIR / "checkthat2022-task1a-en" / "CT22_english_1A_checkworthy_train.tsv"
    lines = path.read_text(encoding="utf-8").splitlines()[1:]
    texts = []
    for line in lines:
        fields = line.split("\t")
        if len(fields) >= 4:
            text = " ".join(w for w in fields[3].split() if not w.startswith(("http", "@", "#")))
            if len(text.split()) >= 6:
                texts.append(text.rstrip(".!?") + ".")
    rng = np.random.default_rng(seed)
    return [texts[i] for i in rng.choice(len(texts), size=min(count, len(texts)), replace=False)]


@functools.lru_cache(maxsize=1)
def _single_sentences() -> list[str]:
    """Sentences of 6+ words that the segmenter keeps whole (tweets hold several)."""
    from models.segmentation import SegmentKind, segment

    pool = []
    for text in query_sentences(3000, seed=1):
        for piece in segment(text):
            words = piece.text.split()
            if piece.kind is SegmentKind.SENTENCE and len(words) >= 6 and piece.text[-1] in ".!?":
                pool.append(piece.text)
    return pool


def article(sentences: int, seed: int) -> str:
    """A news-like article of ``sentences`` prose sentences, in paragraphs of four."""
    pool = _single_sentences()
    rng = np.random.default_rng(seed)
    chosen = [pool[i] for i in rng.choice(len(pool), size=sentences, replace=False)]
    paragraphs = [" ".join(chosen[i : i + 4]) for i in range(0, len(chosen), 4)]
    return "Headline of a benchmark article\n\n" + "\n\n".join(paragraphs) + "\n"


def filler_vectors(real: np.ndarray, count: int, seed: int) -> np.ndarray:
    """``count`` unit vectors, each a noisy mixture of two real embeddings."""
    rng = np.random.default_rng(seed)
    first = real[rng.integers(len(real), size=count)]
    second = real[rng.integers(len(real), size=count)]
    weight = rng.uniform(0.55, 0.95, size=(count, 1)).astype(np.float32)
    noise = rng.normal(size=(count, real.shape[1])).astype(np.float32) * np.float32(
        0.25 / np.sqrt(real.shape[1])
    )
    vectors = weight * first + (1 - weight) * second + noise
    return (vectors / np.linalg.norm(vectors, axis=1, keepdims=True)).astype(np.float32)


def filler_rows(
    start_id: int, count: int, seed: int, real_claims: list[str]
) -> Iterator[tuple[Any, ...]]:
    """Fact-check rows for filler ids ``start_id …``: (id, claim, key, date, url).

    Each claim is the text of the first real claim its vector was mixed from (same seed as
    ``filler_vectors``) with about a third of its words swapped for words of the second, so
    the lexical side sees real vocabulary and realistic posting-list lengths at scale.
    """
    rng = np.random.default_rng(seed)
    first = rng.integers(len(real_claims), size=count)
    second = rng.integers(len(real_claims), size=count)
    words = np.random.default_rng(seed + 1)
    days = words.integers(0, 365 * 25, size=count)
    epoch = dt.date(2000, 1, 1)
    for offset in range(count):
        fact_check_id = start_id + offset
        base = real_claims[int(first[offset])].split()
        donor = real_claims[int(second[offset])].split()
        swap = words.random(len(base)) < 0.33
        claim = " ".join(
            donor[int(words.integers(len(donor)))] if swapped and donor else word
            for word, swapped in zip(base, swap.tolist(), strict=True)
        )
        claim = f"{claim} ({fact_check_id})"  # distinct text, as every real claim is
        yield (
            fact_check_id,
            claim,
            claim_key(claim),
            epoch + dt.timedelta(days=int(days[offset])),
            f"https://filler.invalid/{fact_check_id}",
        )


def peak_rss_mb() -> float:
    """Peak resident memory of this process so far, in MiB."""
    return resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024


def environment() -> dict[str, Any]:
    """What the numbers were measured on."""
    commit = subprocess.run(
        ["git", "rev-parse", "--short", "HEAD"], capture_output=True, text=True, cwd=REPO
    ).stdout.strip()
    cpu = next(
        (
            line.split(":", 1)[1].strip()
            for line in Path("/proc/cpuinfo").read_text().splitlines()
            if line.startswith("model name")
        ),
        platform.processor(),
    )
    return {
        "when": dt.datetime.now(dt.UTC).isoformat(timespec="seconds"),
        "commit": commit,
        "cpu": cpu,
        "cores": os.cpu_count(),
        "load_average": os.getloadavg(),
        "note": "shared machine: other jobs ran concurrently; compare ratios within a run",
    }


def write_json(name: str, payload: dict[str, Any]) -> Path:
    """Write ``payload`` to bench/results/<name>.json and return the path."""
    RESULTS.mkdir(parents=True, exist_ok=True)
    path = RESULTS / f"{name}.json"
    path.write_text(json.dumps(payload, indent=2, default=str) + "\n", encoding="utf-8")
    return path


def table(headers: list[str], rows: list[list[Any]]) -> str:
    """A Markdown table, ready for the README."""
    lines = ["| " + " | ".join(headers) + " |", "|" + "---|" * len(headers)]
    lines += ["| " + " | ".join(str(cell) for cell in row) + " |" for row in rows]
    return "\n".join(lines)


class Timer:
    """Wall-clock seconds of a block: ``with Timer() as t: ...; t.seconds``."""

    def __enter__(self) -> Timer:
        self.start = time.perf_counter()
        return self

    def __exit__(self, *_exc: object) -> None:
        self.seconds = time.perf_counter() - self.start
