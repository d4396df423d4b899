"""Pure ASGI middleware guarding every request: body size and encoding, time, headers."""

from __future__ import annotations

import asyncio
import codecs
import logging
from collections.abc import Iterable, Mapping
from typing import Any

from starlette.datastructures import Headers
from starlette.types import ASGIApp, Message, Receive, Scope, Send

from service.errors import problem_for
from service.reliability.deadline import (
    DEADLINE_KEY,
    TIMEOUT_RETRY_AFTER_S,
    Deadline,
    RequestTimeoutError,
    timed_out_detail,
)

logger = logging.getLogger(__name__)

_JSON_TYPES = ("application/json", "+json")


def _is_json(headers: Headers) -> bool:
    media_type = headers.get("content-type", "").split(";", 1)[0].strip().lower()
    return media_type.endswith(_JSON_TYPES)


class _BodyRejected(Exception):
    """Raised into the app when the body being read breaks a rule; never escapes the guard."""


class _BodyGuardResponder:
    """One request: counts (and for JSON, UTF-8-decodes) the body as the app reads it.

    When a rule is broken mid-body the app is interrupted and whatever it tries to send
    is replaced by the guard's own problem response.
    """

    def __init__(self, app: ASGIApp, max_bytes: int, check_utf8: bool) -> None:
        self.app = app
        self.max_bytes = max_bytes
        self.received = 0
        self.decoder = codecs.getincrementaldecoder("utf-8")() if check_utf8 else None
        self.rejection: tuple[int, str, str, str] | None = None
        self.response_started = False

    def _reject(self, status: int, title: str, detail: str, code: str) -> _BodyRejected:
        self.rejection = (status, title, detail, code)
        return _BodyRejected(detail)

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        async def guarded_receive() -> Message:
            message = await receive()
            if message["type"] != "http.request":
                return message
            chunk: bytes = message.get("body", b"")
            self.received += len(chunk)
            if self.received > self.max_bytes:
                raise self._reject(
                    413,
                    "Payload too large",
                    f"request body exceeds the limit of {self.max_bytes:,} bytes",
                    "payload_too_large",
                )
            if self.decoder is not None:
                try:
                    self.decoder.decode(chunk, final=not message.get("more_body", False))
                except UnicodeDecodeError as exc:
                    position = self.received - len(chunk) + exc.start
                    raise self._reject(
                        400,
                        "Body is not UTF-8",
                        f"JSON bodies must be UTF-8; invalid byte at offset {position}",
                        "invalid_encoding",
                    ) from None
            return message

        async def guarded_send(message: Message) -> None:
            if self.rejection is not None:
                return  # the app's reply to the interrupted read is replaced below
            if message["type"] == "http.response.start":
                self.response_started = True
            await send(message)

        try:
            await self.app(scope, guarded_receive, guarded_send)
        except _BodyRejected:
            pass
        except Exception:
            if self.rejection is None:
                raise
        if self.rejection is not None and not self.response_started:
            status, title, detail, code = self.rejection
            await problem_for(scope, status, title, detail, code, headers={"Connection": "close"})(
                scope, receive, send
            )


class BodyGuardMiddleware:
    """Refuse bodies over ``max_bytes`` while reading them, and JSON bodies that are not UTF-8.

    A declared ``Content-Length`` over the limit is refused before anything is read; a
    chunked or understated body is counted as it arrives and cut off at the limit.
    """

    def __init__(
        self, app: ASGIApp, max_bytes: int, bulk_limits: Mapping[str, int] | None = None
    ) -> None:
        self.app = app
        self.max_bytes = max_bytes
        # Bulk endpoints (path -> limit) take larger bodies and decode them themselves.
        self.bulk_limits = dict(bulk_limits or {})

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        if scope["type"] != "http":
            await self.app(scope, receive, send)
            return
        headers = Headers(scope=scope)
        bulk_limit = self.bulk_limits.get(scope["path"])
        max_bytes = bulk_limit or self.max_bytes
        declared = headers.get("content-length")
        if declared is not None:
            if not declared.isdigit():
                response = problem_for(
                    scope,
                    400,
                    "Bad request",
                    "Content-Length is not a number",
                    "invalid_content_length",
                )
                await response(scope, receive, send)
                return
            if int(declared) > max_bytes:
                response = problem_for(
                    scope,
                    413,
                    "Payload too large",
                    f"request body of {int(declared):,} bytes exceeds the limit of "
                    f"{max_bytes:,} bytes",
                    "payload_too_large",
                    headers={"Connection": "close"},
                )
                await response(scope, receive, send)
                return
        check_utf8 = bulk_limit is None and _is_json(headers)
        responder = _BodyGuardResponder(self.app, max_bytes, check_utf8)
        await responder(scope, receive, send)


class RequestTimeoutMiddleware:
    """Answer 503 ``request_timeout`` (with ``Retry-After``) when a request runs past
    ``timeout_s``, without ever cancelling its work.

    Each request gets a ``Deadline`` (``request.state.deadline``). At the limit the
    deadline is declared passed and the client answered; the work goes on in its own task
    and thread until its next deadline check, where it raises and rolls back its own
    session, and its late output is dropped. Cancelling it instead would close its
    session from the event loop's side while a worker thread was still inside it, and
    leave its later writes in a transaction nobody ends. If the work had already begun to
    commit, its own answer is awaited and sent: a 503 time-out means nothing was committed.
    """

    def __init__(self, app: ASGIApp, timeout_s: float, exempt_paths: Iterable[str] = ()) -> None:
        self.app = app
        self.timeout_s = timeout_s
        # Bulk imports commit batch by batch and may rightly run for minutes.
        self.exempt_paths = frozenset(exempt_paths)
        # Timed-out requests still running (a reference keeps their task alive).
        self.overdue: set[asyncio.Future[Any]] = set()

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        if scope["type"] != "http":
            await self.app(scope, receive, send)
            return
        exempt = scope["path"] in self.exempt_paths
        deadline = Deadline(None if exempt else self.timeout_s)
        scope.setdefault("state", {})[DEADLINE_KEY] = deadline
        if exempt:
            await self.app(scope, receive, send)
            return
        state = {"started": False, "timed_out": False}

        async def guarded_send(message: Message) -> None:
            if state["timed_out"]:
                return
            if message["type"] == "http.response.start":
                state["started"] = True
            await send(message)

        task = asyncio.ensure_future(self.app(scope, receive, guarded_send))
        try:
            done, _ = await asyncio.wait({task}, timeout=self.timeout_s)
        except BaseException:
            # Shutting down: the work stops at its next check, in its own thread.
            deadline.expire()
            self._keep(task)
            raise
        if task in done:
            task.result()
            return
        if not deadline.expire():
            await task  # its commit had begun: its answer is the request's
            return
        state["timed_out"] = True
        self._keep(task)
        logger.warning(
            "request timed out after %.1f s: %s %s", self.timeout_s, scope["method"], scope["path"]
        )
        if not state["started"]:
            response = problem_for(
                scope,
                503,
                "Request timed out",
                timed_out_detail(self.timeout_s),
                "request_timeout",
                headers={"Retry-After": str(TIMEOUT_RETRY_AFTER_S)},
            )
            await response(scope, receive, send)

    def _keep(self, task: asyncio.Future[Any]) -> None:
        self.overdue.add(task)
        task.add_done_callback(self.overdue.discard)
        task.add_done_callback(_log_late_failure)


def _log_late_failure(task: asyncio.Future[Any]) -> None:
    if task.cancelled():
        return
    exc = task.exception()
    if exc is not None and not isinstance(exc, RequestTimeoutError):
        logger.warning("timed-out request failed later: %s", type(exc).__name__)


# The API serves JSON only: nothing in it may load, frame or run anything.
_API_POLICY = "default-src 'none'; frame-ancestors 'none'"
# HTML pages (the UI) load only their own scripts and styles and cannot be framed.
_HTML_POLICY = (
    "default-src 'self'; script-src 'self'; style-src 'self' 'unsafe-inline'; "
    "img-src 'self' data:; object-src 'none'; base-uri 'none'; form-action 'self'; "
    "frame-ancestors 'none'"
)
# /docs runs Swagger UI from the service's own files; its bundle builds styles at run time
# and its models use blob workers.
_DOCS_POLICY = (
    "default-src 'self'; script-src 'self'; style-src 'self' 'unsafe-inline'; "
    "img-src 'self' data:; worker-src 'self' blob:; object-src 'none'; base-uri 'none'; "
    "frame-ancestors 'none'"
)
_DOCS_PATHS = ("/docs",)
_COMMON_HEADERS = {
    b"x-content-type-options": b"nosniff",
    b"x-frame-options": b"DENY",
    # same-origin, not no-referrer: under no-referrer browsers send `Origin: null` on the UI's
    # own form posts, which the cross-site check must refuse.
    b"referrer-policy": b"same-origin",
    b"cross-origin-opener-policy": b"same-origin",
    b"permissions-policy": b"camera=(), microphone=(), geolocation=()",
}


def content_security_policy(path: str, content_type: str) -> str:
    """The Content-Security-Policy for a response at ``path`` of ``content_type``."""
    if not content_type.startswith("text/html"):
        return _API_POLICY
    if path.startswith(_DOCS_PATHS):
        return _DOCS_POLICY
    return _HTML_POLICY


class SecurityHeadersMiddleware:
    """Add security headers to every response, keeping any the app set itself."""

    def __init__(self, app: ASGIApp) -> None:
        self.app = app

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        if scope["type"] != "http":
            await self.app(scope, receive, send)
            return

        async def with_headers(message: Message) -> None:
            if message["type"] == "http.response.start":
                headers: list[tuple[bytes, bytes]] = list(message.get("headers", []))
                present = {name.lower() for name, _ in headers}
                for name, value in _COMMON_HEADERS.items():
                    if name not in present:
                        headers.append((name, value))
                if b"content-security-policy" not in present:
                    content_type = next(
                        (v.decode("latin-1") for n, v in headers if n.lower() == b"content-type"),
                        "",
                    )
                    policy = content_security_policy(scope["path"], content_type)
                    headers.append((b"content-security-policy", policy.encode("latin-1")))
                message = {**message, "headers": headers}
            await send(message)

        await self.app(scope, receive, with_headers)
