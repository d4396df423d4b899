"""Overload run: closed-loop clients at rising concurrency against one service.

Starts ``claimflag serve`` over a fresh seeded SQLite database (or uses ``--url``), then
for each level of ``--levels`` runs that many clients for ``--duration`` seconds, each
posting a stored analysis (``POST /v1/analyze``, the example article plus three varying
claims) as soon as its previous one is answered. A client refused with 503 ``busy`` waits
the ``Retry-After`` it was given before its next try (``--ignore-retry-after``: at once).
Meanwhile a separate thread probes ``/healthz`` every 0.5 s and another samples the
server's RSS (all its processes). Ends with one client again, to show the service
recovered. Prints, per level: served analyses and articles/s, latency percentiles of the
served ones, refusals and their median latency, other failures, the slowest /healthz and
the peak RSS.

    .venv/bin/python -m bench.load --levels 1,4,16,64 --duration 60
"""

from __future__ import annotations

import argparse
import asyncio
import os
import statistics
import tempfile
import threading
import time
from dataclasses import dataclass, field
from pathlib import Path

import httpx
import psutil

from bench.load import EXAMPLE, _cli, _variant, is_refusal, serve

HEALTH_PROBE_INTERVAL_S = 0.5
HEALTH_PROBE_TIMEOUT_S = 10.0
RSS_SAMPLE_INTERVAL_S = 0.25


@dataclass
class Level:
    """What the clients of one level saw."""

    clients: int
    duration_s: float
    served: list[float] = field(default_factory=list)  # latencies of 200s in the window
    refused: list[float] = field(default_factory=list)  # latencies of 503 busy / pool_busy
    failures: dict[str, int] = field(default_factory=dict)  # other outcomes by kind
    retry_after_missing: int = 0
    health: list[float] = field(default_factory=list)
    health_failures: int = 0
    rss_peak_mib: float | None = None

    def fail(self, kind: str) -> None:
        self.failures[kind] = self.failures.get(kind, 0) + 1

    @property
    def articles_per_s(self) -> float:
        return len(self.served) / self.duration_s


def _percentile(values: list[float], q: int) -> float | None:
    if not values:
        return None
    if len(values) == 1:
        return values[0]
    return statistics.quantiles(values, n=100, method="inclusive")[q - 1]


def _seconds(value: float | None) -> str:
    return "-" if value is None else f"{value:.2f}"


def _rss_mib(pid: int) -> float | None:
    try:
        process = psutil.Process(pid)
        processes = [process, *process.children(recursive=True)]
        return sum(p.memory_info().rss for p in processes) / (1024 * 1024)
    except psutil.Error:
        return None


class Watchers:
    """The /healthz prober and the RSS sampler, on threads of their own."""

    def __init__(self, base: str, pid: int | None) -> None:
        self.base = base
        self.pid = pid
        self.level: Level | None = None
        self._stop = threading.Event()
        self._threads = [
            threading.Thread(target=self._probe, daemon=True),
            threading.Thread(target=self._sample, daemon=True),
        ]

    def __enter__(self) -> Watchers:
        for thread in self._threads:
            thread.start()
        return self

    def __exit__(self, *_exc: object) -> None:
        self._stop.set()
        for thread in self._threads:
            thread.join(HEALTH_PROBE_TIMEOUT_S + 5)

    def _probe(self) -> None:
        with httpx.Client(timeout=HEALTH_PROBE_TIMEOUT_S) as client:
            while not self._stop.wait(HEALTH_PROBE_INTERVAL_S):
                level = self.level
                started = time.perf_counter()
                try:
                    ok = client.get(f"{self.base}/healthz").status_code == 200
                except httpx.HTTPError:
                    ok = False
                if level is None:
                    continue
                level.health.append(time.perf_counter() - started)
                if not ok:
                    level.health_failures += 1

    def _sample(self) -> None:
        while self.pid is not None and not self._stop.wait(RSS_SAMPLE_INTERVAL_S):
            level = self.level
            rss = _rss_mib(self.pid)
            if level is None or rss is None:
                continue
            level.rss_peak_mib = max(level.rss_peak_mib or 0.0, rss)


async def _client(
    http: httpx.AsyncClient,
    number: int,
    level: Level,
    window_end: float,
    *,
    store: bool,
    honour_retry_after: bool,
) -> None:
    article = EXAMPLE.read_text(encoding="utf-8")
    n = 0
    while time.monotonic() < window_end:
        n += 1
        extra = " ".join(_variant(number * 101 + n * 7 + i) for i in range(3))
        body = {"text": f"{article}\n\n{extra}", "store": store}
        started = time.monotonic()
        try:
            response = await http.post("/v1/analyze", json=body)
        except httpx.TimeoutException:
            level.fail("client time-out")
            continue
        except httpx.HTTPError as exc:
            level.fail(type(exc).__name__)
            continue
        ended = time.monotonic()
        if response.status_code == 200:
            if ended <= window_end:
                level.served.append(ended - started)
            continue
        if is_refusal(response):
            level.refused.append(ended - started)
            if honour_retry_after:
                wait = min(float(response.headers["retry-after"]), 5.0)
                await asyncio.sleep(min(wait, max(0.0, window_end - time.monotonic())))
            continue
        try:
            code = response.json().get("code", "")
        except ValueError:
            code = ""
        level.fail(f"{response.status_code} {code}".strip())
        if response.status_code == 503 and "retry-after" not in response.headers:
            level.retry_after_missing += 1


async def run_level(
    base: str,
    clients: int,
    duration_s: float,
    *,
    client_timeout_s: float,
    store: bool,
    honour_retry_after: bool,
    watchers: Watchers,
) -> Level:
    level = Level(clients, duration_s)
    limits = httpx.Limits(max_connections=clients, max_keepalive_connections=clients)
    async with httpx.AsyncClient(base_url=base, timeout=client_timeout_s, limits=limits) as http:
        watchers.level = level
        window_end = time.monotonic() + duration_s
        await asyncio.gather(
            *(
                _client(
                    http,
                    number,
                    level,
                    window_end,
                    store=store,
                    honour_retry_after=honour_retry_after,
                )
                for number in range(clients)
            )
        )
        watchers.level = None
    return level


HEADER = (
    "| clients | served | articles/s | p50 s | p95 s | p99 s | refused | refusal p50 s |"
    " other failures | /healthz max s | RSS peak MiB |"
)
RULE = "|---:|---:|---:|---:|---:|---:|---:|---:|---|---:|---:|"


def row(level: Level, label: str | None = None) -> str:
    failures = ", ".join(f"{k}: {v}" for k, v in sorted(level.failures.items())) or "0"
    if level.health_failures:
        failures += f"; /healthz failed {level.health_failures}"
    rss = "-" if level.rss_peak_mib is None else f"{level.rss_peak_mib:.0f}"
    return (
        f"| {label or level.clients} | {len(level.served)} | {level.articles_per_s:.2f} |"
        f" {_seconds(_percentile(level.served, 50))} | {_seconds(_percentile(level.served, 95))} |"
        f" {_seconds(_percentile(level.served, 99))} | {len(level.refused)} |"
        f" {_seconds(_percentile(level.refused, 50))} | {failures} |"
        f" {_seconds(max(level.health, default=None))} | {rss} |"
    )


def _prepare(directory: Path, args: argparse.Namespace) -> dict[str, str]:
    env = {
        **os.environ,
        "HF_HUB_OFFLINE": "1",
        "TRANSFORMERS_OFFLINE": "1",
        "CLAIMFLAG_DATABASE_PATH": str(directory / "load.db"),
        "CLAIMFLAG_AUTH": "off",
        "CLAIMFLAG_LOG_LEVEL": "WARNING",
        "CLAIMFLAG_RATE_LIMIT_PER_MINUTE": "0",
    }
    _cli(env, "db", "upgrade")
    _cli(env, "seed")
    return env


async def _run_levels(base: str, pid: int | None, args: argparse.Namespace) -> list[str]:
    rows: list[str] = []
    print(HEADER, RULE, sep="\n")
    with Watchers(base, pid) as watchers:
        runs = [(n, args.duration, None) for n in args.levels]
        if args.after > 0:
            runs.append((1, args.after, "1 (after)"))
        for clients, duration, label in runs:
            level = await run_level(
                base,
                clients,
                duration,
                client_timeout_s=args.client_timeout,
                store=not args.no_store,
                honour_retry_after=not args.ignore_retry_after,
                watchers=watchers,
            )
            rows.append(row(level, label))
            print(rows[-1])
            print(
                f"  ({clients} clients: {len(level.served)} served, {len(level.refused)} refused,"
                f" failures {level.failures or 'none'}, {len(level.health)} /healthz probes,"
                f" 503s without Retry-After {level.retry_after_missing})",
                flush=True,
            )
            await asyncio.sleep(args.pause)
    return rows


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument(
        "--levels",
        type=lambda s: [int(x) for x in s.split(",") if x.strip()],
        default=[1, 4, 16, 64],
        help="concurrent clients per level (1,4,16,64)",
    )
    parser.add_argument("--duration", type=float, default=60.0, help="seconds per level (60)")
    parser.add_argument(
        "--after", type=float, default=10.0, help="seconds of one client at the end (10; 0: no)"
    )
    parser.add_argument("--pause", type=float, default=3.0, help="seconds between levels (3)")
    parser.add_argument("--workers", type=int, default=1, help="service worker processes (1)")
    parser.add_argument("--url", help="an already running service (no server is started)")
    parser.add_argument("--pid", type=int, help="with --url: the server's pid, for RSS")
    parser.add_argument(
        "--client-timeout", type=float, default=30.0, help="client time-out in seconds (30)"
    )
    parser.add_argument("--no-store", action="store_true", help="analyse with store: false")
    parser.add_argument("--ignore-retry-after", action="store_true", help="retry refusals at once")
    args = parser.parse_args()
    started = time.monotonic()
    if args.url:
        rows = asyncio.run(_run_levels(args.url.rstrip("/"), args.pid, args))
    else:
        directory = Path(tempfile.mkdtemp(prefix="claimflag-levels-"))
        env = _prepare(directory, args)
        with serve(env, args.workers, directory) as (base, server):
            print(f"service on {base}, {args.workers} worker(s); log {directory / 'serve.log'}")
            rows = asyncio.run(_run_levels(base, server.pid, args))
    print()
    print(HEADER)
    print(RULE)
    print("\n".join(rows))
    print(f"\n{len(rows)} runs in {time.monotonic() - started:.0f} s")
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
