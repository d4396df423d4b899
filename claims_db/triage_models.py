"""ORM models of the triage workflow: stored analyses, the claim queue, reviews and API keys."""

from __future__ import annotations

import datetime as dt
import enum
from typing import Any

import numpy as np
from sqlalchemy import JSON, Boolean, Float, ForeignKey, Index, Integer, String, Text
from sqlalchemy.orm import Mapped, mapped_column, relationship

from claims_db.base import Base, EmbeddingVector, UTCDateTime, utcnow
from claims_db.models import EMBEDDING_DIM


class ItemKind(enum.StrEnum):
    """Why a claim is in the queue."""

    SUGGESTED_VERDICT = "suggested_verdict"  # a known fact-check matched: confirm it
    POSSIBLE_MATCH = "possible_match"  # a fact-check may match, too unsure to suggest: judge it
    NEW_CLAIM = "new_claim"  # strongly check-worthy, nothing matched: check it


class ItemStatus(enum.StrEnum):
    """Where a queue item is in the review workflow."""

    OPEN = "open"
    IN_REVIEW = "in_review"
    RESOLVED = "resolved"


class Resolution(enum.StrEnum):
    """How a reviewer closed an item."""

    CONFIRMED_MATCH = "confirmed_match"
    NOT_A_MATCH = "not_a_match"
    NOT_CHECK_WORTHY = "not_check_worthy"
    NEEDS_FACT_CHECK = "needs_fact_check"


class Decision(enum.StrEnum):
    """A reviewer's judgement of one (claim, fact-check) pair, remembered for next time."""

    CONFIRMED = "confirmed"
    REJECTED = "rejected"


class ApiKey(Base):
    """An API key: only a SHA-256 hash of the token is stored, found by its public prefix."""

    __tablename__ = "api_keys"
    __table_args__ = (Index("ix_api_keys_prefix", "prefix", unique=True),)

    id: Mapped[int] = mapped_column(primary_key=True)
    name: Mapped[str] = mapped_column(String(128))
    role: Mapped[str] = mapped_column(String(16))
    prefix: Mapped[str] = mapped_column(String(16))
    key_hash: Mapped[str] = mapped_column(String(64))
    created_at: Mapped[dt.datetime] = mapped_column(UTCDateTime(), default=utcnow)
    revoked_at: Mapped[dt.datetime | None] = mapped_column(UTCDateTime())


class UiSession(Base):
    """A signed-in browser: the cookie holds a random token, only its hash is stored here.

    The API key itself never reaches the browser's cookie jar; signing out revokes the row.
    """

    __tablename__ = "ui_sessions"
    __table_args__ = (Index("ix_ui_sessions_token_hash", "token_hash", unique=True),)

    id: Mapped[int] = mapped_column(primary_key=True)
    token_hash: Mapped[str] = mapped_column(String(64))
    key_id: Mapped[int] = mapped_column(ForeignKey("api_keys.id", ondelete="CASCADE"))
    created_at: Mapped[dt.datetime] = mapped_column(UTCDateTime(), default=utcnow)
    expires_at: Mapped[dt.datetime] = mapped_column(UTCDateTime())
    revoked_at: Mapped[dt.datetime | None] = mapped_column(UTCDateTime())


class Article(Base):
    """A submitted article and when it was analysed."""

    __tablename__ = "articles"
    __table_args__ = (Index("ix_articles_created_at", "created_at"),)

    id: Mapped[int] = mapped_column(primary_key=True)
    title: Mapped[str | None] = mapped_column(Text)
    url: Mapped[str | None] = mapped_column(String(2048))
    publisher: Mapped[str | None] = mapped_column(String(255))
    published_at: Mapped[str | None] = mapped_column(String(32))
    language: Mapped[str | None] = mapped_column(String(16))
    text: Mapped[str] = mapped_column(Text)
    sentences: Mapped[int] = mapped_column(Integer, default=0)
    submitted_by: Mapped[str | None] = mapped_column(String(128))
    submitted_by_key_id: Mapped[int | None] = mapped_column(Integer)
    created_at: Mapped[dt.datetime] = mapped_column(UTCDateTime(), default=utcnow)

    claims: Mapped[list[ArticleClaim]] = relationship(
        back_populates="article",
        lazy="raise",
        cascade="all, delete-orphan",
        order_by="ArticleClaim.position",
    )


class ArticleClaim(Base):
    """One claim of a stored analysis; queried columns plus the full API body as JSON.

    ``payload`` keeps the claim exactly as ``POST /v1/analyze`` returned it, so fields added
    to the analysis later are stored without a schema change. A claim linked to a queue item
    is one occurrence of that item.
    """

    __tablename__ = "article_claims"
    __table_args__ = (Index("ix_article_claims_queue_item_id", "queue_item_id"),)

    id: Mapped[int] = mapped_column(primary_key=True)
    article_id: Mapped[int] = mapped_column(ForeignKey("articles.id", ondelete="CASCADE"))
    position: Mapped[int] = mapped_column(Integer)
    text: Mapped[str] = mapped_column(Text)
    start: Mapped[int] = mapped_column(Integer)
    end: Mapped[int] = mapped_column(Integer)
    check_worthiness: Mapped[float] = mapped_column(Float)
    flagged: Mapped[bool] = mapped_column(Boolean)
    suggested_verdict: Mapped[str | None] = mapped_column(String(32))
    top_fact_check_id: Mapped[int | None] = mapped_column(
        ForeignKey("fact_checks.id", ondelete="SET NULL")
    )
    top_similarity: Mapped[float | None] = mapped_column(Float)
    stance: Mapped[str | None] = mapped_column(String(32))
    payload: Mapped[dict[str, Any]] = mapped_column(JSON)
    queue_item_id: Mapped[int | None] = mapped_column(
        ForeignKey("queue_items.id", ondelete="SET NULL")
    )
    item_similarity: Mapped[float | None] = mapped_column(Float)
    created_at: Mapped[dt.datetime] = mapped_column(UTCDateTime(), default=utcnow)

    article: Mapped[Article] = relationship(back_populates="claims", lazy="raise")


class QueueItem(Base):
    """A claim waiting for (or done with) a reviewer; recurrences join it as occurrences.

    Every state change goes through a compare-and-set on ``version`` so that concurrent
    reviewers, in one process or several, never both win the same transition.
    """

    __tablename__ = "queue_items"
    __table_args__ = (
        Index("ix_queue_items_status_priority", "status", "priority"),
        Index("ix_queue_items_created_at", "created_at"),
    )

    id: Mapped[int] = mapped_column(primary_key=True)
    kind: Mapped[str] = mapped_column(String(32))
    status: Mapped[str] = mapped_column(String(16), default=ItemStatus.OPEN.value)
    resolution: Mapped[str | None] = mapped_column(String(32))
    claim_text: Mapped[str] = mapped_column(Text)
    model_name: Mapped[str] = mapped_column(String(128))
    vector: Mapped[np.ndarray[Any, np.dtype[np.float32]]] = mapped_column(
        EmbeddingVector(EMBEDDING_DIM)
    )
    check_worthiness: Mapped[float] = mapped_column(Float)
    match_similarity: Mapped[float | None] = mapped_column(Float)
    suggested_verdict: Mapped[str | None] = mapped_column(String(32))
    fact_check_id: Mapped[int | None] = mapped_column(
        ForeignKey("fact_checks.id", ondelete="SET NULL")
    )
    # What the suggested fact-check said when it was matched, kept after it is deleted.
    fact_check_publisher: Mapped[str | None] = mapped_column(String(255))
    fact_check_claim: Mapped[str | None] = mapped_column(Text)
    fact_check_url: Mapped[str | None] = mapped_column(String(2048))
    article_publisher: Mapped[str | None] = mapped_column(String(255))
    resolved_fact_check_id: Mapped[int | None] = mapped_column(
        ForeignKey("fact_checks.id", ondelete="SET NULL")
    )
    occurrence_count: Mapped[int] = mapped_column(Integer, default=1)
    debunking_count: Mapped[int] = mapped_column(Integer, default=0)
    priority: Mapped[float] = mapped_column(Float)
    # Who holds or resolved the item: the key's name for display, its id for identity
    # (two keys may share a name).
    assignee: Mapped[str | None] = mapped_column(String(128))
    assignee_key_id: Mapped[int | None] = mapped_column(Integer)
    lease_expires_at: Mapped[dt.datetime | None] = mapped_column(UTCDateTime())
    resolved_by: Mapped[str | None] = mapped_column(String(128))
    resolved_by_key_id: Mapped[int | None] = mapped_column(Integer)
    resolved_at: Mapped[dt.datetime | None] = mapped_column(UTCDateTime())
    version: Mapped[int] = mapped_column(Integer, default=1)
    created_at: Mapped[dt.datetime] = mapped_column(UTCDateTime(), default=utcnow)
    updated_at: Mapped[dt.datetime] = mapped_column(UTCDateTime(), default=utcnow)


class AuditEntry(Base):
    """Who changed what on a queue item (or key), when, with the state before and after."""

    __tablename__ = "audit_entries"
    __table_args__ = (Index("ix_audit_entries_item_id", "item_id"),)

    id: Mapped[int] = mapped_column(primary_key=True)
    item_id: Mapped[int | None] = mapped_column(ForeignKey("queue_items.id", ondelete="CASCADE"))
    actor: Mapped[str] = mapped_column(String(128))
    actor_key_id: Mapped[int | None] = mapped_column(Integer)
    action: Mapped[str] = mapped_column(String(32))
    before: Mapped[dict[str, Any] | None] = mapped_column(JSON)
    after: Mapped[dict[str, Any] | None] = mapped_column(JSON)
    note: Mapped[str | None] = mapped_column(Text)
    created_at: Mapped[dt.datetime] = mapped_column(UTCDateTime(), default=utcnow)


class ReviewDecision(Base):
    """A reviewed (claim, fact-check) pair: confirmed pairs match directly, rejected never."""

    __tablename__ = "review_decisions"
    __table_args__ = (Index("ix_review_decisions_model_name", "model_name"),)

    id: Mapped[int] = mapped_column(primary_key=True)
    item_id: Mapped[int | None] = mapped_column(ForeignKey("queue_items.id", ondelete="SET NULL"))
    claim_text: Mapped[str] = mapped_column(Text)
    model_name: Mapped[str] = mapped_column(String(128))
    vector: Mapped[np.ndarray[Any, np.dtype[np.float32]]] = mapped_column(
        EmbeddingVector(EMBEDDING_DIM)
    )
    fact_check_id: Mapped[int] = mapped_column(ForeignKey("fact_checks.id", ondelete="CASCADE"))
    decision: Mapped[str] = mapped_column(String(16))
    decided_by: Mapped[str] = mapped_column(String(128))
    active: Mapped[bool] = mapped_column(Boolean, default=True)
    created_at: Mapped[dt.datetime] = mapped_column(UTCDateTime(), default=utcnow)
