"""Check-worthiness of sentences in any language: a head on multilingual-e5 embeddings.

The English head (``models.checkworthiness``) reads MiniLM embeddings and English surface
cues; neither carries over to Hindi or Japanese. This head reads only a sentence's
multilingual-e5-small row. It was trained on the same English data (ClaimBuster debates,
CheckThat! tweets) and relies on e5 placing a sentence near its translations: no
non-English label was used (cross-lingual transfer). ``python -m
training.checkworthiness_multilingual`` builds it.

A second head of the same kind reads USE multilingual v3 rows (``models.encoders.use``,
``--encoder use``): USE was trained with translation ranking across its 15 languages and
transfers the English labels better (multilingual-dev claim sentences 30 / 46 at its
threshold against 21 / 46 for the e5 head, Portuguese 4 / 6 against 0 / 6). The pipeline
scores a claim in one of those languages with it when the cross-lingual matcher holds the
USE encoder, and every other claim with the e5 head.
"""

from __future__ import annotations

import logging
from functools import lru_cache
from pathlib import Path

import numpy as np

from models.checkworthiness import HeadScorer, HeadWeights, Scores
from models.embedding import Vectors
from models.encoders.multilingual import MULTILINGUAL_DIM, MULTILINGUAL_MODEL_NAME
from models.encoders.use import USE_DIM, USE_MODEL_NAME

logger = logging.getLogger(__name__)

MULTILINGUAL_ARTIFACT_PATH = (
    Path(__file__).resolve().parent / "artifacts" / "checkworthiness_multilingual.npz"
)
MULTILINGUAL_CARD_PATH = MULTILINGUAL_ARTIFACT_PATH.with_suffix(".json")
USE_ARTIFACT_PATH = MULTILINGUAL_ARTIFACT_PATH.with_name("checkworthiness_use.npz")
# The width of each encoder's rows, by the name a head records.
_DIMENSIONS = {MULTILINGUAL_MODEL_NAME: MULTILINGUAL_DIM, USE_MODEL_NAME: USE_DIM}


def centre(rows: Vectors, reference: Vectors, prior: float) -> Vectors:
    """Move one article's rows so that their mean lies nearer ``reference``.

    e5 rows of one language share an offset from those of another; a head trained on
    English reads that offset as evidence. Subtracting the article's own mean (estimated
    from its ``n`` rows, shrunk by ``n / (n + prior)`` towards no shift, so one sentence
    alone is hardly moved) and adding back the English training mean removes most of it.

    Args:
        rows: The article's rows (one per sentence or claim span).
        reference: The mean row of the head's English training data.
        prior: Pseudo-count of the shrinkage; 0 centres fully.
    """
    if len(rows) == 0:
        return rows
    shrink = len(rows) / (len(rows) + prior)
    shift = shrink * (rows.mean(axis=0) - reference)
    return np.asarray(rows - shift, dtype=np.float32)


def save_head(
    weights: HeadWeights,
    path: Path,
    encoder: str = MULTILINGUAL_MODEL_NAME,
    centring: float | None = None,
) -> None:
    """Write an embedding-only head as an ``.npz`` of plain arrays, naming its encoder
    and, for a head that reads article-centred rows, the shrinkage prior of ``centre``."""
    arrays = weights.arrays() | {"encoder": np.array([encoder])}
    if centring is not None:
        arrays["centring"] = np.array([centring], dtype=np.float64)
    np.savez_compressed(path, **arrays)


def load_head(path: Path, encoder: str = MULTILINGUAL_MODEL_NAME) -> HeadWeights:
    """Read a head written by ``save_head``; refuses one trained on another encoder."""
    with np.load(path, allow_pickle=False) as data:
        trained_on = str(data["encoder"][0])
        if trained_on != encoder:
            raise ValueError(f"{path} was trained on {trained_on}, not {encoder}")
        return HeadWeights.from_arrays(data)


def load_centring(path: Path) -> float | None:
    """The ``centre`` prior a head written by ``save_head`` was trained with, or None."""
    with np.load(path, allow_pickle=False) as data:
        return float(data["centring"][0]) if "centring" in data.files else None


class MultilingualCheckWorthiness:
    """Scores texts in any language from their multilingual-e5 rows.

    Args:
        weights: The trained, calibrated head.
        threshold: Decision threshold. Defaults to the one chosen at training time.
        centring: The ``centre`` prior of a head trained on article-centred rows: each
            ``score`` call is then read as one article. None (the default) scores every
            row on its own.
        dimension: The width of the encoder's rows (e5's 384, USE's 512).
    """

    def __init__(
        self,
        weights: HeadWeights,
        threshold: float | None = None,
        centring: float | None = None,
        dimension: int = MULTILINGUAL_DIM,
    ) -> None:
        if weights.mean.shape[0] != dimension:
            raise ValueError(f"head reads {weights.mean.shape[0]}-d rows, not {dimension}")
        self._head = HeadScorer(weights)
        self._reference = weights.mean
        self.threshold = weights.threshold if threshold is None else threshold
        self.centring = centring

    @classmethod
    def from_file(
        cls,
        path: Path = MULTILINGUAL_ARTIFACT_PATH,
        threshold: float | None = None,
        *,
        encoder: str = MULTILINGUAL_MODEL_NAME,
    ) -> MultilingualCheckWorthiness:
        """Load the head written by ``python -m training.checkworthiness_multilingual``
        for ``encoder`` (refusing one trained on another)."""
        return cls(load_head(path, encoder), threshold, load_centring(path), _DIMENSIONS[encoder])

    def score(self, texts: list[str], embeddings: Vectors) -> Scores:
        """Calibrated probability of check-worthiness per text, from its e5 row (and, for
        a centring head, the mean row of the texts given together: pass one article's)."""
        if not texts:
            return np.zeros(0, dtype=np.float64)
        rows = np.asarray(embeddings, dtype=np.float32)
        if self.centring is not None:
            rows = centre(rows, self._reference, self.centring)
        return self._head.probabilities(rows, texts)


@lru_cache(maxsize=1)
def default_multilingual_scorer() -> MultilingualCheckWorthiness | None:
    """The packaged head (loaded once per process), or None when it is missing."""
    if not MULTILINGUAL_ARTIFACT_PATH.exists():
        logger.warning("no multilingual check-worthiness head at %s", MULTILINGUAL_ARTIFACT_PATH)
        return None
    return MultilingualCheckWorthiness.from_file()


@lru_cache(maxsize=1)
def default_use_scorer() -> MultilingualCheckWorthiness | None:
    """The packaged head on USE rows (loaded once per process), or None when it is missing."""
    if not USE_ARTIFACT_PATH.exists():
        logger.warning("no USE check-worthiness head at %s", USE_ARTIFACT_PATH)
        return None
    return MultilingualCheckWorthiness.from_file(USE_ARTIFACT_PATH, encoder=USE_MODEL_NAME)


def score_multilingual(texts: list[str], e5_vectors: Vectors) -> Scores:
    """Check-worthiness of ``texts`` in any language from their multilingual-e5 rows.

    Args:
        texts: The sentences or claim spans.
        e5_vectors: Their rows from ``MultilingualEncoder.encode``, in the same order.

    Raises:
        FileNotFoundError: The packaged head is missing.
    """
    scorer = default_multilingual_scorer()
    if scorer is None:
        raise FileNotFoundError(MULTILINGUAL_ARTIFACT_PATH)
    return scorer.score(texts, e5_vectors)
