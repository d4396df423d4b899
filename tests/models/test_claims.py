from models.claims import extract_claim_spans


def test_false_claim_that_yields_the_inner_claim() -> None:
    sentence = (
        "The minister repeated a false claim that the new bridge cost more than the whole "
        "hospital budget – a figure the council rejects."
    )
    spans = extract_claim_spans(sentence)
    assert [s.text for s in spans] == ["the new bridge cost more than the whole hospital budget"]
    assert sentence[spans[0].start : spans[0].end] == spans[0].text


def test_said_that_keeps_the_claimant() -> None:
    sentence = "Mayor Ana Ruiz said that crime in the city fell by a third last year."
    (span,) = extract_claim_spans(sentence)
    assert span.text == "crime in the city fell by a third last year"
    assert span.claimant == "Mayor Ana Ruiz"


def test_short_complements_are_ignored() -> None:
    assert extract_claim_spans("She said that it was fine.") == []
