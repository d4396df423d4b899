"""Import, embedding and search timings for the fact-check database; prints tables.

    .venv/bin/python bench/bench_import.py --records 2000
    .venv/bin/python bench/bench_import.py --search-db var/claimflag.db --queries 50

Parsing is timed per feed format on generated feeds; the full import (upsert + embed +
commit per batch) on a fresh SQLite file; searches on an existing database (e.g. the one
``claimflag seed --with-datasets`` built), with queries taken from its own claims.
Numbers depend on the CPU and on its load.
"""

from __future__ import annotations

import argparse
import csv
import json
import statistics
import tempfile
import time
import tracemalloc
from pathlib import Path

from rich.console import Console
from rich.table import Table

from claims_db.db import make_engine, make_session_factory
from claims_db.importers.feeds import FeedFormat, read_feed
from claims_db.ingest import ingest
from claims_db.migrate import upgrade
from claims_db.repository import FactCheckFilter, FactCheckRepository
from claims_db.search import FactCheckIndex
from models.embedding import Embedder
from models.retrieval import Matcher

console = Console()
WORDS = [
    "minister",
    "council",
    "budget",
    "vaccine",
    "border",
    "tariff",
    "election",
    "flood",
    "bridge",
    "school",
]


def _claim(number: int) -> str:
    picked = [WORDS[(number * 7 + k) % len(WORDS)] for k in range(6)]
    return f"Claim {number}: the {' and the '.join(picked)} figures were doubled last year."


def _review(number: int) -> dict[str, object]:
    return {
        "@type": "ClaimReview",
        "url": f"https://factdesk.example/review/{number}/",
        "claimReviewed": _claim(number),
        "datePublished": "2024-05-01",
        "author": {"@type": "Organization", "name": "Example Fact Desk"},
        "reviewRating": {"@type": "Rating", "alternateName": "Mostly False"},
        "itemReviewed": {"@type": "Claim", "author": {"@type": "Person", "name": "A speaker"}},
    }


def write_feeds(directory: Path, count: int) -> dict[FeedFormat, Path]:
    """One generated feed of ``count`` records per format."""
    paths = {
        FeedFormat.CLAIMREVIEW: directory / "feed.jsonld",
        FeedFormat.GOOGLE: directory / "google.json",
        FeedFormat.JSONL: directory / "feed.jsonl",
        FeedFormat.CSV: directory / "feed.csv",
    }
    with paths[FeedFormat.CLAIMREVIEW].open("w") as out:
        out.write('{"@context": "https://schema.org", "@graph": [')
        out.write(",".join(json.dumps(_review(n)) for n in range(count)))
        out.write("]}")
    with paths[FeedFormat.GOOGLE].open("w") as out:
        claims = [
            {
                "text": _claim(n),
                "claimReview": [
                    {
                        "publisher": {"name": "Example Fact Desk", "site": "factdesk.example"},
                        "url": f"https://factdesk.example/review/{n}/",
                        "reviewDate": "2024-05-01T00:00:00Z",
                        "textualRating": "False",
                        "languageCode": "en",
                    }
                ],
            }
            for n in range(count)
        ]
        json.dump({"claims": claims}, out)
    with paths[FeedFormat.JSONL].open("w") as out:
        for n in range(count):
            out.write(json.dumps(_review(n)) + "\n")
    with paths[FeedFormat.CSV].open("w", newline="") as out:
        writer = csv.writer(out)
        writer.writerow(["claim", "rating", "url", "publisher", "review_date"])
        for n in range(count):
            writer.writerow(
                [_claim(n), "False", f"https://f.example/{n}/", "Example", "2024-05-01"]
            )
    return paths


def bench_parsing(paths: dict[FeedFormat, Path], count: int) -> None:
    table = Table(title=f"parsing {count:,} records (no database)")
    for column in ("format", "file MiB", "records/s", "peak traced MiB"):
        table.add_column(column, justify="right")
    for feed_format, path in paths.items():
        started = time.perf_counter()
        with path.open("rb") as stream:
            parsed = sum(1 for _ in read_feed(stream, feed_format))
        elapsed = time.perf_counter() - started
        tracemalloc.start()
        with path.open("rb") as stream:
            for _ in read_feed(stream, feed_format):
                pass
        peak = tracemalloc.get_traced_memory()[1]
        tracemalloc.stop()
        assert parsed == count
        table.add_row(
            feed_format.value,
            f"{path.stat().st_size / 2**20:.1f}",
            f"{count / elapsed:,.0f}",
            f"{peak / 2**20:.2f}",
        )
    console.print(table)


def bench_import(path: Path, count: int, embedder: Embedder, directory: Path) -> None:
    url = f"sqlite:///{directory / 'bench.db'}"
    upgrade(url)
    engine = make_engine(url)
    session_factory = make_session_factory(engine)
    texts = [_claim(n) for n in range(min(count, 512))]
    started = time.perf_counter()
    embedder.encode(texts)
    embed_rate = len(texts) / (time.perf_counter() - started)
    with path.open("rb") as stream:
        started = time.perf_counter()
        summary = ingest(session_factory, embedder, read_feed(stream))
        first = time.perf_counter() - started
    with path.open("rb") as stream:
        started = time.perf_counter()
        again = ingest(session_factory, embedder, read_feed(stream))
        second = time.perf_counter() - started
    engine.dispose()
    table = Table(title=f"importing {count:,} ClaimReview records into SQLite")
    for column in ("step", "seconds", "records/s"):
        table.add_column(column, justify="right")
    table.add_row(f"embedding only ({embedder.precision.value})", "", f"{embed_rate:,.0f}")
    table.add_row(
        f"first import ({summary.inserted:,} inserted)", f"{first:.1f}", f"{count / first:,.0f}"
    )
    table.add_row(
        f"re-import ({again.unchanged:,} unchanged)", f"{second:.1f}", f"{count / second:,.0f}"
    )
    console.print(table)


def bench_search(database: Path, embedder: Embedder, queries: int) -> None:
    engine = make_engine(f"sqlite:///{database.resolve()}")
    session_factory = make_session_factory(engine)
    index = FactCheckIndex(embedder.model_name, embedder.dimension)
    started = time.perf_counter()
    with session_factory() as session:
        index.sync(session)
    load = time.perf_counter() - started
    matcher = Matcher()
    matcher.rank(["warm up"], embedder.encode(["warm up"]), index, limit=10, keep_all=True)
    with session_factory() as session:
        texts = [
            row.claim
            for row in FactCheckRepository(session).page(
                FactCheckFilter(), after_id=0, limit=queries * 50
            )
        ][::50]
    embed_ms, dense_ms, matcher_ms = [], [], []
    for text in texts:
        started = time.perf_counter()
        vectors = embedder.encode([text])
        embedded = time.perf_counter()
        index.nearest(vectors, k=10)
        dense = time.perf_counter()
        matcher.rank([text], vectors, index, limit=10, keep_all=True)
        embed_ms.append((embedded - started) * 1000)
        dense_ms.append((dense - embedded) * 1000)
        matcher_ms.append((time.perf_counter() - dense) * 1000)
    engine.dispose()
    table = Table(title=f"search over {len(index):,} fact-checks ({len(texts)} queries)")
    for column in ("step", "median ms", "p95 ms"):
        table.add_column(column, justify="right")
    table.add_row("index load from database", f"{load * 1000:,.0f}", "")
    steps = (
        ("embed query", embed_ms),
        ("dense top-10 only", dense_ms),
        ("matcher: dense + BM25 + re-rank, top 10", matcher_ms),
    )
    for name, values in steps:
        ordered = sorted(values)
        p95 = ordered[min(len(ordered) - 1, int(len(ordered) * 0.95))]
        table.add_row(name, f"{statistics.median(values):.1f}", f"{p95:.1f}")
    console.print(table)


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    parser.add_argument("--records", type=int, default=1000, help="records per generated feed")
    parser.add_argument("--search-db", type=Path, help="SQLite file to time searches on")
    parser.add_argument("--queries", type=int, default=50)
    parser.add_argument("--skip-import", action="store_true", help="only parse and search")
    args = parser.parse_args()
    embedder = Embedder()
    with tempfile.TemporaryDirectory() as name:
        directory = Path(name)
        paths = write_feeds(directory, args.records)
        bench_parsing(paths, args.records)
        if not args.skip_import:
            bench_import(paths[FeedFormat.CLAIMREVIEW], args.records, embedder, directory)
    if args.search_db:
        bench_search(args.search_db, embedder, args.queries)


if __name__ == "__main__":
    main()
