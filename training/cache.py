"""Vectors of texts kept on disk, so that a training or evaluation run re-encodes nothing an
earlier run encoded with the same model.

Rows are cached per chunk of texts under a key made of what fixes the output (the model,
its number format) and the chunk's texts: an interrupted run resumes where it stopped, and
a file is whole or absent (written under a temporary name, then renamed), so two processes
may share a cache directory.
"""

from __future__ import annotations

import hashlib
import logging
import os
from collections.abc import Sequence
from pathlib import Path
from typing import Protocol

import numpy as np

from models.embedding import Embedder, Vectors

logger = logging.getLogger(__name__)

CHUNK = 256


class RowEncoder(Protocol):
    """What ``cached_rows`` needs of an encoder."""

    @property
    def dimension(self) -> int: ...

    def encode(self, texts: list[str]) -> Vectors: ...


def embedder_identity(embedder: Embedder) -> tuple[str, ...]:
    """What fixes an ``Embedder``'s output: the model without its stored-vector suffix
    (``fact_check_vectors`` fuses headlines into the stored vectors, not into the encoding)
    and the number format."""
    return (embedder.model_name.split("+", 1)[0], embedder.precision.value)


def cached_rows(
    encoder: RowEncoder,
    texts: Sequence[str],
    *,
    identity: Sequence[str],
    directory: Path,
    chunk: int = CHUNK,
) -> Vectors:
    """``encoder``'s rows for ``texts``, read from ``directory`` for every chunk encoded
    before under the same ``identity`` (module docstring).

    Args:
        encoder: Encodes a list of texts into one row each.
        texts: The texts, in the order of the rows returned.
        identity: What fixes the encoder's output (model name, precision); part of each key.
        directory: Where the chunks are kept.
        chunk: Texts per cached file.
    """
    if not texts:
        return np.zeros((0, encoder.dimension), np.float32)
    directory.mkdir(parents=True, exist_ok=True)
    parts: list[Vectors] = []
    for start in range(0, len(texts), chunk):
        block = list(texts[start : start + chunk])
        key = "\x1e".join([*identity, *block]).encode()
        path = directory / f"{hashlib.sha256(key).hexdigest()[:20]}.npy"
        if not path.exists():
            logger.info("encoding texts %d-%d of %d", start, start + len(block), len(texts))
            partial = path.with_suffix(f".{os.getpid()}.partial.npy")
            np.save(partial, np.asarray(encoder.encode(block), dtype=np.float32))
            partial.replace(path)
        parts.append(np.load(path))
    return np.vstack(parts)
