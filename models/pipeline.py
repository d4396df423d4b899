"""The analysis pipeline: segment, score, embed once, match, suggest a verdict."""

from __future__ import annotations

import datetime as dt
import logging
from collections.abc import Callable, Mapping, Sequence
from concurrent.futures import ThreadPoolExecutor
from dataclasses import dataclass, field
from functools import lru_cache
from typing import TypeVar

import numpy as np
import numpy.typing as npt
from threadpoolctl import threadpool_limits

from models.attribution import Attributor, Claimant, SentenceAttribution
from models.checkworthiness import CheckWorthinessScorer
from models.checkworthiness_multilingual import (
    MultilingualCheckWorthiness,
    default_multilingual_scorer,
    default_use_scorer,
)
from models.claims import ClaimSpan, extract_claim_spans
from models.claims_multilingual import reported_spans
from models.embedding import Embedder, TextEncoder, Vectors
from models.encoders.multilingual import MultilingualEncoder
from models.language import ENGLISH, detect_language, sentence_language, word_count
from models.matching import FactCheckSource, MultilingualSource, SearchFilter, SizedSource
from models.retrieval import (
    ARTICLE_SIMILARITY,
    CONFIRMED_THRESHOLD,
    MATCH_THRESHOLD,
    POSSIBLE_THRESHOLD,
    Agreement,
    Match,
    Matcher,
    MatcherSettings,
    agreement,
    clean_query,
)
from models.retrieval.crosslingual import CrossLingualMatcher
from models.segmentation import (
    Segment,
    SegmentKind,
    is_heading_claim,
    reading_text,
    segment,
)
from models.stance import Stance, StanceModel, StanceReading
from models.verdicts import Verdict

logger = logging.getLogger(__name__)

Vector = npt.NDArray[np.float32]

# Fact-checks whose mean similarity to a claim is its precedent (``ClaimAnalysis.precedent``):
# measured on newsclaims-dev, the mean of the five closest separates claim sentences a
# little better than the closest alone (docs/checkworthiness.md).
PRECEDENT_NEIGHBOURS = 5
# Sentences read on each side of a matched claim's sentence for its stance.
STANCE_NEIGHBOURS = 1
# English claims per article looked up among fact-checks in other languages (each costs a
# multilingual encode, about 12 ms on two cores).
REVERSE_CLAIMS = 2
# Fact-checks nearest the whole article whose similarity to it can raise a claim's first
# match: the article must be about that fact-check, not only on its topic (a long COVID-19
# article's opening is 0.62 close to many COVID-19 fact-checks). Measured on realworld-dev
# and NewsClaims (docs/matching.md): 3 keeps every gain and drops 3 of 13 raises in news.
ARTICLE_DEPTH = 3
# Words of the article's opening encoded for that (the encoder reads about 190 at most; the
# news excerpts this was measured on are shorter, and half the words halve the encode).
ARTICLE_WORDS = 120
# Items per call of a long stage when the caller gave a deadline, checked between calls: a
# few seconds of work each on two cores (MiniLM about 12 ms a text, multilingual-e5 about
# 38, a stance read about 50), so a request past its time limit stops within that much
# instead of running on for the rest of a stage (an 800-claim article's multilingual
# encodes take about 40 s).
ENCODE_CHUNK = 256
MULTILINGUAL_CHUNK = 64
STANCE_CHUNK = 64

_Item = TypeVar("_Item")
_Result = TypeVar("_Result")


def in_chunks(
    run: Callable[[list[_Item]], _Result],
    items: Sequence[_Item],
    size: int,
    checkpoint: Callable[[str], None] | None,
    stage: str,
) -> list[_Result]:
    """``run`` over ``items`` in order: one call without a ``checkpoint`` or when they fit
    in ``size``, else a call per ``size`` items with ``checkpoint(stage)`` before each call
    after the first (it raises to stop)."""
    if checkpoint is None or len(items) <= size:
        return [run(list(items))]
    results: list[_Result] = []
    for start in range(0, len(items), size):
        if start:
            checkpoint(stage)
        results.append(run(list(items[start : start + size])))
    return results


def _quote_as_pasted(analysis: ArticleAnalysis, pasted: str, read: str) -> None:
    """Make the texts of an analysis of ``read`` (``reading_text(pasted)``) quote
    ``pasted``: the two differ only where a line break or an invisible space became a
    space."""
    analysis.segments = [
        Segment(pasted[s.start : s.end], s.start, s.end, s.kind) for s in analysis.segments
    ]
    for claim in analysis.claims:
        claim.text = pasted[claim.start : claim.end]
        start, end = claim.claimant_start, claim.claimant_end
        if start is not None and end is not None and claim.claimant == read[start:end]:
            claim.claimant = pasted[start:end]


def worthy_by_precedent(
    score: float, precedent: float | None, *, similarity: float, head: float
) -> bool:
    """The check-worthiness decision with precedent: the closest fact-checks are at least
    ``similarity`` close on average, or the head scores ``head`` or more."""
    return (precedent is not None and precedent >= similarity) or score >= head


@dataclass(frozen=True, slots=True)
class MatchingSettings:
    """Confidence tiers and limits for matches and suggestions.

    Attributes:
        confirmed_threshold: Calibrated confidence of the ``confirmed`` tier. Defaults to 0.95.
        match_threshold: Calibrated confidence at or above which the top fact-check's
            verdict is suggested (the ``likely`` tier and above; the claim is flagged).
            Defaults to 0.65.
        possible_threshold: Confidence at or above which a fact-check is shown as a
            ``possible`` match without a verdict. Defaults to 0.30.
        top_k: Most fact-checks returned per claim. Defaults to 5.
        min_match_words: Claims with fewer words never reach the match tier. Defaults to 4.
        max_age_days: Only fact-checks reviewed at most this many days before the article
            (or today); None for no limit. Defaults to None.
        precedent_similarity: With a database of at least ``precedent_min_fact_checks``
            fact-checks, a claim whose precedent (the mean cosine similarity of its
            ``PRECEDENT_NEIGHBOURS`` closest fact-checks) reaches this is check-worthy (it
            resembles what fact-checkers already checked), and the head alone needs
            ``precedent_checkworthiness``. None keeps the head's own threshold everywhere.
            Defaults to 0.48 (docs/checkworthiness.md).
        precedent_min_fact_checks: Fact-checks the source must hold for the closest one to
            say anything. Defaults to 1,000.
        precedent_checkworthiness: The head's threshold when precedent is used. Defaults
            to 0.90.
        precedent_min_sentences: Sentences (prose, or heading lines read as claims) a text
            must have to be read as an article, the genre the precedent rule was measured
            on; a single statement or a short post is judged by the head as trained.
            Defaults to 5.
        article_similarity: A claim's first match at ``possible`` is raised to ``likely``
            when its fact-check is one of the ``ARTICLE_DEPTH`` closest to the article (its
            opening ``ARTICLE_WORDS``) and at least this similar to it: the article is about
            what it checked. None turns this off. Defaults to 0.62 (docs/matching.md).
    """

    confirmed_threshold: float = CONFIRMED_THRESHOLD
    match_threshold: float = MATCH_THRESHOLD
    possible_threshold: float = POSSIBLE_THRESHOLD
    top_k: int = 5
    min_match_words: int = 4
    max_age_days: int | None = None
    precedent_similarity: float | None = 0.48
    precedent_min_fact_checks: int = 1000
    precedent_checkworthiness: float = 0.90
    precedent_min_sentences: int = 5
    article_similarity: float | None = ARTICLE_SIMILARITY

    def matcher_settings(self) -> MatcherSettings:
        """The retrieval settings these imply."""
        return MatcherSettings(
            confirmed_threshold=self.confirmed_threshold,
            match_threshold=self.match_threshold,
            possible_threshold=self.possible_threshold,
            min_match_words=self.min_match_words,
            article_similarity=self.article_similarity,
            limit=self.top_k,
        )


@dataclass(frozen=True, slots=True)
class Suggestion:
    """A verdict suggested from a matched fact-check."""

    verdict: Verdict
    confidence: float
    reason: str


@dataclass(slots=True)
class ClaimAnalysis:
    """One claim found in the article with its score, matches and suggestion."""

    text: str
    start: int
    end: int
    check_worthiness: float
    check_worthy: bool
    matches: list[Match] = field(default_factory=list)
    suggestion: Suggestion | None = None
    claimant: str | None = None
    sentence_start: int | None = None
    sentence_end: int | None = None
    claimant_start: int | None = None
    claimant_end: int | None = None
    # The claim text's embedding from the pipeline's single encode (not part of the API).
    vector: Vectors | None = field(default=None, repr=False, compare=False)
    stance: Stance | None = None
    stance_confidence: float | None = None
    agreement: Agreement | None = None
    # ISO 639-1 code of the claim's sentence (``models.language.sentence_language``).
    language: str = ENGLISH
    # Mean cosine similarity of the claim's ``PRECEDENT_NEIGHBOURS`` closest fact-checks, in
    # any tier (None when the source offered none, or for a claim not in English).
    precedent: float | None = None

    @property
    def sentence_offset(self) -> int:
        """Where the claim's sentence (or heading line) starts in the article."""
        return self.start if self.sentence_start is None else self.sentence_start

    @property
    def triage_priority(self) -> float:
        """Review priority in [0, 1]: check-worthiness, raised by a confident match, lowered
        when the article itself debunks the claim (reviewers still see the fact-check)."""
        best = self.matches[0].confidence if self.matches else 0.0
        priority = max(self.check_worthiness, best)
        if self.stance is Stance.DEBUNKS:
            priority *= 0.3
        return round(priority, 4)

    @property
    def flagged(self) -> bool:
        """Whether a known fact-check matched well enough to suggest a verdict."""
        return self.suggestion is not None


@dataclass(slots=True)
class ArticleAnalysis:
    """Everything the pipeline found in one article."""

    claims: list[ClaimAnalysis]
    segments: list[Segment]
    # ISO 639-1 code of the article as a whole (``models.language.detect_language``).
    language: str = ENGLISH

    @property
    def sentence_count(self) -> int:
        """Prose sentences considered as claims."""
        return sum(1 for s in self.segments if s.kind is SegmentKind.SENTENCE)


@dataclass(frozen=True, slots=True)
class ClaimUnit:
    """A text to score and match: a whole sentence or a claim span inside one.

    ``claimant_start``/``claimant_end`` are the claimant mention's offsets in the article
    (None when the claimant is the article itself or was not found in the text).
    """

    sentence: Segment
    text: str
    start: int
    end: int
    claimant: str | None
    is_span: bool
    claimant_start: int | None = None
    claimant_end: int | None = None


@lru_cache(maxsize=1)
def default_attributor() -> Attributor:
    """The attributor over the packaged spaCy pipeline (loaded once per process)."""
    return Attributor()


def claim_units(
    text: str, attributor: Attributor | None = None, language: str | None = None
) -> tuple[list[Segment], list[ClaimUnit]]:
    """The article's segments and the texts the pipeline scores and matches: every prose
    sentence, each followed by the claim spans found inside it, and the lines set apart
    from the prose that read as claims (``is_heading_claim``: headlines and sub-headings
    state claims too, "Myth #1: Cold weather kills the novel coronavirus", and so does a
    post that ends without a stop).

    With a parser (``attributor``, default ``default_attributor()``), the spans of reported
    speech are the reported clauses the parse finds (one per coordinated "that" clause),
    each with its claimant; a pattern span that no parsed clause overlaps is kept, and the
    sentence's claimant (the article itself when no one else is named) goes to it.

    ``language`` (the article's; default: detected) chooses the sentence splitter. Text in
    another language than English yields its sentences and heading lines, each followed by
    its quotations and the clauses its verbs of saying report
    (``models.claims_multilingual``), without a claimant: the parser and the English span
    patterns read English only.
    """
    language = language or detect_language(text)
    segments = segment(text, language)
    sentences = [s for s in segments if s.kind is SegmentKind.SENTENCE]
    heading_lines = [s for s in segments if is_heading_claim(s)]
    if language != ENGLISH:
        # A post or a headline without a final stop is a heading: it states claims too.
        read = sorted([*sentences, *heading_lines], key=lambda s: s.start)
        return segments, [
            unit
            for s in read
            for unit in (
                ClaimUnit(s, s.text, s.start, s.end, None, False),
                *(_pattern_unit(s, span) for span in reported_spans(s.text, language)),
            )
        ]
    attributor = attributor or default_attributor()
    attributions = attributor.attribute(text, [(s.start, s.end) for s in sentences])
    units: list[ClaimUnit] = []
    for index, sentence in enumerate(sentences):
        attribution = attributions[index] if attributions is not None else None
        spans = extract_claim_spans(sentence.text)
        if attribution is None:
            units.append(
                ClaimUnit(sentence, sentence.text, sentence.start, sentence.end, None, False)
            )
            units.extend(_pattern_unit(sentence, span) for span in spans)
            continue
        own = attribution.claimant
        units.append(
            ClaimUnit(
                sentence,
                sentence.text,
                sentence.start,
                sentence.end,
                own.text,
                is_span=False,
                claimant_start=own.start,
                claimant_end=own.end,
            )
        )
        units.extend(_units_of(sentence, spans, attribution))
    # A segment's text is its line without surrounding blanks already.
    headings = [ClaimUnit(s, s.text, s.start, s.end, None, False) for s in heading_lines]
    return segments, sorted(units + headings, key=lambda u: (u.sentence.start, u.is_span))


def _pattern_unit(
    sentence: Segment, span: ClaimSpan, claimant: Claimant | None = None
) -> ClaimUnit:
    name = claimant.text if claimant else span.claimant
    return ClaimUnit(
        sentence,
        span.text,
        sentence.start + span.start,
        sentence.start + span.end,
        name,
        is_span=True,
        claimant_start=claimant.start if claimant else None,
        claimant_end=claimant.end if claimant else None,
    )


def _units_of(
    sentence: Segment, spans: list[ClaimSpan], attribution: SentenceAttribution
) -> list[ClaimUnit]:
    """A sentence's claim spans: parsed reports first, pattern spans none of them overlaps."""
    units = [
        ClaimUnit(
            sentence,
            sentence.text[r.start - sentence.start : r.end - sentence.start],
            r.start,
            r.end,
            r.claimant.text,
            is_span=True,
            claimant_start=r.claimant.start,
            claimant_end=r.claimant.end,
        )
        for r in attribution.reports
        if sentence.start <= r.start < r.end <= sentence.end
    ]
    # A pattern span over a parsed report or its speaker ("says Jonathan Epstein, vice
    # president …") is cut worse than the parse's.
    taken = [(u.start, u.end) for u in units]
    taken.extend(
        (r.claimant.start, r.claimant.end)
        for r in attribution.reports
        if r.claimant.start is not None and r.claimant.end is not None
    )
    for span in spans:
        start, end = sentence.start + span.start, sentence.start + span.end
        if any(start < t_end and end > t_start for t_start, t_end in taken):
            continue
        units.append(_pattern_unit(sentence, span, attribution.claimant))
    return sorted(units, key=lambda u: u.start)


class Pipeline:
    """Runs the analysis stages over one article, with a single batched encode.

    Args:
        embedder: The sentence encoder shared by every stage.
        scorer: The check-worthiness scorer.
        settings: Matching thresholds. Defaults to ``MatchingSettings()``.
        matcher: Retrieval, re-ranking and calibration. Defaults to a ``Matcher`` with the
            packaged re-ranker and ``settings``' thresholds.
        stance: Reads the article's stance towards each matched fact-check's claim.
            Defaults to a ``StanceModel`` (the packaged artefact, or the
            rule reader when it is missing).
        blas_threads: Threads numpy's BLAS may use in this process; None leaves its default.
            Defaults to 1: the pipeline's matrix products (the check-worthiness head, the
            re-ranker) are a few dozen rows, and BLAS threads keep spinning after each one,
            on the cores the next encode needs. Measured on 2 cores at 100k fact-checks: a
            40-sentence encode right after an analysis took 125-130 ms with OpenBLAS's 2
            threads and 68-73 ms with 1; the whole analysis 161 -> 111 ms.
        attributor: Finds each claim's claimant with a dependency parse. Defaults to
            ``default_attributor()`` (``Attributor(parse=False)`` for pattern claimants only).
        multilingual: The multilingual encoder for claims in other languages than English:
            with it they are matched in the multilingual space and take their
            check-worthiness from ``multilingual_checkworthiness``. None (the default)
            reads every claim as English.
        multilingual_checkworthiness: The head on multilingual-e5 rows. Defaults to the
            packaged one when ``multilingual`` is given.
        crosslingual: Ranks those claims' fact-checks in the multilingual space. Defaults to
            a ``CrossLingualMatcher`` with its tuned settings.
        search_matcher: Ranks the fact-check search's English queries (``search``): the
            service gives it the packaged cross-encoder re-ranker, which helps queries
            written to find a claim and not news sentences (docs/matching.md). Defaults to
            ``matcher``.
    """

    def __init__(
        self,
        embedder: Embedder,
        scorer: CheckWorthinessScorer,
        settings: MatchingSettings | None = None,
        matcher: Matcher | None = None,
        *,
        stance: StanceModel | None = None,
        blas_threads: int | None = 1,
        attributor: Attributor | None = None,
        multilingual: MultilingualEncoder | None = None,
        crosslingual: CrossLingualMatcher | None = None,
        multilingual_checkworthiness: MultilingualCheckWorthiness | None = None,
        search_matcher: Matcher | None = None,
    ) -> None:
        if blas_threads is not None:
            # Process-wide and lasting (threadpoolctl applies the limit when constructed).
            threadpool_limits(limits=blas_threads, user_api="blas")
        self.embedder = embedder
        self.scorer = scorer
        self.settings = settings or MatchingSettings()
        self.matcher = matcher or Matcher(self.settings.matcher_settings())
        self.search_matcher = search_matcher or self.matcher
        self.stance_model = stance or StanceModel()
        self.attributor = attributor or default_attributor()
        self.multilingual = multilingual
        self.crosslingual = crosslingual or CrossLingualMatcher()
        self._multilingual_checkworthiness = multilingual_checkworthiness
        self._use_checkworthiness: MultilingualCheckWorthiness | None = None
        # Threads for the lexical stage, which runs while the encoder does (started on
        # first use).
        self._lexical_pool = ThreadPoolExecutor(
            max_workers=4, thread_name_prefix="claimflag-lexical"
        )

    def analyze(
        self,
        text: str,
        source: FactCheckSource,
        *,
        published_at: dt.date | None = None,
        language: str | None = None,
        max_age_days: int | None = None,
        checkpoint: Callable[[str], None] | None = None,
    ) -> ArticleAnalysis:
        """Analyse an article's text against the fact-checks in ``source``.

        Args:
            text: The article as pasted.
            source: Where to look for fact-checks.
            published_at: The article's date; fact-checks reviewed later are ignored.
            language: Restrict matches to fact-checks in this language.
            max_age_days: Ignore fact-checks reviewed more than this many days before the
                article (or today). Defaults to ``settings.max_age_days``.
            checkpoint: Called with the next stage's name between stages; raising stops
                the analysis (a caller's deadline). Defaults to none.
        """
        # A hard-wrapped text is read with its paragraphs' line breaks as spaces, zero-width
        # spaces as spaces (offsets unchanged); the claims and segments returned quote it
        # as pasted.
        pasted, text = text, reading_text(text)
        article_language = detect_language(text)
        segments, units = claim_units(text, self.attributor, article_language)
        texts = [u.text for u in units]
        languages = [sentence_language(u.sentence.text, article_language) for u in units]
        search_filter = self.search_filter(published_at, language, max_age_days)
        # Full-text search needs only the texts: it overlaps the encode (the encoder and a
        # database or numpy both release the GIL), so the article waits for the slower one.
        lexical = self._lexical_pool.submit(
            self.matcher.lexical_candidates, texts, source, search_filter
        )
        try:
            vectors = np.concatenate(
                in_chunks(self.embedder.encode, texts, ENCODE_CHUNK, checkpoint, "encoding")
            )
            if checkpoint is not None:
                checkpoint("ranking")
        except BaseException:
            lexical.cancel()
            raise
        scores = self.scorer.score(texts, vectors)
        pools = self.matcher.candidates(texts, vectors, source, search_filter, lexical.result())
        neighbours = self.matcher.rank(texts, vectors, source, search_filter, pools=pools)
        self._support_from_article(text, texts, languages, neighbours, source, search_filter)
        by_precedent = self.uses_precedent(source, sum(1 for u in units if not u.is_span))
        if checkpoint is not None:
            # The multilingual encodes of a long article are the next long stretch.
            checkpoint("other languages")
        encoded = self._rank_other_languages(
            text,
            texts,
            languages,
            neighbours,
            source,
            search_filter,
            [float(x) for x in scores],
            [u.sentence.start for u in units],
            checkpoint,
        )
        if checkpoint is not None:
            checkpoint("stance")

        claims: list[ClaimAnalysis] = []
        by_sentence: dict[int, int] = {}
        for unit, score, candidates, vector, pool in zip(
            units, scores, neighbours, vectors, pools, strict=True
        ):
            if not unit.is_span:
                by_sentence[unit.sentence.start] = len(claims)
                claims.append(
                    self._claim(
                        unit,
                        float(score),
                        candidates,
                        pool.closeness(PRECEDENT_NEIGHBOURS),
                        by_precedent,
                    )
                )
                claims[-1].vector = vector
                continue
            # A reported claim replaces its sentence as the claim to check; the sentence's
            # own matches still count, so keep the better confidence per fact-check.
            index = by_sentence[unit.sentence.start]
            whole = claims[index]
            merged = _merge(candidates, whole.matches, self.settings.top_k)
            precedent = max(
                (
                    p
                    for p in (pool.closeness(PRECEDENT_NEIGHBOURS), whole.precedent)
                    if p is not None
                ),
                default=None,
            )
            span_claim = self._claim(
                unit, max(float(score), whole.check_worthiness), merged, precedent, by_precedent
            )
            span_claim.vector = vector
            if whole.sentence_start is None:
                claims[index] = span_claim
            else:
                claims.append(span_claim)
        analysis = ArticleAnalysis(claims=claims, segments=segments, language=article_language)
        self.assign_languages(
            analysis,
            encoded,
            {u.sentence.start: lang for u, lang in zip(units, languages, strict=True)},
        )
        self.read_stances(analysis, checkpoint=checkpoint)
        if text is not pasted:
            _quote_as_pasted(analysis, pasted, text)
        return analysis

    @property
    def multilingual_checkworthiness(self) -> MultilingualCheckWorthiness | None:
        """The check-worthiness head for claims not in English (None without an encoder)."""
        if self.multilingual is None:
            return None
        if self._multilingual_checkworthiness is None:
            self._multilingual_checkworthiness = default_multilingual_scorer()
        return self._multilingual_checkworthiness

    @property
    def use_checkworthiness(self) -> MultilingualCheckWorthiness | None:
        """The check-worthiness head on USE rows, for claims in the languages the
        cross-lingual matcher's second encoder reads (None without that encoder)."""
        if self.crosslingual.second is None:
            return None
        if self._use_checkworthiness is None:
            self._use_checkworthiness = default_use_scorer()
        return self._use_checkworthiness

    def assign_languages(
        self,
        analysis: ArticleAnalysis,
        e5_rows: Mapping[str, Vector] | None = None,
        read: Mapping[int, str] | None = None,
    ) -> None:
        """Set each claim's language; with a multilingual encoder, rescore the claims not in
        English with a multilingual head (the English head reads English only): the head on
        USE rows for the languages the cross-lingual matcher's second encoder reads, when it
        has one, and the head on e5 rows for the others.

        A claim inside a sentence (a reported clause) keeps the better of its own score and
        its sentence's, as English claims do.

        Args:
            analysis: The analysed article; its ``language`` is the article's.
            e5_rows: Multilingual-e5 rows already computed, by text; the others are encoded.
            read: Languages already read, by the start of the claim's sentence.
        """
        sentences = {s.start: s for s in analysis.segments if s.kind is SegmentKind.SENTENCE}
        read = read or {}

        def sentence_of(claim: ClaimAnalysis) -> str:
            found = sentences.get(claim.sentence_offset)
            return found.text if found is not None else claim.text

        for claim in analysis.claims:
            language = read.get(claim.sentence_offset)
            if language is None:
                language = sentence_language(sentence_of(claim), analysis.language)
            claim.language = language
        head = self.multilingual_checkworthiness
        foreign = [c for c in analysis.claims if c.language != ENGLISH]
        if self.multilingual is None or head is None or not foreign:
            return
        second, second_head = self.crosslingual.second, self.use_checkworthiness
        by_e5 = foreign
        if second is not None and second_head is not None:
            by_use = [c for c in foreign if self.crosslingual.rescores(c.language)]
            if by_use:
                self._score_foreign(by_use, sentence_of, second_head, second, {})
            by_e5 = [c for c in foreign if not self.crosslingual.rescores(c.language)]
        if by_e5:
            known = dict(e5_rows or {})
            self._score_foreign(by_e5, sentence_of, head, self.multilingual, known)

    @staticmethod
    def _score_foreign(
        claims: list[ClaimAnalysis],
        sentence_of: Callable[[ClaimAnalysis], str],
        head: MultilingualCheckWorthiness,
        encoder: TextEncoder,
        known: dict[str, Vector],
    ) -> None:
        """Score ``claims`` (not in English) with ``head`` on ``encoder``'s rows of each claim
        and its sentence (``known`` rows are reused); a claim keeps the better of the two."""
        texts = sorted({t for c in claims for t in (c.text, sentence_of(c))})
        missing = [t for t in texts if t not in known]
        if missing:
            known.update(zip(missing, encoder.encode(missing), strict=True))
        # One call for the article: a centring head reads these rows together.
        scores = head.score(texts, np.vstack([known[t] for t in texts]))
        by_text = dict(zip(texts, (float(s) for s in scores), strict=True))
        for claim in claims:
            score = max(by_text[claim.text], by_text[sentence_of(claim)])
            claim.check_worthiness = round(score, 4)
            claim.check_worthy = score >= head.threshold
            # The closest English-space fact-check says little about another language.
            claim.precedent = None

    def _support_from_article(
        self,
        text: str,
        texts: list[str],
        languages: list[str],
        neighbours: list[list[Match]],
        source: FactCheckSource,
        search_filter: SearchFilter,
    ) -> None:
        """Raise English claims' first matches from ``possible`` to ``likely`` where the
        whole article is about the fact-check: among its ``ARTICLE_DEPTH`` closest, similar
        enough (in place; ``Matcher.supported_by_article``).

        The article's opening (``ARTICLE_WORDS``) is encoded, a second one-row encode, only
        when some claim waits on it.
        """
        waiting = [
            i
            for i, language in enumerate(languages)
            if language == ENGLISH and self.matcher.awaits_article(texts[i], neighbours[i])
        ]
        if not waiting:
            return
        opening = " ".join(text.split()[:ARTICLE_WORDS])
        around = source.nearest(
            self.embedder.encode([opening]), k=ARTICLE_DEPTH, search_filter=search_filter
        )[0]
        article = {c.fact_check.id: c.similarity for c in around}
        for i in waiting:
            neighbours[i] = self.matcher.supported_by_article(texts[i], neighbours[i], article)

    def _rank_other_languages(
        self,
        text: str,
        texts: list[str],
        languages: list[str],
        neighbours: list[list[Match]],
        source: FactCheckSource,
        search_filter: SearchFilter,
        scores: list[float],
        sentences: list[int],
        checkpoint: Callable[[str], None] | None = None,
    ) -> dict[str, Vector]:
        """Match across languages in the multilingual space (in place), when there is a
        multilingual encoder and the source keeps that index. ``sentences`` says which
        sentence each text comes from (its start), for corroboration; ``checkpoint`` is
        called between the encodes of a long article's claims.

        Claims in other languages than English get cross-lingual matches instead of the
        English ones. English claims worth checking that found no verdict-suggesting match
        (the ``REVERSE_CLAIMS`` most check-worthy of an article) are looked up among
        fact-checks written in other languages: "the reverse direction", scored on the claim
        alone (its own vector stands in for the article's, which would cost a long encode).

        Returns the multilingual rows encoded, by text (for the check-worthiness head).
        """
        encoded: dict[str, Vector] = {}
        encoder, index = self._across_languages(source)
        if encoder is None or index is None:
            return encoded
        foreign = [i for i, language in enumerate(languages) if language != ENGLISH]
        if foreign:
            claims = [texts[i] for i in foreign]
            rows = np.concatenate(
                in_chunks(encoder.encode, claims, MULTILINGUAL_CHUNK, checkpoint, "other languages")
            )
            encoded.update(zip(claims, rows, strict=True))
            ranked = self.crosslingual.rank(
                claims,
                rows,
                encoder.encode([text]),
                index,
                search_filter,
                limit=self.settings.top_k,
                sentences=[sentences[i] for i in foreign],
                article_text=text,
                languages=[languages[i] for i in foreign],
            )
            for i, matches in zip(foreign, ranked, strict=True):
                neighbours[i] = matches
        reverse = [
            i
            for i, language in enumerate(languages)
            if language == ENGLISH
            and scores[i] >= self.scorer.threshold
            and not any(m.tier is not None and m.tier.suggests_verdict for m in neighbours[i])
        ]
        reverse = sorted(sorted(reverse, key=lambda i: -scores[i])[:REVERSE_CLAIMS])
        if not reverse:
            return encoded
        rows = encoder.encode([texts[i] for i in reverse])
        for i, row in zip(reverse, rows, strict=True):
            vector = row.reshape(1, -1)
            found = self.crosslingual.rank(
                [texts[i]], vector, vector, index, search_filter, limit=self.settings.top_k
            )[0]
            other = [m for m in found if m.fact_check.language != ENGLISH]
            if other:
                neighbours[i] = _merge(other, neighbours[i], self.settings.top_k)
        return encoded

    def search(
        self,
        query: str,
        source: FactCheckSource,
        search_filter: SearchFilter | None = None,
        *,
        limit: int,
    ) -> list[Match]:
        """Fact-checks for one free-text query, best first, every tier kept (the fact-check
        search): a query in another language than English is ranked in the multilingual
        space when there is an encoder and an index for it, as claims are. An English query
        is embedded cleaned, as ``evaluation.matching`` and the re-ranker's training embed
        theirs, and ranked by ``search_matcher``."""
        encoder, index = self._across_languages(source)
        if encoder is not None and index is not None:
            language = detect_language(query)
            if language != ENGLISH:
                row = encoder.encode([query])
                return self.crosslingual.rank(
                    [query],
                    row,
                    row,
                    index,
                    search_filter,
                    limit=limit,
                    keep_all=True,
                    languages=[language],
                )[0]
        # Embedded as the re-ranker's training queries were: without links, lead-ins and
        # tweet signatures (``clean_query``).
        vector = self.embedder.encode([clean_query(query)])
        return self.search_matcher.rank(
            [query], vector, source, search_filter, limit=limit, keep_all=True
        )[0]

    def _across_languages(
        self, source: FactCheckSource
    ) -> tuple[MultilingualEncoder | None, MultilingualSource | None]:
        """The encoder and index for matching across languages; Nones when either is
        missing (no encoder, a source without the index, or an index still empty)."""
        if (
            self.multilingual is None
            or not isinstance(source, MultilingualSource)
            or not source.multilingual_count()
        ):
            return None, None
        return self.multilingual, source

    def read_stances(
        self,
        analysis: ArticleAnalysis,
        claims: list[ClaimAnalysis] | None = None,
        *,
        checkpoint: Callable[[str], None] | None = None,
    ) -> None:
        """Set each matched claim's stance towards its top fact-check's claim, read from the
        claim's sentence and its neighbours (a debunk often follows in the next sentence).

        Args:
            analysis: The analysed article.
            claims: The claims to (re-)read, e.g. after their top match changed. Defaults
                to all of ``analysis.claims``.
            checkpoint: Called between the reads of a long article's claims; raising stops
                them. Defaults to none.
        """
        sentences = [s for s in analysis.segments if s.kind is SegmentKind.SENTENCE]
        position = {s.start: i for i, s in enumerate(sentences)}
        chosen = analysis.claims if claims is None else claims
        matched = [c for c in chosen if c.matches]
        pairs: list[tuple[str, str]] = []
        for claim in matched:
            start = claim.sentence_offset
            at = position.get(start)
            if at is None:
                # A heading line: read with the sentences after it.
                after = [s.text for s in sentences if s.start > start][: STANCE_NEIGHBOURS + 1]
                context = " ".join([claim.text, *after])
            else:
                around = sentences[max(0, at - STANCE_NEIGHBOURS) : at + STANCE_NEIGHBOURS + 1]
                context = " ".join(s.text for s in around)
            pairs.append((context, claim.matches[0].fact_check.claim))

        # The match already says the article speaks to the claim: only its stance is open.
        def read(chunk: list[int]) -> list[StanceReading]:
            return self.stance_model.read_many(
                [pairs[i] for i in chunk],
                evidence=False,
                related=True,
                languages=[matched[i].language for i in chunk],
            )

        readings = [
            reading
            for part in in_chunks(read, range(len(pairs)), STANCE_CHUNK, checkpoint, "stance")
            for reading in part
        ]
        for claim in chosen:
            claim.stance = claim.stance_confidence = None
        for claim, reading in zip(matched, readings, strict=True):
            claim.stance = reading.stance
            claim.stance_confidence = reading.confidence

    def search_filter(
        self,
        published_at: dt.date | None,
        language: str | None,
        max_age_days: int | None = None,
    ) -> SearchFilter:
        """The restrictions for an article: nothing reviewed after it, nothing too old."""
        max_age = self.settings.max_age_days if max_age_days is None else max_age_days
        reviewed_after = None
        start = published_at or dt.date.today()
        # An age reaching back past the calendar's start is no lower bound at all.
        if max_age is not None and max_age < (start - dt.date.min).days:
            reviewed_after = start - dt.timedelta(days=max_age)
        return SearchFilter(
            reviewed_before=published_at, reviewed_after=reviewed_after, language=language
        )

    def uses_precedent(self, source: FactCheckSource, sentences: int) -> bool:
        """Whether the claims of a text of ``sentences`` sentences (prose sentences and
        heading lines read as claims) are judged check-worthy by their closest fact-check
        in ``source`` too (``MatchingSettings.precedent_similarity``): only in an article,
        and only when the source holds enough fact-checks that not finding a close one
        means something."""
        settings = self.settings
        if settings.precedent_similarity is None or sentences < settings.precedent_min_sentences:
            return False
        if not isinstance(source, SizedSource):
            return False
        return source.approximate_size() >= settings.precedent_min_fact_checks

    def check_worthy(self, score: float, precedent: float | None, by_precedent: bool) -> bool:
        """The decision for an English claim of head score ``score``: the head's threshold
        alone, or, with precedent, close fact-checks or a head score of
        ``precedent_checkworthiness``.

        Measured on news (newsclaims-dev, docs/checkworthiness.md) the head barely
        separates claim sentences from the rest of an article, while the similarity of
        the closest fact-checks does.
        """
        settings = self.settings
        if not by_precedent or settings.precedent_similarity is None:
            return score >= self.scorer.threshold
        return worthy_by_precedent(
            score,
            precedent,
            similarity=settings.precedent_similarity,
            head=settings.precedent_checkworthiness,
        )

    def _claim(
        self,
        unit: ClaimUnit,
        score: float,
        matches: list[Match],
        precedent: float | None,
        by_precedent: bool,
    ) -> ClaimAnalysis:
        kept = [m for m in matches if m.tier is not None]
        precedent = None if precedent is None else round(precedent, 4)
        claim = ClaimAnalysis(
            text=unit.text,
            start=unit.start,
            end=unit.end,
            check_worthiness=round(score, 4),
            check_worthy=self.check_worthy(round(score, 4), precedent, by_precedent),
            precedent=precedent,
            matches=kept,
            claimant=unit.claimant,
            claimant_start=unit.claimant_start,
            claimant_end=unit.claimant_end,
            sentence_start=unit.sentence.start if unit.is_span else None,
            sentence_end=unit.sentence.end if unit.is_span else None,
        )
        claim.suggestion = self.suggest(unit.text, kept)
        claim.agreement = agreement(kept)
        return claim

    def suggest(self, text: str, matches: list[Match]) -> Suggestion | None:
        """Suggest the verdict of the best match when it is in the ``match`` tier."""
        if not matches or word_count(text) < self.settings.min_match_words:
            return None
        best = matches[0]
        if best.tier is None or not best.tier.suggests_verdict:
            return None
        record = best.fact_check
        reason = (
            f"Repeats a claim {record.publisher} rated “{record.rating}” "
            f"(confidence {best.confidence:.2f}): {record.claim}"
        )
        return Suggestion(verdict=record.verdict, confidence=best.confidence, reason=reason)


def _merge(first: list[Match], second: list[Match], k: int) -> list[Match]:
    best: dict[int, Match] = {}
    for match in [*first, *second]:
        seen = best.get(match.fact_check.id)
        if seen is None or match.confidence > seen.confidence:
            best[match.fact_check.id] = match
    return sorted(best.values(), key=lambda m: (-m.confidence, -m.similarity))[:k]
