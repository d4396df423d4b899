"""Claim retrieval: lexical + dense candidates, fused, re-ranked and calibrated into tiers.

Backends (``models.matching.FactCheckSource``) only produce candidates; everything here
works on top of them, so every storage backend gets the same fusion, re-ranking,
calibration and tiers. The re-ranker is a small logistic-regression head over pair
features, trained by ``python -m training.first_stage`` and shipped as a JSON artefact.
"""

from __future__ import annotations

import enum
import html
import json
import logging
import re
from array import array
from collections.abc import Sequence
from dataclasses import dataclass
from functools import lru_cache
from importlib import resources
from typing import Any, Protocol, runtime_checkable

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
from models.reranking import CrossReranker

logger = logging.getLogger(__name__)

DEFAULT_ARTIFACT = "reranker.json"
# Reciprocal-rank-fusion constant (Cormack et al. 2009).
RRF_K = 60

_URL = re.compile(r"(?:https?://|www\.|pic\.twitter\.com/)\S*", re.IGNORECASE)
# "— Name (@handle) January 14, 2020" at the end of an embedded tweet. It is tried only
# where its run of spaces and of dashes begins (a match from inside them would start
# earlier), with possessive runs, so a long run of either is read once, not per position.
_TWEET_SIGNATURE = re.compile(
    r"(?<!\s)\s*+(?<![—–-])[—–-]++\s*+([^—–]{0,80}?)\s*+\(@\w+\)\s*+"
    r"(?:[A-Z][a-z]+\.? \d{1,2}, \d{4})?+\W*+$"
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


@lru_cache(maxsize=8192)
def clean_query(text: str) -> str:
    """Strip social-media and news furniture from a claim before retrieval.

    Removes URLs, the handle and date of an embedded tweet's "— Name (@handle) date"
    signature (the author's name is kept: who said it helps find the fact-check), a
    retweet prefix and "BREAKING:"-style lead-ins; turns ``#CamelCaseTags`` and ``@handles`` into
    words; unescapes HTML entities. Text without such furniture comes back unchanged
    apart from white space. Cached: the lexical stage and the re-ranker both clean each of
    an article's texts.
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
    """How far a match may be trusted, from its calibrated confidence (thresholds set from
    the precision measured on tweets and news prose; see ``MatcherSettings``)."""

    CONFIRMED = "confirmed"
    LIKELY = "likely"
    POSSIBLE = "possible"

    @property
    def suggests_verdict(self) -> bool:
        """Whether a match in this tier has its verdict suggested (the claim is flagged)."""
        return self is not Tier.POSSIBLE

    def lower(self) -> Tier:
        """The tier one step less trusted (``possible`` stays)."""
        return Tier.POSSIBLE if self is not Tier.CONFIRMED else Tier.LIKELY


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
        cross_score: The cross-encoder's logit that the fact-check checks the claim; None
            when the second stage did not read this pair.
    """

    fact_check: FactCheckRecord
    similarity: float
    lexical_score: float
    score: float
    confidence: float
    tier: Tier | None
    cross_score: float | None = None

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
# Capitalised words; the ones opening the text or a sentence are dropped in ``_capitalised``
# (checking the two characters before each match is twice as fast as look-behinds
# evaluated at every position).
_CAPITALISED = re.compile(r"\b[A-Z][a-zA-Z]+")


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
    return _make_profile(text, lexical_tokens(text))


# Bump when the profile's code changes in a way the patterns below do not show.
_PROFILE_REVISION = 1
_PROFILE_SEPARATOR = "\x1f"


@lru_cache(maxsize=1)
def profile_version() -> str:
    """Fingerprint of everything a stored profile depends on: the tokeniser, stop words,
    stemmer, number and name patterns. A profile stored under another version is ignored."""
    import hashlib
    from importlib import metadata

    from models import matching

    parts = (
        str(_PROFILE_REVISION),
        matching._TOKEN.pattern,
        matching._STOPWORD_TEXT,
        # The installed PyStemmer's version string. (``Stemmer.version`` is a function:
        # formatted as it was, the fingerprint held its address and changed in every
        # process, so no process ever accepted a profile another one had stored.)
        metadata.version("PyStemmer"),
        _NUMBER.pattern,
        _CAPITALISED.pattern,
    )
    return "p" + hashlib.sha256("\x00".join(parts).encode()).hexdigest()[:10]


def lexical_profile(text: str) -> str:
    """The lexical profile of a fact-check's claim, serialised for storage beside its
    embedding: its ``lexical_tokens`` (repeats kept, for BM25), numbers, capitalised names
    and word count. Reading it back (``read_lexical_profile``) costs a tenth of computing it,
    which matters where every query meets claims not seen before (PostgreSQL, index loads).
    """
    tokens = lexical_tokens(text)
    return _PROFILE_SEPARATOR.join(
        (
            profile_version(),
            " ".join(tokens),
            " ".join(sorted(_numbers(text))),
            " ".join(sorted(_capitalised(text))),
            str(max(1, len(text.split()))),
        )
    )


@dataclass(frozen=True, slots=True)
class StoredProfile:
    """A stored lexical profile read back: the BM25 tokens and the overlap features' sets."""

    tokens: list[str]
    profile: _TextProfile


def read_lexical_profile(stored: str | None) -> StoredProfile | None:
    """Parse ``lexical_profile``'s output; None when absent, malformed or of another version."""
    if not stored:
        return None
    parts = stored.split(_PROFILE_SEPARATOR)
    if len(parts) != 5 or parts[0] != profile_version() or not parts[4].isdigit():
        return None
    tokens = parts[1].split()
    return StoredProfile(
        tokens,
        _TextProfile(
            tokens=frozenset(tokens),
            numbers=frozenset(parts[2].split()),
            capitals=frozenset(parts[3].split()),
            words=int(parts[4]),
        ),
    )


def record_profile(record: FactCheckRecord) -> _TextProfile:
    """The overlap profile of a record's claim: its stored one when valid, else computed."""
    stored = _stored_profile(record.profile) if record.profile else None
    return stored if stored is not None else _profile(record.claim)


@lru_cache(maxsize=20_000)
def _stored_profile(stored: str) -> _TextProfile | None:
    """``read_lexical_profile``'s overlap sets, cached: an article's claims share many
    candidates, each read back once per claim (~1,900 reads a 40-sentence article)."""
    parsed = read_lexical_profile(stored)
    return parsed.profile if parsed is not None else None


def _make_profile(text: str, tokens: list[str]) -> _TextProfile:
    """``_profile`` of ``text`` whose ``lexical_tokens`` are already known."""
    return _TextProfile(
        tokens=frozenset(tokens),
        numbers=frozenset(_numbers(text)),
        capitals=frozenset(_capitalised(text)),
        words=max(1, len(text.split())),
    )


def _numbers(text: str) -> set[str]:
    return {n.replace(",", "") for n in _NUMBER.findall(text)}


def _capitalised(text: str) -> set[str]:
    """Lower-cased capitalised words, except at the start of the text or of a sentence."""
    names: set[str] = set()
    for match in _CAPITALISED.finditer(text):
        start = match.start()
        if start == 0 or (start >= 2 and text[start - 2] in ".!?" and text[start - 1].isspace()):
            continue
        names.add(match.group().lower())
    return names


def _hashes(values: frozenset[str]) -> list[int]:
    return [hash(v) for v in values]


class OverlapTable:
    """The overlap features' word, number and name sets of a whole corpus, as flat arrays.

    ``pair_features`` needs, for every candidate, how many stems, numbers and capitalised
    names it shares with the query. Computing a fact-check's sets costs ~10 us, and an
    article meets a thousand new fact-checks at 100k; a backend holding its corpus in memory
    builds this table once per corpus instead (about 10 us a record; ~40 bytes a record),
    and a query's counts for all its candidates are then a few numpy operations. Set
    members are stored as Python string hashes, compared within the process only.

    Args:
        ids: Fact-check ids.
        texts: Their claim texts, ``texts[i]`` for ``ids[i]``.
        tokens: ``lexical_tokens`` of each text when already computed (the BM25 index
            needs them too); None tokenises here.
        profiles: Each text's profile when already known (read from storage); None (or a
            None entry) computes it from the text and its tokens.
    """

    def __init__(
        self,
        ids: npt.NDArray[np.int64],
        texts: Sequence[str],
        tokens: Sequence[list[str]] | None = None,
        profiles: Sequence[_TextProfile | None] | None = None,
    ) -> None:
        order = np.argsort(ids, kind="stable")
        self._sorted_ids = ids[order]
        self._rows = order
        words = array("d")
        lengths = [array("q") for _ in range(3)]
        members = [array("q") for _ in range(3)]
        if tokens is None:
            tokens = [lexical_tokens(t) for t in texts]
        if profiles is None:
            profiles = [None] * len(texts)
        for text, text_tokens, known in zip(texts, tokens, profiles, strict=True):
            profile = known if known is not None else _make_profile(text, text_tokens)
            words.append(profile.words)
            for length, member, values in zip(
                lengths,
                members,
                (profile.tokens, profile.numbers, profile.capitals),
                strict=True,
            ):
                length.append(len(values))
                member.extend(_hashes(values))
        self._words = np.frombuffer(words, dtype=np.float64)
        self._sets: list[tuple[npt.NDArray[np.int64], npt.NDArray[np.int64]]] = []
        for length, member in zip(lengths, members, strict=True):
            indptr = np.zeros(len(length) + 1, dtype=np.int64)
            np.cumsum(np.frombuffer(length, dtype=np.int64), out=indptr[1:])
            self._sets.append((indptr, np.frombuffer(member, dtype=np.int64)))

    def __len__(self) -> int:
        return int(self._sorted_ids.shape[0])

    def rows(self, ids: Sequence[int]) -> npt.NDArray[np.int64]:
        """The table row of each id; -1 where the id is not in the table."""
        wanted = np.asarray(ids, dtype=np.int64)
        if not len(self):
            return np.full(wanted.shape[0], -1, dtype=np.int64)
        place = np.minimum(np.searchsorted(self._sorted_ids, wanted), len(self) - 1)
        return np.where(self._sorted_ids[place] == wanted, self._rows[place], -1)

    def counts(
        self,
        queries: Sequence[_TextProfile],
        query_of: npt.NDArray[np.int64],
        records: Sequence[FactCheckRecord],
    ) -> npt.NDArray[np.float64]:
        """Overlap counts of many (query, record) pairs: pair ``j`` is ``records[j]`` against
        ``queries[query_of[j]]``. A ``pairs x 7`` array of shared stems, stems, shared
        numbers, numbers, shared names, names and words (see ``pair_features``). Records
        missing from the table are profiled on the spot."""
        n = len(records)
        rows = self.rows([r.id for r in records])
        known = rows >= 0
        counts = np.empty((n, 7), dtype=np.float64)
        present, owner = rows[known], query_of[known]
        for column, (name, (indptr, values)) in enumerate(
            zip(("tokens", "numbers", "capitals"), self._sets, strict=True)
        ):
            starts = indptr[present]
            lengths = indptr[present + 1] - starts
            segment = np.repeat(np.arange(present.shape[0]), lengths)
            flat = np.arange(int(lengths.sum())) + np.repeat(
                starts - (np.cumsum(lengths) - lengths), lengths
            )
            # Membership per pair's own query in one isin: each member is keyed by its
            # query (hash plus the query's number times an odd constant, mod 2**64).
            wanted = np.fromiter(
                (
                    _key(h, number)
                    for number, query in enumerate(queries)
                    for h in _hashes(getattr(query, name))
                ),
                dtype=np.uint64,
            )
            keys = values[flat].view(np.uint64) + owner[segment].astype(np.uint64) * _QUERY_KEY
            hits = np.isin(keys, wanted).astype(np.float64)
            counts[known, 2 * column] = np.bincount(
                segment, weights=hits, minlength=present.shape[0]
            )
            counts[known, 2 * column + 1] = lengths
        counts[known, 6] = self._words[present]
        for position in np.flatnonzero(~known).tolist():
            counts[position] = _overlap_counts(
                queries[int(query_of[position])], record_profile(records[position])
            )
        return counts


# An odd 64-bit constant (the golden ratio's), so that query number times it never
# cancels between two different queries.
_QUERY_KEY = np.uint64(0x9E3779B97F4A7C15)


def _key(member_hash: int, query_number: int) -> int:
    return (member_hash + query_number * int(_QUERY_KEY)) % (1 << 64)


@runtime_checkable
class OverlapSource(Protocol):
    """A fact-check source that keeps an ``OverlapTable`` of its corpus."""

    def overlap_table(self) -> OverlapTable | None:
        """The table of the records currently searched, if built."""
        ...


def _overlap_counts(query: _TextProfile, record: _TextProfile) -> tuple[int, ...]:
    return (
        len(record.tokens & query.tokens),
        len(record.tokens),
        len(record.numbers & query.numbers),
        len(record.numbers),
        len(record.capitals & query.capitals),
        len(record.capitals),
        record.words,
    )


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
        confirmed_threshold: Calibrated confidence at or above which a match is
            ``confirmed``. Defaults to 0.95.
        match_threshold: Confidence at or above which a match is ``likely``: from here on
            its verdict is suggested and the claim flagged. Defaults to 0.70.
        possible_threshold: Confidence at or above which a match is shown as ``possible``;
            below it nothing is returned. Defaults to 0.30.
        min_match_words: Queries with fewer words never get a verdict-suggesting tier.
            Defaults to 4.
        min_content_terms: Queries with fewer distinct content words (stop words aside) are
            generic ("This is not true.") and their matches drop one tier. Defaults to 3.
        min_match_similarity: Cosine similarity below which a fact-check never gets a
            verdict-suggesting tier, whatever its confidence: the first stage's rank and
            margin features flatter the best of a small database. Defaults to 0.55.
        dense_depth: Dense candidates fetched per query. Defaults to 30.
        lexical_depth: Lexical candidates fetched per query. Defaults to 30.
        limit: Most matches returned per query. Defaults to 5.
    """

    confirmed_threshold: float = 0.95
    match_threshold: float = 0.70
    possible_threshold: float = 0.30
    min_match_words: int = 4
    min_content_terms: int = 3
    min_match_similarity: float = 0.55
    dense_depth: int = 30
    lexical_depth: int = 30
    limit: int = 5


class Matcher:
    """Finds, re-ranks and calibrates fact-checks for claims, on any ``FactCheckSource``.

    Args:
        settings: Depths and thresholds. Defaults to ``MatcherSettings()``.
        reranker: The first-stage pair scorer. Defaults to the packaged artefact.
        cross: An optional second stage (a cross-encoder and its calibrated combiner, see
            ``models.reranking``); None ranks by the first stage alone, the default.
    """

    def __init__(
        self,
        settings: MatcherSettings | None = None,
        reranker: Reranker | None = None,
        cross: CrossReranker | None = None,
    ) -> None:
        self.settings = settings or MatcherSettings()
        self._reranker = reranker
        self.cross = cross

    @property
    def reranker(self) -> Reranker:
        """The first-stage pair scorer (the packaged one is loaded on first use)."""
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
        overlap = source.overlap_table() if isinstance(source, OverlapSource) else None
        queries = [clean_query(text) for text in texts]
        ids_per_query, all_features, offsets = article_features(queries, pools, overlap)
        all_scores = self.reranker.score(all_features)
        all_confidences = self.reranker.calibration(all_scores)
        all_keys, all_cross = all_scores, np.full(all_scores.shape[0], np.nan)
        cross = self.cross
        if cross is not None:
            all_keys, all_confidences, all_cross = self._second_stage(
                cross, queries, pools, ids_per_query, offsets, all_scores, all_confidences
            )
        for number, (query, pool, ids) in enumerate(
            zip(queries, pools, ids_per_query, strict=True)
        ):
            rows = slice(int(offsets[number]), int(offsets[number + 1]))
            features, scores = all_features[rows], all_scores[rows]
            confidences, cross_scores = all_confidences[rows], all_cross[rows]
            order = np.argsort(-all_keys[rows], kind="stable")
            short = len(query.split()) < self.settings.min_match_words
            generic = len(set(lexical_tokens(query))) < self.settings.min_content_terms
            matches: list[Match] = []
            for position in order[:limit]:
                fact_check_id = ids[position]
                confidence = float(confidences[position])
                tier = self._tier(confidence, float(features[position, 0]), short, generic)
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
                        cross_score=None
                        if np.isnan(cross_scores[position])
                        else round(float(cross_scores[position]), 4),
                    )
                )
            results.append(matches)
        return results

    @staticmethod
    def _second_stage(
        cross: CrossReranker,
        queries: Sequence[str],
        pools: Sequence[CandidatePool],
        ids_per_query: Sequence[list[int]],
        offsets: npt.NDArray[np.int64],
        scores: npt.NDArray[np.float64],
        confidences: npt.NDArray[np.float64],
    ) -> tuple[npt.NDArray[np.float64], npt.NDArray[np.float64], npt.NDArray[np.float64]]:
        """Read the leading candidates of gated queries with the cross-encoder, in one batch.

        Returns each row's ranking key, confidence and cross-encoder logit (NaN where not
        read). Read rows rank above the rest of their query (they were its first-stage
        best), by the combined score; the rest keep their first-stage order, with a
        confidence no higher than the lowest read row's.
        """
        keys = scores.copy()
        confidences = confidences.copy()
        logits = np.full(scores.shape[0], np.nan)
        read: list[int] = []
        pairs: list[tuple[str, str]] = []
        for number, (query, pool, ids) in enumerate(
            zip(queries, pools, ids_per_query, strict=True)
        ):
            begin = int(offsets[number])
            if begin == int(offsets[number + 1]):
                continue
            order = np.argsort(-scores[begin : int(offsets[number + 1])], kind="stable")
            if confidences[begin + order[0]] < cross.gate:
                continue
            for position in order[: cross.depth].tolist():
                read.append(begin + position)
                pairs.append((query, pool.records[ids[position]].claim))
        if not read:
            return keys, confidences, logits
        rows = np.asarray(read, dtype=np.int64)
        logits[rows] = cross.scorer(pairs)
        combined = cross.combiner.raw(scores[rows], logits[rows])
        read_confidence = cross.combiner(combined)
        for number in range(len(queries)):
            begin, end = int(offsets[number]), int(offsets[number + 1])
            mine = (rows >= begin) & (rows < end)
            if not mine.any():
                continue
            # Every row of the query first drops below the read rows' keys, then the read
            # rows get theirs back, above it.
            floor = float(read_confidence[mine].min())
            keys[begin:end] -= keys[begin:end].max() - combined[mine].min() + 1.0
            np.minimum(confidences[begin:end], floor, out=confidences[begin:end])
        keys[rows] = combined
        confidences[rows] = read_confidence
        return keys, confidences, logits

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

    def _tier(
        self, confidence: float, similarity: float, short: bool, generic: bool
    ) -> Tier | None:
        settings = self.settings
        if confidence < settings.possible_threshold:
            return None
        tier = Tier.POSSIBLE
        if not short and similarity >= settings.min_match_similarity:
            if confidence >= settings.confirmed_threshold:
                tier = Tier.CONFIRMED
            elif confidence >= settings.match_threshold:
                tier = Tier.LIKELY
        return tier.lower() if generic else tier


@dataclass(frozen=True, slots=True)
class Agreement:
    """How the verdicts of a claim's verdict-suggesting matches (confirmed or likely) agree.

    Attributes:
        verdict_agreement: Share of those fact-checks whose verdict is the top one's.
        publishers_disagree: Whether two of them give different verdicts.
    """

    verdict_agreement: float
    publishers_disagree: bool


def agreement(matches: Sequence[Match]) -> Agreement | None:
    """The agreement among verdict-suggesting matches (best first); None without any."""
    confident = [m for m in matches if m.tier is not None and m.tier.suggests_verdict]
    if not confident:
        return None
    top = confident[0].fact_check.verdict
    same = sum(1 for m in confident if m.fact_check.verdict == top)
    return Agreement(
        verdict_agreement=round(same / len(confident), 4),
        publishers_disagree=len({m.fact_check.verdict for m in confident}) > 1,
    )
