"""Every query of the triage workflow: API keys, stored articles, the queue, its audit trail."""

from __future__ import annotations

import datetime as dt
import enum
from collections.abc import Sequence
from dataclasses import dataclass
from typing import Any

import numpy as np
import numpy.typing as npt
from sqlalchemy import ColumnElement, and_, case, exists, func, or_, select, update
from sqlalchemy.orm import Session, selectinload

from claims_db.models import FactCheck, FactCheckEmbedding
from claims_db.triage_models import (
    ApiKey,
    Article,
    ArticleClaim,
    AuditEntry,
    ItemStatus,
    QueueItem,
    ReviewDecision,
    UiSession,
)

# A compare-and-set loses only when another reviewer won; give up after this many losses.
_CLAIM_ATTEMPTS = 50
# Advisory-lock key taken while queueing claims on PostgreSQL.
_ENQUEUE_LOCK_KEY = 7_246_311
# Suggested verdicts that count as "rated false" for the asserts-a-false-claim filter.
RATED_FALSE = ("false", "mostly_false")


class QueueSort(enum.StrEnum):
    """Orders the queue can be listed in."""

    PRIORITY = "priority"
    NEWEST = "newest"
    OLDEST = "oldest"
    RECURRENCE = "recurrence"


@dataclass(frozen=True, slots=True)
class QueueFilter:
    """Restrictions on a queue listing; ``None`` means any."""

    status: ItemStatus | None = None
    kind: str | None = None
    verdict: str | None = None
    publisher: str | None = None
    created_from: dt.datetime | None = None
    created_to: dt.datetime | None = None
    # Only items rated false (``RATED_FALSE``) that some article asserts.
    asserts_rated_false: bool = False


def effective_status(now: dt.datetime) -> ColumnElement[str]:
    """The item's status with an expired review lease read as ``open``."""
    return case(
        (
            and_(QueueItem.status == ItemStatus.IN_REVIEW.value, QueueItem.lease_expires_at < now),
            ItemStatus.OPEN.value,
        ),
        else_=QueueItem.status,
    )


def _available(now: dt.datetime) -> ColumnElement[bool]:
    return or_(
        QueueItem.status == ItemStatus.OPEN.value,
        and_(QueueItem.status == ItemStatus.IN_REVIEW.value, QueueItem.lease_expires_at < now),
    )


class ApiKeyRepository:
    """API keys; the caller's session flushes, never commits."""

    def __init__(self, session: Session) -> None:
        self.session = session

    def add(self, key: ApiKey) -> ApiKey:
        self.session.add(key)
        self.session.flush()
        return key

    def get(self, key_id: int) -> ApiKey | None:
        return self.session.get(ApiKey, key_id)

    def by_prefix(self, prefix: str) -> ApiKey | None:
        return self.session.scalar(select(ApiKey).where(ApiKey.prefix == prefix))

    def list(self) -> Sequence[ApiKey]:
        return self.session.scalars(select(ApiKey).order_by(ApiKey.id)).all()


class UiSessionRepository:
    """The UI's signed-in browsers, found by the hash of their cookie's token."""

    def __init__(self, session: Session) -> None:
        self.session = session

    def add(self, ui_session: UiSession) -> UiSession:
        self.session.add(ui_session)
        self.session.flush()
        return ui_session

    def by_hash(self, token_hash: str) -> tuple[UiSession, ApiKey] | None:
        row = self.session.execute(
            select(UiSession, ApiKey)
            .join(ApiKey, ApiKey.id == UiSession.key_id)
            .where(UiSession.token_hash == token_hash)
        ).first()
        return (row[0], row[1]) if row else None


def like_pattern(term: str) -> str:
    """A LIKE pattern finding ``term`` anywhere, its own ``%``, ``_`` and ``\\`` taken literally."""
    escaped = term.replace("\\", "\\\\").replace("%", "\\%").replace("_", "\\_")
    return f"%{escaped}%"


class ArticleRepository:
    """Stored analyses: articles with their claims."""

    def __init__(self, session: Session) -> None:
        self.session = session

    def add(self, article: Article) -> Article:
        self.session.add(article)
        self.session.flush()
        return article

    def get(self, article_id: int) -> Article | None:
        return self.session.scalar(
            select(Article).where(Article.id == article_id).options(selectinload(Article.claims))
        )

    def recent(self, limit: int, term: str | None = None) -> Sequence[Article]:
        """The newest articles, or those whose title, URL or text contains ``term``."""
        query = select(Article).options(selectinload(Article.claims))
        if term:
            pattern = like_pattern(term)
            query = query.where(
                or_(
                    Article.title.ilike(pattern, escape="\\"),
                    Article.url.ilike(pattern, escape="\\"),
                    Article.text.ilike(pattern, escape="\\"),
                )
            )
        return self.session.scalars(query.order_by(Article.id.desc()).limit(limit)).all()

    def claims_containing(self, term: str, limit: int) -> Sequence[tuple[ArticleClaim, Article]]:
        """Stored claims whose text contains ``term``, newest first, with their article."""
        rows = self.session.execute(
            select(ArticleClaim, Article)
            .join(Article, Article.id == ArticleClaim.article_id)
            .where(ArticleClaim.text.ilike(like_pattern(term), escape="\\"))
            .order_by(ArticleClaim.id.desc())
            .limit(limit)
        ).all()
        return [(claim, article) for claim, article in rows]

    def fact_checks_containing(self, term: str, limit: int) -> Sequence[tuple[FactCheck, int]]:
        """Fact-checks whose claim, publisher or URL contains ``term``, with how many stored
        claims they were the top match of."""
        pattern = like_pattern(term)
        cited = (
            select(func.count(ArticleClaim.id))
            .where(ArticleClaim.top_fact_check_id == FactCheck.id)
            .correlate(FactCheck)
            .scalar_subquery()
        )
        rows = self.session.execute(
            select(FactCheck, cited)
            .where(
                or_(
                    FactCheck.claim.ilike(pattern, escape="\\"),
                    FactCheck.publisher.ilike(pattern, escape="\\"),
                    FactCheck.url.ilike(pattern, escape="\\"),
                )
            )
            .order_by(cited.desc(), FactCheck.id.desc())
            .limit(limit)
        ).all()
        return [(fact_check, int(count or 0)) for fact_check, count in rows]

    def articles_citing(self, fact_check_ids: Sequence[int]) -> dict[int, list[tuple[int, str]]]:
        """By fact-check id: the (article id, title) of stored articles with a claim it matched."""
        if not fact_check_ids:
            return {}
        rows = self.session.execute(
            select(ArticleClaim.top_fact_check_id, Article.id, Article.title)
            .join(Article, Article.id == ArticleClaim.article_id)
            .where(ArticleClaim.top_fact_check_id.in_(fact_check_ids))
            .distinct()
            .order_by(Article.id.desc())
        ).all()
        found: dict[int, list[tuple[int, str]]] = {}
        for fact_check_id, article_id, title in rows:
            if fact_check_id is not None:
                found.setdefault(fact_check_id, []).append((article_id, title or "Untitled"))
        return found


class QueueRepository:
    """Queue items, their occurrences and audit entries."""

    def __init__(self, session: Session) -> None:
        self.session = session

    def add(self, item: QueueItem) -> QueueItem:
        self.session.add(item)
        self.session.flush()
        return item

    def get(self, item_id: int, *, fresh: bool = False) -> QueueItem | None:
        """One item; ``fresh`` re-reads it from the database over the session's copy."""
        return self.session.get(QueueItem, item_id, populate_existing=fresh)

    def lock_for_enqueue(self) -> None:
        """Serialise queueing until this transaction ends, so a recurring claim is one item.

        PostgreSQL takes a transaction-scoped advisory lock; SQLite needs nothing more once
        the transaction has written (its single writer lock is held until commit).
        """
        if self.session.get_bind().dialect.name == "postgresql":
            self.session.execute(select(func.pg_advisory_xact_lock(_ENQUEUE_LOCK_KEY)))

    def dedup_candidates(self, model_name: str, resolved_since: dt.datetime) -> Sequence[QueueItem]:
        """Items a recurring claim may join: unresolved ones and those resolved recently."""
        return self.session.scalars(
            select(QueueItem)
            .where(QueueItem.model_name == model_name)
            .where(
                or_(
                    QueueItem.status != ItemStatus.RESOLVED.value,
                    QueueItem.updated_at >= resolved_since,
                )
            )
            .order_by(QueueItem.id)
        ).all()

    def naming_fact_check(self, fact_check_id: int) -> Sequence[QueueItem]:
        """Items whose suggested or confirmed fact-check is ``fact_check_id``."""
        return self.session.scalars(
            select(QueueItem)
            .where(
                or_(
                    QueueItem.fact_check_id == fact_check_id,
                    QueueItem.resolved_fact_check_id == fact_check_id,
                )
            )
            .order_by(QueueItem.id)
        ).all()

    def occurrences(self, item_id: int) -> Sequence[tuple[ArticleClaim, Article]]:
        """The stored claims linked to an item with their articles, oldest first."""
        rows = self.session.execute(
            select(ArticleClaim, Article)
            .join(Article, Article.id == ArticleClaim.article_id)
            .where(ArticleClaim.queue_item_id == item_id)
            .order_by(ArticleClaim.id)
        ).all()
        return [(row[0], row[1]) for row in rows]

    def stance_counts(self, item_ids: Sequence[int]) -> dict[int, dict[str, int]]:
        """Per item, how many of its occurrences have each stance (none: not counted)."""
        if not item_ids:
            return {}
        rows = self.session.execute(
            select(ArticleClaim.queue_item_id, ArticleClaim.stance, func.count())
            .where(ArticleClaim.queue_item_id.in_(item_ids), ArticleClaim.stance.is_not(None))
            .group_by(ArticleClaim.queue_item_id, ArticleClaim.stance)
        ).all()
        counts: dict[int, dict[str, int]] = {}
        for item_id, stance, count in rows:
            if item_id is not None:
                counts.setdefault(item_id, {})[str(stance)] = int(count)
        return counts

    def list(
        self,
        query: QueueFilter,
        *,
        now: dt.datetime,
        sort: QueueSort = QueueSort.PRIORITY,
        limit: int = 50,
        offset: int = 0,
    ) -> tuple[Sequence[QueueItem], int]:
        """A page of items matching ``query`` and how many match in all."""
        conditions: list[ColumnElement[bool]] = []
        if query.status is not None:
            conditions.append(effective_status(now) == query.status.value)
        if query.kind:
            conditions.append(QueueItem.kind == query.kind)
        if query.verdict:
            conditions.append(QueueItem.suggested_verdict == query.verdict)
        if query.publisher:
            pattern = f"%{query.publisher.lower()}%"
            conditions.append(
                or_(
                    func.lower(QueueItem.fact_check_publisher).like(pattern),
                    func.lower(QueueItem.article_publisher).like(pattern),
                )
            )
        if query.created_from is not None:
            conditions.append(QueueItem.created_at >= query.created_from)
        if query.created_to is not None:
            conditions.append(QueueItem.created_at < query.created_to)
        if query.asserts_rated_false:
            conditions.append(QueueItem.suggested_verdict.in_(RATED_FALSE))
            conditions.append(
                exists().where(
                    ArticleClaim.queue_item_id == QueueItem.id, ArticleClaim.stance == "asserts"
                )
            )
        orders: dict[QueueSort, list[Any]] = {
            QueueSort.PRIORITY: [QueueItem.priority.desc(), QueueItem.id],
            QueueSort.NEWEST: [QueueItem.created_at.desc(), QueueItem.id.desc()],
            QueueSort.OLDEST: [QueueItem.created_at, QueueItem.id],
            QueueSort.RECURRENCE: [QueueItem.occurrence_count.desc(), QueueItem.priority.desc()],
        }
        order = orders[sort]
        items = self.session.scalars(
            select(QueueItem).where(*conditions).order_by(*order).limit(limit).offset(offset)
        ).all()
        total = self.session.scalar(select(func.count()).select_from(QueueItem).where(*conditions))
        return items, int(total or 0)

    def counts(self, now: dt.datetime) -> dict[str, int]:
        """Items per effective status (an expired lease counts as open)."""
        status = effective_status(now)
        totals = self.session.execute(
            select(*(func.sum(case((status == s.value, 1), else_=0)) for s in ItemStatus))
        ).one()
        return {s.value: int(total or 0) for s, total in zip(ItemStatus, totals, strict=True)}

    def compare_and_set(self, item_id: int, version: int, values: dict[str, Any]) -> bool:
        """Apply ``values`` only if the item is still at ``version``; True when applied."""
        result = self.session.execute(
            update(QueueItem)
            .where(QueueItem.id == item_id, QueueItem.version == version)
            .values(**values, version=QueueItem.version + 1)
            .execution_options(synchronize_session=False)
        )
        return bool(getattr(result, "rowcount", 0) == 1)

    def claim_next(
        self, values: dict[str, Any], *, now: dt.datetime
    ) -> tuple[int, dict[str, Any]] | None:
        """Atomically move the top available item into review with ``values``.

        PostgreSQL locks the candidate row with ``FOR UPDATE SKIP LOCKED`` so concurrent
        callers take different rows; elsewhere (SQLite) a compare-and-set on ``version``
        retries until it wins, which SQLite's single writer makes safe across processes.

        Returns:
            The item id and its state before the claim, or None when nothing is available.
        """
        columns = (
            QueueItem.id,
            QueueItem.version,
            QueueItem.status,
            QueueItem.assignee,
            QueueItem.lease_expires_at,
        )
        top = (
            select(*columns)
            .where(_available(now))
            .order_by(QueueItem.priority.desc(), QueueItem.id)
            .limit(1)
        )
        if self.session.get_bind().dialect.name == "postgresql":
            top = top.with_for_update(skip_locked=True, of=QueueItem)
        for _ in range(_CLAIM_ATTEMPTS):
            row = self.session.execute(top).first()
            if row is None:
                return None
            item_id, version, status, assignee, lease = row
            if self.compare_and_set(item_id, version, values):
                before = {
                    "status": status,
                    "assignee": assignee,
                    "lease_expires_at": lease.isoformat() if lease else None,
                }
                return int(item_id), before
        return None

    def add_audit(self, entry: AuditEntry) -> AuditEntry:
        self.session.add(entry)
        self.session.flush()
        return entry

    def audit(self, item_id: int) -> Sequence[AuditEntry]:
        return self.session.scalars(
            select(AuditEntry).where(AuditEntry.item_id == item_id).order_by(AuditEntry.id)
        ).all()

    def resolved_between(
        self, start: dt.datetime | None, end: dt.datetime | None, limit: int
    ) -> Sequence[QueueItem]:
        """Items resolved in ``[start, end)`` (either bound open), oldest decision first."""
        query = select(QueueItem).where(QueueItem.status == ItemStatus.RESOLVED.value)
        if start is not None:
            query = query.where(QueueItem.resolved_at >= start)
        if end is not None:
            query = query.where(QueueItem.resolved_at < end)
        return self.session.scalars(
            query.order_by(QueueItem.resolved_at, QueueItem.id).limit(limit)
        ).all()

    def created_between(self, start: dt.datetime | None, end: dt.datetime | None) -> int:
        """How many items were queued in ``[start, end)``."""
        query = select(func.count(QueueItem.id))
        if start is not None:
            query = query.where(QueueItem.created_at >= start)
        if end is not None:
            query = query.where(QueueItem.created_at < end)
        return int(self.session.scalar(query) or 0)

    def suggestion_tiers(self, item_ids: Sequence[int]) -> dict[int, str]:
        """By item: the tier of the top match of its first stored claim, when it had one."""
        tiers: dict[int, str] = {}
        if not item_ids:
            return tiers
        rows = self.session.execute(
            select(ArticleClaim.queue_item_id, ArticleClaim.payload)
            .where(ArticleClaim.queue_item_id.in_(item_ids))
            .order_by(ArticleClaim.id)
        ).all()
        for item_id, payload in rows:
            if item_id is None or item_id in tiers:
                continue
            matches = (payload or {}).get("matches") or []
            if matches and matches[0].get("tier"):
                tiers[item_id] = str(matches[0]["tier"])
        return tiers

    def latest_audit_with_note(self, note: str, action: str) -> Sequence[AuditEntry]:
        """Entries of ``action`` noted ``note`` that are still the latest of their item."""
        latest = (
            select(func.max(AuditEntry.id))
            .where(AuditEntry.item_id.is_not(None))
            .group_by(AuditEntry.item_id)
        )
        return self.session.scalars(
            select(AuditEntry)
            .where(AuditEntry.note == note, AuditEntry.action == action)
            .where(AuditEntry.id.in_(latest))
            .order_by(AuditEntry.id)
        ).all()


class ReviewDecisionRepository:
    """Reviewers' judgements of (claim, fact-check) pairs."""

    def __init__(self, session: Session) -> None:
        self.session = session

    def add(self, decision: ReviewDecision) -> ReviewDecision:
        self.session.add(decision)
        self.session.flush()
        return decision

    def active(self, model_name: str) -> Sequence[ReviewDecision]:
        return self.session.scalars(
            select(ReviewDecision)
            .where(ReviewDecision.model_name == model_name, ReviewDecision.active.is_(True))
            .order_by(ReviewDecision.id)
        ).all()

    def deactivate_for_item(self, item_id: int) -> int:
        """Forget the decisions made on an item (it was reopened); how many were active."""
        result = self.session.execute(
            update(ReviewDecision)
            .where(ReviewDecision.item_id == item_id, ReviewDecision.active.is_(True))
            .values(active=False)
            .execution_options(synchronize_session=False)
        )
        return int(getattr(result, "rowcount", 0) or 0)

    def fact_check_vector(
        self, fact_check_id: int, model_name: str
    ) -> npt.NDArray[np.float32] | None:
        """A fact-check's stored embedding under ``model_name``."""
        vector = self.session.scalar(
            select(FactCheckEmbedding.vector).where(
                FactCheckEmbedding.fact_check_id == fact_check_id,
                FactCheckEmbedding.model_name == model_name,
            )
        )
        return None if vector is None else np.asarray(vector, dtype=np.float32)
