"""Queue, review-workflow and stored-article routes."""

from __future__ import annotations

import datetime as dt
from typing import Annotated, Literal

from fastapi import APIRouter, Query, Response, status
from fastapi.responses import JSONResponse

from claims_db.triage_models import ItemKind, ItemStatus
from claims_db.triage_repository import QueueFilter, QueueSort
from service.deps import (
    MAX_ROW_ID,
    CurrentReviewer,
    CurrentSubmitter,
    RowId,
    SessionDep,
    SettingsDep,
)
from service.errors import UnprocessableError
from service.reliability.text import EncodableStr
from service.reliability.times import UtcDateTime
from service.triage import service
from service.triage.decisions import DecisionOut, as_csv, decisions
from service.triage.schemas import (
    NoteRequest,
    QueueItemDetail,
    QueuePage,
    ResolveRequest,
    StoredArticleOut,
)

router = APIRouter(prefix="/v1", tags=["triage"])


@router.get("/queue", response_model=QueuePage)
def list_queue(
    *,
    session: SessionDep,
    reviewer: CurrentReviewer,
    status_: Annotated[
        ItemStatus | Literal["all"] | None,
        Query(alias="status", description="One status, or `all` (the default) for any."),
    ] = None,
    kind: ItemKind | None = None,
    verdict: Annotated[EncodableStr | None, Query(max_length=64)] = None,
    publisher: Annotated[
        EncodableStr | None, Query(max_length=255, description="Name or site.")
    ] = None,
    created_from: UtcDateTime | None = None,
    created_to: UtcDateTime | None = None,
    asserts_rated_false: Annotated[
        bool,
        Query(description="Only items rated false or mostly false that an article asserts."),
    ] = False,
    sort: QueueSort = QueueSort.PRIORITY,
    limit: Annotated[int, Query(ge=1, le=500)] = 50,
    offset: Annotated[int, Query(ge=0, le=MAX_ROW_ID)] = 0,
) -> QueuePage:
    """Queue items matching the filters, highest priority first by default."""
    query = QueueFilter(
        status=None if status_ == "all" else status_,
        kind=kind.value if kind else None,
        verdict=verdict,
        publisher=publisher,
        created_from=created_from,
        created_to=created_to,
        asserts_rated_false=asserts_rated_false,
    )
    return service.list_queue(session, query, sort=sort, limit=limit, offset=offset)


@router.post(
    "/queue/next",
    response_model=QueueItemDetail,
    responses={204: {"description": "Nothing is open."}},
)
def next_item(
    *, session: SessionDep, settings: SettingsDep, reviewer: CurrentReviewer
) -> QueueItemDetail | Response:
    """Take the top open item into review for the caller; no two callers get the same one."""
    item = service.next_item(session, reviewer, settings.queue_lease_seconds)
    if item is None:
        return Response(status_code=status.HTTP_204_NO_CONTENT)
    return service.item_detail(session, item.id)


@router.get(
    "/queue/decisions",
    response_model=list[DecisionOut],
    responses={200: {"content": {"text/csv": {}}}},
)
def export_decisions(
    *,
    session: SessionDep,
    reviewer: CurrentReviewer,
    from_: Annotated[
        dt.date | None, Query(alias="from", description="First day (UTC) of decisions.")
    ] = None,
    to: Annotated[dt.date | None, Query(description="Last day (UTC), inclusive.")] = None,
    format_: Annotated[Literal["json", "csv"], Query(alias="format")] = "json",
) -> Response | list[DecisionOut]:
    """Reviewers' decisions made in a date range, as JSON or CSV (oldest first)."""
    if from_ is not None and to is not None and to < from_:
        raise UnprocessableError(f"to ({to}) is before from ({from_})")
    start = dt.datetime.combine(from_, dt.time(), dt.UTC) if from_ else None
    end = dt.datetime.combine(to + dt.timedelta(days=1), dt.time(), dt.UTC) if to else None
    rows = decisions(session, start, end)
    if format_ == "csv":
        name = f"decisions-{from_ or 'start'}-{to or 'now'}.csv"
        return Response(
            as_csv(rows),
            media_type="text/csv; charset=utf-8",
            headers={"Content-Disposition": f'attachment; filename="{name}"'},
        )
    return rows


@router.get("/queue/items/{item_id}", response_model=QueueItemDetail)
def get_item(*, session: SessionDep, reviewer: CurrentReviewer, item_id: RowId) -> QueueItemDetail:
    """An item with its occurrences, candidate fact-checks and audit trail."""
    return service.item_detail(session, item_id)


@router.get(
    "/queue/items/{item_id}/claimreview",
    response_class=JSONResponse,
    responses={
        200: {
            "description": "A ClaimReview JSON-LD node.",
            "content": {"application/ld+json": {"schema": {"type": "object"}}},
        }
    },
)
def get_item_claim_review(
    *, session: SessionDep, reviewer: CurrentReviewer, item_id: RowId
) -> JSONResponse:
    """The item's claim as a schema.org ClaimReview draft (JSON-LD): `claimReviewed`,
    `itemReviewed.author` (the claimant), where it appeared and, once a fact-check is
    confirmed, its rating."""
    return JSONResponse(
        service.item_claim_review(session, item_id), media_type="application/ld+json"
    )


@router.post("/queue/items/{item_id}/claim", response_model=QueueItemDetail)
def claim_item(
    *, session: SessionDep, settings: SettingsDep, reviewer: CurrentReviewer, item_id: RowId
) -> QueueItemDetail:
    """Take this item into review (409 if another reviewer holds it)."""
    service.claim_item(session, item_id, reviewer, settings.queue_lease_seconds)
    return service.item_detail(session, item_id)


@router.post("/queue/items/{item_id}/release", response_model=QueueItemDetail)
def release_item(
    *, session: SessionDep, reviewer: CurrentReviewer, item_id: RowId
) -> QueueItemDetail:
    """Give a held item back to the queue."""
    service.release_item(session, item_id, reviewer)
    return service.item_detail(session, item_id)


@router.post("/queue/items/{item_id}/resolve", response_model=QueueItemDetail)
def resolve_item(
    *, session: SessionDep, reviewer: CurrentReviewer, item_id: RowId, body: ResolveRequest
) -> QueueItemDetail:
    """Close an item: confirmed match, not a match, not check-worthy, needs a fact-check."""
    service.resolve_item(
        session,
        item_id,
        reviewer,
        body.resolution,
        fact_check_id=body.fact_check_id,
        note=body.note,
    )
    return service.item_detail(session, item_id)


@router.post("/queue/items/{item_id}/reopen", response_model=QueueItemDetail)
def reopen_item(
    *, session: SessionDep, reviewer: CurrentReviewer, item_id: RowId
) -> QueueItemDetail:
    """Put a resolved item back in the queue."""
    service.reopen_item(session, item_id, reviewer)
    return service.item_detail(session, item_id)


@router.post(
    "/queue/items/{item_id}/notes",
    response_model=QueueItemDetail,
    status_code=status.HTTP_201_CREATED,
)
def add_note(
    *, session: SessionDep, reviewer: CurrentReviewer, item_id: RowId, body: NoteRequest
) -> QueueItemDetail:
    """Add a free-text note to the item's audit trail."""
    service.add_note(session, item_id, reviewer, body.note)
    return service.item_detail(session, item_id)


@router.get("/articles/{article_id}", response_model=StoredArticleOut)
def get_article(
    *, session: SessionDep, submitter: CurrentSubmitter, article_id: RowId
) -> StoredArticleOut:
    """A stored analysis: the article text and its claims as analysed (a submitter's own)."""
    return service.get_article(session, article_id, reader=submitter)
