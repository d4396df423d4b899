"""Claims in other languages: real news excerpts in 12 languages against the full database.

Run ``python -m evaluation.multilingual`` (``--cases`` another JSON Lines file of the same
shape, ``--database`` a built database, ``--verbose`` for every case, ``--calibration`` to
fit the cross-lingual calibration). Each excerpt of ``multilingual-dev/cases.jsonl`` goes
through ``Pipeline.analyze`` exactly as ``POST /v1/analyze`` runs it, with the multilingual
encoder and index on. Per language it prints flagged top-1 (a flagged claim's first match
is the expected fact-check or another review of the same claim), top-5 (an accepted
fact-check among the first five cross-lingual candidates of a non-English claim, whatever
their tier), negatives flagged and the stance read on the right flags; then the tiers'
precision and a reliability table of the first match's confidence for the non-English
claims. The database is ``claimflag seed --with-datasets`` with the CheckThat! 2022
verified claims (built under ``.cache/`` on first use, its multilingual index backfilled
when missing). Evaluation and tuning only: nothing here may be trained on.
"""

from __future__ import annotations

import argparse
import logging
from collections import defaultdict
from collections.abc import Sequence
from dataclasses import dataclass
from pathlib import Path

import numpy as np

from claims_db.search import FactCheckIndex
from evaluation.matching import with_multilingual
from evaluation.matching_news import (
    NewsCase,
    ReliabilityPoint,
    build_pipeline,
    load_cases,
    reliability,
)
from models.embedding import Embedder
from models.encoders.multilingual import MultilingualEncoder
from models.language import ENGLISH, detect_language, sentence_language
from models.pipeline import Pipeline, claim_units
from models.retrieval import Match, Tier
from training.data import DEFAULT_DATA_DIR, DEFAULT_DATABASE, full_index

logger = logging.getLogger(__name__)

TOP_K = 5


@dataclass(slots=True)
class CaseOutcome:
    """What the analysis did with one excerpt."""

    case: NewsCase
    detected: str
    flagged: bool
    right_flag: bool
    in_top5: bool
    stance: str | None
    # Each non-English claim's first match: its confidence, tier and whether it was right.
    firsts: list[tuple[float, Tier | None, bool]]


def evaluate_case(pipeline: Pipeline, index: FactCheckIndex, case: NewsCase) -> CaseOutcome:
    """Analyse one excerpt as the service would, and read off the measures."""
    analysis = pipeline.analyze(case.text, index)
    flagged = [c for c in analysis.claims if c.flagged]
    right = [c for c in flagged if c.matches[0].fact_check.url in case.accepted]
    in_top5 = any(
        m.fact_check.url in case.accepted
        for _, ranked in _candidates(pipeline, index, case, TOP_K)
        for m in ranked
    )
    firsts = [
        (c.matches[0].confidence, c.matches[0].tier, c.matches[0].fact_check.url in case.accepted)
        for c in analysis.claims
        if c.matches and c.language != ENGLISH
    ]
    return CaseOutcome(
        case=case,
        detected=analysis.language,
        flagged=bool(flagged),
        right_flag=bool(right),
        in_top5=in_top5,
        stance=right[0].stance.value if right and right[0].stance else None,
        firsts=firsts,
    )


def print_report(outcomes: Sequence[CaseOutcome], *, verbose: bool) -> None:
    """Markdown tables: per language, the tiers' precision and the reliability table."""
    by_language: dict[str, list[CaseOutcome]] = defaultdict(list)
    for outcome in outcomes:
        by_language[outcome.case.language].append(outcome)
    print(
        "\n| language | positives | flagged top-1 | top-5 | negatives flagged | stance right "
        "| language detected |"
    )
    print("|---|---|---|---|---|---|---|")
    rows = [*sorted(by_language.items()), ("all", list(outcomes))]
    for language, group in rows:
        positives = [o for o in group if o.case.positive]
        negatives = [o for o in group if not o.case.positive]
        right = sum(o.right_flag for o in positives)
        top5 = sum(o.in_top5 for o in positives)
        stance = sum(o.stance == o.case.stance for o in positives if o.right_flag)
        detected = sum(o.detected == o.case.language for o in group)
        print(
            f"| {language} | {len(positives)} | {right} | {top5} | "
            f"{sum(o.flagged for o in negatives)} / {len(negatives)} | {stance} / {right} | "
            f"{detected} / {len(group)} |"
        )
    positives = [o for o in outcomes if o.case.positive]
    print("\nStance on every positive whose expected fact-check was flagged first:")
    print(f"{sum(o.stance == o.case.stance for o in positives if o.right_flag)} right")

    print("\n| tier (non-English first matches) | shown | precision |")
    print("|---|---|---|")
    for tier in Tier:
        shown = [right for o in outcomes for _, t, right in o.firsts if t is tier]
        precision = f"{sum(shown) / len(shown):.3f}" if shown else "-"
        print(f"| {tier.value} | {len(shown)} | {precision} |")

    points = [ReliabilityPoint(c, right) for o in outcomes for c, _, right in o.firsts]
    rows_, error = reliability(points)
    print("\nReliability of the first match's confidence, non-English claims:\n")
    print("| confidence | n | mean confidence | precision |")
    print("|---|---|---|---|")
    for row in rows_:
        if row.count:
            print(
                f"| [{row.low:.2f}, {row.high:.2f}{']' if row.high >= 1 else ')'} | {row.count} "
                f"| {row.mean_confidence:.3f} | {row.precision:.3f} |"
            )
    print(f"\nExpected calibration error: {error:.3f} over {len(points)} claims")

    print("\n| case | language | positive | flagged | right first | top-5 | stance (expected) |")
    print("|---|---|---|---|---|---|---|")
    for o in outcomes:
        missed = (o.case.positive and not o.right_flag) or (not o.case.positive and o.flagged)
        if missed or verbose:
            print(
                f"| {o.case.id} | {o.case.language} | {o.case.positive} | {o.flagged} | "
                f"{o.right_flag} | {o.in_top5} | {o.stance or '-'} ({o.case.stance or '-'}) |"
            )


def _candidates(
    pipeline: Pipeline, index: FactCheckIndex, case: NewsCase, limit: int
) -> list[tuple[str, list[Match]]]:
    """(language, first ``limit`` cross-lingual candidates, every tier) of each non-English
    claim."""
    encoder = pipeline.multilingual
    assert encoder is not None
    language = detect_language(case.text)
    _, units = claim_units(case.text, pipeline.attributor, language)
    foreign = [
        (u.text, found)
        for u in units
        if (found := sentence_language(u.sentence.text, language)) != ENGLISH
    ]
    if not foreign:
        return []
    texts = [text for text, _ in foreign]
    languages = [found for _, found in foreign]
    ranked = pipeline.crosslingual.rank(
        texts,
        encoder.encode(texts),
        encoder.encode([case.text]),
        index,
        limit=limit,
        keep_all=True,
        article_text=case.text,
        languages=languages,
    )
    return list(zip(languages, ranked, strict=True))


def calibration_points(
    pipeline: Pipeline, index: FactCheckIndex, cases: Sequence[NewsCase]
) -> list[tuple[str, float, bool, bool]]:
    """(case id, key, right, re-scored) of every non-English claim's first candidate,
    whatever its tier: what ``CrossLingualSettings``' calibrations and thresholds are fitted
    to ("re-scored": by the second encoder, which has a calibration of its own)."""
    matcher = pipeline.crosslingual
    return [
        (
            case.id,
            ranked[0].score,
            ranked[0].fact_check.url in case.accepted,
            matcher.rescores(language),
        )
        for case in cases
        for language, ranked in _candidates(pipeline, index, case, 1)
        if ranked
    ]


def print_calibration(
    points: Sequence[tuple[str, float, bool, bool]], cases: Sequence[NewsCase]
) -> None:
    """Per group (keys re-scored by the second encoder or not): a logistic fit of rightness
    on the key, and what each confidence threshold flags."""
    from sklearn.linear_model import LogisticRegression

    positive = {c.id for c in cases if c.positive}
    for rescored in (True, False):
        group = [(i, key, ok) for i, key, ok, second in points if second is rescored]
        name = "re-scored by the second encoder" if rescored else "e5 alone"
        if len({ok for _, _, ok in group}) < 2:
            print(f"\n{name}: {len(group)} claims, too few to fit")
            continue
        keys = np.array([[key] for _, key, _ in group])
        right = np.array([ok for _, _, ok in group])
        model = LogisticRegression(C=1e4).fit(keys, right)
        slope, intercept = float(model.coef_[0][0]), float(model.intercept_[0])
        print(
            f"\n{name}: logistic fit over {len(group)} claims:"
            f" slope {slope:.2f}, intercept {intercept:.2f}"
        )
        print(
            "\n| flag from confidence | right first | wrong first (positives) | negatives flagged |"
        )
        print("|---|---|---|---|")
        for threshold in (0.3, 0.35, 0.4, 0.45, 0.5, 0.55, 0.6, 0.65, 0.7):
            best: dict[str, tuple[float, bool]] = {}
            for case_id, key, ok in group:
                confidence = 1 / (1 + np.exp(-(slope * key + intercept)))
                if confidence >= threshold and (
                    case_id not in best or confidence > best[case_id][0]
                ):
                    best[case_id] = (confidence, ok)
            right_first = sum(1 for i, (_, ok) in best.items() if i in positive and ok)
            wrong_first = sum(1 for i, (_, ok) in best.items() if i in positive and not ok)
            negatives = sum(1 for i in best if i not in positive)
            print(f"| {threshold:.2f} | {right_first} | {wrong_first} | {negatives} |")


def main(argv: Sequence[str] | None = None) -> None:
    """Command-line entry point."""
    parser = argparse.ArgumentParser(description=__doc__)
    parser.add_argument("--data-dir", type=Path, default=DEFAULT_DATA_DIR)
    parser.add_argument("--cases", type=Path, default=None, help="default: multilingual-dev")
    parser.add_argument("--database", type=Path, default=DEFAULT_DATABASE)
    parser.add_argument("--verbose", action="store_true", help="list every case")
    parser.add_argument(
        "--calibration", action="store_true", help="fit the cross-lingual calibration (tuning)"
    )
    args = parser.parse_args(argv)
    logging.basicConfig(level=logging.WARNING)
    embedder = Embedder()
    encoder = MultilingualEncoder()
    index = full_index(embedder, args.data_dir, args.database, multilingual=encoder)
    pipeline = with_multilingual(build_pipeline(embedder), encoder)
    cases = load_cases(args.cases or args.data_dir / "multilingual-dev" / "cases.jsonl")
    if args.calibration:
        print_calibration(calibration_points(pipeline, index, cases), cases)
        return
    print_report([evaluate_case(pipeline, index, case) for case in cases], verbose=args.verbose)


if __name__ == "__main__":
    main()
