"""pgvector HNSW on PostgreSQL: latency of one article's search and recall@10 against exact.

Loads the real fact-checks' cached embeddings plus synthetic filler into a private
PostgreSQL (binary COPY, HNSW built after the load), then times ``PgFactCheckSource.nearest``
for a 40-sentence batch at several ``hnsw.ef_search`` values and compares its top 10 with
exact search over the same vectors.

    .venv/bin/python bench/bench_pg_search.py --sizes 100000

Prints a Markdown table and writes bench/results/pg_search.json.
"""

from __future__ import annotations

import argparse
import statistics

import numpy as np
from _data import (
    Timer,
    environment,
    filler_vectors,
    peak_rss_mb,
    query_sentences,
    real_embeddings,
    real_factchecks,
    table,
    write_json,
)
from bench_pipeline import add_filler_postgres

from claims_db.db import make_engine, make_session_factory
from claims_db.local_pg import LocalPostgres
from claims_db.migrate import upgrade
from claims_db.pg_search import (
    HNSW_EF_CONSTRUCTION,
    HNSW_M,
    PgFactCheckSource,
    hnsw_index_ddl,
)
from models.embedding import Embedder


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__)
    parser.add_argument("--sizes", type=int, nargs="+", default=[100_000])
    parser.add_argument(
        "--ef",
        type=int,
        nargs="+",
        default=[40, 100, 200],
        help="beam widths to try; the service's default for each size is added",
    )
    parser.add_argument("--queries", type=int, default=200)
    parser.add_argument("--m", type=int, default=HNSW_M, help="graph degree (migration: 32)")
    parser.add_argument(
        "--ef-construction", type=int, default=HNSW_EF_CONSTRUCTION, help="build beam"
    )
    parser.add_argument("--output", default="pg_search", help="results file under bench/results")
    args = parser.parse_args()

    embedder = Embedder()
    real = real_embeddings(embedder)
    claims = [item.claim for item in real_factchecks()]
    sentences = query_sentences(args.queries)
    queries = embedder.encode(sentences)
    encode_40 = []
    for _ in range(5):
        with Timer() as timer:
            embedder.encode(sentences[:40])
        encode_40.append(timer.seconds)

    rows = []
    with LocalPostgres(settings={"shared_buffers": "1GB"}) as server:
        for size in args.sizes:
            name = f"search_{size}"
            url = server.create_database(name)
            upgrade(url)
            ddl = hnsw_index_ddl(args.m, args.ef_construction)
            build = add_filler_postgres(url, real, claims, 1, size, index_ddl=ddl)
            # The same vectors, for exact search: filler ids 1..size, no real rows here.
            vectors = np.concatenate(
                [
                    filler_vectors(real, min(50_000, size - start + 1), seed=start)
                    for start in range(1, size + 1, 50_000)
                ]
            )
            truth = np.argsort(-(queries @ vectors.T), axis=1)[:, :10] + 1
            engine = make_engine(url)
            source = PgFactCheckSource(make_session_factory(engine), embedder.model_name)
            default_ef = source.beam()  # scaled with the table, as the service runs it
            for ef in sorted({*args.ef, default_ef}):
                source.ef_search = ef
                found = source.nearest(queries, k=10)
                recall = np.mean(
                    [
                        len({c.fact_check.id for c in hits} & set(row.tolist())) / 10
                        for hits, row in zip(found, truth, strict=True)
                    ]
                )
                times = []
                for start in range(0, 200, 40):
                    with Timer() as timer:
                        source.nearest(queries[start : start + 40], k=5)
                    times.append(timer.seconds)
                rows.append(
                    {
                        "size": size,
                        "m": args.m,
                        "ef_construction": args.ef_construction,
                        "hnsw_build_s": round(build, 1),
                        "ef_search": f"{ef} (default)" if ef == default_ef else ef,
                        "search_40_ms": round(statistics.median(times) * 1000, 1),
                        "recall_at_10": round(float(recall), 4),
                    }
                )
                print(rows[-1], flush=True)
            engine.dispose()
            server.drop_database(name)

    encode_ms = round(statistics.median(encode_40) * 1000, 1)
    print(f"\nraw encode of 40 sentences: {encode_ms} ms ({embedder.precision.value})")
    print(
        table(
            [
                "fact-checks",
                "m",
                "ef_construction",
                "HNSW build (s)",
                "ef_search",
                "search, 40 queries (ms)",
                "recall@10",
            ],
            [list(row.values()) for row in rows],
        )
    )
    path = write_json(
        args.output,
        {
            "environment": environment(),
            "encode_40_ms": encode_ms,
            "peak_rss_mb": round(peak_rss_mb()),
            "rows": rows,
        },
    )
    print(f"results in {path}")


if __name__ == "__main__":
    main()
