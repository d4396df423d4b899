"""Latency of claim matching over the embedding pass, at CheckThat! size and at 30k+ fact-checks.

Run ``python bench/bench_matching.py [--data-dir ../shared/data]``. The index is the
production ``FactCheckIndex`` loaded with real fact-check texts: the 14,231 CheckThat!
verified claims, then the Snopes, PolitiFact and AVeriTeC statements from
``../shared/data`` on top (embeddings cached under ``.cache/``). Queries are the
CheckThat! dev tweets, matched in article-sized batches as ``Pipeline.analyze`` does.
"""

from __future__ import annotations

import argparse
import csv
import json
import time
from collections.abc import Callable, Iterator
from pathlib import Path

import numpy as np

from claims_db.search import FactCheckIndex
from evaluation.matching import load_checkthat
from models.embedding import Embedder
from models.matching import FactCheckRecord
from models.retrieval import Matcher, clean_query
from models.verdicts import Verdict
from training.data import cached_encode

BATCH = 40  # units (sentences and spans) in a typical article


def _extra_claims(data_dir: Path) -> Iterator[str]:
    root = data_dir / "factchecks"
    with (root / "snopes-2020/snopes_factchecks.jsonl").open(encoding="utf-8") as handle:
        for line in handle:
            item = json.loads(line)
            if item.get("statement") or item.get("title"):
                yield str(item.get("statement") or item.get("title"))
    with (root / "politifact-2021-2024/politifact_claims_dedup.jsonl").open(encoding="utf-8") as f:
        for line in f:
            yield str(json.loads(line)["statement_text"])
    with (root / "politifact-2023-2026/politifact_data.csv").open(encoding="utf-8") as handle:
        for row in csv.DictReader(handle):
            yield row["statement"]
    with (root / "averitec-dev/dev_slim.jsonl").open(encoding="utf-8") as handle:
        for line in handle:
            yield str(json.loads(line)["claim"])


def _ms_per_claim(function: Callable[[], object], claims: int, repeats: int = 3) -> float:
    best = float("inf")
    for _ in range(repeats):
        start = time.perf_counter()
        function()
        best = min(best, time.perf_counter() - start)
    return best * 1000 / claims


def main() -> None:
    """Print a table of per-claim latencies by index size."""
    parser = argparse.ArgumentParser(description=__doc__)
    parser.add_argument("--data-dir", type=Path, default=Path("../shared/data"))
    parser.add_argument("--queries", type=int, default=200)
    args = parser.parse_args()
    embedder = Embedder()
    data = load_checkthat(args.data_dir, "dev")
    base_texts = [r.claim for r in data.records]
    extra_texts = [t for t in _extra_claims(args.data_dir) if t.strip()]
    base_vectors = cached_encode(embedder, base_texts, "vclaims")
    extra_vectors = cached_encode(embedder, extra_texts, "bench-extra")
    queries = [clean_query(q) for q in data.queries][: args.queries]
    query_vectors = cached_encode(embedder, queries, "queries-clean-bench")
    matcher = Matcher()
    batches = [
        (queries[i : i + BATCH], query_vectors[i : i + BATCH])
        for i in range(0, len(queries), BATCH)
    ]

    def embed() -> None:
        for texts, _ in batches:
            embedder.encode(texts)

    embed_ms = _ms_per_claim(embed, len(queries), repeats=1)
    print(
        f"\n{len(queries)} CheckThat! dev queries in batches of {BATCH}, "
        f"{embedder.precision.value} encoder; ms per claim (best of 3)\n"
    )
    print("| fact-checks | embedding | dense | BM25 | fused + re-ranked (all stages) |")
    print("|---|---|---|---|---|")
    texts = base_texts + extra_texts
    vectors = np.concatenate([base_vectors, extra_vectors])
    for size in (len(base_texts), len(texts)):
        records = [
            FactCheckRecord(i, texts[i], "False", Verdict.FALSE, "bench", f"https://b/{i}")
            for i in range(size)
        ]
        index = FactCheckIndex(embedder.model_name, embedder.dimension)
        index.load(records, np.arange(size, dtype=np.int64), vectors[:size])

        def dense(index: FactCheckIndex = index) -> None:
            for _, vecs in batches:
                index.nearest(vecs, k=matcher.settings.dense_depth)

        def lexical(index: FactCheckIndex = index) -> None:
            for texts_, _ in batches:
                index.lexical(texts_, k=matcher.settings.lexical_depth)

        def full(index: FactCheckIndex = index) -> None:
            for texts_, vecs in batches:
                matcher.rank(texts_, vecs, index)

        n = len(queries)
        print(
            f"| {size:,} | {embed_ms:.2f} | {_ms_per_claim(dense, n):.2f} | "
            f"{_ms_per_claim(lexical, n):.2f} | {_ms_per_claim(full, n):.2f} |"
        )


if __name__ == "__main__":
    main()
