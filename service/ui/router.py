"""Server-rendered pages for fact-checkers: sign in, the queue, an item, the analyze form."""

from __future__ import annotations

import logging
from dataclasses import dataclass
from pathlib import Path
from typing import Annotated, Any
from urllib.parse import urlencode

from fastapi import APIRouter, Depends, Form, Request
from fastapi.responses import HTMLResponse, RedirectResponse, Response
from fastapi.templating import Jinja2Templates
from pydantic import AfterValidator, ValidationError
from sqlalchemy.orm import Session

from claims_db.triage_models import ItemKind, ItemStatus, Resolution
from claims_db.triage_repository import QueueFilter, QueueSort
from models.stance import Stance
from models.verdicts import Verdict
from service.analysis.schemas import AnalyzeRequest, AnalyzeResponse
from service.analysis.service import analyze_article
from service.auth.schemas import Principal, Role
from service.auth.service import (
    SESSION_COOKIE,
    authenticate,
    end_ui_session,
    start_ui_session,
)
from service.config import AuthMode
from service.deps import PrincipalDep, RowId, RuntimeDep, SessionDep
from service.errors import ClaimflagError, validation_message
from service.reliability.ratelimit import (
    TokenBucketLimiter,
    enforce_rate_limit,
    retry_after_header,
)
from service.reliability.text import plain_text, storable_text
from service.security.csrf import csrf_token, set_csrf_cookie, verify_csrf
from service.triage import service as triage
from service.triage.bulk import (
    MAX_BULK_ITEMS,
    is_bulk_token,
    resolve_many,
    take_many,
    undo_bulk,
)

logger = logging.getLogger(__name__)

_HERE = Path(__file__).resolve().parent
templates = Jinja2Templates(directory=_HERE / "templates")
router = APIRouter(prefix="/ui", include_in_schema=False, dependencies=[Depends(verify_csrf)])
fallback_router = APIRouter(prefix="/ui", include_in_schema=False)

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


# The banners a redirect may ask a page to show, by key: a link cannot make the UI say
# anything else. Placeholders are filled from validated query parameters (ids, enums).
BANNERS = {
    "queue_clear": "Nothing is open: the queue is clear.",
    "resolved": "Item #{item} resolved: {resolution}.",
    "bulk_done": "{count} items resolved: {resolution}; {skipped} skipped.",
    "bulk_taken": (
        "{count} items taken into review by you; {skipped} skipped"
        " (held by someone else or resolved)."
    ),
    "bulk_undone": "Undone: {count} items reopened; {skipped} changed since and left as they are.",
    "done": "Done.",
    "source_added": "Source {source} added; it runs shortly.",
    "feed_added": "Feed {feed} added; it is polled shortly.",
    "source_run": "Source {source} will run at the next tick.",
    "source_removed": "Source removed.",
    "feed_poll": "Feed {feed} will be polled at the next tick.",
    "feed_removed": "Feed removed.",
}
ERROR_BANNERS = {
    "unknown_action": "Unknown action.",
    "nothing_selected": "Select at least one item first.",
}


# Text typed into a search box or a filter of a page: NUL and every other control character
# as a space (PostgreSQL cannot hold a NUL), white space collapsed.
PlainText = Annotated[str, AfterValidator(plain_text)]
# Text typed into a form's text area (a note): lines kept, control characters as spaces.
FormText = Annotated[str, AfterValidator(storable_text)]


def banner(
    request: Request, names: dict[str, dict[int, str]] | None = None
) -> tuple[str | None, str | None]:
    """The (message, error) banners a redirect asked for, or None for unknown keys.

    ``names`` maps ``source``/``feed`` to the names of the ids a banner may refer to.
    """
    query = request.query_params
    values: dict[str, str] = {}
    item = query.get("item", "")
    if item.isdigit() and len(item) <= 10:
        values["item"] = item
    for number in ("count", "skipped"):
        raw = query.get(number, "")
        if raw.isdigit() and len(raw) <= 6:
            values[number] = raw
    resolution = query.get("resolution", "")
    if resolution in set(Resolution):
        values["resolution"] = RESOLUTION_LABELS[Resolution(resolution)]
    for kind, known in (names or {}).items():
        raw = query.get(kind, "")
        if raw.isdigit() and len(raw) <= 10 and int(raw) in known:
            values[kind] = known[int(raw)]
    message = None
    template = BANNERS.get(query.get("message", ""))
    if template is not None:
        try:
            message = template.format(**values)
        except KeyError:  # a parameter it needs is missing or unknown
            message = None
    return message, ERROR_BANNERS.get(query.get("error", ""))


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
    headers: dict[str, str] | None = None,
    **context: Any,
) -> HTMLResponse:
    response = templates.TemplateResponse(
        request,
        name,
        {
            "principal": principal,
            "verdicts": list(Verdict),
            "stance_help": STANCE_HELP,
            "csrf_token": csrf_token(request),
            "auth_off": _auth_off(request),
            **context,
        },
        status_code=status_code,
        headers=headers,
    )
    set_csrf_cookie(request, response)
    return response


def _problem_page(
    request: Request, principal: Principal | None, exc: ClaimflagError
) -> HTMLResponse:
    """The error page for a refused lookup (404 "Not found", or the error's own status)."""
    return _page(
        request,
        "error.html",
        principal,
        status_code=exc.status_code,
        title="Not found" if exc.status_code == 404 else None,
        problem=exc.detail,
    )


def _auth_off(request: Request) -> bool:
    """Whether everyone is the local admin (then there is no session to sign out of)."""
    runtime = getattr(request.app.state, "runtime", None)
    return runtime is not None and runtime.settings.auth is AuthMode.OFF


def _redirect(path: str, **params: str | int | None) -> RedirectResponse:
    query = urlencode({k: v for k, v in params.items() if v is not None})
    return RedirectResponse(f"{path}?{query}" if query else path, status_code=303)


def _gate(request: Request, principal: Principal | None, role: Role) -> Response | None:
    """A redirect to sign in or a 403 page when ``principal`` may not see this page.

    Pages spend the key's rate-limit tokens as API calls do (429 when none are left).
    """
    if principal is None:
        return _redirect("/ui/login", next=request.url.path)
    if not principal.role.allows(role):
        return _page(
            request,
            "error.html",
            principal,
            status_code=403,
            problem=f"This page needs the {role.value} role; your key is {principal.role.value}.",
        )
    enforce_rate_limit(request, principal)
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
    limiter: TokenBucketLimiter | None = getattr(request.app.state, "login_limiter", None)
    client = request.client.host if request.client else "unknown"
    if limiter is not None and (wait_s := limiter.acquire(f"login:{client}")) is not None:
        logger.warning("sign-in attempts from %s over the limit", client)
        return _page(
            request,
            "login.html",
            None,
            status_code=429,
            error=f"Too many sign-in attempts; wait {wait_s:.0f} s.",
            headers={"Retry-After": retry_after_header(wait_s)},
        )
    if runtime.settings.auth is AuthMode.OFF:
        return _redirect("/ui/queue")  # everyone is the local admin: nothing to sign in to
    principal = authenticate(session, key)
    if principal is None:
        return _page(request, "login.html", None, status_code=401, error="That key is not valid.")
    token = start_ui_session(session, principal, runtime.settings.ui_session_hours)
    response = _redirect("/ui/queue")
    response.set_cookie(
        SESSION_COOKIE,
        token,
        max_age=int(runtime.settings.ui_session_hours * 3600),
        httponly=True,
        samesite="strict",
        secure=request.url.scheme == "https",
        path="/",
    )
    return response


@router.post("/logout")
def logout(request: Request, session: SessionDep) -> Response:
    end_ui_session(session, request.cookies.get(SESSION_COOKIE, ""))
    response = _redirect("/ui/login")
    response.delete_cookie(SESSION_COOKIE, path="/")
    return response


@router.get("/queue", response_class=HTMLResponse)
def queue_page(
    request: Request,
    session: SessionDep,
    principal: PrincipalDep,
    status: str = "open",
    kind: str = "",
    verdict: PlainText = "",
    publisher: PlainText = "",
    asserts_false: str = "",
    sort: QueueSort = QueueSort.PRIORITY,
) -> Response:
    if (gate := _gate(request, principal, Role.REVIEWER)) is not None:
        return gate
    message, error = banner(request)
    query = QueueFilter(
        status=ItemStatus(status) if status in set(ItemStatus) else None,
        kind=kind or None,
        verdict=verdict or None,
        publisher=publisher or None,
        asserts_rated_false=bool(asserts_false),
    )
    page = triage.list_queue(session, query, sort=sort, limit=MAX_BULK_ITEMS)
    undo = request.query_params.get("bulk", "")
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
        undo_token=undo if is_bulk_token(undo) else None,
        resolutions=RESOLUTION_LABELS,
    )


@router.post("/queue/bulk")
def bulk_action(
    request: Request,
    session: SessionDep,
    principal: PrincipalDep,
    runtime: RuntimeDep,
    resolution: Annotated[str, Form()] = "",
    item: Annotated[list[int] | None, Form()] = None,
) -> Response:
    """Resolve every ticked item at once (the banner offers to undo it), or take them all
    into review for oneself (``resolution=take``)."""
    if (gate := _gate(request, principal, Role.REVIEWER)) is not None:
        return gate
    assert principal is not None
    if resolution != "take" and resolution not in set(Resolution):
        return _redirect("/ui/queue", error="unknown_action")
    if not item:
        return _redirect("/ui/queue", error="nothing_selected")
    if resolution == "take":
        taken = take_many(
            session, item[:MAX_BULK_ITEMS], principal, runtime.settings.queue_lease_seconds
        )
        return _redirect(
            "/ui/queue",
            message="bulk_taken",
            count=len(taken.done),
            skipped=len(taken.skipped),
        )
    outcome = resolve_many(session, item[:MAX_BULK_ITEMS], principal, Resolution(resolution))
    for item_id, why in outcome.skipped:
        logger.info("bulk %s skipped item %d: %s", outcome.token, item_id, why)
    return _redirect(
        "/ui/queue",
        message="bulk_done",
        count=len(outcome.done),
        skipped=len(outcome.skipped),
        resolution=resolution,
        bulk=outcome.token if outcome.done else None,
    )


@router.post("/queue/undo")
def bulk_undo(
    request: Request,
    session: SessionDep,
    principal: PrincipalDep,
    bulk: Annotated[str, Form()] = "",
) -> Response:
    """Reopen what the caller's last bulk action resolved (items changed since stay)."""
    if (gate := _gate(request, principal, Role.REVIEWER)) is not None:
        return gate
    assert principal is not None
    if not is_bulk_token(bulk):
        return _redirect("/ui/queue", error="unknown_action")
    outcome = undo_bulk(session, bulk, principal)
    return _redirect(
        "/ui/queue", message="bulk_undone", count=len(outcome.done), skipped=len(outcome.skipped)
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
        return _redirect("/ui/queue", message="queue_clear")
    return _redirect(f"/ui/items/{item.id}")


@router.get("/items/{item_id}", response_class=HTMLResponse)
def item_page(
    request: Request,
    session: SessionDep,
    principal: PrincipalDep,
    item_id: RowId,
) -> Response:
    if (gate := _gate(request, principal, Role.REVIEWER)) is not None:
        return gate
    message, error = banner(request)
    return _item_view(request, session, principal, item_id, message=message, error=error)


def _item_view(
    request: Request,
    session: Session,
    principal: Principal | None,
    item_id: int,
    *,
    message: str | None = None,
    error: str | None = None,
    status_code: int = 200,
) -> Response:
    try:
        item = triage.item_detail(session, item_id)
    except ClaimflagError as exc:
        return _problem_page(request, principal, exc)
    parts: list[TextPart] = []
    article_title = None
    article_id = None
    claim = None
    if item.occurrences:
        first = item.occurrences[0]
        article = triage.get_article(session, first.article_id)
        article_title, article_id = article.title, article.id
        claim = next((c for c in article.claims if c.id == first.claim_id), None)
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
        article_id=article_id,
        claim=claim,
        resolutions=RESOLUTION_LABELS,
        message=message,
        error=error,
        status_code=status_code,
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
    note: Annotated[FormText | None, Form()] = None,
    advance: Annotated[str | None, Form()] = None,
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
            following = (
                triage.next_item(session, principal, runtime.settings.queue_lease_seconds)
                if advance
                else None
            )
            # Auto-advance: straight to the next item (taken into review), else the queue.
            target = f"/ui/items/{following.id}" if following is not None else "/ui/queue"
            return _redirect(target, message="resolved", item=item_id, resolution=chosen.value)
        if action == "claim":
            triage.claim_item(session, item_id, principal, runtime.settings.queue_lease_seconds)
        elif action == "release":
            triage.release_item(session, item_id, principal)
        elif action == "reopen":
            triage.reopen_item(session, item_id, principal)
        elif action == "note" and note and note.strip():
            triage.add_note(session, item_id, principal, note.strip()[:5000])
        else:
            return _redirect(f"/ui/items/{item_id}", error="unknown_action")
    except ClaimflagError as exc:
        # Shown on the page itself: query strings only ever name a fixed banner.
        return _item_view(
            request, session, principal, item_id, error=exc.detail, status_code=exc.status_code
        )
    return _redirect(f"/ui/items/{item_id}", message="done")


@router.get("/analyze", response_class=HTMLResponse)
def analyze_form(request: Request, principal: PrincipalDep) -> Response:
    if (gate := _gate(request, principal, Role.SUBMITTER)) is not None:
        return gate
    return _page(request, "analyze.html", principal, result=None, text="", form={})


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
    published_at: Annotated[str | None, Form()] = None,
) -> Response:
    if (gate := _gate(request, principal, Role.SUBMITTER)) is not None:
        return gate
    assert principal is not None
    form = {
        "text": text,
        "title": title or "",
        "url": url or "",
        "published_at": published_at or "",
    }
    try:
        body = AnalyzeRequest(
            text=text, title=title or None, url=url or None, published_at=published_at or None
        )
        result: AnalyzeResponse = analyze_article(
            session,
            runtime.pipeline,
            runtime.index,
            body,
            max_chars=runtime.settings.max_text_chars,
            settings=runtime.settings,
            submitted_by=principal.name,
            submitted_by_key_id=principal.key_id,
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
            form=form,
        )
    except ValidationError as exc:
        return _page(
            request,
            "analyze.html",
            principal,
            status_code=422,
            error="; ".join(validation_message(e) for e in exc.errors()[:3]),
            result=None,
            text=text,
            form=form,
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
        form=form,
    )


@fallback_router.get("/{rest:path}", response_class=HTMLResponse)
def not_found_page(request: Request, principal: PrincipalDep, rest: str) -> Response:
    """A 404 page (not a JSON problem) for a UI address that names nothing."""
    return _page(
        request,
        "error.html",
        principal,
        status_code=404,
        title="Not found",
        problem="There is no page here. The queue lists every item.",
    )
