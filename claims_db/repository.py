"""Every query on fact-checks and their embeddings."""

from __future__ import annotations

import datetime as dt
import enum
from collections.abc import Iterable, Sequence
from dataclasses import dataclass
from typing import Any

import numpy as np
import numpy.typing as npt
from sqlalchemy import func, select
from sqlalchemy.orm import Session

from claims_db.models import FactCheck, FactCheckEmbedding, claim_key
from models.matching import FactCheckRecord
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
    language: str = "en"
    source: str | None = None
    verdict: Verdict | None = None

    @property
    def resolved_verdict(self) -> Verdict:
        """The given verdict, else the rating normalised onto the verdict scale."""
        return self.verdict or normalize_rating(self.rating)


def to_record(row: FactCheck) -> FactCheckRecord:
    """The pipeline's view of a stored fact-check."""
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
    )


@dataclass(frozen=True, slots=True)
class IndexSignature:
    """Cheap summary of the fact-check table: any insert, update or delete changes it."""

    count: int
    max_id: int
    last_update: dt.datetime | None


class FactCheckRepository:
    """Reads and writes fact-checks within the caller's session; it flushes, never commits."""

    def __init__(self, session: Session) -> None:
        self.session = session

    def get(self, fact_check_id: int) -> FactCheck | None:
        return self.session.get(FactCheck, fact_check_id)

    def count(self) -> int:
        return int(self.session.scalar(select(func.count()).select_from(FactCheck)) or 0)

    def find(self, url: str, claim: str) -> FactCheck | None:
        return self.session.scalar(
            select(FactCheck).where(FactCheck.url == url, FactCheck.claim_key == claim_key(claim))
        )

    def upsert(self, item: FactCheckInput) -> tuple[FactCheck, UpsertOutcome]:
        """Insert a fact-check or update the one with the same url and claim."""
        row = self.find(item.url, item.claim)
        values: dict[str, Any] = {
            "claim": item.claim,
            "claimant": item.claimant,
            "rating": item.rating,
            "verdict": item.resolved_verdict.value,
            "publisher": item.publisher,
            "publisher_site": item.publisher_site,
            "review_date": item.review_date,
            "language": item.language,
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
        for key, value in changed.items():
            setattr(row, key, value)
        self.session.flush()
        return row, UpsertOutcome.UPDATED

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
        self, model_name: str, ids: Sequence[int], vectors: npt.NDArray[np.float32]
    ) -> None:
        """Write (or overwrite) the embeddings of ``ids`` under ``model_name``."""
        for fact_check_id, vector in zip(ids, vectors, strict=True):
            self.session.merge(
                FactCheckEmbedding(
                    fact_check_id=fact_check_id, model_name=model_name, vector=vector
                )
            )
        self.session.flush()

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
