"""Bulk decisions: resolve many queue items in one request, and undo the last such action.

Each item is resolved by the ordinary workflow (checks, compare-and-set, audit, learning);
the audit entries carry the action's token, so an undo reopens exactly the items that no
one has touched since.
"""

from __future__ import annotations

import secrets
from collections.abc import Sequence
from dataclasses import dataclass, field

from sqlalchemy.orm import Session

from claims_db.triage_models import Resolution
from claims_db.triage_repository import QueueRepository
from service.auth.schemas import Principal
from service.errors import ClaimflagError
from service.triage import service as triage

# Items one bulk request may resolve: a page of the queue.
MAX_BULK_ITEMS = 200


def bulk_note(token: str) -> str:
    """The audit note that ties an item's resolution to the bulk action ``token``."""
    return f"bulk action {token}"


def is_bulk_token(value: str) -> bool:
    return len(value) == 16 and all(c in "0123456789abcdef" for c in value)


@dataclass(slots=True)
class BulkOutcome:
    """What a bulk action or its undo did: the items changed and those left, with why."""

    token: str
    done: list[int] = field(default_factory=list)
    skipped: list[tuple[int, str]] = field(default_factory=list)


def resolve_many(
    session: Session,
    item_ids: Sequence[int],
    principal: Principal,
    resolution: Resolution,
) -> BulkOutcome:
    """Resolve each item as ``resolution`` (a confirmed match takes each item's suggestion).

    Items that cannot take it (held by someone else, resolved already, no suggested
    fact-check to confirm) are skipped with the reason; the others are resolved.
    """
    outcome = BulkOutcome(token=secrets.token_hex(8))
    note = bulk_note(outcome.token)
    for item_id in dict.fromkeys(item_ids):
        # Refusals come from checks made before any write, so a skip leaves nothing behind.
        try:
            triage.resolve_item(session, item_id, principal, resolution, note=note)
        except ClaimflagError as exc:
            outcome.skipped.append((item_id, exc.detail))
        else:
            outcome.done.append(item_id)
    return outcome


def take_many(
    session: Session, item_ids: Sequence[int], principal: Principal, lease_seconds: int
) -> BulkOutcome:
    """Take each item into review for the caller (assign them to oneself); items someone
    else holds or that are resolved are skipped with the reason."""
    outcome = BulkOutcome(token=secrets.token_hex(8))
    for item_id in dict.fromkeys(item_ids):
        try:
            triage.claim_item(session, item_id, principal, lease_seconds)
        except ClaimflagError as exc:
            outcome.skipped.append((item_id, exc.detail))
        else:
            outcome.done.append(item_id)
    return outcome


def undo_bulk(session: Session, token: str, principal: Principal) -> BulkOutcome:
    """Reopen the items the caller's bulk action ``token`` resolved, unless changed since."""
    outcome = BulkOutcome(token=token)
    entries = QueueRepository(session).latest_audit_with_note(bulk_note(token), "resolve")
    for entry in entries:
        assert entry.item_id is not None
        if entry.actor != principal.name or entry.actor_key_id != principal.key_id:
            outcome.skipped.append((entry.item_id, "resolved by someone else"))
            continue
        try:
            triage.reopen_item(
                session, entry.item_id, principal, note=f"undo of {bulk_note(token)}"
            )
        except ClaimflagError as exc:
            outcome.skipped.append((entry.item_id, exc.detail))
        else:
            outcome.done.append(entry.item_id)
    return outcome
