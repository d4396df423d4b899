"""The fact-check browser: search and read for reviewers; add, correct and retire for admins.

Corrections go through the API's service (a changed rating is kept in the history with
who changed it); retiring deletes the fact-check, and the queue items naming it keep their
snapshot and get an audit entry.
"""

from __future__ import annotations

import datetime as dt
from typing import Annotated

from fastapi import APIRouter, Depends, Form, Request
from fastapi.responses import HTMLResponse, Response
from pydantic import ValidationError
from sqlalchemy.orm import Session

from claims_db.triage_repository import ArticleRepository
from models.verdicts import Verdict
from service.auth.schemas import Principal, Role
from service.deps import PrincipalDep, RowId, RuntimeDep, SessionDep
from service.errors import ClaimflagError, first_problem
from service.factchecks import service as factchecks
from service.factchecks.schemas import FactCheckCreate, FactCheckUpdate
from service.security.csrf import verify_csrf
from service.ui.router import PlainText, _gate, _page, _problem_page, _redirect, banner

router = APIRouter(prefix="/ui", include_in_schema=False, dependencies=[Depends(verify_csrf)])

LIST_LIMIT = 100


def _list(
    request: Request,
    session: Session,
    principal: Principal | None,
    q: str,
    *,
    message: str | None = None,
    error: str | None = None,
    status_code: int = 200,
) -> Response:
    term = q[:200]  # the page's PlainText q (already on one line) or ""
    found = ArticleRepository(session).fact_checks_containing(term, LIST_LIMIT)
    return _page(
        request,
        "factchecks.html",
        principal,
        term=term,
        found=found,
        message=message,
        error=error,
        status_code=status_code,
        may_edit=principal is not None and principal.role.allows(Role.ADMIN),
    )


@router.get("/factchecks", response_class=HTMLResponse)
def factchecks_page(
    request: Request, session: SessionDep, principal: PrincipalDep, q: PlainText = ""
) -> Response:
    if (gate := _gate(request, principal, Role.REVIEWER)) is not None:
        return gate
    message, error = banner(request)
    return _list(request, session, principal, q, message=message, error=error)


def _detail(
    request: Request,
    session: Session,
    principal: Principal | None,
    fact_check_id: int,
    *,
    message: str | None = None,
    error: str | None = None,
    status_code: int = 200,
) -> Response:
    try:
        detail = factchecks.get_fact_check(session, fact_check_id)
    except ClaimflagError as exc:
        return _problem_page(request, principal, exc)
    citing = ArticleRepository(session).articles_citing([fact_check_id]).get(fact_check_id, [])
    return _page(
        request,
        "factcheck.html",
        principal,
        fc=detail,
        citing=citing[:20],
        message=message,
        error=error,
        status_code=status_code,
        may_edit=principal is not None and principal.role.allows(Role.ADMIN),
    )


@router.get("/factchecks/{fact_check_id}", response_class=HTMLResponse)
def factcheck_page(
    request: Request, session: SessionDep, principal: PrincipalDep, fact_check_id: RowId
) -> Response:
    if (gate := _gate(request, principal, Role.REVIEWER)) is not None:
        return gate
    message = "Saved." if request.query_params.get("message") == "saved" else None
    return _detail(request, session, principal, fact_check_id, message=message)


def _day(value: str | None) -> dt.date | None:
    return dt.date.fromisoformat(value) if value else None


@router.post("/factchecks")
def factcheck_add(
    request: Request,
    session: SessionDep,
    runtime: RuntimeDep,
    principal: PrincipalDep,
    claim: Annotated[str, Form()] = "",
    rating: Annotated[str, Form()] = "",
    publisher: Annotated[str, Form()] = "",
    url: Annotated[str, Form()] = "",
    review_date: Annotated[str | None, Form()] = None,
) -> Response:
    if (gate := _gate(request, principal, Role.ADMIN)) is not None:
        return gate
    assert principal is not None
    try:
        body = FactCheckCreate(
            claim=claim,
            rating=rating,
            publisher=publisher,
            url=url,
            review_date=review_date or None,
        )
        created = factchecks.create_fact_check(
            session,
            runtime.pipeline.embedder,
            body,
            actor=principal.name,
            multilingual=runtime.multilingual,
        )
    except ValidationError as exc:
        return _list(request, session, principal, "", error=first_problem(exc), status_code=422)
    except ClaimflagError as exc:
        return _list(request, session, principal, "", error=exc.detail, status_code=exc.status_code)
    return _redirect(f"/ui/factchecks/{created.id}", message="saved")


@router.post("/factchecks/{fact_check_id}/correct")
def factcheck_correct(
    request: Request,
    session: SessionDep,
    runtime: RuntimeDep,
    principal: PrincipalDep,
    fact_check_id: RowId,
    rating: Annotated[str, Form()] = "",
    verdict: Annotated[str, Form()] = "",
    claim: Annotated[str, Form()] = "",
    review_date: Annotated[str, Form()] = "",
) -> Response:
    if (gate := _gate(request, principal, Role.ADMIN)) is not None:
        return gate
    assert principal is not None
    try:
        current = factchecks.get_fact_check(session, fact_check_id)
        changes: dict[str, object] = {}
        if rating.strip() and rating.strip() != current.rating:
            changes["rating"] = rating.strip()
        if verdict and verdict != current.verdict.value:
            changes["verdict"] = Verdict(verdict)
        if claim.strip() and claim.strip() != current.claim:
            changes["claim"] = claim.strip()
        if _day(review_date) != current.review_date:
            changes["review_date"] = _day(review_date)
        if changes:
            factchecks.update_fact_check(
                session,
                runtime.pipeline.embedder,
                fact_check_id,
                FactCheckUpdate.model_validate(changes),
                actor=principal.name,
                multilingual=runtime.multilingual,
            )
    except (ValidationError, ValueError) as exc:
        detail = first_problem(exc) if isinstance(exc, ValidationError) else str(exc)
        return _detail(request, session, principal, fact_check_id, error=detail, status_code=422)
    except ClaimflagError as exc:
        return _detail(
            request,
            session,
            principal,
            fact_check_id,
            error=exc.detail,
            status_code=exc.status_code,
        )
    return _redirect(f"/ui/factchecks/{fact_check_id}", message="saved")


@router.post("/factchecks/{fact_check_id}/retire")
def factcheck_retire(
    request: Request, session: SessionDep, principal: PrincipalDep, fact_check_id: RowId
) -> Response:
    if (gate := _gate(request, principal, Role.ADMIN)) is not None:
        return gate
    assert principal is not None
    try:
        factchecks.delete_fact_check(
            session, fact_check_id, actor=principal.name, actor_key_id=principal.key_id
        )
    except ClaimflagError as exc:
        return _detail(
            request,
            session,
            principal,
            fact_check_id,
            error=exc.detail,
            status_code=exc.status_code,
        )
    return _redirect("/ui/factchecks", message="done")
