"""Train the claim-matching re-ranker and its calibration; write ``models/artifacts/reranker.json``.

Run ``python -m training.first_stage [--data-dir ../shared/data]``. Candidates for each
CheckThat! 2022 task 2A train query come from the production retrieval code (dense +
BM25 through ``Matcher.candidates`` over ``FactCheckIndex``), so the negatives are the hard
negatives our own retrieval produces. A logistic regression is fitted on pair features;
its scores are calibrated by isotonic regression on out-of-fold train scores, and the
card records the dev metrics from ``evaluation.matching``.
"""

from __future__ import annotations

import argparse
import datetime as dt
import json
import logging
from collections.abc import Sequence
from pathlib import Path

import numpy as np
import numpy.typing as npt
from sklearn.isotonic import IsotonicRegression
from sklearn.linear_model import LogisticRegression
from sklearn.model_selection import GroupKFold

from evaluation.matching import CheckThatData, build_index, evaluate, load_checkthat
from models.embedding import TITLE_WEIGHT, Embedder
from models.retrieval import (
    FEATURE_NAMES,
    Calibration,
    Matcher,
    MatcherSettings,
    Reranker,
    clean_query,
    pair_features,
)
from training.data import cached_encode

logger = logging.getLogger(__name__)

ARTIFACT = Path(__file__).resolve().parent.parent / "models" / "artifacts" / "reranker.json"
# Pairs beyond this re-ranked depth are never shown, so calibration ignores them.
CALIBRATION_DEPTH = 5


def training_pairs(
    embedder: Embedder, data: CheckThatData, matcher: Matcher, title_weight: float = TITLE_WEIGHT
) -> tuple[npt.NDArray[np.float64], npt.NDArray[np.int64], npt.NDArray[np.int64]]:
    """Feature rows, 0/1 labels and group numbers for every candidate of every query.

    Each query is retrieved twice: against all fact-checks, and against an index without
    any of the split's relevant fact-checks (its group number offset by the query count),
    so the head also learns what a best candidate looks like when no fact-check matches,
    the common case in news articles. The fact-checks are stored as the service stores
    them, moved towards their headlines by ``title_weight`` (0: the claims alone).
    """
    vectors = cached_encode(embedder, [clean_query(q) for q in data.queries], "queries-clean")
    features: list[npt.NDArray[np.float64]] = []
    labels: list[npt.NDArray[np.int64]] = []
    groups: list[npt.NDArray[np.int64]] = []
    for offset, without in ((0, False), (len(data.queries), True)):
        index = build_index(embedder, data, without_relevant=without, title_weight=title_weight)
        pools = matcher.candidates(data.queries, vectors, index)
        for number, (query, pool, relevant) in enumerate(
            zip(data.queries, pools, data.relevant, strict=True)
        ):
            ids, rows = pair_features(clean_query(query), pool)
            features.append(rows)
            labels.append(np.array([int(i in relevant) for i in ids], dtype=np.int64))
            groups.append(np.full(len(ids), offset + number, dtype=np.int64))
    return np.concatenate(features), np.concatenate(labels), np.concatenate(groups)


def fit_head(
    features: npt.NDArray[np.float64], labels: npt.NDArray[np.int64], c: float
) -> Reranker:
    """A standardised logistic regression with the identity calibration."""
    mean = features.mean(axis=0)
    scale = features.std(axis=0)
    scale[scale == 0] = 1.0
    model = LogisticRegression(C=c, max_iter=2000)
    model.fit((features - mean) / scale, labels)
    return Reranker(
        weights=tuple(float(w) for w in model.coef_[0]),
        bias=float(model.intercept_[0]),
        mean=tuple(float(m) for m in mean),
        scale=tuple(float(s) for s in scale),
        calibration=Calibration((), ()),
    )


def top_mask(
    scores: npt.NDArray[np.float64], groups: npt.NDArray[np.int64], depth: int
) -> npt.NDArray[np.bool_]:
    """True for the ``depth`` best-scored rows of each group."""
    mask = np.zeros(scores.shape[0], dtype=bool)
    for group in np.unique(groups):
        rows = np.flatnonzero(groups == group)
        mask[rows[np.argsort(-scores[rows])[:depth]]] = True
    return mask


def fit_calibration(
    features: npt.NDArray[np.float64],
    labels: npt.NDArray[np.int64],
    groups: npt.NDArray[np.int64],
    c: float,
    folds: int = 5,
) -> Calibration:
    """Isotonic map from out-of-fold scores (top ``CALIBRATION_DEPTH`` per query) to P(correct)."""
    scores = np.zeros(features.shape[0])
    # Both retrievals of a query fall in the same fold.
    queries = groups % (groups.max() // 2 + 1)
    for train_rows, held_rows in GroupKFold(n_splits=folds).split(features, labels, queries):
        head = fit_head(features[train_rows], labels[train_rows], c)
        scores[held_rows] = head.score(features[held_rows])
    shown = top_mask(scores, groups, CALIBRATION_DEPTH)
    isotonic = IsotonicRegression(y_min=0.0, y_max=1.0, out_of_bounds="clip")
    isotonic.fit(scores[shown], labels[shown])
    knots_x = [float(x) for x in isotonic.X_thresholds_]
    knots_y = [float(y) for y in isotonic.y_thresholds_]
    return Calibration(tuple(knots_x), tuple(knots_y))


def main(argv: Sequence[str] | None = None) -> None:
    """Command-line entry point."""
    parser = argparse.ArgumentParser(description=__doc__)
    parser.add_argument("--data-dir", type=Path, default=Path("../shared/data"))
    parser.add_argument("--c", type=float, default=1.0, help="inverse L2 regularisation")
    parser.add_argument("--output", type=Path, default=ARTIFACT)
    parser.add_argument(
        "--title-weight",
        type=float,
        default=TITLE_WEIGHT,
        help="weight of each fact-check's headline in its vector (the service's); 0: claims alone",
    )
    args = parser.parse_args(argv)
    logging.basicConfig(level=logging.INFO)
    embedder = Embedder()
    matcher = Matcher(MatcherSettings())
    train = load_checkthat(args.data_dir, "train")
    features, labels, groups = training_pairs(embedder, train, matcher, args.title_weight)
    logger.info("%d pairs, %d positives, %d queries", len(labels), labels.sum(), len(train.queries))
    head = fit_head(features, labels, args.c)
    calibration = fit_calibration(features, labels, groups, args.c)
    reranker = Reranker(head.weights, head.bias, head.mean, head.scale, calibration)
    dev = load_checkthat(args.data_dir, "dev")
    report = evaluate(
        embedder, dev, Matcher(MatcherSettings(), reranker), title_weight=args.title_weight
    )
    card = {
        "made_by": "python -m training.first_stage",
        "trained": dt.date.today().isoformat(),
        "data": "CheckThat! 2022 task 2A English train qrels (queries x candidates from "
        "production dense+BM25 retrieval, once over all fact-checks and once with the train "
        "queries' fact-checks removed); calibration: isotonic on 5-fold out-of-fold train "
        f"scores of each retrieval's top {CALIBRATION_DEPTH}",
        "encoder": f"{embedder.model_name} ({embedder.precision.value})",
        "pairs": len(labels),
        "positives": int(labels.sum()),
        "C": args.c,
        "title_weight": args.title_weight,
        "weights": dict(zip(FEATURE_NAMES, head.weights, strict=True)),
        "dev": {
            "queries": report["queries"],
            "stages": report["stages"],
            "tiers": report["tiers"],
            "absent_tiers": report["absent_tiers"],
            "reliability": report["reliability"],
        },
    }
    args.output.parent.mkdir(parents=True, exist_ok=True)
    args.output.write_text(reranker.to_json(card) + "\n", encoding="utf-8")
    print(json.dumps(card["dev"], indent=1))


if __name__ == "__main__":
    main()
