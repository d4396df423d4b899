"""One error base class and the handlers that turn every error into a JSON problem body."""

from __future__ import annotations

import errno
import html
import logging
from typing import Any

from fastapi import FastAPI, Request
from fastapi.exceptions import RequestValidationError
from fastapi.responses import HTMLResponse, JSONResponse
from pydantic import ValidationError
from sqlalchemy import exc as sa_exc
from starlette.datastructures import Headers
from starlette.exceptions import HTTPException as StarletteHTTPException
from starlette.responses import Response
from starlette.types import Scope

logger = logging.getLogger(__name__)

PROBLEM_MEDIA_TYPE = "application/problem+json"


class ClaimflagError(Exception):
    """An error with an HTTP status and a stable machine-readable ``code``."""

    status_code = 400
    code = "bad_request"
    title = "Bad request"

    def __init__(
        self,
        detail: str,
        *,
        headers: dict[str, str] | None = None,
        extra: dict[str, Any] | None = None,
    ) -> None:
        super().__init__(detail)
        self.detail = detail
        self.headers = headers
        self.extra = extra


class NotFoundError(ClaimflagError):
    status_code = 404
    code = "not_found"
    title = "Not found"


class PayloadTooLargeError(ClaimflagError):
    status_code = 413
    code = "payload_too_large"
    title = "Payload too large"


class UnprocessableError(ClaimflagError):
    status_code = 422
    code = "unprocessable"
    title = "Unprocessable content"


class ServiceUnavailableError(ClaimflagError):
    status_code = 503
    code = "unavailable"
    title = "Service unavailable"


class DatabaseUnavailableError(ServiceUnavailableError):
    code = "database_unavailable"
    title = "Database unavailable"


class DatabaseLockedError(ServiceUnavailableError):
    code = "database_locked"
    title = "Database locked"


class PoolBusyError(ServiceUnavailableError):
    code = "pool_busy"
    title = "Busy: no database connection free"


class DiskFullError(ClaimflagError):
    status_code = 507
    code = "disk_full"
    title = "Disk full"


# Seconds a client should wait before retrying when the database is away.
DATABASE_RETRY_AFTER_S = 5
# ... when its connections or its write lock were all taken (it is busy, not away).
BUSY_RETRY_AFTER_S = 1
# ... when the disk is full (someone has to free space first).
DISK_FULL_RETRY_AFTER_S = 30

# How the drivers say the disk is full: SQLite's SQLITE_FULL, PostgreSQL's 53100
# disk_full ("could not extend file ...: No space left on device"), or the OS's ENOSPC.
_DISK_FULL_MESSAGES = ("database or disk is full", "no space left on device")
_DISK_FULL_SQLSTATES = frozenset({"53100"})
# SQLite's SQLITE_BUSY/SQLITE_LOCKED; PostgreSQL's lock_not_available (lock_timeout) and
# deadlock_detected.
_LOCKED_MESSAGES = ("database is locked", "database table is locked", "lock timeout")
_LOCKED_SQLSTATES = frozenset({"55P03", "40P01"})


def _sqlstate(exc: BaseException) -> str | None:
    orig = getattr(exc, "orig", None)
    value = getattr(orig, "sqlstate", None) or getattr(orig, "pgcode", None)
    return value if isinstance(value, str) else None


def _messages(exc: BaseException) -> str:
    parts = [str(getattr(exc, "orig", None) or ""), str(exc)]
    return " ".join(parts).lower()


def is_disk_full(exc: BaseException) -> bool:
    """Whether ``exc`` says there is no space left to write (database or file system)."""
    if isinstance(exc, OSError) and exc.errno == errno.ENOSPC:
        return True
    orig = getattr(exc, "orig", None)
    if isinstance(orig, OSError) and orig.errno == errno.ENOSPC:
        return True
    if not isinstance(exc, sa_exc.DBAPIError):
        return False
    return _sqlstate(exc) in _DISK_FULL_SQLSTATES or any(
        m in _messages(exc) for m in _DISK_FULL_MESSAGES
    )


def is_database_locked(exc: BaseException) -> bool:
    """Whether ``exc`` says a lock stayed taken past the busy or lock timeout."""
    if not isinstance(exc, sa_exc.DBAPIError):
        return False
    return _sqlstate(exc) in _LOCKED_SQLSTATES or any(m in _messages(exc) for m in _LOCKED_MESSAGES)


def database_problem(exc: BaseException) -> ClaimflagError | None:
    """The problem an error from the database (or the disk) stands for, naming its cause;
    None when it is no such error (a bug: a 500)."""
    if is_disk_full(exc):
        return DiskFullError(
            "no space left on the device holding the database; writes fail until space is freed",
            headers={"Retry-After": str(DISK_FULL_RETRY_AFTER_S)},
        )
    if isinstance(exc, sa_exc.TimeoutError):
        return PoolBusyError(
            "every database connection is in use (the pool is exhausted); retry in"
            f" {BUSY_RETRY_AFTER_S} s",
            headers={"Retry-After": str(BUSY_RETRY_AFTER_S)},
        )
    if is_database_locked(exc):
        return DatabaseLockedError(
            "the database stayed locked by another writer past the lock timeout; retry in"
            f" {BUSY_RETRY_AFTER_S} s",
            headers={"Retry-After": str(BUSY_RETRY_AFTER_S)},
        )
    if isinstance(exc, sa_exc.DataError) and "nul (0x00)" in _messages(exc):
        # PostgreSQL's text cannot hold NUL; the request fields refuse it, and this is the
        # backstop for any text that reaches the database another way (a form, a header).
        return UnprocessableError(
            "a text value contains a NUL character, which the database cannot store; send"
            " plain text"
        )
    if is_database_unavailable(exc):
        # The DBAPI class only: the statement and its parameters may hold article text.
        reason = type(getattr(exc, "orig", None) or exc).__name__
        return DatabaseUnavailableError(
            f"the database is unavailable ({reason}); retry later",
            headers={"Retry-After": str(DATABASE_RETRY_AFTER_S)},
        )
    return None


def is_database_unavailable(exc: BaseException) -> bool:
    """Whether ``exc`` means the database cannot be reached or used right now.

    Operational errors (connection refused or dropped, locked or missing SQLite file),
    a connection invalidated mid-request and an exhausted pool all qualify; errors in
    the statement itself (integrity, programming) do not.
    """
    if isinstance(exc, sa_exc.OperationalError | sa_exc.TimeoutError):
        return True
    return isinstance(exc, sa_exc.DBAPIError) and exc.connection_invalidated


def problem(
    status: int,
    title: str,
    detail: str,
    code: str,
    *,
    extra: dict[str, Any] | None = None,
    headers: dict[str, str] | None = None,
) -> JSONResponse:
    """A JSON problem response (RFC 9457 fields plus ``code``)."""
    body: dict[str, Any] = {
        "type": f"https://claimflag.dev/problems/{code}",
        "title": title,
        "status": status,
        "detail": detail,
        "code": code,
    }
    if extra:
        body.update(extra)
    return JSONResponse(body, status_code=status, media_type=PROBLEM_MEDIA_TYPE, headers=headers)


def problem_for(
    scope: Scope,
    status: int,
    title: str,
    detail: str,
    code: str,
    *,
    extra: dict[str, Any] | None = None,
    headers: dict[str, str] | None = None,
) -> Response:
    """``problem(...)``, or the same as a short HTML page for a browser on a UI page (one
    that asks for HTML under ``/ui/``): a refusal by a middleware, a time-out answered
    before the page could render its own, or an error no page caught would otherwise show
    a form's sender raw JSON. API clients (and anyone not asking for HTML) get JSON."""
    accept = Headers(scope=scope).get("accept", "")
    if not (scope.get("path", "").startswith("/ui/") and "text/html" in accept):
        return problem(status, title, detail, code, extra=extra, headers=headers)
    page = (
        '<!doctype html><html lang="en"><head><meta charset="utf-8">'
        f"<title>{html.escape(title)} · claimflag</title>"
        '<link rel="stylesheet" href="/ui/static/app.css"></head><body>'
        '<header class="top"><a class="brand" href="/ui/queue">claimflag</a></header><main>'
        f'<h1>{html.escape(title)}</h1><p id="problem" class="flash err" role="alert">'
        f"{html.escape(detail)}</p>"
        '<p><a href="/ui/queue">Back to the queue</a></p>'
        "</main></body></html>"
    )
    return HTMLResponse(page, status_code=status, headers=headers)


def validation_message(error: Any) -> str:
    """What one pydantic error says, for the API, the desk's forms and the CLI alike:
    without pydantic's "Value error, " prefix, and in characters for a string that is too
    long or too short (pydantic counts "items" when the string type carries a validator of
    its own)."""
    kind, value, context = error.get("type"), error.get("input"), error.get("ctx") or {}
    if kind in {"too_long", "too_short"} and isinstance(value, str):
        bound = context.get("max_length" if kind == "too_long" else "min_length")
        if isinstance(bound, int):
            side = "most" if kind == "too_long" else "least"
            unit = "character" if bound == 1 else "characters"
            actual = context.get("actual_length", len(value))
            return f"should have at {side} {bound} {unit}, not {actual}"
    return str(error.get("msg", "invalid")).removeprefix("Value error, ")


def first_problem(error: ValidationError) -> str:
    """A form's or command's ``ValidationError`` as one line: its first error, where."""
    first = error.errors()[0]
    where = ".".join(str(p) for p in first.get("loc", ()))
    return f"{where}: {validation_message(first)}" if where else validation_message(first)


def _describe(errors: list[Any]) -> str:
    parts = []
    for error in errors[:5]:
        location = ".".join(str(p) for p in error.get("loc", ()) if p != "body")
        parts.append(f"{location or 'body'}: {validation_message(error)}")
    return "; ".join(parts)


def describe_json_error(errors: list[Any], body: Any) -> str:
    """Where a request's JSON broke (line and column) and what the API expects instead."""
    error = next(e for e in errors if e.get("type") == "json_invalid")
    reason = str((error.get("ctx") or {}).get("error") or "not valid JSON")
    position = error.get("loc", ("body", None))[-1]
    where = ""
    if isinstance(position, int):
        document = body.decode("utf-8", "replace") if isinstance(body, bytes) else body
        if isinstance(document, str):
            line = document.count("\n", 0, position) + 1
            column = position - (document.rfind("\n", 0, position) + 1) + 1
            where = f" at line {line}, column {column} (character {position})"
        else:
            where = f" at character {position}"
    return (
        f"the body is not valid JSON: {reason}{where}. Send one JSON object, for example"
        ' {"text": "the article text"}, with Content-Type: application/json'
    )


def install_error_handlers(app: FastAPI) -> None:
    """Register handlers so no error leaves the service as anything but a problem body (for
    a browser on a UI page, the same problem as a short page: ``problem_for``)."""

    @app.exception_handler(ClaimflagError)
    async def _claimflag(request: Request, exc: ClaimflagError) -> Response:
        return problem_for(
            request.scope,
            exc.status_code,
            exc.title,
            exc.detail,
            exc.code,
            extra=exc.extra,
            headers=exc.headers,
        )

    @app.exception_handler(RequestValidationError)
    async def _validation(request: Request, exc: RequestValidationError) -> Response:
        errors = list(exc.errors())
        if any(e.get("type") == "json_invalid" for e in errors):
            detail = describe_json_error(errors, exc.body)
            return problem(400, "Malformed JSON", detail, "invalid_json")
        safe = [
            {"type": e.get("type"), "loc": e.get("loc"), "msg": validation_message(e)}
            for e in errors
        ]
        return problem_for(
            request.scope,
            422,
            "Invalid request",
            _describe(errors),
            "validation_error",
            extra={"errors": safe},
        )

    @app.exception_handler(StarletteHTTPException)
    async def _http(request: Request, exc: StarletteHTTPException) -> Response:
        title = {404: "Not found", 405: "Method not allowed"}.get(exc.status_code, "HTTP error")
        return problem_for(
            request.scope,
            exc.status_code,
            title,
            str(exc.detail),
            f"http_{exc.status_code}",
            headers=getattr(exc, "headers", None),
        )

    @app.exception_handler(sa_exc.SQLAlchemyError)
    async def _database(request: Request, exc: sa_exc.SQLAlchemyError) -> Response:
        known = database_problem(exc)
        if known is None:
            logger.error("database error: %s", type(exc).__name__, exc_info=exc)
            return _internal(request)
        return _known_failure(request, exc, known)

    @app.exception_handler(OSError)
    async def _os_error(request: Request, exc: OSError) -> Response:
        known = database_problem(exc) if is_disk_full(exc) else None
        if known is None:
            raise exc  # to the handler of unexpected errors: a 500
        return _known_failure(request, exc, known)

    @app.exception_handler(Exception)
    async def _unexpected(request: Request, exc: Exception) -> Response:
        logger.exception("unhandled error", exc_info=exc)
        return _internal(request)


def _internal(request: Request) -> Response:
    return problem_for(
        request.scope, 500, "Internal error", "The service failed unexpectedly.", "internal"
    )


def _known_failure(request: Request, exc: BaseException, known: ClaimflagError) -> Response:
    # The DBAPI message only: the statement and its parameters may hold article text.
    logger.warning("%s: %s", known.code, getattr(exc, "orig", None) or exc)
    writes = getattr(getattr(request.app.state, "runtime", None), "writes", None)
    if writes is not None and known.code in WRITE_FAILURE_CODES:
        writes.failed(known.code, known.detail)
    return problem_for(
        request.scope,
        known.status_code,
        known.title,
        known.detail,
        known.code,
        headers=known.headers,
    )


# Failures that mean writes cannot go through now (/readyz reports them).
WRITE_FAILURE_CODES = frozenset({DiskFullError.code, DatabaseLockedError.code})


class ConflictError(ClaimflagError):
    status_code = 409
    code = "conflict"
    title = "Conflict"
