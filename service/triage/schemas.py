"""Bodies of the queue, review and stored-article routes."""

from __future__ import annotations

import datetime as dt
from typing import Any

from pydantic import BaseModel, Field

from claims_db.triage_models import ItemKind, ItemStatus, Resolution
from models.stance import Stance
from service.analysis.schemas import ClaimOut, MatchOut
from service.reliability.text import CleanStr


class QueueItemOut(BaseModel):
    """A queue item; ``status`` reads ``open`` once a review lease has expired."""

    id: int
    kind: ItemKind
    status: ItemStatus
    resolution: Resolution | None
    claim_text: str
    check_worthiness: float
    match_similarity: float | None
    suggested_verdict: str | None
    fact_check_id: int | None = Field(
        description="The suggested fact-check; null once it is deleted (see fact_check_deleted)."
    )
    fact_check_publisher: str | None
    fact_check_claim: str | None = Field(
        default=None, description="The suggested fact-check's claim as it was when matched."
    )
    fact_check_url: str | None = Field(
        default=None, description="The suggested fact-check's URL as it was when matched."
    )
    fact_check_deleted: bool = Field(
        default=False, description="The suggested fact-check has been deleted since."
    )
    article_publisher: str | None
    resolved_fact_check_id: int | None
    occurrence_count: int
    priority: float
    assignee: str | None = Field(description="The name of the key holding the item.")
    assignee_key_id: int | None = Field(
        default=None, description="The id of the key holding the item (names may repeat)."
    )
    lease_expires_at: dt.datetime | None
    resolved_by: str | None
    resolved_by_key_id: int | None = None
    resolved_at: dt.datetime | None
    created_at: dt.datetime
    updated_at: dt.datetime
    stances: dict[Stance, int] = Field(
        default_factory=dict,
        description="How many of its occurrences assert, report or debunk the matched "
        "fact-check's claim (or are unrelated to it); occurrences without a match not counted.",
    )


class OccurrenceOut(BaseModel):
    """One article the item's claim appeared in."""

    article_id: int
    claim_id: int
    title: str | None
    url: str | None
    publisher: str | None
    text: str
    start: int
    end: int
    similarity: float | None = Field(description="Similarity to the item's claim.")
    created_at: dt.datetime
    stance: Stance | None = Field(
        default=None, description="The article's stance towards the matched fact-check's claim."
    )
    stance_confidence: float | None = None
    claimant: str | None = Field(
        default=None,
        description="Who makes the claim in this article (`the article` when the journalist "
        "asserts it); null for analyses stored before claimants were attributed.",
    )
    claimant_start: int | None = Field(
        default=None, description="Offset of the claimant's mention in the article's text."
    )
    claimant_end: int | None = Field(
        default=None, description="Offset just past the claimant's mention."
    )


class AuditEntryOut(BaseModel):
    """One change to an item: who, what, when, the state before and after."""

    id: int
    actor: str
    actor_key_id: int | None = Field(
        default=None, description="The id of the API key that acted (null: system or no key)."
    )
    action: str
    before: dict[str, Any] | None
    after: dict[str, Any] | None
    note: str | None
    created_at: dt.datetime


class CandidateOut(MatchOut):
    """A candidate fact-check as the analysis saw it; ``deleted`` once it no longer exists."""

    deleted: bool = Field(
        default=False, description="Deleted since the analysis: it can no longer be confirmed."
    )


class QueueItemDetail(QueueItemOut):
    """An item with where it occurred, its candidate fact-checks and its audit trail."""

    occurrences: list[OccurrenceOut]
    candidates: list[CandidateOut]
    audit: list[AuditEntryOut]


class QueueCounts(BaseModel):
    """Items per status across the whole queue."""

    open: int
    in_review: int
    resolved: int


class QueuePage(BaseModel):
    """A page of the queue listing."""

    items: list[QueueItemOut]
    total: int = Field(description="Items matching the filters, on all pages.")
    counts: QueueCounts


class ResolveRequest(BaseModel):
    """How a reviewer closes an item."""

    resolution: Resolution
    fact_check_id: int | None = Field(
        default=None,
        ge=1,
        le=2**31 - 1,
        description="For confirmed_match: the fact-check; default the suggested one.",
    )
    note: CleanStr | None = Field(default=None, max_length=5000)


class NoteRequest(BaseModel):
    """A free-text note on an item."""

    note: CleanStr = Field(min_length=1, max_length=5000)


class StoredClaimOut(ClaimOut):
    """A claim of a stored analysis with its id and queue item."""

    id: int
    queue_item_id: int | None


class StoredArticleOut(BaseModel):
    """A stored analysis: the article as submitted and its claims."""

    id: int
    title: str | None
    url: str | None
    publisher: str | None
    published_at: str | None
    language: str | None
    text: str
    sentences: int
    submitted_by: str | None
    created_at: dt.datetime
    claims: list[StoredClaimOut]
