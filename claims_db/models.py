"""ORM models: published fact-checks and their embeddings."""

from __future__ import annotations

import datetime as dt
import hashlib
import re
import unicodedata
from typing import Any

import numpy as np
from sqlalchemy import Date, ForeignKey, Index, String, Text, UniqueConstraint
from sqlalchemy.orm import Mapped, mapped_column, relationship

from claims_db.base import Base, EmbeddingVector, UTCDateTime, utcnow

EMBEDDING_DIM = 384
MULTILINGUAL_EMBEDDING_DIM = 384
_SPACE = re.compile(r"\s+")


def claim_key(claim: str) -> str:
    """Stable identity of a claim's wording: SHA-256 of its case- and space-folded text.

    One review URL can cover several claims; ``(url, claim_key)`` identifies a record.
    """
    folded = _SPACE.sub(" ", unicodedata.normalize("NFKC", claim)).strip().casefold()
    return hashlib.sha256(folded.encode("utf-8")).hexdigest()


class FactCheck(Base):
    """One claim as reviewed by a fact-checking publisher."""

    __tablename__ = "fact_checks"
    __table_args__ = (
        UniqueConstraint("url", "claim_key"),
        Index("ix_fact_checks_publisher", "publisher"),
        Index("ix_fact_checks_verdict", "verdict"),
        Index("ix_fact_checks_review_date", "review_date"),
        Index("ix_fact_checks_updated_at", "updated_at"),
        # Ids are never reused (SQLite would give a deleted row's id to the next insert):
        # queue items, stored analyses and review decisions name fact-checks by id.
        {"sqlite_autoincrement": True},
    )

    id: Mapped[int] = mapped_column(primary_key=True, autoincrement=True)
    claim: Mapped[str] = mapped_column(Text)
    claim_key: Mapped[str] = mapped_column(String(64))
    claimant: Mapped[str | None] = mapped_column(Text)
    rating: Mapped[str] = mapped_column(Text)
    verdict: Mapped[str] = mapped_column(String(32))
    publisher: Mapped[str] = mapped_column(String(255))
    publisher_site: Mapped[str | None] = mapped_column(String(255))
    url: Mapped[str] = mapped_column(String(2048))
    review_date: Mapped[dt.date | None] = mapped_column(Date)
    claim_date: Mapped[dt.date | None] = mapped_column(Date)
    # The headline of the fact-check's article, when the source gives one (migration 0013).
    title: Mapped[str | None] = mapped_column(Text)
    language: Mapped[str] = mapped_column(String(16), default="en")
    source: Mapped[str | None] = mapped_column(String(64))
    created_at: Mapped[dt.datetime] = mapped_column(UTCDateTime(), default=utcnow)
    updated_at: Mapped[dt.datetime] = mapped_column(UTCDateTime(), default=utcnow, onupdate=utcnow)

    embeddings: Mapped[list[FactCheckEmbedding]] = relationship(
        back_populates="fact_check",
        lazy="raise",
        cascade="all, delete-orphan",
        passive_deletes=True,
    )
    revisions: Mapped[list[FactCheckRevision]] = relationship(
        back_populates="fact_check",
        lazy="raise",
        cascade="all, delete-orphan",
        passive_deletes=True,
        order_by="FactCheckRevision.id",
    )


class FactCheckRevision(Base):
    """A rating a fact-check held before an update replaced it: the record's history."""

    __tablename__ = "fact_check_revisions"
    __table_args__ = (Index("ix_fact_check_revisions_fact_check_id", "fact_check_id"),)

    id: Mapped[int] = mapped_column(primary_key=True)
    fact_check_id: Mapped[int] = mapped_column(ForeignKey("fact_checks.id", ondelete="CASCADE"))
    rating: Mapped[str] = mapped_column(Text)
    verdict: Mapped[str] = mapped_column(String(32))
    review_date: Mapped[dt.date | None] = mapped_column(Date)
    replaced_at: Mapped[dt.datetime] = mapped_column(UTCDateTime(), default=utcnow)
    replaced_by: Mapped[str | None] = mapped_column(String(255))
    source: Mapped[str | None] = mapped_column(String(64))

    fact_check: Mapped[FactCheck] = relationship(back_populates="revisions", lazy="raise")


class FactCheckEmbedding(Base):
    """A fact-check claim's embedding under one model; a model change means re-embedding."""

    __tablename__ = "fact_check_embeddings"

    fact_check_id: Mapped[int] = mapped_column(
        ForeignKey("fact_checks.id", ondelete="CASCADE"), primary_key=True
    )
    model_name: Mapped[str] = mapped_column(String(128), primary_key=True)
    vector: Mapped[np.ndarray[Any, np.dtype[np.float32]]] = mapped_column(
        EmbeddingVector(EMBEDDING_DIM)
    )
    created_at: Mapped[dt.datetime] = mapped_column(UTCDateTime(), default=utcnow)

    fact_check: Mapped[FactCheck] = relationship(back_populates="embeddings", lazy="raise")


class FactCheckMultilingualEmbedding(Base):
    """A fact-check claim's vector in the multilingual space (``models.encoders.multilingual``).

    One per fact-check, beside its English-model embedding: searched for claims in other
    languages. ``model_name`` says which encoder made it; ``created_at`` older than the
    fact-check's ``updated_at`` means the claim changed since and the vector is stale.
    """

    __tablename__ = "fact_check_multilingual_embeddings"

    fact_check_id: Mapped[int] = mapped_column(
        ForeignKey("fact_checks.id", ondelete="CASCADE"), primary_key=True
    )
    model_name: Mapped[str] = mapped_column(String(128))
    vector: Mapped[np.ndarray[Any, np.dtype[np.float32]]] = mapped_column(
        EmbeddingVector(MULTILINGUAL_EMBEDDING_DIM)
    )
    created_at: Mapped[dt.datetime] = mapped_column(UTCDateTime(), default=utcnow)


class FactCheckProfile(Base):
    """The lexical profile of a fact-check's claim (``models.retrieval.lexical_profile``).

    Written with the claim's embeddings (both derived from the claim; redone when it
    changes) and read with the records a search returns, so searches need not re-tokenise
    each claim. A table of its own, not a column beside the vector: rewriting every profile
    (after a tokeniser change) then touches no row the pgvector graph indexes.
    """

    __tablename__ = "fact_check_profiles"

    fact_check_id: Mapped[int] = mapped_column(
        ForeignKey("fact_checks.id", ondelete="CASCADE"), primary_key=True
    )
    profile: Mapped[str] = mapped_column(Text)


class FactCheckChange(Base):
    """One entry of the change log: this fact-check's searchable state changed.

    Written by database triggers (migration 0004), read by in-memory indexes to catch up.
    """

    __tablename__ = "fact_check_changes"
    __table_args__ = {"sqlite_autoincrement": True}  # noqa: RUF012

    seq: Mapped[int] = mapped_column(primary_key=True, autoincrement=True)
    fact_check_id: Mapped[int] = mapped_column()
