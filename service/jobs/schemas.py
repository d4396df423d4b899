"""Bodies of the job-runner status route."""

from __future__ import annotations

import datetime as dt
from typing import Any

from pydantic import BaseModel, Field


class JobCountOut(BaseModel):
    """Jobs of one task in one state."""

    task: str
    status: str
    count: int


class JobOut(BaseModel):
    """One procrastinate job."""

    id: int
    task_name: str
    args: dict[str, Any]
    status: str
    attempts: int
    queue_name: str
    scheduled_at: dt.datetime | None


class JobsOut(BaseModel):
    """What the job runner is doing."""

    runner: str = Field(
        description="procrastinate (PostgreSQL: `claimflag worker` processes share a queue) or "
        "in-process (SQLite: one `claimflag worker` runs due jobs itself)."
    )
    articles: dict[str, int] = Field(description="Monitored articles per status.")
    counts: list[JobCountOut] = Field(description="Queued jobs per task and state (PostgreSQL).")
    recent: list[JobOut] = Field(description="The latest jobs, newest first (PostgreSQL).")
