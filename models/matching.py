"""Nearest published fact-checks for claim embeddings, and what they suggest."""

from __future__ import annotations

import datetime as dt
import threading
from dataclasses import dataclass
from typing import Protocol

import numpy as np
import numpy.typing as npt

from models.embedding import Vectors
from models.verdicts import Verdict


@dataclass(frozen=True, slots=True)
class FactCheckRecord:
    """The facts of one published fact-check that matching and suggestions need."""

    id: int
    claim: str
    rating: str
    verdict: Verdict
    publisher: str
    url: str
    review_date: dt.date | None = None
    claimant: str | None = None
    publisher_site: str | None = None
    language: str = "en"


@dataclass(frozen=True, slots=True)
class Candidate:
    """A fact-check found near a claim, with the cosine similarity of their embeddings."""

    fact_check: FactCheckRecord
    similarity: float


@dataclass(frozen=True, slots=True)
class SearchFilter:
    """Restrictions on which fact-checks may match.

    Attributes:
        reviewed_before: Only fact-checks reviewed on or before this date (the article's
            publication date: a later fact-check was not evidence then).
        reviewed_after: Only fact-checks reviewed on or after this date.
        language: Only fact-checks in this language.
        publisher: Only fact-checks by this publisher (name or site).
    """

    reviewed_before: dt.date | None = None
    reviewed_after: dt.date | None = None
    language: str | None = None
    publisher: str | None = None

    def admits(self, record: FactCheckRecord) -> bool:
        """Whether ``record`` passes every restriction; undated records pass date limits."""
        if self.language and record.language != self.language:
            return False
        if self.publisher and self.publisher.lower() not in {
            record.publisher.lower(),
            (record.publisher_site or "").lower(),
        }:
            return False
        if record.review_date is not None:
            if self.reviewed_before and record.review_date > self.reviewed_before:
                return False
            if self.reviewed_after and record.review_date < self.reviewed_after:
                return False
        return True


class FactCheckSource(Protocol):
    """Where the pipeline finds fact-checks: the seam between matching and storage backends.

    A backend (the in-memory index over SQLite, PostgreSQL + pgvector, …) answers candidate
    queries; fusion, re-ranking and suggestions happen in ``models/`` on top of them.
    """

    def nearest(
        self, vectors: Vectors, *, k: int, search_filter: SearchFilter | None = None
    ) -> list[list[Candidate]]:
        """Dense candidates: for each row of ``vectors``, up to ``k``, most similar first."""
        ...


class DenseIndex:
    """Exact cosine search over unit vectors held in memory (a matrix product per batch).

    Thread-safe for concurrent readers and one writer replacing the contents.
    """

    def __init__(self, dimension: int) -> None:
        self.dimension = dimension
        self._ids: npt.NDArray[np.int64] = np.zeros(0, dtype=np.int64)
        self._vectors: Vectors = np.zeros((0, dimension), dtype=np.float32)
        self._lock = threading.Lock()

    def __len__(self) -> int:
        return int(self._ids.shape[0])

    def replace(self, ids: npt.NDArray[np.int64], vectors: Vectors) -> None:
        """Swap in a new set of ids and their unit vectors."""
        if vectors.shape != (ids.shape[0], self.dimension):
            raise ValueError(
                f"expected {ids.shape[0]}x{self.dimension} vectors, got {vectors.shape}"
            )
        with self._lock:
            self._ids = ids.astype(np.int64, copy=False)
            self._vectors = np.ascontiguousarray(vectors, dtype=np.float32)

    def search(
        self, queries: Vectors, k: int
    ) -> tuple[npt.NDArray[np.int64], npt.NDArray[np.float32]]:
        """Top ``k`` ids and cosine similarities per query row, best first."""
        with self._lock:
            ids, vectors = self._ids, self._vectors
        n = ids.shape[0]
        if n == 0 or queries.shape[0] == 0:
            empty = (queries.shape[0], 0)
            return np.zeros(empty, dtype=np.int64), np.zeros(empty, dtype=np.float32)
        k = min(k, n)
        scores = queries @ vectors.T
        top = (
            np.argpartition(-scores, k - 1, axis=1)[:, :k]
            if k < n
            else np.tile(np.arange(n), (queries.shape[0], 1))
        )
        top_scores = np.take_along_axis(scores, top, axis=1)
        order = np.argsort(-top_scores, axis=1)
        top = np.take_along_axis(top, order, axis=1)
        return ids[top], np.take_along_axis(top_scores, order, axis=1)
