"""Write fact-checks and keep their embeddings in step, in batches."""

from __future__ import annotations

from collections import Counter
from collections.abc import Callable, Iterable, Sequence
from dataclasses import dataclass, field
from itertools import islice
from typing import Protocol

from sqlalchemy import Connection, text
from sqlalchemy.orm import Session

from claims_db.importers.records import ImportItem, Rejected, Skipped
from claims_db.pg_search import refresh_text_statistics
from claims_db.repository import (
    FactCheckFilter,
    FactCheckInput,
    FactCheckRepository,
    UpsertOutcome,
)
from models.embedding import Embedder, Vectors, fact_check_vectors
from models.retrieval import lexical_profile, read_lexical_profile

# Rejections kept with their reasons; beyond this only the count grows (memory stays flat).
MAX_ERRORS_KEPT = 1000

# Change-log entries kept after an import (see FactCheckRepository.prune_changes).
CHANGE_LOG_KEEP = 100_000


class ClaimEncoder(Protocol):
    """An encoder of a second embedding space (``models.encoders.MultilingualEncoder``)."""

    @property
    def model_name(self) -> str: ...

    def encode(self, texts: Sequence[str]) -> Vectors: ...


@dataclass(slots=True)
class IngestSummary:
    """Counts of what an ingest did; ``errors`` holds the first rejections as "where: why"."""

    inserted: int = 0
    updated: int = 0
    unchanged: int = 0
    rejected: int = 0
    skipped: int = 0
    errors: list[str] = field(default_factory=list)
    skipped_reasons: Counter[str] = field(default_factory=Counter)

    @property
    def processed(self) -> int:
        """Records read from the feed, whatever happened to them."""
        return self.inserted + self.updated + self.unchanged + self.rejected + self.skipped

    def reject(self, rejection: Rejected) -> None:
        self.rejected += 1
        if len(self.errors) < MAX_ERRORS_KEPT:
            self.errors.append(str(rejection))


def embed_pending(
    session: Session,
    embedder: Embedder,
    batch_size: int = 512,
    *,
    multilingual: ClaimEncoder | None = None,
) -> int:
    """Embed every fact-check lacking a current embedding; returns how many were embedded.

    With ``multilingual`` the same fact-checks (new or changed) get their multilingual
    vector too; without it any multilingual vector they hold is dropped, as it may describe
    an older claim (``backfill_multilingual`` makes it again).
    """
    repository = FactCheckRepository(session)
    done = 0
    while True:
        rows = repository.missing_embeddings(embedder.model_name, limit=batch_size)
        if not rows:
            return done
        claims = [row.claim for row in rows]
        ids = [row.id for row in rows]
        vectors = fact_check_vectors(embedder, claims, [row.title for row in rows])
        repository.store_embeddings(embedder.model_name, ids, vectors, claims)
        if multilingual is not None:
            repository.store_multilingual(multilingual.model_name, ids, multilingual.encode(claims))
        else:
            repository.delete_multilingual(ids)
        done += len(rows)


def ingest(
    session_factory: Callable[[], Session],
    embedder: Embedder,
    items: Iterable[FactCheckInput | ImportItem],
    *,
    batch_size: int = 256,
    on_batch: Callable[[int], object] | None = None,
    actor: str | None = None,
    multilingual: ClaimEncoder | None = None,
) -> IngestSummary:
    """Upsert fact-checks and embed them, committing one batch at a time.

    Each batch commits its records together with their embeddings, so an interruption
    leaves whole batches behind and a re-run skips what is already in. On PostgreSQL the
    full-text term statistics are recounted at the end when anything changed. Rejected and
    skipped items from an importer are counted, never written.

    Args:
        session_factory: Opens one session per batch.
        embedder: Embeds the new and changed claims.
        items: Fact-checks, or an importer's items.
        batch_size: Items per transaction. Defaults to 256.
        on_batch: Called with the number of items after each batch (a progress bar).
        actor: Recorded in the history of records whose rating changes.
        multilingual: Also writes the multilingual vector of each new or changed claim, in
            the same transaction. Defaults to None: no multilingual vectors are written
            (and those of changed claims are dropped; see ``embed_pending``).
    """
    summary = IngestSummary()
    iterator = iter(items)
    while batch := list(islice(iterator, batch_size)):
        with session_factory() as session, session.begin():
            repository = FactCheckRepository(session)
            for item in batch:
                if isinstance(item, Rejected):
                    summary.reject(item)
                    continue
                if isinstance(item, Skipped):
                    summary.skipped += 1
                    summary.skipped_reasons[item.reason] += 1
                    continue
                _, outcome = repository.upsert(item, actor=actor)
                if outcome is UpsertOutcome.INSERTED:
                    summary.inserted += 1
                elif outcome is UpsertOutcome.UPDATED:
                    summary.updated += 1
                else:
                    summary.unchanged += 1
            embed_pending(session, embedder, multilingual=multilingual)
        if on_batch:
            on_batch(len(batch))
    with session_factory() as session, session.begin():
        FactCheckRepository(session).prune_changes(CHANGE_LOG_KEEP)
        if summary.inserted or summary.updated:
            refresh_text_statistics(session)
    return summary


def reembed_all(
    session_factory: Callable[[], Session],
    embedder: Embedder,
    *,
    batch_size: int = 512,
    on_batch: Callable[[int], object] | None = None,
) -> int:
    """Re-embed every fact-check under ``embedder``'s model, one committed batch at a time.

    Vectors are overwritten in place, so searches keep working while it runs. Returns how
    many fact-checks were embedded.
    """
    after_id = 0
    done = 0
    while True:
        with session_factory() as session, session.begin():
            repository = FactCheckRepository(session)
            rows = repository.page(FactCheckFilter(), after_id=after_id, limit=batch_size)
            if not rows:
                return done
            claims = [row.claim for row in rows]
            vectors = fact_check_vectors(embedder, claims, [row.title for row in rows])
            repository.store_embeddings(
                embedder.model_name, [row.id for row in rows], vectors, claims
            )
            after_id = rows[-1].id
        done += len(rows)
        if on_batch:
            on_batch(len(rows))


def backfill_multilingual(
    session_factory: Callable[[], Session],
    encoder: ClaimEncoder,
    *,
    batch_size: int = 256,
    on_batch: Callable[[int], object] | None = None,
) -> int:
    """Give every fact-check lacking one a current multilingual vector, a batch per commit.

    Walks the fact-checks lacking a vector (``missing_multilingual``) in id order. Each
    batch is read, encoded outside any transaction (seconds of CPU), and written in a short
    transaction of its own, so the service's writes go on meanwhile and an interrupted run
    loses at most one batch: the next run starts with what is still missing. Fact-checks
    deleted while their batch was encoded are skipped. Returns how many vectors were
    written.
    """
    after_id = 0
    done = 0
    while True:
        with session_factory() as session:
            rows = FactCheckRepository(session).missing_multilingual(
                encoder.model_name, after_id=after_id, limit=batch_size
            )
        if not rows:
            return done
        vectors = encoder.encode([claim for _, claim in rows])
        with session_factory() as session, session.begin():
            repository = FactCheckRepository(session)
            present = repository.existing_ids(fact_check_id for fact_check_id, _ in rows)
            keep = [i for i, (fact_check_id, _) in enumerate(rows) if fact_check_id in present]
            repository.store_multilingual(
                encoder.model_name, [rows[i][0] for i in keep], vectors[keep]
            )
        after_id = rows[-1][0]
        done += len(keep)
        if on_batch:
            on_batch(len(rows))


def refresh_lexical_profiles(
    connection: Connection,
    *,
    batch_size: int = 5000,
    commit: bool = False,
    on_batch: Callable[[int], object] | None = None,
) -> int:
    """Give every fact-check a lexical profile that this tokeniser version accepts.

    A profile is stale when ``read_lexical_profile`` rejects it: missing, malformed, or of
    another ``profile_version`` (the tokeniser, stop words, stemmer or patterns changed).
    Readers recompute a stale profile on every use, so searches stay right but slow until
    this runs. Walks the fact-checks in
    id order, ``batch_size`` at a time, in plain SQL so that a migration can call it too;
    with ``commit`` each batch is committed on its own. Profiles live in their own table,
    so this touches neither the embeddings nor the change log. ``on_batch`` gets the
    fact-checks examined per batch. Returns how many profiles were written.
    """
    after = 0
    written = 0
    while True:
        rows = connection.execute(
            text(
                "SELECT f.id, f.claim, p.profile FROM fact_checks f"
                " LEFT JOIN fact_check_profiles p ON p.fact_check_id = f.id"
                " WHERE f.id > :after ORDER BY f.id LIMIT :batch"
            ),
            {"after": after, "batch": batch_size},
        ).all()
        if not rows:
            return written
        stale = [
            {"id": fact_check_id, "profile": lexical_profile(claim)}
            for fact_check_id, claim, stored in rows
            if read_lexical_profile(stored) is None
        ]
        if stale:
            # INSERT … ON CONFLICT: the same statement on SQLite and PostgreSQL. A
            # fact-check deleted since the read (the service runs on) is skipped.
            connection.execute(
                text(
                    "INSERT INTO fact_check_profiles (fact_check_id, profile)"
                    " SELECT :id, :profile WHERE EXISTS (SELECT 1 FROM fact_checks WHERE id = :id)"
                    " ON CONFLICT (fact_check_id) DO UPDATE SET profile = excluded.profile"
                ),
                stale,
            )
            written += len(stale)
        if commit:
            connection.commit()
        after = rows[-1][0]
        if on_batch:
            on_batch(len(rows))
