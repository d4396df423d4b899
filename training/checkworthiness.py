"""Train the check-worthiness head and write it to ``models/artifacts/``.

Run ``python -m training.checkworthiness [--data-dir ../shared/data]``. It reads the
ClaimBuster crowd-labelled debate sentences and the CheckThat! 2021/2022 task 1A English
tweets, embeds them with the packaged MiniLM (cached under ``var/cache/``), trains a small
MLP on the embedding plus the surface features of ``models.features``, calibrates it,
chooses the decision threshold on the dev sets and writes ``checkworthiness.npz`` with a
JSON card beside it.

Splits (fixed seed): ClaimBuster by debate (``File_id``) into train / dev / test;
CheckThat! 2021 and 2022 train files for training, the 2021 dev file for tuning, and the
2022 dev file only for reporting.
"""

from __future__ import annotations

import argparse
import datetime as dt
import json
import logging
import sys
from collections import Counter
from dataclasses import dataclass
from pathlib import Path

import numpy as np
import numpy.typing as npt

from evaluation.checkworthiness import evaluate, format_table, metrics
from models.checkworthiness import ARTIFACT_PATH, CARD_PATH, HeadScorer, HeadWeights
from models.embedding import Embedder
from models.features import FEATURE_NAMES, ngrams
from training.checkworthiness_data import (
    DEFAULT_DATA_DIR,
    SEED,
    LabelledSet,
    Labels,
    Matrix,
    Splits,
    choose_threshold,
    embed_cached,
    fixed_sample,
    inputs,
    load_splits,
)
from training.provenance import git_commit

logger = logging.getLogger(__name__)


@dataclass(frozen=True, slots=True)
class HeadConfig:
    """Hyper-parameters of the MLP head.

    Attributes:
        hidden: Hidden units (0 for a logistic regression on the same inputs).
        dropout: Dropout on the input and hidden layer while training.
        weight_decay: AdamW weight decay.
        learning_rate: AdamW learning rate.
        epochs: Most passes over the training data (the best dev epoch is kept).
        tweet_weight: Sample weight of a tweet relative to a debate sentence.
        batch_size: Examples per step.
        vocabulary_size: Most word uni-/bigrams in the linear n-gram term (0: none).
        min_document_frequency: Fewest training texts an n-gram must appear in.
        ngram_l2: L2 penalty on the n-gram weights (they overfit without it).
    """

    hidden: int = 128
    dropout: float = 0.3
    weight_decay: float = 1e-2
    learning_rate: float = 1e-3
    epochs: int = 15
    tweet_weight: float = 3.0
    batch_size: int = 128
    vocabulary_size: int = 20000
    min_document_frequency: int = 3
    ngram_l2: float = 1e-4


def _f1_best(labels: Labels, scores: npt.NDArray[np.float64]) -> float:
    from sklearn.metrics import precision_recall_curve

    precision, recall, _ = precision_recall_curve(labels, scores)
    f1 = 2 * precision * recall / np.maximum(precision + recall, 1e-12)
    return float(f1.max())


def build_vocabulary(texts: list[str], config: HeadConfig) -> tuple[str, ...]:
    """The most frequent n-grams of the training texts seen in enough of them."""
    counts: Counter[str] = Counter()
    for text in texts:
        counts.update(ngrams(text))
    frequent = [(term, n) for term, n in counts.items() if n >= config.min_document_frequency]
    frequent.sort(key=lambda item: (-item[1], item[0]))
    return tuple(sorted(term for term, _ in frequent[: config.vocabulary_size]))


def _term_ids(texts: list[str], vocabulary: tuple[str, ...]) -> list[list[int]]:
    index = {term: i for i, term in enumerate(vocabulary)}
    return [[i for t in ngrams(text) if (i := index.get(t)) is not None] for text in texts]


def train_head(
    train_x: Matrix,
    train_y: Labels,
    train_w: npt.NDArray[np.float32],
    train_texts: list[str],
    dev: list[tuple[Matrix, Labels, list[str]]],
    config: HeadConfig,
    seed: int = SEED,
) -> tuple[HeadWeights, int]:
    """Train the head with torch, keeping the epoch with the best mean dev best-F1."""
    import torch

    torch.manual_seed(seed)
    vocabulary = build_vocabulary(train_texts, config) if config.vocabulary_size else ()
    ngram = torch.nn.EmbeddingBag(max(len(vocabulary), 1), 1, mode="sum")
    torch.nn.init.zeros_(ngram.weight)

    def bags(term_lists: list[list[int]]) -> tuple[torch.Tensor, torch.Tensor]:
        flat = [i for terms in term_lists for i in terms]
        offsets = np.cumsum([0, *[len(terms) for terms in term_lists[:-1]]])
        return torch.tensor(flat, dtype=torch.long), torch.tensor(offsets, dtype=torch.long)

    train_terms = _term_ids(train_texts, vocabulary)
    dev_bags = [bags(_term_ids(texts, vocabulary)) for _, _, texts in dev]
    mean = train_x.mean(axis=0)
    std = train_x.std(axis=0) + 1e-6
    x = torch.from_numpy((train_x - mean) / std)
    y = torch.from_numpy(train_y.astype(np.float32))
    w = torch.from_numpy(train_w)
    layers: list[torch.nn.Module] = [torch.nn.Dropout(config.dropout)]
    if config.hidden:
        layers += [
            torch.nn.Linear(x.shape[1], config.hidden),
            torch.nn.GELU(approximate="tanh"),
            torch.nn.Dropout(config.dropout),
            torch.nn.Linear(config.hidden, 1),
        ]
    else:
        layers.append(torch.nn.Linear(x.shape[1], 1))
    model = torch.nn.Sequential(*layers)
    optimiser = torch.optim.AdamW(
        [
            {"params": model.parameters(), "weight_decay": config.weight_decay},
            {"params": ngram.parameters(), "weight_decay": 0.0},
        ],
        lr=config.learning_rate,
    )

    def forward(inputs: torch.Tensor, bag: tuple[torch.Tensor, torch.Tensor]) -> torch.Tensor:
        logits: torch.Tensor = model(inputs).squeeze(1)
        if vocabulary:
            logits = logits + ngram(bag[0], bag[1]).squeeze(1)
        return logits

    generator = torch.Generator().manual_seed(seed)
    best: tuple[float, int, dict[str, torch.Tensor], torch.Tensor] = (
        -1.0,
        0,
        {},
        ngram.weight.detach().clone(),
    )
    for epoch in range(config.epochs):
        model.train()
        order = torch.randperm(len(x), generator=generator)
        for batch in torch.split(order, config.batch_size):
            logits = forward(x[batch], bags([train_terms[i] for i in batch.tolist()]))
            loss = (
                torch.nn.functional.binary_cross_entropy_with_logits(
                    logits, y[batch], weight=w[batch]
                )
                + config.ngram_l2 * ngram.weight.pow(2).sum()
            )
            optimiser.zero_grad()
            torch.autograd.backward(loss)
            optimiser.step()
        model.eval()
        with torch.no_grad():
            quality = float(
                np.mean(
                    [
                        _f1_best(dy, forward(torch.from_numpy((dx - mean) / std), bag).numpy())
                        for (dx, dy, _), bag in zip(dev, dev_bags, strict=True)
                    ]
                )
            )
        logger.info("epoch %d: mean dev best-F1 %.4f", epoch + 1, quality)
        if quality > best[0]:
            state = {k: v.clone() for k, v in model.state_dict().items()}
            best = (quality, epoch + 1, state, ngram.weight.detach().clone())
    model.load_state_dict(best[2])
    linears = [m for m in model if isinstance(m, torch.nn.Linear)]
    tensors = [t.detach().numpy().astype(np.float32) for m in linears for t in (m.weight, m.bias)]
    ngram_weight = best[3][:, 0].numpy().astype(np.float32) if vocabulary else None
    if config.hidden:
        weights = HeadWeights(
            mean,
            std,
            tensors[0].T,
            tensors[1],
            tensors[2].T[:, 0],
            tensors[3],
            vocabulary=vocabulary,
            ngram_weight=ngram_weight,
        )
    else:
        weights = HeadWeights(
            mean,
            std,
            None,
            None,
            tensors[0].T[:, 0],
            tensors[1],
            vocabulary=vocabulary,
            ngram_weight=ngram_weight,
        )
    return weights, best[1]


def fit_calibration(logits: npt.NDArray[np.float64], labels: Labels) -> tuple[float, float]:
    """Platt scaling: ``sigmoid(a * logit + b)`` fitted to dev labels by logistic regression."""
    from sklearn.linear_model import LogisticRegression

    platt = LogisticRegression(C=1e4).fit(logits.reshape(-1, 1), labels)
    return float(platt.coef_[0, 0]), float(platt.intercept_[0])


def _every(data: LabelledSet, stride: int) -> LabelledSet:
    return LabelledSet(f"{data.name}/{stride}", data.texts[::stride], data.labels[::stride])


def finetune_experiment(
    splits: Splits, epochs: int = 1, train_rows: int = 2000, seed: int = SEED
) -> None:
    """Fine-tune MiniLM end to end with a linear head and print its table (writes nothing).

    The comparison the issue asks for: a second, fine-tuned transformer pass against the
    head on the shared embedding. Runs on one CPU thread with sequences cut at 64 tokens, on
    ``train_rows`` training texts drawn at random (the shared CPU cannot afford more).
    """
    import torch
    from transformers import AutoModel, AutoTokenizer

    from models.embedding import default_model_path

    torch.manual_seed(seed)
    torch.set_num_threads(1)
    path = default_model_path()
    tokenizer = AutoTokenizer.from_pretrained(path)
    encoder = AutoModel.from_pretrained(path)
    head = torch.nn.Linear(encoder.config.hidden_size, 1)
    optimiser = torch.optim.AdamW(
        [
            {"params": encoder.parameters(), "lr": 3e-5},
            {"params": head.parameters(), "lr": 1e-3},
        ],
        weight_decay=0.01,
    )

    def forward(texts: list[str]) -> torch.Tensor:
        batch = tokenizer(texts, padding=True, truncation=True, max_length=64, return_tensors="pt")
        hidden = encoder(**batch).last_hidden_state
        mask = batch["attention_mask"].unsqueeze(-1).float()
        pooled = (hidden * mask).sum(1) / mask.sum(1).clamp(min=1)
        logits: torch.Tensor = head(pooled).squeeze(-1)
        return logits

    texts = [t for s in splits.train for t in s.texts]
    labels = torch.tensor(np.concatenate([s.labels for s in splits.train]), dtype=torch.float32)
    weights = torch.tensor(
        [1.0 if s.name.startswith("claimbuster") else 3.0 for s in splits.train for _ in s.texts]
    )
    generator = torch.Generator().manual_seed(seed)
    keep = torch.randperm(len(texts), generator=generator)[:train_rows].tolist()
    texts, labels, weights = [texts[i] for i in keep], labels[keep], weights[keep]
    started = dt.datetime.now()
    for epoch in range(epochs):
        encoder.train()
        order = torch.randperm(len(texts), generator=generator)
        for step, batch_rows in enumerate(torch.split(order, 32)):
            rows = batch_rows.tolist()
            loss = torch.nn.functional.binary_cross_entropy_with_logits(
                forward([texts[i] for i in rows]), labels[rows], weight=weights[rows]
            )
            optimiser.zero_grad()
            torch.autograd.backward(loss)
            optimiser.step()
            if step % 50 == 0:
                logger.info("epoch %d step %d loss %.3f", epoch, step, float(loss.detach()))
    encoder.eval()

    def probabilities(data: LabelledSet) -> npt.NDArray[np.float64]:
        with torch.no_grad():
            out = [
                torch.sigmoid(forward(data.texts[i : i + 128])).numpy()
                for i in range(0, len(data.texts), 128)
            ]
        return np.concatenate(out).astype(np.float64)

    # Every 4th debate dev row for the threshold, the fixed sample of test rows for reporting.
    dev = [_every(s, 4) if s.name.startswith("claimbuster") else s for s in splits.dev]
    dev_scores = {s.name: probabilities(s) for s in dev}
    threshold = choose_threshold([(s.labels, dev_scores[s.name]) for s in dev])
    results = {s.name: metrics(s.labels, dev_scores[s.name], threshold) for s in dev}
    sample = fixed_sample(splits)
    results[sample.name] = metrics(sample.labels, probabilities(sample), threshold)

    minutes = (dt.datetime.now() - started).total_seconds() / 60
    title = f"fine-tuned MiniLM, {len(texts)} texts, {epochs} epoch(s), {minutes:.0f} min"
    print(format_table(results, threshold, title))


def main(argv: list[str] | None = None) -> int:
    """Train, calibrate, choose the threshold, evaluate and write the artefact and card."""

    defaults = HeadConfig()
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--data-dir", type=Path, default=DEFAULT_DATA_DIR)
    parser.add_argument("--output", type=Path, default=ARTIFACT_PATH)
    parser.add_argument("--hidden", type=int, default=defaults.hidden)
    parser.add_argument("--epochs", type=int, default=defaults.epochs)
    parser.add_argument("--tweet-weight", type=float, default=defaults.tweet_weight)
    parser.add_argument("--dropout", type=float, default=defaults.dropout)
    parser.add_argument("--weight-decay", type=float, default=defaults.weight_decay)
    parser.add_argument("--vocabulary-size", type=int, default=defaults.vocabulary_size)
    parser.add_argument("--ngram-l2", type=float, default=defaults.ngram_l2)
    parser.add_argument("--no-features", action="store_true", help="embedding only (ablation)")
    parser.add_argument("--dry-run", action="store_true", help="evaluate, write nothing")
    parser.add_argument(
        "--finetune-experiment",
        action="store_true",
        help="fine-tune MiniLM end to end instead and print its table (writes nothing)",
    )
    args = parser.parse_args(argv)
    logging.basicConfig(level=logging.INFO, format="%(levelname)s %(name)s: %(message)s")

    config = HeadConfig(
        hidden=args.hidden,
        dropout=args.dropout,
        weight_decay=args.weight_decay,
        epochs=args.epochs,
        tweet_weight=args.tweet_weight,
        vocabulary_size=args.vocabulary_size,
        ngram_l2=args.ngram_l2,
    )
    splits = load_splits(args.data_dir)
    if args.finetune_experiment:
        finetune_experiment(splits)
        return 0
    embedder = Embedder()

    def design(data: LabelledSet) -> Matrix:
        vectors = embed_cached(embedder, data.texts)
        if args.no_features:
            return np.hstack([vectors, np.zeros((len(data.texts), len(FEATURE_NAMES)))]).astype(
                np.float32
            )
        return inputs(vectors, data.texts)

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
    scorer = HeadScorer(weights)
    threshold = choose_threshold(
        [(y, scorer.probabilities(x, texts)) for x, y, texts in dev_xy],
    )
    scorer.threshold = threshold
    weights = weights.with_threshold(threshold)

    results = evaluate(
        scorer, {s.name: (design(s), s.labels, s.texts) for s in [*splits.dev, *splits.test]}
    )
    print(format_table(results, threshold))
    sample = fixed_sample(splits)
    sample_metrics = evaluate(scorer, {sample.name: (design(sample), sample.labels, sample.texts)})
    if args.dry_run:
        return 0

    args.output.parent.mkdir(parents=True, exist_ok=True)
    weights.save(args.output)
    card = {
        "artefact": args.output.name,
        "what": "MLP head on all-MiniLM-L6-v2 sentence embeddings + surface features; "
        "Platt-calibrated probability that a text is a check-worthy factual claim",
        "created": dt.datetime.now(dt.UTC).isoformat(timespec="seconds"),
        "commit": git_commit(),
        "command": "python -m training.checkworthiness " + " ".join(argv or sys.argv[1:]),
        "data": {
            "train": {s.name: [len(s.texts), s.positives] for s in splits.train},
            "dev (early stopping, calibration, threshold)": {
                s.name: [len(s.texts), s.positives] for s in splits.dev
            },
            "test (reporting only)": {s.name: [len(s.texts), s.positives] for s in splits.test},
            "counts": "[rows, check-worthy]",
            "claimbuster_label": "Verdict == 1 (check-worthy factual) vs -1/0",
            "claimbuster_debates": splits.debates,
            "split_seed": SEED,
        },
        "encoder": {"model": embedder.model_name, "precision": embedder.precision.value},
        "features": list(FEATURE_NAMES) if not args.no_features else [],
        "hyper_parameters": {
            "hidden": config.hidden,
            "dropout": config.dropout,
            "weight_decay": config.weight_decay,
            "learning_rate": config.learning_rate,
            "max_epochs": config.epochs,
            "best_epoch": best_epoch,
            "batch_size": config.batch_size,
            "tweet_weight": config.tweet_weight,
            "vocabulary_size": len(weights.vocabulary),
            "min_document_frequency": config.min_document_frequency,
            "ngram_l2": config.ngram_l2,
            "calibration": {"slope": slope, "intercept": intercept},
        },
        "threshold": threshold,
        "metrics": {name: metrics.as_dict() for name, metrics in results.items()},
        "fixed_sample": {
            "what": "every 10th row of claimbuster-test and checkthat2022-dev (see fixed_sample)",
            "metrics": sample_metrics[sample.name].as_dict(),
        },
    }
    card_path = args.output.with_suffix(".json") if args.output != ARTIFACT_PATH else CARD_PATH
    card_path.write_text(json.dumps(card, indent=2) + "\n", encoding="utf-8")
    logger.info("wrote %s and %s", args.output, card_path)
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
