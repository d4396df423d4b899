"""Errors name their cause (disk full, locked, pool busy); deadlines and the admission gate
decide atomically; /readyz reports whether the service can write."""

from __future__ import annotations

import asyncio
import errno
import sqlite3
from collections.abc import Iterator
from typing import Any

import psycopg
import pytest
from fastapi.testclient import TestClient
from sqlalchemy import exc as sa_exc

from models.pipeline import Pipeline
from service.app import create_app
from service.config import Settings
from service.errors import database_problem
from service.reliability import writes
from service.reliability.admission import AdmissionGate, BusyError
from service.reliability.deadline import Deadline, RequestTimeoutError
from service.runtime import Runtime, build_runtime

ARTICLE = {"text": "Scots were warned not to pray in their own home, a minister said."}


def _wrapped(orig: BaseException) -> sa_exc.DBAPIError:
    """``orig`` as SQLAlchemy raises it from a statement."""
    return sa_exc.OperationalError("INSERT INTO articles ...", {}, orig)


@pytest.mark.parametrize(
    ("error", "code", "status"),
    [
        (_wrapped(sqlite3.OperationalError("database or disk is full")), "disk_full", 507),
        (
            _wrapped(
                psycopg.errors.DiskFull(
                    'could not extend file "base/16384/16385": No space left on device'
                )
            ),
            "disk_full",
            507,
        ),
        (OSError(errno.ENOSPC, "No space left on device"), "disk_full", 507),
        (_wrapped(sqlite3.OperationalError("database is locked")), "database_locked", 503),
        (
            _wrapped(psycopg.errors.LockNotAvailable("canceling statement due to lock timeout")),
            "database_locked",
            503,
        ),
        (
            sa_exc.TimeoutError("QueuePool limit of size 5 overflow 10 reached"),
            "pool_busy",
            503,
        ),
        (
            _wrapped(psycopg.OperationalError("connection refused")),
            "database_unavailable",
            503,
        ),
    ],
)
def test_database_errors_name_their_cause(error: BaseException, code: str, status: int) -> None:
    problem = database_problem(error)
    assert problem is not None
    assert (problem.code, problem.status_code) == (code, status)
    assert problem.headers and problem.headers["Retry-After"].isdigit()


def test_statement_errors_are_not_mistaken_for_a_busy_database() -> None:
    integrity = sa_exc.IntegrityError("INSERT ...", {}, sqlite3.IntegrityError("UNIQUE failed"))
    assert database_problem(integrity) is None
    assert database_problem(OSError(errno.EACCES, "Permission denied")) is None


def test_a_nul_that_reaches_postgresql_is_the_client_s_error_not_a_500() -> None:
    nul = sa_exc.DataError(
        "SELECT ...",
        {},
        psycopg.DataError("PostgreSQL text fields cannot contain NUL (0x00) bytes"),
    )
    problem = database_problem(nul)
    assert problem is not None and (problem.code, problem.status_code) == ("unprocessable", 422)
    assert "NUL" in problem.detail and not problem.headers
    other = sa_exc.DataError("SELECT ...", {}, psycopg.DataError("value too long for type"))
    assert database_problem(other) is None


def test_deadline_commit_and_expiry_exclude_each_other() -> None:
    now = [0.0]
    committed = Deadline(2.0, clock=lambda: now[0])
    committed.check("analysis")
    committed.begin_commit()
    assert committed.expire() is False  # the work's own answer stands
    now[0] = 5.0
    committed.check("late stage")  # a commit under way is never stopped

    expired = Deadline(2.0, clock=lambda: now[0] - 5.0)
    assert expired.expire() is True
    with pytest.raises(RequestTimeoutError) as raised:
        expired.check("store")
    assert raised.value.code == "request_timeout" and "store" in raised.value.detail
    with pytest.raises(RequestTimeoutError):
        expired.begin_commit()

    by_clock = Deadline(1.0, clock=lambda: now[0])  # created at 5.0
    now[0] = 6.5
    with pytest.raises(RequestTimeoutError):
        by_clock.begin_commit()
    assert Deadline(None).remaining() is None and not Deadline(None).expired


def test_admission_gate_bounds_work_and_hands_slots_on() -> None:
    async def scenario() -> None:
        gate = AdmissionGate(limit=2, wait_s=5)
        await gate.admit()
        await gate.admit()
        assert gate.in_flight == 2
        waiting = asyncio.ensure_future(gate.admit())
        await asyncio.sleep(0)
        assert not waiting.done()
        gate.release()  # the slot passes to the waiter
        await asyncio.wait_for(waiting, 5)
        assert gate.in_flight == 2
        gate.release()
        gate.release()
        assert gate.in_flight == 0

        hurried = AdmissionGate(limit=1, wait_s=0.01)
        await hurried.admit()
        with pytest.raises(BusyError) as refused:
            await hurried.admit()
        assert refused.value.code == "busy" and refused.value.headers == {"Retry-After": "1"}
        assert hurried.in_flight == 1 and hurried.refused == 1
        hurried.release()
        await hurried.admit()  # a refused waiter left no trace

    asyncio.run(scenario())


@pytest.fixture
def served(seeded_settings: Settings, pipeline: Pipeline) -> Iterator[tuple[TestClient, Runtime]]:
    runtime = build_runtime(seeded_settings, pipeline=pipeline)
    with TestClient(create_app(runtime=runtime)) as client:
        yield client, runtime
    runtime.engine.dispose()


def test_a_full_disk_is_named_and_readyz_reports_it_until_a_write_succeeds(
    served: tuple[TestClient, Runtime], pipeline: Pipeline, monkeypatch: pytest.MonkeyPatch
) -> None:
    client, _runtime = served

    def no_space(*_args: Any, **_kwargs: Any) -> Any:
        raise _wrapped(sqlite3.OperationalError("database or disk is full"))

    monkeypatch.setattr(pipeline, "analyze", no_space)
    full = client.post("/v1/analyze", json=ARTICLE)
    assert full.status_code == 507, full.text
    assert full.headers["content-type"].startswith("application/problem+json")
    assert full.json()["code"] == "disk_full" and "space" in full.json()["detail"]
    ready = client.get("/readyz")
    assert ready.status_code == 503
    assert any("disk_full" in reason for reason in ready.json()["reasons"])

    monkeypatch.undo()
    assert client.post("/v1/analyze", json={**ARTICLE, "store": True}).status_code == 200
    assert client.get("/readyz").status_code == 200  # a write went through since


def test_a_write_failure_stops_counting_after_its_window(monkeypatch: pytest.MonkeyPatch) -> None:
    now = [100.0]
    health = writes.WriteHealth(clock=lambda: now[0])
    health.failed("database_locked", "locked")
    assert health.recent_failure() is not None
    now[0] += writes.WRITE_FAILURE_WINDOW_S + 1
    assert health.recent_failure() is None


def test_readyz_is_503_when_the_disk_is_nearly_full(
    served: tuple[TestClient, Runtime], monkeypatch: pytest.MonkeyPatch
) -> None:
    client, runtime = served
    if runtime.engine.dialect.name != "sqlite":
        pytest.skip("the free-space check watches the SQLite file's disk")
    assert client.get("/readyz").json()["free_disk_mb"] > 0
    monkeypatch.setattr("service.health.router.free_disk_mb", lambda _path: 12.0)
    ready = client.get("/readyz")
    assert ready.status_code == 503
    assert ready.json()["reasons"] == [
        "12 MB free on the database's disk, under the 100 MB minimum"
    ]


def test_an_os_error_other_than_a_full_disk_stays_a_500(
    served: tuple[TestClient, Runtime], pipeline: Pipeline, monkeypatch: pytest.MonkeyPatch
) -> None:
    client, _runtime = served

    def denied(*_args: Any, **_kwargs: Any) -> Any:
        raise OSError(errno.EACCES, "Permission denied")

    monkeypatch.setattr(pipeline, "analyze", denied)
    quiet = TestClient(client.app, raise_server_exceptions=False)
    response = quiet.post("/v1/analyze", json=ARTICLE)
    assert response.status_code == 500 and response.json()["code"] == "internal"
