"""Exact search against HNSW: build time, query time and recall@10 by index size.

Sets the exact→HNSW switch (``CLAIMFLAG_ANN_THRESHOLD``) and checks recall at 1M.

    .venv/bin/python bench/bench_ann.py --sizes 10000 30000 100000 1000000

Prints Markdown tables and writes bench/results/ann.json.
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
    table,
    write_json,
)

from models.ann import (
    DEFAULT_HNSW_EF_CONSTRUCTION,
    DEFAULT_HNSW_M,
    ExactIndex,
    HnswIndex,
    scaled_ef_search,
)
from models.embedding import Embedder

BATCH = 40  # queries per article of 40 sentences


def _median_seconds(function: object, repeats: int) -> float:
    times = []
    for _ in range(repeats):
        with Timer() as timer:
            function()  # type: ignore[operator]
        times.append(timer.seconds)
    return statistics.median(times)


def _recall(found: np.ndarray, truth: np.ndarray) -> float:
    k = truth.shape[1]
    return float(np.mean([len(set(a) & set(b)) / k for a, b in zip(found, truth, strict=True)]))


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__)
    parser.add_argument("--sizes", type=int, nargs="+", default=[10_000, 30_000, 100_000])
    parser.add_argument(
        "--ef",
        type=int,
        nargs="+",
        default=[96, 256, 512],
        help="beam widths to try; the default for each size (scaled_ef_search) is added",
    )
    parser.add_argument("--m", type=int, default=DEFAULT_HNSW_M)
    parser.add_argument("--ef-construction", type=int, default=DEFAULT_HNSW_EF_CONSTRUCTION)
    parser.add_argument("--queries", type=int, default=200)
    parser.add_argument("--output", default="ann", help="results file under bench/results")
    args = parser.parse_args()

    embedder = Embedder()
    real = real_embeddings(embedder)
    sentences = query_sentences(args.queries)
    queries = embedder.encode(sentences)
    encode_40 = _median_seconds(lambda: embedder.encode(sentences[:BATCH]), 5)
    batch = queries[:BATCH]

    rows: list[dict[str, object]] = []
    for size in args.sizes:
        if size <= len(real):
            vectors = real[:size]
        else:
            vectors = np.concatenate([real, filler_vectors(real, size - len(real), seed=size)])
        ids = np.arange(size, dtype=np.int64)
        exact = ExactIndex(vectors.shape[1])
        exact.upsert(ids, vectors)
        truth, _ = exact.search(queries, 10)
        exact_40 = _median_seconds(lambda index=exact: index.search(batch, 10), 5)
        del exact
        hnsw = HnswIndex(vectors.shape[1], m=args.m, ef_construction=args.ef_construction)
        with Timer() as build:
            hnsw.upsert(ids, vectors)
        del vectors
        default_ef = scaled_ef_search(size)
        for ef in sorted({*args.ef, default_ef}):
            hnsw.ef_search = ef
            found, _ = hnsw.search(queries, 10)
            rows.append(
                {
                    "size": size,
                    "exact_40_ms": round(exact_40 * 1000, 1),
                    "hnsw_build_s": round(build.seconds, 1),
                    "ef_search": ef,
                    "default": ef == default_ef,
                    "hnsw_40_ms": round(
                        _median_seconds(lambda index=hnsw: index.search(batch, 10), 5) * 1000, 1
                    ),
                    "recall_at_10": round(_recall(found, truth), 4),
                }
            )
            print(rows[-1], flush=True)
        del hnsw

    print(f"\nencode of {BATCH} sentences: {encode_40 * 1000:.0f} ms ({embedder.precision.value})")
    headers = ["fact-checks", "exact, 40 queries (ms)", "HNSW build (s)", "ef_search", "default"]
    headers += ["HNSW, 40 queries (ms)", "recall@10"]
    print(table(headers, [list(row.values()) for row in rows]))
    path = write_json(
        args.output,
        {
            "environment": environment(),
            "parameters": {"m": args.m, "ef_construction": args.ef_construction},
            "encode_40_ms": round(encode_40 * 1000, 1),
            "peak_rss_mb": round(peak_rss_mb()),
            "rows": rows,
        },
    )
    print(f"peak memory {peak_rss_mb():.0f} MiB; results in {path}")


if __name__ == "__main__":
    main()
