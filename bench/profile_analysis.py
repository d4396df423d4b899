"""Profile one analysis of the seed article against a database, through the service's path.

    .venv/bin/python bench/profile_analysis.py --database /tmp/prof.db [--runs 5] [--html out.html]

The runtime is built as the service builds it (``CLAIMFLAG_*`` settings apply), warmed up
with two analyses, then ``--runs`` analyses (``store: false``) are sampled by pyinstrument.
Prints the time per analysis, the time inside the encoder's ``run`` beside it, and the
functions with the most time of their own (self time, summed over the call tree).
"""

from __future__ import annotations

import argparse
import time
from collections import defaultdict
from pathlib import Path
from typing import Any

from _data import EXAMPLE, table

from service.analysis.schemas import AnalyzeRequest
from service.analysis.service import analyze_article
from service.config import Settings
from service.runtime import Runtime, build_runtime


def analyse(runtime: Runtime, text: str) -> None:
    with runtime.session_factory() as session:
        analyze_article(
            session,
            runtime.pipeline,
            runtime.index,
            AnalyzeRequest(text=text, store=False),
            max_chars=runtime.settings.max_text_chars,
        )


def self_times(frame: Any, totals: dict[str, float]) -> None:
    """Sum each function's own time (its time minus its children's) over the tree."""
    children = frame.children
    own = frame.time - sum(child.time for child in children)
    # pyinstrument keeps a function's own time in a synthetic "[self]" child.
    named = frame.parent if frame.function.startswith("[") and frame.parent else frame
    name = f"{named.function} ({Path(named.file_path_short or '?').name}:{named.line_no})"
    totals[name] += own
    for child in children:
        self_times(child, totals)


def main() -> None:
    from pyinstrument import Profiler

    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--database", type=Path, required=True)
    parser.add_argument("--runs", type=int, default=5)
    parser.add_argument("--top", type=int, default=15)
    parser.add_argument("--html", type=Path, default=None)
    args = parser.parse_args()

    settings = Settings(database_path=args.database)
    runtime = build_runtime(settings)
    text = EXAMPLE.read_text(encoding="utf-8")
    for _ in range(2):
        analyse(runtime, text)
    # The encoder call (tokenise, run, normalise) is timed apart: what is left is the rest.
    embedder = runtime.pipeline.embedder
    spent = [0.0]
    encode = embedder.encode

    def timed_encode(texts: list[str]) -> Any:
        started = time.perf_counter()
        try:
            return encode(texts)
        finally:
            spent[0] += time.perf_counter() - started

    embedder.encode = timed_encode  # type: ignore[method-assign]
    profiler = Profiler(interval=0.001)
    started = time.perf_counter()
    profiler.start()
    for _ in range(args.runs):
        analyse(runtime, text)
    profiler.stop()
    elapsed = (time.perf_counter() - started) / args.runs
    embedder.encode = encode  # type: ignore[method-assign]
    label = getattr(embedder, "label", f"torch {embedder.precision.value}")
    print(
        f"{len(runtime.index):,} fact-checks, encoder {label}: "
        f"{elapsed * 1000:.0f} ms per analysis (profiled), of which the encoder call "
        f"{spent[0] / args.runs * 1000:.0f} ms ({spent[0] / args.runs / elapsed:.0%})"
    )
    totals: dict[str, float] = defaultdict(float)
    root = profiler.last_session.root_frame() if profiler.last_session else None
    if root is not None:
        self_times(root, totals)
    whole = sum(totals.values()) or 1.0
    rows = [
        [name, f"{seconds / args.runs * 1000:.1f}", f"{seconds / whole:.1%}"]
        for name, seconds in sorted(totals.items(), key=lambda item: -item[1])[: args.top]
    ]
    print(table(["function (self time)", "ms per analysis", "share"], rows))
    if args.html:
        args.html.write_text(profiler.output_html(), encoding="utf-8")
    runtime.engine.dispose()


if __name__ == "__main__":
    main()
