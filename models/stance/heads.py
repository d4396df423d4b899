"""The calibrated head over the cross-encoder's log-probabilities, the boosted trees' and
the features, and the boosted trees themselves (run in numpy from their JSON export).
"""

from __future__ import annotations

from dataclasses import dataclass, fields
from typing import TYPE_CHECKING, Any

import numpy as np
import numpy.typing as npt

if TYPE_CHECKING:
    pass
from models.stance.cues import LABELS
from models.stance.reading import FEATURE_NAMES

Matrix = npt.NDArray[np.float64]


@dataclass(frozen=True, slots=True)
class StanceHead:
    """Multinomial logistic regression over the cross-encoder's log-probabilities and the
    features, fitted on held-out pairs so that its probabilities are calibrated.

    Attributes:
        inputs: Names of the inputs, in order (``ce_<label>`` then ``FEATURE_NAMES``).
        mean: Per-input mean used to standardise.
        scale: Per-input standard deviation used to standardise.
        coef: One row of weights per class in ``LABELS`` order.
        intercept: One bias per class.
    """

    inputs: tuple[str, ...]
    mean: tuple[float, ...]
    scale: tuple[float, ...]
    coef: tuple[tuple[float, ...], ...]
    intercept: tuple[float, ...]

    def to_dict(self) -> dict[str, Any]:
        """The head as JSON-ready fields."""
        return {
            "inputs": list(self.inputs),
            "mean": list(self.mean),
            "scale": list(self.scale),
            "coef": [list(row) for row in self.coef],
            "intercept": list(self.intercept),
        }

    @classmethod
    def from_dict(cls, data: dict[str, Any]) -> StanceHead:
        """Read the fields written by ``to_dict``."""
        return cls(
            inputs=tuple(data["inputs"]),
            mean=tuple(float(v) for v in data["mean"]),
            scale=tuple(float(v) for v in data["scale"]),
            coef=tuple(tuple(float(v) for v in row) for row in data["coef"]),
            intercept=tuple(float(v) for v in data["intercept"]),
        )

    def probabilities(self, inputs: Matrix) -> Matrix:
        """Class probabilities, one row per input row."""
        standard = (inputs - np.asarray(self.mean)) / np.asarray(self.scale)
        logits = standard @ np.asarray(self.coef).T + np.asarray(self.intercept)
        logits -= logits.max(axis=1, keepdims=True)
        exp = np.exp(logits)
        result: Matrix = exp / exp.sum(axis=1, keepdims=True)
        return result


@dataclass(frozen=True, slots=True)
class BoostedTrees:
    """Gradient-boosted trees over the features (an exported scikit-learn
    ``HistGradientBoostingClassifier``), fitted on the train topics: far more pairs than the
    dev topics the head is fitted on. The head reads their log-probabilities.

    Every tree's nodes are stored flat; ``left`` and ``right`` index into the flat arrays.
    A row goes left when its feature value is at most the node's threshold.

    Attributes:
        baseline: The raw score each class starts from.
        roots: The root node of each tree.
        classes: The class (index into ``LABELS``) each tree adds to.
        feature: Per node, the feature it splits on.
        threshold: Per node, the split threshold.
        left: Per node, its left child (itself for a leaf).
        right: Per node, its right child (itself for a leaf).
        value: Per node, the raw score a leaf adds.
    """

    baseline: tuple[float, ...]
    roots: tuple[int, ...]
    classes: tuple[int, ...]
    feature: tuple[int, ...]
    threshold: tuple[float, ...]
    left: tuple[int, ...]
    right: tuple[int, ...]
    value: tuple[float, ...]

    def to_dict(self) -> dict[str, Any]:
        """The trees as JSON-ready fields."""
        return {f.name: list(getattr(self, f.name)) for f in fields(self)}

    @classmethod
    def from_dict(cls, data: dict[str, Any]) -> BoostedTrees:
        """Read the fields written by ``to_dict``."""

        def floats(name: str) -> tuple[float, ...]:
            return tuple(float(v) for v in data[name])

        def ints(name: str) -> tuple[int, ...]:
            return tuple(int(v) for v in data[name])

        return cls(
            baseline=floats("baseline"),
            roots=ints("roots"),
            classes=ints("classes"),
            feature=ints("feature"),
            threshold=floats("threshold"),
            left=ints("left"),
            right=ints("right"),
            value=floats("value"),
        )

    def probabilities(self, features: Matrix) -> Matrix:
        """Class probabilities, one row per feature row."""
        features = np.asarray(features, dtype=np.float64).reshape(len(features), -1)
        feature = np.asarray(self.feature)
        threshold = np.asarray(self.threshold)
        left = np.asarray(self.left)
        right = np.asarray(self.right)
        rows = np.arange(len(features))[:, None]
        node = np.tile(np.asarray(self.roots), (len(features), 1))
        # Walk every tree for every row at once until all rows sit on leaves.
        while True:
            at_leaf = left[node] == node
            if at_leaf.all():
                break
            go_left = features[rows, feature[node]] <= threshold[node]
            node = np.where(at_leaf, node, np.where(go_left, left[node], right[node]))
        raw = np.tile(np.asarray(self.baseline), (len(features), 1))
        leaf_values = np.asarray(self.value)[node]
        for label in range(len(self.baseline)):
            raw[:, label] += leaf_values[:, np.asarray(self.classes) == label].sum(axis=1)
        raw -= raw.max(axis=1, keepdims=True)
        exp = np.exp(raw)
        result: Matrix = exp / exp.sum(axis=1, keepdims=True)
        return result


# The head's inputs: the cross-encoder's log-probabilities, the boosted trees'
# log-probabilities, then the features.
HEAD_INPUTS: tuple[str, ...] = (
    tuple(f"ce_{s.value}" for s in LABELS)
    + tuple(f"boost_{s.value}" for s in LABELS)
    + FEATURE_NAMES
)


def head_inputs(
    ce_probabilities: npt.NDArray[Any],
    boost_probabilities: npt.NDArray[Any],
    features: npt.ArrayLike,
) -> Matrix:
    """The head's input rows: log cross-encoder probabilities, log boosted-tree
    probabilities, then the features."""
    logs = [
        np.log(np.clip(np.asarray(p, dtype=np.float64), 1e-6, 1.0))
        for p in (ce_probabilities, boost_probabilities)
    ]
    rows = np.asarray(features, dtype=np.float64).reshape(len(logs[0]), -1)
    return np.hstack([*logs, rows])
