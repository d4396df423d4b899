"""Every query on fact-checks and their embeddings."""

from __future__ import annotations

import datetime as dt
import enum
from collections.abc import Iterable, Iterator, Sequence
from dataclasses import dataclass
from typing import Any

import numpy as np
import numpy.typing as npt
from sqlalchemy import Delete, Select, delete, func, or_, select
from sqlalchemy.dialects.postgresql import insert as postgresql_insert
from sqlalchemy.dialects.sqlite import insert as sqlite_insert
from sqlalchemy.orm import Session

from claims_db.base import utcnow
from claims_db.models import (
    FactCheck,
    FactCheckChange,
    FactCheckEmbedding,
    FactCheckMultilingualEmbedding,
    FactCheckProfile,
    FactCheckRevision,
    claim_key,
)
from models.language import detect_language, language_code
from models.matching import FactCheckRecord
from models.retrieval import lexical_profile
from models.verdicts import Verdict, normalize_rating


class UpsertOutcome(enum.StrEnum):
    """What an upsert did to the stored record."""

    INSERTED = "inserted"
    UPDATED = "updated"
    UNCHANGED = "unchanged"


@dataclass(frozen=True, slots=True)
class FactCheckInput:
    """A fact-check as read from a seed file, an importer or the API."""

    claim: str
    rating: str
    publisher: str
    url: str
    claimant: str | None = None
    publisher_site: str | None = None
    review_date: dt.date | None = None
    # Read as an ISO 639 code when written ("en-US" and "English" are stored as "en");
    # None, or a label naming no language, is detected from the claim
    # (``models.language.detect_language``).
    language: str | None = None
    source: str | None = None
    verdict: Verdict | None = None
    claim_date: dt.date | None = None
    # The headline of the fact-check's article; it moves the stored vector
    # (``models.embedding.fact_check_vectors``).
    title: str | None = None
    # A copy of a review that another source may already hold (a research data set's copy
    # of Snopes): a stored record with the same URL and wording is left as it is.
    keep_existing: bool = False

    @property
    def resolved_verdict(self) -> Verdict:
        """The given verdict, else the rating normalised onto the verdict scale."""
        return self.verdict or normalize_rating(self.rating)


def to_record(row: Any) -> FactCheckRecord:
    """The pipeline's view of a stored fact-check: a `FactCheck` or a row with its columns."""
    return FactCheckRecord(
        id=row.id,
        claim=row.claim,
        rating=row.rating,
        verdict=Verdict(row.verdict),
        publisher=row.publisher,
        url=row.url,
        review_date=row.review_date,
        claimant=row.claimant,
        publisher_site=row.publisher_site,
        language=row.language,
        # Present on rows read with their embedding (``searchable``), absent on ORM objects.
        profile=getattr(row, "lexical_profile", None),
    )


# The columns a FactCheckRecord is built from: bulk loads skip ORM objects for speed.
_RECORD_COLUMNS = (
    FactCheck.id,
    FactCheck.claim,
    FactCheck.rating,
    FactCheck.verdict,
    FactCheck.publisher,
    FactCheck.url,
    FactCheck.review_date,
    FactCheck.claimant,
    FactCheck.publisher_site,
    FactCheck.language,
)


@dataclass(frozen=True, slots=True)
class FactCheckFilter:
    """Restrictions for listing and exporting fact-checks; ``None`` means unrestricted.

    Attributes:
        publisher: Publisher name or site, compared case-insensitively.
        verdict: One verdict on the scale.
        language: Language code.
        reviewed_from: Reviewed on or after this date.
        reviewed_to: Reviewed on or before this date.
        source: The importer or dataset the records came from.
    """

    publisher: str | None = None
    verdict: Verdict | None = None
    language: str | None = None
    reviewed_from: dt.date | None = None
    reviewed_to: dt.date | None = None
    source: str | None = None

    def apply(self, query: Select[FactCheck]) -> Select[FactCheck]:
        """``query`` restricted to the fact-checks this filter admits."""
        if self.publisher:
            name = self.publisher.lower()
            query = query.where(
                or_(func.lower(FactCheck.publisher) == name, FactCheck.publisher_site == name)
            )
        if self.verdict:
            query = query.where(FactCheck.verdict == self.verdict.value)
        if self.language:
            query = query.where(FactCheck.language == self.language)
        if self.reviewed_from:
            query = query.where(FactCheck.review_date >= self.reviewed_from)
        if self.reviewed_to:
            query = query.where(FactCheck.review_date <= self.reviewed_to)
        if self.source:
            query = query.where(FactCheck.source == self.source)
        return query


@dataclass(frozen=True, slots=True)
class IndexSignature:
    """Cheap summary of the fact-check table: any insert, update or delete changes it."""

    count: int
    max_id: int
    last_update: dt.datetime | None


def _insert_for(session: Session) -> Any:
    """The dialect's ``insert`` construct, which has ``on_conflict_do_update``."""
    if session.get_bind().dialect.name == "postgresql":
        return postgresql_insert
    return sqlite_insert


def _current_multilingual(model_name: str) -> Select[Any]:
    """The fact-check's multilingual vector under ``model_name``, made since its last change
    (correlated with ``FactCheck``)."""
    return (
        select(FactCheckMultilingualEmbedding.fact_check_id)
        .where(FactCheckMultilingualEmbedding.fact_check_id == FactCheck.id)
        .where(FactCheckMultilingualEmbedding.model_name == model_name)
        .where(FactCheckMultilingualEmbedding.created_at >= FactCheck.updated_at)
    )


class FactCheckRepository:
    """Reads and writes fact-checks within the caller's session; it flushes, never commits."""

    def __init__(self, session: Session) -> None:
        self.session = session

    def get(self, fact_check_id: int) -> FactCheck | None:
        return self.session.get(FactCheck, fact_check_id)

    def existing_ids(self, fact_check_ids: Iterable[int]) -> set[int]:
        """Which of these ids name a fact-check that still exists."""
        wanted = set(fact_check_ids)
        if not wanted:
            return set()
        return set(self.session.scalars(select(FactCheck.id).where(FactCheck.id.in_(wanted))))

    def count(self) -> int:
        return int(self.session.scalar(select(func.count()).select_from(FactCheck)) or 0)

    def find(self, url: str, claim: str) -> FactCheck | None:
        return self.session.scalar(
            select(FactCheck).where(FactCheck.url == url, FactCheck.claim_key == claim_key(claim))
        )

    def upsert(
        self, item: FactCheckInput, *, actor: str | None = None
    ) -> tuple[FactCheck, UpsertOutcome]:
        """Insert a fact-check or update the one with the same url and claim (unless the
        item keeps an existing one).

        A changed rating or verdict keeps the previous one as a ``FactCheckRevision``
        recording ``actor`` (who made the change) and the item's source.
        """
        row = self.find(item.url, item.claim)
        if row is not None and item.keep_existing:
            return row, UpsertOutcome.UNCHANGED
        values: dict[str, Any] = {
            "claim": item.claim,
            "claimant": item.claimant,
            "rating": item.rating,
            "verdict": item.resolved_verdict.value,
            "publisher": item.publisher,
            "publisher_site": item.publisher_site,
            "review_date": item.review_date,
            "language": (item.language and language_code(item.language))
            or detect_language(item.claim),
            "claim_date": item.claim_date,
            "title": item.title,
        }
        if row is None:
            row = FactCheck(
                url=item.url, claim_key=claim_key(item.claim), source=item.source, **values
            )
            self.session.add(row)
            self.session.flush()
            return row, UpsertOutcome.INSERTED
        changed = {k: v for k, v in values.items() if getattr(row, k) != v}
        if not changed:
            return row, UpsertOutcome.UNCHANGED
        self.update(row, changed, actor=actor, source=item.source)
        return row, UpsertOutcome.UPDATED

    def update(
        self,
        row: FactCheck,
        changes: dict[str, Any],
        *,
        actor: str | None = None,
        source: str | None = None,
    ) -> None:
        """Apply ``changes`` to ``row``, keeping a revision when the rating or verdict changes.

        A changed claim also changes the record's ``claim_key``.
        """
        changes = {k: v for k, v in changes.items() if getattr(row, k) != v}
        if not changes:
            return
        if "rating" in changes or "verdict" in changes:
            self.session.add(
                FactCheckRevision(
                    fact_check_id=row.id,
                    rating=row.rating,
                    verdict=row.verdict,
                    review_date=row.review_date,
                    replaced_by=actor,
                    source=source,
                )
            )
        if "claim" in changes:
            changes["claim_key"] = claim_key(changes["claim"])
        for key, value in changes.items():
            setattr(row, key, value)
        self.session.flush()

    def delete(self, row: FactCheck) -> None:
        """Delete a fact-check; the database cascades its embeddings and history."""
        self.session.delete(row)
        self.session.flush()

    def revisions(self, fact_check_id: int) -> Sequence[FactCheckRevision]:
        """The ratings a fact-check held before, oldest first."""
        return self.session.scalars(
            select(FactCheckRevision)
            .where(FactCheckRevision.fact_check_id == fact_check_id)
            .order_by(FactCheckRevision.id)
        ).all()

    def page(
        self, search_filter: FactCheckFilter, *, after_id: int = 0, limit: int = 50
    ) -> Sequence[FactCheck]:
        """Up to ``limit`` admitted fact-checks with ids above ``after_id``, by id (keyset)."""
        query = search_filter.apply(select(FactCheck)).where(FactCheck.id > after_id)
        return self.session.scalars(query.order_by(FactCheck.id).limit(limit)).all()

    def iterate(
        self, search_filter: FactCheckFilter, batch_size: int = 1000
    ) -> Iterator[FactCheck]:
        """Every admitted fact-check by id, read in keyset batches so memory stays flat."""
        after_id = 0
        while rows := self.page(search_filter, after_id=after_id, limit=batch_size):
            yield from rows
            after_id = rows[-1].id
            self.session.expunge_all()

    def rating_counts(self, verdict: Verdict | None = None) -> list[tuple[str, int]]:
        """Each stored rating wording with its count, most frequent first."""
        query = select(FactCheck.rating, func.count()).group_by(FactCheck.rating)
        if verdict is not None:
            query = query.where(FactCheck.verdict == verdict.value)
        rows = self.session.execute(query.order_by(func.count().desc(), FactCheck.rating)).all()
        return [(rating, int(count)) for rating, count in rows]

    @staticmethod
    def delete_all_statement() -> Delete:
        """A statement deleting every fact-check (embeddings and history cascade)."""
        return delete(FactCheck)

    def records(self, ids: Iterable[int]) -> dict[int, FactCheckRecord]:
        wanted = list(set(ids))
        if not wanted:
            return {}
        rows = self.session.scalars(select(FactCheck).where(FactCheck.id.in_(wanted)))
        return {row.id: to_record(row) for row in rows}

    def all_records(self) -> list[FactCheckRecord]:
        return [to_record(row) for row in self.session.scalars(select(FactCheck))]

    def signature(self) -> IndexSignature:
        count, max_id, last = self.session.execute(
            select(func.count(FactCheck.id), func.max(FactCheck.id), func.max(FactCheck.updated_at))
        ).one()
        if isinstance(last, str):  # SQLite aggregates bypass the column type
            last = dt.datetime.fromisoformat(last)
        return IndexSignature(int(count or 0), int(max_id or 0), last)

    def missing_embeddings(self, model_name: str, limit: int | None = None) -> Sequence[FactCheck]:
        """Fact-checks that have no embedding under ``model_name`` yet, or a stale one."""
        stale = (
            select(FactCheckEmbedding.fact_check_id)
            .where(FactCheckEmbedding.model_name == model_name)
            .where(FactCheckEmbedding.created_at >= FactCheck.updated_at)
            .where(FactCheckEmbedding.fact_check_id == FactCheck.id)
        )
        query = select(FactCheck).where(~stale.exists()).order_by(FactCheck.id)
        if limit:
            query = query.limit(limit)
        return self.session.scalars(query).all()

    def store_embeddings(
        self,
        model_name: str,
        ids: Sequence[int],
        vectors: npt.NDArray[np.float32],
        claims: Sequence[str] | None = None,
    ) -> None:
        """Write (or overwrite) the embeddings of ``ids`` under ``model_name``.

        ``claims``, the texts the vectors were computed from, also stores each claim's
        lexical profile (``FactCheckProfile``; searches then need not re-tokenise it);
        without them any stored profile of ``ids`` is dropped, as it may describe an older
        claim, and is computed when needed. The rows are written by Core-level upserts, so
        objects already loaded in the session (nothing here loads them) are not refreshed.
        """
        # The fact-check rows must be written before their embeddings (foreign key).
        self.session.flush()
        if not len(ids):
            return
        now = utcnow()
        rows = [
            {
                "fact_check_id": int(fact_check_id),
                "model_name": model_name,
                "vector": vector,
                "created_at": now,
            }
            for fact_check_id, vector in zip(ids, vectors, strict=True)
        ]
        # One multi-row upsert: a statement per row costs a round trip each on PostgreSQL.
        # created_at is overwritten too, or a replaced embedding would still look stale.
        statement = _insert_for(self.session)(FactCheckEmbedding)
        statement = statement.on_conflict_do_update(
            index_elements=["fact_check_id", "model_name"],
            set_={
                "vector": statement.excluded.vector,
                "created_at": statement.excluded.created_at,
            },
        )
        self.session.execute(statement, rows)
        if claims is None:
            self.session.execute(
                delete(FactCheckProfile).where(
                    FactCheckProfile.fact_check_id.in_([int(i) for i in ids])
                )
            )
            return
        self.store_profiles(ids, claims)

    def store_profiles(self, ids: Sequence[int], claims: Sequence[str]) -> None:
        """Write (or overwrite) the lexical profiles of ``ids``, computed from ``claims``."""
        if not len(ids):
            return
        statement = _insert_for(self.session)(FactCheckProfile)
        statement = statement.on_conflict_do_update(
            index_elements=["fact_check_id"], set_={"profile": statement.excluded.profile}
        )
        self.session.execute(
            statement,
            [
                {"fact_check_id": int(fact_check_id), "profile": lexical_profile(claim)}
                for fact_check_id, claim in zip(ids, claims, strict=True)
            ],
        )

    def embedding_counts(self) -> dict[str, int]:
        """Stored embeddings per model name (the encoder and format that made them)."""
        rows = self.session.execute(
            select(FactCheckEmbedding.model_name, func.count()).group_by(
                FactCheckEmbedding.model_name
            )
        ).all()
        return {str(name): int(count) for name, count in rows}

    def embedded_only_under_others(self, model_name: str) -> int:
        """Fact-checks with a stored embedding, but none under ``model_name``.

        A search by ``model_name`` cannot find them: their vectors come from another
        encoder or format (``claimflag reindex`` re-embeds them).
        """
        ours = (
            select(FactCheckEmbedding.fact_check_id)
            .where(FactCheckEmbedding.model_name == model_name)
            .where(FactCheckEmbedding.fact_check_id == FactCheck.id)
        )
        others = (
            select(FactCheckEmbedding.fact_check_id)
            .where(FactCheckEmbedding.model_name != model_name)
            .where(FactCheckEmbedding.fact_check_id == FactCheck.id)
        )
        query = select(func.count(FactCheck.id)).where(others.exists(), ~ours.exists())
        return int(self.session.scalar(query) or 0)

    def delete_embeddings_except(self, model_name: str) -> int:
        """Drop every stored embedding not under ``model_name``; returns how many went."""
        result = self.session.execute(
            delete(FactCheckEmbedding).where(FactCheckEmbedding.model_name != model_name)
        )
        return int(result.rowcount or 0)  # type: ignore[attr-defined]

    def embedding_matrix(
        self, model_name: str
    ) -> tuple[npt.NDArray[np.int64], npt.NDArray[np.float32]]:
        """All ids and vectors stored under ``model_name``, ordered by id."""
        rows = self.session.execute(
            select(FactCheckEmbedding.fact_check_id, FactCheckEmbedding.vector)
            .where(FactCheckEmbedding.model_name == model_name)
            .order_by(FactCheckEmbedding.fact_check_id)
        ).all()
        if not rows:
            return np.zeros(0, dtype=np.int64), np.zeros((0, 0), dtype=np.float32)
        ids = np.fromiter((r[0] for r in rows), dtype=np.int64, count=len(rows))
        vectors = np.stack([r[1] for r in rows]).astype(np.float32, copy=False)
        return ids, vectors

    def missing_multilingual(
        self, model_name: str, *, after_id: int = 0, limit: int | None = None
    ) -> list[tuple[int, str]]:
        """(id, claim) of fact-checks above ``after_id`` lacking a current multilingual vector.

        Lacking: none stored, one by another model, or one older than the fact-check's last
        change. By id, at most ``limit``: a backfill walks them in keyset batches and, when
        interrupted, starts again where the committed batches end.
        """
        query = (
            select(FactCheck.id, FactCheck.claim)
            .where(FactCheck.id > after_id, ~_current_multilingual(model_name).exists())
            .order_by(FactCheck.id)
        )
        if limit:
            query = query.limit(limit)
        return [(int(row.id), str(row.claim)) for row in self.session.execute(query)]

    def missing_multilingual_count(self, model_name: str) -> int:
        """How many fact-checks lack a current multilingual vector (``missing_multilingual``)."""
        query = select(func.count(FactCheck.id)).where(~_current_multilingual(model_name).exists())
        return int(self.session.scalar(query) or 0)

    def store_multilingual(
        self, model_name: str, ids: Sequence[int], vectors: npt.NDArray[np.float32]
    ) -> None:
        """Write (or overwrite) the multilingual vectors of ``ids`` under ``model_name``."""
        self.session.flush()  # the fact-checks first (foreign key)
        if not len(ids):
            return
        now = utcnow()
        statement = _insert_for(self.session)(FactCheckMultilingualEmbedding)
        statement = statement.on_conflict_do_update(
            index_elements=["fact_check_id"],
            set_={
                "model_name": statement.excluded.model_name,
                "vector": statement.excluded.vector,
                "created_at": statement.excluded.created_at,
            },
        )
        self.session.execute(
            statement,
            [
                {
                    "fact_check_id": int(fact_check_id),
                    "model_name": model_name,
                    "vector": vector,
                    "created_at": now,
                }
                for fact_check_id, vector in zip(ids, vectors, strict=True)
            ],
        )

    def delete_multilingual(self, ids: Sequence[int]) -> None:
        """Drop the multilingual vectors of ``ids`` (their claims changed; backfills redo them)."""
        if not len(ids):
            return
        self.session.execute(
            delete(FactCheckMultilingualEmbedding).where(
                FactCheckMultilingualEmbedding.fact_check_id.in_([int(i) for i in ids])
            )
        )

    def multilingual_count(self, model_name: str) -> int:
        """Fact-checks with a multilingual vector under ``model_name``."""
        return int(
            self.session.scalar(
                select(func.count())
                .select_from(FactCheckMultilingualEmbedding)
                .where(FactCheckMultilingualEmbedding.model_name == model_name)
            )
            or 0
        )

    def multilingual_matrix(
        self, model_name: str, ids: Sequence[int] | None = None
    ) -> tuple[npt.NDArray[np.int64], npt.NDArray[np.float32]]:
        """Ids and multilingual vectors under ``model_name`` of ``ids`` (default: all), by id.

        Ids without such a vector are left out.
        """
        query = (
            select(
                FactCheckMultilingualEmbedding.fact_check_id, FactCheckMultilingualEmbedding.vector
            )
            .where(FactCheckMultilingualEmbedding.model_name == model_name)
            .order_by(FactCheckMultilingualEmbedding.fact_check_id)
        )
        chunks: list[Sequence[int] | None] = [None]
        if ids is not None:
            chunks = [ids[i : i + 10_000] for i in range(0, len(ids), 10_000)]
        found_ids: list[int] = []
        vectors: list[npt.NDArray[np.float32]] = []
        for chunk in chunks:
            bounded = (
                query
                if chunk is None
                else query.where(FactCheckMultilingualEmbedding.fact_check_id.in_(list(chunk)))
            )
            for fact_check_id, vector in self.session.execute(bounded):
                found_ids.append(int(fact_check_id))
                vectors.append(vector)
        if not vectors:
            return np.zeros(0, dtype=np.int64), np.zeros((0, 0), dtype=np.float32)
        return (
            np.asarray(found_ids, dtype=np.int64),
            np.stack(vectors).astype(np.float32, copy=False),
        )

    def change_window(self) -> tuple[int, int]:
        """Lowest and highest sequence number in the change log (0, 0 when empty)."""
        # Two scalar subqueries: SQLite answers a lone min() or max() from the primary key,
        # but scans the whole log for both in one select (5 ms per request at 100k entries).
        low, high = self.session.execute(
            select(
                select(func.min(FactCheckChange.seq)).scalar_subquery(),
                select(func.max(FactCheckChange.seq)).scalar_subquery(),
            )
        ).one()
        return int(low or 0), int(high or 0)

    def prune_changes(self, keep: int) -> int:
        """Drop all but the newest ``keep`` change-log entries; returns how many went.

        A process that fell further behind than ``keep`` changes reloads its index in full.
        """
        _, high = self.change_window()
        result = self.session.execute(
            delete(FactCheckChange).where(FactCheckChange.seq <= high - keep)
        )
        return int(result.rowcount or 0)  # type: ignore[attr-defined]

    def changed_since(self, seq: int, until: int) -> list[int]:
        """Ids of fact-checks whose searchable state changed in ``(seq, until]``."""
        return list(
            self.session.scalars(
                select(FactCheckChange.fact_check_id)
                .where(FactCheckChange.seq > seq, FactCheckChange.seq <= until)
                .distinct()
            )
        )

    def searchable(
        self, model_name: str, ids: Sequence[int] | None = None
    ) -> tuple[list[FactCheckRecord], npt.NDArray[np.float32]]:
        """Records and embeddings under ``model_name`` of ``ids`` (default: all), by id.

        Ids without a stored fact-check or embedding are left out.
        """
        query = (
            select(
                *_RECORD_COLUMNS,
                FactCheckEmbedding.vector,
                FactCheckProfile.profile.label("lexical_profile"),
            )
            .join(FactCheckEmbedding, FactCheckEmbedding.fact_check_id == FactCheck.id)
            .outerjoin(FactCheckProfile, FactCheckProfile.fact_check_id == FactCheck.id)
            .where(FactCheckEmbedding.model_name == model_name)
            .order_by(FactCheck.id)
        )
        records: list[FactCheckRecord] = []
        vectors: list[npt.NDArray[np.float32]] = []
        chunks: list[Sequence[int] | None] = [None]
        if ids is not None:
            chunks = [ids[i : i + 10_000] for i in range(0, len(ids), 10_000)]
        for chunk in chunks:
            bounded = query if chunk is None else query.where(FactCheck.id.in_(list(chunk)))
            for row in self.session.execute(bounded):
                records.append(to_record(row))
                vectors.append(row.vector)
        if not vectors:
            return records, np.zeros((0, 0), dtype=np.float32)
        return records, np.stack(vectors).astype(np.float32, copy=False)
