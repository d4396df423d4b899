"""Pair and article features of the first stage: cosine and its gaps and rank, BM25
score and rank, fusion, overlaps, length ratio; the candidate pool they are computed on.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass

import numpy as np
import numpy.typing as npt

from models.matching import (
    Candidate,
    FactCheckRecord,
)
from models.retrieval.profiles import OverlapTable, _overlap_counts, _profile, record_profile

# Reciprocal-rank-fusion constant (Cormack et al. 2009).
RRF_K = 60


@dataclass(frozen=True, slots=True)
class PairFeatures:
    """Everything the re-ranker sees about one (query, fact-check) pair."""

    names: tuple[str, ...]
    values: npt.NDArray[np.float64]


FEATURE_NAMES: tuple[str, ...] = (
    "cosine",
    "cosine_gap",
    "cosine_margin",
    "cosine_rank_rr",
    "bm25_norm",
    "bm25_log",
    "bm25_rank_rr",
    "bm25_margin",
    "rrf",
    "in_both",
    "token_jaccard",
    "fact_check_coverage",
    "query_coverage",
    "number_overlap",
    "number_mismatch",
    "capital_overlap",
    "log_length_ratio",
    "query_short",
)


@dataclass(slots=True)
class CandidatePool:
    """Candidates gathered for one query from the dense and lexical stages."""

    records: dict[int, FactCheckRecord]
    cosine: dict[int, float]
    cosine_rank: dict[int, int]
    bm25: dict[int, float]
    bm25_rank: dict[int, int]

    def closeness(self, k: int) -> float | None:
        """Mean cosine similarity of the ``k`` closest dense candidates (of all there are
        when fewer; None without any)."""
        closest = sorted(self.cosine.values(), reverse=True)[:k]
        return sum(closest) / len(closest) if closest else None


def _pool(dense: list[Candidate], lexical: list[Candidate]) -> CandidatePool:
    pool = CandidatePool({}, {}, {}, {}, {})
    for rank, candidate in enumerate(dense):
        record = candidate.fact_check
        pool.records[record.id] = record
        pool.cosine[record.id] = candidate.similarity
        pool.cosine_rank[record.id] = rank
    for rank, candidate in enumerate(lexical):
        record = candidate.fact_check
        pool.records.setdefault(record.id, record)
        pool.bm25[record.id] = candidate.similarity
        pool.bm25_rank[record.id] = rank
    return pool


def _margin(
    values: npt.NDArray[np.float64],
    best: npt.NDArray[np.float64] | float,
    second: npt.NDArray[np.float64] | float,
) -> npt.NDArray[np.float64]:
    """Each value minus the best other one: the runner-up for the best, the best for the rest."""
    margin: npt.NDArray[np.float64] = values - np.where(values >= best, second, best)
    return margin


def pair_features(
    query: str, pool: CandidatePool, overlap: OverlapTable | None = None
) -> tuple[list[int], npt.NDArray[np.float64]]:
    """Feature rows for every candidate in ``pool`` (ids and a ``len x features`` matrix).

    Candidates found only lexically get the lowest dense cosine in the pool. The set
    overlaps come from ``overlap`` when the backend has one, else from each record's cached
    profile. ``article_features`` does the same for many queries at once.
    """
    [ids], features, _ = article_features([query], [pool], overlap)
    return ids, features


def _top_two(values: npt.NDArray[np.float64]) -> tuple[float, float]:
    if values.shape[0] == 0:
        return 0.0, 0.0
    if values.shape[0] == 1:
        return float(values[0]), 0.0
    top = np.partition(values, values.shape[0] - 2)[-2:]
    return float(top[1]), float(top[0])


def article_features(
    queries: Sequence[str],
    pools: Sequence[CandidatePool],
    overlap: OverlapTable | None = None,
) -> tuple[list[list[int]], npt.NDArray[np.float64], npt.NDArray[np.int64]]:
    """``pair_features`` for all of an article's queries in one set of array operations.

    Returns the candidate ids per query, one feature matrix with every query's rows in
    turn, and the row offsets (query ``q`` owns rows ``offsets[q]:offsets[q + 1]``).
    """
    ids_per_query = [list(pool.records) for pool in pools]
    sizes = np.fromiter((len(i) for i in ids_per_query), dtype=np.int64, count=len(pools))
    offsets = np.zeros(len(pools) + 1, dtype=np.int64)
    np.cumsum(sizes, out=offsets[1:])
    n = int(offsets[-1])
    if n == 0:
        return ids_per_query, np.zeros((0, len(FEATURE_NAMES))), offsets
    cosine = np.empty(n)
    dense_rank = np.empty(n)
    bm25 = np.empty(n)
    lexical_rank = np.empty(n)
    in_both = np.empty(n)
    # Per query: best and runner-up cosine and BM25 score.
    stats = np.zeros((len(pools), 4))
    records: list[FactCheckRecord] = []
    for number, (pool, ids) in enumerate(zip(pools, ids_per_query, strict=True)):
        if not ids:
            continue
        rows = slice(int(offsets[number]), int(offsets[number + 1]))
        floor = min(pool.cosine.values(), default=0.0)
        depth_dense = len(pool.cosine) + 1
        depth_lexical = len(pool.bm25) + 1
        cosine[rows] = [pool.cosine.get(i, floor) for i in ids]
        dense_rank[rows] = [pool.cosine_rank.get(i, depth_dense) for i in ids]
        bm25[rows] = [pool.bm25.get(i, 0.0) for i in ids]
        lexical_rank[rows] = [pool.bm25_rank.get(i, depth_lexical) for i in ids]
        in_both[rows] = [i in pool.cosine and i in pool.bm25 for i in ids]
        stats[number, :2] = _top_two(cosine[rows])
        # Rows found only densely score 0, below any lexical score: the top two of the
        # column are the top two of the pool's BM25 scores (0 where there are none).
        stats[number, 2:] = _top_two(bm25[rows])
        records.extend(pool.records[i] for i in ids)
    best_cosine, second_cosine, best_bm25, second_bm25 = np.repeat(stats, sizes, axis=0).T

    profiles = [_profile(q) for q in queries]
    query_of = np.repeat(np.arange(len(pools), dtype=np.int64), sizes)
    if overlap is not None:
        counts = overlap.counts(profiles, query_of, records)
    else:
        # A record met by several of the article's queries is profiled once.
        by_id = {r.id: r for r in records}
        record_profiles = {i: record_profile(r) for i, r in by_id.items()}
        counts = np.array(
            [
                _overlap_counts(profiles[q], record_profiles[r.id])
                for q, r in zip(query_of.tolist(), records, strict=True)
            ],
            dtype=np.float64,
        )
    shared, tokens, shared_numbers, numbers, shared_capitals, capitals, words = counts.T
    query_tokens = np.repeat([float(len(p.tokens)) for p in profiles], sizes)
    query_words = np.repeat([float(p.words) for p in profiles], sizes)
    lexical = best_bm25 > 0
    scale = np.where(lexical, best_bm25, 1.0)
    bm25_norm = np.where(lexical, bm25 / scale, 0.0)
    bm25_margin = np.where(lexical, _margin(bm25, best_bm25, second_bm25) / scale, 0.0)
    columns = (
        cosine,
        cosine - best_cosine,
        _margin(cosine, best_cosine, second_cosine),
        1.0 / (1 + dense_rank),
        bm25_norm,
        np.log1p(bm25),
        1.0 / (1 + lexical_rank),
        bm25_margin,
        RRF_K / (RRF_K + dense_rank) + RRF_K / (RRF_K + lexical_rank),
        in_both,
        shared / np.maximum(1, tokens + query_tokens - shared),
        shared / np.maximum(1, tokens),
        shared / np.maximum(1, query_tokens),
        shared_numbers / np.maximum(1, numbers),
        ((numbers > 0) & (shared_numbers == 0)).astype(np.float64),
        shared_capitals / np.maximum(1, capitals),
        np.log(words / query_words),
        (query_words < 6).astype(np.float64),
    )
    return ids_per_query, np.column_stack(columns), offsets
