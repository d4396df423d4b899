"""Fact-check ids are never reused, and deleting one leaves the queue consistent and audited."""

from __future__ import annotations

from typing import Any

from fastapi.testclient import TestClient

from tests.service.test_triage_api import PRAY, _act, _analyze, _pray_item, _queue

NEW = {
    "claim": "Cycling was banned on every bridge in Glasgow last week.",
    "rating": "False",
    "publisher": "Fact Desk",
    "url": "https://factdesk.example/2025/03/glasgow-bridges/",
}


def _detail(client: TestClient, item_id: int) -> dict[str, Any]:
    response = client.get(f"/v1/queue/items/{item_id}")
    assert response.status_code == 200, response.text
    body: dict[str, Any] = response.json()
    return body


def test_a_deleted_fact_checks_id_is_never_given_to_a_new_one(client: TestClient) -> None:
    first = client.post("/v1/factchecks", json=NEW).json()["id"]
    assert client.delete(f"/v1/factchecks/{first}").status_code == 204
    second = client.post("/v1/factchecks", json=NEW).json()["id"]
    assert second > first  # the deleted row was the newest: SQLite used to hand its id out again
    assert client.get(f"/v1/factchecks/{first}").status_code == 404


def test_deleting_a_suggested_fact_check_keeps_the_queue_consistent(
    client: TestClient, example_text: str
) -> None:
    _analyze(client, example_text)
    pray = _pray_item(client)
    ferret = pray["fact_check_id"]
    suggested = client.get(f"/v1/factchecks/{ferret}").json()
    assert (pray["fact_check_claim"], pray["fact_check_url"]) == (
        suggested["claim"],
        suggested["url"],
    )
    # Another item confirmed against the same fact-check (a learned pair).
    new_claim = _queue(client, kind="new_claim")["items"][0]
    _act(client, {}, new_claim["id"], "resolve", resolution="confirmed_match", fact_check_id=ferret)

    assert client.delete(f"/v1/factchecks/{ferret}").status_code == 204

    item = _detail(client, pray["id"])
    assert item["fact_check_id"] is None and item["fact_check_deleted"] is True
    assert item["fact_check_claim"] == suggested["claim"]
    assert item["fact_check_url"] == suggested["url"]
    assert item["fact_check_publisher"] == suggested["publisher"]
    assert item["suggested_verdict"] == suggested["verdict"]
    candidate = next(c for c in item["candidates"] if c["fact_check"]["id"] == ferret)
    assert candidate["deleted"] is True and candidate["fact_check"]["url"] == suggested["url"]
    assert all(not c["deleted"] for c in item["candidates"] if c["fact_check"]["id"] != ferret)
    entry = item["audit"][-1]
    assert entry["action"] == "fact_check_deleted" and entry["after"]["deleted_fact_check_id"] == (
        ferret
    )
    assert f"#{ferret}" in entry["note"]

    confirmed = _detail(client, new_claim["id"])
    assert confirmed["resolution"] == "confirmed_match"
    assert confirmed["resolved_fact_check_id"] is None
    assert confirmed["audit"][-1]["action"] == "fact_check_deleted"

    # The deleted fact-check can no longer be confirmed, and what it taught is forgotten.
    refused = client.post(
        f"/v1/queue/items/{pray['id']}/resolve",
        json={"resolution": "confirmed_match", "fact_check_id": ferret},
    )
    assert refused.status_code == 422
    claims = _analyze(client, example_text, store=False)["claims"]
    assert all(m["fact_check"]["id"] != ferret for c in claims for m in c["matches"])
    learned = next(c for c in claims if c["text"] == new_claim["claim_text"])
    assert not (learned["suggestion"] or {}).get("reason", "").startswith("Confirmed by")

    page = client.get(f"/ui/items/{pray['id']}")
    assert page.status_code == 200
    assert 'id="suggestion-deleted"' in page.text and suggested["url"] in page.text
    assert "Deleted since this analysis" in page.text
    assert PRAY in page.text
