"""Evaluate the check-worthiness head on the dev and test splits and print a table.

Run ``python -m evaluation.checkworthiness [--data-dir ../shared/data] [--baselines]``.
It reports precision, recall, F1 and average precision of the check-worthy class on the
debate-held-out ClaimBuster splits and the CheckThat! dev tweets, at the shipped threshold.
``--baselines`` adds a logistic regression on the MiniLM embedding alone (threshold chosen
on the same dev sets) and the rule scorer, for comparison.
"""

from __future__ import annotations

import argparse
import logging
from dataclasses import asdict, dataclass
from pathlib import Path

import numpy as np
import numpy.typing as npt

from models.checkworthiness import ARTIFACT_PATH, HeadScorer, RuleScorer

logger = logging.getLogger(__name__)

Labels = npt.NDArray[np.int64]
Scores = npt.NDArray[np.float64]


@dataclass(frozen=True, slots=True)
class Metrics:
    """Scores of the check-worthy class on one labelled set."""

    rows: int
    positives: int
    precision: float
    recall: float
    f1: float
    average_precision: float
    best_f1: float

    def as_dict(self) -> dict[str, float]:
        """The metrics rounded to four places, for the JSON card."""
        return {k: round(float(v), 4) for k, v in asdict(self).items()}


def metrics(labels: Labels, scores: Scores, threshold: float) -> Metrics:
    """Precision, recall, F1 at ``threshold``, average precision and the best F1 on the curve."""
    from sklearn.metrics import average_precision_score, precision_recall_curve

    predicted = scores >= threshold
    tp = float((predicted & (labels == 1)).sum())
    precision = tp / max(float(predicted.sum()), 1.0)
    recall = tp / max(float(labels.sum()), 1.0)
    f1 = 2 * precision * recall / max(precision + recall, 1e-12)
    curve_p, curve_r, _ = precision_recall_curve(labels, scores)
    best = float((2 * curve_p * curve_r / np.maximum(curve_p + curve_r, 1e-12)).max())
    return Metrics(
        rows=len(labels),
        positives=int(labels.sum()),
        precision=precision,
        recall=recall,
        f1=f1,
        average_precision=float(average_precision_score(labels, scores)),
        best_f1=best,
    )


def evaluate(
    scorer: HeadScorer, sets: dict[str, tuple[npt.NDArray[np.float32], Labels, list[str]]]
) -> dict[str, Metrics]:
    """Metrics of ``scorer`` at its threshold on each named ``(inputs, labels, texts)`` set."""
    return {
        name: metrics(labels, scorer.probabilities(x, texts), scorer.threshold)
        for name, (x, labels, texts) in sets.items()
    }


def format_table(results: dict[str, Metrics], threshold: float, title: str = "head") -> str:
    """A Markdown table of ``results``."""
    lines = [
        f"{title} (threshold {threshold:.2f}; best F1 = oracle threshold, for reference only)",
        "",
        "| set | rows | check-worthy | precision | recall | F1 | AP | best F1 |",
        "|---|---:|---:|---:|---:|---:|---:|---:|",
    ]
    for name, m in results.items():
        lines.append(
            f"| {name} | {m.rows} | {m.positives} | {m.precision:.3f} | {m.recall:.3f} "
            f"| {m.f1:.3f} | {m.average_precision:.3f} | {m.best_f1:.3f} |"
        )
    return "\n".join(lines)


def _baselines(splits: object, design: object) -> None:
    from sklearn.linear_model import LogisticRegression

    from training.checkworthiness_data import Splits, choose_threshold

    assert isinstance(splits, Splits) and callable(design)
    train_x = np.vstack([design(s, False) for s in splits.train])
    train_y = np.concatenate([s.labels for s in splits.train])
    debate_rows = splits.train[0].labels.shape[0]
    for name, x, y in [
        (
            "LR on the embedding, ClaimBuster train only",
            train_x[:debate_rows],
            train_y[:debate_rows],
        ),
        ("LR on the embedding, all train sets", train_x, train_y),
    ]:
        model = LogisticRegression(max_iter=2000, C=1.0).fit(x, y)
        dev = [(s.labels, model.predict_proba(design(s, False))[:, 1]) for s in splits.dev]
        threshold = choose_threshold(dev)
        results = {
            s.name: metrics(s.labels, model.predict_proba(design(s, False))[:, 1], threshold)
            for s in [*splits.dev, *splits.test]
        }
        print(format_table(results, threshold, name) + "\n")
    rule = RuleScorer()
    results = {
        s.name: metrics(s.labels, rule.score(s.texts, np.zeros((0, 0), np.float32)), 0.5)
        for s in [*splits.dev, *splits.test]
    }
    print(format_table(results, rule.threshold, "RuleScorer (fallback)") + "\n")


def main(argv: list[str] | None = None) -> int:
    """Print the evaluation tables of the shipped head (and, optionally, the baselines)."""
    from models.embedding import Embedder, Precision
    from models.encoders.runtime import RuntimeKind
    from training.checkworthiness_data import (
        DEFAULT_DATA_DIR,
        LabelledSet,
        embed_cached,
        inputs,
        load_splits,
    )

    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--data-dir", type=Path, default=DEFAULT_DATA_DIR)
    parser.add_argument("--artifact", type=Path, default=ARTIFACT_PATH)
    parser.add_argument("--threshold", type=float, default=None)
    parser.add_argument("--baselines", action="store_true")
    parser.add_argument(
        "--runtime",
        default=RuntimeKind.ONNX.value,
        choices=[kind.value for kind in RuntimeKind],
        help="encoder runtime (compare fp32 with onnx-int8)",
    )
    parser.add_argument(
        "--precision", default="auto", choices=[p.value for p in Precision], help="torch only"
    )
    args = parser.parse_args(argv)
    logging.basicConfig(level=logging.WARNING)

    splits = load_splits(args.data_dir)
    embedder = Embedder(runtime=args.runtime, precision=Precision(args.precision))

    def design(data: LabelledSet, with_features: bool = True) -> npt.NDArray[np.float32]:
        vectors = embed_cached(embedder, data.texts)
        return inputs(vectors, data.texts) if with_features else vectors

    if args.baselines:
        _baselines(splits, design)
    scorer = HeadScorer.from_file(args.artifact, args.threshold)
    results = evaluate(
        scorer, {s.name: (design(s), s.labels, s.texts) for s in [*splits.dev, *splits.test]}
    )
    print(format_table(results, scorer.threshold, f"shipped head {args.artifact.name}"))
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
