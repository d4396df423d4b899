"""The review workflow: next item, claim, release, resolve, reopen, notes, and what a
deleted fact-check does to the items that suggested it; every change audited.
"""

from __future__ import annotations

import datetime as dt
import logging
from collections.abc import Callable
from typing import Any

from sqlalchemy.orm import Session

from claims_db.base import utcnow
from claims_db.repository import FactCheckRepository
from claims_db.triage_models import (
    AuditEntry,
    Decision,
    ItemStatus,
    QueueItem,
    Resolution,
    ReviewDecision,
)
from claims_db.triage_repository import (
    QueueRepository,
    ReviewDecisionRepository,
)
from service.auth.schemas import Principal, Role
from service.errors import ClaimflagError, UnprocessableError
from service.triage.reading import _effective, _event_data, _get, _held_by, _holds, _snapshot
from service.webhooks import queue_event

logger = logging.getLogger(__name__)


class ConflictError(ClaimflagError):
    status_code = 409
    code = "conflict"
    title = "Conflict"


def _holder_check(item: QueueItem, principal: Principal, now: dt.datetime) -> None:
    status, _, _ = _effective(item, now)
    if status == ItemStatus.RESOLVED.value:
        raise ConflictError(f"item {item.id} is resolved; reopen it first")
    if status == ItemStatus.IN_REVIEW.value and not _holds(item, principal, now):
        raise ConflictError(f"item {item.id} is in review by {_held_by(item, now)}")


def _transition(
    session: Session,
    item_id: int,
    principal: Principal,
    action: str,
    check: Callable[[QueueItem, dt.datetime], None],
    values: Callable[[QueueItem, dt.datetime], dict[str, Any]],
    note: str | None = None,
) -> QueueItem:
    """Check and apply one state change with compare-and-set, and audit it."""
    repository = QueueRepository(session)
    for _ in range(5):
        item = _get(repository, item_id)
        now = utcnow()
        check(item, now)
        before = _snapshot(item, now)
        if repository.compare_and_set(
            item.id, item.version, {**values(item, now), "updated_at": now}
        ):
            item = _get(repository, item_id)
            repository.add_audit(
                AuditEntry(
                    item_id=item.id,
                    actor=principal.name,
                    actor_key_id=principal.key_id,
                    action=action,
                    before=before,
                    after=_snapshot(item, now),
                    note=note,
                )
            )
            logger.info("queue item %d: %s by %s", item.id, action, principal.name)
            return item
    raise ConflictError(f"item {item_id} is changing concurrently; try again")


def next_item(session: Session, principal: Principal, lease_seconds: int) -> QueueItem | None:
    """Take the top open item into review for ``principal``; None when nothing is open."""
    repository = QueueRepository(session)
    now = utcnow()
    claimed = repository.claim_next(
        {
            "status": ItemStatus.IN_REVIEW.value,
            "assignee": principal.name,
            "assignee_key_id": principal.key_id,
            "lease_expires_at": now + dt.timedelta(seconds=lease_seconds),
            "updated_at": now,
        },
        now=now,
    )
    if claimed is None:
        return None
    item_id, before = claimed
    item = _get(repository, item_id)
    repository.add_audit(
        AuditEntry(
            item_id=item_id,
            actor=principal.name,
            actor_key_id=principal.key_id,
            action="claim",
            before={**_snapshot(item, now), **before},
            after=_snapshot(item, now),
        )
    )
    return item


def claim_item(
    session: Session, item_id: int, principal: Principal, lease_seconds: int
) -> QueueItem:
    """Take one item into review (or renew the caller's lease on it)."""
    return _transition(
        session,
        item_id,
        principal,
        "claim",
        lambda item, now: _holder_check(item, principal, now),
        lambda item, now: {
            "status": ItemStatus.IN_REVIEW.value,
            "assignee": principal.name,
            "assignee_key_id": principal.key_id,
            "lease_expires_at": now + dt.timedelta(seconds=lease_seconds),
        },
    )


def release_item(session: Session, item_id: int, principal: Principal) -> QueueItem:
    """Give an item held by the caller (any item, for an admin) back to the queue."""

    def check(item: QueueItem, now: dt.datetime) -> None:
        status, _, _ = _effective(item, now)
        if status != ItemStatus.IN_REVIEW.value:
            raise ConflictError(f"item {item.id} is not in review")
        if not _holds(item, principal, now) and principal.role is not Role.ADMIN:
            raise ConflictError(f"item {item.id} is in review by {_held_by(item, now)}")

    return _transition(
        session,
        item_id,
        principal,
        "release",
        check,
        lambda item, now: {
            "status": ItemStatus.OPEN.value,
            "assignee": None,
            "assignee_key_id": None,
            "lease_expires_at": None,
        },
    )


def resolve_item(
    session: Session,
    item_id: int,
    principal: Principal,
    resolution: Resolution,
    *,
    fact_check_id: int | None = None,
    note: str | None = None,
) -> QueueItem:
    """Close an item open or held by the caller, and remember the pair it judged."""
    repository = QueueRepository(session)
    current = _get(repository, item_id)
    chosen: int | None = None
    if resolution is Resolution.CONFIRMED_MATCH:
        chosen = fact_check_id or current.fact_check_id
        if chosen is None:
            raise UnprocessableError("confirmed_match needs a fact_check_id for a new claim")
        if FactCheckRepository(session).get(chosen) is None:
            raise UnprocessableError(f"no fact-check with id {chosen}")
    item = _transition(
        session,
        item_id,
        principal,
        "resolve",
        lambda item, now: _holder_check(item, principal, now),
        lambda item, now: {
            "status": ItemStatus.RESOLVED.value,
            "resolution": resolution.value,
            "resolved_fact_check_id": chosen,
            "resolved_by": principal.name,
            "resolved_by_key_id": principal.key_id,
            "resolved_at": now,
            "assignee": None,
            "assignee_key_id": None,
            "lease_expires_at": None,
        },
        note=note,
    )
    decisions = ReviewDecisionRepository(session)
    if chosen is not None:
        decisions.add(_decision(item, chosen, Decision.CONFIRMED, principal))
    elif resolution is Resolution.NOT_A_MATCH and item.fact_check_id is not None:
        decisions.add(_decision(item, item.fact_check_id, Decision.REJECTED, principal))
    queue_event(session, "queue_item.resolved", _event_data(item, utcnow()))
    return item


def _decision(
    item: QueueItem, fact_check_id: int, decision: Decision, principal: Principal
) -> ReviewDecision:
    return ReviewDecision(
        item_id=item.id,
        claim_text=item.claim_text,
        model_name=item.model_name,
        vector=item.vector,
        fact_check_id=fact_check_id,
        decision=decision.value,
        decided_by=principal.name,
    )


def reopen_item(
    session: Session, item_id: int, principal: Principal, note: str | None = None
) -> QueueItem:
    """Put a resolved item back in the queue and forget what its resolution taught."""

    def check(item: QueueItem, now: dt.datetime) -> None:
        if item.status != ItemStatus.RESOLVED.value:
            raise ConflictError(f"item {item.id} is not resolved")

    item = _transition(
        session,
        item_id,
        principal,
        "reopen",
        check,
        lambda item, now: {
            "status": ItemStatus.OPEN.value,
            "resolution": None,
            "resolved_fact_check_id": None,
            "resolved_by": None,
            "resolved_by_key_id": None,
            "resolved_at": None,
        },
        note=note,
    )
    ReviewDecisionRepository(session).deactivate_for_item(item_id)
    return item


def add_note(session: Session, item_id: int, principal: Principal, note: str) -> None:
    """Attach a free-text note to an item's audit trail."""
    repository = QueueRepository(session)
    item = _get(repository, item_id)
    snapshot = _snapshot(item, utcnow())
    repository.add_audit(
        AuditEntry(
            item_id=item.id,
            actor=principal.name,
            actor_key_id=principal.key_id,
            action="note",
            before=snapshot,
            after=snapshot,
            note=note,
        )
    )


def forget_fact_check(
    session: Session, fact_check_id: int, actor: str, actor_key_id: int | None = None
) -> int:
    """Detach a fact-check about to be deleted from the queue items naming it, with audit.

    Items keep their snapshot of it (publisher, verdict, claim, URL) and say it was
    deleted; a resolution that confirmed it keeps its resolution but no longer its id.
    Returns how many items were touched.
    """
    repository = QueueRepository(session)
    now = utcnow()
    items = repository.naming_fact_check(fact_check_id)
    for item in items:
        before = _snapshot(item, now)
        roles = []
        if item.fact_check_id == fact_check_id:
            item.fact_check_id = None
            roles.append("suggested")
        if item.resolved_fact_check_id == fact_check_id:
            item.resolved_fact_check_id = None
            roles.append("confirmed")
        item.version += 1
        item.updated_at = now
        repository.add_audit(
            AuditEntry(
                item_id=item.id,
                actor=actor,
                actor_key_id=actor_key_id,
                action="fact_check_deleted",
                before=before,
                after={**_snapshot(item, now), "deleted_fact_check_id": fact_check_id},
                note=f"fact-check #{fact_check_id} ({' and '.join(roles)} here) was deleted",
            )
        )
    session.flush()
    if items:
        logger.info("fact-check %d deleted: %d queue items updated", fact_check_id, len(items))
    return len(items)
