"""The desk's figures: items in, decided, time to decision, suggestions accepted per tier."""

from __future__ import annotations

import datetime as dt

from fastapi import APIRouter, Depends, Request
from fastapi.responses import HTMLResponse, Response

from service.auth.schemas import Role
from service.deps import PrincipalDep, SessionDep
from service.security.csrf import verify_csrf
from service.triage.decisions import desk_figures
from service.ui.router import _gate, _page

router = APIRouter(prefix="/ui", include_in_schema=False, dependencies=[Depends(verify_csrf)])

DEFAULT_DAYS = 30


def _day(value: str) -> dt.date | None:
    try:
        return dt.date.fromisoformat(value) if value else None
    except ValueError:
        return None


@router.get("/dashboard", response_class=HTMLResponse)
def dashboard_page(
    request: Request,
    session: SessionDep,
    principal: PrincipalDep,
    to: str = "",
) -> Response:
    if (gate := _gate(request, principal, Role.REVIEWER)) is not None:
        return gate
    # ``from`` is a Python keyword: read it from the query string itself.
    today = dt.datetime.now(dt.UTC).date()
    last = _day(to) or today
    first = _day(request.query_params.get("from", "")) or last - dt.timedelta(days=DEFAULT_DAYS)
    error = None
    if last < first:
        error = "The end date is before the start date; showing the default range."
        last, first = today, today - dt.timedelta(days=DEFAULT_DAYS)
    start = dt.datetime.combine(first, dt.time(), dt.UTC)
    end = dt.datetime.combine(last + dt.timedelta(days=1), dt.time(), dt.UTC)
    return _page(
        request,
        "dashboard.html",
        principal,
        figures=desk_figures(session, start, end),
        first=first,
        last=last,
        error=error,
    )
