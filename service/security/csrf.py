"""CSRF tokens for the UI's forms (double-submit: a cookie and a hidden field that match).

A page on another site can make the browser submit a form here, but it can neither read
the cookie nor, with ``SameSite=Strict``, have it sent along; so it cannot supply the
matching field. Pages set the cookie when it is missing; every UI write checks the pair.
"""

from __future__ import annotations

import hmac
import secrets

from fastapi import Request
from starlette.responses import Response

from service.errors import ClaimflagError

CSRF_COOKIE = "claimflag_csrf"
CSRF_FIELD = "csrf_token"
_TOKEN_BYTES = 32


class CsrfError(ClaimflagError):
    status_code = 403
    code = "csrf_token_invalid"
    title = "Form token missing or wrong"


def csrf_token(request: Request) -> str:
    """The request's CSRF token: its cookie's, else a new one (set by ``set_csrf_cookie``)."""
    token: str | None = getattr(request.state, "csrf_token", None)
    if token is None:
        cookie = request.cookies.get(CSRF_COOKIE, "")
        token = cookie if 32 <= len(cookie) <= 128 else secrets.token_urlsafe(_TOKEN_BYTES)
        request.state.csrf_token = token
    return token


def set_csrf_cookie(request: Request, response: Response) -> None:
    """Send the token's cookie when the browser does not have it yet."""
    token = csrf_token(request)
    if request.cookies.get(CSRF_COOKIE) != token:
        response.set_cookie(
            CSRF_COOKIE,
            token,
            httponly=True,
            samesite="strict",
            secure=request.url.scheme == "https",
            path="/ui",
        )


async def verify_csrf(request: Request) -> None:
    """Dependency of the UI routers: a write must carry the cookie's token as a form field."""
    if request.method not in {"POST", "PUT", "PATCH", "DELETE"}:
        return
    cookie = request.cookies.get(CSRF_COOKIE)
    form = await request.form()
    sent = form.get(CSRF_FIELD)
    if not cookie or not isinstance(sent, str) or not hmac.compare_digest(cookie, sent):
        raise CsrfError(
            "this form needs the token of the page it came from; reload the page and retry"
        )
