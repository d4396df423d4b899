"""The first-stage head: a logistic regression over the pair features and the isotonic
calibration of its score, loaded from ``models/artifacts/reranker.json``.
"""

from __future__ import annotations

import json
from dataclasses import dataclass
from functools import lru_cache
from importlib import resources
from typing import Any

import numpy as np
import numpy.typing as npt

from models.retrieval.features import FEATURE_NAMES

DEFAULT_ARTIFACT = "reranker.json"


@dataclass(frozen=True, slots=True)
class Calibration:
    """Monotone map from re-ranker score to probability (isotonic knots, interpolated)."""

    scores: tuple[float, ...]
    probabilities: tuple[float, ...]

    def __call__(self, score: npt.NDArray[np.float64]) -> npt.NDArray[np.float64]:
        """Calibrated probabilities for raw scores."""
        if not self.scores:
            return 1.0 / (1.0 + np.exp(-score))
        return np.interp(score, self.scores, self.probabilities)


@dataclass(frozen=True, slots=True)
class Reranker:
    """A logistic-regression head over standardised pair features, with its calibration.

    Attributes:
        weights: One weight per feature (after standardisation).
        bias: Intercept.
        mean: Feature means used for standardisation.
        scale: Feature standard deviations used for standardisation.
        calibration: Score to probability map fitted on held-out queries.
        feature_names: The features, in order (checked against ``FEATURE_NAMES``).
    """

    weights: tuple[float, ...]
    bias: float
    mean: tuple[float, ...]
    scale: tuple[float, ...]
    calibration: Calibration
    feature_names: tuple[str, ...] = FEATURE_NAMES

    def score(self, features: npt.NDArray[np.float64]) -> npt.NDArray[np.float64]:
        """Raw scores (log-odds) for feature rows."""
        if features.shape[0] == 0:
            return np.zeros(0)
        standard = (features - np.asarray(self.mean)) / np.asarray(self.scale)
        scores: npt.NDArray[np.float64] = standard @ np.asarray(self.weights) + self.bias
        return scores

    def to_json(self, card: dict[str, Any] | None = None) -> str:
        """The artefact: parameters plus a card saying how it was made and what it scored."""
        return json.dumps(
            {
                "kind": "logistic-regression reranker",
                "feature_names": list(self.feature_names),
                "weights": list(self.weights),
                "bias": self.bias,
                "mean": list(self.mean),
                "scale": list(self.scale),
                "calibration": {
                    "scores": list(self.calibration.scores),
                    "probabilities": list(self.calibration.probabilities),
                },
                "card": card or {},
            },
            indent=1,
        )

    @classmethod
    def from_json(cls, text: str) -> Reranker:
        """Load an artefact written by ``to_json``."""
        data = json.loads(text)
        names = tuple(data["feature_names"])
        if names != FEATURE_NAMES:
            raise ValueError(f"re-ranker was trained on features {names}, code has {FEATURE_NAMES}")
        return cls(
            weights=tuple(data["weights"]),
            bias=float(data["bias"]),
            mean=tuple(data["mean"]),
            scale=tuple(data["scale"]),
            calibration=Calibration(
                tuple(data["calibration"]["scores"]), tuple(data["calibration"]["probabilities"])
            ),
            feature_names=names,
        )


@lru_cache(maxsize=1)
def load_reranker() -> Reranker:
    """The packaged re-ranker (``models/artifacts/reranker.json``)."""
    text = resources.files("models").joinpath(f"artifacts/{DEFAULT_ARTIFACT}").read_text("utf-8")
    return Reranker.from_json(text)
