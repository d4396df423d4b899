"""Second-stage re-ranking: a cross-encoder reads the claim and each leading candidate
together, and a calibrated combiner turns its logit and the first stage's score into the
confidence the tiers are set on.

The cross-encoder costs one MiniLM pass per pair, so it only reads the first stage's best
few candidates of claims whose best first-stage confidence clears a low gate: most
sentences of an article have no fact-check anywhere near, and their candidates never
reach it.
"""

from __future__ import annotations

import json
import logging
from collections.abc import Sequence
from dataclasses import dataclass, replace
from pathlib import Path
from typing import Any, Protocol

import numpy as np
import numpy.typing as npt

from models.encoders.cross_encoder import CrossEncoder, artifact_paths

logger = logging.getLogger(__name__)

DEFAULT_ARTIFACT = "reranker_ce"
# First-stage candidates the packaged cross-encoder reads per fact-check search query
# (CLAIMFLAG_SEARCH_RERANK_DEPTH): chosen on CheckThat! 2022 2A train tweets the
# cross-encoder did not learn from (docs/matching.md).
SEARCH_RERANK_DEPTH = 10
Scores = npt.NDArray[np.float64]


@dataclass(frozen=True, slots=True)
class Combiner:
    """Logistic combination of the first-stage score and the cross-encoder's logit, then an
    isotonic map to the probability that the fact-check checks the claim.

    Attributes:
        first_stage_weight: Weight of the first stage's raw score.
        cross_weight: Weight of the cross-encoder's logit (checks minus other).
        bias: Intercept.
        knots: Combined scores of the isotonic map's knots, increasing.
        probabilities: The map's probability at each knot.
    """

    first_stage_weight: float
    cross_weight: float
    bias: float
    knots: tuple[float, ...]
    probabilities: tuple[float, ...]

    def raw(self, first_stage: Scores, cross: Scores) -> Scores:
        """Combined scores (log-odds before calibration)."""
        combined: Scores = (
            self.first_stage_weight * np.asarray(first_stage)
            + self.cross_weight * np.asarray(cross)
            + self.bias
        )
        return combined

    def __call__(self, raw: Scores) -> Scores:
        """Calibrated probabilities of combined scores."""
        if not self.knots:
            result: Scores = 1.0 / (1.0 + np.exp(-raw))
            return result
        return np.interp(raw, self.knots, self.probabilities)

    def to_dict(self) -> dict[str, Any]:
        """JSON-ready fields."""
        return {
            "first_stage_weight": self.first_stage_weight,
            "cross_weight": self.cross_weight,
            "bias": self.bias,
            "knots": list(self.knots),
            "probabilities": list(self.probabilities),
        }

    @classmethod
    def from_dict(cls, data: dict[str, Any]) -> Combiner:
        """Read ``to_dict``'s fields."""
        return cls(
            first_stage_weight=float(data["first_stage_weight"]),
            cross_weight=float(data["cross_weight"]),
            bias=float(data["bias"]),
            knots=tuple(float(x) for x in data["knots"]),
            probabilities=tuple(float(y) for y in data["probabilities"]),
        )


class PairScorer(Protocol):
    """Anything that gives (claim, fact-check) pairs a logit that the fact-check checks it."""

    def __call__(self, pairs: Sequence[tuple[str, str]]) -> Scores: ...


@dataclass(slots=True)
class CrossReranker:
    """The cross-encoder with its combiner and the limits on how much it reads.

    Attributes:
        scorer: Logit per (claim, fact-check claim) pair.
        combiner: Turns (first-stage score, logit) into a calibrated confidence.
        depth: First-stage candidates read per claim. Defaults to 4.
        gate: Best first-stage confidence a claim needs for its candidates to be read.
            Defaults to 0.02.
    """

    scorer: PairScorer
    combiner: Combiner
    depth: int = 4
    gate: float = 0.02

    def at_depth(self, depth: int) -> CrossReranker | None:
        """The same re-ranker reading ``depth`` candidates per claim; None for depth 0 (the
        first stage's order stands). The analysis and the fact-check search share one loaded
        cross-encoder this way, each at its own depth."""
        return replace(self, depth=depth) if depth else None


@dataclass(slots=True)
class _EncoderScorer:
    encoder: CrossEncoder

    def __call__(self, pairs: Sequence[tuple[str, str]]) -> Scores:
        logits = self.encoder.logits(pairs)
        margin: Scores = (logits[:, 1] - logits[:, 0]).astype(np.float64)
        return margin


def load_cross_reranker(
    directory: Path | None = None,
    name: str = DEFAULT_ARTIFACT,
    *,
    depth: int = 4,
    gate: float = 0.02,
    **encoder: Any,
) -> CrossReranker:
    """The cross-encoder re-ranker ``name`` trained by ``python -m training.reranker`` into
    ``directory``, or the packaged one (``models/artifacts``) when None.

    The packaged one ranks the fact-check search (``Pipeline.search``: a query written to
    find a claim, such as a tweet); the analysis of an article does not use it unless one
    is configured: on news prose it ranked the right fact-check first less often than the
    first stage alone (docs/matching.md).

    Raises:
        FileNotFoundError: The directory holds no such artefact.
    """
    weights, card = artifact_paths(name, directory)
    if not weights.exists() or not card.exists():
        raise FileNotFoundError(f"no cross-encoder re-ranker artefact {weights} (and its card)")
    combiner = Combiner.from_dict(json.loads(card.read_text(encoding="utf-8"))["combiner"])
    scorer = _EncoderScorer(CrossEncoder(name, directory=directory, **encoder))
    return CrossReranker(scorer, combiner, depth, gate)
