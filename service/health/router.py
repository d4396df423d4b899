"""Liveness and readiness probes."""

from __future__ import annotations

from pathlib import Path
from typing import Any

from fastapi import APIRouter
from sqlalchemy import text

from models.matching import MultilingualSource
from service.deps import RuntimeDep
from service.errors import ServiceUnavailableError
from service.reliability.writes import free_disk_mb

router = APIRouter(tags=["health"])


@router.get("/healthz")
async def healthz() -> dict[str, str]:
    """The process is up: answered on the event loop, without the worker threads or the
    database, so a server busy with analyses is not mistaken for a dead one."""
    return {"status": "ok"}


@router.get("/readyz")
def readyz(*, runtime: RuntimeDep) -> dict[str, Any]:
    """The model is loaded, the database answers and the service can write: no write
    failure (disk full, database locked) since the last successful write within
    30 s, and the SQLite database's disk has ``CLAIMFLAG_MIN_FREE_DISK_MB`` free."""
    reasons: list[str] = []
    try:
        with runtime.engine.connect() as connection:
            connection.execute(text("SELECT 1"))
    except Exception as exc:
        reasons.append(f"database unreachable: {type(exc).__name__}")
    failure = runtime.writes.recent_failure()
    if failure is not None:
        reasons.append(
            f"the last write failed {runtime.writes.age_s(failure):.0f} s ago"
            f" ({failure.code}): {failure.detail}"
        )
    settings = runtime.settings
    free_mb = None
    database = runtime.engine.url.database
    if runtime.engine.dialect.name == "sqlite" and database and database != ":memory:":
        free_mb = free_disk_mb(Path(database).expanduser().resolve())
        if free_mb is not None and free_mb < settings.min_free_disk_mb:
            reasons.append(
                f"{free_mb:.0f} MB free on the database's disk, under the"
                f" {settings.min_free_disk_mb} MB minimum"
            )
    if reasons:
        raise ServiceUnavailableError(
            "; ".join(reasons), headers={"Retry-After": "5"}, extra={"reasons": reasons}
        )
    body: dict[str, Any] = {
        "status": "ready",
        "model": runtime.pipeline.embedder.model_name,
        "precision": runtime.pipeline.embedder.precision.value,
        "encoder_runtime": runtime.pipeline.embedder.label,
        "fact_checks_indexed": len(runtime.index),
    }
    if runtime.multilingual is not None and isinstance(runtime.index, MultilingualSource):
        # Claims in other languages are matched only once their fact-checks are in here
        # (``claimflag backfill-multilingual`` completes it).
        body["multilingual_model"] = runtime.multilingual.model_name
        body["multilingual_indexed"] = runtime.index.multilingual_count()
    if free_mb is not None:
        body["free_disk_mb"] = round(free_mb)
    return body
