"""Reading the queue: items as the API shows them, the list with filters, an item's
detail with its candidates, its ClaimReview draft, and stored articles.
"""

from __future__ import annotations

import datetime as dt
from typing import Any

from sqlalchemy.orm import Session

from claims_db.base import utcnow
from claims_db.export import claim_review_draft
from claims_db.repository import FactCheckRepository
from claims_db.triage_models import (
    Article,
    ItemKind,
    ItemStatus,
    QueueItem,
    Resolution,
)
from claims_db.triage_repository import (
    ArticleRepository,
    QueueFilter,
    QueueRepository,
    QueueSort,
)
from models.stance import Stance
from service.analysis.schemas import MatchOut
from service.auth.schemas import Principal, Role
from service.errors import NotFoundError
from service.triage.schemas import (
    AuditEntryOut,
    CandidateOut,
    OccurrenceOut,
    QueueCounts,
    QueueItemDetail,
    QueueItemOut,
    QueuePage,
    StoredArticleOut,
    StoredClaimOut,
)


def _effective(item: QueueItem, now: dt.datetime) -> tuple[str, str | None, dt.datetime | None]:
    expired = item.lease_expires_at is not None and item.lease_expires_at < now
    if item.status == ItemStatus.IN_REVIEW.value and expired:
        return ItemStatus.OPEN.value, None, None
    return item.status, item.assignee, item.lease_expires_at


def _holder_key(item: QueueItem, now: dt.datetime) -> int | None:
    status, _, _ = _effective(item, now)
    return item.assignee_key_id if status == ItemStatus.IN_REVIEW.value else None


def _holds(item: QueueItem, principal: Principal, now: dt.datetime) -> bool:
    """Whether ``principal`` holds the item's lease: the same key, not just the same name."""
    status, assignee, _ = _effective(item, now)
    if status != ItemStatus.IN_REVIEW.value:
        return False
    if item.assignee_key_id is not None or principal.key_id is not None:
        return item.assignee_key_id == principal.key_id
    return assignee == principal.name  # auth off: the local user, no key


def _held_by(item: QueueItem, now: dt.datetime) -> str:
    _, assignee, _ = _effective(item, now)
    key = _holder_key(item, now)
    return f"{assignee} (key {key})" if key is not None else str(assignee)


def _snapshot(item: QueueItem, now: dt.datetime) -> dict[str, Any]:
    status, assignee, lease = _effective(item, now)
    return {
        "status": status,
        "resolution": item.resolution,
        "assignee": assignee,
        "assignee_key_id": _holder_key(item, now),
        "lease_expires_at": lease.isoformat() if lease else None,
        "resolved_fact_check_id": item.resolved_fact_check_id,
    }


def _event_data(item: QueueItem, now: dt.datetime) -> dict[str, Any]:
    return item_out(item, now).model_dump(mode="json")


def item_out(
    item: QueueItem, now: dt.datetime, stances: dict[str, int] | None = None
) -> QueueItemOut:
    """The API view of an item, with an expired lease shown as open (and its occurrences'
    stance counts when given)."""
    status, assignee, lease = _effective(item, now)
    return QueueItemOut(
        id=item.id,
        kind=ItemKind(item.kind),
        status=ItemStatus(status),
        resolution=Resolution(item.resolution) if item.resolution else None,
        claim_text=item.claim_text,
        check_worthiness=item.check_worthiness,
        match_similarity=item.match_similarity,
        suggested_verdict=item.suggested_verdict,
        fact_check_id=item.fact_check_id,
        fact_check_publisher=item.fact_check_publisher,
        fact_check_claim=item.fact_check_claim,
        fact_check_url=item.fact_check_url,
        fact_check_deleted=item.fact_check_id is None and item.fact_check_url is not None,
        article_publisher=item.article_publisher,
        resolved_fact_check_id=item.resolved_fact_check_id,
        occurrence_count=item.occurrence_count,
        priority=item.priority,
        assignee=assignee,
        assignee_key_id=_holder_key(item, now),
        lease_expires_at=lease,
        resolved_by=item.resolved_by,
        resolved_by_key_id=item.resolved_by_key_id,
        resolved_at=item.resolved_at,
        created_at=item.created_at,
        updated_at=item.updated_at,
        stances={Stance(k): v for k, v in (stances or {}).items() if k in set(Stance)},
    )


def list_queue(
    session: Session,
    query: QueueFilter,
    *,
    sort: QueueSort = QueueSort.PRIORITY,
    limit: int = 50,
    offset: int = 0,
) -> QueuePage:
    """A filtered, sorted page of the queue with counts per status."""
    now = utcnow()
    repository = QueueRepository(session)
    items, total = repository.list(query, now=now, sort=sort, limit=limit, offset=offset)
    stances = repository.stance_counts([i.id for i in items])
    return QueuePage(
        items=[item_out(i, now, stances.get(i.id)) for i in items],
        total=total,
        counts=QueueCounts(**repository.counts(now)),
    )


def _get(repository: QueueRepository, item_id: int) -> QueueItem:
    item = repository.get(item_id, fresh=True)
    if item is None:
        raise NotFoundError(f"no queue item with id {item_id}")
    return item


def item_claim_review(session: Session, item_id: int) -> dict[str, Any]:
    """The item's claim as a ClaimReview draft: the claim, who made it (from its first
    occurrence), the articles it appeared in and, once confirmed, the fact-check's rating."""
    repository = QueueRepository(session)
    item = _get(repository, item_id)
    occurrences = repository.occurrences(item_id)
    claimant = occurrences[0][0].payload.get("claimant") if occurrences else None
    fact_check_id = item.resolved_fact_check_id
    fact_check = (
        FactCheckRepository(session).get(fact_check_id) if fact_check_id is not None else None
    )
    return claim_review_draft(
        claim=item.claim_text,
        claimant=claimant,
        appearances=[(a.url, a.publisher, a.published_at) for _, a in occurrences],
        fact_check=fact_check,
    )


def item_detail(session: Session, item_id: int) -> QueueItemDetail:
    """An item with its occurrences, candidate fact-checks and audit trail."""
    repository = QueueRepository(session)
    item = _get(repository, item_id)
    occurrences = repository.occurrences(item_id)
    # The matches as the analysis stored them; ids are never reused, so a candidate whose
    # id is gone was deleted (and is shown as such, never as whatever has that id now).
    payload = occurrences[0][0].payload if occurrences else {}
    stored = [MatchOut.model_validate(m) for m in payload.get("matches", [])]
    present = FactCheckRepository(session).existing_ids([m.fact_check.id for m in stored])
    candidates = [
        CandidateOut(**m.model_dump(), deleted=m.fact_check.id not in present) for m in stored
    ]
    stances: dict[str, int] = {}
    for claim, _ in occurrences:
        if claim.stance:
            stances[claim.stance] = stances.get(claim.stance, 0) + 1
    return QueueItemDetail(
        **item_out(item, utcnow(), stances).model_dump(),
        occurrences=[
            OccurrenceOut(
                article_id=article.id,
                claim_id=claim.id,
                title=article.title,
                url=article.url,
                publisher=article.publisher,
                text=claim.text,
                start=claim.start,
                end=claim.end,
                similarity=claim.item_similarity,
                created_at=claim.created_at,
                stance=Stance(claim.stance) if claim.stance in set(Stance) else None,
                stance_confidence=claim.payload.get("stance_confidence"),
                claimant=claim.payload.get("claimant"),
                claimant_start=claim.payload.get("claimant_start"),
                claimant_end=claim.payload.get("claimant_end"),
            )
            for claim, article in occurrences
        ],
        candidates=candidates,
        audit=[
            AuditEntryOut(
                id=e.id,
                actor=e.actor,
                actor_key_id=e.actor_key_id,
                action=e.action,
                before=e.before,
                after=e.after,
                note=e.note,
                created_at=e.created_at,
            )
            for e in repository.audit(item_id)
        ],
    )


def get_article(
    session: Session, article_id: int, reader: Principal | None = None
) -> StoredArticleOut:
    """A stored analysis by id; a ``reader`` with only the submitter role sees its own only.

    Reviewers and admins read every article (queue items point to them). Someone else's
    article is a 404 to a submitter, as if it did not exist.
    """
    article = ArticleRepository(session).get(article_id)
    if article is None or (reader is not None and not _may_read(article, reader)):
        raise NotFoundError(f"no article with id {article_id}")
    return StoredArticleOut(
        id=article.id,
        title=article.title,
        url=article.url,
        publisher=article.publisher,
        published_at=article.published_at,
        language=article.language,
        text=article.text,
        sentences=article.sentences,
        submitted_by=article.submitted_by,
        created_at=article.created_at,
        claims=[
            StoredClaimOut.model_validate(
                {**c.payload, "id": c.id, "queue_item_id": c.queue_item_id}
            )
            for c in article.claims
        ],
    )


def _may_read(article: Article, reader: Principal) -> bool:
    if reader.role.allows(Role.REVIEWER):
        return True
    if article.submitted_by_key_id is not None or reader.key_id is None:
        return article.submitted_by_key_id == reader.key_id
    return article.submitted_by == reader.name  # stored before key ids were recorded
