"""Stored analyses, the queue, the review workflow and what reviewers teach, over the API."""

from __future__ import annotations

import dataclasses
import threading
import time
from collections.abc import Iterator
from typing import Any

import pytest
from fastapi.testclient import TestClient

from models.pipeline import Pipeline
from service.auth.schemas import Role
from service.config import Settings
from service.triage.service import priority
from tests.service.triage_helpers import app_client, bearer, make_keys, required

PRAY = "pray in their own home"
# The flagged claim again, in another outlet's article.
RECURRING = (
    "Holyrood row over buffer zones\n\n"
    "Campaigners in Edinburgh staged a protest outside the Scottish Parliament on Tuesday. "
    "Scots were warned not to pray in their own home if they live in an abortion buffer zone, "
    "a leaflet handed out at the protest claimed. "
    "The council said the march passed off peacefully.\n"
)


def _analyze(client: TestClient, text: str, **extra: Any) -> dict[str, Any]:
    headers = extra.pop("h", {})
    response = client.post("/v1/analyze", json={"text": text, **extra}, headers=headers)
    assert response.status_code == 200, response.text
    body: dict[str, Any] = response.json()
    return body


def _queue(client: TestClient, headers: dict[str, str] | None = None, **params: Any) -> Any:
    response = client.get("/v1/queue", params=params, headers=headers or {})
    assert response.status_code == 200, response.text
    return response.json()


def _pray_item(client: TestClient, headers: dict[str, str] | None = None) -> dict[str, Any]:
    items = _queue(client, headers, status="open", kind="suggested_verdict")["items"]
    matching = [i for i in items if PRAY in i["claim_text"]]
    assert len(matching) == 1
    item: dict[str, Any] = matching[0]
    return item


def test_analysis_is_stored_and_returned(client: TestClient, example_text: str) -> None:
    body = _analyze(client, example_text, url="https://metro.co.uk/2025/02/17/starmer")
    article_id = body["article"]["id"]
    assert isinstance(article_id, int)
    stored = client.get(f"/v1/articles/{article_id}")
    assert stored.status_code == 200
    article = stored.json()
    assert article["text"] == example_text
    assert article["publisher"] == "metro.co.uk"
    assert article["title"] == body["article"]["title"]
    assert [c["text"] for c in article["claims"]] == [c["text"] for c in body["claims"]]
    for claim in article["claims"]:
        assert example_text[claim["start"] : claim["end"]] == claim["text"]
    pray = next(c for c in article["claims"] if PRAY in c["text"])
    assert pray["flagged"] and pray["queue_item_id"] is not None
    assert pray["matches"] == next(c for c in body["claims"] if PRAY in c["text"])["matches"]
    assert client.get("/v1/articles/999999").status_code == 404


def test_store_false_keeps_nothing(client: TestClient, example_text: str) -> None:
    body = _analyze(client, example_text, store=False)
    assert body["article"]["id"] is None
    assert _queue(client)["total"] == 0


def test_flagged_and_strongly_check_worthy_claims_are_queued(
    client: TestClient, example_text: str, seeded_settings: Settings
) -> None:
    body = _analyze(client, example_text)
    queue = _queue(client)
    items = queue["items"]
    assert queue["counts"] == {"open": len(items), "in_review": 0, "resolved": 0}
    suggested = [i for i in items if i["kind"] == "suggested_verdict"]
    assert len(suggested) == 1 and PRAY in suggested[0]["claim_text"]
    assert suggested[0]["suggested_verdict"] == "false"
    assert suggested[0]["fact_check_publisher"].startswith("The Ferret")
    new_claims = [i for i in items if i["kind"] in {"new_claim", "possible_match"}]
    strong = [
        c
        for c in body["claims"]
        if not c["flagged"] and c["check_worthiness"] >= seeded_settings.queue_new_claim_threshold
    ]
    assert strong, "the example should have strongly check-worthy unmatched claims"
    assert {i["claim_text"] for i in new_claims} >= {c["text"] for c in strong}
    priorities = [i["priority"] for i in items]
    assert priorities == sorted(priorities, reverse=True)
    # The example article debunks the pray-at-home claim: still queued with its fact-check,
    # but below the claims the article asserts (issue 5: debunking lowers triage priority).
    pray = next(c for c in body["claims"] if PRAY in c["text"])
    assert pray["stance"] == "debunks"
    assert suggested[0] != items[0], "an article debunking a claim lowers its priority"


def test_a_recurring_claim_joins_its_item(client: TestClient, example_text: str) -> None:
    _analyze(client, example_text, url="https://metro.co.uk/a")
    before = _pray_item(client)
    total_before = _queue(client)["total"]
    second = _analyze(client, RECURRING, url="https://www.heraldscotland.com/b")
    after = _pray_item(client)
    assert after["id"] == before["id"]
    assert after["occurrence_count"] == 2
    assert after["priority"] > before["priority"], "recurrence raises priority"
    queue = _queue(client)
    assert len([i for i in queue["items"] if PRAY in i["claim_text"]]) == 1
    assert queue["total"] - total_before <= 1, "only genuinely new claims add items"
    detail = client.get(f"/v1/queue/items/{after['id']}").json()
    assert [o["publisher"] for o in detail["occurrences"]] == ["metro.co.uk", "heraldscotland.com"]
    assert {o["article_id"] for o in detail["occurrences"]} == {
        second["article"]["id"],
        detail["occurrences"][0]["article_id"],
    }
    assert all(PRAY in o["text"] for o in detail["occurrences"])
    assert detail["candidates"][0]["fact_check"]["publisher"].startswith("The Ferret")
    # Who repeated it in the first article: Vance ("He cited … a false claim that …").
    metro = detail["occurrences"][0]
    assert metro["claimant"] == "JD Vance"
    assert example_text[metro["claimant_start"] : metro["claimant_end"]] == "JD Vance"


def test_an_item_exports_as_a_claim_review_with_its_claimant(
    client: TestClient, example_text: str
) -> None:
    _analyze(client, example_text, url="https://metro.co.uk/a")
    item = _pray_item(client)
    response = client.get(f"/v1/queue/items/{item['id']}/claimreview")
    assert response.status_code == 200, response.text
    assert response.headers["content-type"].startswith("application/ld+json")
    node = response.json()
    assert node["@type"] == "ClaimReview"
    assert node["claimReviewed"] == item["claim_text"]
    assert node["itemReviewed"]["author"] == {"@type": "Thing", "name": "JD Vance"}
    assert node["itemReviewed"]["appearance"] == [
        {"@type": "CreativeWork", "url": "https://metro.co.uk/a"}
    ]
    assert "reviewRating" not in node, "no rating before a reviewer confirms a fact-check"
    resolved = client.post(
        f"/v1/queue/items/{item['id']}/resolve", json={"resolution": "confirmed_match"}
    )
    assert resolved.status_code == 200, resolved.text
    node = client.get(f"/v1/queue/items/{item['id']}/claimreview").json()
    assert node["reviewRating"]["alternateName"]
    assert node["url"].startswith("http")
    assert client.get("/v1/queue/items/999999/claimreview").status_code == 404


def test_queue_filters_and_sorts(client: TestClient, example_text: str) -> None:
    _analyze(client, example_text, url="https://metro.co.uk/a")
    everything = _queue(client)["total"]
    assert _queue(client, kind="suggested_verdict")["total"] == 1
    new, possible = (_queue(client, kind=k)["total"] for k in ("new_claim", "possible_match"))
    assert new >= 1 and new + possible == everything - 1
    assert _queue(client, verdict="false")["total"] == 1
    assert _queue(client, verdict="true")["total"] == 0
    assert _queue(client, publisher="ferret")["total"] == 1
    assert _queue(client, publisher="metro.co.uk")["total"] == everything
    assert _queue(client, status="resolved")["total"] == 0
    assert _queue(client, created_from="2999-01-01T00:00:00Z")["total"] == 0
    assert _queue(client, created_to="2999-01-01T00:00:00Z")["total"] == everything
    newest = [i["id"] for i in _queue(client, sort="newest")["items"]]
    assert newest == sorted(newest, reverse=True)
    assert [i["id"] for i in _queue(client, sort="oldest")["items"]] == sorted(newest)
    # The article debunks its only suggested-verdict claim, so a new claim ranks first.
    assert _queue(client, limit=1)["items"][0]["kind"] == "new_claim"
    assert client.get("/v1/queue", params={"status": "nope"}).status_code == 422
    assert client.get("/v1/queue", params={"sort": "nope"}).status_code == 422


# The pray-at-home claim asserted as fact (the example article debunks it).
ASSERTING = (
    "Buffer zone law reaches into homes\n\n"
    "People living in Scotland's abortion buffer zones can no longer pray in their own homes. "
    "The new law makes silent prayer at home illegal inside a zone.\n"
)


def test_stances_are_shown_and_asserting_a_false_claim_is_a_filter(
    client: TestClient, example_text: str
) -> None:
    _analyze(client, example_text, url="https://metro.co.uk/a")
    debunked = _pray_item(client)
    assert debunked["stances"] == {"debunks": 1}
    assert _queue(client, asserts_rated_false="true")["total"] == 0
    body = _analyze(client, ASSERTING, url="https://example.org/b")
    asserting = [c for c in body["claims"] if c["flagged"] and c["stance"] == "asserts"]
    assert asserting, [(c["text"], c["stance"]) for c in body["claims"] if c["flagged"]]
    assert all(0 < c["stance_confidence"] <= 1 for c in asserting)
    assert asserting[0]["suggestion"]["verdict"] == "false"
    listed = _queue(client, asserts_rated_false="true")["items"]
    assert listed and all(i["stances"].get("asserts") for i in listed)
    assert all(i["suggested_verdict"] in {"false", "mostly_false"} for i in listed)
    detail = client.get(f"/v1/queue/items/{listed[0]['id']}").json()
    assert "asserts" in [o["stance"] for o in detail["occurrences"]]
    # On screen: the stance column with its legend, and the filter.
    page = client.get("/ui/queue", params={"asserts_false": "1", "status": "all"})
    assert page.status_code == 200
    assert 'id="asserts-false" checked' in page.text and 'id="stance-legend"' in page.text
    assert page.text.count('class="claim-link"') == len(listed) and "stance-asserts" in page.text
    item_page = client.get(f"/ui/items/{debunked['id']}").text
    assert "stance-debunks" in item_page and 'id="stance-legend"' in item_page


@pytest.fixture
def reviewers(
    seeded_settings: Settings, pipeline: Pipeline
) -> Iterator[tuple[TestClient, dict[str, dict[str, str]]]]:
    """A client with auth required and keys for alice, bob (reviewers) and root (admin)."""
    tokens = make_keys(
        seeded_settings,
        (Role.REVIEWER, "alice"),
        (Role.REVIEWER, "bob"),
        (Role.ADMIN, "root"),
    )
    with app_client(required(seeded_settings), pipeline) as (client, _):
        yield client, {name: bearer(token) for name, token in tokens.items()}


def _act(
    client: TestClient,
    headers: dict[str, str],
    item_id: int,
    action: str,
    status: int = 200,
    **body: Any,
) -> dict[str, Any]:
    response = client.post(
        f"/v1/queue/items/{item_id}/{action}", json=body or None, headers=headers
    )
    assert response.status_code == status, response.text
    result: dict[str, Any] = response.json()
    return result


def test_every_transition_is_checked_and_audited(
    reviewers: tuple[TestClient, dict[str, dict[str, str]]], example_text: str
) -> None:
    client, keys = reviewers
    alice, bob = keys["alice"], keys["bob"]
    _analyze(client, example_text, h=keys["root"])
    pray = _pray_item(client, alice)

    top = _queue(client, alice, status="open", limit=1)["items"][0]
    taken = client.post("/v1/queue/next", headers=alice)
    assert taken.status_code == 200
    assert taken.json()["id"] == top["id"], "next hands out the top-priority item"
    # The pray item ranks lower (its article debunks the claim); alice takes it explicitly.
    item = _act(client, alice, pray["id"], "claim")
    assert item["status"] == "in_review" and item["assignee"] == "alice"
    assert item["lease_expires_at"] is not None
    item_id = item["id"]

    assert _act(client, bob, item_id, "claim", 409)["code"] == "conflict"
    _act(client, bob, item_id, "resolve", 409, resolution="not_a_match")
    _act(client, bob, item_id, "release", 409)
    assert _act(client, alice, item_id, "release")["status"] == "open"
    assert _act(client, bob, item_id, "claim")["assignee"] == "bob"
    confirmed = _act(
        client, bob, item_id, "resolve", resolution="confirmed_match", note="Same claim."
    )
    assert confirmed["status"] == "resolved" and confirmed["resolution"] == "confirmed_match"
    assert confirmed["resolved_fact_check_id"] == pray["fact_check_id"]
    assert confirmed["resolved_by"] == "bob" and confirmed["assignee"] is None
    _act(client, alice, item_id, "resolve", 409, resolution="not_a_match")
    _act(client, alice, item_id, "notes", 201, note="Seen in two more outlets.")
    assert _act(client, alice, item_id, "reopen")["status"] == "open"
    _act(client, alice, item_id, "reopen", 409)
    for resolution in ("not_a_match", "not_check_worthy", "needs_fact_check"):
        done = _act(client, alice, item_id, "resolve", resolution=resolution)
        assert done["resolution"] == resolution and done["resolved_fact_check_id"] is None
        _act(client, alice, item_id, "reopen")

    detail = client.get(f"/v1/queue/items/{item_id}", headers=alice).json()
    trail = [
        (
            e["actor"],
            e["action"],
            e["before"]["status"] if e["before"] else None,
            e["after"]["status"],
        )
        for e in detail["audit"]
    ]
    assert trail == [
        ("system", "create", None, "open"),
        ("alice", "claim", "open", "in_review"),
        ("alice", "release", "in_review", "open"),
        ("bob", "claim", "open", "in_review"),
        ("bob", "resolve", "in_review", "resolved"),
        ("alice", "note", "resolved", "resolved"),
        ("alice", "reopen", "resolved", "open"),
        ("alice", "resolve", "open", "resolved"),
        ("alice", "reopen", "resolved", "open"),
        ("alice", "resolve", "open", "resolved"),
        ("alice", "reopen", "resolved", "open"),
        ("alice", "resolve", "open", "resolved"),
        ("alice", "reopen", "resolved", "open"),
    ]
    bob_resolve = detail["audit"][4]
    assert bob_resolve["note"] == "Same claim."
    assert bob_resolve["before"]["assignee"] == "bob"
    assert bob_resolve["after"]["resolution"] == "confirmed_match"
    assert detail["audit"][5]["note"] == "Seen in two more outlets."
    assert all(e["created_at"] for e in detail["audit"])


def test_missing_items_and_bad_resolutions(client: TestClient, example_text: str) -> None:
    _analyze(client, example_text)
    assert client.get("/v1/queue/items/999999").status_code == 404
    assert client.post("/v1/queue/items/999999/claim").status_code == 404
    new_claim = _queue(client, kind="new_claim")["items"][0]
    no_fact_check = client.post(
        f"/v1/queue/items/{new_claim['id']}/resolve", json={"resolution": "confirmed_match"}
    )
    assert no_fact_check.status_code == 422
    unknown = client.post(
        f"/v1/queue/items/{new_claim['id']}/resolve",
        json={"resolution": "confirmed_match", "fact_check_id": 999999},
    )
    assert unknown.status_code == 422
    bad = client.post(f"/v1/queue/items/{new_claim['id']}/resolve", json={"resolution": "maybe"})
    assert bad.status_code == 422
    assert (
        client.post(f"/v1/queue/items/{new_claim['id']}/notes", json={"note": ""}).status_code
        == 422
    )
    # A NUL in a reviewer's note is refused naming the field (a 500 on PostgreSQL before).
    for action, body in [
        ("notes", {"note": "Seen\x00 twice."}),
        ("resolve", {"resolution": "not_check_worthy", "note": "\x00"}),
    ]:
        refused = client.post(f"/v1/queue/items/{new_claim['id']}/{action}", json=body)
        detail = refused.json()["detail"]
        assert refused.status_code == 422 and detail.startswith("note: contains NUL"), detail


def test_an_expired_lease_frees_the_item(
    seeded_settings: Settings, pipeline: Pipeline, example_text: str
) -> None:
    tokens = make_keys(seeded_settings, (Role.REVIEWER, "alice"), (Role.REVIEWER, "bob"))
    alice, bob = bearer(tokens["alice"]), bearer(tokens["bob"])
    settings = required(seeded_settings, queue_lease_seconds=1)
    with app_client(settings, pipeline) as (client, _):
        _analyze(client, example_text, h=alice)
        held = client.post("/v1/queue/next", headers=alice).json()
        assert _queue(client, alice, status="in_review")["total"] == 1
        _act(client, bob, held["id"], "claim", 409)
        time.sleep(1.5)  # let the one-second lease lapse
        assert held["id"] in [i["id"] for i in _queue(client, alice, status="open")["items"]]
        assert _queue(client, alice)["counts"]["in_review"] == 0
        again = client.post("/v1/queue/next", headers=bob).json()
        assert again["id"] == held["id"] and again["assignee"] == "bob"
        claim_entry = again["audit"][-1]
        assert claim_entry["actor"] == "bob" and claim_entry["before"]["assignee"] == "alice"
        _act(client, alice, held["id"], "resolve", 409, resolution="not_a_match")


def test_next_on_an_empty_queue(client: TestClient) -> None:
    assert client.post("/v1/queue/next").status_code == 204


def test_a_confirmed_pair_matches_directly_next_time(client: TestClient, example_text: str) -> None:
    _analyze(client, example_text)
    pray = _pray_item(client)
    new_claim = _queue(client, kind="new_claim")["items"][0]
    before = next(
        c
        for c in _analyze(client, example_text, store=False)["claims"]
        if c["text"] == new_claim["claim_text"]
    )
    assert not before["flagged"]
    ferret = pray["fact_check_id"]
    _act(client, {}, new_claim["id"], "resolve", resolution="confirmed_match", fact_check_id=ferret)
    after = next(
        c
        for c in _analyze(client, example_text, store=False)["claims"]
        if c["text"] == new_claim["claim_text"]
    )
    assert after["flagged"]
    assert after["matches"][0]["fact_check"]["id"] == ferret
    assert after["suggestion"]["verdict"] == "false"
    assert after["suggestion"]["reason"].startswith("Confirmed by a reviewer")


def test_a_rejected_pair_is_not_suggested_again(client: TestClient, example_text: str) -> None:
    _analyze(client, example_text)
    pray = _pray_item(client)
    _act(client, {}, pray["id"], "resolve", resolution="not_a_match")
    claim = next(c for c in _analyze(client, RECURRING, store=False)["claims"] if PRAY in c["text"])
    assert not claim["flagged"]
    assert pray["fact_check_id"] not in [m["fact_check"]["id"] for m in claim["matches"]]
    _act(client, {}, pray["id"], "reopen")
    claim = next(c for c in _analyze(client, RECURRING, store=False)["claims"] if PRAY in c["text"])
    assert claim["flagged"], "reopening forgets the rejection"


def test_priority_formula() -> None:
    base = priority(0.8, 0.8, "false", 1)
    assert base == pytest.approx(0.35 * 0.8 + 0.25 * 0.8 + 0.25 * 1.0)
    assert priority(0.8, 0.8, "false", 3) > base, "recurrence raises priority"
    assert priority(0.8, 0.8, "true", 1) < base, "a false verdict outranks a true one"
    assert priority(0.8, 0.8, "false", 1, debunking=True) == pytest.approx(base / 2)
    assert priority(0.9, None, None, 1) < base


def test_concurrent_submissions_of_one_claim_make_one_item(
    seeded_settings: Settings, pipeline: Pipeline
) -> None:
    # Three analyses really run at once (the default bound would refuse two as busy).
    with app_client(seeded_settings.model_copy(update={"max_analyses_in_flight": 3}), pipeline) as (
        client,
        _,
    ):
        _submit_three_at_once(client)


def _submit_three_at_once(client: TestClient) -> None:
    start = threading.Barrier(3)
    statuses: list[int] = []

    def submit() -> None:
        start.wait()
        statuses.append(client.post("/v1/analyze", json={"text": RECURRING}).status_code)

    threads = [threading.Thread(target=submit) for _ in range(3)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()
    assert statuses == [200, 200, 200]
    items = [i for i in _queue(client)["items"] if PRAY in i["claim_text"]]
    assert len(items) == 1 and items[0]["occurrence_count"] == 3


def test_a_close_possible_match_is_queued_with_its_fact_check(
    seeded_settings: Settings, pipeline: Pipeline, example_text: str
) -> None:
    from models.retrieval import Matcher

    # Tiers no confidence reaches: the pray-at-home match stays `possible`, unflagged.
    unsure = dataclasses.replace(pipeline.settings, confirmed_threshold=1.1, match_threshold=1.1)
    matcher = Matcher(
        unsure.matcher_settings(),
        reranker=pipeline.matcher.reranker,
        cross=pipeline.matcher.cross,
    )
    cautious = Pipeline(
        pipeline.embedder, pipeline.scorer, unsure, matcher, stance=pipeline.stance_model
    )
    strict = seeded_settings.model_copy(update={"queue_possible_similarity": 1.0})
    with app_client(strict, cautious) as (client, _):
        _analyze(client, example_text)
        assert not [i for i in _queue(client)["items"] if PRAY in i["claim_text"]], (
            "below the queueing threshold a possible match is not queued"
        )
    with app_client(seeded_settings, cautious) as (client, _):
        body = _analyze(client, example_text)
        pray = next(c for c in body["claims"] if PRAY in c["text"])
        assert not pray["flagged"] and pray["matches"][0]["tier"] == "possible"
        assert pray["matches"][0]["similarity"] >= seeded_settings.queue_possible_similarity
        items = _queue(client, kind="possible_match")["items"]
        queued = [i for i in items if PRAY in i["claim_text"]]
        assert len(queued) == 1
        assert queued[0]["fact_check_publisher"].startswith("The Ferret")
        assert queued[0]["fact_check_id"] == pray["matches"][0]["fact_check"]["id"]
        page = client.get(f"/ui/items/{queued[0]['id']}")
        assert page.status_code == 200 and "possible match" in page.text
        # Why it was matched, beside the candidate: its tier, confidence and shared words.
        assert "possible · confidence" in page.text and "abortion" in page.text.split("shares")[1]
