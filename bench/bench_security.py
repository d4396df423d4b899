"""Hostile inputs of the security review, timed through the HTTP API on local defaults.

    .venv/bin/python bench/bench_security.py

Starts the app in-process (the packaged model, a fresh seeded SQLite file) and times the
answers to deeply nested import JSON, a cross-site text/plain import, a foreign Host and
an oversized HTML page, with /healthz timed right after each; then the depth scan's
throughput on an ordinary ClaimReview feed. Numbers depend on the CPU and on its load.
"""

from __future__ import annotations

import io
import json
import tempfile
import time
from pathlib import Path

from fastapi.testclient import TestClient
from rich.console import Console
from rich.table import Table

from claims_db.importers.nesting import check_stream_depth
from service.app import create_app
from service.cli.factchecks import seed
from service.config import Settings, get_settings
from service.runtime import build_runtime

console = Console()


def _timed(call: object) -> tuple[float, int]:
    start = time.perf_counter()
    response = call()  # type: ignore[operator]
    return time.perf_counter() - start, response.status_code


def main() -> None:
    with tempfile.TemporaryDirectory() as directory:
        import os

        os.environ["CLAIMFLAG_DATABASE_PATH"] = str(Path(directory) / "bench.db")
        get_settings.cache_clear()
        from claims_db.migrate import upgrade

        settings = Settings(_env_file=None)  # type: ignore[call-arg]
        upgrade(settings.resolved_database_url)
        seed(with_datasets=False, if_empty=True)
        runtime = build_runtime(settings)
        cases = {
            "import: 200 KB of [ (was 23 GB, killed)": (
                "post",
                "/v1/factchecks/import",
                {"content": b"[" * 200_000, "headers": {"content-type": "application/json"}},
            ),
            "import: 4 MB, valid feed + deep tail": (
                "post",
                "/v1/factchecks/import",
                {
                    "content": b'{"@graph": [], "x": ' + b"[" * 4_000_000 + b"]" * 10 + b"}",
                    "headers": {"content-type": "application/ld+json"},
                },
            ),
            "import: 64 MB of [": (
                "post",
                "/v1/factchecks/import",
                {"content": b"[" * 64_000_000, "headers": {"content-type": "application/json"}},
            ),
            "cross-site text/plain import": (
                "post",
                "/v1/factchecks/import",
                {
                    "content": b"[]",
                    "headers": {
                        "content-type": "text/plain",
                        "origin": "https://evil.example",
                        "sec-fetch-site": "cross-site",
                    },
                },
            ),
            "Host: attacker.example creating a key": (
                "post",
                "/v1/keys",
                {"json": {"name": "x", "role": "admin"}, "headers": {"host": "attacker.example"}},
            ),
            "html of 3.5 MB (was 34 s in extraction)": (
                "post",
                "/v1/analyze",
                {"json": {"html": "<p>" + "The bridge reopened. " * 170_000 + "</p>"}},
            ),
        }
        table = Table(title="Hostile requests (in-process app, local defaults)")
        for column in ("request", "status", "answered in", "/healthz after"):
            table.add_column(column)
        with TestClient(create_app(runtime=runtime)) as client:
            for name, (method, path, kwargs) in cases.items():
                seconds, status = _timed(
                    lambda m=method, p=path, k=kwargs: getattr(client, m)(p, **k)
                )
                health, _ = _timed(lambda: client.get("/healthz"))
                table.add_row(name, str(status), f"{seconds:.3f} s", f"{health * 1000:.1f} ms")
        console.print(table)
        runtime.engine.dispose()

    reviews = [
        {
            "@type": "ClaimReview",
            "url": f"https://factdesk.example/{n}/",
            "claimReviewed": f"Claim {n} said the [budget] doubled {{twice}}.",
            "reviewRating": {"@type": "Rating", "alternateName": "False"},
            "author": {"@type": "Organization", "name": "Fact Desk"},
        }
        for n in range(200_000)
    ]
    feed = json.dumps({"@graph": reviews}).encode()
    start = time.perf_counter()
    check_stream_depth(io.BytesIO(feed))
    seconds = time.perf_counter() - start
    scan = Table(title="Depth scan of an ordinary feed")
    for column in ("feed", "scan", "throughput"):
        scan.add_column(column)
    scan.add_row(
        f"{len(feed) / 1e6:.0f} MB ClaimReview",
        f"{seconds:.2f} s",
        f"{len(feed) / 1e6 / seconds:.0f} MB/s",
    )
    console.print(scan)


if __name__ == "__main__":
    main()
