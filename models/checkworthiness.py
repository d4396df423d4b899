"""Check-worthiness: how much a sentence reads like a factual claim worth checking."""

from __future__ import annotations

import logging
import re
from collections.abc import Mapping
from dataclasses import dataclass, replace
from pathlib import Path
from typing import Any, Protocol

import numpy as np
import numpy.typing as npt

from models.embedding import Vectors
from models.features import FEATURE_NAMES, feature_matrix, ngrams

logger = logging.getLogger(__name__)

Scores = npt.NDArray[np.float64]
Array = npt.NDArray[np.float32]

ARTIFACT_PATH = Path(__file__).resolve().parent / "artifacts" / "checkworthiness.npz"
CARD_PATH = ARTIFACT_PATH.with_suffix(".json")


class CheckWorthinessScorer(Protocol):
    """Scores texts in [0, 1]; ``threshold`` is the decision point for ``check_worthy``."""

    threshold: float

    def score(self, texts: list[str], embeddings: Vectors) -> Scores:
        """Score each text; ``embeddings`` are the texts' rows from the shared encode pass."""
        ...


_NUMBER = re.compile(r"\d|\b(?:million|billion|trillion|percent|half|twice|double|triple)\b", re.I)
_REPORTING = re.compile(
    r"\b(?:said|says|claimed|claims|claim|announced|declared|insisted|warned|found|showed"
    r"|reported|according to|told|cited|ruled|banned|illegal|law|invaded|expelled)\b",
    re.I,
)
_COMPARATIVE = re.compile(r"\b(?:more|less|fewer|most|least|highest|lowest|first|largest|only)\b")
_OPINION = re.compile(
    r"^\s*[‘'\"“]?(?:i think|i believe|i feel|in my (?:view|opinion)|frankly|honestly)\b"
    r"|\b(?:strange|wonderful|terrible|great|fine|sad)\s*[.!]?\s*[’'\"”]?\s*$",
    re.I,
)
_PROPER = re.compile(r"(?<!^)(?<![.!?]\s)\b[A-Z][a-z]+")


class RuleScorer:
    """A transparent first scorer from surface cues: numbers, named entities, reporting verbs.

    It is the fallback when no trained head is available.

    Args:
        threshold: Score at or above which a sentence is check-worthy. Defaults to 0.5.
    """

    def __init__(self, threshold: float = 0.5) -> None:
        self.threshold = threshold

    def score_text(self, text: str) -> float:
        """Score one text in [0, 1]."""
        words = text.split()
        if len(words) < 5 or text.rstrip("’'\"” ").endswith("?"):
            return 0.05
        score = 0.25
        if _NUMBER.search(text):
            score += 0.25
        if _REPORTING.search(text):
            score += 0.2
        if _COMPARATIVE.search(text):
            score += 0.1
        score += min(len(_PROPER.findall(text)), 3) * 0.07
        if _OPINION.search(text):
            score -= 0.35
        return float(min(max(score, 0.0), 1.0))

    def score(self, texts: list[str], embeddings: Vectors) -> Scores:
        """Score each text; the embeddings are not used by this scorer."""
        return np.array([self.score_text(t) for t in texts], dtype=np.float64)


@dataclass(frozen=True, slots=True)
class HeadWeights:
    """The trained head as plain arrays: standardisation, one hidden layer, calibration.

    ``hidden_weight`` is ``None`` for a head without a hidden layer (a logistic regression).
    ``vocabulary`` and ``ngram_weight`` add a linear term over the word uni- and bigrams
    present in the text. The probability is ``sigmoid(slope * logit + intercept)``.
    """

    mean: Array
    std: Array
    hidden_weight: Array | None
    hidden_bias: Array | None
    output_weight: Array
    output_bias: Array
    slope: float = 1.0
    intercept: float = 0.0
    threshold: float = 0.5
    vocabulary: tuple[str, ...] = ()
    ngram_weight: Array | None = None

    def calibrated(self, slope: float, intercept: float) -> HeadWeights:
        """A copy with Platt-scaling parameters."""
        return replace(self, slope=slope, intercept=intercept)

    def with_threshold(self, threshold: float) -> HeadWeights:
        """A copy with another default decision threshold."""
        return replace(self, threshold=threshold)

    def arrays(self) -> dict[str, npt.NDArray[np.generic]]:
        """The weights as plain arrays, as ``save`` writes them (without the feature names)."""
        arrays: dict[str, npt.NDArray[np.generic]] = {
            "mean": self.mean,
            "std": self.std,
            "output_weight": self.output_weight,
            "output_bias": np.atleast_1d(self.output_bias),
            "calibration": np.array([self.slope, self.intercept], dtype=np.float64),
            "threshold": np.array([self.threshold], dtype=np.float64),
        }
        if self.ngram_weight is not None:
            arrays["vocabulary"] = np.array(self.vocabulary)
            arrays["ngram_weight"] = self.ngram_weight
        if self.hidden_weight is not None and self.hidden_bias is not None:
            arrays["hidden_weight"] = self.hidden_weight
            arrays["hidden_bias"] = self.hidden_bias
        return arrays

    def save(self, path: Path) -> None:
        """Write the weights as an ``.npz`` of plain arrays (no pickled objects)."""
        arrays = self.arrays() | {"feature_names": np.array(FEATURE_NAMES)}
        np.savez_compressed(path, **arrays)

    @classmethod
    def from_arrays(cls, data: Mapping[str, npt.NDArray[Any]]) -> HeadWeights:
        """The weights in ``arrays``' form (an opened ``.npz`` will do)."""
        hidden = "hidden_weight" in data
        calibration = data["calibration"]
        return cls(
            mean=data["mean"].astype(np.float32),
            std=data["std"].astype(np.float32),
            hidden_weight=data["hidden_weight"].astype(np.float32) if hidden else None,
            hidden_bias=data["hidden_bias"].astype(np.float32) if hidden else None,
            output_weight=data["output_weight"].astype(np.float32),
            output_bias=data["output_bias"].astype(np.float32),
            slope=float(calibration[0]),
            intercept=float(calibration[1]),
            threshold=float(data["threshold"][0]),
            vocabulary=tuple(str(v) for v in data["vocabulary"]) if "vocabulary" in data else (),
            ngram_weight=data["ngram_weight"].astype(np.float32)
            if "ngram_weight" in data
            else None,
        )

    @classmethod
    def load(cls, path: Path) -> HeadWeights:
        """Read weights written by ``save``; refuses an artefact built for other features."""
        with np.load(path, allow_pickle=False) as data:
            names = tuple(str(n) for n in data["feature_names"])
            if names != FEATURE_NAMES:
                raise ValueError(f"{path} was trained on other features: {names}")
            return cls.from_arrays(data)


def _gelu(x: Array) -> Array:
    # The tanh approximation, as the head was trained with.
    inner = np.float32(0.7978845608) * (x + np.float32(0.044715) * x * x * x)
    return np.asarray(np.float32(0.5) * x * (np.float32(1.0) + np.tanh(inner)), dtype=np.float32)


class HeadScorer:
    """The trained head: an MLP on the shared sentence embedding plus surface features.

    It reuses the rows of the article's single embedding pass, so scoring adds a matrix
    product and a few regular expressions per sentence, never a second transformer pass.

    Args:
        weights: The trained, calibrated head.
        threshold: Decision threshold. Defaults to the one chosen on dev at training time.
    """

    def __init__(self, weights: HeadWeights, threshold: float | None = None) -> None:
        self.weights = weights
        self.threshold = weights.threshold if threshold is None else threshold
        self._term_index = {term: i for i, term in enumerate(weights.vocabulary)}

    @classmethod
    def from_file(cls, path: Path = ARTIFACT_PATH, threshold: float | None = None) -> HeadScorer:
        """Load a head written by ``python -m training.checkworthiness``."""
        return cls(HeadWeights.load(path), threshold)

    def term_ids(self, text: str) -> list[int]:
        """Vocabulary rows of the n-grams present in ``text``."""
        return [i for term in ngrams(text) if (i := self._term_index.get(term)) is not None]

    def logits(self, inputs: Array, texts: list[str]) -> Scores:
        """Uncalibrated logits from head inputs (embedding rows with features appended)."""
        w = self.weights
        x: Array = ((inputs - w.mean) / w.std).astype(np.float32)
        if w.hidden_weight is not None and w.hidden_bias is not None:
            x = _gelu(x @ w.hidden_weight + w.hidden_bias)
        logits: Scores = (x @ w.output_weight + w.output_bias[0]).astype(np.float64)
        if w.ngram_weight is not None:
            ngram_weight = w.ngram_weight
            logits += np.array(
                [float(ngram_weight[self.term_ids(t)].sum()) for t in texts], dtype=np.float64
            )
        return logits

    def probabilities(self, inputs: Array, texts: list[str]) -> Scores:
        """Calibrated probabilities of check-worthiness."""
        z = np.clip(
            self.weights.slope * self.logits(inputs, texts) + self.weights.intercept, -40, 40
        )
        return np.asarray(1.0 / (1.0 + np.exp(-z)), dtype=np.float64)

    def score(self, texts: list[str], embeddings: Vectors) -> Scores:
        """Score each text from its row of the shared embedding and its surface features."""
        if not texts:
            return np.zeros(0, dtype=np.float64)
        inputs = np.hstack([embeddings, feature_matrix(texts)])
        return self.probabilities(inputs, texts)


def load_scorer(
    threshold: float | None = None, path: Path = ARTIFACT_PATH
) -> CheckWorthinessScorer:
    """The best available scorer: the shipped trained head when present, else ``RuleScorer``.

    Args:
        threshold: Overrides the scorer's own decision threshold when given.
        path: The head's artefact. Defaults to the packaged ``checkworthiness.npz``.
    """
    if path.exists():
        return HeadScorer.from_file(path, threshold)
    logger.warning("no check-worthiness head at %s; falling back to RuleScorer", path)
    scorer = RuleScorer()
    if threshold is not None:
        scorer.threshold = threshold
    return scorer
