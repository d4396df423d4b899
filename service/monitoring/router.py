"""Monitored-feed routes (admins only): manage feeds, ask for a poll, read polls and items."""

from __future__ import annotations

from typing import Annotated

from fastapi import APIRouter, Query, Response, status

from claims_db.sync_models import ItemStatus
from service.deps import AdminOnly, RowId, SessionDep
from service.monitoring import service
from service.monitoring.schemas import FeedCreate, FeedItemOut, FeedOut, FeedRunOut, FeedUpdate

router = APIRouter(prefix="/v1/feeds", tags=["monitoring"], dependencies=[AdminOnly])


@router.get("", response_model=list[FeedOut])
def list_feeds(*, session: SessionDep) -> list[FeedOut]:
    """Every monitored feed with its schedule, latest poll and articles per status."""
    return service.list_feeds(session)


@router.post("", response_model=FeedOut, status_code=status.HTTP_201_CREATED)
def create_feed(*, session: SessionDep, body: FeedCreate) -> FeedOut:
    """Monitor a feed; its first poll is due at once (409 if the name is taken)."""
    return service.create_feed(session, body)


@router.get("/{feed_id}", response_model=FeedOut)
def get_feed(*, session: SessionDep, feed_id: RowId) -> FeedOut:
    return service.feed_detail(session, feed_id)


@router.patch("/{feed_id}", response_model=FeedOut)
def update_feed(*, session: SessionDep, feed_id: RowId, body: FeedUpdate) -> FeedOut:
    """Change a feed's URL, kind, language or schedule, or pause it."""
    return service.update_feed(session, feed_id, body)


@router.delete("/{feed_id}", status_code=status.HTTP_204_NO_CONTENT)
def delete_feed(*, session: SessionDep, feed_id: RowId) -> Response:
    """Stop monitoring a feed; the analyses it stored stay."""
    service.delete_feed(session, feed_id)
    return Response(status_code=status.HTTP_204_NO_CONTENT)


@router.post("/{feed_id}/poll", response_model=FeedOut, status_code=status.HTTP_202_ACCEPTED)
def poll_feed(*, session: SessionDep, feed_id: RowId) -> FeedOut:
    """Make the feed due now: the job runner polls it at its next tick."""
    return service.request_poll(session, feed_id)


@router.get("/{feed_id}/runs", response_model=list[FeedRunOut])
def list_runs(
    *, session: SessionDep, feed_id: RowId, limit: Annotated[int, Query(ge=1, le=200)] = 20
) -> list[FeedRunOut]:
    """The feed's latest polls, newest first."""
    return service.runs(session, feed_id, limit)


@router.get("/{feed_id}/items", response_model=list[FeedItemOut])
def list_items(
    *,
    session: SessionDep,
    feed_id: RowId,
    status_: Annotated[ItemStatus | None, Query(alias="status")] = None,
    limit: Annotated[int, Query(ge=1, le=500)] = 50,
) -> list[FeedItemOut]:
    """The articles the feed listed, newest first: pending, analysed (with the stored
    analysis's id) or failed (with why)."""
    return service.items(session, feed_id, status_, limit)
