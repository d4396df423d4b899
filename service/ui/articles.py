"""The article view: every stored article with its claims in place, and the desk's search."""

from __future__ import annotations

from fastapi import APIRouter, Depends, Request
from fastapi.responses import HTMLResponse, Response

from service.auth.schemas import Role
from service.deps import PrincipalDep, RowId, SessionDep
from service.errors import ClaimflagError
from service.security.csrf import verify_csrf
from service.triage import service as triage
from service.triage.articles import search_desk
from service.triage.schemas import StoredClaimOut
from service.ui.router import PlainText, _gate, _page, _problem_page, highlight

router = APIRouter(prefix="/ui", include_in_schema=False, dependencies=[Depends(verify_csrf)])


def claim_tier(claim: StoredClaimOut) -> str:
    """The tier of a claim's best match (``confirmed``, ``likely``, ``possible``), else what
    check-worthiness says (``worthy`` or ``plain``)."""
    if claim.matches and claim.matches[0].tier is not None:
        return claim.matches[0].tier.value
    return "worthy" if claim.check_worthy else "plain"


@router.get("/articles", response_class=HTMLResponse)
def articles_page(
    request: Request, session: SessionDep, principal: PrincipalDep, q: PlainText = ""
) -> Response:
    if (gate := _gate(request, principal, Role.REVIEWER)) is not None:
        return gate
    return _page(request, "articles.html", principal, found=search_desk(session, q))


@router.get("/articles/{article_id}", response_class=HTMLResponse)
def article_page(
    request: Request, session: SessionDep, principal: PrincipalDep, article_id: RowId
) -> Response:
    if (gate := _gate(request, principal, Role.REVIEWER)) is not None:
        return gate
    try:
        article = triage.get_article(session, article_id)
    except ClaimflagError as exc:
        return _problem_page(request, principal, exc)
    tiers = [claim_tier(c) for c in article.claims]
    # Flagged and matched claims win where sentences overlap, then check-worthy ones.
    rank = {"confirmed": 0, "likely": 1, "possible": 2, "worthy": 3, "plain": 4}
    order = sorted(range(len(article.claims)), key=lambda i: (rank[tiers[i]], i))
    spans = [(article.claims[i].start, article.claims[i].end, f"tier-{tiers[i]}", i) for i in order]
    return _page(
        request,
        "article.html",
        principal,
        article=article,
        tiers=tiers,
        parts=highlight(article.text, spans),
    )
