"""Check-worthiness: how much a sentence reads like a factual claim worth checking."""

from __future__ import annotations

import re
from typing import Protocol

import numpy as np
import numpy.typing as npt

from models.embedding import Vectors

Scores = npt.NDArray[np.float64]


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


def load_scorer(threshold: float | None = None) -> CheckWorthinessScorer:
    """The best available scorer: the shipped trained head when present, else ``RuleScorer``.

    Args:
        threshold: Overrides the scorer's own decision threshold when given.
    """
    scorer = RuleScorer()
    if threshold is not None:
        scorer.threshold = threshold
    return scorer
