"""Queue duplicate detection: cost per queued claim against N open items.

Before: every claim stacked all candidate vectors again. After: one matrix per article,
grown in place (service.triage.queueing._DedupIndex). Prints a table; asserts nothing.

    python bench/bench_dedup.py
"""

from __future__ import annotations

import time
from types import SimpleNamespace
from typing import Any

import numpy as np

from service.triage.queueing import _DedupIndex

CLAIMS_PER_ARTICLE = 20


def _items(count: int, rng: np.random.Generator) -> list[Any]:
    vectors = rng.standard_normal((count, 384)).astype(np.float32)
    vectors /= np.linalg.norm(vectors, axis=1, keepdims=True)
    return [SimpleNamespace(vector=v) for v in vectors]


def main() -> None:
    rng = np.random.default_rng(0)
    print(f"{'open items':>10} | {'restack ms/claim':>16} | {'incremental ms/claim':>20}")
    for count in (1_000, 5_000, 20_000):
        items = _items(count, rng)
        claims = _items(CLAIMS_PER_ARTICLE, rng)
        start = time.perf_counter()
        for claim in claims:
            similarities = np.stack([c.vector for c in items]) @ claim.vector
            int(np.argmax(similarities))
        restack = (time.perf_counter() - start) / len(claims) * 1000
        start = time.perf_counter()
        index = _DedupIndex(items)  # type: ignore[arg-type]
        for claim in claims:
            index.nearest(claim.vector)
            index.add(claim)  # worst case: every claim becomes a new item
        incremental = (time.perf_counter() - start) / len(claims) * 1000
        print(f"{count:>10,} | {restack:>16.2f} | {incremental:>20.2f}")


if __name__ == "__main__":
    main()
