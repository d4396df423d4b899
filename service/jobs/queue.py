"""The job runner on PostgreSQL: procrastinate's queue, workers and periodic ticks.

Jobs (all named ``claimflag.*``):

- ``tick``, periodic every ``jobs_tick_seconds`` (procrastinate defers each tick once,
  however many workers run): queues the sources and feeds that are due, re-queues pending
  articles whose job vanished, and retries the jobs of workers that stopped sending
  heartbeats (killed, or their machine gone).
- ``sync_source(source_id)`` and ``poll_feed(feed_id)``: one run; a poll queues an
  ``analyse_item`` job for each new article.
- ``analyse_item(item_id)``: one article, retried on transient failures.
- ``prune_jobs``, hourly: deletes succeeded jobs older than three days.

Each job carries a queueing lock (no second copy waits in the queue) and a lock (no two
copies run at once). Workers take jobs with ``FOR UPDATE SKIP LOCKED``, so each job runs
on one worker; a job whose worker was killed stays ``doing`` until a tick finds the
worker's heartbeat stale and retries it. The work itself is idempotent (run locks,
validators stored after commit, the items' compare-and-set), so a retried job never
duplicates what the killed one did.
"""

from __future__ import annotations

import asyncio
import datetime as dt
import logging
from collections.abc import Awaitable
from typing import Any

import procrastinate
from asgiref.sync import async_to_sync, sync_to_async
from procrastinate import JobContext, RetryStrategy
from procrastinate.exceptions import AlreadyEnqueued
from sqlalchemy.engine import make_url

from claims_db.base import utcnow
from claims_db.sync_repository import FeedRepository
from service.config import Settings
from service.jobs.work import Worker
from service.monitoring.service import Outcome

logger = logging.getLogger(__name__)

QUEUE = "claimflag"
TICK = "claimflag.tick"
SYNC_SOURCE = "claimflag.sync_source"
POLL_FEED = "claimflag.poll_feed"
ANALYSE_ITEM = "claimflag.analyse_item"
PRUNE_JOBS = "claimflag.prune_jobs"
# Finished jobs are kept this long (runs and items keep their own history in our tables).
JOBS_KEPT_HOURS = 72
# Pending items re-queued per tick at most (the rest at the next).
REQUEUE_BATCH = 500


class RetryLater(Exception):
    """An article failed for a reason that may pass (a timeout, a 5xx): try again."""


def conninfo(database_url: str) -> str:
    """A libpq connection string for procrastinate from the SQLAlchemy URL."""
    url = make_url(database_url).set(drivername="postgresql")
    return url.render_as_string(hide_password=False)


def tick_cron(seconds: int) -> str:
    """A cron expression firing every ``seconds`` (which divide a minute)."""
    return "* * * * *" if seconds >= 60 else f"* * * * * */{seconds}"


def _worker(context: JobContext) -> Worker:
    worker: Worker = context.additional_context["worker"]
    return worker


def _defer(app: procrastinate.App, task: str, lock: str, **kwargs: Any) -> bool:
    """Queue a job unless one with the same lock is already waiting."""
    try:
        app.configure_task(task, queueing_lock=lock, lock=lock, queue=QUEUE).defer(**kwargs)
    except AlreadyEnqueued:
        return False
    return True


def queue_items(app: procrastinate.App, worker: Worker, item_ids: list[int]) -> None:
    """Queue an analysis job for each item and note when it was queued."""
    queued = [i for i in item_ids if _defer(app, ANALYSE_ITEM, f"item-{i}", item_id=i)]
    # Already waiting ones count as queued too: their job is there.
    with worker.runtime.session_factory.begin() as session:
        FeedRepository(session).mark_queued(item_ids, utcnow())
    logger.debug("queued %d of %d articles", len(queued), len(item_ids))


def tick(app: procrastinate.App, worker: Worker) -> None:
    """Queue what is due, re-queue orphaned articles, retry jobs of dead workers."""
    settings = worker.runtime.settings
    source_ids, feed_ids = worker.due()
    for source_id in source_ids:
        _defer(app, SYNC_SOURCE, f"source-{source_id}", source_id=source_id)
    for feed_id in feed_ids:
        _defer(app, POLL_FEED, f"feed-{feed_id}", feed_id=feed_id)
    cutoff = utcnow() - dt.timedelta(minutes=settings.jobs_requeue_minutes)
    with worker.runtime.session_factory() as session:
        orphans = list(FeedRepository(session).unqueued_items(cutoff, REQUEUE_BATCH))
    if orphans:
        queue_items(app, worker, orphans)
    retry_stalled(app, settings)


def retry_stalled(app: procrastinate.App, settings: Settings) -> int:
    """Retry the running jobs of workers whose heartbeat is older than the stall limit."""
    manager = app.job_manager
    stalled = list(
        _sync(manager.get_stalled_jobs(seconds_since_heartbeat=settings.jobs_stalled_seconds))
    )
    for job in stalled:
        logger.warning("job %s (%s) lost its worker; retrying", job.id, job.task_name)
        assert job.id is not None
        manager.retry_job_by_id(job.id, retry_at=utcnow())
    return len(stalled)


def _sync(awaitable: Awaitable[Any]) -> Any:
    """Wait for ``awaitable`` on the worker's event loop from a job's thread."""

    async def wait() -> Any:
        return await awaitable

    return async_to_sync(wait)()


def build_app(settings: Settings) -> procrastinate.App:
    """A procrastinate app on the configured PostgreSQL database with claimflag's tasks."""
    if not settings.database_url or make_url(settings.database_url).get_backend_name() != (
        "postgresql"
    ):
        raise ValueError("the procrastinate job runner needs a PostgreSQL database_url")
    app = procrastinate.App(
        connector=procrastinate.PsycopgConnector(conninfo=conninfo(settings.database_url))
    )

    def tick_task(context: JobContext, timestamp: int) -> None:
        tick(app, _worker(context))

    def sync_source_task(context: JobContext, source_id: int) -> None:
        _worker(context).sync_source(source_id)

    def poll_feed_task(context: JobContext, feed_id: int) -> None:
        worker = _worker(context)
        new_ids = worker.poll_feed(feed_id)
        if new_ids:
            queue_items(app, worker, new_ids)

    def analyse_item_task(context: JobContext, item_id: int) -> str:
        outcome = _worker(context).analyse_item(item_id)
        if outcome is Outcome.RETRY:
            raise RetryLater(f"article {item_id} will be tried again")
        return outcome.value

    app.periodic(cron=tick_cron(settings.jobs_tick_seconds), periodic_id="tick")(
        app.task(name=TICK, queue=QUEUE, pass_context=True, queueing_lock="tick")(tick_task)
    )

    def prune_jobs_task(timestamp: int) -> None:
        _sync(app.job_manager.delete_old_jobs(nb_hours=JOBS_KEPT_HOURS, queue=QUEUE))

    app.periodic(cron="7 * * * *", periodic_id="prune")(
        app.task(name=PRUNE_JOBS, queue=QUEUE, queueing_lock="prune")(prune_jobs_task)
    )
    app.task(name=SYNC_SOURCE, queue=QUEUE, pass_context=True)(sync_source_task)
    app.task(name=POLL_FEED, queue=QUEUE, pass_context=True)(poll_feed_task)
    app.task(
        name=ANALYSE_ITEM,
        queue=QUEUE,
        pass_context=True,
        retry=RetryStrategy(
            max_attempts=settings.monitor_max_attempts,
            linear_wait=settings.jobs_tick_seconds,
            retry_exceptions={RetryLater},
        ),
    )(analyse_item_task)
    return app


def run_worker(worker: Worker, *, concurrency: int = 1, once: bool = False) -> None:
    """Run a procrastinate worker over claimflag's queue until stopped (SIGINT/SIGTERM).

    ``once``: first queue what is due and retry dead workers' jobs, then run until the
    queue is empty.
    """
    settings = worker.runtime.settings
    app = build_app(settings)
    stalled = settings.jobs_stalled_seconds

    async def main() -> None:
        async with app.open_async():
            if once:
                await sync_to_async(tick, thread_sensitive=False)(app, worker)
            await app.run_worker_async(
                queues=[QUEUE],
                concurrency=concurrency,
                wait=not once,
                additional_context={"worker": worker},
                update_heartbeat_interval=max(stalled / 4, 0.5),
                stalled_worker_timeout=stalled,
                fetch_job_polling_interval=min(5.0, settings.jobs_tick_seconds),
            )

    asyncio.run(main())
