"""Load run: concurrent submitters and reviewers against `claimflag serve --workers 2`.

Starts a private service on 127.0.0.1 over a fresh seeded SQLite database, lets
``--submitters`` clients post articles to ``POST /v1/analyze`` and ``--reviewers``
clients work the queue (``POST /v1/queue/next`` then resolve) for ``--duration``
seconds, prints throughput and latency percentiles per operation, then checks the
database: every accepted analysis stored with all its claims, no queue item without an
occurrence, no item handed to two reviewers, no item resolved twice.

    .venv/bin/python -m bench.load --duration 60

With ``--levels 1,4,16,64`` it runs the closed-loop overload run of ``bench.load_levels``
instead (latency, throughput, refusals, /healthz and RSS per level).
"""

from __future__ import annotations

import argparse
import os
import signal
import socket
import sqlite3
import statistics
import subprocess
import sys
import tempfile
import threading
import time
from collections import defaultdict
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from dataclasses import dataclass, field
from pathlib import Path

import httpx

REPO_ROOT = Path(__file__).resolve().parent.parent
EXAMPLE = REPO_ROOT.parent / "shared" / "examples" / "metro-2025-02-17-starmer-paris.txt"
CLAIMFLAG = Path(sys.executable).parent / "claimflag"

# Extra sentences that make each submitted article differ, so claims recur and new ones
# appear (and queue up for the reviewers), as in a newsroom feed.
_SUBJECTS = [
    "bus fares",
    "council tax",
    "private rents",
    "energy bills",
    "NHS waiting lists",
    "knife crime",
    "child poverty",
    "food bank use",
    "rail delays",
    "youth unemployment",
    "house prices",
    "student debt",
    "fuel duty",
    "prison numbers",
    "GP appointments",
    "teacher vacancies",
    "sewage spills",
    "broadband coverage",
    "pension payments",
    "ambulance response times",
    "drug deaths",
    "homelessness",
    "water bills",
    "tuition fees",
]
_PLACES = ["Scotland", "Wales", "London", "the North East", "Northern Ireland", "Yorkshire"]


def _variant(seed: int) -> str:
    """A check-worthy statistical claim; the same subject recurs with other places/numbers."""
    subject = _SUBJECTS[seed % len(_SUBJECTS)]
    place = _PLACES[(seed // len(_SUBJECTS)) % len(_PLACES)]
    return (
        f"The Office for National Statistics said {subject} in {place} reached "
        f"{seed % 90 + 5},000 in {2015 + seed % 10}."
    )


@dataclass
class Results:
    """What the clients saw, shared across their threads."""

    latencies: dict[str, list[float]] = field(default_factory=lambda: defaultdict(list))
    statuses: dict[str, dict[int | str, int]] = field(
        default_factory=lambda: defaultdict(lambda: defaultdict(int))
    )
    accepted: dict[int, int] = field(default_factory=dict)  # article id -> claims returned
    handed_out: list[tuple[int, str]] = field(default_factory=list)  # (item id, reviewer)
    resolved: list[int] = field(default_factory=list)
    lock: threading.Lock = field(default_factory=threading.Lock)

    def record(self, operation: str, seconds: float, status: int | str) -> None:
        with self.lock:
            self.latencies[operation].append(seconds)
            self.statuses[operation][status] += 1


@dataclass(frozen=True)
class Integrity:
    """The database checks after a run; ``ok`` when every check passed."""

    sqlite_integrity: str
    accepted: int
    missing_articles: int
    claim_count_mismatches: int
    orphaned_items: int
    double_handed: int
    resolved_twice: int
    unresolved_taken: int

    @property
    def ok(self) -> bool:
        return self.sqlite_integrity == "ok" and not any(
            (
                self.missing_articles,
                self.claim_count_mismatches,
                self.orphaned_items,
                self.double_handed,
                self.resolved_twice,
                self.unresolved_taken,
            )
        )


def _free_port() -> int:
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        return int(probe.getsockname()[1])


def _cli(env: dict[str, str], *args: str) -> str:
    done = subprocess.run(
        [str(CLAIMFLAG), *args], env=env, capture_output=True, text=True, timeout=600
    )
    if done.returncode != 0:
        raise RuntimeError(f"claimflag {' '.join(args)} failed: {done.stderr[-2000:]}")
    return done.stdout


def _tokens(database: Path, role: str, names: list[str]) -> dict[str, str]:
    """Create API keys directly in the database (one process start instead of one each)."""
    from claims_db.db import make_engine, make_session_factory
    from service.auth.schemas import Role
    from service.auth.service import create_key

    engine = make_engine(f"sqlite:///{database}")
    with make_session_factory(engine)() as session:
        tokens = {name: create_key(session, name, Role(role), actor="bench")[1] for name in names}
        session.commit()
    engine.dispose()
    return tokens


def _percentile(values: list[float], q: float) -> float:
    if len(values) == 1:
        return values[0]
    return statistics.quantiles(values, n=100, method="inclusive")[int(q) - 1]


# An analysis refused at admission (503 busy / pool_busy): load shed, not an error.
REFUSED = "refused"
REFUSAL_CODES = frozenset({"busy", "pool_busy"})


def is_refusal(response: httpx.Response) -> bool:
    """A 503 saying the server is busy (with Retry-After): a refusal, not a failure."""
    if response.status_code != 503 or "retry-after" not in response.headers:
        return False
    try:
        return response.json().get("code") in REFUSAL_CODES
    except ValueError:
        return False


def _submitter(base: str, token: str, number: int, results: Results, stop: threading.Event) -> None:
    article = EXAMPLE.read_text(encoding="utf-8")
    headers = {"Authorization": f"Bearer {token}"}
    n = 0
    with httpx.Client(base_url=base, headers=headers, timeout=120) as client:
        while not stop.is_set():
            n += 1
            extra = " ".join(_variant(number * 101 + n * 7 + i) for i in range(3))
            started = time.perf_counter()
            try:
                response = client.post("/v1/analyze", json={"text": f"{article}\n\n{extra}"})
            except httpx.HTTPError as exc:
                results.record("analyze", time.perf_counter() - started, type(exc).__name__)
                continue
            status: int | str = response.status_code
            if is_refusal(response):
                status = REFUSED
            results.record("analyze", time.perf_counter() - started, status)
            if response.status_code == 200:
                body = response.json()
                with results.lock:
                    results.accepted[body["article"]["id"]] = len(body["claims"])


def _reviewer(base: str, token: str, name: str, results: Results, stop: threading.Event) -> None:
    headers = {"Authorization": f"Bearer {token}"}
    with httpx.Client(base_url=base, headers=headers, timeout=120) as client:
        while not stop.is_set():
            started = time.perf_counter()
            try:
                taken = client.post("/v1/queue/next")
            except httpx.HTTPError as exc:
                results.record("queue/next", time.perf_counter() - started, type(exc).__name__)
                continue
            results.record("queue/next", time.perf_counter() - started, taken.status_code)
            if taken.status_code == 204:
                stop.wait(0.2)  # nothing open yet
                continue
            if taken.status_code != 200:
                continue
            item_id = taken.json()["id"]
            with results.lock:
                results.handed_out.append((item_id, name))
            started = time.perf_counter()
            try:
                resolved = client.post(
                    f"/v1/queue/items/{item_id}/resolve",
                    json={"resolution": "not_check_worthy", "note": "load run"},
                )
            except httpx.HTTPError as exc:
                results.record("resolve", time.perf_counter() - started, type(exc).__name__)
                continue
            results.record("resolve", time.perf_counter() - started, resolved.status_code)
            if resolved.status_code == 200:
                with results.lock:
                    results.resolved.append(item_id)


def stored_claim_counts(connection: sqlite3.Connection) -> dict[int, int]:
    """Claims stored per stored article."""
    return dict(
        connection.execute(
            "SELECT a.id, count(c.id) FROM articles a "
            "LEFT JOIN article_claims c ON c.article_id = a.id GROUP BY a.id"
        ).fetchall()
    )


def orphaned_queue_items(connection: sqlite3.Connection) -> int:
    """Queue items that no stored claim points at."""
    count: int = connection.execute(
        "SELECT count(*) FROM queue_items q WHERE NOT EXISTS "
        "(SELECT 1 FROM article_claims c WHERE c.queue_item_id = q.id)"
    ).fetchone()[0]
    return count


def check_integrity(database: Path, results: Results) -> Integrity:
    """Compare what the clients were told with what the database holds."""
    with sqlite3.connect(database, timeout=30) as connection:
        sqlite_integrity = connection.execute("PRAGMA integrity_check").fetchone()[0]
        stored = stored_claim_counts(connection)
        orphaned = orphaned_queue_items(connection)
        statuses = dict(connection.execute("SELECT id, status FROM queue_items").fetchall())
    missing = [a for a in results.accepted if a not in stored]
    mismatched = [a for a, n in results.accepted.items() if a in stored and stored[a] != n]
    handed = [item for item, _ in results.handed_out]
    unresolved_taken = [i for i in set(results.resolved) if statuses.get(i) != "resolved"]
    return Integrity(
        sqlite_integrity=str(sqlite_integrity),
        accepted=len(results.accepted),
        missing_articles=len(missing),
        claim_count_mismatches=len(mismatched),
        orphaned_items=int(orphaned),
        double_handed=len(handed) - len(set(handed)),
        resolved_twice=len(results.resolved) - len(set(results.resolved)),
        unresolved_taken=len(unresolved_taken),
    )


@contextmanager
def serve(
    env: dict[str, str], workers: int, directory: Path
) -> Iterator[tuple[str, subprocess.Popen[bytes]]]:
    """``claimflag serve`` on a free loopback port until ready; yields (base URL, process).
    Stopped with SIGTERM (in-flight work finishes) at the end."""
    port = _free_port()
    base = f"http://127.0.0.1:{port}"
    server_log = (directory / "serve.log").open("wb")
    server = subprocess.Popen(
        [
            str(CLAIMFLAG),
            "serve",
            "--host",
            "127.0.0.1",
            "--port",
            str(port),
            "--workers",
            str(workers),
        ],
        env=env,
        stdout=server_log,
        stderr=server_log,
    )
    try:
        deadline = time.monotonic() + 300
        # Each worker loads its model on its own: one ready answer may come from one worker
        # while another still answers 503. Ready when many fresh connections in a row
        # (the kernel spreads them over the workers) all say so.
        in_a_row = 0
        while in_a_row < (1 if workers == 1 else 10 * workers):
            try:
                ready = httpx.get(f"{base}/readyz", timeout=2).status_code == 200
            except httpx.HTTPError:
                ready = False
            in_a_row = in_a_row + 1 if ready else 0
            if time.monotonic() > deadline or server.poll() is not None:
                raise RuntimeError(f"service did not become ready; see {directory / 'serve.log'}")
            if not ready:
                time.sleep(0.5)
        yield base, server
    finally:
        server.send_signal(signal.SIGTERM)
        try:
            server.wait(60)
        except subprocess.TimeoutExpired:
            server.kill()
            server.wait(30)
        server_log.close()


def run_load(
    duration_s: float,
    *,
    submitters: int = 4,
    reviewers: int = 2,
    workers: int = 2,
    directory: Path | None = None,
    log: Callable[[str], None] = print,
) -> tuple[Results, Integrity, float]:
    """Run the service and the clients; returns what they saw, the checks, and elapsed s."""
    directory = directory or Path(tempfile.mkdtemp(prefix="claimflag-load-"))
    database = directory / "load.db"
    env = {
        **os.environ,
        "HF_HUB_OFFLINE": "1",
        "TRANSFORMERS_OFFLINE": "1",
        "CLAIMFLAG_DATABASE_PATH": str(database),
        "CLAIMFLAG_AUTH": "required",
        "CLAIMFLAG_LOG_LEVEL": "WARNING",
        # The load run measures capacity; rate limits are exercised by the tests.
        "CLAIMFLAG_RATE_LIMIT_PER_MINUTE": "1000000",
    }
    _cli(env, "db", "upgrade")
    _cli(env, "seed")
    tokens = _tokens(database, "submitter", [f"load-submitter-{i}" for i in range(submitters)])
    review_tokens = _tokens(database, "reviewer", [f"load-reviewer-{i}" for i in range(reviewers)])
    results = Results()
    with serve(env, workers, directory) as (base, _server):
        log(f"service ready on {base} with {workers} workers; running {duration_s:g} s")
        stop = threading.Event()
        threads = [
            threading.Thread(target=_submitter, args=(base, token, i, results, stop))
            for i, token in enumerate(tokens.values())
        ] + [
            threading.Thread(target=_reviewer, args=(base, token, name, results, stop))
            for name, token in review_tokens.items()
        ]
        started = time.monotonic()
        for thread in threads:
            thread.start()
        time.sleep(duration_s)
        stop.set()
        for thread in threads:
            thread.join(180)
        elapsed = time.monotonic() - started
    return results, check_integrity(database, results), elapsed


def errors(results: Results) -> int:
    """Responses that were neither success, an expected empty queue (204), nor an analysis
    refused at admission (503 busy: the server shedding load, as it should)."""
    return sum(
        count
        for counts in results.statuses.values()
        for status, count in counts.items()
        if status != REFUSED and not (isinstance(status, int) and (200 <= status < 300))
    )


def report(results: Results, integrity: Integrity, elapsed: float) -> str:
    """The results as a Markdown table plus the integrity checks."""
    lines = [
        "| operation | requests | errors | req/s | p50 ms | p95 ms | p99 ms |",
        "|---|---:|---:|---:|---:|---:|---:|",
    ]
    for operation, values in sorted(results.latencies.items()):
        bad = sum(
            c
            for s, c in results.statuses[operation].items()
            if s != REFUSED and not (isinstance(s, int) and s < 300)
        )
        ms = [v * 1000 for v in values]
        lines.append(
            f"| {operation} | {len(values)} | {bad} | {len(values) / elapsed:.1f} | "
            f"{_percentile(ms, 50):.0f} | {_percentile(ms, 95):.0f} | {_percentile(ms, 99):.0f} |"
        )
    statuses = {op: dict(counts) for op, counts in results.statuses.items()}
    lines += [
        "",
        f"elapsed {elapsed:.1f} s; statuses {statuses}",
        f"integrity: sqlite {integrity.sqlite_integrity}; {integrity.accepted} accepted analyses, "
        f"{integrity.missing_articles} missing, {integrity.claim_count_mismatches} with claims "
        f"missing; {integrity.orphaned_items} orphaned queue items; {integrity.double_handed} "
        f"items handed out twice; {integrity.resolved_twice} resolved twice; "
        f"{integrity.unresolved_taken} resolves not stored -> {'OK' if integrity.ok else 'FAILED'}",
    ]
    return "\n".join(lines)


def main() -> int:
    if "--levels" in sys.argv[1:] or any(a.startswith("--levels=") for a in sys.argv[1:]):
        from bench.load_levels import main as levels_main

        return levels_main()
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--duration", type=float, default=60.0, help="seconds of load (60)")
    parser.add_argument("--submitters", type=int, default=4, help="article-posting clients (4)")
    parser.add_argument("--reviewers", type=int, default=2, help="queue-working clients (2)")
    parser.add_argument("--workers", type=int, default=2, help="service worker processes (2)")
    args = parser.parse_args()
    results, integrity, elapsed = run_load(
        args.duration, submitters=args.submitters, reviewers=args.reviewers, workers=args.workers
    )
    print(report(results, integrity, elapsed))
    return 0 if integrity.ok and errors(results) == 0 else 1


if __name__ == "__main__":
    raise SystemExit(main())
