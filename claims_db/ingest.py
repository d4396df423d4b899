"""Write fact-checks and keep their embeddings in step, in batches."""

from __future__ import annotations

from collections.abc import Callable, Iterable
from dataclasses import dataclass, field
from itertools import islice

from sqlalchemy.orm import Session

from claims_db.repository import FactCheckInput, FactCheckRepository, UpsertOutcome
from models.embedding import Embedder


@dataclass(slots=True)
class IngestSummary:
    """Counts of what an ingest did."""

    inserted: int = 0
    updated: int = 0
    unchanged: int = 0
    rejected: int = 0
    errors: list[str] = field(default_factory=list)


def embed_pending(session: Session, embedder: Embedder, batch_size: int = 512) -> int:
    """Embed every fact-check lacking a current embedding; returns how many were embedded."""
    repository = FactCheckRepository(session)
    done = 0
    while True:
        rows = repository.missing_embeddings(embedder.model_name, limit=batch_size)
        if not rows:
            return done
        vectors = embedder.encode([row.claim for row in rows])
        repository.store_embeddings(embedder.model_name, [row.id for row in rows], vectors)
        done += len(rows)


def ingest(
    session_factory: Callable[[], Session],
    embedder: Embedder,
    items: Iterable[FactCheckInput],
    *,
    batch_size: int = 256,
    on_batch: Callable[[int], object] | None = None,
) -> IngestSummary:
    """Upsert fact-checks and embed them, committing one batch at a time.

    Each batch commits its records together with their embeddings, so an interruption
    leaves whole batches behind and a re-run skips what is already in.
    """
    summary = IngestSummary()
    iterator = iter(items)
    while batch := list(islice(iterator, batch_size)):
        with session_factory() as session, session.begin():
            repository = FactCheckRepository(session)
            for item in batch:
                _, outcome = repository.upsert(item)
                if outcome is UpsertOutcome.INSERTED:
                    summary.inserted += 1
                elif outcome is UpsertOutcome.UPDATED:
                    summary.updated += 1
                else:
                    summary.unchanged += 1
            embed_pending(session, embedder)
        if on_batch:
            on_batch(len(batch))
    return summary
