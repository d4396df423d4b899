"""Server-rendered pages for fact-checkers: sign in, the queue, an item, the analyze form."""

from __future__ import annotations

import logging
from dataclasses import dataclass
from pathlib import Path
from typing import Annotated, Any
from urllib.parse import urlencode

from fastapi import APIRouter, FastAPI, Form, Request
from fastapi.responses import HTMLResponse, RedirectResponse, Response
from fastapi.staticfiles import StaticFiles
from fastapi.templating import Jinja2Templates

from claims_db.triage_models import ItemKind, ItemStatus, Resolution
from claims_db.triage_repository import QueueFilter, QueueSort
from models.stance import Stance
from models.verdicts import Verdict
from service.analysis.schemas import AnalyzeRequest, AnalyzeResponse
from service.analysis.service import analyze_article
from service.auth.schemas import Principal, Role
from service.auth.service import KEY_COOKIE, authenticate
from service.config import AuthMode
from service.deps import PrincipalDep, RowId, RuntimeDep, SessionDep
from service.errors import ClaimflagError
from service.triage import service as triage

logger = logging.getLogger(__name__)

_HERE = Path(__file__).resolve().parent
templates = Jinja2Templates(directory=_HERE / "templates")
router = APIRouter(prefix="/ui", include_in_schema=False)

STANCE_HELP = {
    Stance.ASSERTS.value: "states the claim as true",
    Stance.REPORTS.value: "relays it without taking a side",
    Stance.DEBUNKS.value: "says it is false",
    Stance.UNRELATED.value: "does not speak to it",
}

RESOLUTION_LABELS = {
    Resolution.CONFIRMED_MATCH: "Confirmed match",
    Resolution.NOT_A_MATCH: "Not a match",
    Resolution.NOT_CHECK_WORTHY: "Not check-worthy",
    Resolution.NEEDS_FACT_CHECK: "Needs a new fact-check",
}


@dataclass(frozen=True, slots=True)
class TextPart:
    """A run of article text, highlighted when ``css`` is set."""

    text: str
    css: str | None = None
    claim_index: int | None = None


def highlight(text: str, spans: list[tuple[int, int, str, int]]) -> list[TextPart]:
    """Cut ``text`` into parts, highlighting non-overlapping (start, end, css, index) spans.

    Spans earlier in the list win over later ones they overlap.
    """
    chosen: list[tuple[int, int, str, int]] = []
    for span in spans:
        if all(span[1] <= c[0] or span[0] >= c[1] for c in chosen):
            chosen.append(span)
    parts: list[TextPart] = []
    cursor = 0
    for start, end, css, index in sorted(chosen):
        if start > cursor:
            parts.append(TextPart(text[cursor:start]))
        parts.append(TextPart(text[start:end], css, index))
        cursor = end
    if cursor < len(text):
        parts.append(TextPart(text[cursor:]))
    return parts


def _page(
    request: Request,
    name: str,
    principal: Principal | None,
    status_code: int = 200,
    **context: Any,
) -> HTMLResponse:
    return templates.TemplateResponse(
        request,
        name,
        {"principal": principal, "verdicts": list(Verdict), "stance_help": STANCE_HELP, **context},
        status_code=status_code,
    )


def _redirect(path: str, **params: str | int | None) -> RedirectResponse:
    query = urlencode({k: v for k, v in params.items() if v is not None})
    return RedirectResponse(f"{path}?{query}" if query else path, status_code=303)


def _gate(request: Request, principal: Principal | None, role: Role) -> Response | None:
    """A redirect to sign in or a 403 page when ``principal`` may not see this page."""
    if principal is None:
        return _redirect("/ui/login", next=request.url.path)
    if not principal.role.allows(role):
        return _page(
            request,
            "error.html",
            principal,
            status_code=403,
            message=f"This page needs the {role.value} role; your key is {principal.role.value}.",
        )
    return None


@router.get("/login", response_class=HTMLResponse)
def login_form(request: Request, principal: PrincipalDep, error: str | None = None) -> Response:
    return _page(request, "login.html", principal, error=error)


@router.post("/login")
def login(
    request: Request,
    session: SessionDep,
    runtime: RuntimeDep,
    key: Annotated[str, Form()],
) -> Response:
    principal = authenticate(session, key)
    if principal is None and runtime.settings.auth is AuthMode.REQUIRED:
        return _page(request, "login.html", None, status_code=401, error="That key is not valid.")
    response = _redirect("/ui/queue")
    response.set_cookie(
        KEY_COOKIE,
        key.strip(),
        httponly=True,
        samesite="strict",
        secure=request.url.scheme == "https",
        path="/",
    )
    return response


@router.post("/logout")
def logout() -> Response:
    response = _redirect("/ui/login")
    response.delete_cookie(KEY_COOKIE, path="/")
    return response


@router.get("/queue", response_class=HTMLResponse)
def queue_page(
    request: Request,
    session: SessionDep,
    principal: PrincipalDep,
    status: str = "open",
    kind: str = "",
    verdict: str = "",
    publisher: str = "",
    asserts_false: str = "",
    sort: QueueSort = QueueSort.PRIORITY,
    message: str | None = None,
    error: str | None = None,
) -> Response:
    if (gate := _gate(request, principal, Role.REVIEWER)) is not None:
        return gate
    query = QueueFilter(
        status=ItemStatus(status) if status in set(ItemStatus) else None,
        kind=kind or None,
        verdict=verdict or None,
        publisher=publisher or None,
        asserts_rated_false=bool(asserts_false),
    )
    page = triage.list_queue(session, query, sort=sort, limit=200)
    return _page(
        request,
        "queue.html",
        principal,
        page=page,
        filters={
            "status": status,
            "kind": kind,
            "verdict": verdict,
            "publisher": publisher,
            "asserts_false": bool(asserts_false),
            "sort": sort.value,
        },
        kinds=list(ItemKind),
        statuses=list(ItemStatus),
        sorts=list(QueueSort),
        message=message,
        error=error,
    )


@router.post("/next")
def next_page(
    request: Request, session: SessionDep, runtime: RuntimeDep, principal: PrincipalDep
) -> Response:
    if (gate := _gate(request, principal, Role.REVIEWER)) is not None:
        return gate
    assert principal is not None
    item = triage.next_item(session, principal, runtime.settings.queue_lease_seconds)
    if item is None:
        return _redirect("/ui/queue", message="Nothing is open: the queue is clear.")
    return _redirect(f"/ui/items/{item.id}")


@router.get("/items/{item_id}", response_class=HTMLResponse)
def item_page(
    request: Request,
    session: SessionDep,
    principal: PrincipalDep,
    item_id: RowId,
    message: str | None = None,
    error: str | None = None,
) -> Response:
    if (gate := _gate(request, principal, Role.REVIEWER)) is not None:
        return gate
    try:
        item = triage.item_detail(session, item_id)
    except ClaimflagError as exc:
        return _page(
            request, "error.html", principal, status_code=exc.status_code, message=exc.detail
        )
    parts: list[TextPart] = []
    article_title = None
    if item.occurrences:
        first = item.occurrences[0]
        article = triage.get_article(session, first.article_id)
        article_title = article.title
        spans = [(first.start, first.end, "hl-claim", 0)]
        if first.claimant_start is not None and first.claimant_end is not None:
            spans.append((first.claimant_start, first.claimant_end, "hl-claimant", 1))
        parts = highlight(article.text, spans)
    return _page(
        request,
        "item.html",
        principal,
        item=item,
        parts=parts,
        article_title=article_title,
        resolutions=RESOLUTION_LABELS,
        message=message,
        error=error,
    )


@router.post("/items/{item_id}/{action}")
def item_action(
    request: Request,
    session: SessionDep,
    runtime: RuntimeDep,
    principal: PrincipalDep,
    item_id: RowId,
    action: str,
    resolution: Annotated[str | None, Form()] = None,
    fact_check_id: Annotated[int | None, Form()] = None,
    note: Annotated[str | None, Form()] = None,
) -> Response:
    if (gate := _gate(request, principal, Role.REVIEWER)) is not None:
        return gate
    assert principal is not None
    try:
        if action == "resolve" and resolution in set(Resolution):
            chosen = Resolution(str(resolution))
            triage.resolve_item(
                session, item_id, principal, chosen, fact_check_id=fact_check_id, note=note or None
            )
            return _redirect(
                "/ui/queue", message=f"Item #{item_id} resolved: {RESOLUTION_LABELS[chosen]}."
            )
        if action == "claim":
            triage.claim_item(session, item_id, principal, runtime.settings.queue_lease_seconds)
        elif action == "release":
            triage.release_item(session, item_id, principal)
        elif action == "reopen":
            triage.reopen_item(session, item_id, principal)
        elif action == "note" and note and note.strip():
            triage.add_note(session, item_id, principal, note.strip()[:5000])
        else:
            return _redirect(f"/ui/items/{item_id}", error="Unknown action.")
    except ClaimflagError as exc:
        return _redirect(f"/ui/items/{item_id}", error=exc.detail)
    return _redirect(f"/ui/items/{item_id}", message="Done.")


@router.get("/analyze", response_class=HTMLResponse)
def analyze_form(request: Request, principal: PrincipalDep) -> Response:
    if (gate := _gate(request, principal, Role.SUBMITTER)) is not None:
        return gate
    return _page(request, "analyze.html", principal, result=None, text="")


def _claim_css(claim: Any) -> str:
    if claim.flagged:
        return "flagged"
    return "worthy" if claim.check_worthy else "plain"


@router.post("/analyze", response_class=HTMLResponse)
def analyze_submit(
    request: Request,
    session: SessionDep,
    runtime: RuntimeDep,
    principal: PrincipalDep,
    text: Annotated[str, Form()] = "",
    title: Annotated[str | None, Form()] = None,
    url: Annotated[str | None, Form()] = None,
) -> Response:
    if (gate := _gate(request, principal, Role.SUBMITTER)) is not None:
        return gate
    assert principal is not None
    try:
        body = AnalyzeRequest(text=text, title=title or None, url=url or None)
        result: AnalyzeResponse = analyze_article(
            session,
            runtime.pipeline,
            runtime.index,
            body,
            max_chars=runtime.settings.max_text_chars,
            settings=runtime.settings,
            submitted_by=principal.name,
        )
    except ClaimflagError as exc:
        return _page(
            request,
            "analyze.html",
            principal,
            status_code=exc.status_code,
            error=exc.detail,
            result=None,
            text=text,
        )
    stored = triage.get_article(session, result.article.id) if result.article.id else None
    claims = stored.claims if stored else result.claims
    order = sorted(
        range(len(claims)),
        key=lambda i: (not claims[i].flagged, not claims[i].check_worthy, claims[i].start),
    )
    spans = [(claims[i].start, claims[i].end, _claim_css(claims[i]), i) for i in order]
    return _page(
        request,
        "analyze.html",
        principal,
        result=result,
        claims=claims,
        parts=highlight(text, spans),
        text=text,
    )


def mount_ui(app: FastAPI) -> None:
    """Serve the UI under ``/ui`` (``/`` redirects there) with its static files."""
    from service.ui.sync import router as sync_router

    app.include_router(router)
    app.include_router(sync_router)
    app.mount("/ui/static", StaticFiles(directory=_HERE / "static"), name="ui-static")

    @app.get("/", include_in_schema=False)
    def home() -> RedirectResponse:
        return RedirectResponse("/ui/queue", status_code=303)
