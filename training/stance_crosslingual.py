"""Fit the cross-lingual stance head on English FNC-1: a logistic regression over the cue
features of ``models.stance.crosslingual``, read with the English lexicon.

``python -m training.stance_crosslingual [--data-dir ../shared/data]`` writes
``models/artifacts/stance_crosslingual.json`` (the head and its card: command, data, split,
scores). The features are counts of debunk, report, hedge and negation cues, which mean the
same in every language: at run time a Spanish text is read through the Spanish lexicon by
the head fitted here. No non-English text is used in training, and none of
``multilingual-dev`` or ``realworld-dev``.

The FNC-1 split is the stance artefact's (by topic, the same seed): the head is fitted on
the train topics and scored on the test topics (and on a balanced sample of their related
pairs, as ``training.stance`` scores the English model).
"""

from __future__ import annotations

import argparse
import json
import logging
import random
import sys
import time
from collections import Counter
from collections.abc import Sequence
from pathlib import Path
from typing import Any

import numpy as np
import numpy.typing as npt

from models.encoders.cross_encoder import artifact_paths
from models.language import ENGLISH
from models.stance import LABELS, Stance, StanceHead, prepare_inputs
from models.stance.crosslingual import CROSSLINGUAL_ARTIFACT, CUE_FEATURES, pair_features
from training.provenance import git_commit
from training.stance import (
    DATA_DIR,
    RELATED,
    SPLIT_SEED,
    StancePair,
    balanced_related,
    fit_head,
    load_fnc1,
    sample_unrelated,
    scores,
    split_pairs,
)

logger = logging.getLogger(__name__)

BUDGET_WORDS = 70


def fit_cue_head(inputs: npt.NDArray[np.float64], gold: Sequence[Stance], c: float) -> StanceHead:
    """The English head's fit (``training.stance.fit_head``) over ``CUE_FEATURES``, its
    numbers rounded to six decimals for the artefact."""
    return fit_head(inputs, gold, c, names=CUE_FEATURES, digits=6)


def features_of(pairs: Sequence[StancePair]) -> npt.NDArray[np.float64]:
    """English cue features of FNC-1 pairs, computed as the runtime computes them."""
    prepared = prepare_inputs([(p.text, p.claim) for p in pairs], BUDGET_WORDS)
    return np.asarray(
        [pair_features(item, ENGLISH, BUDGET_WORDS) for item in prepared], dtype=np.float64
    )


def _predict(head: StanceHead, inputs: npt.NDArray[np.float64], related: bool) -> list[Stance]:
    probabilities = head.probabilities(inputs)
    if related:
        probabilities[:, LABELS.index(Stance.UNRELATED)] = 0.0
    return [LABELS[int(row.argmax())] for row in probabilities]


def _summary(table: dict[str, Any]) -> dict[str, Any]:
    return {
        "n": table["n"],
        "macro_f1_related": table["macro_f1_related"],
        "accuracy": table["accuracy"],
        "f1": {k: v["f1"] for k, v in table["per_class"].items()},
        "confusion": table["confusion"],
    }


def main(argv: Sequence[str] | None = None) -> int:
    """Fit, score and write the cross-lingual stance head."""
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--data-dir", type=Path, default=DATA_DIR)
    parser.add_argument("--out-dir", type=Path, default=None, help="default: models/artifacts")
    parser.add_argument("--seed", type=int, default=SPLIT_SEED)
    parser.add_argument("--discuss", type=int, default=3000, help="discuss pairs kept")
    parser.add_argument("--unrelated", type=int, default=2000, help="unrelated pairs kept")
    parser.add_argument("--c", type=float, default=1.0, help="inverse L2 strength")
    args = parser.parse_args(argv)
    logging.basicConfig(level=logging.INFO, format="%(levelname)s %(name)s: %(message)s")
    started = time.monotonic()
    parts = split_pairs(load_fnc1(args.data_dir), args.seed)
    rng = random.Random(args.seed)
    by_class: dict[Stance, list[StancePair]] = {s: [] for s in LABELS}
    for pair in parts["train"]:
        by_class[pair.stance].append(pair)
    train = [
        *by_class[Stance.ASSERTS],
        *rng.sample(by_class[Stance.REPORTS], min(args.discuss, len(by_class[Stance.REPORTS]))),
        *by_class[Stance.DEBUNKS],
        *rng.sample(
            by_class[Stance.UNRELATED], min(args.unrelated, len(by_class[Stance.UNRELATED]))
        ),
    ]
    test = sample_unrelated(parts["test"], 1500, args.seed + 1)
    logger.info("featurising %d train and %d test pairs", len(train), len(test))
    train_x = features_of(train)
    test_x = features_of(test)
    head = fit_cue_head(train_x, [p.stance for p in train], args.c)

    gold = [p.stance for p in test]
    related = [i for i, p in enumerate(test) if p.stance in RELATED]
    first = {(p.body_id, p.claim): i for i, p in reversed(list(enumerate(test)))}
    chosen = {(p.body_id, p.claim) for p in balanced_related(test, 200, args.seed + 3)}
    balanced = sorted(first[key] for key in chosen)
    predicted = _predict(head, test_x, related=False)
    given = _predict(head, test_x, related=True)
    metrics = {
        "test_all": _summary(scores(gold, predicted)),
        "test_related_given": _summary(
            scores([gold[i] for i in related], [given[i] for i in related])
        ),
        "test_balanced_related_given": _summary(
            scores([gold[i] for i in balanced], [given[i] for i in balanced])
        ),
    }
    for name, table in metrics.items():
        logger.info(
            "%s: macro-F1 %.3f, accuracy %.3f",
            name,
            table["macro_f1_related"],
            table["accuracy"],
        )
    card = {
        "what": "cross-lingual stance head: multinomial logistic regression over cue presence"
        " (models.stance.crosslingual.CUE_FEATURES) read with each language's hand-written"
        " lexicon; fitted on English only",
        "command": "python -m training.stance_crosslingual "
        + " ".join(sys.argv[1:] if argv is None else argv),
        "data": "FNC-1 train_stances.csv + train_bodies.csv (body = text, headline = claim),"
        " the stance artefact's split by topic",
        "split_seed": args.seed,
        "train_pairs": dict(Counter(p.stance.value for p in train)),
        "test_pairs": dict(Counter(p.stance.value for p in test)),
        "selection": {
            "budget_words": BUDGET_WORDS,
            "reads": "the whole text when it has at most 3 x budget words, else the"
            " stance model's selected sentences; the lead is the first sentence",
        },
        "c": args.c,
        "class_weight": "balanced",
        "head": head.to_dict(),
        "metrics": metrics,
        "commit": git_commit(),
        "minutes": round((time.monotonic() - started) / 60, 1),
    }
    path = artifact_paths(CROSSLINGUAL_ARTIFACT, args.out_dir)[1]
    path.write_text(json.dumps({"card": card}, indent=1) + "\n", encoding="utf-8")
    logger.info("wrote %s", path)
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
