"""The stance training script's split and yardstick (the data is the real FNC-1 release)."""

from __future__ import annotations

import json

import numpy as np
import pytest

from models.stance import LABELS, BoostedTrees, Stance
from tests.conftest import DATA_DIR
from training.stance import SPLIT_SHARES, fit_boosted, load_fnc1, scores, split_by_topic


@pytest.fixture(scope="module")
def pairs() -> list:  # type: ignore[type-arg]
    return load_fnc1(DATA_DIR)


def test_topics_never_cross_the_split(pairs: list) -> None:  # type: ignore[type-arg]
    parts = split_by_topic(pairs)
    assert split_by_topic(pairs) == parts  # the seed fixes it
    bodies = [b for part in parts.values() for b in part]
    assert len(bodies) == len(set(bodies)) == len({p.body_id for p in pairs})
    part_of = {b: name for name, part in parts.items() for b in part}
    related_headline_parts: dict[str, set[str]] = {}
    for pair in pairs:
        if pair.stance is not Stance.UNRELATED:
            related_headline_parts.setdefault(pair.claim, set()).add(part_of[pair.body_id])
    assert all(len(names) == 1 for names in related_headline_parts.values())
    for name, share in SPLIT_SHARES.items():
        assert abs(len(parts[name]) / len(bodies) - share) < 0.03


def test_scores_on_a_known_confusion() -> None:
    a, r, d, u = Stance.ASSERTS, Stance.REPORTS, Stance.DEBUNKS, Stance.UNRELATED
    gold = [a, a, r, r, d, d, u]
    predicted = [a, r, r, r, d, u, u]
    table = scores(gold, predicted)
    assert table["per_class"]["asserts"] == {
        "precision": 1.0,
        "recall": 0.5,
        "f1": 0.6667,
        "support": 2,
    }
    assert table["per_class"]["reports"]["precision"] == 0.6667
    assert table["macro_f1_related"] == round((2 / 3 + 0.8 + 2 / 3) / 3, 4)
    assert table["confusion"][2] == [0, 0, 1, 1]


def test_boosted_trees_export_predicts_what_scikit_learn_predicts() -> None:
    rng = np.random.default_rng(0)
    features = rng.normal(size=(400, 5))
    # Each class is decided by one feature, so the trees have something to learn.
    classes = np.argmax(features[:, :4] + 0.3 * rng.normal(size=(400, 4)), axis=1)
    gold = [LABELS[int(c)] for c in classes]
    trees = fit_boosted(features, gold, seed=1)  # raises if the export disagrees
    again = BoostedTrees.from_dict(json.loads(json.dumps(trees.to_dict())))
    probabilities = again.probabilities(features)
    assert probabilities.shape == (400, len(LABELS))
    assert np.allclose(probabilities.sum(axis=1), 1.0)
    assert np.mean(probabilities.argmax(axis=1) == classes) > 0.8
