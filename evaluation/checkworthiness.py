"""Evaluate the check-worthiness head on the dev and test splits and print a table.

Run ``python -m evaluation.checkworthiness [--data-dir ../shared/data] [--baselines]``.
It reports precision, recall, F1 and average precision of the check-worthy class on the
debate-held-out ClaimBuster splits and the CheckThat! dev tweets, at the shipped threshold.
``--baselines`` adds a logistic regression on the MiniLM embedding alone (threshold chosen
on the same dev sets) and the rule scorer, for comparison.

``--multilingual`` instead scores the ``claim_sentence`` of every multilingual-dev case
with the multilingual head (each is a claim and should score as worth checking) and prints
the share above its threshold per language, with the share of the cases' other sentences
above it for context (those are unlabelled: many are claims too).
"""

from __future__ import annotations

import argparse
import json
import logging
from collections import defaultdict
from dataclasses import asdict, dataclass
from pathlib import Path
from typing import TYPE_CHECKING

import numpy as np
import numpy.typing as npt

from models.checkworthiness import ARTIFACT_PATH, HeadScorer, RuleScorer
from models.embedding import TextEncoder
from models.segmentation import SegmentKind, segment

if TYPE_CHECKING:
    from models.checkworthiness_multilingual import MultilingualCheckWorthiness

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


@dataclass(frozen=True, slots=True)
class LanguageRow:
    """The multilingual head on one language's multilingual-dev cases."""

    cases: int
    claims_above: int
    mean_claim_score: float
    other_sentences: int
    others_above: int

    @property
    def claim_fraction(self) -> float:
        """Share of the claim sentences at or above the threshold."""
        return self.claims_above / max(self.cases, 1)

    def as_dict(self) -> dict[str, float]:
        """The row rounded to four places, for the JSON card."""
        row = {k: round(float(v), 4) for k, v in asdict(self).items()}
        return {**row, "claim_fraction": round(self.claim_fraction, 4)}


@dataclass(frozen=True, slots=True)
class MultilingualCase:
    """One multilingual-dev excerpt: its claim sentence and other sentences, with e5 rows."""

    language: str
    texts: list[str]
    rows: npt.NDArray[np.float32]

    @property
    def claim(self) -> str:
        """The claim sentence (the first text)."""
        return self.texts[0]


def multilingual_cases(encoder: TextEncoder, data_dir: Path) -> list[MultilingualCase]:
    """The multilingual-dev cases, each as its claim sentence followed by the excerpt's
    other sentences, encoded in one pass."""
    path = data_dir / "multilingual-dev" / "cases.jsonl"
    cases = [json.loads(line) for line in path.read_text("utf-8").splitlines() if line.strip()]
    groups: list[list[str]] = []
    for case in cases:
        claim = str(case["claim_sentence"]).strip()
        others = [
            s.text
            for s in segment(str(case["text"]))
            if s.kind is SegmentKind.SENTENCE and s.text not in claim and claim not in s.text
        ]
        groups.append([claim, *others])
    rows = encoder.encode([t for group in groups for t in group])
    out: list[MultilingualCase] = []
    at = 0
    for case, group in zip(cases, groups, strict=True):
        out.append(MultilingualCase(str(case["lang"]), group, rows[at : at + len(group)]))
        at += len(group)
    return out


def multilingual_rows(
    scorer: MultilingualCheckWorthiness, cases: list[MultilingualCase]
) -> dict[str, LanguageRow]:
    """Per language (and ``all``), how many claim sentences ``scorer`` puts at or above its
    threshold, and how many of the cases' other sentences. Each excerpt is scored in one
    call, as the pipeline scores an article (a centring head reads them together)."""
    by_language: dict[str, list[tuple[float, list[float]]]] = defaultdict(list)
    for case in cases:
        scores = [float(x) for x in scorer.score(case.texts, case.rows)]
        by_language[case.language].append((scores[0], scores[1:]))
        by_language["all"].append((scores[0], scores[1:]))
    threshold = scorer.threshold
    return {
        language: LanguageRow(
            cases=len(rows),
            claims_above=sum(score >= threshold for score, _ in rows),
            mean_claim_score=float(np.mean([score for score, _ in rows])),
            other_sentences=sum(len(own) for _, own in rows),
            others_above=sum(x >= threshold for _, own in rows for x in own),
        )
        for language, rows in sorted(by_language.items(), key=lambda kv: (kv[0] == "all", kv[0]))
    }


def multilingual_results(
    scorer: MultilingualCheckWorthiness, encoder: TextEncoder, data_dir: Path
) -> dict[str, LanguageRow]:
    """``multilingual_rows`` of the multilingual-dev cases in ``data_dir``."""
    return multilingual_rows(scorer, multilingual_cases(encoder, data_dir))


def pipeline_rows(
    e5_rows: dict[str, LanguageRow], use_rows: dict[str, LanguageRow], use_languages: frozenset[str]
) -> dict[str, LanguageRow]:
    """Per language, the USE head's row where the pipeline reads that language with it and
    the e5 head's elsewhere, and their sum as ``all``."""
    chosen = {
        language: (use_rows if language in use_languages else e5_rows)[language]
        for language in e5_rows
        if language != "all"
    }
    parts = list(chosen.values())
    cases = sum(r.cases for r in parts)
    chosen["all"] = LanguageRow(
        cases=cases,
        claims_above=sum(r.claims_above for r in parts),
        mean_claim_score=sum(r.mean_claim_score * r.cases for r in parts) / max(cases, 1),
        other_sentences=sum(r.other_sentences for r in parts),
        others_above=sum(r.others_above for r in parts),
    )
    return chosen


def format_multilingual_table(results: dict[str, LanguageRow], threshold: float | None) -> str:
    """A Markdown table of ``multilingual_results`` (``threshold`` None: each head's own)."""
    at = "each head's threshold" if threshold is None else f"threshold {threshold:.2f}"
    lines = [
        f"multilingual head on multilingual-dev claim sentences ({at})",
        "",
        "| language | claim sentences | at or above threshold | share | mean score "
        "| other sentences | of them above |",
        "|---|---:|---:|---:|---:|---:|---:|",
    ]
    for language, row in results.items():
        lines.append(
            f"| {language} | {row.cases} | {row.claims_above} | {row.claim_fraction:.2f} "
            f"| {row.mean_claim_score:.2f} | {row.other_sentences} | {row.others_above} |"
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
        "--multilingual",
        action="store_true",
        help="the multilingual head on the multilingual-dev claim sentences, per language",
    )
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

    if args.multilingual:
        from models.checkworthiness_multilingual import (
            USE_ARTIFACT_PATH,
            MultilingualCheckWorthiness,
        )
        from models.encoders.multilingual import MultilingualEncoder
        from models.encoders.use import USE_LANGUAGES, USE_MODEL_NAME, UseEncoder

        scorer_ml = MultilingualCheckWorthiness.from_file(threshold=args.threshold)
        rows = multilingual_results(scorer_ml, MultilingualEncoder(), args.data_dir)
        print(format_multilingual_table(rows, scorer_ml.threshold))
        scorer_use = MultilingualCheckWorthiness.from_file(
            USE_ARTIFACT_PATH, args.threshold, encoder=USE_MODEL_NAME
        )
        use_rows = multilingual_results(scorer_use, UseEncoder(), args.data_dir)
        print("\nthe head on USE rows:\n")
        print(format_multilingual_table(use_rows, scorer_use.threshold))
        print("\nas the pipeline reads them (USE head in its languages, e5 head elsewhere):\n")
        print(format_multilingual_table(pipeline_rows(rows, use_rows, USE_LANGUAGES), None))
        return 0
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
