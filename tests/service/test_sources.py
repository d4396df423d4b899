"""Sources synced on schedule from a local web site serving real ClaimReview markup.

The fixtures' DataFeed, a page graph and a single review are served as a feed and as
publishers' review pages listed by a sitemap, beside a page answering 500, one slower
than the fetch timeout and one with malformed JSON-LD. Runs go through the job runner's
tick (what ``claimflag worker`` does) and are read back through the API.
"""

from __future__ import annotations

import json
from collections.abc import Iterator
from typing import Any

import pytest
from fastapi.testclient import TestClient

from models.pipeline import Pipeline
from service.config import Settings
from service.jobs.local import LocalRunner
from service.jobs.work import Worker
from service.runtime import Runtime
from tests.claims_db.feeds import FEEDS
from tests.service.sync_helpers import Site, fetch_settings, local_site, review_page, sitemap
from tests.service.triage_helpers import app_client

GOOGLE_KEY = "test-key-123"  # pragma: allowlist secret (a made-up key the local site checks)


@pytest.fixture
def site() -> Iterator[Site]:
    with local_site() as served:
        yield served


@pytest.fixture
def running(
    database_url: str, pipeline: Pipeline
) -> Iterator[tuple[TestClient, Runtime, LocalRunner]]:
    settings = fetch_settings(Settings(database_url=database_url, _env_file=None))  # type: ignore[call-arg]
    with app_client(settings, pipeline) as (client, runtime):
        worker = Worker.build(runtime)
        yield client, runtime, LocalRunner(worker)
        worker.close()


def _fixture(name: str) -> str:
    return (FEEDS / name).read_text(encoding="utf-8")


def _last_run(client: TestClient, source_id: int) -> dict[str, Any]:
    runs = client.get(f"/v1/sources/{source_id}/runs").json()
    return dict(runs[0])


def _tick(client: TestClient, runner: LocalRunner, *source_ids: int) -> None:
    for source_id in source_ids:
        assert client.post(f"/v1/sources/{source_id}/run").status_code == 202
    assert runner.tick().sources == len(source_ids)


def test_scheduled_sync_adds_updates_survives_failures_and_then_fetches_nothing(
    site: Site, running: tuple[TestClient, Runtime, LocalRunner]
) -> None:
    client, _, runner = running
    datafeed = _fixture("datafeed.json")
    feed_url = site.serve("/claimreview.json", datafeed, content_type="application/ld+json")
    pages = {
        "/reviews/buffer-zones": review_page("Buffer zones", _fixture("page_graph.jsonld")),
        "/reviews/tariffs": review_page("Tariffs", _fixture("single.json")),
        "/reviews/broken": review_page("Broken", '{"@type": "ClaimReview", "claimReviewed": '),
    }
    for path, body in pages.items():
        site.serve(path, body)
    site.serve("/reviews/down", "", status=500)
    site.serve("/reviews/slow", review_page("Slow", _fixture("single.json")), delay=3.0)
    listed = [*pages, "/reviews/down", "/reviews/slow"]
    site.serve(
        "/sitemap.xml",
        sitemap([(site.url(p), f"2025-02-{10 + n:02d}") for n, p in enumerate(listed)]),
        content_type="application/xml",
    )
    feed = client.post(
        "/v1/sources", json={"name": "factdesk", "kind": "claimreview", "url": feed_url}
    ).json()
    pages_source = client.post(
        "/v1/sources",
        json={"name": "factdesk-pages", "kind": "sitemap", "url": site.url("/sitemap.xml")},
    ).json()

    # New sources are due at once: the first tick runs both.
    assert runner.tick().sources == 2
    first = _last_run(client, feed["id"])
    assert first["status"] == "succeeded"
    assert (first["fetched"], first["added"], first["updated"], first["rejected"]) == (1, 3, 0, 3)
    assert any("review_date: unrecognised date '2025-02-31'" in r for r in first["rejections"])
    crawl = _last_run(client, pages_source["id"])
    assert crawl["status"] == "partial"
    assert crawl["added"] == 3 + 1, "the page graph's three reviews and the single one"
    errors = " | ".join(crawl["errors"])
    assert "/reviews/down: HTTP 500" in errors
    assert "/reviews/slow: timed out" in errors
    assert "/reviews/broken script[0]: malformed JSON" in errors
    assert client.get("/v1/sources").json()[1]["newest_review_date"] == "2025-03-03"

    # The failing pages recover: only they are fetched again (the others' lastmod is known).
    site.serve("/reviews/down", review_page("Down", _fixture("single.json")))
    site.serve("/reviews/slow", review_page("Slow", _fixture("single.json")))
    hits_before = dict(site.hits)
    _tick(client, runner, feed["id"], pages_source["id"])
    assert _last_run(client, feed["id"])["not_modified"] == 1
    assert site.hits["/claimreview.json"] == hits_before["/claimreview.json"], "answered 304"
    retry = _last_run(client, pages_source["id"])
    assert retry["status"] == "succeeded", retry
    assert (retry["fetched"], retry["added"], retry["unchanged"]) == (2, 0, 2)
    for path in pages:
        assert site.hits[path] == hits_before[path], f"{path} was fetched again"

    # Nothing changed since: the next runs download nothing and import nothing.
    hits_before = dict(site.hits)
    _tick(client, runner, feed["id"], pages_source["id"])
    for source_id in (feed["id"], pages_source["id"]):
        quiet = _last_run(client, source_id)
        assert quiet["status"] == "succeeded"
        assert (quiet["fetched"], quiet["added"], quiet["updated"]) == (0, 0, 0)
        assert quiet["not_modified"] == 1
    assert dict(site.hits) == hits_before

    # The publisher changes a rating: the record is updated and the old rating kept.
    site.serve(
        "/claimreview.json",
        datafeed.replace('"name": "Four Pinocchios"', '"name": "Three Pinocchios"'),
        content_type="application/ld+json",
    )
    _tick(client, runner, feed["id"])
    changed = _last_run(client, feed["id"])
    assert (changed["fetched"], changed["added"], changed["updated"]) == (1, 0, 1)
    found = client.get("/v1/factchecks", params={"publisher": "Example Fact Desk"}).json()
    munich = next(f for f in found["items"] if f["url"].endswith("/2025/02/munich/"))
    detail = client.get(f"/v1/factchecks/{munich['id']}").json()
    assert detail["rating"] == "Three Pinocchios"
    assert [h["rating"] for h in detail["history"]] == ["Four Pinocchios"]
    assert detail["history"][0]["replaced_by"] == "source factdesk"


def test_a_feed_that_fails_records_the_error_and_the_next_run_recovers(
    site: Site, running: tuple[TestClient, Runtime, LocalRunner]
) -> None:
    client, _, runner = running
    url = site.serve("/feed.json", "", status=503)
    source = client.post("/v1/sources", json={"name": "flaky", "kind": "claimreview", "url": url})
    source_id = source.json()["id"]
    runner.tick()
    failed = _last_run(client, source_id)
    assert failed["status"] == "failed"
    assert failed["error"].endswith("/feed.json: HTTP 503")
    assert site.queries["/feed.json"] and len(site.queries["/feed.json"]) == 2, "retried once"

    site.serve("/feed.json", "{ not json", content_type="application/json")
    _tick(client, runner, source_id)
    malformed = _last_run(client, source_id)
    assert malformed["status"] == "partial"
    assert "malformed JSON" in malformed["errors"][0]

    site.serve("/feed.json", _fixture("single.json"), content_type="application/json")
    _tick(client, runner, source_id)
    assert _last_run(client, source_id)["added"] == 1


def test_google_query_follows_next_page_token_with_the_configured_key(
    site: Site, database_url: str, pipeline: Pipeline
) -> None:
    second = {
        "claims": [
            {
                "text": "A second page claim about ferries.",
                "claimReview": [
                    {
                        "publisher": {"name": "Example Fact Desk", "site": "factdesk.example"},
                        "url": "https://factdesk.example/2021/06/ferries/",
                        "reviewDate": "2021-06-01T00:00:00Z",
                        "textualRating": "Mostly False",
                        "languageCode": "en",
                    }
                ],
            }
        ]
    }
    endpoint = site.serve(
        "/v1alpha1/claims:search",
        _fixture("google_claims_search.json"),  # its nextPageToken is "CAE"
        content_type="application/json",
        variants=("pageToken", {"CAE": json.dumps(second).encode()}),
    )
    settings = fetch_settings(
        Settings(database_url=database_url, _env_file=None),  # type: ignore[call-arg]
        google_factcheck_url=endpoint,
        google_factcheck_api_key=GOOGLE_KEY,
    )
    with app_client(settings, pipeline) as (client, runtime):
        created = client.post(
            "/v1/sources",
            json={"name": "google-vaccines", "kind": "google", "query": "vaccines"},
        )
        assert created.status_code == 201, created.text
        worker = Worker.build(runtime)
        LocalRunner(worker).tick()
        run = _last_run(client, created.json()["id"])
        # The next run asks only for reviews since the newest one seen (2021-06-01), less a day.
        _tick(client, LocalRunner(worker), created.json()["id"])
        worker.close()
    assert run["status"] == "succeeded", run
    assert (run["fetched"], run["added"], run["rejected"]) == (2, 4, 1)
    asked = site.queries["/v1alpha1/claims:search"]
    assert [q.get("pageToken") for q in asked[:2]] == [None, ["CAE"]]
    assert all(q["key"] == [GOOGLE_KEY] and q["query"] == ["vaccines"] for q in asked)
    assert "maxAgeDays" not in asked[0]
    assert int(asked[2]["maxAgeDays"][0]) >= 2
    assert GOOGLE_KEY not in json.dumps(run)


def test_source_bodies_are_checked_and_names_unique(
    running: tuple[TestClient, Runtime, LocalRunner],
) -> None:
    client, _, _ = running
    bad = [
        {"name": "x", "kind": "google", "url": "https://a.example/"},
        {"name": "x", "kind": "claimreview", "query": "vaccines"},
        {"name": "x", "kind": "sitemap", "url": "ftp://a.example/sitemap.xml"},
        {"name": "bad name!", "kind": "claimreview", "url": "https://a.example/"},
        {"name": "x", "kind": "claimreview", "url": "https://a.example/", "interval_minutes": 0},
    ]
    for body in bad:
        response = client.post("/v1/sources", json=body)
        assert response.status_code == 422, body
        assert response.headers["content-type"].startswith("application/problem+json")
    detail = client.post("/v1/sources", json=bad[2]).json()["detail"]
    assert "ftp://a.example/sitemap.xml is not an http:// or https:// URL" in detail, detail
    good = {"name": "ok", "kind": "claimreview", "url": "https://a.example/feed.json"}
    assert client.post("/v1/sources", json=good).status_code == 201
    assert client.post("/v1/sources", json=good).json()["code"] == "conflict"
    assert client.get("/v1/sources/999").status_code == 404
    source_id = client.get("/v1/sources").json()[0]["id"]
    paused = client.patch(f"/v1/sources/{source_id}", json={"enabled": False})
    assert paused.json()["enabled"] is False
    for name in ("enabled", "interval_minutes"):
        refused = client.patch(f"/v1/sources/{source_id}", json={name: None})
        assert refused.status_code == 422 and f"{name} cannot be null" in refused.json()["detail"]
    assert client.post(f"/v1/sources/{source_id}/run").status_code == 409
