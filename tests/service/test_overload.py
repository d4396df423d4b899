"""Time-outs leave no transaction open, overload is shed early, liveness stays apart.

Slow stages are injected (a pipeline or a flush that waits for the test to let it go), so
every time-out and refusal here is forced, not raced against the clock.
"""

from __future__ import annotations

import sqlite3
import threading
import time
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from typing import Any

import anyio.to_thread
import httpx
import pytest
from fastapi.testclient import TestClient
from sqlalchemy import event, func, select, text
from sqlalchemy.engine import make_url
from sqlalchemy.orm import Session

from claims_db.db import make_engine
from claims_db.triage_models import Article
from models.pipeline import Pipeline
from service.app import create_app
from service.config import Settings
from service.reliability.admission import AdmissionGate
from service.runtime import Runtime, build_runtime
from tests.conftest import ON_POSTGRES
from tests.service.triage_helpers import ui_post

ARTICLE = {
    "text": "Scots were warned not to pray in their own home, a minister said.",
    "store": True,
}
ENQUEUE_LOCK_KEY = 7_246_311  # claims_db.triage_repository._ENQUEUE_LOCK_KEY


@contextmanager
def serving(settings: Settings, pipeline: Pipeline) -> Iterator[tuple[TestClient, Runtime]]:
    runtime = build_runtime(settings, pipeline=pipeline)
    try:
        with TestClient(create_app(runtime=runtime)) as client:
            yield client, runtime
    finally:
        runtime.engine.dispose()


def _gate(client: TestClient) -> AdmissionGate:
    gate = client.app.state.admission  # type: ignore[attr-defined]
    assert isinstance(gate, AdmissionGate)
    return gate


def _until(condition: Callable[[], bool], what: str, limit_s: float = 60) -> None:
    """Wait for ``condition`` (a bound on a hang, not an assertion on speed)."""
    give_up = time.monotonic() + limit_s
    while not condition():
        if time.monotonic() > give_up:
            raise AssertionError(f"still waiting for {what}")
        time.sleep(0.01)


def _articles(runtime: Runtime) -> int:
    with runtime.session_factory() as session:
        return session.scalar(select(func.count()).select_from(Article)) or 0


class FlushGate:
    """Makes the first flush of each armed session wait until the test lets it go: the
    analysis has then written (SQLite's write lock, PostgreSQL's rows) but not committed."""

    def __init__(self, runtime: Runtime) -> None:
        self.armed = False
        self.reached = 0
        self.go = threading.Event()
        event.listen(runtime.session_factory, "after_flush", self._after_flush)

    def _after_flush(self, session: Session, _context: Any) -> None:
        if not self.armed or session.info.get("held"):
            return
        session.info["held"] = True
        self.reached += 1
        self.go.wait(60)


def _outside_writer_takes_the_lock(settings: Settings) -> None:
    """Another connection can write at once: no transaction was left holding a lock."""
    url = settings.resolved_database_url
    if make_url(url).get_backend_name() == "sqlite":
        database = make_url(url).database
        assert database
        connection = sqlite3.connect(database, timeout=0.5)
        try:
            connection.execute("BEGIN IMMEDIATE")  # "database is locked" if a writer is stuck
            connection.execute("UPDATE articles SET title = title WHERE id = -1")
            connection.rollback()
        finally:
            connection.close()
        return
    engine = make_engine(url)
    try:
        with engine.connect() as connection:
            connection.execute(text("SET lock_timeout = '500ms'"))
            connection.execute(select(func.pg_advisory_xact_lock(ENQUEUE_LOCK_KEY)))
            stuck = connection.scalar(
                text(
                    "SELECT count(*) FROM pg_stat_activity WHERE datname = current_database()"
                    " AND state LIKE 'idle in transaction%' AND pid <> pg_backend_pid()"
                )
            )
            assert stuck == 0
            connection.rollback()
    finally:
        engine.dispose()


def test_timed_out_stored_analyses_roll_back_and_leave_the_database_writable(
    seeded_settings: Settings, pipeline: Pipeline
) -> None:
    settings = seeded_settings.model_copy(
        update={"request_timeout_s": 2.0, "max_analyses_in_flight": 4}
    )
    with serving(settings, pipeline) as (client, runtime):
        held = FlushGate(runtime)
        before = _articles(runtime)
        for _ in range(3):
            held.armed, held.go = True, threading.Event()
            response = client.post("/v1/analyze", json=ARTICLE)
            assert response.status_code == 503, response.text
            assert response.headers["content-type"].startswith("application/problem+json")
            assert response.json()["code"] == "request_timeout"
            assert response.headers["retry-after"].isdigit()
            held.armed = False
            held.go.set()  # the analysis wakes past its deadline: it must roll back itself
            _until(lambda: _gate(client).in_flight == 0, "the timed-out analysis to end")
        assert held.reached >= 1  # at least one was cut off after writing
        assert _articles(runtime) == before  # nothing of a timed-out analysis was kept
        _outside_writer_takes_the_lock(settings)

        stored = client.post("/v1/analyze", json=ARTICLE)
        assert stored.status_code == 200, stored.text
        assert stored.json()["article"]["id"] is not None
        assert _articles(runtime) == before + 1
        _outside_writer_takes_the_lock(settings)


@contextmanager
def slow_pipeline(pipeline: Pipeline, monkeypatch: pytest.MonkeyPatch) -> Iterator[threading.Event]:
    """``pipeline.analyze`` waits for the yielded event before it runs."""
    go = threading.Event()
    analyze = pipeline.analyze

    def waiting(*args: Any, **kwargs: Any) -> Any:
        go.wait(60)
        return analyze(*args, **kwargs)

    monkeypatch.setattr(pipeline, "analyze", waiting)
    try:
        yield go
    finally:
        go.set()


def test_a_timed_out_analysis_stops_at_its_next_stage(
    seeded_settings: Settings, pipeline: Pipeline, monkeypatch: pytest.MonkeyPatch
) -> None:
    settings = seeded_settings.model_copy(update={"request_timeout_s": 0.5})
    with serving(settings, pipeline) as (client, runtime):
        before = _articles(runtime)
        with slow_pipeline(pipeline, monkeypatch) as go:
            response = client.post("/v1/analyze", json=ARTICLE)
            assert response.status_code == 503 and response.json()["code"] == "request_timeout"
            # Says what happened and what helps when a retry alone never will.
            detail = response.json()["detail"]
            assert "0.5 s limit" in detail and "nothing was stored" in detail
            assert "send a long text in parts" in detail
            go.set()
            _until(lambda: _gate(client).in_flight == 0, "the timed-out analysis to end")
        assert _articles(runtime) == before
        monkeypatch.undo()
        assert client.post("/v1/analyze", json=ARTICLE).status_code == 200


def test_a_timed_out_analyze_form_answers_the_browser_with_a_page(
    seeded_settings: Settings, pipeline: Pipeline, monkeypatch: pytest.MonkeyPatch
) -> None:
    settings = seeded_settings.model_copy(update={"request_timeout_s": 0.5})
    with (
        serving(settings, pipeline) as (client, _runtime),
        slow_pipeline(pipeline, monkeypatch) as go,
    ):
        response = ui_post(
            client,
            "/ui/analyze",
            {"text": ARTICLE["text"]},
            headers={"Accept": "text/html,application/xhtml+xml"},
        )
        go.set()
        _until(lambda: _gate(client).in_flight == 0, "the timed-out analysis to end")
    assert response.status_code == 503
    assert response.headers["content-type"].startswith("text/html")
    assert response.headers["retry-after"].isdigit()
    assert "Request timed out" in response.text and "send a long text in parts" in response.text
    assert "<script" not in response.text


def test_analyses_past_the_bound_are_refused_at_once_with_retry_after(
    seeded_settings: Settings, pipeline: Pipeline, monkeypatch: pytest.MonkeyPatch
) -> None:
    settings = seeded_settings.model_copy(
        update={"max_analyses_in_flight": 1, "admission_wait_s": 0.05}
    )
    with serving(settings, pipeline) as (client, _runtime):
        results: list[httpx.Response] = []
        with slow_pipeline(pipeline, monkeypatch) as go:
            first = threading.Thread(
                target=lambda: results.append(client.post("/v1/analyze", json=ARTICLE))
            )
            first.start()
            _until(lambda: _gate(client).in_flight == 1, "the first analysis to be admitted")
            refused = client.post("/v1/analyze", json=ARTICLE)
            assert refused.status_code == 503, refused.text
            assert refused.headers["content-type"].startswith("application/problem+json")
            assert refused.json()["code"] == "busy"
            assert refused.json()["detail"].startswith("1 analysis is already running")
            assert refused.headers["retry-after"].isdigit()
            # Refused before anything is done with the body: not even parsed.
            unread = client.post(
                "/v1/analyze", content=b"{not json", headers={"content-type": "application/json"}
            )
            assert unread.status_code == 503 and unread.json()["code"] == "busy"
            assert client.get("/healthz").status_code == 200
            go.set()
            first.join(60)
        assert results[0].status_code == 200, results[0].text
        monkeypatch.undo()
        assert _gate(client).in_flight == 0
        # A request admitted but failing before its work starts gives its slot back.
        assert client.post("/v1/analyze", json={"text": ""}).status_code == 422
        malformed = client.post(
            "/v1/analyze", content=b"{not json", headers={"content-type": "application/json"}
        )
        assert malformed.status_code == 400
        assert _gate(client).in_flight == 0
        assert client.post("/v1/analyze", json=ARTICLE).status_code == 200


def test_healthz_answers_while_every_worker_thread_is_taken(
    seeded_settings: Settings, pipeline: Pipeline, monkeypatch: pytest.MonkeyPatch
) -> None:
    with serving(seeded_settings, pipeline) as (client, _runtime):
        portal = client.portal
        assert portal is not None

        def one_thread() -> None:
            anyio.to_thread.current_default_thread_limiter().total_tokens = 1

        portal.call(one_thread)
        with slow_pipeline(pipeline, monkeypatch) as go:
            busy = threading.Thread(target=lambda: client.post("/v1/analyze", json=ARTICLE))
            busy.start()
            _until(lambda: _gate(client).in_flight == 1, "the analysis to take the thread")
            assert client.get("/healthz").json() == {"status": "ok"}
            go.set()
            busy.join(60)


@pytest.mark.sqlite_only("on PostgreSQL an analysis also needs a search connection")
def test_an_exhausted_pool_is_a_busy_503_not_database_unavailable(
    seeded_settings: Settings, pipeline: Pipeline
) -> None:
    settings = seeded_settings.model_copy(
        update={"db_pool_size": 1, "db_max_overflow": 0, "db_pool_timeout_s": 0.05}
    )
    with serving(settings, pipeline) as (client, runtime):
        with runtime.engine.connect():  # the only connection
            response = client.post("/v1/analyze", json=ARTICLE)
        assert response.status_code == 503, response.text
        assert response.json()["code"] == "pool_busy"
        assert response.headers["retry-after"].isdigit()
        assert client.post("/v1/analyze", json=ARTICLE).status_code == 200


def test_pool_settings_reach_the_engine(seeded_settings: Settings, pipeline: Pipeline) -> None:
    settings = seeded_settings.model_copy(
        update={"db_pool_size": 3, "db_max_overflow": 2, "db_pool_timeout_s": 1.5}
    )
    runtime = build_runtime(settings, pipeline=pipeline)
    try:
        pool: Any = runtime.engine.pool
        assert (pool.size(), pool._max_overflow, pool._timeout) == (3, 2, 1.5)
        if ON_POSTGRES:
            with runtime.engine.connect() as connection:
                assert connection.scalar(text("SHOW lock_timeout")) == "10s"
    finally:
        runtime.engine.dispose()


def test_max_analyses_in_flight_defaults_to_the_cores_the_encoders_leave() -> None:
    from models.encoders.runtime import available_cores

    cores = available_cores()
    plain = Settings(_env_file=None, workers=1)  # type: ignore[call-arg]
    assert plain.resolved_max_analyses_in_flight == 1  # its encoder uses every core
    single = Settings(_env_file=None, workers=1, encoder_threads=1)  # type: ignore[call-arg]
    assert single.resolved_max_analyses_in_flight == max(1, cores)
    chosen = Settings(_env_file=None, max_analyses_in_flight=7)  # type: ignore[call-arg]
    assert chosen.resolved_max_analyses_in_flight == 7


@contextmanager
def outside_writer_holding_the_lock(settings: Settings) -> Iterator[None]:
    """Another connection holds the lock a stored analysis needs (SQLite's write lock,
    PostgreSQL's queue lock) until the block ends."""
    url = settings.resolved_database_url
    if make_url(url).get_backend_name() == "sqlite":
        database = make_url(url).database
        assert database
        connection = sqlite3.connect(database, timeout=5)
        try:
            connection.execute("BEGIN IMMEDIATE")
            yield
        finally:
            connection.rollback()
            connection.close()
        return
    engine = make_engine(url)
    try:
        with engine.connect() as holder:
            holder.execute(select(func.pg_advisory_xact_lock(ENQUEUE_LOCK_KEY)))
            yield
            holder.rollback()
    finally:
        engine.dispose()


def test_a_lock_held_past_the_lock_timeout_is_a_database_locked_503(
    seeded_settings: Settings, pipeline: Pipeline
) -> None:
    settings = seeded_settings.model_copy(update={"db_lock_timeout_s": 0.2})
    with serving(settings, pipeline) as (client, _runtime):
        with outside_writer_holding_the_lock(settings):
            locked = client.post("/v1/analyze", json=ARTICLE)
            assert locked.status_code == 503, locked.text
            assert locked.json()["code"] == "database_locked"
            assert locked.headers["retry-after"].isdigit()
            ready = client.get("/readyz")
            assert ready.status_code == 503
            assert any("database_locked" in reason for reason in ready.json()["reasons"])
            # Reading needs no lock: an analysis that stores nothing still answers.
            assert client.post("/v1/analyze", json={**ARTICLE, "store": False}).status_code == 200
        assert client.post("/v1/analyze", json=ARTICLE).status_code == 200
        assert client.get("/readyz").status_code == 200


def test_shutdown_waits_for_a_timed_out_analysis_to_roll_back(
    seeded_settings: Settings, pipeline: Pipeline, monkeypatch: pytest.MonkeyPatch
) -> None:
    settings = seeded_settings.model_copy(update={"request_timeout_s": 0.3})
    with slow_pipeline(pipeline, monkeypatch) as go:
        with serving(settings, pipeline) as (client, runtime):
            before = _articles(runtime)
            gate = _gate(client)
            response = client.post("/v1/analyze", json=ARTICLE)
            assert response.json()["code"] == "request_timeout"
            assert gate.in_flight == 1
            threading.Timer(0.5, go.set).start()  # lets it go while shutdown waits
            # Leaving the block shuts the app down: it must wait for the analysis.
        assert gate.in_flight == 0
    engine = make_engine(settings.resolved_database_url)
    try:
        with engine.connect() as connection:
            stored = connection.scalar(select(func.count()).select_from(Article))
        assert stored == before
    finally:
        engine.dispose()


@pytest.mark.sqlite_only("counts the connections of the SQLite pool")
def test_an_authenticated_analysis_holds_no_connection_while_it_waits(
    seeded_settings: Settings, pipeline: Pipeline, monkeypatch: pytest.MonkeyPatch
) -> None:
    from service.auth.schemas import Role
    from tests.service.triage_helpers import bearer, make_keys, required

    tokens = make_keys(seeded_settings, (Role.SUBMITTER, "sam"))
    with serving(required(seeded_settings), pipeline) as (client, runtime):
        pool: Any = runtime.engine.pool
        with slow_pipeline(pipeline, monkeypatch) as go:
            first = threading.Thread(
                target=lambda: client.post(
                    "/v1/analyze", json=ARTICLE, headers=bearer(tokens["sam"])
                )
            )
            first.start()
            _until(lambda: _gate(client).in_flight == 1, "the analysis to be admitted")
            # Only the analysis's own session may hold a connection (it synced the index
            # before the pipeline); the key lookup's has gone back to the pool.
            assert pool.checkedout() <= 1
            go.set()
            first.join(60)
