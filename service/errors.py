"""One error base class and the handlers that turn every error into a JSON problem body."""

from __future__ import annotations

import logging
from typing import Any

from fastapi import FastAPI, Request
from fastapi.exceptions import RequestValidationError
from fastapi.responses import JSONResponse
from sqlalchemy import exc as sa_exc
from starlette.exceptions import HTTPException as StarletteHTTPException

logger = logging.getLogger(__name__)

PROBLEM_MEDIA_TYPE = "application/problem+json"


class ClaimflagError(Exception):
    """An error with an HTTP status and a stable machine-readable ``code``."""

    status_code = 400
    code = "bad_request"
    title = "Bad request"

    def __init__(self, detail: str, *, headers: dict[str, str] | None = None) -> None:
        super().__init__(detail)
        self.detail = detail
        self.headers = headers


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


# Seconds a client should wait before retrying when the database is away.
DATABASE_RETRY_AFTER_S = 5


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


def _describe(errors: list[Any]) -> str:
    parts = []
    for error in errors[:5]:
        location = ".".join(str(p) for p in error.get("loc", ()) if p != "body")
        parts.append(f"{location or 'body'}: {error.get('msg', 'invalid')}")
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
    """Register handlers so no error leaves the service as anything but a problem body."""

    @app.exception_handler(ClaimflagError)
    async def _claimflag(_: Request, exc: ClaimflagError) -> JSONResponse:
        return problem(exc.status_code, exc.title, exc.detail, exc.code, headers=exc.headers)

    @app.exception_handler(RequestValidationError)
    async def _validation(_: Request, exc: RequestValidationError) -> JSONResponse:
        errors = list(exc.errors())
        if any(e.get("type") == "json_invalid" for e in errors):
            detail = describe_json_error(errors, exc.body)
            return problem(400, "Malformed JSON", detail, "invalid_json")
        safe = [{k: v for k, v in e.items() if k in {"loc", "msg", "type"}} for e in errors]
        return problem(
            422, "Invalid request", _describe(errors), "validation_error", extra={"errors": safe}
        )

    @app.exception_handler(StarletteHTTPException)
    async def _http(_: Request, exc: StarletteHTTPException) -> JSONResponse:
        title = {404: "Not found", 405: "Method not allowed"}.get(exc.status_code, "HTTP error")
        return problem(
            exc.status_code,
            title,
            str(exc.detail),
            f"http_{exc.status_code}",
            headers=getattr(exc, "headers", None),
        )

    @app.exception_handler(sa_exc.SQLAlchemyError)
    async def _database(_: Request, exc: sa_exc.SQLAlchemyError) -> JSONResponse:
        if not is_database_unavailable(exc):
            logger.error("database error: %s", type(exc).__name__, exc_info=exc)
            return problem(500, "Internal error", "The service failed unexpectedly.", "internal")
        # The DBAPI message only: the statement and its parameters may hold article text.
        reason = type(getattr(exc, "orig", None) or exc).__name__
        logger.warning("database unavailable: %s: %s", reason, getattr(exc, "orig", exc))
        return problem(
            DatabaseUnavailableError.status_code,
            DatabaseUnavailableError.title,
            f"the database is unavailable ({reason}); retry later",
            DatabaseUnavailableError.code,
            headers={"Retry-After": str(DATABASE_RETRY_AFTER_S)},
        )

    @app.exception_handler(Exception)
    async def _unexpected(_: Request, exc: Exception) -> JSONResponse:
        logger.exception("unhandled error", exc_info=exc)
        return problem(500, "Internal error", "The service failed unexpectedly.", "internal")


class ConflictError(ClaimflagError):
    status_code = 409
    code = "conflict"
    title = "Conflict"
