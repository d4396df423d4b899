"""Monitored feeds: an RSS feed of real articles on a local site, polled by the job runner.

Each new article is fetched, extracted, analysed and queued once, under the outlet's name,
with webhooks for the claims it flags; an unchanged feed brings nothing new, and a new
entry brings only itself.
"""

from __future__ import annotations

import signal
from collections.abc import Iterator
from pathlib import Path

import pytest
from sqlalchemy import func, select

from claims_db.db import make_engine, make_session_factory
from claims_db.sync_models import FeedItem
from claims_db.triage_models import Article
from models.pipeline import Pipeline
from service.config import Settings
from service.jobs.local import LocalRunner
from service.jobs.work import Worker
from service.monitoring.schemas import FeedCreate
from service.monitoring.service import create_feed
from tests.service.sync_helpers import (
    Site,
    article_page,
    example_article,
    fetch_settings,
    fnc_articles,
    local_site,
    rfc822,
    rss,
    wait_until,
    worker_process,
)
from tests.service.test_webhooks import Receiver
from tests.service.triage_helpers import app_client

OUTLET = "The Example Outlet"


@pytest.fixture
def site() -> Iterator[Site]:
    with local_site() as served:
        yield served


@pytest.fixture
def receiver() -> Iterator[Receiver]:
    server = Receiver(failures=0)
    yield server
    server.close()


@pytest.mark.slow
def test_each_new_article_is_analysed_once_and_queued_under_the_outlet(
    site: Site, receiver: Receiver, seeded_settings: Settings, pipeline: Pipeline
) -> None:
    headline, text = example_article()
    articles = [("/news/starmer-paris", headline, text)]
    articles += [(f"/news/fnc-{n}", t, b) for n, (t, b) in enumerate(fnc_articles(3))]
    for day, (path, title, body) in enumerate(articles, start=10):
        site.serve(path, article_page(title, body, f"2025-02-{day}T09:00:00Z"))
    site.serve("/news/report.pdf", b"%PDF-1.4 not a page", content_type="application/pdf")
    entries = [
        (title, site.url(path), rfc822(10 + n)) for n, (path, title, _) in enumerate(articles)
    ]
    listed = [*entries[:3], ("Gone", site.url("/news/gone"), rfc822(5))]
    listed.append(("A report", site.url("/news/report.pdf"), rfc822(4)))
    site.serve("/rss.xml", rss(OUTLET, listed), content_type="application/rss+xml")
    settings = fetch_settings(
        seeded_settings, webhook_urls=receiver.url, webhook_backoff_seconds=0.05
    )
    with app_client(settings, pipeline) as (client, runtime):
        feed = client.post("/v1/feeds", json={"name": OUTLET, "url": site.url("/rss.xml")})
        assert feed.status_code == 201, feed.text
        feed_id = feed.json()["id"]
        worker = Worker.build(runtime)
        runner = LocalRunner(worker)

        first = runner.tick()
        assert (first.feeds, first.items) == (1, {"analysed": 3, "failed": 2})
        items = {i["url"]: i for i in client.get(f"/v1/feeds/{feed_id}/items").json()}
        assert items[site.url("/news/gone")]["error"].endswith("HTTP 404")
        assert "not an HTML page (application/pdf)" in items[site.url("/news/report.pdf")]["error"]
        analysed = [i for i in items.values() if i["status"] == "analysed"]
        assert all(i["attempts"] == 1 and i["article_id"] for i in analysed)
        starmer = items[site.url("/news/starmer-paris")]
        assert starmer["flagged"] >= 1
        stored = client.get(f"/v1/articles/{starmer['article_id']}").json()
        assert (stored["publisher"], stored["title"]) == (OUTLET, headline)
        assert stored["published_at"].startswith("2025-02-10")
        assert "Starmer" in stored["text"] and "Home" not in stored["text"].split("\n")[0]

        queue = client.get("/v1/queue", params={"limit": 500}).json()["items"]
        from_outlet = [q for q in queue if q["article_publisher"] == OUTLET]
        assert any(q["kind"] == "suggested_verdict" for q in from_outlet)
        created = receiver.wait_for("queue_item.created", len(from_outlet))
        assert {e["data"]["article_publisher"] for e in created} == {OUTLET}

        # The feed has not changed: nothing is fetched or analysed again.
        hits = dict(site.hits)
        assert client.post(f"/v1/feeds/{feed_id}/poll").status_code == 202
        again = runner.tick()
        assert (again.feeds, again.items) == (1, {})
        poll = client.get(f"/v1/feeds/{feed_id}/runs").json()[0]
        assert (poll["status"], poll["not_modified"], poll["new_items"]) == ("succeeded", True, 0)
        assert dict(site.hits) == hits

        # A new entry: only it is analysed.
        site.serve(
            "/rss.xml", rss(OUTLET, [entries[3], *listed]), content_type="application/rss+xml"
        )
        client.post(f"/v1/feeds/{feed_id}/poll")
        assert runner.tick().items == {"analysed": 1}
        poll = client.get(f"/v1/feeds/{feed_id}/runs").json()[0]
        assert (poll["entries"], poll["new_items"]) == (6, 1)
        worker.close()
        assert {page: site.hits[page] for page, _, _ in articles} == {
            page: 1 for page, _, _ in articles
        }
        with runtime.session_factory() as session:
            stored_urls = session.scalars(select(Article.url).where(Article.publisher == OUTLET))
            assert sorted(stored_urls) == sorted(site.url(p) for p, _, _ in articles)
            assert session.scalar(select(func.count()).select_from(Article)) == len(articles)
        summary = client.get(f"/v1/feeds/{feed_id}").json()
        assert summary["items"] == {"analysed": 4, "failed": 2}
        jobs = client.get("/v1/jobs").json()
        assert jobs["articles"] == {"analysed": 4, "failed": 2}


def test_a_transient_failure_is_retried_and_a_lasting_one_given_up(
    site: Site, database_url: str, pipeline: Pipeline
) -> None:
    title, body = fnc_articles(1)[0]
    site.serve("/news/busy", "", status=503)
    site.serve("/rss.xml", rss(OUTLET, [(title, site.url("/news/busy"), rfc822(3))]))
    settings = fetch_settings(
        Settings(database_url=database_url, _env_file=None),  # type: ignore[call-arg]
        monitor_max_attempts=2,
        jobs_tick_seconds=30,  # the retry waits a tick: long enough not to come due here
    )
    with app_client(settings, pipeline) as (client, runtime):
        feed_id = client.post("/v1/feeds", json={"name": OUTLET, "url": site.url("/rss.xml")})
        worker = Worker.build(runtime)
        runner = LocalRunner(worker)
        assert runner.tick().items == {"retry": 1}
        [item] = client.get(f"/v1/feeds/{feed_id.json()['id']}/items").json()
        assert (item["status"], item["attempts"]) == ("pending", 1)
        assert item["error"].endswith("HTTP 503")
        assert runner.tick().items == {}, "not before its next attempt is due"

        site.serve("/news/busy", article_page(title, body, "2025-02-03T09:00:00Z"))
        runner.worker.analyse_item(item["id"])
        [item] = client.get(f"/v1/feeds/{feed_id.json()['id']}/items").json()
        assert (item["status"], item["attempts"], item["error"]) == ("analysed", 2, None)
        assert runner.worker.analyse_item(item["id"]).value == "skipped"
        worker.close()


def test_feed_bodies_are_checked(database_url: str, pipeline: Pipeline) -> None:
    settings = Settings(database_url=database_url, _env_file=None)  # type: ignore[call-arg]
    with app_client(settings, pipeline) as (client, _):
        for body in (
            {"name": "", "url": "https://outlet.example/rss"},
            {"name": "Outlet", "url": "javascript:alert(1)"},
            {"name": "Outlet", "url": "https://outlet.example/rss", "kind": "atom"},
        ):
            assert client.post("/v1/feeds", json=body).status_code == 422, body
        good = {"name": "Outlet", "url": "https://outlet.example/rss"}
        created = client.post("/v1/feeds", json=good)
        assert created.status_code == 201
        assert client.post("/v1/feeds", json=good).status_code == 409
        assert client.get("/v1/feeds/12345/items").status_code == 404
        # A required setting set to null is a 422 naming it, not a failed write (a 500).
        feed = f"/v1/feeds/{created.json()['id']}"
        for name in ("kind", "interval_minutes", "enabled"):
            refused = client.patch(feed, json={name: None})
            assert refused.status_code == 422, refused.text
            assert f"{name} cannot be null" in refused.json()["detail"]
        cleared = client.patch(feed, json={"language": "pt-BR"}).json()
        assert cleared["language"] == "pt"
        assert client.patch(feed, json={"language": None}).json()["language"] is None


def _settings(database_url: str) -> Settings:
    return Settings(database_url=database_url, _env_file=None)  # type: ignore[call-arg]


@pytest.mark.slow
@pytest.mark.sqlite_only("the in-process runner; PostgreSQL's workers: test_jobs_postgres")
def test_a_runner_killed_mid_article_resumes_it_once_on_restart(
    site: Site, database_url: str, tmp_path: Path
) -> None:
    title, body = fnc_articles(1, skip=5)[0]
    # Slow enough that the runner is surely inside the job when it is killed.
    site.serve("/news/slow", article_page(title, body, "2025-02-03T09:00:00Z"), delay=3.0)
    site.serve("/rss.xml", rss(OUTLET, [(title, site.url("/news/slow"), rfc822(3))]))
    engine = make_engine(database_url)
    try:
        with make_session_factory(engine)() as session:
            create_feed(session, FeedCreate(name=OUTLET, url=site.url("/rss.xml")))
            session.commit()

        def attempts() -> list[tuple[str, int]]:
            with make_session_factory(engine)() as session:
                return [
                    (s, a) for s, a in session.execute(select(FeedItem.status, FeedItem.attempts))
                ]

        with worker_process(_settings(database_url), tmp_path / "killed.log") as doomed:
            wait_until(lambda: attempts() == [("pending", 1)], "the runner to start the article")
            doomed.send_signal(signal.SIGKILL)
            doomed.wait(timeout=30)
        with make_session_factory(engine)() as session:
            assert session.scalar(select(func.count()).select_from(Article)) == 0
        site.serve("/news/slow", article_page(title, body, "2025-02-03T09:00:00Z"))
        with worker_process(
            _settings(database_url), tmp_path / "restarted.log", "--once"
        ) as restarted:
            assert restarted.wait(timeout=300) == 0
        assert attempts() == [("analysed", 2)]
        with make_session_factory(engine)() as session:
            assert session.scalar(select(func.count()).select_from(Article)) == 1
    finally:
        engine.dispose()


def test_a_feed_s_control_characters_never_reach_the_database() -> None:
    from claims_db.sync_models import FeedKind
    from service.monitoring.entries import read_entries

    feed = (
        b"<rss><channel>"
        b"<item><title>Minister&#0; said\x07 it</title><link>https://news.example/a</link></item>"
        b"<item><title>Broken link</title><link>https://news.example/b\x00c</link></item>"
        b"<item><title>  </title><link>https://news.example/c</link></item>"
        b"</channel></rss>"
    )
    entries = read_entries(feed, "https://news.example/rss", FeedKind.RSS)
    # PostgreSQL cannot store a NUL: titles read them as spaces, links holding one are not
    # links, and a blank title is none.
    assert [(e.url, e.title) for e in entries] == [
        ("https://news.example/a", "Minister said it"),
        ("https://news.example/c", None),
    ]
