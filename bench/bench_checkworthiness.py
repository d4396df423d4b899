"""How much check-worthiness scoring adds to the embedding pass for a 40-sentence article.

Run ``python bench/bench_checkworthiness.py [--repeats 20]``. The article is the first 40
prose sentences (and the claim spans inside them) of the Metro example, cycled if short;
the encode and the scoring are timed separately over the same texts and the medians
printed as a table.
"""

from __future__ import annotations

import argparse
import statistics
import time
from pathlib import Path

from models.checkworthiness import HeadScorer, RuleScorer, load_scorer
from models.claims import extract_claim_spans
from models.embedding import Embedder
from models.features import feature_matrix
from models.segmentation import SegmentKind, segment

EXAMPLE = (
    Path(__file__).resolve().parent.parent.parent
    / "shared"
    / "examples"
    / "metro-2025-02-17-starmer-paris.txt"
)


def article_texts(sentences: int = 40) -> list[str]:
    """The sentences of a ``sentences``-sentence article and the claim spans inside them."""
    prose = [s.text for s in segment(EXAMPLE.read_text(encoding="utf-8"))]
    prose = [
        s
        for s, k in zip(prose, segment(EXAMPLE.read_text(encoding="utf-8")), strict=True)
        if k.kind is SegmentKind.SENTENCE
    ]
    chosen = [prose[i % len(prose)] for i in range(sentences)]
    texts: list[str] = []
    for sentence in chosen:
        texts.append(sentence)
        texts.extend(span.text for span in extract_claim_spans(sentence))
    return texts


def _median_ms(action: object, repeats: int) -> float:
    assert callable(action)
    action()
    timings = []
    for _ in range(repeats):
        started = time.perf_counter()
        action()
        timings.append((time.perf_counter() - started) * 1000)
    return statistics.median(timings)


def main() -> None:
    """Print the timing table."""
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--repeats", type=int, default=20)
    parser.add_argument("--sentences", type=int, default=40)
    args = parser.parse_args()
    embedder = Embedder()
    scorer = load_scorer()
    assert isinstance(scorer, HeadScorer), "the trained head should be shipped"
    texts = article_texts(args.sentences)
    vectors = embedder.encode(texts)
    encode_ms = _median_ms(lambda: embedder.encode(texts), args.repeats)
    rows = [
        ("embedding pass (MiniLM, " + embedder.precision.value + ")", encode_ms),
        ("surface features only", _median_ms(lambda: feature_matrix(texts), args.repeats * 5)),
        (
            "trained head (features + MLP)",
            _median_ms(lambda: scorer.score(texts, vectors), args.repeats * 5),
        ),
        (
            "RuleScorer (fallback)",
            _median_ms(lambda: RuleScorer().score(texts, vectors), args.repeats * 5),
        ),
    ]
    print(
        f"{args.sentences} sentences + spans = {len(texts)} texts, median of {args.repeats}+ runs"
    )
    print()
    print("| stage | median ms | % of embedding pass |")
    print("|---|---:|---:|")
    for name, ms in rows:
        print(f"| {name} | {ms:.2f} | {100 * ms / encode_ms:.1f}% |")


if __name__ == "__main__":
    main()
