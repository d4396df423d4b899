import copy
import dataclasses
import datetime as dt
import re
from collections.abc import Sequence

import numpy as np
import pytest

from models import pipeline as pipeline_module
from models.embedding import Embedder, Vectors
from models.matching import Candidate, DenseIndex, FactCheckRecord, LexicalIndex, SearchFilter
from models.pipeline import ArticleAnalysis, ClaimAnalysis, Pipeline
from models.retrieval import Matcher, Tier
from models.stance import Stance
from models.verdicts import Verdict


class _ListSource:
    """A fact-check source over a handful of records, embedded with the real model."""

    def __init__(self, embedder: Embedder, records: list[FactCheckRecord]) -> None:
        self.records = {r.id: r for r in records}
        self.index = DenseIndex(embedder.dimension)
        self.index.replace(
            np.array([r.id for r in records]), embedder.encode([r.claim for r in records])
        )
        self.lexical_index = LexicalIndex()
        self.lexical_index.replace(np.array([r.id for r in records]), [r.claim for r in records])

    def nearest(
        self, vectors: Vectors, *, k: int, search_filter: SearchFilter | None = None
    ) -> list[list[Candidate]]:
        ids, scores = self.index.search(vectors, k)
        keep = search_filter or SearchFilter()
        return [
            [
                Candidate(self.records[i], float(s))
                for i, s in zip(row_ids.tolist(), row_scores.tolist(), strict=True)
                if keep.admits(self.records[i])
            ]
            for row_ids, row_scores in zip(ids, scores, strict=True)
        ]

    def lexical(
        self, texts: Sequence[str], *, k: int, search_filter: SearchFilter | None = None
    ) -> list[list[Candidate]]:
        keep = search_filter or SearchFilter()
        return [
            [
                Candidate(self.records[i], float(s))
                for i, s in zip(ids.tolist(), scores.tolist(), strict=True)
                if keep.admits(self.records[i])
            ]
            for ids, scores in self.lexical_index.search(texts, k)
        ]


RECORDS = [
    FactCheckRecord(
        id=1,
        claim="The city council spent four million pounds on a bridge that was never built.",
        rating="Pants on Fire!",
        verdict=Verdict.FALSE,
        publisher="Example Checks",
        url="https://checks.example/bridge",
        review_date=dt.date(2024, 5, 1),
    ),
    FactCheckRecord(
        id=2,
        claim="Drinking hot water cures seasonal flu within a day.",
        rating="False",
        verdict=Verdict.FALSE,
        publisher="Example Checks",
        url="https://checks.example/flu",
        review_date=dt.date(2024, 5, 2),
    ),
]

ARTICLE = (
    "Council row over missing bridge\n\n"
    "Opposition leaders repeated a false claim that the city council spent £4 million on a "
    "bridge that was never built.\n\n"
    "The meeting lasted three hours.\n"
)


def test_one_encode_per_article(pipeline: Pipeline, embedder: Embedder) -> None:
    source = _ListSource(embedder, RECORDS)
    calls: list[int] = []
    original = embedder.encode

    def counting(texts: list[str]) -> Vectors:
        calls.append(len(texts))
        return original(texts)

    embedder.encode = counting  # type: ignore[method-assign]
    try:
        pipeline.analyze(ARTICLE, source)
    finally:
        del embedder.encode
    assert len(calls) == 1


# Two claims matched, among six sentences.
TWO_MATCHED = (
    ARTICLE + "Residents also shared posts saying that drinking hot water cures seasonal flu within"
    " a day.\n\nDoctors said there is no evidence for that. The council meets again in May."
    " Its budget is published online.\n"
)


def _outcome(analysis: ArticleAnalysis) -> list[tuple[object, ...]]:
    return [
        (c.text, c.start, c.flagged, [m.fact_check.id for m in c.matches], c.stance)
        for c in analysis.claims
    ]


def test_a_deadline_is_checked_between_the_chunks_of_a_long_encode_and_stance_read(
    pipeline: Pipeline, embedder: Embedder, monkeypatch: pytest.MonkeyPatch
) -> None:
    source = _ListSource(embedder, RECORDS)
    whole = pipeline.analyze(TWO_MATCHED, source)
    matched = sum(1 for c in whole.claims if c.matches)
    assert matched >= 2
    monkeypatch.setattr(pipeline_module, "ENCODE_CHUNK", 2)
    monkeypatch.setattr(pipeline_module, "STANCE_CHUNK", 1)
    stages: list[str] = []
    chunked = pipeline.analyze(TWO_MATCHED, source, checkpoint=stages.append)
    # The same analysis, read in pieces with the deadline consulted between them.
    assert _outcome(chunked) == _outcome(whole)
    encodes = stages.count("encoding")
    assert encodes >= 2
    assert stages[: encodes + 1] == ["encoding"] * encodes + ["ranking"]
    assert stages[encodes + 1 :] == ["other languages"] + ["stance"] * matched

    def stop_at_encoding(stage: str) -> None:
        if stage == "encoding":
            raise TimeoutError(stage)

    with pytest.raises(TimeoutError):
        pipeline.analyze(TWO_MATCHED, source, checkpoint=stop_at_encoding)


_FULL_WIDTH = {ord(c): chr(ord(c) + 0xFEE0) for c in ",.£"}


@pytest.mark.parametrize(
    ("pasted", "mark"),
    [
        # Copied pages carry zero-width spaces between words, where the parser read
        # "\u200bspent" as a word.
        (ARTICLE.replace(" ", " \u200b"), "\u200b"),
        # Right-to-left marks after spaces, isolates around lines (social posts, RTL editors).
        (ARTICLE.replace(" ", " \u200f"), "\u200f"),
        (re.sub(r"(?m)^(.+)$", "\u2067\\1\u2069", ARTICLE), "\u2067"),
        # Punctuation typed with a Chinese or Japanese input method.
        (ARTICLE.translate(_FULL_WIDTH), "\uff0e"),
    ],
    ids=["zero-width spaces", "right-to-left marks", "isolates", "full-width"],
)
def test_invisible_and_full_width_characters_are_read_through_and_quoted_as_pasted(
    pipeline: Pipeline, embedder: Embedder, pasted: str, mark: str
) -> None:
    analysis = pipeline.analyze(pasted, _ListSource(embedder, RECORDS))
    flagged = [c for c in analysis.claims if c.flagged]
    assert [c.matches[0].fact_check.id for c in flagged] == [1]
    assert flagged[0].stance is not None
    assert mark in pasted[flagged[0].sentence_offset :]
    for claim in analysis.claims:
        assert pasted[claim.start : claim.end] == claim.text
    for piece in analysis.segments:
        assert pasted[piece.start : piece.end] == piece.text


def test_reported_claim_is_flagged_with_verdict(pipeline: Pipeline, embedder: Embedder) -> None:
    analysis = pipeline.analyze(ARTICLE, _ListSource(embedder, RECORDS))
    flagged = [c for c in analysis.claims if c.flagged]
    assert len(flagged) == 1
    claim = flagged[0]
    assert claim.text.startswith("the city council spent £4 million")
    assert ARTICLE[claim.start : claim.end] == claim.text
    assert claim.sentence_start is not None and claim.sentence_start < claim.start
    assert claim.matches[0].fact_check.id == 1
    assert claim.suggestion is not None and claim.suggestion.verdict is Verdict.FALSE
    assert "Pants on Fire!" in claim.suggestion.reason
    assert claim.stance is Stance.DEBUNKS
    assert claim.stance_confidence is not None and 0.25 < claim.stance_confidence <= 1
    unrelated = [c for c in analysis.claims if c.text.startswith("The meeting")]
    assert unrelated and not unrelated[0].flagged


def test_only_matched_claims_carry_a_stance(pipeline: Pipeline, embedder: Embedder) -> None:
    analysis = pipeline.analyze(ARTICLE, _ListSource(embedder, RECORDS))
    for claim in analysis.claims:
        assert (claim.stance is None) == (not claim.matches)
        assert (claim.stance_confidence is None) == (not claim.matches)
        assert claim.stance is not Stance.UNRELATED  # a match already says it is related


def test_fact_checks_after_publication_are_not_evidence(
    pipeline: Pipeline, embedder: Embedder
) -> None:
    analysis = pipeline.analyze(
        ARTICLE, _ListSource(embedder, RECORDS), published_at=dt.date(2024, 1, 1)
    )
    assert not any(c.flagged for c in analysis.claims)


def test_pipeline_limits_numpy_blas_threads(embedder: Embedder) -> None:
    from threadpoolctl import threadpool_info, threadpool_limits

    from models.checkworthiness import RuleScorer

    blas = [i for i in threadpool_info() if i["user_api"] == "blas"]
    assert blas, "numpy's BLAS should be visible to threadpoolctl"
    with threadpool_limits(limits=2, user_api="blas"):
        Pipeline(embedder, RuleScorer(), blas_threads=1)
        assert {i["num_threads"] for i in threadpool_info() if i["user_api"] == "blas"} == {1}
        Pipeline(embedder, RuleScorer(), blas_threads=None)
        assert {i["num_threads"] for i in threadpool_info() if i["user_api"] == "blas"} == {1}


SPANISH_ARTICLE = (
    "El puente que nunca existió\n\n"
    "La oposición repitió que el ayuntamiento gastó cuatro millones de euros en un puente que "
    "nunca se construyó. La reunión duró tres horas.\n"
)


def test_claims_not_in_english_take_the_multilingual_head(
    pipeline: Pipeline, embedder: Embedder
) -> None:
    from models.checkworthiness_multilingual import score_multilingual
    from models.encoders.multilingual import MultilingualEncoder

    multilingual = MultilingualEncoder()
    both = Pipeline(embedder, pipeline.scorer, multilingual=multilingual)
    source = _ListSource(embedder, RECORDS)

    spanish = both.analyze(SPANISH_ARTICLE, source)
    assert spanish.language == "es"
    assert [c.language for c in spanish.claims] == ["es", "es"]
    texts = [c.text for c in spanish.claims]
    expected = score_multilingual(texts, multilingual.encode(texts))
    assert [c.check_worthiness for c in spanish.claims] == [round(float(s), 4) for s in expected]
    english_only = Pipeline(embedder, pipeline.scorer).analyze(SPANISH_ARTICLE, source)
    assert [c.language for c in english_only.claims] == ["es", "es"]
    assert [c.check_worthiness for c in english_only.claims] != [
        c.check_worthiness for c in spanish.claims
    ]

    # English claims keep the English head's scores.
    english = both.analyze(ARTICLE, source)
    assert english.language == "en" and {c.language for c in english.claims} == {"en"}
    assert [c.check_worthiness for c in english.claims] == [
        c.check_worthiness for c in pipeline.analyze(ARTICLE, source).claims
    ]


def test_claims_in_the_second_encoders_languages_take_its_head(
    pipeline: Pipeline, embedder: Embedder
) -> None:
    from models.checkworthiness_multilingual import default_use_scorer, score_multilingual
    from models.encoders.multilingual import MultilingualEncoder
    from models.encoders.use import UseEncoder
    from models.retrieval.crosslingual import CrossLingualMatcher

    multilingual, second = MultilingualEncoder(), UseEncoder()
    both = Pipeline(
        embedder,
        pipeline.scorer,
        multilingual=multilingual,
        crosslingual=CrossLingualMatcher(second=second),
    )
    source = _ListSource(embedder, RECORDS)
    head = default_use_scorer()
    assert head is not None

    spanish = both.analyze(SPANISH_ARTICLE, source)
    texts = [c.text for c in spanish.claims]
    expected = head.score(texts, second.encode(texts))
    assert [c.check_worthiness for c in spanish.claims] == [round(float(s), 4) for s in expected]
    assert [c.check_worthy for c in spanish.claims] == [s >= head.threshold for s in expected]

    # USE was not trained on Hindi: its claims keep the e5 head.
    sentence = (
        "सरकार ने कहा कि पिछले साल बेरोजगारी दर आठ प्रतिशत तक बढ़ गई और लाखों लोगों की नौकरी चली गई।"
    )
    hindi = both.analyze(sentence, source)
    assert {c.language for c in hindi.claims} == {"hi"}
    for claim in hindi.claims:  # the better of the claim's score and its sentence's
        texts = [claim.text, sentence]
        expected = max(float(x) for x in score_multilingual(texts, multilingual.encode(texts)))
        assert claim.check_worthiness == round(expected, 4)


class _SizedSource(_ListSource):
    """A list source that says how many fact-checks it holds (as the real backends do)."""

    def approximate_size(self) -> int:
        return len(self.records)


# A story fact-checkers covered several times (the precedent is the mean similarity of the
# closest five).
PRECEDENT_RECORDS = [
    *RECORDS,
    *(
        FactCheckRecord(
            id=3 + number,
            claim=claim,
            rating="False",
            verdict=Verdict.FALSE,
            publisher="Example Checks",
            url=f"https://checks.example/dogs-{number}",
            review_date=dt.date(2024, 5, 3),
        )
        for number, claim in enumerate(
            [
                "Walking your dog can spread the coronavirus to other pets.",
                "Dogs pass the coronavirus to other dogs they meet on walks.",
                "Pet dogs spread COVID-19 to each other in parks.",
                "Keep your dog away from other dogs or the virus will spread between them.",
                "Dogs that are walked together transmit the new coronavirus.",
            ]
        )
    ),
]

PRECEDENT_ARTICLE = (
    "When you walk your dog, keep it away from other dogs so the virus does not pass "
    "between them.\n\n"
    "The new stadium will bring 2,000 jobs to the city.\n\n"
    "Unemployment in the region rose to 7 percent last quarter.\n"
)


def _decisions(pipeline: Pipeline, embedder: Embedder, **settings: object) -> dict[str, bool]:
    variant = copy.copy(pipeline)
    variant.settings = dataclasses.replace(pipeline.settings, **settings)  # type: ignore[arg-type]
    analysis = variant.analyze(PRECEDENT_ARTICLE, _SizedSource(embedder, PRECEDENT_RECORDS))
    return {c.text.split()[1]: c.check_worthy for c in analysis.claims}


def test_a_claim_close_to_a_fact_check_is_check_worthy_once_the_database_is_large(
    pipeline: Pipeline, embedder: Embedder
) -> None:
    source = _SizedSource(embedder, PRECEDENT_RECORDS)
    analysis = pipeline.analyze(PRECEDENT_ARTICLE, source)
    by_word = {c.text.split()[1]: c for c in analysis.claims}
    dog, stadium, region = by_word["you"], by_word["new"], by_word["in"]
    # The head alone: the advice about dogs is not worth checking, the stadium's promise is.
    assert dog.check_worthiness < pipeline.scorer.threshold <= stadium.check_worthiness
    assert stadium.check_worthiness < pipeline.settings.precedent_checkworthiness
    assert region.check_worthiness >= pipeline.settings.precedent_checkworthiness
    assert dog.precedent is not None
    assert dog.precedent >= (pipeline.settings.precedent_similarity or 1.0)
    assert stadium.precedent is not None and stadium.precedent < 0.3
    # Seven fact-checks are far from the 1,000 that make a missing precedent meaningful.
    assert not pipeline.uses_precedent(source, 3)
    head_alone = {"you": False, "new": True, "in": True}
    assert {w: c.check_worthy for w, c in by_word.items()} == head_alone
    # Once the database counts, in an article, closeness to a checked claim decides, or a
    # confident head.
    article = {"precedent_min_fact_checks": 7, "precedent_min_sentences": 3}
    assert _decisions(pipeline, embedder, **article) == {"you": True, "new": False, "in": True}
    # Three sentences are not an article by default: the head alone, as for a statement.
    assert _decisions(pipeline, embedder, precedent_min_fact_checks=7) == head_alone
    # Switched off, the head alone decides whatever the size.
    assert _decisions(pipeline, embedder, **article, precedent_similarity=None) == head_alone


def test_a_heading_line_is_a_claim_read_with_the_prose_after_it(
    pipeline: Pipeline, embedder: Embedder
) -> None:
    article = (
        "Winter health advice\n\n"
        "Myth: drinking hot water cures seasonal flu within a day\n\n"
        "Doctors say there is no evidence for this, and the claim is false.\n"
    )
    analysis = pipeline.analyze(article, _ListSource(embedder, RECORDS))
    heading = next(c for c in analysis.claims if c.text.startswith("Myth:"))
    assert article[heading.start : heading.end] == heading.text
    assert heading.sentence_start is None
    assert heading.matches and heading.matches[0].fact_check.id == 2
    assert heading.stance is Stance.DEBUNKS
    # The three-word title is page furniture, not a claim.
    assert not any(c.text.startswith("Winter") for c in analysis.claims)


def _strict(pipeline: Pipeline, article_similarity: float | None) -> Pipeline:
    """The pipeline with every match left at ``possible`` by its confidence alone."""
    variant = copy.copy(pipeline)
    settings = dataclasses.replace(
        pipeline.matcher.settings,
        confirmed_threshold=2.0,
        match_threshold=2.0,
        article_similarity=article_similarity,
    )
    variant.matcher = Matcher(settings, reranker=pipeline.matcher.reranker)
    return variant


def test_an_article_about_a_fact_check_raises_its_possible_match(
    pipeline: Pipeline, embedder: Embedder
) -> None:
    source = _ListSource(embedder, RECORDS)
    calls: list[list[str]] = []
    original = embedder.encode

    def counting(texts: list[str]) -> Vectors:
        calls.append(texts)
        return original(texts)

    def bridge(analysis: ArticleAnalysis) -> ClaimAnalysis:
        return next(c for c in analysis.claims if c.matches and c.matches[0].fact_check.id == 1)

    embedder.encode = counting  # type: ignore[method-assign]
    try:
        # Without the article's support the match stays possible: nothing is flagged, and
        # the article is not encoded.
        alone = bridge(_strict(pipeline, None).analyze(ARTICLE, source))
        assert alone.matches[0].tier is Tier.POSSIBLE and not alone.flagged
        assert len(calls) == 1
        # The article is about the bridge: the match becomes likely and suggests the verdict.
        raised = bridge(_strict(pipeline, 0.5).analyze(ARTICLE, source))
        assert len(calls) == 3 and calls[-1] == [" ".join(ARTICLE.split())]
        first = raised.matches[0]
        assert first.tier is Tier.LIKELY and first.confidence == alone.matches[0].confidence
        assert first.article_similarity is not None and first.article_similarity >= 0.5
        assert raised.flagged and raised.suggestion is not None
        assert raised.suggestion.verdict is Verdict.FALSE
        # An article less similar than the threshold leaves it possible.
        kept = bridge(_strict(pipeline, 0.99).analyze(ARTICLE, source))
        assert kept.matches[0].tier is Tier.POSSIBLE and not kept.flagged
    finally:
        del embedder.encode
