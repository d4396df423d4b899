"""Latency of the fact-check search (``GET /v1/factchecks/search`` runs ``Pipeline.search``)
with the first stage alone and with the cross-encoder reading the first N candidates.

    PYTHONPATH=. .venv/bin/python bench/bench_search.py [--data-dir ../shared/data] [--queries 80]

The index is the full database (``claimflag seed --with-datasets`` plus the CheckThat!
2022 verified claims, built under ``.cache/eval/`` on first use, as the evaluations use
it); queries are CheckThat! 2022 2A dev tweets, one search each, 10 results. Every depth
searches every query once per round, the depths taking turns, so all see the same machine
load. Prints a Markdown table of milliseconds per search; writes bench/results/search.json.
"""

from __future__ import annotations

import argparse
import statistics
import time
from pathlib import Path

from _data import environment, table, write_json

from evaluation.matching import load_checkthat
from models.checkworthiness import load_scorer
from models.embedding import Embedder
from models.pipeline import Pipeline
from models.reranking import SEARCH_RERANK_DEPTH, load_cross_reranker
from models.retrieval import Matcher
from training.data import DEFAULT_DATA_DIR, full_index


def main() -> None:
    """Print search latency per cross-encoder depth."""
    parser = argparse.ArgumentParser(description=__doc__)
    parser.add_argument("--data-dir", type=Path, default=DEFAULT_DATA_DIR)
    parser.add_argument("--queries", type=int, default=80)
    parser.add_argument("--rounds", type=int, default=2)
    parser.add_argument(
        "--depths", type=int, nargs="+", default=[0, 4, 6, SEARCH_RERANK_DEPTH], help="0: none"
    )
    args = parser.parse_args()
    embedder = Embedder()
    index = full_index(embedder, args.data_dir)
    queries = load_checkthat(args.data_dir, "dev").queries[: args.queries]
    scorer = load_scorer()
    reranker = load_cross_reranker() if any(args.depths) else None
    pipelines = {
        depth: Pipeline(
            embedder,
            scorer,
            search_matcher=Matcher(cross=reranker.at_depth(depth) if reranker else None),
        )
        for depth in args.depths
    }
    for pipeline in pipelines.values():  # warm up: first encodes, ONNX sessions
        pipeline.search(queries[0], index, limit=10)
    times: dict[int, list[float]] = {depth: [] for depth in args.depths}
    for _ in range(args.rounds):
        for depth, pipeline in pipelines.items():
            for query in queries:
                start = time.perf_counter()
                pipeline.search(query, index, limit=10)
                times[depth].append((time.perf_counter() - start) * 1000)
    rows = []
    for depth, measured in times.items():
        ordered = sorted(measured)
        rows.append(
            [
                depth or "none (first stage alone)",
                f"{statistics.median(ordered):.1f}",
                f"{ordered[int(0.9 * (len(ordered) - 1))]:.1f}",
                len(ordered),
            ]
        )
    print(table(["cross-encoder candidates", "p50 ms", "p90 ms", "searches"], rows))
    path = write_json(
        "search",
        {
            "environment": environment(),
            "fact_checks": len(index),
            "queries": len(queries),
            "rounds": args.rounds,
            "ms": {str(depth): measured for depth, measured in times.items()},
        },
    )
    print(f"\nwrote {path}")


if __name__ == "__main__":
    main()
