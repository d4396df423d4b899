"""Monitoring throughput: a local feed of real articles through ``claimflag worker``.

N article pages are built from FNC-1 bodies (each titled with a headline its body agrees
with or discusses) and served on loopback with an RSS feed listing them. For each
configuration a fresh database holding the real fact-checks (curated seed + datasets, as
``claimflag seed --with-datasets`` builds it) gets the feed, and real ``claimflag worker``
processes poll it and fetch, extract, analyse, store and queue every article. The clock
starts when the feed is added (the workers are already up, their model loaded) and stops
when the last article is analysed. Configurations: one and two workers on PostgreSQL
(procrastinate's queue, a private PostgreSQL 16 + pgvector server), and one in-process
worker on SQLite for reference.

    .venv/bin/python bench/bench_monitoring.py --articles 60

Prints a Markdown table (docs/monitoring.md) and writes bench/results/monitoring.json.
"""

from __future__ import annotations

import argparse
import csv
import html
import os
import shutil
import subprocess
import sys
import tempfile
import threading
import time
from email.utils import format_datetime
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from pathlib import Path
from typing import Any

from _data import DATA_DIR, Timer, environment, real_embeddings, real_factchecks, table, write_json
from bench_pipeline import CachedEmbedder
from sqlalchemy import Engine, text

from claims_db.db import make_engine, make_session_factory
from claims_db.ingest import ingest
from claims_db.local_pg import LocalPostgres
from claims_db.migrate import upgrade
from claims_db.pg_search import vector_index_dropped
from models.embedding import Embedder
from service.monitoring.schemas import FeedCreate
from service.monitoring.service import create_feed

CLAIMFLAG = Path(sys.executable).with_name("claimflag")
OUTLET = "Bench Outlet"


def fnc_articles(count: int) -> list[tuple[str, str]]:
    """(headline, body) pairs from FNC-1: bodies of 400-6000 characters, related headlines."""
    csv.field_size_limit(10_000_000)
    headlines: dict[str, str] = {}
    with (DATA_DIR / "fnc1-stance" / "train_stances.csv").open(encoding="utf-8") as stream:
        for row in csv.DictReader(stream):
            if row["Stance"] in {"agree", "discuss"}:
                headlines.setdefault(row["Body ID"], row["Headline"])
    found = []
    with (DATA_DIR / "fnc1-stance" / "train_bodies.csv").open(encoding="utf-8") as stream:
        for row in csv.DictReader(stream):
            title, body = headlines.get(row["Body ID"]), row["articleBody"].strip()
            if title and 400 <= len(body) <= 6000:
                found.append((title, body))
                if len(found) == count:
                    break
    return found


def page(title: str, body: str) -> bytes:
    paragraphs = "".join(f"<p>{html.escape(p)}</p>" for p in body.split("\n") if p.strip())
    return (
        f"<!doctype html><html><head><title>{html.escape(title)}</title></head><body>"
        f"<nav><a href='/'>Home</a></nav><article><h1>{html.escape(title)}</h1>{paragraphs}"
        f"</article><footer>Bench Outlet</footer></body></html>"
    ).encode()


class Outlet:
    """The articles and their RSS feed on a loopback HTTP server."""

    def __init__(self, articles: list[tuple[str, str]]) -> None:
        pages = {f"/news/{n}": page(t, b) for n, (t, b) in enumerate(articles)}
        self.pages = pages
        outlet = self

        class Handler(BaseHTTPRequestHandler):
            def do_GET(self) -> None:
                body = outlet.pages.get(self.path)
                if body is None:
                    self.send_response(404)
                    self.end_headers()
                    return
                kind = "application/rss+xml" if self.path == "/rss.xml" else "text/html"
                self.send_response(200)
                self.send_header("content-type", f"{kind}; charset=utf-8")
                self.send_header("content-length", str(len(body)))
                self.end_headers()
                self.wfile.write(body)

            def log_message(self, *args: Any) -> None:
                pass

        self.server = ThreadingHTTPServer(("127.0.0.1", 0), Handler)
        self.base = f"http://127.0.0.1:{self.server.server_address[1]}"
        import datetime as dt

        items = "".join(
            f"<item><title>{html.escape(t)}</title><link>{self.base}/news/{n}</link>"
            f"<guid>{self.base}/news/{n}</guid><pubDate>"
            f"{format_datetime(dt.datetime(2025, 1, 1, tzinfo=dt.UTC) + dt.timedelta(hours=n))}"
            f"</pubDate></item>"
            for n, (t, _) in enumerate(articles)
        )
        self.pages["/rss.xml"] = (
            '<?xml version="1.0" encoding="UTF-8"?><rss version="2.0"><channel>'
            f"<title>{OUTLET}</title><link>{self.base}/</link><description>bench</description>"
            f"{items}</channel></rss>"
        ).encode()
        threading.Thread(target=self.server.serve_forever, daemon=True).start()

    def close(self) -> None:
        self.server.shutdown()
        self.server.server_close()


def seed(url: str, items: list[Any], embedder: Any) -> None:
    """Migrate and load the fact-checks (on PostgreSQL as ``claimflag import --bulk`` does)."""
    upgrade(url)
    engine = make_engine(url)
    try:
        with vector_index_dropped(engine, maintenance_work_mem="512MB"):
            ingest(make_session_factory(engine), embedder, items)
    finally:
        engine.dispose()


def _count(engine: Engine, statement: str) -> int:
    with engine.connect() as connection:
        return int(connection.execute(text(statement)).scalar() or 0)


def measure(url: str, outlet: Outlet, articles: int, workers: int, logs: Path) -> dict[str, Any]:
    """Start ``workers`` processes, add the feed, time until every article is analysed."""
    environment_vars = {
        **os.environ,
        "HF_HUB_OFFLINE": "1",
        "TRANSFORMERS_OFFLINE": "1",
        "CLAIMFLAG_DATABASE_URL": url,
        "CLAIMFLAG_FETCH_ALLOW_PRIVATE_ADDRESSES": "true",
        "CLAIMFLAG_JOBS_TICK_SECONDS": "1",
        "CLAIMFLAG_MONITOR_MAX_NEW_ITEMS": str(articles),
        "CLAIMFLAG_LOG_LEVEL": "WARNING",
    }
    engine = make_engine(url)
    postgres = engine.dialect.name == "postgresql"
    processes = [
        subprocess.Popen(
            [str(CLAIMFLAG), "worker"],
            env=environment_vars,
            stdout=(logs / f"worker-{workers}-{n}.log").open("wb"),
            stderr=subprocess.STDOUT,
        )
        for n in range(workers)
    ]
    try:
        if postgres:
            while _count(engine, "SELECT count(*) FROM procrastinate_workers") < workers:
                time.sleep(0.2)
        else:  # the in-process runner has no registry: it says when its model is loaded
            log = logs / f"worker-{workers}-0.log"
            while b"in-process runner" not in log.read_bytes():
                time.sleep(0.2)
        with make_session_factory(engine)() as session, Timer() as clock:
            create_feed(session, FeedCreate(name=OUTLET, url=f"{outlet.base}/rss.xml"))
            session.commit()
            while _count(engine, "SELECT count(*) FROM feed_items WHERE status <> 'pending'") < (
                articles
            ):
                time.sleep(0.2)
        analysed = _count(engine, "SELECT count(*) FROM feed_items WHERE status = 'analysed'")
        sentences = _count(engine, "SELECT coalesce(sum(sentences), 0) FROM feed_items")
    finally:
        for process in processes:
            process.terminate()
        for process in processes:
            process.wait(timeout=60)
        engine.dispose()
    return {
        "database": "PostgreSQL" if postgres else "SQLite",
        "workers": workers,
        "articles": analysed,
        "sentences": sentences,
        "seconds": round(clock.seconds, 1),
        "articles_per_minute": round(analysed / clock.seconds * 60, 1),
        "sentences_per_day": round(sentences / clock.seconds * 86_400),
    }


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__)
    parser.add_argument("--articles", type=int, default=60, help="articles in the feed")
    parser.add_argument(
        "--rounds", type=int, default=2, help="passes over the configurations, alternating order"
    )
    parser.add_argument("--no-sqlite", action="store_true", help="skip the SQLite reference")
    args = parser.parse_args()

    embedder = Embedder()
    items = real_factchecks()
    cached = CachedEmbedder(embedder, [i.claim for i in items], real_embeddings(embedder))
    outlet = Outlet(fnc_articles(args.articles))
    work = Path(tempfile.mkdtemp(prefix="claimflag-bench-monitoring-"))
    server = LocalPostgres().start()
    configurations = [("postgresql", 1), ("postgresql", 2)]
    if not args.no_sqlite:
        configurations.append(("sqlite", 1))
    runs = []
    try:
        seed(server.create_database("monitoring_template"), items, cached)
        sqlite_template = work / "template.db"
        if not args.no_sqlite:
            seed(f"sqlite:///{sqlite_template}", items, cached)
        for round_number in range(args.rounds):
            # Alternate the order so that drifting load on the shared cores evens out.
            order = configurations if round_number % 2 == 0 else configurations[::-1]
            for database, workers in order:
                name = f"monitoring_{round_number}_{workers}"
                if database == "postgresql":
                    url = server.create_database(name, template="monitoring_template")
                else:
                    copy = work / f"{name}.db"
                    shutil.copy(sqlite_template, copy)
                    url = f"sqlite:///{copy}"
                run = measure(url, outlet, args.articles, workers, work)
                run["round"] = round_number + 1
                runs.append(run)
                print(run, flush=True)
                if database == "postgresql":
                    server.drop_database(name)
    finally:
        server.stop()
        outlet.close()
    rows = []
    for database, workers in configurations:
        label = "PostgreSQL" if database == "postgresql" else "SQLite"
        mine = [r for r in runs if r["database"] == label and r["workers"] == workers]
        seconds = sum(r["seconds"] for r in mine) / len(mine)
        sentences = mine[0]["sentences"]
        rows.append(
            [
                label,
                workers,
                mine[0]["articles"],
                sentences,
                " / ".join(str(r["seconds"]) for r in mine),
                " / ".join(str(r["articles_per_minute"]) for r in mine),
                round(mine[0]["articles"] / seconds * 60, 1),
                f"{round(sentences / seconds * 86_400):,}",
            ]
        )
    headers = [
        "database",
        "workers",
        "articles",
        "sentences",
        "seconds (each round)",
        "articles/min (each round)",
        "articles/min (mean time)",
        "sentences/day (mean time)",
    ]
    print(table(headers, rows))
    path = write_json(
        "monitoring",
        {"environment": environment(), "fact_checks": len(items), "runs": runs},
    )
    print(f"written to {path}")
    shutil.rmtree(work, ignore_errors=True)


if __name__ == "__main__":
    main()
