"""Sentence embeddings from the packaged all-MiniLM-L6-v2 model, loaded offline.

The encoder runs on ONNX Runtime by default (``RuntimeKind.ONNX``): an fp32 export of the
packaged weights, made on first use into a cache directory and checked against PyTorch
(``models.encoders.export``). ``onnx-int8`` runs its dynamic int8 quantisation; ``torch``
runs the PyTorch module (fp32, or bf16 on request or on CPUs with AMX).

Vectors from different numeric formats are not interchangeable in a stored index, so
``Embedder.model_name``, the name recorded beside stored embeddings, names the format
when it is not fp32: ``all-MiniLM-L6-v2`` (PyTorch or ONNX fp32: identical, cosine 1.0),
``all-MiniLM-L6-v2+int8``, ``all-MiniLM-L6-v2+bf16``.
"""

from __future__ import annotations

import hashlib
import json
import logging
import os
from collections.abc import Sequence
from pathlib import Path
from typing import Any, Protocol

import numpy as np
import numpy.typing as npt

from models.encoders.hardware import Precision as Precision
from models.encoders.hardware import cpu_has_amx as cpu_has_amx
from models.encoders.hardware import default_model_path as default_model_path
from models.encoders.runtime import EncoderRuntime, RuntimeKind, Tokenizer, encode_batched

logger = logging.getLogger(__name__)

DEFAULT_MODEL_NAME = "all-MiniLM-L6-v2"
EMBEDDING_DIM = 384

Vectors = npt.NDArray[np.float32]


def resolve_precision(runtime: RuntimeKind, precision: Precision) -> Precision:
    """The format ``runtime`` runs in for the requested ``precision``.

    ``auto`` means fp32 on ONNX Runtime, int8 on ``onnx-int8`` and, on PyTorch, bf16 when
    the CPU has AMX (else fp32).

    Raises:
        ValueError: The runtime cannot run that format (bf16 on ONNX, int8 on PyTorch).
    """
    runtime, precision = RuntimeKind(runtime), Precision(precision)
    natural = {
        RuntimeKind.ONNX: Precision.FP32,
        RuntimeKind.ONNX_INT8: Precision.INT8,
        RuntimeKind.TORCH: Precision.BF16 if cpu_has_amx() else Precision.FP32,
    }[runtime]
    if precision is Precision.AUTO:
        return natural
    allowed = {
        RuntimeKind.ONNX: {Precision.FP32},
        RuntimeKind.ONNX_INT8: {Precision.INT8},
        RuntimeKind.TORCH: {Precision.FP32, Precision.BF16},
    }[runtime]
    if precision not in allowed:
        raise ValueError(
            f"encoder runtime {runtime.value} cannot run {precision.value}: "
            f"use {' or '.join(sorted(p.value for p in allowed))} (or auto)"
        )
    return precision


def embedding_key(model_name: str, precision: Precision) -> str:
    """Name stored beside embeddings: the model, plus the format when it is not fp32."""
    return model_name if precision is Precision.FP32 else f"{model_name}+{precision.value}"


def describe_embedding_key(key: str) -> str:
    """A stored embedding name with the runtimes that make it, for messages."""
    runtimes = {
        "int8": "CLAIMFLAG_ENCODER_RUNTIME=onnx-int8",
        "bf16": "CLAIMFLAG_ENCODER_RUNTIME=torch in bf16",
    }
    _, plus, suffix = key.rpartition("+")
    made_by = runtimes.get(suffix) if plus else None
    return f"{key} ({made_by or 'fp32: CLAIMFLAG_ENCODER_RUNTIME=onnx or torch in fp32'})"


def read_dimension(model_dir: Path, default: int = EMBEDDING_DIM) -> int:
    """Width of the model's token states (= the mean-pooled embedding's)."""
    try:
        config = json.loads((model_dir / "config.json").read_text("utf-8"))
    except (OSError, ValueError):
        return default
    return int(config.get("hidden_size") or default)


class Embedder:
    """Encodes texts into L2-normalised float32 vectors in length-sorted batches.

    Args:
        model_path: Directory of a mean-pooled sentence-transformers model. Defaults to
            the packaged all-MiniLM-L6-v2.
        precision: ``auto`` is fp32 on ONNX Runtime, int8 on ``onnx-int8``, and on
            PyTorch bf16 when the CPU has AMX, else fp32.
        batch_size: Most texts per forward pass. Defaults to 64.
        model_name: The model's name. Defaults to all-MiniLM-L6-v2.
        runtime: What runs the encoder. Defaults to ONNX Runtime fp32.
        cache_dir: Where ONNX exports are kept (made there on first use). Defaults to
            ``var/encoders``.
        threads: Intra-op threads of the encoder. Defaults to the cores available.

    Attributes:
        model_name: Name recorded beside stored embeddings (``embedding_key``).
        precision: The resolved numeric format.
        runtime: What runs the encoder.
        export_record: The ONNX export's record (its check against PyTorch), or None.
    """

    def __init__(
        self,
        model_path: str | None = None,
        *,
        precision: Precision = Precision.AUTO,
        batch_size: int = 64,
        model_name: str = DEFAULT_MODEL_NAME,
        runtime: RuntimeKind | str = RuntimeKind.ONNX,
        cache_dir: Path | None = None,
        threads: int | None = None,
    ) -> None:
        from models.encoders.export import DEFAULT_CACHE_DIR, open_runtime
        from models.encoders.sentence import read_max_length, sentence_spec

        os.environ.setdefault("HF_HUB_OFFLINE", "1")
        os.environ.setdefault("TRANSFORMERS_OFFLINE", "1")
        kind = RuntimeKind(runtime)
        resolved = resolve_precision(kind, Precision(precision))
        path = Path(model_path or default_model_path())
        self.runtime = kind
        self.precision = resolved
        self.model_name = embedding_key(model_name, resolved)
        self.batch_size = batch_size
        self.dimension = read_dimension(path)
        self.tokenizer = Tokenizer(path, read_max_length(path))
        spec = sentence_spec(
            path, export_name(model_name, path), self.dimension, tokenizer=self.tokenizer
        )
        self._runtime: EncoderRuntime
        self.export_record: dict[str, Any] | None
        self._runtime, self.export_record = open_runtime(
            spec,
            kind,
            cache_dir or DEFAULT_CACHE_DIR,
            threads=threads,
            bf16=resolved is Precision.BF16,
        )
        logger.info("loaded %s from %s on %s", self.model_name, path, self._runtime.label)

    @property
    def label(self) -> str:
        """What runs the encoder, e.g. ``onnx-fp32``."""
        return self._runtime.label

    def encode(self, texts: list[str]) -> Vectors:
        """Embed texts; returns an array of shape ``(len(texts), dimension)``, rows unit-length."""
        if not texts:
            return np.zeros((0, self.dimension), dtype=np.float32)
        unit = encode_batched(
            self.tokenizer, self._runtime, texts, batch_size=self.batch_size, width=self.dimension
        )
        # bf16 and int8 output is only unit-length to ~3 digits: renormalise in float32 so
        # that dot products equal cosines everywhere (numpy, hnswlib, pgvector).
        unit /= np.maximum(np.linalg.norm(unit, axis=1, keepdims=True), np.float32(1e-12))
        return unit


def export_name(model_name: str, path: Path) -> str:
    """Folder of a model's exports: its name, plus a digest of the path for a custom one."""
    if path.resolve() == Path(default_model_path()).resolve():
        return model_name
    return f"{model_name}-{hashlib.sha256(str(path.resolve()).encode()).hexdigest()[:10]}"


# How much of a fact-check's headline goes into its stored vector: chosen on CheckThat!
# 2022 2A *train* queries (0.2 / 0.3 / 0.5 / 0.7), and the re-ranker
# (``artifacts/reranker.json``) is trained on vectors fused at this weight.
TITLE_WEIGHT = 0.5


class TextEncoder(Protocol):
    """Anything that embeds texts into unit rows (``Embedder`` and test doubles)."""

    def encode(self, texts: list[str]) -> Vectors: ...


def fact_check_vectors(
    encoder: TextEncoder,
    claims: Sequence[str],
    titles: Sequence[str | None],
    title_weight: float = TITLE_WEIGHT,
) -> Vectors:
    """The stored vectors of fact-checks: each claim's embedding, moved towards the
    headline of the fact-check's article when it has one, renormalised.

    A headline words the claim again ("Did Jane Fonda Say COVID-19 Was 'God's Gift to the
    Left'?"), often as readers repeat it; the fused vector is
    ``normalise(v(claim) + title_weight * v(title))``. A fact-check without a headline (or
    with its claim as headline, or a weight of 0) keeps its claim's vector, exactly.
    """
    vectors = encoder.encode(list(claims))
    heads = [(title or "").strip() for title in titles]
    fused = [
        i
        for i, (claim, head) in enumerate(zip(claims, heads, strict=True))
        if title_weight and head and head != claim.strip()
    ]
    if fused:
        rows = vectors[fused] + np.float32(title_weight) * encoder.encode([heads[i] for i in fused])
        rows /= np.maximum(np.linalg.norm(rows, axis=1, keepdims=True), np.float32(1e-12))
        vectors[fused] = rows
    return vectors
