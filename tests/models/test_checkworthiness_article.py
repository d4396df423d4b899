"""Check-worthiness and claim spans on the Metro example article, through the API."""

from fastapi.testclient import TestClient


def _claims(client: TestClient, text: str) -> list[dict[str, object]]:
    response = client.post("/v1/analyze", json={"text": text})
    assert response.status_code == 200, response.text
    claims: list[dict[str, object]] = response.json()["claims"]
    return claims


def _one(claims: list[dict[str, object]], fragment: str) -> dict[str, object]:
    found = [c for c in claims if fragment in str(c["text"])]
    assert len(found) == 1, [c["text"] for c in claims]
    return found[0]


def test_obvious_claims_are_check_worthy_and_opinion_is_not(
    client: TestClient, example_text: str
) -> None:
    claims = _claims(client, example_text)
    poll = _one(claims, "58% of Brits")
    assert poll["check_worthy"] is True
    assert poll["sentence_start"] is None

    g7 = _one(claims, "he would love Russia to return to the G7")
    assert g7["check_worthy"] is True
    assert g7["claimant"] == "the president"
    assert g7["text"] == "he would love Russia to return to the G7"
    sentence = example_text[g7["sentence_start"] : g7["sentence_end"]]  # type: ignore[misc]
    assert sentence.startswith("On Thursday, the president said")
    assert example_text[g7["start"] : g7["end"]] == g7["text"]  # type: ignore[misc]

    hegseth = _one(claims, "an unrealistic objective")
    assert hegseth["check_worthy"] is True
    assert hegseth["claimant"] == "Pete Hegseth"
    assert example_text[hegseth["claimant_start"] : hegseth["claimant_end"]] == "Pete Hegseth"  # type: ignore[misc]

    pray = _one(claims, "pray in their own home")
    assert pray["text"].startswith("Scots were warned")  # type: ignore[attr-defined]
    assert pray["sentence_start"] is not None

    for opinion in ["It’s strange.", "that’s fine."]:
        assert _one(claims, opinion)["check_worthy"] is False


def test_a_sentence_reporting_two_claims_yields_both(client: TestClient, example_text: str) -> None:
    claims = _claims(client, example_text)
    sentence_start = example_text.index("Former head of the British Army")
    dannatt = [
        c
        for c in claims
        if c["claimant"] == "Richard Dannatt" and c["sentence_start"] == sentence_start
    ]
    assert [c["text"] for c in dannatt] == [
        "he thought the PM was ‘doing the right thing’",
        "doing the right thing comes at a price",
    ]
    assert len({c["sentence_start"] for c in dannatt}) == 1
