"""Liveness and readiness probes."""

from __future__ import annotations

from typing import Any

from fastapi import APIRouter
from sqlalchemy import text

from service.deps import RuntimeDep
from service.errors import ServiceUnavailableError

router = APIRouter(tags=["health"])


@router.get("/healthz")
def healthz() -> dict[str, str]:
    """The process is up."""
    return {"status": "ok"}


@router.get("/readyz")
def readyz(*, runtime: RuntimeDep) -> dict[str, Any]:
    """The model is loaded and the database answers."""
    try:
        with runtime.engine.connect() as connection:
            connection.execute(text("SELECT 1"))
    except Exception as exc:
        raise ServiceUnavailableError(
            f"database unreachable: {type(exc).__name__}", headers={"Retry-After": "5"}
        ) from exc
    return {
        "status": "ready",
        "model": runtime.pipeline.embedder.model_name,
        "precision": runtime.pipeline.embedder.precision.value,
        "encoder_runtime": runtime.pipeline.embedder.label,
        "fact_checks_indexed": len(runtime.index),
    }
