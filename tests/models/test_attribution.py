"""Who makes each claim, on real news sentences: the seed article and NewsClaims dev.

NewsClaims sentences are read from ``../shared/data`` at test time (the data has no
licence, so none of it is copied here); those cases are skipped where it is absent.
"""

from __future__ import annotations

import json
from functools import cache

import pytest

from models.attribution import ARTICLE, Attributor, ClaimantKind, needs_parse
from models.pipeline import ClaimUnit, claim_units
from tests.conftest import DATA_DIR, EXAMPLE_ARTICLE

NEWSCLAIMS = DATA_DIR / "newsclaims-dev" / "dev_sents.json"


@cache
def _seed() -> tuple[str, list[ClaimUnit]]:
    text = EXAMPLE_ARTICLE.read_text(encoding="utf-8")
    return text, claim_units(text)[1]


def _sentence(units: list[ClaimUnit], opening: str) -> ClaimUnit:
    return next(u for u in units if not u.is_span and u.text.startswith(opening))


def _spans(units: list[ClaimUnit], sentence: ClaimUnit) -> list[ClaimUnit]:
    return [u for u in units if u.is_span and u.sentence == sentence.sentence]


def _mention(text: str, unit: ClaimUnit) -> str:
    assert unit.claimant_start is not None and unit.claimant_end is not None
    return text[unit.claimant_start : unit.claimant_end]


@cache
def _newsclaims(article: str, sentence_id: str) -> str:
    if not NEWSCLAIMS.exists():
        pytest.skip("newsclaims-dev is not in ../shared/data")
    articles = json.loads(NEWSCLAIMS.read_text(encoding="utf-8"))
    return str(articles[article][sentence_id]["sentence"])


def _units(*sentences: str) -> tuple[str, list[ClaimUnit]]:
    text = " ".join(sentences)
    return text, claim_units(text)[1]


def test_reported_speech_span_is_the_reported_content_with_its_speaker() -> None:
    text, units = _seed()
    sentence = _sentence(units, "Mr Giles said Europe")
    [span] = _spans(units, sentence)
    assert span.text.startswith("Europe’s leaders will be discussing an issue")
    # "Mr Giles" is resolved to the full name the article gave earlier, with its offsets.
    assert span.claimant == "Keir Giles" == _mention(text, span)
    assert span.claimant_start is not None and span.claimant_start < sentence.start


def test_inverted_attribution_after_the_claim() -> None:
    text, units = _seed()
    sentence = _sentence(units, "Vladimir Putin’s Foreign Minister")
    assert sentence.claimant is not None and "Kremlin" in sentence.claimant
    assert _mention(text, sentence) == sentence.claimant


def test_inverted_says_with_the_speaker_after_the_verb() -> None:
    sentence = _newsclaims("L0C04ATJH", "segment-31")
    text, units = _units(sentence)
    [span] = _spans(units, units[0])
    assert span.claimant == "Jonathan Epstein" == _mention(text, span)
    assert span.text.startswith("Even the three pets")
    assert "says" not in span.text and "Epstein" not in span.text


def test_pronoun_resolves_to_the_nearest_named_speaker() -> None:
    text, units = _seed()
    insisted = _sentence(units, "He also insisted")
    assert insisted.claimant == "Pete Hegseth" == _mention(text, insisted)
    told = _sentence(units, "He told BBC Breakfast")
    assert told.claimant == "Richard Dannatt"
    # "Vance stunned attendees … when he said …": the subject of the main clause.
    vance = _sentence(units, "Vance stunned attendees")
    [span] = _spans(units, vance)
    assert span.claimant == "JD Vance"


def test_quote_attributed_in_the_previous_sentence_keeps_its_speaker() -> None:
    _, units = _seed()
    # A quote that runs on over sentences and paragraphs after "He told Metro: ‘…".
    assert _sentence(units, "He told Metro").claimant == "Keir Giles"
    assert _sentence(units, "It’s strange.").claimant == "Keir Giles"
    assert _sentence(units, "‘We’ll see today whether Starmer").claimant == "Keir Giles"
    assert _sentence(units, "‘Now, if Keir Starmer wants").claimant == "Richard Dannatt"


def test_quote_attributed_in_the_next_sentence() -> None:
    text, units = _units(
        "“The genetic data is pointing to this virus coming from a bat reservoir.”",
        "Timothy Sheahan, a virologist at the University of North Carolina, said so in March.",
    )
    quote = units[0]
    assert quote.claimant == "Timothy Sheahan" == _mention(text, quote)


def test_according_to_names_the_source_and_the_span_leaves_it_out() -> None:
    text, units = _units(
        "According to the World Health Organization, there is no evidence that the virus "
        "spreads through mosquito bites."
    )
    [span] = _spans(units, units[0])
    assert span.text == "there is no evidence that the virus spreads through mosquito bites"
    assert span.claimant == "the World Health Organization" == _mention(text, span)


def test_groups_are_claimants() -> None:
    sentence = _newsclaims("covid19scenario-140", "covid19scenario-140-1")
    _, units = _units(sentence)
    assert units[0].claimant == "Scientists"
    counted = _newsclaims("covid19scenario-140", "covid19scenario-140-3")
    _, units = _units(counted)
    # "Around a quarter of adults (23%) say …": the adults, not the quarter.
    assert units[0].claimant == "adults"


def test_claim_nouns_name_their_maker() -> None:
    # "… has repeatedly promoted the idea - without evidence - that …"
    _, units = _units(_newsclaims("L0C04958V", "segment-7"))
    assert units[0].claimant == "Zhao Lijian"
    # "… scientists have rebuked Wickramasinghe's suggestions that …": the suggestions'
    # maker makes the claim, not the scientists rebuking it.
    _, units = _units(_newsclaims("covid19scenario-113", "covid19scenario-113-11"))
    spans = [u for u in units if u.is_span]
    assert spans and spans[0].claimant == "Wickramasinghe"
    assert spans[0].text.startswith("any such illness might have extraterrestrial origins")


def test_coordinated_sources_stay_whole() -> None:
    _, units = _units(_newsclaims("L0C049PKE", "segment-7"))
    assert units[0].claimant == "CDC and the WHO"


def test_journalist_assertion_is_the_articles_claim() -> None:
    _, units = _seed()
    sentence = _sentence(units, "Meanwhile, Trump has launched an effort")
    assert sentence.claimant == ARTICLE
    assert sentence.claimant_start is None and sentence.claimant_end is None


def test_claiming_that_splits_into_one_span_per_clause() -> None:
    text, units = _units(
        "Trump spoke at a rally, claiming that the election was stolen and that the virus "
        "was engineered in China."
    )
    spans = _spans(units, units[0])
    assert [s.text for s in spans] == [
        "the election was stolen",
        "the virus was engineered in China",
    ]
    assert all(s.claimant == "Trump" == _mention(text, s) for s in spans)


def test_told_the_crowd_that_is_not_part_of_the_span() -> None:
    _, units = _units(
        "Donald Trump spoke in Ohio on Saturday.",
        "He told the crowd that the virus came from a lab in Wuhan.",
    )
    told = _sentence(units, "He told the crowd")
    [span] = _spans(units, told)
    assert span.text == "the virus came from a lab in Wuhan"
    assert span.claimant == "Donald Trump"


def test_two_speakers_in_one_sentence_give_two_spans() -> None:
    _, units = _units(
        "Smith said the vaccine is unsafe for children, and Jones claimed that masks do not "
        "work at all."
    )
    spans = _spans(units, units[0])
    assert [(s.text, s.claimant) for s in spans] == [
        ("the vaccine is unsafe for children", "Smith"),
        ("masks do not work at all", "Jones"),
    ]


def test_the_pray_claim_is_still_a_span() -> None:
    _, units = _seed()
    assert any(u.is_span and "pray in their own home" in u.text for u in units)


def test_only_sentences_with_a_cue_are_parsed() -> None:
    assert needs_parse("Smith said the vaccine is unsafe.")
    assert needs_parse("“It is not safe,” he added.")
    assert not needs_parse("The virus spread quickly across the country in March.")


def test_without_a_parser_claimants_come_from_patterns() -> None:
    text = "Smith said the vaccine is unsafe for children."
    _, units = claim_units(text, Attributor(parse=False))
    [span] = [u for u in units if u.is_span]
    assert span.claimant == "Smith"
    assert span.claimant_start is None


def test_claimant_kinds() -> None:
    attributor = Attributor()
    text = "Dr Anthony Fauci said the vaccine is safe for most adults."
    [attribution] = attributor.attribute(text, [(0, len(text))]) or []
    assert attribution.claimant.kind is ClaimantKind.PERSON
    assert attribution.claimant.text == "Anthony Fauci"


def test_a_quote_introduced_by_its_source() -> None:
    text, units = _units(
        "From the WHO, “there has been no information nor evidence to suggest that the new "
        "coronavirus could be transmitted by mosquitoes.”"
    )
    [span] = _spans(units, units[0])
    assert span.claimant == "WHO" == _mention(text, span)
    assert span.text.startswith("there has been no information")


def test_a_claimant_mention_loses_the_blanks_at_its_ends() -> None:
    from models.attribution.claimants import ClaimantKind, mention

    article = "Said \u200b Holford today."
    found = mention(article[5:14], 5, 14, ClaimantKind.PERSON)
    assert found.text == "Holford"
    assert article[found.start : found.end] == "Holford"  # type: ignore[misc]
