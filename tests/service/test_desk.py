"""The first hour of a new user and a fact-checker's desk: pages, errors, dates and logs."""

from __future__ import annotations

import logging
import re

import pytest
from fastapi.testclient import TestClient

from models.pipeline import Pipeline
from service.auth.service import check_auth_mode
from service.cli_tables import short_url, table
from service.config import Settings
from tests.service.triage_helpers import app_client, required, ui_post

PRAY = "pray in their own home"
NAV_ONLY = (
    "<html><head><title>Example News</title></head><body><nav><a href=/>Home</a> "
    "<a href=/about>About us</a> <a href=/contact>Contact</a></nav>"
    "<footer>Copyright 2024 Example News</footer></body></html>"
)
DATED = (
    '<html><head><meta property="article:published_time" content="2023-05-17T08:00:00+02:00">'
    "<title>Jobs figures</title></head><body><article>"
    "<p>The minister said on Tuesday that unemployment fell to 4.1 percent in April, the lowest "
    "level since 2008, according to the statistics office.</p>"
    "<p>Opposition parties disputed the figure and said it ignored part-time work.</p>"
    "</article></body></html>"
)


def test_the_ui_root_and_unknown_pages(client: TestClient) -> None:
    for path in ("/ui/", "/ui", "/"):
        response = client.get(path, follow_redirects=False)
        assert response.status_code == 303 and response.headers["location"] == "/ui/queue"
    for path in ("/ui/items/999999", "/ui/nothing/here"):
        page = client.get(path)
        assert page.status_code == 404 and page.headers["content-type"].startswith("text/html")
        assert "<h1>Not found</h1>" in page.text
        # A problem is never shown in the green success banner.
        assert "flash ok" not in page.text and "flash err" in page.text


def test_search_boxes_and_filters_read_control_characters_as_spaces(client: TestClient) -> None:
    # A NUL pasted into a search box or a filter is read as a space on either backend
    # (PostgreSQL cannot hold one): the page answers, it is not an error.
    for path, params in [
        ("/ui/factchecks", {"q": "pray\x00home"}),
        ("/ui/articles", {"q": "\x00"}),
        ("/ui/queue", {"publisher": "Full\x00Fact", "verdict": "\x00"}),
    ]:
        page = client.get(path, params=params)
        assert page.status_code == 200, (path, page.text[:300])
        assert page.headers["content-type"].startswith("text/html")


def test_a_note_with_a_nul_is_kept_with_a_space(client: TestClient, example_text: str) -> None:
    client.post("/v1/analyze", json={"text": example_text})
    item = client.get("/v1/queue").json()["items"][0]
    noted = ui_post(client, f"/ui/items/{item['id']}/note", {"note": "Seen\x00 twice.\nCheck."})
    assert noted.status_code == 200 and noted.headers["content-type"].startswith("text/html")
    audit = client.get(f"/v1/queue/items/{item['id']}").json()["audit"]
    assert audit[-1]["note"] == "Seen  twice.\nCheck."


def test_an_error_hides_the_success_banner(client: TestClient) -> None:
    page = client.get("/ui/queue?message=done&error=unknown_action")
    assert "Unknown action." in page.text and "flash ok" not in page.text


def test_docs_work_with_no_network(client: TestClient) -> None:
    page = client.get("/docs")
    assert page.status_code == 200
    assert "https://" not in page.text and "/docs/assets/swagger-ui-bundle.js" in page.text
    assert "script-src 'self';" in page.headers["content-security-policy"]
    assert re.search(r"<script>", page.text) is None  # nothing inline: the CSP would block it
    for asset in ("/docs/assets/swagger-ui-bundle.js", "/docs/assets/swagger-ui.css"):
        assert client.get(asset).status_code == 200
    start = client.get("/docs/start.js")
    assert start.status_code == 200 and "/openapi.json" in start.text
    assert client.get("/redoc").status_code == 404


def test_html_without_article_text_is_a_422(client: TestClient) -> None:
    response = client.post("/v1/analyze", json={"html": NAV_ONLY})
    assert response.status_code == 422, response.text
    assert response.json()["code"] == "unprocessable"
    assert "no article text" in response.json()["detail"]


def test_the_pages_publication_time_becomes_the_articles_date(client: TestClient) -> None:
    body = client.post("/v1/analyze", json={"html": DATED}).json()
    assert body["article"]["published_at"] == "2023-05-17T06:00:00Z"
    stored = client.get(f"/v1/articles/{body['article']['id']}").json()
    assert stored["published_at"].startswith("2023-05-17")
    # A date the request gives wins over the page's.
    given = client.post("/v1/analyze", json={"html": DATED, "published_at": "2024-01-02"})
    assert given.json()["article"]["published_at"].startswith("2024-01-02")


def test_the_analyze_form_takes_a_publication_date(client: TestClient, example_text: str) -> None:
    page = client.get("/ui/analyze")
    assert 'name="published_at" type="date"' in page.text
    result = ui_post(client, "/ui/analyze", {"text": example_text, "published_at": "2025-02-18"})
    assert result.status_code == 200 and "published 2025-02-18" in result.text
    article_id = re.search(r"/ui/articles/(\d+)", result.text)
    assert article_id is not None
    stored = client.get(f"/v1/articles/{article_id.group(1)}").json()
    assert stored["published_at"].startswith("2025-02-18")
    bad = ui_post(client, "/ui/analyze", {"text": example_text, "published_at": "18/02/2025"})
    assert bad.status_code == 422 and "flash err" in bad.text


def test_terse_errors_say_what_to_send(client: TestClient) -> None:
    broken = client.post(
        "/v1/analyze",
        content=b'{"text": "abc",\n  "title": }',
        headers={"content-type": "application/json"},
    )
    assert broken.status_code == 400
    detail = broken.json()["detail"]
    assert "line 2, column 12" in detail and '{"text":' in detail
    plain = client.post("/v1/analyze", content=b"hello", headers={"content-type": "text/plain"})
    assert plain.status_code == 415
    assert "Content-Type: application/json" in plain.json()["detail"]
    misspelt = client.post("/v1/analyze", json={"txt": "Unemployment fell to 4.1 percent."})
    assert misspelt.status_code == 422 and "unknown field(s) txt" in misspelt.json()["detail"]
    assert client.get("/v1/queue", params={"status": "all"}).status_code == 200
    assert client.get("/v1/queue", params={"status": "any"}).status_code == 422


def test_queue_and_item_pages_show_what_a_reviewer_needs(
    client: TestClient, example_text: str
) -> None:
    client.post("/v1/analyze", json={"text": example_text})
    items = client.get("/v1/queue").json()["items"]
    pray = next(i for i in items if PRAY in i["claim_text"])
    page = client.get(f"/ui/items/{pray['id']}")
    assert 'id="highlight-legend"' in page.text and 'id="reject"' in page.text
    assert "Stance in the article" in page.text and "stance-debunks" in page.text
    # The curated Ferret check carries no review date: the page says so rather than hiding it.
    assert "Top fact-check: The Ferret" in page.text and "review date unknown" in page.text
    assert "Sign out" not in page.text and "auth off" in page.text  # nothing to sign out of

    new_claim = next((i for i in items if i["kind"] == "new_claim"), None)
    if new_claim is not None:
        # No suggested match: "Not a match" (and its `r` shortcut) is not offered.
        assert 'id="reject"' not in client.get(f"/ui/items/{new_claim['id']}").text

    resolved = ui_post(
        client,
        f"/ui/items/{pray['id']}/resolve",
        {"resolution": "not_a_match"},
        follow_redirects=False,
    )
    assert resolved.status_code == 303 and resolved.headers["location"].startswith("/ui/queue")
    queue = client.get("/ui/queue?status=resolved")
    assert "<th>Added</th>" in queue.text and "<th>Resolved by</th>" in queue.text
    row = queue.text.split(f'data-item="{pray["id"]}"')[1].split("</tr>")[0]
    assert "verdict-false" not in row and "no match" in row  # no FALSE badge once rejected
    assert "local" in row.split('class="small resolved-by"')[1] or "admin" in row


def test_auto_advance_opens_the_next_item(client: TestClient, example_text: str) -> None:
    client.post("/v1/analyze", json={"text": example_text})
    items = client.get("/v1/queue").json()["items"]
    assert len(items) >= 2
    first = items[0]
    advanced = ui_post(
        client,
        f"/ui/items/{first['id']}/resolve",
        {"resolution": "not_check_worthy", "advance": "1"},
        follow_redirects=False,
    )
    location = advanced.headers["location"]
    assert location.startswith("/ui/items/") and not location.startswith(
        f"/ui/items/{first['id']}?"
    )
    assert "message=resolved" in location


def test_sign_out_shows_when_auth_is_required(
    seeded_settings: Settings, pipeline: Pipeline
) -> None:
    with app_client(required(seeded_settings), pipeline) as (client, _):
        login = client.get("/ui/login")
        assert "auth off" not in login.text


def test_logs_are_quiet_by_default(caplog: pytest.LogCaptureFixture) -> None:
    import models.matching  # noqa: F401  (bm25s sets its logger to DEBUG on import)

    assert logging.getLogger("bm25s").level == logging.NOTSET
    settings = Settings(_env_file=None)  # type: ignore[call-arg]
    with caplog.at_level(logging.INFO):
        check_auth_mode(settings, announce=False)
    assert not caplog.records
    with caplog.at_level(logging.INFO):
        check_auth_mode(settings)
    assert len(caplog.records) == 1 and "authentication is OFF" in caplog.text


def test_cli_tables_keep_urls_readable() -> None:
    url = "https://www.example.org/news/2025/02/17/a-very-long-slug-about-buffer-zones-and-prayer"
    short = short_url(url, 40)
    assert len(short) == 40 and short.startswith("example.org/") and short.endswith("prayer")
    assert short_url("https://example.org/a/") == "example.org/a"
    columns = {c.header: c for c in table("t", "id", "url").columns}
    assert columns["url"].no_wrap and columns["id"].overflow == "fold"


def test_the_article_view_shows_claims_in_place(client: TestClient, example_text: str) -> None:
    empty = client.get("/ui/articles")
    assert empty.status_code == 200 and "Nothing analysed yet" in empty.text
    body = client.post(
        "/v1/analyze", json={"text": example_text, "url": "https://metro.co.uk/2025/02/17/x"}
    ).json()
    article_id = body["article"]["id"]
    pray = next(
        c for c in client.get(f"/v1/articles/{article_id}").json()["claims"] if PRAY in c["text"]
    )

    listed = client.get("/ui/articles")
    assert f'href="/ui/articles/{article_id}"' in listed.text and "metro.co.uk" in listed.text

    page = client.get(f"/ui/articles/{article_id}")
    assert page.status_code == 200 and 'id="highlight-legend"' in page.text
    mark = re.search(
        rf'<mark class="tier-(\w+)" id="claim-{pray["id"]}"[^>]*>([^<]*)</mark>', page.text
    )
    assert mark is not None and mark.group(1) in {"confirmed", "likely"}
    assert PRAY in mark.group(2)
    row = page.text.split(f'id="row-{pray["id"]}"')[1].split("</tr>")[0]
    assert f'href="/ui/items/{pray["queue_item_id"]}"' in row and "stance-debunks" in row
    assert client.get("/ui/articles/999999").status_code == 404

    # One search box across articles, claims and fact-checks.
    found = client.get("/ui/articles", params={"q": "pray"}).text
    assert f'href="/ui/articles/{article_id}"' in found.split('id="article-list"')[1]
    assert f"#claim-{pray['id']}" in found.split('id="claim-hits"')[1]
    fact_checks = found.split('id="factcheck-hits"')[1]
    assert "The Ferret" in fact_checks and f'href="/ui/articles/{article_id}"' in fact_checks
    # LIKE wildcards in the term are taken literally.
    assert "No article contains it." in client.get("/ui/articles", params={"q": "%_%"}).text


def test_bulk_take_into_review_assigns_the_items_to_oneself(
    client: TestClient, example_text: str
) -> None:
    client.post("/v1/analyze", json={"text": example_text})
    items = client.get("/v1/queue", params={"status": "open"}).json()["items"]
    chosen = [i["id"] for i in items[:2]]
    assert 'id="bulk-take"' in client.get("/ui/queue").text
    # One of them is resolved first: it cannot be taken and is counted as skipped.
    ui_post(client, f"/ui/items/{chosen[1]}/resolve", {"resolution": "not_check_worthy"})
    taken = ui_post(
        client,
        "/ui/queue/bulk",
        {"resolution": "take", "item": [str(i) for i in chosen]},
        follow_redirects=False,
    )
    assert taken.status_code == 303
    assert "count=1" in taken.headers["location"] and "skipped=1" in taken.headers["location"]
    assert (
        "1 items taken into review by you; 1 skipped" in client.get(taken.headers["location"]).text
    )
    first = client.get(f"/v1/queue/items/{chosen[0]}").json()
    assert first["status"] == "in_review" and first["assignee"]
    assert first["audit"][-1]["action"] == "claim"
    assert client.get(f"/v1/queue/items/{chosen[1]}").json()["status"] == "resolved"


def test_bulk_resolve_and_undo(client: TestClient, example_text: str) -> None:
    client.post("/v1/analyze", json={"text": example_text})
    items = client.get("/v1/queue", params={"status": "open"}).json()["items"]
    assert len(items) >= 3
    page = client.get("/ui/queue")
    assert page.text.count('class="pick"') == len(items) and 'id="bulk"' in page.text
    chosen = [i["id"] for i in items[:3]]
    # A form without its token changes nothing.
    refused = client.post("/ui/queue/bulk", data={"resolution": "not_check_worthy", "item": chosen})
    assert refused.status_code == 403
    done = ui_post(
        client,
        "/ui/queue/bulk",
        {"resolution": "not_check_worthy", "item": [str(i) for i in chosen]},
        follow_redirects=False,
    )
    assert done.status_code == 303
    location = done.headers["location"]
    assert "count=3" in location and "skipped=0" in location
    queue = client.get(location)
    assert "3 items resolved: Not check-worthy; 0 skipped." in queue.text
    assert 'id="undo"' in queue.text
    for item_id in chosen:
        detail = client.get(f"/v1/queue/items/{item_id}").json()
        assert detail["resolution"] == "not_check_worthy"
        assert detail["audit"][-1]["note"].startswith("bulk action ")

    # Someone reopens one item by hand: the undo leaves it alone and reopens the others.
    ui_post(client, f"/ui/items/{chosen[0]}/reopen")
    token = re.search(r"bulk=([0-9a-f]{16})", location)
    assert token is not None
    undone = ui_post(client, "/ui/queue/undo", {"bulk": token.group(1)}, follow_redirects=False)
    assert "count=2" in undone.headers["location"]
    statuses = {i: client.get(f"/v1/queue/items/{i}").json()["status"] for i in chosen}
    assert set(statuses.values()) == {"open"}
    again = ui_post(client, "/ui/queue/undo", {"bulk": token.group(1)}, follow_redirects=False)
    assert "count=0" in again.headers["location"]

    # A confirmed match needs a suggestion: new-claim items are skipped, not failed.
    new_claims = [i["id"] for i in items if i["kind"] == "new_claim"]
    if new_claims:
        mixed = ui_post(
            client,
            "/ui/queue/bulk",
            {"resolution": "confirmed_match", "item": [str(new_claims[0])]},
            follow_redirects=False,
        )
        assert "count=0" in mixed.headers["location"] and "skipped=1" in mixed.headers["location"]
    nothing = ui_post(
        client, "/ui/queue/bulk", {"resolution": "not_a_match"}, follow_redirects=False
    )
    assert "error=nothing_selected" in nothing.headers["location"]


def test_decisions_export_and_dashboard(client: TestClient, example_text: str) -> None:
    import csv
    import datetime as dt
    import io

    client.post("/v1/analyze", json={"text": example_text})
    items = client.get("/v1/queue").json()["items"]
    pray = next(i for i in items if PRAY in i["claim_text"])
    other = next(i for i in items if i["id"] != pray["id"])
    client.post(f"/v1/queue/items/{pray['id']}/resolve", json={"resolution": "confirmed_match"})
    client.post(f"/v1/queue/items/{other['id']}/resolve", json={"resolution": "not_check_worthy"})
    today = dt.datetime.now(dt.UTC).date()

    rows = client.get("/v1/queue/decisions", params={"from": str(today), "to": str(today)}).json()
    assert [r["item_id"] for r in rows] == [pray["id"], other["id"]]
    confirmed = rows[0]
    assert confirmed["accepted"] and confirmed["tier"] in {"confirmed", "likely"}
    assert confirmed["resolved_fact_check_id"] == pray["fact_check_id"]
    assert not rows[1]["accepted"] and rows[1]["hours_to_decision"] >= 0

    exported = client.get("/v1/queue/decisions", params={"format": "csv", "to": str(today)})
    assert exported.headers["content-type"].startswith("text/csv")
    assert "attachment" in exported.headers["content-disposition"]
    table = list(csv.DictReader(io.StringIO(exported.text)))
    assert [int(r["item_id"]) for r in table] == [pray["id"], other["id"]]
    assert table[0]["accepted"] == "True" and table[0]["claim_text"] == pray["claim_text"]

    yesterday = today - dt.timedelta(days=1)
    assert client.get("/v1/queue/decisions", params={"to": str(yesterday)}).json() == []
    backwards = client.get("/v1/queue/decisions", params={"from": str(today), "to": str(yesterday)})
    assert backwards.status_code == 422 and "before" in backwards.json()["detail"]
    assert client.get("/v1/queue/decisions", params={"format": "xml"}).status_code == 422

    page = client.get("/ui/dashboard")
    assert page.status_code == 200
    assert re.search(r'id="items-in">(\d+)<', page.text).group(1) == str(len(items))  # type: ignore[union-attr]
    assert 'id="decided">2<' in page.text
    tier_row = page.text.split(f'data-tier="{confirmed["tier"]}"')[1].split("</tr>")[0]
    assert "100%" in tier_row
    assert "/v1/queue/decisions?from=" in page.text


def test_fact_check_browser_and_editor(
    client: TestClient, seeded_settings: Settings, pipeline: Pipeline
) -> None:
    listed = client.get("/ui/factchecks", params={"q": "pray"})
    assert listed.status_code == 200 and "The Ferret" in listed.text
    assert '<span class="lang" title="language of the fact-check">en</span>' in listed.text
    fact_check_id = int(re.search(r'data-factcheck="(\d+)"', listed.text).group(1))  # type: ignore[union-attr]
    page = client.get(f"/ui/factchecks/{fact_check_id}")
    assert "Never re-rated." in page.text and 'id="correct"' in page.text  # auth off: admin

    saved = ui_post(
        client,
        f"/ui/factchecks/{fact_check_id}/correct",
        {"rating": "Mostly false", "verdict": "", "claim": "", "review_date": "2025-02-20"},
        follow_redirects=False,
    )
    assert saved.status_code == 303
    detail = client.get(f"/v1/factchecks/{fact_check_id}").json()
    assert detail["rating"] == "Mostly false" and detail["review_date"] == "2025-02-20"
    assert detail["history"][0]["rating"] == "False" and detail["history"][0]["replaced_by"]
    shown = client.get(f"/ui/factchecks/{fact_check_id}").text
    assert '<span id="rating">Mostly false</span>' in shown
    assert "<td>False</td>" in shown.split('id="history"')[1]
    assert 'id="headline"' not in shown  # the curated seed has no headlines
    client.patch(f"/v1/factchecks/{fact_check_id}", json={"title": "Can <Scots> Pray at Home?"})
    titled = client.get(f"/ui/factchecks/{fact_check_id}").text
    assert "Headline of the review: Can &lt;Scots&gt; Pray at Home?" in titled

    added = ui_post(
        client,
        "/ui/factchecks",
        {
            "claim": "The moon is made of cheese.",
            "rating": "False",
            "publisher": "Desk Test",
            "url": "https://example.org/moon-cheese",
        },
        follow_redirects=False,
    )
    assert added.status_code == 303
    new_id = int(added.headers["location"].split("/")[-1].split("?")[0])
    assert client.get(f"/v1/factchecks/{new_id}").json()["publisher"] == "Desk Test"
    bad = ui_post(
        client, "/ui/factchecks", {"claim": "x", "rating": "", "publisher": "", "url": ""}
    )
    assert bad.status_code == 422 and "flash err" in bad.text

    retired = ui_post(client, f"/ui/factchecks/{new_id}/retire", follow_redirects=False)
    assert retired.status_code == 303
    assert client.get(f"/v1/factchecks/{new_id}").status_code == 404

    # Reviewers read only.
    from service.auth.schemas import Role
    from tests.service.triage_helpers import make_keys

    tokens = make_keys(seeded_settings, (Role.REVIEWER, "rae"))
    with app_client(required(seeded_settings), pipeline) as (keyed, _):
        signed_in = ui_post(keyed, "/ui/login", {"key": tokens["rae"]}, follow_redirects=False)
        assert signed_in.status_code == 303
        read = keyed.get(f"/ui/factchecks/{fact_check_id}")
        assert read.status_code == 200 and 'id="correct"' not in read.text
        refused = ui_post(keyed, f"/ui/factchecks/{fact_check_id}/retire")
        assert refused.status_code == 403
