"""Source routes (admins only): manage sources, ask for a run, read what runs did."""

from __future__ import annotations

from typing import Annotated

from fastapi import APIRouter, Query, Response, status

from service.deps import AdminOnly, RowId, SessionDep
from service.sources import service
from service.sources.schemas import SourceCreate, SourceOut, SourceRunOut, SourceUpdate

router = APIRouter(prefix="/v1/sources", tags=["sources"], dependencies=[AdminOnly])


@router.get("", response_model=list[SourceOut])
def list_sources(*, session: SessionDep) -> list[SourceOut]:
    """Every source with its schedule and latest run."""
    return service.list_sources(session)


@router.post("", response_model=SourceOut, status_code=status.HTTP_201_CREATED)
def create_source(*, session: SessionDep, body: SourceCreate) -> SourceOut:
    """Add a source; its first run is due at once (409 if the name is taken)."""
    return service.create_source(session, body)


@router.get("/{source_id}", response_model=SourceOut)
def get_source(*, session: SessionDep, source_id: RowId) -> SourceOut:
    return service.source_detail(session, source_id)


@router.patch("/{source_id}", response_model=SourceOut)
def update_source(*, session: SessionDep, source_id: RowId, body: SourceUpdate) -> SourceOut:
    """Change a source's URL or query, schedule or language, or pause it."""
    return service.update_source(session, source_id, body)


@router.delete("/{source_id}", status_code=status.HTTP_204_NO_CONTENT)
def delete_source(*, session: SessionDep, source_id: RowId) -> Response:
    """Delete a source and its runs; the fact-checks it imported stay."""
    service.delete_source(session, source_id)
    return Response(status_code=status.HTTP_204_NO_CONTENT)


@router.post("/{source_id}/run", response_model=SourceOut, status_code=status.HTTP_202_ACCEPTED)
def run_source(*, session: SessionDep, source_id: RowId) -> SourceOut:
    """Make the source due now: the job runner starts it at its next tick."""
    return service.request_run(session, source_id)


@router.get("/{source_id}/runs", response_model=list[SourceRunOut])
def list_runs(
    *,
    session: SessionDep,
    source_id: RowId,
    limit: Annotated[int, Query(ge=1, le=200)] = 20,
) -> list[SourceRunOut]:
    """The source's latest runs, newest first: counts, rejections with reasons, errors."""
    return service.runs(session, source_id, limit)
