"""Claim retrieval: lexical + dense candidates, fused, re-ranked and calibrated into tiers.

Backends (``models.matching.FactCheckSource``) only produce candidates; everything here
works on top of them, so every storage backend gets the same fusion, re-ranking,
calibration and tiers. The re-ranker is a small logistic-regression head over pair
features, trained by ``python -m models.train_reranker`` and shipped as a JSON artefact.
"""

from __future__ import annotations

import enum
import html
import json
import logging
import re
from collections.abc import Sequence
from dataclasses import dataclass
from functools import lru_cache
from importlib import resources
from typing import Any

import numpy as np
import numpy.typing as npt

from models.embedding import Vectors
from models.matching import (
    Candidate,
    FactCheckRecord,
    FactCheckSource,
    SearchFilter,
    lexical_tokens,
)

logger = logging.getLogger(__name__)

DEFAULT_ARTIFACT = "reranker.json"
# Reciprocal-rank-fusion constant (Cormack et al. 2009).
RRF_K = 60

_URL = re.compile(r"(?:https?://|www\.|pic\.twitter\.com/)\S*", re.IGNORECASE)
# "— Name (@handle) January 14, 2020" at the end of an embedded tweet.
_TWEET_SIGNATURE = re.compile(
    r"\s*[—–-]+\s*([^—–]{0,80}?)\s*\(@\w+\)\s*(?:[A-Z][a-z]+\.? \d{1,2}, \d{4})?\s*\W*$"
)
_RETWEET = re.compile(r"^\s*RT\s+@\w+:?\s*")
_HANDLE = re.compile(r"@(\w+)")
_HASHTAG = re.compile(r"#(\w+)")
_CAMEL = re.compile(r"(?<=[a-z])(?=[A-Z])|(?<=[A-Za-z])(?=\d)|(?<=\d)(?=[A-Za-z])")
_LEAD_IN = re.compile(
    r"^\s*(?:BREAKING(?: NEWS)?|JUST IN|WATCH|UPDATE|VIDEO|PHOTOS?|FACT CHECK|EXCLUSIVE)"
    r"\s*[:!|-]\s*",
    re.IGNORECASE,
)
_SPACES = re.compile(r"\s+")


def clean_query(text: str) -> str:
    """Strip social-media and news furniture from a claim before retrieval.

    Removes URLs, the handle and date of an embedded tweet's "— Name (@handle) date"
    signature (the author's name is kept: who said it helps find the fact-check), a
    retweet prefix and "BREAKING:"-style lead-ins; turns ``#CamelCaseTags`` and ``@handles`` into
    words; unescapes HTML entities. Text without such furniture comes back unchanged
    apart from white space.
    """
    cleaned = html.unescape(text)
    cleaned = _URL.sub(" ", cleaned)
    cleaned = _TWEET_SIGNATURE.sub(lambda m: f" — {m.group(1)}" if m.group(1) else "", cleaned)
    cleaned = _RETWEET.sub("", cleaned)
    cleaned = _LEAD_IN.sub("", cleaned)
    cleaned = _HASHTAG.sub(lambda m: " " + _CAMEL.sub(" ", m.group(1)), cleaned)
    cleaned = _HANDLE.sub(lambda m: _CAMEL.sub(" ", m.group(1)), cleaned)
    cleaned = _SPACES.sub(" ", cleaned).strip()
    return cleaned or _SPACES.sub(" ", text).strip()


class Tier(enum.StrEnum):
    """How far a match may be trusted."""

    MATCH = "match"
    POSSIBLE = "possible"


@dataclass(frozen=True, slots=True)
class Match:
    """A fact-check retrieved for a claim, re-ranked and calibrated.

    Attributes:
        fact_check: The fact-check.
        similarity: Cosine similarity of the claim and fact-check embeddings.
        lexical_score: BM25 score of the fact-check's claim for the query (0 if none).
        score: The re-ranker's raw score (a log-odds).
        confidence: Calibrated probability that this fact-check checks the claim.
        tier: ``match`` (suggest the verdict), ``possible`` (show for review) or None.
    """

    fact_check: FactCheckRecord
    similarity: float
    lexical_score: float
    score: float
    confidence: float
    tier: Tier | None

    def as_candidate(self) -> Candidate:
        """The plain candidate view (fact-check and cosine similarity)."""
        return Candidate(self.fact_check, self.similarity)


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

_NUMBER = re.compile(r"\d+(?:[.,]\d+)?")
_CAPITALISED = re.compile(r"(?<![.!?]\s)(?<!^)\b[A-Z][a-zA-Z]+")


@dataclass(slots=True)
class CandidatePool:
    """Candidates gathered for one query from the dense and lexical stages."""

    records: dict[int, FactCheckRecord]
    cosine: dict[int, float]
    cosine_rank: dict[int, int]
    bm25: dict[int, float]
    bm25_rank: dict[int, int]


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


@dataclass(frozen=True, slots=True)
class _TextProfile:
    tokens: frozenset[str]
    numbers: frozenset[str]
    capitals: frozenset[str]
    words: int


@lru_cache(maxsize=100_000)
def _profile(text: str) -> _TextProfile:
    """What the overlap features need from a text; cached, as fact-checks recur across queries."""
    return _TextProfile(
        tokens=frozenset(lexical_tokens(text)),
        numbers=frozenset(_numbers(text)),
        capitals=frozenset(_capitalised(text)),
        words=max(1, len(text.split())),
    )


def _numbers(text: str) -> set[str]:
    return {n.replace(",", "") for n in _NUMBER.findall(text)}


def _capitalised(text: str) -> set[str]:
    return {w.lower() for w in _CAPITALISED.findall(text)}


def _margin(values: npt.NDArray[np.float64], best: float, second: float) -> npt.NDArray[np.float64]:
    """Each value minus the best other one: the runner-up for the best, the best for the rest."""
    margin: npt.NDArray[np.float64] = values - np.where(values >= best, second, best)
    return margin


def pair_features(query: str, pool: CandidatePool) -> tuple[list[int], npt.NDArray[np.float64]]:
    """Feature rows for every candidate in ``pool`` (ids and a ``len x features`` matrix).

    Candidates found only lexically get the lowest dense cosine in the pool. The columns
    are computed with numpy over all candidates at once; only the set overlaps loop.
    """
    ids = list(pool.records)
    if not ids:
        return ids, np.zeros((0, len(FEATURE_NAMES)))
    floor = min(pool.cosine.values(), default=0.0)
    depth_dense = len(pool.cosine) + 1
    depth_lexical = len(pool.bm25) + 1
    cosine = np.array([pool.cosine.get(i, floor) for i in ids], dtype=np.float64)
    dense_rank = np.array([pool.cosine_rank.get(i, depth_dense) for i in ids], dtype=np.float64)
    bm25 = np.array([pool.bm25.get(i, 0.0) for i in ids], dtype=np.float64)
    lexical_rank = np.array([pool.bm25_rank.get(i, depth_lexical) for i in ids], dtype=np.float64)
    in_both = np.array([i in pool.cosine and i in pool.bm25 for i in ids], dtype=np.float64)
    top_cosines = np.sort(cosine)[::-1]
    best_cosine = float(top_cosines[0])
    second_cosine = float(top_cosines[1]) if len(ids) > 1 else 0.0
    top_bm25 = sorted(pool.bm25.values(), reverse=True)
    best_bm25 = top_bm25[0] if top_bm25 else 0.0
    second_bm25 = top_bm25[1] if len(top_bm25) > 1 else 0.0

    query_profile = _profile(query)
    query_tokens = query_profile.tokens
    query_numbers = query_profile.numbers
    query_capitals = query_profile.capitals
    profiles = [_profile(pool.records[i].claim) for i in ids]
    counts = np.array(
        [
            (
                len(p.tokens & query_tokens),
                len(p.tokens),
                len(p.numbers & query_numbers),
                len(p.numbers),
                len(p.capitals & query_capitals),
                len(p.capitals),
                p.words,
            )
            for p in profiles
        ],
        dtype=np.float64,
    )
    shared, tokens, shared_numbers, numbers, shared_capitals, capitals, words = counts.T
    if best_bm25 > 0:
        bm25_norm = bm25 / best_bm25
        bm25_margin = _margin(bm25, best_bm25, second_bm25) / best_bm25
    else:
        bm25_norm = bm25_margin = np.zeros(len(ids))
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
        shared / np.maximum(1, tokens + len(query_tokens) - shared),
        shared / np.maximum(1, tokens),
        shared / max(1, len(query_tokens)),
        shared_numbers / np.maximum(1, numbers),
        ((numbers > 0) & (shared_numbers == 0)).astype(np.float64),
        shared_capitals / np.maximum(1, capitals),
        np.log(words / query_profile.words),
        np.full(len(ids), float(query_profile.words < 6)),
    )
    return ids, np.column_stack(columns)


@dataclass(frozen=True, slots=True)
class Calibration:
    """Monotone map from re-ranker score to probability (isotonic knots, interpolated)."""

    scores: tuple[float, ...]
    probabilities: tuple[float, ...]

    def __call__(self, score: npt.NDArray[np.float64]) -> npt.NDArray[np.float64]:
        """Calibrated probabilities for raw scores."""
        if not self.scores:
            return 1.0 / (1.0 + np.exp(-score))
        return np.interp(score, self.scores, self.probabilities)


@dataclass(frozen=True, slots=True)
class Reranker:
    """A logistic-regression head over standardised pair features, with its calibration.

    Attributes:
        weights: One weight per feature (after standardisation).
        bias: Intercept.
        mean: Feature means used for standardisation.
        scale: Feature standard deviations used for standardisation.
        calibration: Score to probability map fitted on held-out queries.
        feature_names: The features, in order (checked against ``FEATURE_NAMES``).
    """

    weights: tuple[float, ...]
    bias: float
    mean: tuple[float, ...]
    scale: tuple[float, ...]
    calibration: Calibration
    feature_names: tuple[str, ...] = FEATURE_NAMES

    def score(self, features: npt.NDArray[np.float64]) -> npt.NDArray[np.float64]:
        """Raw scores (log-odds) for feature rows."""
        if features.shape[0] == 0:
            return np.zeros(0)
        standard = (features - np.asarray(self.mean)) / np.asarray(self.scale)
        scores: npt.NDArray[np.float64] = standard @ np.asarray(self.weights) + self.bias
        return scores

    def to_json(self, card: dict[str, Any] | None = None) -> str:
        """The artefact: parameters plus a card saying how it was made and what it scored."""
        return json.dumps(
            {
                "kind": "logistic-regression reranker",
                "feature_names": list(self.feature_names),
                "weights": list(self.weights),
                "bias": self.bias,
                "mean": list(self.mean),
                "scale": list(self.scale),
                "calibration": {
                    "scores": list(self.calibration.scores),
                    "probabilities": list(self.calibration.probabilities),
                },
                "card": card or {},
            },
            indent=1,
        )

    @classmethod
    def from_json(cls, text: str) -> Reranker:
        """Load an artefact written by ``to_json``."""
        data = json.loads(text)
        names = tuple(data["feature_names"])
        if names != FEATURE_NAMES:
            raise ValueError(f"re-ranker was trained on features {names}, code has {FEATURE_NAMES}")
        return cls(
            weights=tuple(data["weights"]),
            bias=float(data["bias"]),
            mean=tuple(data["mean"]),
            scale=tuple(data["scale"]),
            calibration=Calibration(
                tuple(data["calibration"]["scores"]), tuple(data["calibration"]["probabilities"])
            ),
            feature_names=names,
        )


@lru_cache(maxsize=1)
def load_reranker() -> Reranker:
    """The packaged re-ranker (``models/artifacts/reranker.json``)."""
    text = resources.files("models").joinpath(f"artifacts/{DEFAULT_ARTIFACT}").read_text("utf-8")
    return Reranker.from_json(text)


@dataclass(frozen=True, slots=True)
class MatcherSettings:
    """Candidate depths and tier thresholds.

    Attributes:
        match_threshold: Calibrated confidence at or above which a match is in the ``match``
            tier (its verdict is suggested). Defaults to 0.80.
        possible_threshold: Confidence at or above which a match is shown as ``possible``;
            below it nothing is returned. Defaults to 0.30.
        min_match_words: Queries with fewer words never reach the ``match`` tier.
            Defaults to 4.
        min_match_similarity: Cosine similarity below which a fact-check never reaches the
            ``match`` tier, whatever its confidence: the re-ranker's rank and margin features
            flatter the best of a small database. Costs no dev suggestion and 10 of 545 train
            ones on CheckThat! 2022 2A. Defaults to 0.55.
        dense_depth: Dense candidates fetched per query. Defaults to 30.
        lexical_depth: Lexical candidates fetched per query. Defaults to 30.
        limit: Most matches returned per query. Defaults to 5.
    """

    match_threshold: float = 0.80
    possible_threshold: float = 0.30
    min_match_words: int = 4
    min_match_similarity: float = 0.55
    dense_depth: int = 30
    lexical_depth: int = 30
    limit: int = 5


class Matcher:
    """Finds, re-ranks and calibrates fact-checks for claims, on any ``FactCheckSource``.

    Args:
        settings: Depths and thresholds. Defaults to ``MatcherSettings()``.
        reranker: The pair scorer. Defaults to the packaged artefact.
    """

    def __init__(
        self, settings: MatcherSettings | None = None, reranker: Reranker | None = None
    ) -> None:
        self.settings = settings or MatcherSettings()
        self._reranker = reranker

    @property
    def reranker(self) -> Reranker:
        """The pair scorer (the packaged one is loaded on first use)."""
        if self._reranker is None:
            self._reranker = load_reranker()
        return self._reranker

    def candidates(
        self,
        texts: Sequence[str],
        vectors: Vectors,
        source: FactCheckSource,
        search_filter: SearchFilter | None = None,
        lexical: list[list[Candidate]] | None = None,
    ) -> list[CandidatePool]:
        """The fused candidate pool per query (dense and lexical stages, before re-ranking).

        ``lexical``, when given, is ``lexical_candidates``' answer for the same texts (the
        pipeline starts that stage while the encoder runs, since it needs no vectors).
        """
        dense = source.nearest(vectors, k=self.settings.dense_depth, search_filter=search_filter)
        if lexical is None:
            lexical = self.lexical_candidates(texts, source, search_filter)
        return [_pool(d, lx) for d, lx in zip(dense, lexical, strict=True)]

    def lexical_candidates(
        self,
        texts: Sequence[str],
        source: FactCheckSource,
        search_filter: SearchFilter | None = None,
    ) -> list[list[Candidate]]:
        """The lexical stage alone: candidates per text by BM25 / full-text search."""
        cleaned = [clean_query(t) for t in texts]
        return source.lexical(cleaned, k=self.settings.lexical_depth, search_filter=search_filter)

    def rank(
        self,
        texts: Sequence[str],
        vectors: Vectors,
        source: FactCheckSource,
        search_filter: SearchFilter | None = None,
        *,
        limit: int | None = None,
        keep_all: bool = False,
        lexical: list[list[Candidate]] | None = None,
    ) -> list[list[Match]]:
        """Re-ranked, calibrated matches per query, best first.

        Args:
            texts: The claims as written (cleaned here for the lexical stage).
            vectors: Their unit embeddings, one row per text (already computed upstream).
            source: The backend producing candidates.
            search_filter: Restrictions on the fact-checks admitted.
            limit: Most matches per query. Defaults to ``settings.limit``.
            keep_all: Keep matches below the possible tier too (for evaluation).
            lexical: The lexical stage's candidates, if already fetched
                (``lexical_candidates``).
        """
        limit = self.settings.limit if limit is None else limit
        results: list[list[Match]] = []
        pools = self.candidates(texts, vectors, source, search_filter, lexical)
        for text, pool in zip(texts, pools, strict=True):
            query = clean_query(text)
            ids, features = pair_features(query, pool)
            scores = self.reranker.score(features)
            confidences = self.reranker.calibration(scores)
            order = np.argsort(-scores, kind="stable")
            short = len(query.split()) < self.settings.min_match_words
            matches: list[Match] = []
            for position in order[:limit]:
                fact_check_id = ids[position]
                confidence = float(confidences[position])
                tier = self._tier(confidence, short, float(features[position, 0]))
                if tier is None and not keep_all:
                    continue
                matches.append(
                    Match(
                        fact_check=pool.records[fact_check_id],
                        similarity=float(features[position, 0]),
                        lexical_score=pool.bm25.get(fact_check_id, 0.0),
                        score=float(scores[position]),
                        confidence=round(confidence, 4),
                        tier=tier,
                    )
                )
            results.append(matches)
        return results

    def search(
        self,
        text: str,
        vector: npt.NDArray[np.float32],
        source: FactCheckSource,
        search_filter: SearchFilter | None = None,
        limit: int | None = None,
    ) -> list[Match]:
        """Matches for one free-text query (the fact-check search endpoint's entry point)."""
        return self.rank([text], vector.reshape(1, -1), source, search_filter, limit=limit)[0]

    def _tier(self, confidence: float, short: bool, similarity: float) -> Tier | None:
        settings = self.settings
        if (
            confidence >= settings.match_threshold
            and not short
            and similarity >= settings.min_match_similarity
        ):
            return Tier.MATCH
        if confidence >= self.settings.possible_threshold:
            return Tier.POSSIBLE
        return None


@dataclass(frozen=True, slots=True)
class Agreement:
    """How the verdicts of a claim's ``match``-tier fact-checks agree.

    Attributes:
        verdict_agreement: Share of match-tier fact-checks whose verdict is the top one's.
        publishers_disagree: Whether two match-tier fact-checks give different verdicts.
    """

    verdict_agreement: float
    publishers_disagree: bool


def agreement(matches: Sequence[Match]) -> Agreement | None:
    """The agreement among ``match``-tier matches (best first); None without any."""
    confident = [m for m in matches if m.tier is Tier.MATCH]
    if not confident:
        return None
    top = confident[0].fact_check.verdict
    same = sum(1 for m in confident if m.fact_check.verdict == top)
    return Agreement(
        verdict_agreement=round(same / len(confident), 4),
        publishers_disagree=len({m.fact_check.verdict for m in confident}) > 1,
    )
