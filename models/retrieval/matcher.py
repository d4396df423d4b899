"""The matcher: candidates from a ``FactCheckSource``, features, the first-stage head,
the optional second stage, calibrated confidence and tiers, and verdict agreement.
"""

from __future__ import annotations

import enum
from collections.abc import Mapping, Sequence
from dataclasses import dataclass, replace

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
from models.retrieval.features import CandidatePool, _pool, article_features
from models.retrieval.head import Reranker, load_reranker
from models.retrieval.profiles import OverlapSource
from models.retrieval.query import clean_query


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
        article_similarity: Cosine similarity of the whole article (its opening, as far as
            the encoder reads) and the fact-check's claim, when it raised the match's tier
            (``Matcher.supported_by_article``); None otherwise.
        corroborated_by: In how many sentences of the article a claim found this fact-check
            first, when that raised the match's tier (cross-lingual corroboration); None
            otherwise.
        second_similarity: Cosine similarity of the claim and the fact-check's claim in the
            cross-lingual matcher's second encoder, when it re-scored the match; None
            otherwise.
    """

    fact_check: FactCheckRecord
    similarity: float
    lexical_score: float
    score: float
    confidence: float
    tier: Tier | None
    cross_score: float | None = None
    article_similarity: float | None = None
    corroborated_by: int | None = None
    second_similarity: float | None = None

    def as_candidate(self) -> Candidate:
        """The plain candidate view (fact-check and cosine similarity)."""
        return Candidate(self.fact_check, self.similarity)


# The tiers of the calibrated confidence, set from the precision measured per tier on news
# and tweets, and the article-support cut (docs/matching.md). The pipeline's and the
# service's settings default to these.
CONFIRMED_THRESHOLD = 0.95
MATCH_THRESHOLD = 0.65
POSSIBLE_THRESHOLD = 0.30
ARTICLE_SIMILARITY = 0.62


@dataclass(frozen=True, slots=True)
class MatcherSettings:
    """Candidate depths and tier thresholds.

    Attributes:
        confirmed_threshold: Calibrated confidence at or above which a match is
            ``confirmed``. Defaults to 0.95.
        match_threshold: Confidence at or above which a match is ``likely``: from here on
            its verdict is suggested and the claim flagged. Defaults to 0.65.
        possible_threshold: Confidence at or above which a match is shown as ``possible``;
            below it nothing is returned. Defaults to 0.30.
        min_match_words: Queries with fewer words never get a verdict-suggesting tier.
            Defaults to 4.
        min_content_terms: Queries with fewer distinct content words (stop words aside) are
            generic ("This is not true.") and their matches drop one tier. Defaults to 3.
        min_match_similarity: Cosine similarity below which a fact-check never gets a
            verdict-suggesting tier, whatever its confidence: the first stage's rank and
            margin features flatter the best of a small database. Defaults to 0.55.
        article_similarity: A claim's first match at ``possible`` becomes ``likely`` when
            the article it comes from is at least this similar to the fact-check's claim
            (the article is about what the fact-check checked), the claim is neither short
            nor generic and its own cosine reaches ``article_min_similarity``. None turns
            this off. Defaults to 0.62 (docs/matching.md).
        article_min_similarity: The claim's own cosine floor for that. Defaults to 0.50.
        dense_depth: Dense candidates fetched per query. Defaults to 30.
        lexical_depth: Lexical candidates fetched per query. Defaults to 30.
        limit: Most matches returned per query. Defaults to 5.
    """

    confirmed_threshold: float = CONFIRMED_THRESHOLD
    match_threshold: float = MATCH_THRESHOLD
    possible_threshold: float = POSSIBLE_THRESHOLD
    min_match_words: int = 4
    min_content_terms: int = 3
    min_match_similarity: float = 0.55
    article_similarity: float | None = ARTICLE_SIMILARITY
    article_min_similarity: float = 0.50
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
        pools: list[CandidatePool] | None = None,
    ) -> list[list[Match]]:
        """Re-ranked, calibrated matches per query, best first.

        Args:
            texts: The claims as written (cleaned here for the lexical stage).
            vectors: Their unit embeddings, one row per text (already computed upstream).
            source: The backend producing candidates.
            search_filter: Restrictions on the fact-checks admitted.
            limit: Most matches per query. Defaults to ``settings.limit``.
            keep_all: Keep matches below the possible tier too (for evaluation).
            pools: The candidate pools, if already fetched (``candidates``, which takes
                the lexical stage's answer when that was started early).
        """
        limit = self.settings.limit if limit is None else limit
        results: list[list[Match]] = []
        if pools is None:
            pools = self.candidates(texts, vectors, source, search_filter)
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
            short, generic = self._shape(query)
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

    def awaits_article(self, text: str, matches: Sequence[Match]) -> bool:
        """Whether the article's similarity to the first of ``matches`` (for the claim
        ``text``) could raise it from ``possible`` to ``likely``."""
        settings = self.settings
        if settings.article_similarity is None or not matches:
            return False
        first = matches[0]
        if first.tier is not Tier.POSSIBLE or first.similarity < settings.article_min_similarity:
            return False
        return not any(self._shape(clean_query(text)))

    def _shape(self, query: str) -> tuple[bool, bool]:
        """Whether a cleaned query is short (never suggests a verdict) and whether it is
        generic (its matches drop one tier)."""
        return (
            len(query.split()) < self.settings.min_match_words,
            len(set(lexical_tokens(query))) < self.settings.min_content_terms,
        )

    def supported_by_article(
        self, text: str, matches: list[Match], article: Mapping[int, float]
    ) -> list[Match]:
        """``matches`` with the first raised to ``likely`` when the article is about its
        fact-check: ``article`` maps fact-check ids to their cosine similarity with the
        whole article (a fact-check missing from it counts as dissimilar).

        Measured on news excerpts (realworld-dev), a first match left at ``possible`` is
        right about half the time, and more often when the text around the claim, not the
        sentence alone, resembles the fact-check; see docs/matching.md.
        """
        threshold = self.settings.article_similarity
        if threshold is None or not self.awaits_article(text, matches):
            return matches
        first = matches[0]
        similarity = article.get(first.fact_check.id)
        if similarity is None or similarity < threshold:
            return matches
        raised = replace(first, tier=Tier.LIKELY, article_similarity=round(similarity, 4))
        return [raised, *matches[1:]]

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
