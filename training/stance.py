"""Train the stance model (text, claim) -> asserts | reports | debunks | unrelated from FNC-1.

``python -m training.stance`` reads ``../shared/data/fnc1-stance`` (the article body is the
text, the headline the claim; agree -> asserts, discuss -> reports, disagree -> debunks,
unrelated -> unrelated), splits it by body, and writes ``models/artifacts/stance.safetensors``
(the cross-encoder's LoRA adapters and head), ``stance.boost.json`` (boosted trees over the
features) and ``stance.json`` (its card: command, data, split, hyper-parameters, the
calibrated head, metrics, commit, minutes).

The split keeps whole topics apart: bodies linked by a related headline (FNC-1 pairs a body
with headlines written about the same event) form a topic, and each topic goes wholly to
train, dev or test. A plain split by body would put the same headlines in train and test;
the competition test has other topics. Stages:

1. Pick the sentences each pair's model reads (``models.stance.prepare_inputs``: the lead
   sentence and the sentences sharing most words with the headline, within a word budget).
2. Fine-tune the cross-encoder on train pairs: every agree pair, disagree pairs repeated,
   discuss and unrelated pairs subsampled, with class weights for what remains skewed.
3. On train pairs: fit gradient-boosted trees over the features (cue rates, relatedness,
   claim cues; ``models.stance.FEATURE_NAMES``), exported for numpy evaluation.
4. On dev: fit the softmax temperature, then the calibrated head (logistic regression over
   the cross-encoder's and the trees' log-probabilities and the features).
5. On test: score the cross-encoder alone, the head, the trees alone, features-only models (logistic
   regression and gradient boosting fitted on train) and the rule reader.
"""

from __future__ import annotations

import argparse
import csv
import itertools
import json
import logging
import random
import sys
import time
from collections import Counter, defaultdict
from collections.abc import Sequence
from dataclasses import dataclass, replace
from pathlib import Path
from typing import Any

import numpy as np
import numpy.typing as npt

from models.encoders.cross_encoder import (
    CrossEncoder,
    CrossEncoderSpec,
    artifact_paths,
    build_network,
    save_artifact,
    softmax,
)
from models.stance import (
    ARTIFACT_NAME,
    HEAD_INPUTS,
    LABELS,
    BoostedTrees,
    Stance,
    StanceHead,
    StanceInput,
    boosted_trees_path,
    classify_stance,
    head_inputs,
    prepare_inputs,
)
from training.cross_encoder import (
    FineTuneConfig,
    PairExample,
    add_base_argument,
    fine_tune,
    fit_temperature,
    fold_into_adapters,
    on_base,
    predict,
)
from training.provenance import git_commit

logger = logging.getLogger(__name__)

DATA_DIR = Path("../shared/data")
FNC_LABELS = {
    "agree": Stance.ASSERTS,
    "discuss": Stance.REPORTS,
    "disagree": Stance.DEBUNKS,
    "unrelated": Stance.UNRELATED,
}
RELATED = (Stance.ASSERTS, Stance.REPORTS, Stance.DEBUNKS)
SPLIT_SEED = 19
SPLIT_SHARES = {"train": 0.70, "dev": 0.15, "test": 0.15}


@dataclass(frozen=True, slots=True)
class StancePair:
    """One FNC-1 pair: the body is the text, the headline the claim."""

    body_id: int
    text: str
    claim: str
    stance: Stance


def load_fnc1(data_dir: Path = DATA_DIR) -> list[StancePair]:
    """Every FNC-1 training pair with its body text, in file order."""
    folder = data_dir / "fnc1-stance"
    with (folder / "train_bodies.csv").open(encoding="utf-8", newline="") as handle:
        bodies = {int(row["Body ID"]): row["articleBody"] for row in csv.DictReader(handle)}
    with (folder / "train_stances.csv").open(encoding="utf-8", newline="") as handle:
        return [
            StancePair(
                int(row["Body ID"]),
                bodies[int(row["Body ID"])],
                row["Headline"],
                FNC_LABELS[row["Stance"]],
            )
            for row in csv.DictReader(handle)
        ]


def split_by_topic(pairs: Sequence[StancePair], seed: int = SPLIT_SEED) -> dict[str, set[int]]:
    """Body ids of train, dev and test: topics (bodies joined by related headlines) shuffled
    with ``seed`` and dealt out until each part has its share of bodies."""
    parent: dict[object, object] = {}

    def root(node: object) -> object:
        parent.setdefault(node, node)
        while parent[node] != node:
            parent[node] = parent[parent[node]]
            node = parent[node]
        return node

    for pair in pairs:
        root(("body", pair.body_id))
        if pair.stance is not Stance.UNRELATED:
            parent[root(("body", pair.body_id))] = root(("headline", pair.claim))
    topics: dict[object, list[int]] = defaultdict(list)
    for body in sorted({p.body_id for p in pairs}):
        topics[root(("body", body))].append(body)
    groups = sorted(topics.values())
    random.Random(seed).shuffle(groups)
    total = sum(len(g) for g in groups)
    parts: dict[str, set[int]] = {name: set() for name in SPLIT_SHARES}
    for group in groups:
        # The part furthest below its share takes the next topic.
        name = min(SPLIT_SHARES, key=lambda n: len(parts[n]) / total - SPLIT_SHARES[n])
        parts[name].update(group)
    return parts


def split_pairs(pairs: Sequence[StancePair], seed: int = SPLIT_SEED) -> dict[str, list[StancePair]]:
    """The pairs of each part of ``split_by_topic``."""
    parts = split_by_topic(pairs, seed)
    return {name: [p for p in pairs if p.body_id in bodies] for name, bodies in parts.items()}


def sample_unrelated(pairs: Sequence[StancePair], count: int, seed: int) -> list[StancePair]:
    """All related pairs of ``pairs`` plus ``count`` unrelated ones drawn with ``seed``."""
    related = [p for p in pairs if p.stance is not Stance.UNRELATED]
    unrelated = [p for p in pairs if p.stance is Stance.UNRELATED]
    rng = random.Random(seed)
    return related + rng.sample(unrelated, min(count, len(unrelated)))


def balanced_related(pairs: Sequence[StancePair], per_class: int, seed: int) -> list[StancePair]:
    """``per_class`` related pairs of each stance (fewer when a class has fewer)."""
    rng = random.Random(seed)
    chosen: list[StancePair] = []
    for stance in RELATED:
        members = [p for p in pairs if p.stance is stance]
        chosen.extend(rng.sample(members, min(per_class, len(members))))
    return chosen


def _balanced_rows(pairs: Sequence[StancePair], seed: int) -> list[int]:
    """Positions in ``pairs`` of their balanced related sample (200 per class at most)."""
    rows = {(p.body_id, p.claim): i for i, p in enumerate(pairs)}
    return [rows[(p.body_id, p.claim)] for p in balanced_related(pairs, 200, seed + 3)]


def _dev_balanced(
    dev: Sequence[StancePair], probabilities: npt.NDArray[np.float32], seed: int
) -> dict[str, Any]:
    """Scores of the cross-encoder alone on a balanced sample of the dev topics' related
    pairs, drawn as the test sample is."""
    chosen = _balanced_rows(dev, seed)
    predicted = _argmax(probabilities[chosen])
    return scores([dev[i].stance for i in chosen], predicted)


def training_examples(
    pairs: Sequence[StancePair],
    prepared: dict[tuple[int, str], StanceInput],
    *,
    discuss: int,
    unrelated: int,
    disagree_repeats: int,
    seed: int,
) -> tuple[list[PairExample], dict[str, float]]:
    """Cross-encoder training pairs, rebalanced: agree all, disagree repeated, discuss and
    unrelated subsampled; the class weights even out what the sampling leaves skewed."""
    rng = random.Random(seed)
    by_class: dict[Stance, list[StancePair]] = defaultdict(list)
    for pair in pairs:
        by_class[pair.stance].append(pair)
    chosen: dict[Stance, list[StancePair]] = {
        Stance.ASSERTS: by_class[Stance.ASSERTS],
        Stance.REPORTS: rng.sample(
            by_class[Stance.REPORTS], min(discuss, len(by_class[Stance.REPORTS]))
        ),
        Stance.DEBUNKS: by_class[Stance.DEBUNKS] * disagree_repeats,
        Stance.UNRELATED: rng.sample(
            by_class[Stance.UNRELATED], min(unrelated, len(by_class[Stance.UNRELATED]))
        ),
    }
    mean = np.mean([len(v) for v in chosen.values()])
    # Square-root weights: halfway to balanced, so rare classes count more without their
    # few (repeated) examples dominating the gradient.
    weights = {s: float(np.sqrt(mean / len(v))) for s, v in chosen.items()}
    examples = [
        PairExample(
            prepared[(p.body_id, p.claim)].context,
            p.claim,
            LABELS.index(stance),
            weights[stance],
        )
        for stance, members in chosen.items()
        for p in members
    ]
    rng.shuffle(examples)
    return examples, {s.value: round(w, 4) for s, w in weights.items()}


def scores(gold: Sequence[Stance], predicted: Sequence[Stance]) -> dict[str, Any]:
    """Per-class precision/recall/F1, macro-F1 over the related classes (and over all four),
    accuracy and the confusion matrix (rows gold, columns predicted, ``LABELS`` order)."""
    table: dict[str, Any] = {"n": len(gold), "per_class": {}}
    f1s: dict[Stance, float] = {}
    for label in LABELS:
        tp = sum(g is label and p is label for g, p in zip(gold, predicted, strict=True))
        fp = sum(g is not label and p is label for g, p in zip(gold, predicted, strict=True))
        fn = sum(g is label and p is not label for g, p in zip(gold, predicted, strict=True))
        precision = tp / (tp + fp) if tp + fp else 0.0
        recall = tp / (tp + fn) if tp + fn else 0.0
        f1 = 2 * precision * recall / (precision + recall) if precision + recall else 0.0
        f1s[label] = f1
        table["per_class"][label.value] = {
            "precision": round(precision, 4),
            "recall": round(recall, 4),
            "f1": round(f1, 4),
            "support": tp + fn,
        }
    table["macro_f1_related"] = round(float(np.mean([f1s[s] for s in RELATED])), 4)
    present = [s for s in LABELS if s in gold]
    table["macro_f1_all"] = round(float(np.mean([f1s[s] for s in present])), 4)
    table["accuracy"] = round(
        sum(g is p for g, p in zip(gold, predicted, strict=True)) / max(1, len(gold)), 4
    )
    table["confusion"] = [
        [sum(g is a and p is b for g, p in zip(gold, predicted, strict=True)) for b in LABELS]
        for a in LABELS
    ]
    return table


def fit_head(
    inputs: npt.NDArray[np.float64],
    gold: Sequence[Stance],
    c: float,
    *,
    names: tuple[str, ...] = HEAD_INPUTS,
    digits: int | None = None,
) -> StanceHead:
    """Fit the calibrated head: standardised multinomial logistic regression, classes weighted
    to balance (so its probabilities assume no class is rarer than another).

    Args:
        inputs: One row per pair, one column per name of ``names``.
        gold: The pairs' stances.
        c: The inverse regularisation strength.
        names: What the columns are. Defaults to the English head's ``HEAD_INPUTS``.
        digits: Round the stored numbers to this many decimals; None keeps them whole.
    """
    from sklearn.linear_model import LogisticRegression

    if inputs.shape[1] != len(names):
        raise ValueError(f"head inputs have {inputs.shape[1]} columns, not {len(names)}")
    mean = inputs.mean(axis=0)
    scale = inputs.std(axis=0)
    scale[scale < 1e-9] = 1.0
    labels = np.asarray([LABELS.index(s) for s in gold])
    model = LogisticRegression(C=c, class_weight="balanced", max_iter=2000)
    model.fit((inputs - mean) / scale, labels)
    coef = np.zeros((len(LABELS), inputs.shape[1]))
    intercept = np.full(len(LABELS), -30.0)  # a class never seen is never predicted
    for row, label in enumerate(model.classes_):
        coef[label] = model.coef_[row]
        intercept[label] = model.intercept_[row]

    def kept(value: float) -> float:
        return float(value) if digits is None else round(float(value), digits)

    return StanceHead(
        inputs=names,
        mean=tuple(kept(v) for v in mean),
        scale=tuple(kept(v) for v in scale),
        coef=tuple(tuple(kept(v) for v in row) for row in coef),
        intercept=tuple(kept(v) for v in intercept),
    )


def fit_boosted(
    features: npt.NDArray[np.float64], gold: Sequence[Stance], seed: int
) -> BoostedTrees:
    """Gradient-boosted trees over the features of the train pairs, classes weighted to
    balance, exported to ``BoostedTrees`` (100 rounds of 15-leaf trees, learning rate 0.1)."""
    from sklearn.ensemble import HistGradientBoostingClassifier
    from threadpoolctl import threadpool_limits

    labels = np.asarray([LABELS.index(s) for s in gold])
    model = HistGradientBoostingClassifier(
        class_weight="balanced",
        max_iter=100,
        learning_rate=0.1,
        max_leaf_nodes=15,
        random_state=seed,
    )
    # One OpenMP thread: on shared cores, more threads spin more than they work.
    with threadpool_limits(limits=1):
        model.fit(features, labels)
    if list(model.classes_) != list(range(len(LABELS))):
        raise ValueError(f"boosted trees need every class in training, got {model.classes_}")
    roots: list[int] = []
    classes: list[int] = []
    columns: dict[str, list[Any]] = {n: [] for n in ("feature", "threshold", "left", "right")}
    value: list[float] = []
    for rounds in model._predictors:
        for label, predictor in enumerate(rounds):
            start = len(value)
            roots.append(start)
            classes.append(label)
            for node_index, node in enumerate(predictor.nodes):
                leaf = bool(node["is_leaf"])
                columns["feature"].append(int(node["feature_idx"]))
                columns["threshold"].append(float(node["num_threshold"]))
                columns["left"].append(start + (node_index if leaf else int(node["left"])))
                columns["right"].append(start + (node_index if leaf else int(node["right"])))
                value.append(float(node["value"]) if leaf else 0.0)
    trees = BoostedTrees(
        baseline=tuple(float(v) for v in np.ravel(model._baseline_prediction)),
        roots=tuple(roots),
        classes=tuple(classes),
        feature=tuple(columns["feature"]),
        threshold=tuple(columns["threshold"]),
        left=tuple(columns["left"]),
        right=tuple(columns["right"]),
        value=tuple(value),
    )
    # The export must predict what scikit-learn predicts.
    if not np.allclose(trees.probabilities(features[:500]), model.predict_proba(features[:500])):
        raise AssertionError("exported boosted trees disagree with scikit-learn")
    return trees


def expected_calibration_error(
    probabilities: npt.NDArray[Any], gold: Sequence[Stance], bins: int = 10
) -> float:
    """Mean |accuracy - confidence| over confidence bins, weighted by the bins' sizes."""
    confidence = probabilities.max(axis=1)
    correct = np.asarray(
        [LABELS[int(i)] is g for i, g in zip(probabilities.argmax(axis=1), gold, strict=True)]
    )
    total = 0.0
    edges = np.linspace(0.0, 1.0, bins + 1)
    for low, high in itertools.pairwise(edges):
        inside = (confidence > low) & (confidence <= high)
        if inside.any():
            total += inside.sum() * abs(correct[inside].mean() - confidence[inside].mean())
    return round(float(total / len(gold)), 4)


def _argmax(probabilities: npt.NDArray[Any]) -> list[Stance]:
    return [LABELS[int(i)] for i in probabilities.argmax(axis=1)]


def main(argv: Sequence[str] | None = None) -> int:
    """Train, calibrate, measure and write the stance artefact."""
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--data-dir", type=Path, default=DATA_DIR)
    parser.add_argument("--out-dir", type=Path, default=None, help="default: models/artifacts")
    parser.add_argument("--seed", type=int, default=SPLIT_SEED, help="split and sampling seed")
    parser.add_argument("--max-length", type=int, default=128, help="tokens per pair")
    parser.add_argument("--budget-words", type=int, default=70, help="words read per text")
    parser.add_argument("--epochs", type=float, default=1.0)
    parser.add_argument("--batch-size", type=int, default=16)
    parser.add_argument(
        "--learning-rate",
        type=float,
        default=None,
        help="peak rate of the encoder's trained weights (default 5e-4 for adapters, 4e-5"
        " with --full-fine-tune)",
    )
    parser.add_argument("--lora-rank", type=int, default=8, help="the artefact's adapter rank")
    parser.add_argument(
        "--full-fine-tune",
        action="store_true",
        help="train every encoder weight but the embeddings, then fold the change into"
        " adapters of --lora-rank (truncated SVD)",
    )
    add_base_argument(parser)
    parser.add_argument("--discuss", type=int, default=3000, help="discuss pairs kept")
    parser.add_argument("--unrelated", type=int, default=2000, help="unrelated pairs kept")
    parser.add_argument("--disagree-repeats", type=int, default=3)
    parser.add_argument("--eval-unrelated", type=int, default=1500, help="per dev/test part")
    parser.add_argument("--head-c", type=float, default=0.05, help="head's inverse L2 strength")
    parser.add_argument("--threads", type=int, default=None, help="torch threads")
    parser.add_argument("--max-steps", type=int, default=None, help="cap (smoke runs)")
    parser.add_argument(
        "--smoke", action="store_true", help="a few hundred pairs per part (checks the wiring)"
    )
    parser.add_argument(
        "--head-only",
        action="store_true",
        help="keep the artefact's fine-tuned cross-encoder; refit its temperature and head"
        " (after a change to the features) and rewrite the card",
    )
    args = parser.parse_args(argv)
    logging.basicConfig(level=logging.INFO, format="%(levelname)s %(name)s: %(message)s")
    started = time.monotonic()
    if args.threads:
        # Also for the sentence encode: on shared cores, fewer threads spin less.
        import torch

        torch.set_num_threads(args.threads)

    pairs = load_fnc1(args.data_dir)
    parts = split_pairs(pairs, args.seed)
    for name, members in parts.items():
        counts = Counter(p.stance.value for p in members)
        logger.info("%s: %d bodies, %s", name, len({p.body_id for p in members}), dict(counts))
    if args.smoke:
        rng = random.Random(args.seed)
        parts = {n: rng.sample(m, min(len(m), 600)) for n, m in parts.items()}
    train = parts["train"]
    dev = sample_unrelated(parts["dev"], args.eval_unrelated, args.seed)
    test = sample_unrelated(parts["test"], args.eval_unrelated, args.seed + 1)
    # Train pairs the cross-encoder or the features-only models read.
    train_used = sample_unrelated(train, max(args.unrelated, 4000), args.seed + 2)

    wanted = {(p.body_id, p.claim): p for p in [*train_used, *dev, *test]}
    keys = list(wanted)
    logger.info("preparing %d pairs (sentence selection, features)", len(keys))
    inputs = prepare_inputs([(wanted[k].text, wanted[k].claim) for k in keys], args.budget_words)
    prepared = dict(zip(keys, inputs, strict=True))
    prepare_minutes = (time.monotonic() - started) / 60

    examples, class_weights = training_examples(
        train_used,
        prepared,
        discuss=args.discuss,
        unrelated=args.unrelated,
        disagree_repeats=args.disagree_repeats,
        seed=args.seed,
    )
    epochs = args.epochs
    if args.max_steps:
        epochs = min(args.epochs, args.max_steps * args.batch_size / len(examples))
    config = FineTuneConfig(
        epochs=epochs,
        batch_size=args.batch_size,
        learning_rate=args.learning_rate or (4e-5 if args.full_fine_tune else 5e-4),
        max_length=args.max_length,
        seed=args.seed,
        threads=args.threads,
    )
    spec = CrossEncoderSpec(
        labels=tuple(s.value for s in LABELS),
        max_length=args.max_length,
        lora_rank=args.lora_rank,
        lora_alpha=2 * args.lora_rank,
        base_model=args.base,
    )
    spec, base_path = on_base(spec)
    network: Any = None
    folded_share: float | None = None
    previous: dict[str, Any] = {}
    if args.head_only:
        encoder = CrossEncoder(ARTIFACT_NAME, directory=args.out_dir, runtime="torch")
        previous = json.loads(artifact_paths(ARTIFACT_NAME, args.out_dir)[1].read_text())
        spec = encoder.spec
        losses = previous["card"]["training"]["loss_by_tenth"]
        train_minutes = float(previous["card"]["minutes"]["fine_tune"])

        def ce_logits(members: Sequence[StancePair]) -> npt.NDArray[np.float32]:
            contexts = [prepared[(p.body_id, p.claim)] for p in members]
            return encoder.logits([(c.context, c.claim) for c in contexts])

    else:
        from transformers import AutoTokenizer

        tokenizer = AutoTokenizer.from_pretrained(base_path, local_files_only=True)
        # Full fine-tuning trains every encoder weight (embeddings aside), then folds the
        # change into adapters of --lora-rank: the artefact keeps the size of a LoRA run's.
        network = build_network(
            replace(spec, lora_rank=0) if args.full_fine_tune else spec, base_path
        )
        logger.info(
            "fine-tuning on %d pairs (%s)",
            len(examples),
            Counter(LABELS[e.label] for e in examples),
        )
        train_started = time.monotonic()
        losses = fine_tune(network, tokenizer, examples, config)
        train_minutes = (time.monotonic() - train_started) / 60
        if args.full_fine_tune:
            network, folded_share = fold_into_adapters(network, spec, base_path)
            logger.info(
                "folded into rank-%d adapters: %.3f of the change kept",
                spec.lora_rank,
                folded_share,
            )

        def ce_logits(members: Sequence[StancePair]) -> npt.NDArray[np.float32]:
            contexts = [prepared[(p.body_id, p.claim)] for p in members]
            return predict(network, tokenizer, [(c.context, c.claim) for c in contexts], config)

    dev_logits = ce_logits(dev)
    test_logits = ce_logits(test)
    dev_gold = [p.stance for p in dev]
    test_gold = [p.stance for p in test]
    temperature = fit_temperature(dev_logits, [LABELS.index(s) for s in dev_gold])
    spec = replace(spec, temperature=temperature)
    dev_ce = softmax(dev_logits / np.float32(temperature))
    test_ce = softmax(test_logits / np.float32(temperature))

    def features(members: Sequence[StancePair]) -> list[list[float]]:
        return [prepared[(p.body_id, p.claim)].features for p in members]

    # Features-only models, fitted on train pairs (no cross-encoder); the boosted trees
    # also feed the head.
    from sklearn.ensemble import HistGradientBoostingClassifier
    from sklearn.linear_model import LogisticRegression
    from sklearn.pipeline import make_pipeline
    from sklearn.preprocessing import StandardScaler

    train_x = np.asarray(features(train_used))
    train_y = np.asarray([LABELS.index(p.stance) for p in train_used])
    test_x = np.asarray(features(test))
    dev_x = np.asarray(features(dev))
    trees = fit_boosted(train_x, [p.stance for p in train_used], args.seed)
    test_trees = trees.probabilities(test_x)

    head = fit_head(head_inputs(dev_ce, trees.probabilities(dev_x), dev_x), dev_gold, args.head_c)
    test_head = head.probabilities(head_inputs(test_ce, test_trees, test_x))
    linear = make_pipeline(
        StandardScaler(), LogisticRegression(class_weight="balanced", max_iter=2000)
    )
    linear.fit(train_x, train_y)
    boosted = HistGradientBoostingClassifier(
        class_weight="balanced", max_iter=300, learning_rate=0.1, random_state=args.seed
    )
    boosted.fit(train_x, train_y)

    test_related = [i for i, p in enumerate(test) if p.stance is not Stance.UNRELATED]
    balanced_rows = _balanced_rows(test, args.seed)

    def report(predicted: list[Stance]) -> dict[str, Any]:
        return {
            "test": scores(test_gold, predicted),
            "test_related": scores(
                [test_gold[i] for i in test_related], [predicted[i] for i in test_related]
            ),
            "test_balanced": scores(
                [test_gold[i] for i in balanced_rows], [predicted[i] for i in balanced_rows]
            ),
        }

    rule = [classify_stance(prepared[(p.body_id, p.claim)].context, p.claim) for p in test]
    metrics: dict[str, Any] = {
        "head": report(_argmax(test_head)),
        "cross_encoder": report(_argmax(test_ce)),
        "features_logistic": report([LABELS[int(i)] for i in linear.predict(test_x)]),
        "features_boosting": report([LABELS[int(i)] for i in boosted.predict(test_x)]),
        "boosted_trees": report(_argmax(test_trees)),
        "rule_reader": report(rule),
        "head_ece_test": expected_calibration_error(test_head, test_gold),
        "cross_encoder_ece_test": expected_calibration_error(test_ce, test_gold),
        # The dev topics are the head's training data, but the cross-encoder never reads
        # them: its score there chooses between runs without looking at the test topics.
        "cross_encoder_dev_balanced": _dev_balanced(dev, dev_ce, args.seed),
    }
    for name in (
        "head",
        "cross_encoder",
        "boosted_trees",
        "features_logistic",
        "features_boosting",
        "rule_reader",
    ):
        summary = metrics[name]
        logger.info(
            "%-18s test macro-F1 related %.3f | related-only %.3f | balanced %.3f",
            name,
            summary["test"]["macro_f1_related"],
            summary["test_related"]["macro_f1_related"],
            summary["test_balanced"]["macro_f1_related"],
        )

    card = {
        "task": "stance of a text towards a claim: asserts | reports | debunks | unrelated",
        "command": "python -m training.stance " + " ".join(sys.argv[1:] if argv is None else argv),
        "data": "fnc1-stance/train_bodies.csv + train_stances.csv (body = text, headline = claim;"
        " agree->asserts, discuss->reports, disagree->debunks, unrelated->unrelated)",
        "split": {
            "how": "by topic: bodies joined by a related headline form a topic; topics shuffled"
            " with the seed and dealt to train/dev/test by body share",
            "seed": args.seed,
            "shares": SPLIT_SHARES,
            "bodies": {n: len({p.body_id for p in m}) for n, m in parts.items()},
            "pairs": {n: dict(Counter(p.stance.value for p in m)) for n, m in parts.items()},
            "dev_and_test_unrelated_sampled": args.eval_unrelated,
        },
        "selection": {
            "budget_words": args.budget_words,
            "lead_sentences": 1,
            "relatedness": "share of the claim's stemmed words in the sentence"
            " + 0.5 * share of its word pairs",
        },
        "training": {
            "examples": len(examples),
            "examples_per_class": dict(Counter(LABELS[e.label].value for e in examples)),
            "class_weights": class_weights,
            "discuss_kept": args.discuss,
            "unrelated_kept": args.unrelated,
            "disagree_repeats": args.disagree_repeats,
            "epochs": config.epochs,
            "batch_size": config.batch_size,
            "learning_rate": config.learning_rate,
            "head_learning_rate": config.head_learning_rate,
            "max_length": config.max_length,
            "lora_rank": spec.lora_rank,
            "full_fine_tune": args.full_fine_tune,
            "folded_share": None if folded_share is None else round(folded_share, 4),
            "bf16": config.uses_bf16(),
            "loss_by_tenth": losses,
        },
        "head": head.to_dict(),
        "boosted_trees": "stance.boost.json: 100 rounds of 15-leaf trees over the features,"
        " fitted on the train pairs the features-only models read, classes balanced",
        "head_c": args.head_c,
        "temperature": temperature,
        "metrics": metrics,
        "commit": git_commit(),
        "minutes": {
            "prepare": round(prepare_minutes, 1),
            "fine_tune": round(train_minutes, 1),
            "total": round((time.monotonic() - started) / 60, 1),
        },
    }
    if args.head_only:
        card["training"] = previous["card"]["training"]
        card["minutes"] = {**previous["card"]["minutes"], "head_refit": card["minutes"]["total"]}
        card["command"] = previous["card"]["command"]
        card["head_refit"] = {
            "command": "python -m training.stance "
            + " ".join(sys.argv[1:] if argv is None else argv),
            "commit": git_commit(),
        }
        weights, card_path = artifact_paths(ARTIFACT_NAME, args.out_dir)
        card_path.write_text(
            json.dumps({"spec": spec.to_dict(), "card": card}, indent=1) + "\n", encoding="utf-8"
        )
    else:
        weights, card_path = save_artifact(network, spec, ARTIFACT_NAME, card, args.out_dir)
    boosted_trees_path(card_path).write_text(json.dumps(trees.to_dict()) + "\n", encoding="utf-8")
    logger.info("wrote %s, %s and %s", weights, card_path, boosted_trees_path(card_path))
    return 0


def artifact_card(directory: Path | None = None) -> dict[str, Any]:
    """The committed stance artefact's card."""
    card: dict[str, Any] = json.loads(
        artifact_paths(ARTIFACT_NAME, directory)[1].read_text(encoding="utf-8")
    )["card"]
    return card


if __name__ == "__main__":
    raise SystemExit(main())
