"""The procrastinate job runner with real ``claimflag worker`` processes on PostgreSQL.

Two workers share the queue and each job runs exactly once; a worker killed with SIGKILL
in the middle of storing an analysis leaves no article behind, and its job is retried by
the other worker once the dead one's heartbeat is stale.
"""

from __future__ import annotations

import re
import signal
from collections.abc import Iterator
from pathlib import Path

import psycopg
import pytest
from sqlalchemy import Engine, func, select, text

from claims_db.db import make_engine, make_session_factory
from claims_db.sync_models import FeedItem
from claims_db.triage_models import Article
from claims_db.triage_repository import _ENQUEUE_LOCK_KEY
from service.config import Settings
from service.jobs.queue import ANALYSE_ITEM, conninfo
from service.monitoring.schemas import FeedCreate
from service.monitoring.service import create_feed
from tests.service.sync_helpers import (
    Site,
    article_page,
    fnc_articles,
    local_site,
    rfc822,
    rss,
    wait_until,
    worker_process,
)

pytestmark = [
    pytest.mark.postgresql_only("procrastinate's queue lives in PostgreSQL"),
    pytest.mark.slow,
]

OUTLET = "Queue Outlet"


@pytest.fixture
def site() -> Iterator[Site]:
    with local_site() as served:
        yield served


def _scalar(engine: Engine, statement: str, **parameters: object) -> int:
    with engine.connect() as connection:
        return int(connection.execute(text(statement), parameters).scalar() or 0)


def _serve_feed(site: Site, count: int) -> None:
    listed = []
    for n, (title, body) in enumerate(fnc_articles(count, skip=10)):
        path = f"/news/{n}"
        site.serve(path, article_page(title, body, f"2025-02-{10 + n:02d}T08:00:00Z"))
        listed.append((title, site.url(path), rfc822(10 + n)))
    site.serve("/rss.xml", rss(OUTLET, listed), content_type="application/rss+xml")


def _add_feed(engine: Engine, site: Site) -> None:
    with make_session_factory(engine)() as session:
        create_feed(session, FeedCreate(name=OUTLET, url=site.url("/rss.xml")))
        session.commit()


def _ready_workers(engine: Engine) -> int:
    return _scalar(engine, "SELECT count(*) FROM procrastinate_workers")


def _items(engine: Engine) -> list[tuple[str, int, int | None]]:
    with make_session_factory(engine)() as session:
        rows = session.execute(
            select(FeedItem.status, FeedItem.attempts, FeedItem.article_id).order_by(FeedItem.id)
        )
        return [(status, attempts, article) for status, attempts, article in rows]


def _analysed(engine: Engine) -> int:
    return sum(status == "analysed" for status, _, _ in _items(engine))


def test_two_workers_run_each_job_exactly_once(
    site: Site, seeded_settings: Settings, tmp_path: Path
) -> None:
    count = 6
    _serve_feed(site, count)
    engine = make_engine(seeded_settings.resolved_database_url)
    logs = [tmp_path / "worker-a.log", tmp_path / "worker-b.log"]
    try:
        with (
            worker_process(seeded_settings, logs[0]),
            worker_process(seeded_settings, logs[1]),
        ):
            wait_until(lambda: _ready_workers(engine) == 2, "both workers to start")
            _add_feed(engine, site)  # due at once: the next tick queues its poll
            wait_until(lambda: _analysed(engine) == count, "every article analysed")
        jobs = _scalar(
            engine, "SELECT count(*) FROM procrastinate_jobs WHERE task_name = :t", t=ANALYSE_ITEM
        )
        not_succeeded = _scalar(
            engine,
            "SELECT count(*) FROM procrastinate_jobs WHERE status <> 'succeeded'"
            " AND task_name <> 'claimflag.tick'",
        )
        started_twice = _scalar(
            engine,
            "SELECT count(*) FROM (SELECT job_id FROM procrastinate_events"
            " WHERE type = 'started' GROUP BY job_id HAVING count(*) > 1) twice",
        )
        with make_session_factory(engine)() as session:
            articles = session.scalar(select(func.count()).select_from(Article))
            seeded = session.scalar(
                select(func.count()).select_from(Article).where(Article.publisher != OUTLET)
            )
    finally:
        engine.dispose()
    assert (jobs, not_succeeded, started_twice) == (count, 0, 0)
    assert [(status, attempts) for status, attempts, _ in _items_after(seeded_settings)] == [
        ("analysed", 1)
    ] * count
    assert articles == count and seeded == 0
    started = [
        re.findall(r"claimflag\.analyse_item\[(\d+)\]\(item_id=\d+\)", log.read_text())
        for log in logs
    ]
    runs = [job for found in started for job in set(found)]
    assert sorted(runs) == sorted(set(runs)) and len(runs) == count, started
    assert all(started), f"both workers took jobs: {started}"


def _items_after(settings: Settings) -> list[tuple[str, int, int | None]]:
    engine = make_engine(settings.resolved_database_url)
    try:
        return _items(engine)
    finally:
        engine.dispose()


def test_a_worker_killed_mid_job_leaves_no_article_and_the_job_is_retried(
    site: Site, seeded_settings: Settings, tmp_path: Path
) -> None:
    _serve_feed(site, 1)
    engine = make_engine(seeded_settings.resolved_database_url)
    url = conninfo(seeded_settings.resolved_database_url)
    try:
        with psycopg.connect(url, autocommit=True) as blocker:
            # Held here, the queueing lock makes the worker wait inside the transaction that
            # has just inserted the article: that is where it is killed.
            blocker.execute("SELECT pg_advisory_lock(%s)", (_ENQUEUE_LOCK_KEY,))
            with worker_process(seeded_settings, tmp_path / "killed.log") as doomed:
                wait_until(lambda: _ready_workers(engine) == 1, "the worker to start")
                _add_feed(engine, site)
                wait_until(
                    lambda: (
                        _scalar(
                            engine,
                            "SELECT count(*) FROM pg_locks WHERE locktype = 'advisory'"
                            " AND NOT granted",
                        )
                        == 1
                    ),
                    "the worker to block while storing the analysis",
                )
                doomed.send_signal(signal.SIGKILL)
                doomed.wait(timeout=30)
            blocker.execute("SELECT pg_advisory_unlock(%s)", (_ENQUEUE_LOCK_KEY,))
        assert _items(engine) == [("pending", 1, None)]
        assert _scalar(engine, "SELECT count(*) FROM articles") == 0
        job_status = "SELECT status::text FROM procrastinate_jobs WHERE task_name = :t"
        with engine.connect() as connection:
            assert connection.execute(text(job_status), {"t": ANALYSE_ITEM}).scalars().all() == [
                "doing"
            ]

        with worker_process(seeded_settings, tmp_path / "survivor.log"):
            wait_until(lambda: _analysed(engine) == 1, "the retried job to finish")
        [(status, attempts, article_id)] = _items(engine)
        assert (status, attempts) == ("analysed", 2)
        assert _scalar(engine, "SELECT count(*) FROM articles") == 1
        assert _scalar(engine, "SELECT count(*) FROM articles WHERE id = :a", a=article_id) == 1
        with engine.connect() as connection:
            assert connection.execute(text(job_status), {"t": ANALYSE_ITEM}).scalars().all() == [
                "succeeded"
            ]
        assert (
            _scalar(
                engine,
                "SELECT count(*) FROM procrastinate_events e JOIN procrastinate_jobs j"
                " ON j.id = e.job_id WHERE j.task_name = :t AND e.type = 'started'",
                t=ANALYSE_ITEM,
            )
            == 2
        )
    finally:
        engine.dispose()
