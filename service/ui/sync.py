"""Server-rendered admin pages for sources and monitored feeds (``/ui/sources``)."""

from __future__ import annotations

from typing import Annotated

from fastapi import APIRouter, Depends, Form, Request
from fastapi.responses import HTMLResponse, Response
from pydantic import ValidationError
from sqlalchemy.orm import Session

from claims_db.sync_models import FeedKind, SourceKind
from service.auth.schemas import Principal, Role
from service.deps import PrincipalDep, RowId, SessionDep
from service.errors import ClaimflagError, first_problem
from service.monitoring import service as monitoring
from service.monitoring.schemas import FeedCreate
from service.security.csrf import verify_csrf
from service.sources import service as sources
from service.sources.schemas import SourceCreate
from service.ui.router import _gate, _page, _redirect, banner

router = APIRouter(prefix="/ui", include_in_schema=False, dependencies=[Depends(verify_csrf)])


@router.get("/sources", response_class=HTMLResponse)
def sync_page(
    request: Request,
    session: SessionDep,
    principal: PrincipalDep,
) -> Response:
    if (gate := _gate(request, principal, Role.ADMIN)) is not None:
        return gate
    return _sync_view(request, session, principal)


def _sync_view(
    request: Request,
    session: Session,
    principal: Principal | None,
    *,
    error: str | None = None,
    status_code: int = 200,
) -> Response:
    """The sources page; a redirect's banner by key, or an ``error`` from this request."""
    listed_sources = sources.list_sources(session)
    listed_feeds = monitoring.list_feeds(session)
    names = {
        "source": {s.id: s.name for s in listed_sources},
        "feed": {f.id: f.name for f in listed_feeds},
    }
    message, asked_error = banner(request, names) if error is None else (None, None)
    return _page(
        request,
        "sync.html",
        principal,
        status_code=status_code,
        sources=listed_sources,
        feeds=listed_feeds,
        source_kinds=list(SourceKind),
        feed_kinds=list(FeedKind),
        message=message,
        error=error or asked_error,
    )


@router.post("/sources")
def add_source(
    request: Request,
    session: SessionDep,
    principal: PrincipalDep,
    name: Annotated[str, Form()] = "",
    kind: Annotated[str, Form()] = "claimreview",
    target: Annotated[str, Form()] = "",
    every: Annotated[int, Form()] = 60,
) -> Response:
    if (gate := _gate(request, principal, Role.ADMIN)) is not None:
        return gate
    google = kind == SourceKind.GOOGLE.value
    try:
        body = SourceCreate.model_validate(
            {
                "name": name.strip(),
                "kind": kind,
                "url": None if google else target.strip() or None,
                "query": target.strip() or None if google else None,
                "interval_minutes": every,
            }
        )
        created = sources.create_source(session, body)
    except ValidationError as exc:
        return _sync_view(
            request,
            session,
            principal,
            error=f"Source not added: {first_problem(exc)}",
            status_code=422,
        )
    except ClaimflagError as exc:
        return _sync_view(
            request, session, principal, error=exc.detail, status_code=exc.status_code
        )
    return _redirect("/ui/sources", message="source_added", source=created.id)


@router.post("/feeds")
def add_feed(
    request: Request,
    session: SessionDep,
    principal: PrincipalDep,
    name: Annotated[str, Form()] = "",
    url: Annotated[str, Form()] = "",
    every: Annotated[int, Form()] = 15,
) -> Response:
    if (gate := _gate(request, principal, Role.ADMIN)) is not None:
        return gate
    try:
        body = FeedCreate.model_validate(
            {"name": name.strip(), "url": url.strip(), "interval_minutes": every}
        )
        created = monitoring.create_feed(session, body)
    except ValidationError as exc:
        return _sync_view(
            request,
            session,
            principal,
            error=f"Feed not added: {first_problem(exc)}",
            status_code=422,
        )
    except ClaimflagError as exc:
        return _sync_view(
            request, session, principal, error=exc.detail, status_code=exc.status_code
        )
    return _redirect("/ui/sources", message="feed_added", feed=created.id)


@router.post("/sources/{source_id}/{action}")
def source_action(
    request: Request, session: SessionDep, principal: PrincipalDep, source_id: RowId, action: str
) -> Response:
    if (gate := _gate(request, principal, Role.ADMIN)) is not None:
        return gate
    try:
        sources.get_source(session, source_id)
        if action == "run":
            sources.request_run(session, source_id)
            return _redirect("/ui/sources", message="source_run", source=source_id)
        if action == "delete":
            sources.delete_source(session, source_id)
            return _redirect("/ui/sources", message="source_removed")
    except ClaimflagError as exc:
        return _sync_view(
            request, session, principal, error=exc.detail, status_code=exc.status_code
        )
    return _redirect("/ui/sources", error="unknown_action")


@router.post("/feeds/{feed_id}/{action}")
def feed_action(
    request: Request, session: SessionDep, principal: PrincipalDep, feed_id: RowId, action: str
) -> Response:
    if (gate := _gate(request, principal, Role.ADMIN)) is not None:
        return gate
    try:
        monitoring.get_feed(session, feed_id)
        if action == "poll":
            monitoring.request_poll(session, feed_id)
            return _redirect("/ui/sources", message="feed_poll", feed=feed_id)
        if action == "delete":
            monitoring.delete_feed(session, feed_id)
            return _redirect("/ui/sources", message="feed_removed")
    except ClaimflagError as exc:
        return _sync_view(
            request, session, principal, error=exc.detail, status_code=exc.status_code
        )
    return _redirect("/ui/sources", error="unknown_action")


@router.get("/sources/{source_id}", response_class=HTMLResponse)
def source_page(
    request: Request, session: SessionDep, principal: PrincipalDep, source_id: RowId
) -> Response:
    if (gate := _gate(request, principal, Role.ADMIN)) is not None:
        return gate
    try:
        source = sources.source_detail(session, source_id)
    except ClaimflagError as exc:
        return _page(request, "error.html", principal, status_code=404, problem=exc.detail)
    return _page(
        request, "source.html", principal, source=source, runs=sources.runs(session, source_id)
    )


@router.get("/feeds/{feed_id}", response_class=HTMLResponse)
def feed_page(
    request: Request, session: SessionDep, principal: PrincipalDep, feed_id: RowId
) -> Response:
    if (gate := _gate(request, principal, Role.ADMIN)) is not None:
        return gate
    try:
        feed = monitoring.feed_detail(session, feed_id)
    except ClaimflagError as exc:
        return _page(request, "error.html", principal, status_code=404, problem=exc.detail)
    return _page(
        request,
        "feed.html",
        principal,
        feed=feed,
        runs=monitoring.runs(session, feed_id, 10),
        items=monitoring.items(session, feed_id, limit=100),
    )
