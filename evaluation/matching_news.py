"""Matching on news prose: real news excerpts against the full fact-check database.

Run ``python -m evaluation.matching_news`` (``--cases`` another JSON Lines file of the same
shape, ``--database`` a built database, ``--tweets`` to add CheckThat! 2022 2A dev beside
it in the reliability table, ``--verbose`` for every case). Each excerpt of
``realworld-dev/cases.jsonl`` goes through ``Pipeline.analyze`` exactly as ``POST
/v1/analyze`` runs it; a positive is right when a flagged claim's first match is the
expected fact-check (or one it lists as also accepted), a negative when nothing is flagged.
The rank of the right fact-check among all candidates and a reliability table of the
top-1 confidence say why a case was missed. The database is ``claimflag seed
--with-datasets`` (built under ``.cache/`` on first use). Evaluation only: nothing here
may be trained on.
"""

from __future__ import annotations

import argparse
import itertools
import json
import logging
from collections.abc import Sequence
from dataclasses import dataclass, field
from pathlib import Path

import numpy as np

from claims_db.search import FactCheckIndex
from evaluation.matching import with_multilingual
from models.checkworthiness import load_scorer
from models.embedding import Embedder
from models.encoders.multilingual import MultilingualEncoder
from models.pipeline import ClaimAnalysis, MatchingSettings, Pipeline, claim_units
from models.reranking import load_cross_reranker
from models.retrieval import Match, Matcher, Tier
from training.data import DEFAULT_DATA_DIR, DEFAULT_DATABASE, cached_encode, full_index

logger = logging.getLogger(__name__)

RELIABILITY_BINS = (0.0, 0.1, 0.2, 0.3, 0.4, 0.5, 0.6, 0.7, 0.8, 0.9, 0.95, 1.0)
# Candidates looked at per claim text to find the right fact-check's rank.
DIAGNOSTIC_DEPTH = 100


@dataclass(frozen=True, slots=True)
class NewsCase:
    """One excerpt: its text and the fact-check it repeats (none for a negative)."""

    id: str
    text: str
    claim_sentence: str
    accepted: frozenset[str]
    stance: str | None
    language: str = "en"

    @property
    def positive(self) -> bool:
        """Whether the excerpt repeats a fact-checked claim."""
        return bool(self.accepted)


def load_cases(path: Path) -> list[NewsCase]:
    """Read a ``realworld-dev`` / ``multilingual-dev`` style JSON Lines file."""
    cases: list[NewsCase] = []
    with path.open(encoding="utf-8") as handle:
        for line in handle:
            if not line.strip():
                continue
            item = json.loads(line)
            expected = item.get("expected_factcheck_url")
            accepted = {expected, *(item.get("also_accepted") or [])} if expected else set()
            cases.append(
                NewsCase(
                    id=item["id"],
                    text=item["text"],
                    claim_sentence=item.get("claim_sentence") or "",
                    accepted=frozenset(accepted),
                    stance=item.get("stance"),
                    language=item.get("lang") or "en",
                )
            )
    return cases


@dataclass(slots=True)
class CaseResult:
    """What the pipeline did with one case."""

    case: NewsCase
    flagged: list[ClaimAnalysis]
    right_flag: bool
    wrong_flags: int
    # Best (smallest, 1-based) rank of an accepted fact-check over the case's claim texts,
    # with the confidence it got there; None when it is not among any text's candidates.
    best_rank: int | None = None
    best_rank_confidence: float | None = None
    stance: str | None = None
    top_matches: list[Match] = field(default_factory=list)
    # Each claim whose first match the article raised to ``likely``: was it right?
    raised: list[bool] = field(default_factory=list)


@dataclass(slots=True)
class ReliabilityPoint:
    """A claim text's first candidate: its confidence and whether it was right."""

    confidence: float
    correct: bool


def evaluate_case(pipeline: Pipeline, index: FactCheckIndex, case: NewsCase) -> CaseResult:
    """Analyse one excerpt and look at every candidate of every claim text."""
    analysis = pipeline.analyze(case.text, index)
    flagged = [c for c in analysis.claims if c.flagged]
    right = [c for c in flagged if c.matches[0].fact_check.url in case.accepted]
    result = CaseResult(
        case=case,
        flagged=flagged,
        right_flag=bool(right),
        wrong_flags=sum(1 for c in flagged if c.matches[0].fact_check.url not in case.accepted),
        stance=right[0].stance.value if right and right[0].stance else None,
        raised=[
            c.matches[0].fact_check.url in case.accepted
            for c in analysis.claims
            if c.matches and c.matches[0].article_similarity is not None
        ],
    )
    _, units = claim_units(case.text)
    texts = [u.text for u in units]
    vectors = pipeline.embedder.encode(texts)
    ranked = pipeline.matcher.rank(texts, vectors, index, keep_all=True, limit=DIAGNOSTIC_DEPTH)
    for matches in ranked:
        if matches:
            result.top_matches.append(matches[0])
        for rank, match in enumerate(matches, start=1):
            if match.fact_check.url in case.accepted and (
                result.best_rank is None or rank < result.best_rank
            ):
                result.best_rank = rank
                result.best_rank_confidence = match.confidence
    return result


def reliability_points(results: Sequence[CaseResult]) -> list[ReliabilityPoint]:
    """Every claim text's first candidate, right when it is an accepted fact-check."""
    return [
        ReliabilityPoint(m.confidence, m.fact_check.url in r.case.accepted)
        for r in results
        for m in r.top_matches
    ]


@dataclass(frozen=True, slots=True)
class ReliabilityRow:
    """One confidence bin: how many points, their mean confidence and observed precision."""

    low: float
    high: float
    count: int
    mean_confidence: float
    precision: float


def reliability(
    points: Sequence[ReliabilityPoint], bins: Sequence[float] = RELIABILITY_BINS
) -> tuple[list[ReliabilityRow], float]:
    """Rows per confidence bin and the expected calibration error (count-weighted mean of
    |precision - confidence| over the bins)."""
    confidence = np.array([p.confidence for p in points], dtype=np.float64)
    correct = np.array([p.correct for p in points], dtype=np.float64)
    rows: list[ReliabilityRow] = []
    error = 0.0
    for low, high in itertools.pairwise(bins):
        inside = (confidence >= low) & ((confidence < high) if high < 1 else (confidence <= high))
        count = int(inside.sum())
        if count:
            mean = float(confidence[inside].mean())
            precision = float(correct[inside].mean())
            error += count * abs(precision - mean)
        else:
            mean = precision = float("nan")
        rows.append(ReliabilityRow(low, high, count, mean, precision))
    return rows, (error / len(points) if points else float("nan"))


def tweet_points(data_dir: Path, pipeline: Pipeline) -> list[ReliabilityPoint]:
    """CheckThat! 2022 2A dev: each tweet's first candidate over the verified claims."""
    from evaluation.matching import build_index, load_checkthat

    data = load_checkthat(data_dir, "dev")
    index = build_index(pipeline.embedder, data)
    vectors = cached_encode(pipeline.embedder, data.queries, "queries-raw")
    ranked = pipeline.matcher.rank(data.queries, vectors, index, keep_all=True, limit=1)
    return [
        ReliabilityPoint(row[0].confidence, row[0].fact_check.id in relevant)
        for row, relevant in zip(ranked, data.relevant, strict=True)
        if row
    ]


def _tier_precision(results: Sequence[CaseResult]) -> dict[Tier, tuple[int, float]]:
    """Per tier: first candidates shown in it and the share that were right."""
    out: dict[Tier, tuple[int, float]] = {}
    for tier in Tier:
        shown = [
            m.fact_check.url in r.case.accepted
            for r in results
            for m in r.top_matches
            if m.tier is tier
        ]
        out[tier] = (len(shown), (sum(shown) / len(shown)) if shown else float("nan"))
    return out


def print_report(
    results: Sequence[CaseResult],
    tweets: Sequence[ReliabilityPoint] | None,
    *,
    verbose: bool,
) -> None:
    """Markdown tables: the headline figures, missed cases' ranks, tiers and reliability."""
    positives = [r for r in results if r.case.positive]
    negatives = [r for r in results if not r.case.positive]
    right = sum(r.right_flag for r in positives)
    stance_right = sum(r.stance == r.case.stance for r in positives if r.right_flag)
    print(f"\nNews prose: {len(positives)} positives, {len(negatives)} negatives\n")
    print("| measure | value |")
    print("|---|---|")
    print(f"| right fact-check first in a flagged claim | {right} / {len(positives)} |")
    print(
        f"| positives with a wrong flag beside | "
        f"{sum(1 for r in positives if r.wrong_flags)} / {len(positives)} |"
    )
    print(f"| negatives flagged | {sum(1 for r in negatives if r.flagged)} / {len(negatives)} |")
    print(f"| stance right (of the right flags) | {stance_right} / {right} |")
    ranks = [r.best_rank for r in positives]
    for k in (1, 5, 20, DIAGNOSTIC_DEPTH):
        found = sum(1 for rank in ranks if rank is not None and rank <= k)
        print(f"| right fact-check in a claim text's top {k} | {found} / {len(positives)} |")

    print("\n| tier (first stage, every claim text) | first candidates shown | precision |")
    print("|---|---|---|")
    for tier, (count, precision) in _tier_precision(results).items():
        print(f"| {tier.value} | {count} | {precision:.3f} |")
    raised = [right for r in results for right in r.raised]
    print(
        f"| likely, raised by the article (analysis) | {len(raised)} | "
        f"{(sum(raised) / len(raised)) if raised else float('nan'):.3f} |"
    )

    news_rows, news_error = reliability(reliability_points(results))
    tweet_rows, tweet_error = reliability(tweets) if tweets else ([], float("nan"))
    print("\nReliability of the first candidate's confidence (n, mean confidence, precision):\n")
    print(
        "| confidence | news n | news conf | news precision | tweets n | tweets conf |"
        " tweets precision |"
    )
    print("|---|---|---|---|---|---|---|")
    for number, row in enumerate(news_rows):
        tweet = tweet_rows[number] if tweet_rows else None
        tweet_cells = (
            f"{tweet.count} | {tweet.mean_confidence:.3f} | {tweet.precision:.3f}"
            if tweet
            else "- | - | -"
        )
        print(
            f"| [{row.low:.2f}, {row.high:.2f}{']' if row.high >= 1 else ')'} | {row.count} | "
            f"{row.mean_confidence:.3f} | {row.precision:.3f} | {tweet_cells} |"
        )
    print(f"\nExpected calibration error: news {news_error:.3f}, tweets {tweet_error:.3f}")

    print("\nMissed positives and flagged negatives:\n")
    print("| case | rank of right fact-check | its confidence | flagged (first match) |")
    print("|---|---|---|---|")
    for r in results:
        missed = (r.case.positive and not r.right_flag) or (not r.case.positive and r.flagged)
        if not (missed or verbose):
            continue
        flags = "; ".join(
            f"{_short_url(c.matches[0].fact_check.url)} {c.matches[0].confidence:.2f}"
            for c in r.flagged
        )
        confidence = f"{r.best_rank_confidence:.3f}" if r.best_rank_confidence is not None else "-"
        print(f"| {r.case.id} | {r.best_rank or '-'} | {confidence} | {flags or '-'} |")


def _short_url(url: str) -> str:
    """The most telling part of a fact-check URL (its last non-empty path segment)."""
    parts = [p for p in url.split("/") if p]
    return (parts[-1] if parts else url)[:40]


def build_pipeline(
    embedder: Embedder, reranker_dir: Path | None = None, *, depth: int = 4, gate: float = 0.02
) -> Pipeline:
    """The pipeline as the service builds it with default settings, plus the cross-encoder
    re-ranker trained into ``reranker_dir`` when given (none at depth 0)."""
    settings = MatchingSettings()
    cross = (
        load_cross_reranker(reranker_dir, depth=depth, gate=gate)
        if reranker_dir is not None and depth
        else None
    )
    matcher = Matcher(settings.matcher_settings(), cross=cross)
    return Pipeline(embedder, load_scorer(), settings, matcher)


def main(argv: Sequence[str] | None = None) -> None:
    """Command-line entry point."""
    parser = argparse.ArgumentParser(description=__doc__)
    parser.add_argument("--data-dir", type=Path, default=DEFAULT_DATA_DIR)
    parser.add_argument("--cases", type=Path, default=None, help="default: realworld-dev")
    parser.add_argument("--database", type=Path, default=DEFAULT_DATABASE)
    parser.add_argument("--tweets", action="store_true", help="add CheckThat! 2022 2A dev")
    parser.add_argument("--verbose", action="store_true", help="list every case")
    parser.add_argument("--reranker-dir", type=Path, default=None, help="re-ranker artefact dir")
    parser.add_argument("--rerank-depth", type=int, default=4, help="0: first stage only")
    parser.add_argument("--rerank-gate", type=float, default=0.02)
    parser.add_argument(
        "--english-only", action="store_true", help="without the multilingual encoder and index"
    )
    args = parser.parse_args(argv)
    logging.basicConfig(level=logging.WARNING)
    embedder = Embedder()
    # As the service runs by default (CLAIMFLAG_MULTILINGUAL): English claims without a
    # verdict-suggesting match are also looked up among fact-checks in other languages.
    multilingual = None if args.english_only else MultilingualEncoder()
    index = full_index(embedder, args.data_dir, args.database, multilingual=multilingual)
    pipeline = with_multilingual(
        build_pipeline(embedder, args.reranker_dir, depth=args.rerank_depth, gate=args.rerank_gate),
        multilingual,
    )
    cases = load_cases(args.cases or args.data_dir / "realworld-dev" / "cases.jsonl")
    results = [evaluate_case(pipeline, index, case) for case in cases]
    tweets = tweet_points(args.data_dir, pipeline) if args.tweets else None
    print_report(results, tweets, verbose=args.verbose)


if __name__ == "__main__":
    main()
