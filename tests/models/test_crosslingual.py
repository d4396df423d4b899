"""Cross-lingual matching (issue 28): claims in other languages, and the reverse direction."""

from __future__ import annotations

import dataclasses
import datetime as dt

import numpy as np
import pytest

from claims_db.search import FactCheckIndex
from models import pipeline as pipeline_module
from models.checkworthiness import load_scorer
from models.embedding import Embedder
from models.encoders.multilingual import (
    MAX_TOKENS,
    MULTILINGUAL_MODEL_NAME,
    MultilingualEncoder,
)
from models.language import word_count
from models.matching import FactCheckRecord
from models.pipeline import Pipeline
from models.retrieval import Tier
from models.retrieval.crosslingual import (
    CrossLingualMatcher,
    CrossLingualSettings,
    anchors,
    language_pull,
    packaged_language_means,
)
from models.stance import Stance
from models.verdicts import Verdict


def _record(
    id: int, claim: str, language: str = "en", verdict: Verdict = Verdict.FALSE
) -> FactCheckRecord:
    return FactCheckRecord(
        id=id,
        claim=claim,
        rating="False",
        verdict=verdict,
        publisher="Example Checks",
        url=f"https://checks.example/{id}",
        review_date=dt.date(2024, 5, 1),
        language=language,
    )


RECORDS = [
    _record(1, "Russia released more than 500 lions onto its streets to keep people indoors."),
    _record(2, "A child died in Germany from wearing a face mask."),
    _record(3, "Drinking hot water with lemon cures COVID-19."),
    _record(4, "Greta Thunberg said the world would end on June 21, 2023."),
    _record(5, "En China se están fabricando huevos artificiales para el consumo humano.", "es"),
    _record(6, "The city council spent four million pounds on a bridge that was never built."),
]


@pytest.fixture(scope="module")
def multilingual() -> MultilingualEncoder:
    return MultilingualEncoder()


@pytest.fixture(scope="module")
def index(embedder: Embedder, multilingual: MultilingualEncoder) -> FactCheckIndex:
    ids = np.array([r.id for r in RECORDS], dtype=np.int64)
    claims = [r.claim for r in RECORDS]
    index = FactCheckIndex(
        embedder.model_name, embedder.dimension, multilingual_model=MULTILINGUAL_MODEL_NAME
    )
    index.load(
        RECORDS,
        ids,
        embedder.encode(claims),
        multilingual_ids=ids,
        multilingual_vectors=multilingual.encode(claims),
    )
    return index


@pytest.fixture(scope="module")
def multilingual_pipeline(embedder: Embedder, multilingual: MultilingualEncoder) -> Pipeline:
    return Pipeline(embedder, load_scorer(), multilingual=multilingual)


def test_anchors_keep_numbers_and_latin_names() -> None:
    found = anchors("Путин: Putin a libéré 500 lions, selon la WHO (1.000 morts)")
    assert {"putin", "500", "who", "1000"} <= found
    assert "lions" not in found
    # Numbers written in other scripts' digits match the fact-check's ASCII ones.
    assert anchors("في عام ٢٠٢٣ قتل ١٥٠ شخصا") == {"2023", "150"}
    assert anchors("در سال ۲۰۲۳") == {"2023"}
    assert anchors("वर्ष २०२३ में") == {"2023"}


def test_word_count_counts_unspaced_scripts_by_characters() -> None:
    assert word_count("Dicen que es falso") == 4
    # Twelve Japanese characters and no spaces: about six words, not one.
    assert word_count("ロシアがライオンを放ったという") >= 6


def test_spanish_article_is_flagged_with_the_english_fact_check(
    multilingual_pipeline: Pipeline, index: FactCheckIndex
) -> None:
    text = (
        "Circula en redes sociales un mensaje según el cual Rusia soltó más de 500 leones "
        "en sus calles para obligar a la población a quedarse en casa durante la pandemia. "
        "La imagen que lo acompaña fue tomada en Johannesburgo en 2016."
    )
    analysis = multilingual_pipeline.analyze(text, index)
    assert analysis.language == "es"
    flagged = [c for c in analysis.claims if c.flagged]
    assert flagged, [(c.text, c.matches) for c in analysis.claims]
    assert flagged[0].language == "es"
    assert flagged[0].matches[0].fact_check.id == 1
    assert flagged[0].suggestion is not None
    assert flagged[0].suggestion.verdict is Verdict.FALSE


def test_a_reported_clause_is_matched_as_a_claim_of_its_own(
    multilingual_pipeline: Pipeline, index: FactCheckIndex
) -> None:
    text = (
        "Depuis plusieurs jours, de nombreux messages partagés dans des groupes de discussion "
        "affirment que boire de l'eau chaude avec du citron guérit le COVID-19."
    )
    analysis = multilingual_pipeline.analyze(text, index)
    (clause,) = [
        c
        for c in analysis.claims
        if c.text == "boire de l'eau chaude avec du citron guérit le COVID-19"
    ]
    assert text[clause.start : clause.end] == clause.text
    assert clause.language == "fr"
    assert clause.flagged, clause.matches
    assert clause.matches[0].fact_check.id == 3


def test_german_debunk_is_read_as_debunking(
    multilingual_pipeline: Pipeline, index: FactCheckIndex
) -> None:
    text = (
        "In sozialen Netzwerken wird behauptet, ein Kind sei in Deutschland am Tragen einer "
        "Maske gestorben. Diese Behauptung ist falsch: Die Obduktion fand keinen Zusammenhang "
        "mit der Maske."
    )
    analysis = multilingual_pipeline.analyze(text, index)
    flagged = [c for c in analysis.claims if c.flagged]
    assert flagged and flagged[0].matches[0].fact_check.id == 2
    assert flagged[0].stance is Stance.DEBUNKS


def test_english_claim_finds_a_fact_check_written_in_spanish(
    multilingual_pipeline: Pipeline, index: FactCheckIndex
) -> None:
    text = (
        "Posts shared thousands of times claim that factories in China are manufacturing "
        "artificial eggs for people to eat."
    )
    analysis = multilingual_pipeline.analyze(text, index)
    assert analysis.language == "en"
    found = [m for c in analysis.claims for m in c.matches if m.fact_check.id == 5]
    assert found, [(c.text, c.matches) for c in analysis.claims]
    assert found[0].fact_check.language == "es"
    # Found in the multilingual space, it is trusted enough to suggest the verdict.
    assert found[0].tier is not None and found[0].tier.suggests_verdict


def test_english_claims_keep_their_english_matches(
    multilingual_pipeline: Pipeline, embedder: Embedder, index: FactCheckIndex
) -> None:
    text = (
        "Opposition leaders repeated a false claim that the city council spent £4 million on "
        "a bridge that was never built."
    )
    with_encoder = multilingual_pipeline.analyze(text, index)
    without = Pipeline(embedder, load_scorer()).analyze(text, index)
    assert [(c.text, [m.fact_check.id for m in c.matches]) for c in with_encoder.claims] == [
        (c.text, [m.fact_check.id for m in c.matches]) for c in without.claims
    ]
    assert any(c.flagged and c.matches[0].fact_check.id == 6 for c in with_encoder.claims)


def test_unrelated_claim_in_another_language_is_not_flagged(
    multilingual_pipeline: Pipeline, index: FactCheckIndex
) -> None:
    text = (
        "Le conseil municipal a voté mardi soir le budget de la piscine olympique, "
        "qui ouvrira ses portes au printemps prochain après trois ans de travaux."
    )
    analysis = multilingual_pipeline.analyze(text, index)
    assert analysis.language == "fr"
    assert not [c for c in analysis.claims if c.flagged]


def test_matcher_ranks_by_claim_article_and_anchors(
    multilingual: MultilingualEncoder, index: FactCheckIndex
) -> None:
    claims = ["Greta Thunberg sagte, die Welt gehe am 21. Juni 2023 unter."]
    vectors = multilingual.encode(claims)
    ranked = CrossLingualMatcher().rank(claims, vectors, vectors, index, keep_all=True)
    assert ranked[0][0].fact_check.id == 4
    assert ranked[0][0].confidence > ranked[0][1].confidence


def test_language_pull_lowers_only_same_language_neighbours(
    multilingual: MultilingualEncoder,
) -> None:
    means = packaged_language_means()
    assert {"en", "es"} <= set(means)
    portuguese, english = multilingual.encode(
        [
            "Crocodilos invadiram as praias do Brasil depois das chuvas.",
            "Crocodiles invaded the beaches of Brazil after the rains.",
        ]
    )
    pull = language_pull(portuguese, means)["es"]
    assert pull > 0.01
    # The same claim in English is barely pulled (its topic only), and never boosted.
    assert 0.0 <= language_pull(english, means)["es"] < pull / 3
    assert language_pull(portuguese, {}) == {}


def test_language_pull_lowers_a_spanish_fact_check_for_a_portuguese_claim(
    multilingual: MultilingualEncoder, index: FactCheckIndex
) -> None:
    claims = ["Greta Thunberg disse que o mundo acabaria em 21 de junho de 2023."]
    vectors = multilingual.encode(claims)
    plain = CrossLingualMatcher(language_means={}).rank(
        claims, vectors, vectors, index, keep_all=True, limit=6
    )[0]
    pulled = CrossLingualMatcher().rank(claims, vectors, vectors, index, keep_all=True, limit=6)[0]
    assert pulled[0].fact_check.id == 4
    score = {m.fact_check.id: m.score for m in plain}
    assert {m.fact_check.id: m.score for m in pulled}[5] < score[5]


def test_two_claims_finding_the_same_fact_check_first_raise_it(
    multilingual: MultilingualEncoder, index: FactCheckIndex
) -> None:
    claims = [
        "Greta Thunberg sagte, die Welt gehe am 21. Juni 2023 unter.",
        "Laut Thunberg sollte die Menschheit im Juni 2023 ausgelöscht sein.",
        "Ein Kind ist in Deutschland gestorben, weil es eine Maske trug.",
    ]
    vectors = multilingual.encode(claims)
    # Nothing reaches a verdict by its confidence alone here: every first match is possible.
    settings = CrossLingualSettings(
        match_threshold=2.0, confirmed_threshold=2.0, possible_threshold=0.0, corroboration=0.0
    )
    ranked = CrossLingualMatcher(settings).rank(claims, vectors, vectors[:1], index)
    assert [r[0].fact_check.id for r in ranked] == [4, 4, 2]
    weaker = min(r[0].confidence for r in ranked[:2])
    # The two claims that found Greta's fact-check first vouch for each other; the mask
    # claim stands alone.
    assert [r[0].tier for r in ranked] == [Tier.LIKELY, Tier.LIKELY, Tier.POSSIBLE]
    assert [r[0].corroborated_by for r in ranked] == [2, 2, None]
    assert all(r[1].tier is Tier.POSSIBLE for r in ranked if len(r) > 1)
    # An article about something else (its closest fact-check is the mask one): the two
    # Greta sentences are on a side topic, and stay possible.
    elsewhere = dataclasses.replace(settings, corroboration_depth=1)
    ranked = CrossLingualMatcher(elsewhere).rank(claims, vectors, vectors[2:], index)
    assert [r[0].fact_check.id for r in ranked[:2]] == [4, 4]
    assert [r[0].tier for r in ranked[:2]] == [Tier.POSSIBLE, Tier.POSSIBLE]
    # One claim alone, one of the two below the floor, or the rule off: nothing is raised.
    alone = CrossLingualMatcher(settings).rank(claims[:1], vectors[:1], vectors[:1], index)
    assert alone[0][0].tier is Tier.POSSIBLE
    for other in (
        dataclasses.replace(settings, corroboration=None),
        dataclasses.replace(settings, corroboration=weaker + 1e-3),
    ):
        ranked = CrossLingualMatcher(other).rank(claims, vectors, vectors[:1], index)
        assert all(r[0].tier is Tier.POSSIBLE for r in ranked)
    # Two claims cut from one sentence (the sentence and its reported clause) are one
    # sentence's evidence: they do not vouch for each other.
    same = CrossLingualMatcher(settings).rank(
        claims, vectors, vectors[:1], index, sentences=[0, 0, 1]
    )
    assert [r[0].tier for r in same] == [Tier.POSSIBLE] * 3
    apart = CrossLingualMatcher(settings).rank(
        claims, vectors, vectors[:1], index, sentences=[0, 7, 7]
    )
    assert [r[0].tier for r in apart[:2]] == [Tier.LIKELY, Tier.LIKELY]


class _Pointing:
    """A second encoder that places each text where ``rows`` says (unit rows), counting
    what it encodes."""

    dimension = 3

    def __init__(self, rows: dict[str, list[float]]) -> None:
        self.rows = rows
        self.encoded: list[str] = []

    def encode(self, texts: list[str]) -> np.ndarray:
        self.encoded.extend(texts)
        out = np.asarray([self.rows.get(t, [0.0, 0.0, 1.0]) for t in texts], dtype=np.float32)
        return out / np.linalg.norm(out, axis=1, keepdims=True)


def test_a_second_encoder_reorders_the_first_candidates_and_encodes_each_once(
    multilingual: MultilingualEncoder, index: FactCheckIndex
) -> None:
    claims = ["Greta Thunberg sagte, die Welt gehe am 21. Juni 2023 unter."]
    vectors = multilingual.encode(claims)
    plain = CrossLingualMatcher().rank(claims, vectors, vectors, index, keep_all=True, limit=6)[0]
    assert plain[0].fact_check.id == 4
    runner_up = plain[1].fact_check
    most_similar = {m.fact_check.id for m in sorted(plain, key=lambda m: -m.similarity)[:3]}
    # The second encoder says the claim and its article are about the runner-up's claim.
    second = _Pointing({claims[0]: [1, 0, 0], runner_up.claim: [1, 0, 0]})
    settings = CrossLingualSettings(second_depth=3, second_weight=0.5)
    matcher = CrossLingualMatcher(settings, second=second)
    ranked = matcher.rank(claims, vectors, vectors, index, keep_all=True, article_text=claims[0])[0]
    assert ranked[0].fact_check.id == runner_up.id
    # Each re-scored match says how close the second encoder found the two claims.
    assert ranked[0].second_similarity == pytest.approx(1.0, abs=1e-3)
    assert all(m.second_similarity is None for m in plain)
    # Only the first three candidates (by e5 similarity) are re-scored and ranked.
    assert len(ranked) == 3
    assert {m.fact_check.id for m in ranked} == most_similar
    # Its keys have a calibration of their own.
    first = ranked[0]
    assert first.confidence == pytest.approx(
        settings.confidence(first.score, second=True), abs=1e-4
    )
    # Fact-check claims are encoded once, then read from the cache.
    encoded = len(second.encoded)
    matcher.rank(claims, vectors, vectors, index, keep_all=True, article_text=claims[0])
    assert len(second.encoded) == encoded + 2  # the claim and the article, nothing else


def test_claims_in_languages_the_second_encoder_does_not_know_are_ranked_by_e5(
    multilingual: MultilingualEncoder, index: FactCheckIndex
) -> None:
    claims = ["ग्रेटा थनबर्ग ने कहा कि 21 जून 2023 को दुनिया खत्म हो जाएगी।"]
    vectors = multilingual.encode(claims)
    second = _Pointing({})
    plain = CrossLingualMatcher().rank(claims, vectors, vectors, index, keep_all=True)
    gated = CrossLingualMatcher(second=second).rank(
        claims, vectors, vectors, index, keep_all=True, languages=["hi"]
    )
    assert "hi" not in CrossLingualSettings().second_languages
    assert gated == plain
    assert all(m.second_similarity is None for m in gated[0])
    assert second.encoded == []


def test_use_places_a_claim_near_its_translation(index: FactCheckIndex) -> None:
    from models.encoders.use import USE_DIM, UseEncoder

    encoder = UseEncoder()
    rows = encoder.encode(
        [
            "Rusia soltó más de 500 leones en las calles para que la gente se quede en casa.",
            RECORDS[0].claim,
            RECORDS[2].claim,
        ]
    )
    assert rows.shape == (3, USE_DIM)
    np.testing.assert_allclose(np.linalg.norm(rows, axis=1), 1.0, rtol=1e-5)
    assert rows[0] @ rows[1] > rows[0] @ rows[2] + 0.2
    assert encoder.encode([]).shape == (0, USE_DIM)


def test_a_spanish_claim_is_flagged_with_both_encoders(
    multilingual: MultilingualEncoder, index: FactCheckIndex
) -> None:
    from models.encoders.use import UseEncoder

    claims = ["Rusia soltó más de 500 leones en las calles para que la gente se quede en casa."]
    vectors = multilingual.encode(claims)
    matcher = CrossLingualMatcher(second=UseEncoder())
    ranked = matcher.rank(claims, vectors, vectors, index, languages=["es"])[0]
    assert ranked[0].fact_check.id == 1
    assert ranked[0].tier is not None and ranked[0].tier.suggests_verdict


def test_the_fact_check_row_cache_is_bounded_and_answers_every_claim_asked() -> None:
    from models.retrieval.crosslingual import _ClaimVectorCache

    encoder = _Pointing({"a": [1, 0, 0], "b": [0, 1, 0], "c": [0, 0, 1]})
    cache = _ClaimVectorCache(encoder, size=2)
    rows = cache.rows(["a", "b", "c", "a"])
    assert set(rows) == {"a", "b", "c"}
    np.testing.assert_allclose(rows["b"], [0, 1, 0])
    assert encoder.encoded == ["a", "b", "c"]
    cache.rows(["b", "c"])  # still kept
    assert encoder.encoded == ["a", "b", "c"]
    cache.rows(["a"])  # forgotten first, encoded again
    assert encoder.encoded == ["a", "b", "c", "a"]


def test_the_multilingual_encoder_reads_at_most_512_tokens(
    multilingual: MultilingualEncoder,
) -> None:
    # The engine would read every token, in time growing with the text; e5 was trained on
    # 512 and its own tokeniser cuts there.
    sentence = "Der Bürgermeister sagte, die Brücke über den Fluss sei sicher. "
    long_text = sentence * 120
    clipped = multilingual.clip(long_text)
    assert long_text.startswith(clipped)
    assert multilingual.token_count(long_text) > MAX_TOKENS
    assert (
        multilingual.token_count(clipped)
        <= MAX_TOKENS
        < multilingual.token_count(long_text[: len(clipped) + len(sentence)])
    )
    assert np.array_equal(multilingual.encode([long_text]), multilingual.encode([clipped]))
    unspaced = "联合国秘书长表示气候变化正在加速。" * 300
    assert multilingual.token_count(multilingual.clip(unspaced)) <= MAX_TOKENS
    # What fits is read whole.
    assert multilingual.clip(sentence * 5) == sentence * 5


def test_a_deadline_stops_the_analysis_before_the_multilingual_encodes(
    multilingual_pipeline: Pipeline, index: FactCheckIndex
) -> None:
    stages: list[str] = []

    def checkpoint(stage: str) -> None:
        stages.append(stage)
        if stage == "other languages":
            raise TimeoutError(stage)

    text = "Un niño murió en Alemania por llevar mascarilla, según publicaciones virales."
    with pytest.raises(TimeoutError):
        multilingual_pipeline.analyze(text, index, checkpoint=checkpoint)
    assert stages == ["ranking", "other languages"]


def test_a_deadline_is_checked_between_the_multilingual_encodes_of_a_long_article(
    multilingual_pipeline: Pipeline, index: FactCheckIndex, monkeypatch: pytest.MonkeyPatch
) -> None:
    # An 800-claim article's encodes take about 40 s: a request past its limit must not
    # hold its slot for all of them.
    monkeypatch.setattr(pipeline_module, "MULTILINGUAL_CHUNK", 1)
    stages: list[str] = []

    def checkpoint(stage: str) -> None:
        stages.append(stage)
        if stages.count("other languages") == 2:
            raise TimeoutError(stage)

    text = (
        "Un niño murió en Alemania por llevar mascarilla, según publicaciones virales. "
        "Las autoridades sanitarias alemanas no registraron ningún caso así."
    )
    with pytest.raises(TimeoutError):
        multilingual_pipeline.analyze(text, index, checkpoint=checkpoint)
    assert stages == ["ranking", "other languages", "other languages"]
