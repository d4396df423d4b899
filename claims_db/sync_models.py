"""ORM models of corpus sync and monitoring: sources, monitored feeds, their runs and items."""

from __future__ import annotations

import datetime as dt
import enum

from sqlalchemy import (
    JSON,
    Boolean,
    Date,
    Float,
    ForeignKey,
    Index,
    Integer,
    String,
    Text,
    UniqueConstraint,
)
from sqlalchemy.orm import Mapped, mapped_column

from claims_db.base import Base, UTCDateTime, utcnow


class SourceKind(enum.StrEnum):
    """Where a source's fact-checks come from."""

    CLAIMREVIEW = "claimreview"  # one URL: a DataFeed, JSON-LD, or a page with JSON-LD in it
    SITEMAP = "sitemap"  # a sitemap of review pages, each holding ClaimReview JSON-LD
    GOOGLE = "google"  # a Google Fact Check Tools claims:search query


class FeedKind(enum.StrEnum):
    """How a monitored feed lists its articles."""

    AUTO = "auto"  # decided from the document: RSS/Atom or a sitemap
    RSS = "rss"  # RSS or Atom
    SITEMAP = "sitemap"  # a (news) sitemap of article URLs


class RunStatus(enum.StrEnum):
    """How a source or feed run ended (or that it has not yet)."""

    RUNNING = "running"
    SUCCEEDED = "succeeded"
    PARTIAL = "partial"  # the run went through, but some documents failed
    FAILED = "failed"
    INTERRUPTED = "interrupted"  # its process died; the next run started over


class ItemStatus(enum.StrEnum):
    """Where a monitored article is: waiting, analysed (and queued), or given up on."""

    PENDING = "pending"
    ANALYSED = "analysed"
    FAILED = "failed"


class Source(Base):
    """A named ClaimReview feed, sitemap or Google query, synced on a schedule."""

    __tablename__ = "sources"
    __table_args__ = (UniqueConstraint("name"),)

    id: Mapped[int] = mapped_column(primary_key=True)
    name: Mapped[str] = mapped_column(String(64))
    kind: Mapped[str] = mapped_column(String(16))
    url: Mapped[str | None] = mapped_column(String(2048))
    query: Mapped[str | None] = mapped_column(Text)
    language: Mapped[str | None] = mapped_column(String(16))
    interval_minutes: Mapped[int] = mapped_column(Integer)
    enabled: Mapped[bool] = mapped_column(Boolean, default=True)
    # The newest review date imported so far: a google run asks only for reviews since.
    newest_review_date: Mapped[dt.date | None] = mapped_column(Date)
    next_run_at: Mapped[dt.datetime | None] = mapped_column(UTCDateTime())
    last_run_at: Mapped[dt.datetime | None] = mapped_column(UTCDateTime())
    created_at: Mapped[dt.datetime] = mapped_column(UTCDateTime(), default=utcnow)
    updated_at: Mapped[dt.datetime] = mapped_column(UTCDateTime(), default=utcnow, onupdate=utcnow)


class SourceDocument(Base):
    """What was last fetched from one URL of a source: its validators and content hash.

    A run sends the validators back (ETag, Last-Modified) and skips a document whose
    content or sitemap ``lastmod`` has not changed. Written only after the document's
    records were committed, so an interrupted run fetches it again.
    """

    __tablename__ = "source_documents"
    __table_args__ = (UniqueConstraint("source_id", "url"),)

    id: Mapped[int] = mapped_column(primary_key=True)
    source_id: Mapped[int] = mapped_column(ForeignKey("sources.id", ondelete="CASCADE"))
    url: Mapped[str] = mapped_column(String(2048))
    etag: Mapped[str | None] = mapped_column(String(512))
    last_modified: Mapped[str | None] = mapped_column(String(64))
    lastmod: Mapped[str | None] = mapped_column(String(64))
    content_sha256: Mapped[str | None] = mapped_column(String(64))
    fetched_at: Mapped[dt.datetime] = mapped_column(UTCDateTime(), default=utcnow)


class SourceRun(Base):
    """One sync of a source: what it fetched and imported, how long it took, how it ended."""

    __tablename__ = "source_runs"
    __table_args__ = (Index("ix_source_runs_source_id_started_at", "source_id", "started_at"),)

    id: Mapped[int] = mapped_column(primary_key=True)
    source_id: Mapped[int] = mapped_column(ForeignKey("sources.id", ondelete="CASCADE"))
    status: Mapped[str] = mapped_column(String(16), default=RunStatus.RUNNING.value)
    trigger: Mapped[str] = mapped_column(String(16))
    started_at: Mapped[dt.datetime] = mapped_column(UTCDateTime(), default=utcnow)
    finished_at: Mapped[dt.datetime | None] = mapped_column(UTCDateTime())
    duration_s: Mapped[float | None] = mapped_column(Float)
    fetched: Mapped[int] = mapped_column(Integer, default=0)
    not_modified: Mapped[int] = mapped_column(Integer, default=0)
    added: Mapped[int] = mapped_column(Integer, default=0)
    updated: Mapped[int] = mapped_column(Integer, default=0)
    unchanged: Mapped[int] = mapped_column(Integer, default=0)
    rejected: Mapped[int] = mapped_column(Integer, default=0)
    rejections: Mapped[list[str]] = mapped_column(JSON, default=list)
    errors: Mapped[list[str]] = mapped_column(JSON, default=list)
    error: Mapped[str | None] = mapped_column(Text)


class Feed(Base):
    """A monitored outlet: an RSS/Atom feed or sitemap whose new articles are analysed."""

    __tablename__ = "feeds"
    __table_args__ = (UniqueConstraint("name"),)

    id: Mapped[int] = mapped_column(primary_key=True)
    name: Mapped[str] = mapped_column(String(128))
    url: Mapped[str] = mapped_column(String(2048))
    kind: Mapped[str] = mapped_column(String(16), default=FeedKind.AUTO.value)
    language: Mapped[str | None] = mapped_column(String(16))
    interval_minutes: Mapped[int] = mapped_column(Integer)
    enabled: Mapped[bool] = mapped_column(Boolean, default=True)
    etag: Mapped[str | None] = mapped_column(String(512))
    last_modified: Mapped[str | None] = mapped_column(String(64))
    next_run_at: Mapped[dt.datetime | None] = mapped_column(UTCDateTime())
    last_run_at: Mapped[dt.datetime | None] = mapped_column(UTCDateTime())
    created_at: Mapped[dt.datetime] = mapped_column(UTCDateTime(), default=utcnow)
    updated_at: Mapped[dt.datetime] = mapped_column(UTCDateTime(), default=utcnow, onupdate=utcnow)


class FeedRun(Base):
    """One poll of a feed: entries listed, new articles found, how it ended."""

    __tablename__ = "feed_runs"
    __table_args__ = (Index("ix_feed_runs_feed_id_started_at", "feed_id", "started_at"),)

    id: Mapped[int] = mapped_column(primary_key=True)
    feed_id: Mapped[int] = mapped_column(ForeignKey("feeds.id", ondelete="CASCADE"))
    status: Mapped[str] = mapped_column(String(16), default=RunStatus.RUNNING.value)
    trigger: Mapped[str] = mapped_column(String(16))
    started_at: Mapped[dt.datetime] = mapped_column(UTCDateTime(), default=utcnow)
    finished_at: Mapped[dt.datetime | None] = mapped_column(UTCDateTime())
    duration_s: Mapped[float | None] = mapped_column(Float)
    not_modified: Mapped[bool] = mapped_column(Boolean, default=False)
    entries: Mapped[int] = mapped_column(Integer, default=0)
    new_items: Mapped[int] = mapped_column(Integer, default=0)
    error: Mapped[str | None] = mapped_column(Text)


class FeedItem(Base):
    """An article a feed listed; seen once, analysed once.

    ``key`` identifies the entry within its feed (a hash of its id or link), so an article
    the feed lists again is never analysed again. The analysis is stored and the item
    marked ``analysed`` in one transaction: an interrupted analysis leaves the item
    pending and no article behind.
    """

    __tablename__ = "feed_items"
    __table_args__ = (
        UniqueConstraint("feed_id", "key"),
        Index("ix_feed_items_status_next_attempt_at", "status", "next_attempt_at"),
    )

    id: Mapped[int] = mapped_column(primary_key=True)
    feed_id: Mapped[int] = mapped_column(ForeignKey("feeds.id", ondelete="CASCADE"))
    key: Mapped[str] = mapped_column(String(64))
    url: Mapped[str] = mapped_column(String(2048))
    title: Mapped[str | None] = mapped_column(Text)
    published_at: Mapped[dt.datetime | None] = mapped_column(UTCDateTime())
    status: Mapped[str] = mapped_column(String(16), default=ItemStatus.PENDING.value)
    attempts: Mapped[int] = mapped_column(Integer, default=0)
    next_attempt_at: Mapped[dt.datetime | None] = mapped_column(UTCDateTime())
    queued_at: Mapped[dt.datetime | None] = mapped_column(UTCDateTime())
    error: Mapped[str | None] = mapped_column(Text)
    article_id: Mapped[int | None] = mapped_column(ForeignKey("articles.id", ondelete="SET NULL"))
    sentences: Mapped[int | None] = mapped_column(Integer)
    flagged: Mapped[int | None] = mapped_column(Integer)
    discovered_at: Mapped[dt.datetime] = mapped_column(UTCDateTime(), default=utcnow)
    analysed_at: Mapped[dt.datetime | None] = mapped_column(UTCDateTime())
