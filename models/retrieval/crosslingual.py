"""Matching claims written in other languages than English (issue 28).

The English first stage (``Matcher``) learned its features on English pairs: BM25 and word
overlap say nothing when the claim is in Hindi and the fact-check in English, and MiniLM
reads other languages poorly. Here a claim is searched in the multilingual space
(multilingual-e5-small, ``models.encoders.multilingual``), and its candidates are ranked
by a short, readable score:

    score = cos(claim, fact-check) + article_weight * cos(article, fact-check)
            + anchor_weight * min(shared anchors, 3)

The article term says which of a sentence's near neighbours the whole excerpt is about
(e5 compresses its cosine scale, so single sentences tie often); the anchors are what
survives translation: numbers of two or more digits and names written in Latin capitals
("Putin", "COVID-19", "WHO"). A candidate's key adds its margin over the best other
candidate (a clear winner is more often right), and a logistic calibration turns the key
into a confidence. The tiers of this language group have thresholds of their own, set
from the precision measured on non-English text (docs/multilingual.md).

A second encoder (USE multilingual v3, ``models.encoders.use``) re-scores the first
``second_depth`` candidates by e5 similarity, and only those are ranked:

    score += second_weight * (cos2(claim, fact-check)
                              + second_article_weight * cos2(article, fact-check))

The two encoders were trained differently, and where e5 leaves a claim's neighbours within
hundredths of each other USE often tells them apart. Fact-checks' USE vectors are not
stored: they are encoded when first needed (about 1 ms each) and kept in a bounded cache.

e5 also places texts of one language near each other: a Portuguese or Spanish claim scores
0.03 to 0.05 higher with any of the database's Spanish fact-checks than with English ones, and
unrelated Spanish fact-checks crowded out the English fact-check that reviewed the claim.
Each similarity to a fact-check written in another language than English is therefore
lowered by the text's *language pull* towards that language, ``max(0, v·mean_L -
v·mean_en)`` (``mean_L``: the mean vector of the database's fact-checks in language L,
packaged in ``artifacts/crosslingual_languages.json`` by ``training.crosslingual_languages``
for the languages with enough fact-checks). It is never a boost, and English text (the
reverse direction) is barely pulled: towards Spanish, half the database's English claims
have no pull at all and 99% less than 0.011.

The weights, the calibration and the thresholds were set on ``multilingual-dev`` (46
excerpts, 12 languages): tuning, not training, and measured again on a held-back set.
"""

from __future__ import annotations

import json
import math
import re
import threading
import unicodedata
from collections import defaultdict
from collections.abc import Mapping, Sequence
from dataclasses import dataclass, replace
from functools import lru_cache
from pathlib import Path

import numpy as np
import numpy.typing as npt

from models.embedding import TextEncoder, Vectors
from models.encoders.use import USE_LANGUAGES
from models.language import word_count
from models.matching import Candidate, FactCheckRecord, MultilingualSource, SearchFilter
from models.retrieval.matcher import Match, Tier

_NUMBER = re.compile(r"\d+(?:[.,]\d+)*")
_NAME = re.compile(r"\b[A-Z][A-Za-z]{2,}\b|\b[A-Z]{2,}\b")

LANGUAGES_ARTIFACT = (
    Path(__file__).resolve().parent.parent / "artifacts" / "crosslingual_languages.json"
)
_ENGLISH = "en"
# One row of ``Vectors``: a text's or a language's mean multilingual vector.
Vector = npt.NDArray[np.float32]


def _ascii_digits(number: str) -> str:
    """``number`` with every decimal digit written in ASCII (Arabic-Indic ٢٠٢٣, Persian
    ۲۰۲۳, Devanagari २०२३ and Bengali ২০২৩ all read 2023)."""
    return "".join(
        str(unicodedata.decimal(c)) if c.isdecimal() and not c.isascii() else c for c in number
    )


def anchors(text: str) -> frozenset[str]:
    """Numbers (two digits or more, separators dropped, any script's digits read as ASCII)
    and Latin-capital names in ``text``."""
    numbers = {_ascii_digits(n).replace(",", "").replace(".", "") for n in _NUMBER.findall(text)}
    return frozenset({n for n in numbers if len(n) >= 2} | {w.lower() for w in _NAME.findall(text)})


# A fact-check's anchors, computed once per claim text rather than once per query.
_claim_anchors = lru_cache(maxsize=65_536)(anchors)


@lru_cache(maxsize=1)
def packaged_language_means() -> dict[str, Vector]:
    """The packaged mean multilingual vector of the fact-checks in each language (module
    docstring); empty when the artefact is missing."""
    if not LANGUAGES_ARTIFACT.exists():
        return {}
    spec = json.loads(LANGUAGES_ARTIFACT.read_text(encoding="utf-8"))
    return {
        language: np.asarray(mean, dtype=np.float32) for language, mean in spec["means"].items()
    }


def language_pull(vector: Vector, means: Mapping[str, Vector]) -> dict[str, float]:
    """How much closer ``vector`` sits to each non-English language's mean than to English's
    (never below 0); empty without an English mean."""
    english = means.get(_ENGLISH)
    if english is None:
        return {}
    base = float(vector @ english)
    return {
        language: max(0.0, float(vector @ mean) - base)
        for language, mean in means.items()
        if language != _ENGLISH
    }


@dataclass(frozen=True, slots=True)
class CrossLingualSettings:
    """Depths, weights, calibration and tiers of the cross-lingual score (module docstring).

    Attributes:
        depth: Candidates fetched per claim in the multilingual space.
        article_depth: Candidates fetched for the whole article (their similarity to the
            article is the article term; others get the lowest one fetched).
        article_weight: Weight of the article's similarity to the fact-check.
        anchor_weight: Weight per shared anchor (at most three count).
        margin_weight: Weight of a candidate's margin over the best other candidate.
        slope: Calibration: confidence = sigmoid(slope * key + intercept).
        intercept: See ``slope``.
        min_similarity: Claim-to-fact-check cosine below which no verdict is suggested.
        confirmed_threshold: Confidence of the ``confirmed`` tier in this language group.
        match_threshold: Confidence from which a verdict is suggested (``likely``).
        possible_threshold: Confidence from which a match is shown as ``possible``.
        min_match_words: Claims with fewer words never suggest a verdict.
        corroboration: A fact-check that is the first match of two or more claims of one
            article, each at this confidence or more, is ``likely`` for each of them (when
            not short and close enough for a verdict) and it is one of the article's
            ``corroboration_depth`` closest fact-checks: two sentences finding the same
            fact-check first say the article is about its claim. None turns this off.
        corroboration_depth: See ``corroboration``: in a long article on one topic many
            sentences share a first match the article is not about.
        limit: Most matches per claim.
        second_depth: With a second encoder, how many of a claim's candidates (the most
            similar in e5) it re-scores; only those are ranked.
        second_weight: Weight of the second encoder's terms.
        second_article_weight: Weight of the article's second-encoder similarity to the
            fact-check, relative to the claim's.
        second_languages: Languages (ISO 639-1) the second encoder was trained on: claims
            in others (Hindi, Gujarati, Ukrainian, Bulgarian, ...) are ranked by e5 alone.
        second_slope: Calibration of keys re-scored by the second encoder (its terms move
            the key's scale), as ``slope``.
        second_intercept: See ``second_slope``.
        second_match_threshold: ``match_threshold`` of claims re-scored by the second
            encoder.
    """

    depth: int = 50
    article_depth: int = 300
    article_weight: float = 0.5
    anchor_weight: float = 0.01
    margin_weight: float = 1.0
    slope: float = 50.91
    intercept: float = -67.68
    min_similarity: float = 0.80
    confirmed_threshold: float = 0.90
    match_threshold: float = 0.55
    possible_threshold: float = 0.15
    min_match_words: int = 4
    corroboration: float | None = 0.20
    corroboration_depth: int = 3
    limit: int = 5
    second_depth: int = 10
    second_weight: float = 0.15
    second_article_weight: float = 1.0
    second_languages: frozenset[str] = USE_LANGUAGES
    second_slope: float = 28.19
    second_intercept: float = -41.30
    second_match_threshold: float = 0.65

    def confidence(self, key: float, *, second: bool = False) -> float:
        """The calibrated probability that a candidate with ``key`` is the right one;
        ``second``: the key was re-scored by the second encoder."""
        slope, intercept = (
            (self.second_slope, self.second_intercept) if second else (self.slope, self.intercept)
        )
        return 1.0 / (1.0 + math.exp(-(slope * key + intercept)))


@dataclass(frozen=True, slots=True)
class _Scored:
    record: FactCheckRecord
    similarity: float
    score: float
    second_similarity: float | None = None


@dataclass(frozen=True, slots=True)
class _SecondOpinion:
    """The second encoder's rows for one claim and its article, and the fact-checks'."""

    claim: Vector
    article: Vector
    fact_checks: Mapping[str, Vector]


class _ClaimVectorCache:
    """Second-encoder rows of fact-check claims, encoded when first asked for and kept (at
    most ``size``, the first encoded forgotten first). Analyses run in several threads: one
    lock guards the rows and the encode of the missing ones."""

    def __init__(self, encoder: TextEncoder, size: int) -> None:
        self.encoder = encoder
        self.size = size
        self._rows: dict[str, Vector] = {}
        self._lock = threading.Lock()

    def rows(self, claims: Sequence[str]) -> dict[str, Vector]:
        with self._lock:
            missing = list(dict.fromkeys(c for c in claims if c not in self._rows))
            if missing:
                self._rows.update(zip(missing, self.encoder.encode(missing), strict=True))
            found = {claim: self._rows[claim] for claim in claims}
            for stale in list(self._rows)[: max(0, len(self._rows) - self.size)]:
                del self._rows[stale]
        return found


class CrossLingualMatcher:
    """Ranks fact-checks for claims in any language in the multilingual space.

    Args:
        settings: Depths, weights, calibration and tiers. Defaults to
            ``CrossLingualSettings()``.
        language_means: Mean multilingual vector of the fact-checks per language, for the
            language pull. Defaults to the packaged ones; ``{}`` turns the correction off.
        second: The second encoder that re-scores the first candidates (module
            docstring); None ranks by e5 alone.
        second_cache: Most fact-check claims whose second-encoder rows are kept.
    """

    def __init__(
        self,
        settings: CrossLingualSettings | None = None,
        language_means: Mapping[str, Vector] | None = None,
        second: TextEncoder | None = None,
        second_cache: int = 20_000,
    ) -> None:
        self.settings = settings or CrossLingualSettings()
        self.language_means = (
            packaged_language_means() if language_means is None else dict(language_means)
        )
        self.second = second
        self._second_rows = None if second is None else _ClaimVectorCache(second, second_cache)

    def rank(
        self,
        texts: Sequence[str],
        vectors: Vectors,
        article: Vectors,
        source: MultilingualSource,
        search_filter: SearchFilter | None = None,
        *,
        limit: int | None = None,
        keep_all: bool = False,
        sentences: Sequence[int] | None = None,
        article_text: str | None = None,
        languages: Sequence[str | None] | None = None,
    ) -> list[list[Match]]:
        """Calibrated matches per claim, best first.

        Args:
            texts: The claims as written.
            vectors: Their multilingual vectors (``MultilingualEncoder``), one row each.
            article: The multilingual vector of the article they come from (one row).
            source: A backend keeping the multilingual index.
            search_filter: Restrictions on the fact-checks admitted.
            limit: Most matches per claim. Defaults to ``settings.limit``.
            keep_all: Keep matches below the possible tier (for evaluation).
            sentences: Which sentence each claim comes from (any key, one per claim):
                corroboration counts sentences, so a reported clause does not corroborate
                the sentence it was cut from. Defaults to one sentence per claim.
            article_text: The article, for the second encoder's article term; None reads
                each claim as its own article (as ``article`` does for a single claim).
            languages: Each claim's language (ISO 639-1): the second encoder re-scores
                only claims in ``settings.second_languages``. None: every claim.
        """
        if not len(texts):
            return []
        settings = self.settings
        limit = settings.limit if limit is None else limit
        found = source.nearest_multilingual(vectors, k=settings.depth, search_filter=search_filter)
        around = source.nearest_multilingual(
            article.reshape(1, -1), k=settings.article_depth, search_filter=search_filter
        )[0]
        article_sim = {c.fact_check.id: c.similarity for c in around}
        floor = min(article_sim.values(), default=0.0)
        article_pull = language_pull(article.reshape(-1), self.language_means)
        opinions = self._second_opinions(texts, found, article_text, languages)
        ranked = [
            self._rank_one(
                text,
                candidates,
                article_sim,
                floor,
                limit,
                keep_all,
                language_pull(row, self.language_means),
                article_pull,
                opinion,
            )
            for text, candidates, row, opinion in zip(texts, found, vectors, opinions, strict=True)
        ]
        about = {c.fact_check.id for c in around[: settings.corroboration_depth]}
        origins = list(range(len(texts))) if sentences is None else list(sentences)
        return self._corroborate(texts, ranked, about, origins)

    def rescores(self, language: str | None) -> bool:
        """Whether the second encoder re-scores a claim in ``language`` (None: unknown, read
        as one it knows): there is one, and it was trained on the language."""
        return self.second is not None and (
            language is None or language in self.settings.second_languages
        )

    def _first_candidates(self, candidates: list[Candidate]) -> list[Candidate]:
        """The candidates the second encoder re-scores: the most similar in e5."""
        ordered = sorted(candidates, key=lambda c: -c.similarity)
        return ordered[: self.settings.second_depth]

    def _second_opinions(
        self,
        texts: Sequence[str],
        found: list[list[Candidate]],
        article_text: str | None,
        languages: Sequence[str | None] | None,
    ) -> list[_SecondOpinion | None]:
        """The second encoder's rows for each claim it reads, its article and its first
        candidates (one encode for the claims and the article; fact-checks through the
        cache); None for a claim in a language it was not trained on, or without one."""
        if self.second is None or self._second_rows is None:
            return [None] * len(texts)
        read = [
            number
            for number in range(len(texts))
            if self.rescores(None if languages is None else languages[number])
        ]
        if not read:
            return [None] * len(texts)
        extra = [] if article_text is None else [article_text]
        rows = self.second.encode([*(texts[number] for number in read), *extra])
        claims = [c.fact_check.claim for n in read for c in self._first_candidates(found[n])]
        known = self._second_rows.rows(claims)
        opinions: list[_SecondOpinion | None] = [None] * len(texts)
        for position, number in enumerate(read):
            opinions[number] = _SecondOpinion(
                claim=rows[position],
                article=rows[-1] if article_text is not None else rows[position],
                fact_checks=known,
            )
        return opinions

    def _corroborate(
        self,
        texts: Sequence[str],
        ranked: list[list[Match]],
        about: set[int],
        sentences: Sequence[int],
    ) -> list[list[Match]]:
        """Raise to ``likely`` the ``possible`` first matches that claims of two or more
        ``sentences`` share (``CrossLingualSettings.corroboration``) when the article is
        ``about`` them (ids of its closest fact-checks); a fact-check is known by its URL,
        as duplicate records of one review are one review."""
        settings = self.settings
        if settings.corroboration is None:
            return ranked
        sharing: dict[str, list[int]] = defaultdict(list)
        for number, matches in enumerate(ranked):
            if (
                matches
                and matches[0].confidence >= settings.corroboration
                and matches[0].fact_check.id in about
            ):
                sharing[matches[0].fact_check.url or str(matches[0].fact_check.id)].append(number)
        for numbers in sharing.values():
            found_in = len({sentences[number] for number in numbers})
            if found_in < 2:
                continue
            for number in numbers:
                first = ranked[number][0]
                if (
                    first.tier is Tier.POSSIBLE
                    and first.similarity >= settings.min_similarity
                    and word_count(texts[number]) >= settings.min_match_words
                ):
                    raised = replace(first, tier=Tier.LIKELY, corroborated_by=found_in)
                    ranked[number] = [raised, *ranked[number][1:]]
        return ranked

    def _rank_one(
        self,
        text: str,
        candidates: list[Candidate],
        article_sim: dict[int, float],
        floor: float,
        limit: int,
        keep_all: bool,
        claim_pull: Mapping[str, float],
        article_pull: Mapping[str, float],
        opinion: _SecondOpinion | None = None,
    ) -> list[Match]:
        settings = self.settings
        query_anchors = anchors(text)
        if opinion is not None:
            candidates = self._first_candidates(candidates)
        scored: list[_Scored] = []
        for candidate in candidates:
            record = candidate.fact_check
            shared = len(query_anchors & _claim_anchors(record.claim)) if query_anchors else 0
            pull = claim_pull.get(record.language, 0.0) + settings.article_weight * (
                article_pull.get(record.language, 0.0)
            )
            score = (
                candidate.similarity
                + settings.article_weight * article_sim.get(record.id, floor)
                + settings.anchor_weight * min(shared, 3)
                - pull
            )
            second_similarity = None
            if opinion is not None:
                row = opinion.fact_checks[record.claim]
                second_similarity = float(opinion.claim @ row)
                score += settings.second_weight * (
                    second_similarity
                    + settings.second_article_weight * float(opinion.article @ row)
                )
            scored.append(_Scored(record, candidate.similarity, score, second_similarity))
        scored.sort(key=lambda s: (-s.score, -s.similarity))
        short = word_count(text) < settings.min_match_words
        matches: list[Match] = []
        for position, item in enumerate(scored[:limit]):
            # Margin over the best other candidate: positive for the first only.
            other = scored[1].score if position == 0 and len(scored) > 1 else scored[0].score
            key = item.score + settings.margin_weight * (item.score - other)
            confidence = settings.confidence(key, second=opinion is not None)
            tier = self._tier(confidence, item.similarity, short, second=opinion is not None)
            if tier is None and not keep_all:
                continue
            matches.append(
                Match(
                    fact_check=item.record,
                    similarity=round(item.similarity, 4),
                    lexical_score=0.0,
                    score=round(key, 4),
                    confidence=round(confidence, 4),
                    tier=tier,
                    second_similarity=(
                        None if item.second_similarity is None else round(item.second_similarity, 4)
                    ),
                )
            )
        return matches

    def _tier(
        self, confidence: float, similarity: float, short: bool, *, second: bool = False
    ) -> Tier | None:
        settings = self.settings
        if confidence < settings.possible_threshold:
            return None
        if short or similarity < settings.min_similarity:
            return Tier.POSSIBLE
        if confidence >= settings.confirmed_threshold:
            return Tier.CONFIRMED
        if confidence >= (settings.second_match_threshold if second else settings.match_threshold):
            return Tier.LIKELY
        return Tier.POSSIBLE
