"""Dependencies shared by the routers, as ``Annotated`` aliases."""

from __future__ import annotations

from collections.abc import Callable, Iterator
from typing import Annotated

from fastapi import Depends, Path, Request
from sqlalchemy.orm import Session

from claims_db.search import SearchBackend
from models.encoders.multilingual import MultilingualEncoder
from models.pipeline import Pipeline
from models.stance import StanceModel
from service.auth.schemas import Principal, Role
from service.auth.service import (
    LOCAL_PRINCIPAL,
    SESSION_COOKIE,
    authenticate,
    require,
    ui_session_principal,
)
from service.config import AuthMode, Settings
from service.errors import ServiceUnavailableError
from service.reliability.deadline import request_deadline
from service.reliability.ratelimit import enforce_rate_limit
from service.runtime import Runtime


def get_runtime(request: Request) -> Runtime:
    """The process's runtime; 503 while the model and index are still loading."""
    runtime: Runtime | None = getattr(request.app.state, "runtime", None)
    if runtime is None:
        loader = getattr(request.app.state, "runtime_loader", None)
        failed = loader.error if loader is not None else None
        raise ServiceUnavailableError(
            f"start-up failed: {failed}" if failed else "starting: the model is loading",
            headers={"Retry-After": "2"},
        )
    return runtime


RuntimeDep = Annotated[Runtime, Depends(get_runtime)]


def get_session(request: Request, runtime: RuntimeDep) -> Iterator[Session]:
    """One session per request, committed once when the handler returns without error,
    unless the request's deadline passed first (then it rolls back: 503 ``request_timeout``).
    """
    deadline = request_deadline(request)
    with runtime.session_factory() as session:
        try:
            yield session
            deadline.begin_commit()
            session.commit()
        except BaseException:
            session.rollback()
            raise


def get_pipeline(runtime: RuntimeDep) -> Pipeline:
    return runtime.pipeline


def get_stance_model(runtime: RuntimeDep) -> StanceModel:
    return runtime.pipeline.stance_model


def get_multilingual(runtime: RuntimeDep) -> MultilingualEncoder | None:
    return runtime.multilingual


def get_index(runtime: RuntimeDep) -> SearchBackend:
    return runtime.index


def get_app_settings(runtime: RuntimeDep) -> Settings:
    return runtime.settings


# scope="function": commit before the response is sent, so a 2xx means the write is durable.
SessionDep = Annotated[Session, Depends(get_session, scope="function")]
PipelineDep = Annotated[Pipeline, Depends(get_pipeline)]
IndexDep = Annotated[SearchBackend, Depends(get_index)]
# The multilingual encoder, None when CLAIMFLAG_MULTILINGUAL is off.
MultilingualDep = Annotated[MultilingualEncoder | None, Depends(get_multilingual)]
StanceDep = Annotated[StanceModel, Depends(get_stance_model)]
SettingsDep = Annotated[Settings, Depends(get_app_settings)]
# A row id in a path: positive and within a 32-bit INTEGER (PostgreSQL's id columns), so
# an out-of-range id is a 422 instead of an overflow in the database driver.
MAX_ROW_ID = 2**31 - 1
RowId = Annotated[int, Path(ge=1, le=MAX_ROW_ID)]


def get_principal(request: Request, runtime: RuntimeDep, session: SessionDep) -> Principal | None:
    """The caller named by a bearer token, `X-API-Key` or the UI's session cookie; local if
    auth is off."""
    if runtime.settings.auth is AuthMode.OFF:
        return LOCAL_PRINCIPAL
    header = request.headers.get("authorization", "")
    token = header[7:] if header[:7].lower() == "bearer " else None
    token = token or request.headers.get("x-api-key")
    if token:
        principal = authenticate(session, token)
    else:
        cookie = request.cookies.get(SESSION_COOKIE)
        principal = ui_session_principal(session, cookie) if cookie else None
    # End the lookup's transaction (a UI session's renewal included): its connection goes
    # back to the pool instead of being held while the request waits for admission or
    # runs an analysis.
    session.commit()
    return principal


PrincipalDep = Annotated[Principal | None, Depends(get_principal)]


def require_role(role: Role) -> Callable[..., Principal]:
    """A dependency admitting callers whose key has ``role`` or a higher one (401/403 else)."""

    def dependency(request: Request, principal: PrincipalDep) -> Principal:
        allowed = require(principal, role)
        enforce_rate_limit(request, allowed)
        return allowed

    return dependency


CurrentSubmitter = Annotated[Principal, Depends(require_role(Role.SUBMITTER))]
CurrentReviewer = Annotated[Principal, Depends(require_role(Role.REVIEWER))]
CurrentAdmin = Annotated[Principal, Depends(require_role(Role.ADMIN))]
# For a router or route that only admins may call: `dependencies=[AdminOnly]`.
AdminOnly = Depends(require_role(Role.ADMIN))
