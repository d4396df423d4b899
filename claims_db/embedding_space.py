"""Refuse to search stored fact-check embeddings made by another encoder or format.

A query vector is only comparable with stored vectors from the same encoder in the same
numeric format: ONNX Runtime fp32 and PyTorch fp32 give the same vectors (cosine 1.0)
and share a name, int8 (cosine 0.97-0.99 to fp32) and bf16 do not
(``models.embedding.embedding_key``). Each embedding row carries that name in
``model_name``; a process whose encoder would miss rows made by another one refuses to
start instead of silently matching against part of the database.
"""

from __future__ import annotations

from sqlalchemy.orm import Session

from claims_db.repository import FactCheckRepository
from models.embedding import describe_embedding_key


class EmbeddingSpaceMismatchError(RuntimeError):
    """Stored fact-check embeddings were made by another encoder runtime or format."""


def require_embedding_space(session: Session, model_name: str) -> None:
    """Raise ``EmbeddingSpaceMismatchError`` if any fact-check is embedded only by others.

    Fact-checks without any embedding yet (an import under way) do not count: they are
    embedded under ``model_name`` by whoever writes them.

    Args:
        session: A session on the database.
        model_name: The name this process's encoder stores and searches
            (``Embedder.model_name``).
    """
    repository = FactCheckRepository(session)
    unreachable = repository.embedded_only_under_others(model_name)
    if not unreachable:
        return
    others = {
        name: count for name, count in repository.embedding_counts().items() if name != model_name
    }
    made_by = ", ".join(
        f"{count:,} by {describe_embedding_key(name)}" for name, count in sorted(others.items())
    )
    raise EmbeddingSpaceMismatchError(
        f"{unreachable:,} fact-checks have embeddings made by another encoder ({made_by}); "
        f"this process encodes with {describe_embedding_key(model_name)}, so it could not "
        "find them. Run `claimflag reindex` with this CLAIMFLAG_ENCODER_RUNTIME to re-embed "
        "them, or set CLAIMFLAG_ENCODER_RUNTIME to the runtime that made them."
    )
