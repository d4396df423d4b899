import datetime as dt
import os
from collections.abc import Sequence
from pathlib import Path

import numpy as np
import numpy.typing as npt
import pytest

from claims_db.search import FactCheckIndex
from evaluation.matching import average_precision_at, metrics, reliability_table
from models.embedding import Embedder
from models.matching import FactCheckRecord, SearchFilter
from models.retrieval import (
    FEATURE_NAMES,
    Calibration,
    CandidatePool,
    Match,
    Matcher,
    MatcherSettings,
    OverlapTable,
    Reranker,
    Tier,
    agreement,
    article_features,
    clean_query,
    load_reranker,
    pair_features,
)
from models.verdicts import Verdict


def _record(
    id: int, claim: str, verdict: Verdict = Verdict.FALSE, **extra: object
) -> FactCheckRecord:
    return FactCheckRecord(
        id=id,
        claim=claim,
        rating=verdict.value.replace("_", " ").title(),
        verdict=verdict,
        publisher=str(extra.pop("publisher", "Snopes")),
        url=f"https://checks.example/{id}",
        **extra,  # type: ignore[arg-type]
    )


RECORDS = [
    _record(1, "Drinking bleach cures COVID-19.", review_date=dt.date(2020, 4, 1)),
    _record(2, "Bill Gates wants to put microchips in vaccines.", review_date=dt.date(2020, 6, 1)),
    _record(3, "The Eiffel Tower will be dismantled and moved to Las Vegas."),
    _record(4, "Wind turbines kill more birds than cats do.", Verdict.MOSTLY_FALSE),
    _record(
        5,
        "Drinking bleach is a cure for COVID-19.",
        Verdict.MISLEADING,
        publisher="AFP",
        review_date=dt.date(2021, 4, 1),
    ),
]


@pytest.fixture(scope="module")
def index(embedder: Embedder) -> FactCheckIndex:
    index = FactCheckIndex(embedder.model_name, embedder.dimension)
    ids = np.array([r.id for r in RECORDS], dtype=np.int64)
    index.load(RECORDS, ids, embedder.encode([r.claim for r in RECORDS]))
    return index


def test_clean_query_strips_social_media_furniture() -> None:
    tweet = (
        "Bill Gates wants to #MicrochipEveryone https://t.co/abc pic.twitter.com/xyz "
        "— Jane Doe (@janedoe) March 3, 2020"
    )
    assert clean_query(tweet) == "Bill Gates wants to Microchip Everyone — Jane Doe"
    assert clean_query("RT @someone: BREAKING: @realDonaldTrump spoke &amp; left") == (
        "real Donald Trump spoke & left"
    )
    sentence = "The council spent £4m on the bridge, it said."
    assert clean_query(sentence) == sentence


def test_backend_lexical_candidates_honour_the_filter(index: FactCheckIndex) -> None:
    [found] = index.lexical(["drinking bleach cures covid"], k=5)
    assert [c.fact_check.id for c in found][:2] in ([1, 5], [5, 1])
    assert all(c.similarity > 0 for c in found)
    [found] = index.lexical(
        ["drinking bleach cures covid"], k=5, search_filter=SearchFilter(publisher="AFP")
    )
    assert [c.fact_check.id for c in found] == [5]


def test_matcher_ranks_calibrates_and_tiers(index: FactCheckIndex, embedder: Embedder) -> None:
    matcher = Matcher()
    texts = [
        "Bill Gates is planning to put tracking microchips into vaccines",
        "The Eiffel Tower is going to be taken apart and rebuilt in Las Vegas, officials say",
        "The orchestra played Mahler's fifth symphony on Friday night.",
    ]
    gates, eiffel, unrelated = matcher.rank(texts, embedder.encode(texts), index)
    assert gates[0].fact_check.id == 2 and _suggests(gates[0])
    assert eiffel[0].fact_check.id == 3 and _suggests(eiffel[0])
    assert not any(_suggests(m) for m in unrelated)
    for matches in (gates, eiffel, unrelated):
        confidences = [m.confidence for m in matches]
        assert confidences == sorted(confidences, reverse=True)
        assert all(0 <= c <= 1 for c in confidences)


def test_pair_features_follow_their_definitions() -> None:
    # 1: found by both stages; 2: dense only; 3: lexical only (gets the lowest cosine).
    records = {
        1: _record(1, "Bill Gates puts microchips in 5 vaccines in Texas."),
        2: _record(2, "Vaccines cause autism."),
        3: _record(3, "Gates funded 12 microchip studies."),
    }
    pool = CandidatePool(
        records=records,
        cosine={1: 0.9, 2: 0.7},
        cosine_rank={1: 0, 2: 1},
        bm25={3: 4.0, 1: 2.0},
        bm25_rank={3: 0, 1: 1},
    )
    ids, rows = pair_features("Did Bill Gates hide microchips in vaccines?", pool)
    assert ids == [1, 2, 3]
    feature = {name: rows[:, i] for i, name in enumerate(FEATURE_NAMES)}
    np.testing.assert_allclose(feature["cosine"], [0.9, 0.7, 0.7])
    np.testing.assert_allclose(feature["cosine_gap"], [0.0, -0.2, -0.2], atol=1e-12)
    np.testing.assert_allclose(feature["cosine_margin"], [0.2, -0.2, -0.2], atol=1e-12)
    np.testing.assert_allclose(feature["cosine_rank_rr"], [1.0, 0.5, 1 / 4])
    np.testing.assert_allclose(feature["bm25_norm"], [0.5, 0.0, 1.0])
    np.testing.assert_allclose(feature["bm25_log"], np.log1p([2.0, 0.0, 4.0]))
    np.testing.assert_allclose(feature["bm25_rank_rr"], [0.5, 1 / 4, 1.0])
    np.testing.assert_allclose(feature["bm25_margin"], [-0.5, -1.0, 0.5])
    np.testing.assert_allclose(feature["rrf"], [60 / 60 + 60 / 61, 60 / 61 + 60 / 63, 60 / 63 + 1])
    np.testing.assert_allclose(feature["in_both"], [1.0, 0.0, 0.0])
    # Query stems {bill, gate, hide, microchip, vaccin}; record 1 has those but "hide", plus
    # "put", "5" and "texa"; record 2 shares "vaccin" of {vaccin, caus, autism}.
    np.testing.assert_allclose(feature["token_jaccard"], [4 / 8, 1 / 7, 2 / 8])
    np.testing.assert_allclose(feature["fact_check_coverage"], [4 / 7, 1 / 3, 2 / 5])
    np.testing.assert_allclose(feature["query_coverage"], [4 / 5, 1 / 5, 2 / 5])
    np.testing.assert_allclose(feature["number_overlap"], [0.0, 0.0, 0.0])
    np.testing.assert_allclose(feature["number_mismatch"], [1.0, 0.0, 1.0])
    # A text's first word is not counted as a capitalised name.
    np.testing.assert_allclose(feature["capital_overlap"], [1 / 2, 0.0, 0.0])
    np.testing.assert_allclose(feature["log_length_ratio"], np.log([9 / 7, 3 / 7, 5 / 7]))
    np.testing.assert_allclose(feature["query_short"], [0.0, 0.0, 0.0])


def test_article_features_with_an_overlap_table_equal_the_per_record_ones() -> None:
    records = {
        r.id: r
        for r in [
            *RECORDS,
            _record(6, "In 2020, 5 million Texans voted twice, says Ted Cruz."),
            _record(7, "Texas voted 2020"),
        ]
    }
    queries = [
        "Ted Cruz says 5 million people in Texas voted twice in 2020",
        "Bill Gates and microchips",
        "nothing",
    ]
    pools = [
        CandidatePool(
            records={i: records[i] for i in (6, 7, 2)},
            cosine={6: 0.8, 7: 0.5},
            cosine_rank={6: 0, 7: 1},
            bm25={2: 0.5},
            bm25_rank={2: 0},
        ),
        CandidatePool(
            records={i: records[i] for i in (2, 5)},
            cosine={2: 0.9, 5: 0.2},
            cosine_rank={2: 0, 5: 1},
            bm25={},
            bm25_rank={},
        ),
        CandidatePool({}, {}, {}, {}, {}),
    ]
    # Record 7 is missing from the table: it is profiled on the spot.
    table_ids = np.array([6, 5, 4, 3, 2, 1], dtype=np.int64)
    table = OverlapTable(table_ids, [records[int(i)].claim for i in table_ids])
    ids, with_table, offsets = article_features(queries, pools, table)
    same_ids, without, same_offsets = article_features(queries, pools)
    assert ids == same_ids == [[6, 7, 2], [2, 5], []]
    assert offsets.tolist() == same_offsets.tolist() == [0, 3, 5, 5]
    np.testing.assert_array_equal(with_table, without)
    jaccard = with_table[:, FEATURE_NAMES.index("token_jaccard")]
    assert jaccard[0] > jaccard[1] > 0
    for number, (query, pool) in enumerate(zip(queries, pools, strict=True)):
        single_ids, single = pair_features(query, pool, table)
        assert single_ids == ids[number]
        np.testing.assert_array_equal(single, with_table[offsets[number] : offsets[number + 1]])


def _suggests(match: Match) -> bool:
    return match.tier is not None and match.tier.suggests_verdict


def test_short_claims_never_suggest_a_verdict(index: FactCheckIndex, embedder: Embedder) -> None:
    text = "Bleach cures COVID"
    vector = embedder.encode([text])[0]
    matches = Matcher(MatcherSettings(min_match_words=4)).search(text, vector, index)
    assert matches and matches[0].fact_check.id in {1, 5}
    assert matches[0].tier is Tier.POSSIBLE
    # The same words admitted as long enough reach a verdict-suggesting tier.
    allowed = Matcher(MatcherSettings(min_match_words=3, min_content_terms=1))
    assert _suggests(allowed.search(text, vector, index)[0])


def test_generic_claims_drop_one_tier(index: FactCheckIndex, embedder: Embedder) -> None:
    text = "Bill Gates wants to put microchips in vaccines, some say"
    vector = embedder.encode([text])[0]
    plain = Matcher().search(text, vector, index)[0]
    assert plain.fact_check.id == 2 and plain.tier is Tier.CONFIRMED
    # Demanding more content words than the claim has makes it generic: one tier lower.
    strict = Matcher(MatcherSettings(min_content_terms=20)).search(text, vector, index)[0]
    assert strict.fact_check.id == 2 and strict.tier is Tier.LIKELY
    assert strict.confidence == plain.confidence


def test_tiers_follow_the_thresholds(index: FactCheckIndex, embedder: Embedder) -> None:
    text = "Bill Gates wants to put microchips in vaccines, some say"
    vector = embedder.encode([text])[0]
    best = Matcher().search(text, vector, index)[0]
    above = MatcherSettings(confirmed_threshold=best.confidence + 1e-6, match_threshold=0.0)
    assert Matcher(above).search(text, vector, index)[0].tier is Tier.LIKELY
    below = MatcherSettings(
        confirmed_threshold=2.0, match_threshold=2.0, possible_threshold=best.confidence
    )
    assert Matcher(below).search(text, vector, index)[0].tier is Tier.POSSIBLE
    beyond = MatcherSettings(possible_threshold=best.confidence + 1e-6)
    assert Matcher(beyond).search(text, vector, index) == []
    assert Tier.CONFIRMED.lower() is Tier.LIKELY and Tier.LIKELY.lower() is Tier.POSSIBLE
    assert Tier.POSSIBLE.lower() is Tier.POSSIBLE


def _possible(record: FactCheckRecord, similarity: float = 0.6) -> Match:
    return Match(record, similarity, 1.0, 0.0, 0.5, Tier.POSSIBLE)


def test_an_article_about_the_fact_check_raises_a_possible_first_match() -> None:
    claim = "Bill Gates wants to put tiny microchips in every vaccine dose"
    first, second = _possible(RECORDS[1]), _possible(RECORDS[0])
    matcher = Matcher(MatcherSettings(article_similarity=0.62, article_min_similarity=0.5))
    raised = matcher.supported_by_article(claim, [first, second], {2: 0.7, 1: 0.9})
    assert raised[0].tier is Tier.LIKELY and raised[0].fact_check.id == 2
    assert raised[0].article_similarity == 0.7 and raised[0].confidence == first.confidence
    # Only the first match is read; the others stay as they were.
    assert raised[1] is second
    # An article less similar than the threshold, or not near the fact-check at all.
    assert matcher.supported_by_article(claim, [first], {2: 0.61})[0] is first
    assert matcher.supported_by_article(claim, [first], {7: 0.99})[0] is first
    # A claim far from the fact-check itself, a short or a generic claim, stays possible.
    distant = _possible(RECORDS[1], similarity=0.45)
    assert matcher.supported_by_article(claim, [distant], {2: 0.9})[0] is distant
    assert not matcher.awaits_article("Gates microchips vaccines", [first])
    assert not matcher.awaits_article("He said that it is so and so it is", [first])
    # Only a possible match waits: a verdict-suggesting one needs nothing, and off is off.
    likely = Match(RECORDS[1], 0.8, 1.0, 2.0, 0.9, Tier.LIKELY)
    assert not matcher.awaits_article(claim, [likely])
    assert not matcher.awaits_article(claim, [])
    off = Matcher(MatcherSettings(article_similarity=None))
    assert off.supported_by_article(claim, [first], {2: 0.99})[0] is first


def test_search_respects_dates(index: FactCheckIndex, embedder: Embedder) -> None:
    text = "Drinking bleach will cure you of COVID-19, a pastor claims"
    vector = embedder.encode([text])[0]
    matcher = Matcher()
    assert {m.fact_check.id for m in matcher.search(text, vector, index)} >= {1, 5}
    before = matcher.search(
        text, vector, index, SearchFilter(reviewed_before=dt.date(2020, 12, 31))
    )
    assert 5 not in {m.fact_check.id for m in before}
    assert 1 in {m.fact_check.id for m in before}


def _match(record: FactCheckRecord, confidence: float, tier: Tier | None) -> Match:
    return Match(record, 0.9, 1.0, 0.0, confidence, tier)


def test_agreement_flags_publishers_that_disagree() -> None:
    same = agreement(
        [_match(RECORDS[0], 0.95, Tier.CONFIRMED), _match(RECORDS[1], 0.9, Tier.LIKELY)]
    )
    assert same is not None and same.verdict_agreement == 1.0 and not same.publishers_disagree
    split = agreement(
        [_match(RECORDS[0], 0.95, Tier.CONFIRMED), _match(RECORDS[4], 0.9, Tier.LIKELY)]
    )
    assert split is not None and split.verdict_agreement == 0.5 and split.publishers_disagree
    only_possible = agreement([_match(RECORDS[4], 0.5, Tier.POSSIBLE)])
    assert only_possible is None


def test_reranker_artefact_round_trips_and_checks_features() -> None:
    reranker = load_reranker()
    assert reranker.feature_names == FEATURE_NAMES
    again = Reranker.from_json(reranker.to_json())
    features = np.random.default_rng(0).normal(size=(4, len(FEATURE_NAMES)))
    assert np.allclose(again.score(features), reranker.score(features))
    stale = reranker.to_json().replace('"cosine"', '"old_cosine"', 1)
    with pytest.raises(ValueError, match="features"):
        Reranker.from_json(stale)


def test_calibration_is_monotone_and_bounded() -> None:
    calibration = load_reranker().calibration
    scores = np.linspace(-20, 20, 101)
    probabilities = calibration(scores)
    assert np.all(np.diff(probabilities) >= 0)
    assert probabilities[0] >= 0 and probabilities[-1] <= 1
    assert probabilities[-1] > probabilities[0]
    assert Calibration((), ())(np.array([0.0]))[0] == pytest.approx(0.5)


def test_official_map_definition() -> None:
    assert average_precision_at([7, 3, 9], {3}, 5) == pytest.approx(0.5)
    assert average_precision_at([3, 7], {3, 7}, 5) == pytest.approx(1.0)
    assert average_precision_at([1, 2, 3, 4, 5, 6], {6}, 5) == 0.0
    table = metrics([[1, 2], [3, 4]], [{2}, {3}])
    assert table["MAP@1"] == pytest.approx(0.5) and table["MAP@5"] == pytest.approx(0.75)
    assert table["R@5"] == 1.0
    rows = reliability_table([0.95, 0.97, 0.2], [True, False, False], [0.0, 0.5, 1.0])
    assert rows[0][1:] == (1, pytest.approx(0.2), 0.0)
    assert rows[1][1] == 2 and rows[1][3] == pytest.approx(0.5)


def test_capitalised_names_skip_text_and_sentence_openings() -> None:
    from models.retrieval.profiles import _capitalised

    text = "Police said Boris Johnson met NATO. Later he left! Then McDonald's shut\nPeople.\nA"
    # "Police", "Later" and "Then" open the text or a sentence; "People" follows a line
    # break with no sentence end before it, so it counts; a single capital letter does not.
    assert _capitalised(text) == {"boris", "johnson", "nato", "mcdonald", "people"}


def test_stored_lexical_profiles_read_back_as_computed() -> None:
    from models.matching import lexical_tokens
    from models.retrieval import lexical_profile, read_lexical_profile
    from models.retrieval.profiles import _profile

    texts = [
        *(r.claim for r in RECORDS),
        "In 2020, 5,000,000 Texans voted twice, says Ted Cruz. Then NASA agreed!",
        "#StopTheSteal: “the election was RIGGED” says @realDonaldTrump",
        "",
        "a the of",  # stop words only: no tokens at all
    ]
    for text in texts:
        stored = read_lexical_profile(lexical_profile(text))
        assert stored is not None, text
        assert stored.tokens == lexical_tokens(text)
        assert stored.profile == _profile(text)


def test_profile_version_is_the_same_in_every_process() -> None:
    # A profile stored by one process must be accepted by every other one (an importer
    # writes them, API workers read them), whatever their string-hash seed.
    import subprocess
    import sys

    from models.retrieval import profile_version

    versions = {
        subprocess.run(
            [sys.executable, "-c", "from models.retrieval import profile_version as v; print(v())"],
            capture_output=True,
            text=True,
            check=True,
            env={**os.environ, "PYTHONHASHSEED": seed},
        ).stdout.strip()
        for seed in ("1", "2")
    }
    assert versions == {profile_version()}


def test_stored_profiles_of_another_version_or_shape_are_ignored() -> None:
    from models.retrieval import lexical_profile, profile_version, read_lexical_profile

    stored = lexical_profile("Bill Gates wants to put microchips in vaccines.")
    assert stored.startswith(profile_version())
    assert read_lexical_profile(stored.replace(profile_version(), "p-older", 1)) is None
    assert read_lexical_profile(stored.rsplit("\x1f", 1)[0]) is None
    assert read_lexical_profile("garbage") is None
    assert read_lexical_profile(None) is None


def test_article_features_from_stored_profiles_equal_computed_ones() -> None:
    import dataclasses

    from models.retrieval import lexical_profile

    plain = {r.id: r for r in RECORDS}
    stored = {i: dataclasses.replace(r, profile=lexical_profile(r.claim)) for i, r in plain.items()}
    # A stale profile (another version) is recomputed from the claim, not trusted.
    stored[4] = dataclasses.replace(plain[4], profile="p-older\x1fcat\x1f\x1f\x1f1")

    def pools(records: dict[int, FactCheckRecord]) -> list[CandidatePool]:
        return [
            CandidatePool(
                records={i: records[i] for i in (1, 5, 4)},
                cosine={1: 0.9, 5: 0.8},
                cosine_rank={1: 0, 5: 1},
                bm25={4: 1.5, 1: 3.0},
                bm25_rank={1: 0, 4: 1},
            ),
            CandidatePool(
                records={i: records[i] for i in (2, 3)},
                cosine={2: 0.7, 3: 0.1},
                cosine_rank={2: 0, 3: 1},
                bm25={},
                bm25_rank={},
            ),
        ]

    queries = ["Does drinking bleach cure COVID-19 in 2020?", "Gates microchips vaccines"]
    _, from_claims, _ = article_features(queries, pools(plain))
    _, from_stored, _ = article_features(queries, pools(stored))
    np.testing.assert_array_equal(from_stored, from_claims)


def test_a_configured_second_stage_reorders_what_it_reads(
    index: FactCheckIndex, embedder: Embedder
) -> None:
    from models.reranking import Combiner, CrossReranker

    read: list[tuple[str, str]] = []

    def prefers_afp(pairs: Sequence[tuple[str, str]]) -> npt.NDArray[np.float64]:
        """A scripted cross-encoder: only the 'is a cure' wording checks the claim."""
        read.extend(pairs)
        return np.array([4.0 if "is a cure" in fc else -4.0 for _, fc in pairs])

    combiner = Combiner(
        first_stage_weight=0.1, cross_weight=1.0, bias=0.0, knots=(), probabilities=()
    )
    text = ["People are saying that drinking bleach will cure COVID-19"]
    vectors = embedder.encode(text)
    first = Matcher().rank(text, vectors, index)[0]
    shared = CrossReranker(prefers_afp, combiner, depth=4)
    assert shared.at_depth(0) is None, "depth 0 leaves the first stage's order"
    second = Matcher(cross=shared.at_depth(2)).rank(text, vectors, index)[0]
    assert shared.depth == 4, "at_depth leaves the shared re-ranker as it was"
    assert {m.fact_check.id for m in first[:2]} == {1, 5}
    assert len(read) == 2, "the cross-encoder reads only `depth` candidates"
    assert second[0].fact_check.id == 5 and second[0].cross_score == 4.0
    assert all(m.cross_score is None for m in first)
    assert (
        Matcher(cross=CrossReranker(prefers_afp, combiner, gate=1.01))
        .rank(text, vectors, index)[0][0]
        .cross_score
        is None
    ), "below the gate nothing is read"


def test_a_missing_cross_encoder_artefact_is_a_clear_error(tmp_path: Path) -> None:
    from models.reranking import load_cross_reranker

    with pytest.raises(FileNotFoundError, match=r"reranker_ce\.safetensors"):
        load_cross_reranker(tmp_path)
