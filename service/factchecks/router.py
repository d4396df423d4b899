"""Fact-check routes: reads in ``router``, writes in ``admin_router``.

Reads need any API key (a submitter's or higher) when auth is required; every write route
lives on ``admin_router``, which admits admins only. With auth off both are open locally.
"""

from __future__ import annotations

import datetime as dt
import tempfile
from typing import Annotated

from fastapi import APIRouter, Depends, Query, Request, Response, status
from starlette.concurrency import run_in_threadpool

from claims_db.importers.feeds import FeedFormat
from claims_db.repository import FactCheckFilter
from models.verdicts import Verdict
from service.auth.schemas import Role
from service.deps import (
    AdminOnly,
    CurrentAdmin,
    IndexDep,
    MultilingualDep,
    PipelineDep,
    RowId,
    RuntimeDep,
    SessionDep,
    require_role,
)
from service.errors import PayloadTooLargeError
from service.factchecks import service
from service.factchecks.schemas import (
    FactCheckCreate,
    FactCheckDetail,
    FactCheckPage,
    FactCheckUpdate,
    ImportSummaryOut,
    SearchResponse,
)
from service.reliability.text import CleanStr, EncodableStr, OptionalLanguageStr
from service.runtime import Runtime

router = APIRouter(
    prefix="/v1/factchecks",
    tags=["factchecks"],
    dependencies=[Depends(require_role(Role.SUBMITTER))],
)
admin_router = APIRouter(
    prefix="/v1/factchecks", tags=["factchecks (admin)"], dependencies=[AdminOnly]
)

# Import bodies above this size go to a temporary file instead of memory.
_SPOOL_BYTES = 4 * 1024 * 1024


_LANGUAGE = "An ISO 639 code, a BCP 47 tag or a language's name (`en-GB`, `English`: `en`)."


@router.get("", response_model=FactCheckPage)
def list_fact_checks(
    *,
    session: SessionDep,
    publisher: Annotated[
        EncodableStr | None, Query(max_length=255, description="Name or site.")
    ] = None,
    verdict: Verdict | None = None,
    language: Annotated[OptionalLanguageStr, Query(description=_LANGUAGE)] = None,
    reviewed_from: Annotated[dt.date | None, Query(description="Reviewed on or after.")] = None,
    reviewed_to: Annotated[dt.date | None, Query(description="Reviewed on or before.")] = None,
    limit: Annotated[int, Query(ge=1, le=200)] = 50,
    cursor: Annotated[EncodableStr | None, Query(max_length=200)] = None,
) -> FactCheckPage:
    """Fact-checks in insertion order, filtered, one page at a time (cursor pagination)."""
    search_filter = FactCheckFilter(
        publisher=publisher,
        verdict=verdict,
        language=language,
        reviewed_from=reviewed_from,
        reviewed_to=reviewed_to,
    )
    return service.list_fact_checks(session, search_filter, cursor=cursor, limit=limit)


@router.get("/search", response_model=SearchResponse)
def search_fact_checks(
    *,
    session: SessionDep,
    pipeline: PipelineDep,
    index: IndexDep,
    q: Annotated[CleanStr, Query(min_length=1, max_length=2000, description="Claim or keywords.")],
    limit: Annotated[int, Query(ge=1, le=50)] = 10,
    language: Annotated[OptionalLanguageStr, Query(description=_LANGUAGE)] = None,
    publisher: Annotated[
        EncodableStr | None, Query(max_length=255, description="Name or site.")
    ] = None,
    max_age_days: Annotated[
        int | None, Query(ge=1, description="Only fact-checks reviewed this recently.")
    ] = None,
) -> SearchResponse:
    """Published fact-checks for a claim or keywords, best first: the /v1/analyze first
    stage, then a cross-encoder that reads the query with each of the first candidates."""
    return service.search_fact_checks(
        session,
        pipeline,
        index,
        q,
        limit=limit,
        language=language,
        publisher=publisher,
        max_age_days=max_age_days,
    )


@router.get("/{fact_check_id}", response_model=FactCheckDetail)
def get_fact_check(*, session: SessionDep, fact_check_id: RowId) -> FactCheckDetail:
    """One published fact-check with its rating history."""
    return service.get_fact_check(session, fact_check_id)


@admin_router.post("", response_model=FactCheckDetail, status_code=status.HTTP_201_CREATED)
def create_fact_check(
    *,
    session: SessionDep,
    pipeline: PipelineDep,
    multilingual: MultilingualDep,
    admin: CurrentAdmin,
    body: FactCheckCreate,
) -> FactCheckDetail:
    """Add a fact-check; it is searchable as soon as this returns."""
    return service.create_fact_check(
        session, pipeline.embedder, body, actor=admin.name, multilingual=multilingual
    )


@admin_router.patch("/{fact_check_id}", response_model=FactCheckDetail)
def update_fact_check(
    *,
    session: SessionDep,
    pipeline: PipelineDep,
    multilingual: MultilingualDep,
    admin: CurrentAdmin,
    fact_check_id: RowId,
    body: FactCheckUpdate,
) -> FactCheckDetail:
    """Change a fact-check; a changed rating is kept in its history (with who changed it)."""
    return service.update_fact_check(
        session, pipeline.embedder, fact_check_id, body, actor=admin.name, multilingual=multilingual
    )


@admin_router.delete("/{fact_check_id}", status_code=status.HTTP_204_NO_CONTENT)
def delete_fact_check(
    *, session: SessionDep, admin: CurrentAdmin, fact_check_id: RowId
) -> Response:
    """Delete a fact-check with its embeddings and history (queue items keep a snapshot)."""
    service.delete_fact_check(session, fact_check_id, actor=admin.name, actor_key_id=admin.key_id)
    return Response(status_code=status.HTTP_204_NO_CONTENT)


@admin_router.post(
    "/import",
    response_model=ImportSummaryOut,
    openapi_extra={
        "requestBody": {
            "required": True,
            "description": "The feed: ClaimReview JSON-LD, a Google claims:search "
            "response, JSON Lines or CSV.",
            "content": {
                "application/ld+json": {},
                "application/json": {},
                "application/x-ndjson": {},
                "text/csv": {},
            },
        }
    },
)
async def import_fact_checks(
    *,
    request: Request,
    runtime: RuntimeDep,
    admin: CurrentAdmin,
    format: Annotated[FeedFormat, Query(description="Feed format; auto guesses it.")] = (
        FeedFormat.AUTO
    ),
    column: Annotated[
        list[str] | None,
        Query(description="FIELD=COLUMN mapping for CSV or flat JSON Lines (repeatable)."),
    ] = None,
) -> ImportSummaryOut:
    """Import a feed sent as the request body; reports inserted/updated/unchanged/rejected."""
    columns = service.parse_columns(column or [])
    limit = runtime.settings.max_import_bytes
    with tempfile.SpooledTemporaryFile(max_size=_SPOOL_BYTES) as body:
        received = 0
        async for chunk in request.stream():
            received += len(chunk)
            if received > limit:
                raise PayloadTooLargeError(f"feed is over the {limit:,}-byte import limit")
            body.write(chunk)
        body.seek(0)
        summary = await run_in_threadpool(
            service.import_feed,
            runtime.session_factory,
            runtime.pipeline.embedder,
            body,
            format,
            columns=columns,
            actor=admin.name,
            multilingual=runtime.multilingual,
        )
    # The index takes in what was imported now (not at the next search), so /readyz counts it.
    await run_in_threadpool(_sync_index, runtime)
    return summary


def _sync_index(runtime: Runtime) -> None:
    with runtime.session_factory() as session:
        runtime.index.sync(session)
