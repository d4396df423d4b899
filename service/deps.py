"""Dependencies shared by the routers, as ``Annotated`` aliases."""

from __future__ import annotations

from collections.abc import Iterator
from typing import Annotated

from fastapi import Depends, Request
from sqlalchemy.orm import Session

from claims_db.search import FactCheckIndex
from models.pipeline import Pipeline
from service.config import Settings
from service.runtime import Runtime


def get_runtime(request: Request) -> Runtime:
    runtime: Runtime = request.app.state.runtime
    return runtime


RuntimeDep = Annotated[Runtime, Depends(get_runtime)]


def get_session(runtime: RuntimeDep) -> Iterator[Session]:
    """One session per request, committed once when the handler returns without error."""
    with runtime.session_factory() as session:
        try:
            yield session
            session.commit()
        except BaseException:
            session.rollback()
            raise


def get_pipeline(runtime: RuntimeDep) -> Pipeline:
    return runtime.pipeline


def get_index(runtime: RuntimeDep) -> FactCheckIndex:
    return runtime.index


def get_app_settings(runtime: RuntimeDep) -> Settings:
    return runtime.settings


# scope="function": commit before the response is sent, so a 2xx means the write is durable.
SessionDep = Annotated[Session, Depends(get_session, scope="function")]
PipelineDep = Annotated[Pipeline, Depends(get_pipeline)]
IndexDep = Annotated[FactCheckIndex, Depends(get_index)]
SettingsDep = Annotated[Settings, Depends(get_app_settings)]
