"""Loaders of ``../shared/data`` shared by the training scripts and the evaluations.

The full fact-check database (``claimflag seed --with-datasets``) is built once under
``.cache/`` and read back as the records and vectors a search index holds; embeddings of
other texts are cached on disk by content, so repeated runs skip the encoder.
"""

from __future__ import annotations

import csv
import itertools
import logging
import random
from collections import defaultdict
from collections.abc import Sequence
from dataclasses import dataclass
from pathlib import Path

import numpy as np
import numpy.typing as npt
from sqlalchemy import select

from claims_db.db import make_engine, make_session_factory
from claims_db.importers.datasets import curated_seed, default_datasets
from claims_db.ingest import ClaimEncoder, backfill_multilingual, ingest
from claims_db.migrate import upgrade
from claims_db.models import FactCheckEmbedding
from claims_db.repository import FactCheckRepository
from claims_db.search import FactCheckIndex
from models.embedding import Embedder, Vectors
from models.matching import FactCheckRecord
from models.segmentation import split_sentences
from training.cache import cached_rows, embedder_identity

logger = logging.getLogger(__name__)

DEFAULT_DATA_DIR = Path("../shared/data")
CACHE_DIR = Path(".cache")
DEFAULT_DATABASE = CACHE_DIR / "eval" / "full.db"


def cached_encode(embedder: Embedder, texts: Sequence[str], name: str) -> Vectors:
    """Embeddings of ``texts``, read from ``.cache/embeddings/<name>/`` for every chunk
    encoded before with the same model and format (``training.cache.cached_rows``)."""
    directory = CACHE_DIR / "embeddings" / name
    return cached_rows(embedder, texts, identity=embedder_identity(embedder), directory=directory)


def full_database(
    embedder: Embedder,
    data_dir: Path,
    path: Path = DEFAULT_DATABASE,
    multilingual: ClaimEncoder | None = None,
) -> str:
    """URL of the full database at ``path`` (curated seed + every dataset of ``data_dir``),
    built and seeded first when missing. A build cut off midway is started again.

    With ``multilingual``, the multilingual index is filled too: while building, or for a
    database built without it, by migrating it and backfilling what is missing."""
    url = f"sqlite:///{path}"
    if path.exists():
        if multilingual is not None:
            upgrade(url)
            engine = make_engine(url)
            written = backfill_multilingual(make_session_factory(engine), multilingual)
            engine.dispose()
            if written:
                logger.info("backfilled %d multilingual vectors in %s", written, path)
        return url
    path.parent.mkdir(parents=True, exist_ok=True)
    partial = path.with_name(path.name + ".partial")
    partial.unlink(missing_ok=True)
    partial_url = f"sqlite:///{partial}"
    upgrade(partial_url)
    engine = make_engine(partial_url)
    logger.info("building %s from the curated seed and %s (a few minutes)", path, data_dir)
    ingest(
        make_session_factory(engine),
        embedder,
        itertools.chain(curated_seed(), default_datasets(data_dir)),
        multilingual=multilingual,
    )
    engine.dispose()
    partial.rename(path)
    return url


def full_index(
    embedder: Embedder,
    data_dir: Path,
    path: Path = DEFAULT_DATABASE,
    multilingual: ClaimEncoder | None = None,
) -> FactCheckIndex:
    """The service's in-memory index over the full database (``full_database``, built
    when missing), with the multilingual space when ``multilingual`` is given."""
    engine = make_engine(full_database(embedder, data_dir, path, multilingual=multilingual))
    index = FactCheckIndex(
        embedder.model_name,
        embedder.dimension,
        multilingual_model=multilingual.model_name if multilingual else None,
    )
    with make_session_factory(engine)() as session:
        index.sync(session)
    engine.dispose()
    return index


@dataclass(frozen=True, slots=True)
class Corpus:
    """Fact-check records with their stored embeddings, row ``i`` for ``records[i]``."""

    records: list[FactCheckRecord]
    ids: npt.NDArray[np.int64]
    vectors: Vectors

    def by_url(self) -> dict[str, list[int]]:
        """Record ids per fact-check URL (one URL can hold several wordings)."""
        out: dict[str, list[int]] = defaultdict(list)
        for record in self.records:
            out[record.url].append(record.id)
        return out


def load_corpus(url: str, model_name: str) -> Corpus:
    """Every searchable fact-check of the database at ``url``, with its embeddings under
    ``model_name`` (or, when it has none under that name, under the one name it has: a
    database built on another runtime serves training as well)."""
    engine = make_engine(url)
    with make_session_factory(engine)() as session:
        repository = FactCheckRepository(session)
        records, vectors = repository.searchable(model_name)
        if not records:
            stored = session.scalars(select(FactCheckEmbedding.model_name).distinct()).all()
            if len(stored) == 1:
                logger.info("no embeddings under %s: using %s", model_name, stored[0])
                records, vectors = repository.searchable(stored[0])
    engine.dispose()
    ids = np.fromiter((r.id for r in records), dtype=np.int64, count=len(records))
    return Corpus(records, ids, vectors)


@dataclass(frozen=True, slots=True)
class FncStory:
    """One FNC-1 story: the headlines that state its claim and the bodies reporting it."""

    number: int
    headlines: list[str]
    bodies: list[int]


def read_fnc(data_dir: Path) -> tuple[dict[int, str], list[tuple[str, int, str]]]:
    """FNC-1 train bodies by id and its (headline, body id, stance) rows."""
    root = data_dir / "fnc1-stance"
    with (root / "train_bodies.csv").open(encoding="utf-8", newline="") as handle:
        bodies = {int(row["Body ID"]): row["articleBody"] for row in csv.DictReader(handle)}
    with (root / "train_stances.csv").open(encoding="utf-8", newline="") as handle:
        rows = [
            (row["Headline"], int(row["Body ID"]), row["Stance"]) for row in csv.DictReader(handle)
        ]
    return bodies, rows


def fnc_stories(rows: Sequence[tuple[str, int, str]]) -> list[FncStory]:
    """Stories as connected groups of headlines and bodies joined by a related pair (agree,
    discuss or disagree): every headline of a story states the same claim."""
    parent: dict[str, str] = {}

    def find(node: str) -> str:
        while parent.setdefault(node, node) != node:
            parent[node] = parent[parent[node]]
            node = parent[node]
        return node

    for headline, body, stance in rows:
        if stance != "unrelated":
            parent[find("h:" + headline)] = find(f"b:{body}")
    groups: dict[str, list[str]] = defaultdict(list)
    for node in list(parent):
        groups[find(node)].append(node)
    stories: list[FncStory] = []
    for number, members in enumerate(sorted(groups.values(), key=sorted)):
        stories.append(
            FncStory(
                number=number,
                headlines=sorted(m[2:] for m in members if m.startswith("h:")),
                bodies=sorted(int(m[2:]) for m in members if m.startswith("b:")),
            )
        )
    return stories


def body_sentences(body: str, *, min_words: int = 6, max_words: int = 60) -> list[str]:
    """A body's sentences of a claim-like length."""
    out: list[str] = []
    for paragraph in body.split("\n"):
        for start, end in split_sentences(paragraph):
            sentence = " ".join(paragraph[start:end].split())
            if min_words <= len(sentence.split()) <= max_words:
                out.append(sentence)
    return out


def split_groups(keys: Sequence[str], held_out: float, seed: int) -> set[str]:
    """The keys (of groups) held out: a seeded random ``held_out`` share."""
    ordered = sorted(set(keys))
    random.Random(seed).shuffle(ordered)
    return set(ordered[: round(len(ordered) * held_out)])
