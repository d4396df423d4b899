"""Claims inside sentences: reported speech, quotes, claimants, several claims per sentence.

Every sentence here is written for the test, not taken from a dataset.
"""

from models.claims import ClaimSpan, extract_claim_spans


def _only(sentence: str) -> ClaimSpan:
    spans = extract_claim_spans(sentence)
    assert len(spans) == 1, spans
    span = spans[0]
    assert sentence[span.start : span.end] == span.text
    return span


def test_false_claim_that_yields_the_inner_claim() -> None:
    sentence = (
        "The minister repeated a false claim that the new bridge cost more than the whole "
        "hospital budget – a figure the council rejects."
    )
    spans = extract_claim_spans(sentence)
    assert [s.text for s in spans] == ["the new bridge cost more than the whole hospital budget"]
    assert sentence[spans[0].start : spans[0].end] == spans[0].text


def test_a_claim_noun_reaches_its_that_across_a_short_phrase() -> None:
    span = _only(
        "Firefighters are also battling rumours spread in village chat groups and on fringe "
        "sites that climate protesters lit the moorland fires."
    )
    assert span.text == "climate protesters lit the moorland fires"


def test_a_relative_that_after_a_claim_noun_is_not_the_claim() -> None:
    sentence = "Reports in the local paper that were printed on Friday named the street."
    assert extract_claim_spans(sentence) == []


def test_said_that_keeps_the_claimant() -> None:
    sentence = "Mayor Ana Ruiz said that crime in the city fell by a third last year."
    (span,) = extract_claim_spans(sentence)
    assert span.text == "crime in the city fell by a third last year"
    assert span.claimant == "Mayor Ana Ruiz"


def test_short_complements_are_ignored() -> None:
    assert extract_claim_spans("She said that it was fine.") == []


def test_said_without_that_stops_at_the_dash() -> None:
    span = _only(
        "On Monday the governor said she would close every coal plant by 2030 – a pledge "
        "her rivals call impossible."
    )
    assert span.text == "she would close every coal plant by 2030"
    assert span.claimant == "the governor"


def test_insisted_with_a_quote_and_a_pronoun_speaker() -> None:
    span = _only("He insisted ‘the hospital waiting list has halved since the spring’ on Friday.")
    assert span.text == "the hospital waiting list has halved since the spring"
    assert span.claimant is None


def test_warned_that_names_the_speaker_with_an_honorific() -> None:
    span = _only(
        "Former port director Sir Alan Pike warned that ferry fares will double within two years."
    )
    assert span.text == "ferry fares will double within two years"
    assert span.claimant == "Sir Alan Pike"


def test_passive_warned_is_not_an_introducer() -> None:
    sentence = "Residents were warned not to drink tap water for three days after the flood."
    assert extract_claim_spans(sentence) == []


def test_quoted_speech_after_a_colon() -> None:
    span = _only("Dr Helen Marsh told Radio Kent: ‘Nine in ten of our nurses work unpaid hours.’")
    assert span.text == "Nine in ten of our nurses work unpaid hours"
    assert span.claimant == "Dr Helen Marsh"


def test_quote_before_its_speaker() -> None:
    span = _only("“The river is cleaner now than at any time in fifty years,” said Tom Okafor.")
    assert span.text == "The river is cleaner now than at any time in fifty years"
    assert span.claimant == "Tom Okafor"
    lowercase = _only("‘Rents in the town rose by a quarter last year,’ the housing officer said.")
    assert lowercase.claimant == "the housing officer"


def test_two_claims_in_one_sentence() -> None:
    sentence = (
        "The coach said that the club lost four million pounds last season, and the chairman "
        "claimed that ticket sales doubled in the same period."
    )
    spans = extract_claim_spans(sentence)
    assert [(s.text, s.claimant) for s in spans] == [
        ("the club lost four million pounds last season", "The coach"),
        ("ticket sales doubled in the same period", "the chairman"),
    ]
    for span in spans:
        assert sentence[span.start : span.end] == span.text


def test_a_second_claim_added_by_the_same_speaker() -> None:
    sentence = (
        "Senator Jo Park said the dam was built in 1962 – before adding that ‘it has never "
        "been inspected since then’."
    )
    spans = extract_claim_spans(sentence)
    assert [(s.text, s.claimant) for s in spans] == [
        ("the dam was built in 1962", "Senator Jo Park"),
        ("it has never been inspected since then", "Senator Jo Park"),
    ]


def test_what_a_polled_group_said_stays_in_its_sentence() -> None:
    sentence = "A survey found 40% of drivers said they would pay more for electric cars next year."
    assert extract_claim_spans(sentence) == []


def test_a_year_before_the_speaker_is_not_a_polled_group() -> None:
    span = _only("In 2019 the minister said the canal carried 300 barges a week.")
    assert span.text == "the canal carried 300 barges a week"
    assert span.claimant == "the minister"
    assert extract_claim_spans("Most of the tenants said they would leave within a year.") == []


def test_telling_skips_the_audience() -> None:
    span = _only("An aide was heard telling Channel Four no decision on the budget has been taken.")
    assert span.text == "no decision on the budget has been taken"


def test_a_participle_introduces_a_claim_after_a_colon() -> None:
    span = _only(
        "The clip, shared widely on video apps, carries a caption asserting: “This council "
        "worker was sacked for feeding a stray cat.”"
    )
    assert span.text == "This council worker was sacked for feeding a stray cat"


def test_a_participle_introduces_a_claim_without_that() -> None:
    span = _only("Posts claiming the reservoir was drained to build a car park spread quickly.")
    assert span.text.startswith("the reservoir was drained to build a car park")


def test_a_progressive_verb_of_saying_is_not_passive() -> None:
    span = _only("He was claiming that the ferry timetable had been cut in half.")
    assert span.text == "the ferry timetable had been cut in half"


def test_saying_with_an_object_introduces_nothing() -> None:
    assert extract_claim_spans("She left the meeting without saying a word to anyone there.") == []
    span = _only("A leaflet saying that the library will close in March went through doors.")
    assert span.text.startswith("the library will close in March")
