"""Nearest published fact-checks for claim embeddings, and what they suggest."""

from __future__ import annotations

import datetime as dt
import logging
import re
import threading
from collections.abc import Sequence
from dataclasses import dataclass, field
from functools import lru_cache
from typing import Protocol, runtime_checkable

import bm25s
import numpy as np
import numpy.typing as npt
from scipy import sparse

from models.embedding import Vectors
from models.verdicts import Verdict

# bm25s sets its own logger to DEBUG on import; hand the level back to the application.
logging.getLogger("bm25s").setLevel(logging.NOTSET)


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
    # The claim's stored lexical profile (``models.retrieval.lexical_profile``) when the
    # backend keeps one beside the embedding: spares re-tokenising the claim per query.
    profile: str | None = field(default=None, compare=False, repr=False)


@dataclass(frozen=True, slots=True)
class Candidate:
    """A fact-check found near a claim, with a backend's similarity score.

    ``similarity`` is the cosine similarity of the embeddings for dense candidates
    (``FactCheckSource.nearest``) and the lexical (BM25) score for lexical ones
    (``FactCheckSource.lexical``).
    """

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

    A backend (the in-memory index over SQLite, PostgreSQL + pgvector, …) only produces
    candidates, each method answering one query per input row and honouring
    ``search_filter`` exactly (never returning a record it does not admit). Fusion,
    re-ranking, calibration and suggestions happen in ``models/retrieval.py`` on top of them.
    """

    def nearest(
        self, vectors: Vectors, *, k: int, search_filter: SearchFilter | None = None
    ) -> list[list[Candidate]]:
        """Dense candidates: for each row of ``vectors``, up to ``k``, most similar first.

        ``Candidate.similarity`` is the cosine similarity.
        """
        ...

    def lexical(
        self, texts: Sequence[str], *, k: int, search_filter: SearchFilter | None = None
    ) -> list[list[Candidate]]:
        """Lexical candidates: for each text, up to ``k`` with a positive score, best first.

        ``Candidate.similarity`` is the lexical score (BM25 over the fact-check's claim text
        tokenised by ``lexical_tokens``, or the backend's closest equivalent); zero-score
        fact-checks are not returned.
        """
        ...


@runtime_checkable
class SizedSource(Protocol):
    """A ``FactCheckSource`` that can say roughly how many fact-checks it searches, cheaply
    enough to ask on every request (an estimate may lag writes by some seconds)."""

    def approximate_size(self) -> int:
        """About how many fact-checks the dense search covers."""
        ...


@runtime_checkable
class MultilingualSource(Protocol):
    """A ``FactCheckSource`` that also keeps the fact-checks' multilingual embeddings
    (``models.encoders.multilingual``), searched for claims written in other languages and
    for fact-checks written in other languages than the claim's."""

    def nearest_multilingual(
        self, vectors: Vectors, *, k: int, search_filter: SearchFilter | None = None
    ) -> list[list[Candidate]]:
        """Dense candidates in the multilingual space, as ``FactCheckSource.nearest``."""
        ...

    def multilingual_count(self) -> int:
        """How many fact-checks have a multilingual embedding (0: the index is empty)."""
        ...


_TOKEN = re.compile(r"[^\W_]+", re.UNICODE)
_STOPWORD_TEXT = """a about above after again against all am an and any are as at be because been
    before
    being below between both but by can could did do does doing down during each few for from
    further had has have having he her here hers herself him himself his how i if in into is it
    its itself just me more most my myself no nor not now of off on once only or other our ours
    ourselves out over own same she should so some such than that the their theirs them
    themselves then there these they this those through to too under until up very was we were
    what when where which while who whom why will with would you your yours yourself
    yourselves"""
_STOPWORDS = frozenset(_STOPWORD_TEXT.split())


@lru_cache(maxsize=1)
def _stemmer() -> object:
    import Stemmer

    return Stemmer.Stemmer("english")


class _Stems(dict[str, str]):
    """Word to Snowball stem, filled on first sight: a dict lookup costs a tenth of a stemmer
    call, and a corpus reuses a small vocabulary. Emptied when it reaches ``LIMIT`` words."""

    LIMIT = 1_000_000

    def __missing__(self, word: str) -> str:
        if len(self) >= self.LIMIT:
            self.clear()
        stem: str = _stemmer().stemWord(word)  # type: ignore[attr-defined]
        self[word] = stem
        return stem


_STEMS = _Stems()


def lexical_tokens(text: str) -> list[str]:
    """Lower-cased, stop-word-free, Snowball-stemmed word tokens (numbers kept)."""
    return [_STEMS[w] for w in _TOKEN.findall(text.lower()) if w not in _STOPWORDS]


def _score_matrix(bm25: bm25s.BM25) -> sparse.csc_matrix:
    """bm25s's precomputed per-(document, token) BM25 weights as a documents x vocabulary
    sparse matrix (shares bm25s's arrays)."""
    matrix = bm25.scores
    indptr = matrix["indptr"]
    return sparse.csc_matrix(
        (matrix["data"], matrix["indices"], indptr),
        shape=(int(matrix["num_docs"]), indptr.shape[0] - 1),
        copy=False,
    )


def _matching_scores(
    bm25: bm25s.BM25, weights: sparse.csc_matrix, queries: Sequence[list[str]]
) -> sparse.csc_matrix:
    """Summed BM25 scores of every document sharing a token with each query.

    One sparse product (documents x vocabulary times vocabulary x queries) reads only the
    postings of the queries' tokens, so the work grows with how many documents share a word
    with the queries, not with the corpus. Column ``q`` holds query ``q``'s nonzero scores;
    they equal bm25s's ``get_scores``, a repeated query token counting once per repeat.
    """
    rows: list[int] = []
    columns: list[int] = []
    for column, tokens in enumerate(queries):
        token_ids = bm25.get_tokens_ids(tokens)
        rows.extend(token_ids)
        columns.extend([column] * len(token_ids))
    # Duplicate (token, query) entries are summed: the repeat count.
    query_matrix = sparse.csr_matrix(
        (np.ones(len(rows), dtype=np.float32), (rows, columns)),
        shape=(weights.shape[1], len(queries)),
    )
    product: sparse.csc_matrix = sparse.csc_matrix(weights @ query_matrix)
    return product


class LexicalIndex:
    """BM25 (``bm25s``, Lucene variant) over fact-check texts held in memory.

    Thread-safe for concurrent readers and one writer replacing the contents.
    """

    def __init__(self) -> None:
        self._ids: npt.NDArray[np.int64] = np.zeros(0, dtype=np.int64)
        self._bm25: bm25s.BM25 | None = None
        self._weights: sparse.csc_matrix | None = None
        self._lock = threading.Lock()

    def __len__(self) -> int:
        return int(self._ids.shape[0])

    def replace(
        self,
        ids: npt.NDArray[np.int64],
        texts: Sequence[str],
        tokens: Sequence[list[str]] | None = None,
    ) -> None:
        """Swap in a new corpus: ``texts[i]`` is the text of fact-check ``ids[i]``.

        ``tokens``, when given, is ``lexical_tokens`` of each text, already computed.
        """
        if len(texts) != ids.shape[0]:
            raise ValueError(f"expected {ids.shape[0]} texts, got {len(texts)}")
        if tokens is None:
            tokens = [lexical_tokens(t) for t in texts]
        bm25: bm25s.BM25 | None = None
        weights: sparse.csc_matrix | None = None
        if len(texts):
            bm25 = bm25s.BM25()
            # An empty token list would break the index; a placeholder never matches.
            bm25.index([t or ["\x00"] for t in tokens], show_progress=False)
            weights = _score_matrix(bm25)
        with self._lock:
            self._ids = ids.astype(np.int64, copy=False)
            self._bm25, self._weights = bm25, weights

    def search(
        self,
        texts: Sequence[str],
        k: int,
        mask: npt.NDArray[np.bool_] | None = None,
    ) -> list[tuple[npt.NDArray[np.int64], npt.NDArray[np.float32]]]:
        """Top ``k`` ids with positive BM25 scores per text, best first.

        Args:
            texts: Query texts.
            k: Most results per text.
            mask: Optional boolean array over the corpus order (``positions()``); ``False``
                rows are excluded. Ignored if its length no longer matches the corpus.
        """
        with self._lock:
            ids, bm25, weights = self._ids, self._bm25, self._weights
        empty = (np.zeros(0, dtype=np.int64), np.zeros(0, dtype=np.float32))
        if bm25 is None or weights is None or k <= 0 or not texts:
            return [empty for _ in texts]
        scores_by_query = _matching_scores(bm25, weights, [lexical_tokens(t) for t in texts])
        indptr, indices, data = (
            scores_by_query.indptr,
            scores_by_query.indices,
            scores_by_query.data,
        )
        use_mask = mask is not None and mask.shape == ids.shape
        results: list[tuple[npt.NDArray[np.int64], npt.NDArray[np.float32]]] = []
        for column in range(len(texts)):
            start, end = int(indptr[column]), int(indptr[column + 1])
            positions = indices[start:end].astype(np.int64)
            scores = data[start:end].astype(np.float32)
            if use_mask:
                keep = mask[positions]  # type: ignore[index]
                positions, scores = positions[keep], scores[keep]
            keep = scores > 0
            positions, scores = positions[keep], scores[keep]
            if positions.shape[0] > k:  # everything tied with the k-th best stays in
                kth = -np.partition(-scores, k - 1)[k - 1]
                keep = scores >= kth
                positions, scores = positions[keep], scores[keep]
            order = np.lexsort((positions, -scores))[:k]
            results.append((ids[positions[order]], scores[order]))
        return results

    def positions(self) -> npt.NDArray[np.int64]:
        """The ids in corpus order (what a ``mask`` passed to ``search`` is aligned with)."""
        return self._ids


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
