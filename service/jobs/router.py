"""Job-runner status (admins only)."""

from __future__ import annotations

from typing import Annotated

from fastapi import APIRouter, Query

from claims_db.sync_repository import FeedRepository, JobRepository
from service.deps import AdminOnly, SessionDep
from service.jobs.schemas import JobCountOut, JobOut, JobsOut

router = APIRouter(prefix="/v1/jobs", tags=["jobs"], dependencies=[AdminOnly])


@router.get("", response_model=JobsOut)
def jobs(*, session: SessionDep, limit: Annotated[int, Query(ge=0, le=500)] = 50) -> JobsOut:
    """The runner, articles per status and, on PostgreSQL, the queue's jobs."""
    repository = JobRepository(session)
    return JobsOut(
        runner="procrastinate" if repository.available() else "in-process",
        articles=FeedRepository(session).status_totals(),
        counts=[
            JobCountOut(task=c.task, status=c.status, count=c.count) for c in repository.counts()
        ],
        recent=[JobOut.model_validate(row) for row in repository.recent(limit)],
    )
