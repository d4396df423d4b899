"""Every query on sources, monitored feeds, their runs and items, and the job tables."""

from __future__ import annotations

import datetime as dt
from collections.abc import Iterable, Sequence
from dataclasses import dataclass
from typing import Any

from sqlalchemy import CursorResult, delete, func, or_, select, text, update
from sqlalchemy.dialects.postgresql import insert as postgresql_insert
from sqlalchemy.dialects.sqlite import insert as sqlite_insert
from sqlalchemy.orm import Session

from claims_db.base import utcnow
from claims_db.sync_models import (
    Feed,
    FeedItem,
    FeedRun,
    ItemStatus,
    RunStatus,
    Source,
    SourceDocument,
    SourceRun,
)


@dataclass(frozen=True, slots=True)
class NewEntry:
    """An article a feed lists, as read from the feed."""

    key: str
    url: str
    title: str | None
    published_at: dt.datetime | None


def _insert_for(session: Session) -> Any:
    if session.get_bind().dialect.name == "postgresql":
        return postgresql_insert
    return sqlite_insert


def _due(model: type[Source] | type[Feed], now: dt.datetime) -> Any:
    return (
        select(model)
        .where(model.enabled.is_(True))
        .where(or_(model.next_run_at.is_(None), model.next_run_at <= now))
        .order_by(model.next_run_at.nulls_first(), model.id)
    )


class SourceRepository:
    """Sources, the documents fetched for them and their runs; flushes, never commits."""

    def __init__(self, session: Session) -> None:
        self.session = session

    def add(self, source: Source) -> Source:
        self.session.add(source)
        self.session.flush()
        return source

    def get(self, source_id: int) -> Source | None:
        return self.session.get(Source, source_id)

    def by_name(self, name: str) -> Source | None:
        return self.session.scalar(select(Source).where(Source.name == name))

    def all(self) -> Sequence[Source]:
        return self.session.scalars(select(Source).order_by(Source.name)).all()

    def delete(self, source: Source) -> None:
        self.session.delete(source)
        self.session.flush()

    def due(self, now: dt.datetime) -> Sequence[Source]:
        """Enabled sources whose next run is due (or was never scheduled)."""
        return self.session.scalars(_due(Source, now)).all()

    def documents(self, source_id: int) -> dict[str, SourceDocument]:
        """What was last fetched from each URL of the source, by URL."""
        rows = self.session.scalars(
            select(SourceDocument).where(SourceDocument.source_id == source_id)
        )
        return {row.url: row for row in rows}

    def save_document(
        self,
        source_id: int,
        url: str,
        *,
        etag: str | None,
        last_modified: str | None,
        lastmod: str | None,
        content_sha256: str | None,
    ) -> None:
        """Record a document's validators and hash (insert or replace)."""
        values = {
            "etag": etag,
            "last_modified": last_modified,
            "lastmod": lastmod,
            "content_sha256": content_sha256,
            "fetched_at": utcnow(),
        }
        insert = _insert_for(self.session)
        statement = insert(SourceDocument).values(source_id=source_id, url=url, **values)
        self.session.execute(
            statement.on_conflict_do_update(index_elements=["source_id", "url"], set_=values)
        )

    def forget_documents(self, source_id: int) -> None:
        """Drop the source's validators so that its next run fetches everything again."""
        self.session.execute(delete(SourceDocument).where(SourceDocument.source_id == source_id))

    def start_run(self, source_id: int, trigger: str) -> SourceRun:
        """A new run in the ``running`` state; older ones left running were interrupted.

        Call only while holding the source's run lock: no other run can then be live.
        """
        self.session.execute(
            update(SourceRun)
            .where(SourceRun.source_id == source_id, SourceRun.status == RunStatus.RUNNING.value)
            .values(status=RunStatus.INTERRUPTED.value, error="the process running it stopped")
        )
        run = SourceRun(
            source_id=source_id,
            trigger=trigger,
            status=RunStatus.RUNNING.value,
            started_at=utcnow(),
            fetched=0,
            not_modified=0,
            added=0,
            updated=0,
            unchanged=0,
            rejected=0,
            rejections=[],
            errors=[],
        )
        self.session.add(run)
        self.session.flush()
        return run

    def run(self, run_id: int) -> SourceRun | None:
        return self.session.get(SourceRun, run_id)

    def runs(self, source_id: int, limit: int = 20) -> Sequence[SourceRun]:
        """The source's latest runs, newest first."""
        return self.session.scalars(
            select(SourceRun)
            .where(SourceRun.source_id == source_id)
            .order_by(SourceRun.id.desc())
            .limit(limit)
        ).all()

    def last_runs(self, source_ids: Iterable[int]) -> dict[int, SourceRun]:
        """The latest run of each source that has one."""
        latest = (
            select(func.max(SourceRun.id))
            .where(SourceRun.source_id.in_(list(source_ids)))
            .group_by(SourceRun.source_id)
        )
        rows = self.session.scalars(select(SourceRun).where(SourceRun.id.in_(latest)))
        return {run.source_id: run for run in rows}


class FeedRepository:
    """Monitored feeds, their items and runs; flushes, never commits."""

    def __init__(self, session: Session) -> None:
        self.session = session

    def add(self, feed: Feed) -> Feed:
        self.session.add(feed)
        self.session.flush()
        return feed

    def get(self, feed_id: int) -> Feed | None:
        return self.session.get(Feed, feed_id)

    def by_name(self, name: str) -> Feed | None:
        return self.session.scalar(select(Feed).where(Feed.name == name))

    def all(self) -> Sequence[Feed]:
        return self.session.scalars(select(Feed).order_by(Feed.name)).all()

    def delete(self, feed: Feed) -> None:
        self.session.delete(feed)
        self.session.flush()

    def due(self, now: dt.datetime) -> Sequence[Feed]:
        """Enabled feeds whose next poll is due (or was never scheduled)."""
        return self.session.scalars(_due(Feed, now)).all()

    def start_run(self, feed_id: int, trigger: str) -> FeedRun:
        """A new poll in the ``running`` state; older ones left running were interrupted."""
        self.session.execute(
            update(FeedRun)
            .where(FeedRun.feed_id == feed_id, FeedRun.status == RunStatus.RUNNING.value)
            .values(status=RunStatus.INTERRUPTED.value, error="the process running it stopped")
        )
        run = FeedRun(
            feed_id=feed_id,
            trigger=trigger,
            status=RunStatus.RUNNING.value,
            started_at=utcnow(),
            not_modified=False,
            entries=0,
            new_items=0,
        )
        self.session.add(run)
        self.session.flush()
        return run

    def run(self, run_id: int) -> FeedRun | None:
        return self.session.get(FeedRun, run_id)

    def runs(self, feed_id: int, limit: int = 20) -> Sequence[FeedRun]:
        """The feed's latest polls, newest first."""
        return self.session.scalars(
            select(FeedRun)
            .where(FeedRun.feed_id == feed_id)
            .order_by(FeedRun.id.desc())
            .limit(limit)
        ).all()

    def last_runs(self, feed_ids: Iterable[int]) -> dict[int, FeedRun]:
        """The latest poll of each feed that has one."""
        latest = (
            select(func.max(FeedRun.id))
            .where(FeedRun.feed_id.in_(list(feed_ids)))
            .group_by(FeedRun.feed_id)
        )
        rows = self.session.scalars(select(FeedRun).where(FeedRun.id.in_(latest)))
        return {run.feed_id: run for run in rows}

    def known_keys(self, feed_id: int, keys: Iterable[str]) -> set[str]:
        """Which of ``keys`` the feed has listed before."""
        wanted = list(keys)
        if not wanted:
            return set()
        return set(
            self.session.scalars(
                select(FeedItem.key).where(FeedItem.feed_id == feed_id, FeedItem.key.in_(wanted))
            )
        )

    def add_items(self, feed_id: int, entries: Sequence[NewEntry]) -> list[int]:
        """Insert the entries not seen before as pending items; returns the new items' ids.

        A concurrent poll inserting the same entry wins silently (``ON CONFLICT DO
        NOTHING``), so an entry becomes one item whoever sees it first.
        """
        if not entries:
            return []
        now = utcnow()
        insert = _insert_for(self.session)
        statement = (
            insert(FeedItem)
            .values(
                [
                    {
                        "feed_id": feed_id,
                        "key": entry.key,
                        "url": entry.url,
                        "title": entry.title,
                        "published_at": entry.published_at,
                        "status": ItemStatus.PENDING.value,
                        "attempts": 0,
                        "discovered_at": now,
                    }
                    for entry in entries
                ]
            )
            .on_conflict_do_nothing(index_elements=["feed_id", "key"])
            .returning(FeedItem.id)
        )
        return sorted(self.session.scalars(statement))

    def item(self, item_id: int) -> FeedItem | None:
        return self.session.get(FeedItem, item_id, populate_existing=True)

    def items(
        self, feed_id: int, status: ItemStatus | None = None, limit: int = 50
    ) -> Sequence[FeedItem]:
        """The feed's items, newest first, optionally in one status."""
        query = select(FeedItem).where(FeedItem.feed_id == feed_id)
        if status is not None:
            query = query.where(FeedItem.status == status.value)
        return self.session.scalars(query.order_by(FeedItem.id.desc()).limit(limit)).all()

    def item_counts(self, feed_ids: Iterable[int]) -> dict[int, dict[str, int]]:
        """Items per status for each feed."""
        rows = self.session.execute(
            select(FeedItem.feed_id, FeedItem.status, func.count())
            .where(FeedItem.feed_id.in_(list(feed_ids)))
            .group_by(FeedItem.feed_id, FeedItem.status)
        )
        counts: dict[int, dict[str, int]] = {}
        for feed_id, status, count in rows:
            counts.setdefault(feed_id, {})[status] = int(count)
        return counts

    def status_totals(self) -> dict[str, int]:
        """Items per status over every feed."""
        rows = self.session.execute(select(FeedItem.status, func.count()).group_by(FeedItem.status))
        return {status: int(count) for status, count in rows}

    def ready_items(self, now: dt.datetime, limit: int) -> Sequence[int]:
        """Pending items whose next attempt is due, oldest first (the in-process runner)."""
        return self.session.scalars(
            select(FeedItem.id)
            .join(Feed, Feed.id == FeedItem.feed_id)
            .where(FeedItem.status == ItemStatus.PENDING.value)
            .where(or_(FeedItem.next_attempt_at.is_(None), FeedItem.next_attempt_at <= now))
            .order_by(FeedItem.id)
            .limit(limit)
        ).all()

    def unqueued_items(self, queued_before: dt.datetime, limit: int) -> Sequence[int]:
        """Pending items with no job, or whose job was queued before ``queued_before``."""
        return self.session.scalars(
            select(FeedItem.id)
            .where(FeedItem.status == ItemStatus.PENDING.value)
            .where(or_(FeedItem.queued_at.is_(None), FeedItem.queued_at < queued_before))
            .order_by(FeedItem.id)
            .limit(limit)
        ).all()

    def mark_queued(self, item_ids: Sequence[int], now: dt.datetime) -> None:
        if item_ids:
            self.session.execute(
                update(FeedItem).where(FeedItem.id.in_(list(item_ids))).values(queued_at=now)
            )

    def begin_attempt(self, item_id: int) -> FeedItem | None:
        """Count one more attempt at a pending item; None when it is not pending any more."""
        result: CursorResult[Any] = self.session.execute(  # type: ignore[assignment]
            update(FeedItem)
            .where(FeedItem.id == item_id, FeedItem.status == ItemStatus.PENDING.value)
            .values(attempts=FeedItem.attempts + 1)
        )
        if result.rowcount != 1:
            return None
        return self.item(item_id)

    def complete(
        self, item_id: int, *, article_id: int | None, sentences: int, flagged: int
    ) -> bool:
        """Mark a pending item analysed (compare-and-set); False if another got there first.

        Run in the transaction that stored the analysis, before its commit: the row stays
        locked (PostgreSQL) or the writer lock held (SQLite) until then, so a concurrent
        attempt waits and then finds the item no longer pending, and rolls back its own.
        """
        result: CursorResult[Any] = self.session.execute(  # type: ignore[assignment]
            update(FeedItem)
            .where(FeedItem.id == item_id, FeedItem.status == ItemStatus.PENDING.value)
            .values(
                status=ItemStatus.ANALYSED.value,
                article_id=article_id,
                sentences=sentences,
                flagged=flagged,
                error=None,
                analysed_at=utcnow(),
            )
        )
        return result.rowcount == 1

    def retry_later(self, item_id: int, error: str, at: dt.datetime) -> None:
        self.session.execute(
            update(FeedItem)
            .where(FeedItem.id == item_id, FeedItem.status == ItemStatus.PENDING.value)
            .values(error=error, next_attempt_at=at)
        )

    def fail(self, item_id: int, error: str) -> None:
        self.session.execute(
            update(FeedItem)
            .where(FeedItem.id == item_id, FeedItem.status == ItemStatus.PENDING.value)
            .values(status=ItemStatus.FAILED.value, error=error)
        )


@dataclass(frozen=True, slots=True)
class JobCount:
    """How many procrastinate jobs of one task are in one state."""

    task: str
    status: str
    count: int


class JobRepository:
    """Read-only views of procrastinate's job table (PostgreSQL only)."""

    def __init__(self, session: Session) -> None:
        self.session = session

    def available(self) -> bool:
        return self.session.get_bind().dialect.name == "postgresql"

    def counts(self) -> list[JobCount]:
        """Jobs per task and status."""
        if not self.available():
            return []
        rows = self.session.execute(
            text(
                "SELECT task_name, status::text, count(*) FROM procrastinate_jobs"
                " GROUP BY task_name, status ORDER BY task_name, status"
            )
        )
        return [JobCount(task, status, int(count)) for task, status, count in rows]

    def recent(self, limit: int = 50) -> list[dict[str, Any]]:
        """The latest jobs with their task, arguments, state and attempts, newest first."""
        if not self.available():
            return []
        rows = self.session.execute(
            text(
                "SELECT id, task_name, args, status::text AS status, attempts, queue_name,"
                " scheduled_at FROM procrastinate_jobs ORDER BY id DESC LIMIT :limit"
            ),
            {"limit": limit},
        ).mappings()
        return [dict(row) for row in rows]
