"""What claimant attribution (the spaCy parse) adds to finding the claims of an article.

Run ``python bench/bench_attribution.py [--repeats 20]``. Times ``claim_units`` on the
Metro example with the parser and without it (patterns only), and one whole
``Pipeline.analyze`` against an empty fact-check source for scale; medians printed as a
table, with how many sentences the parser read.
"""

from __future__ import annotations

import argparse
import statistics
import time
from collections.abc import Callable
from pathlib import Path

from evaluation.newsclaims import NoFactChecks
from models.attribution import Attributor, needs_parse
from models.checkworthiness import load_scorer
from models.embedding import Embedder
from models.pipeline import Pipeline, claim_units
from models.segmentation import SegmentKind, segment

EXAMPLE = (
    Path(__file__).resolve().parent.parent.parent
    / "shared"
    / "examples"
    / "metro-2025-02-17-starmer-paris.txt"
)


def _median_ms(run: Callable[[], object], repeats: int) -> float:
    run()
    times = []
    for _ in range(repeats):
        started = time.perf_counter()
        run()
        times.append((time.perf_counter() - started) * 1000)
    return statistics.median(times)


def main() -> None:
    """Print the table."""
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--repeats", type=int, default=20)
    args = parser.parse_args()
    text = EXAMPLE.read_text(encoding="utf-8")
    sentences = [s for s in segment(text) if s.kind is SegmentKind.SENTENCE]
    parsed = sum(needs_parse(s.text) for s in sentences)
    with_parser, without = Attributor(), Attributor(parse=False)
    embedder, scorer = Embedder(), load_scorer()
    pipeline = Pipeline(embedder, scorer, attributor=with_parser)
    patterns_only = Pipeline(embedder, scorer, attributor=without)
    source = NoFactChecks()
    rows = [
        (name, _median_ms(run, args.repeats))
        for name, run in [
            ("claim_units, patterns only", lambda: claim_units(text, without)),
            ("claim_units, with the parse", lambda: claim_units(text, with_parser)),
            ("Pipeline.analyze, patterns only", lambda: patterns_only.analyze(text, source)),
            ("Pipeline.analyze, with the parse", lambda: pipeline.analyze(text, source)),
        ]
    ]
    print(f"Metro example: {len(sentences)} prose sentences, {parsed} parsed\n")
    print("| step | median ms |")
    print("|---|---:|")
    for name, ms in rows:
        print(f"| {name} | {ms:.1f} |")


if __name__ == "__main__":
    main()
