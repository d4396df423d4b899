"""The in-process job runner for the embedded SQLite database: one loop, no queue.

Each tick runs the sources and feeds that are due, then the pending articles whose next
attempt is due, one at a time. Everything it needs to resume lives in the database (due
times, pending items, validators), so a runner killed mid-job simply picks up at its next
start; run locks and the items' compare-and-set keep a second runner from doubling work.
"""

from __future__ import annotations

import logging
import threading
from dataclasses import dataclass, field

from claims_db.base import utcnow
from claims_db.sync_repository import FeedRepository
from service.jobs.work import Worker
from service.monitoring.service import Outcome

logger = logging.getLogger(__name__)

ITEMS_PER_READ = 50


@dataclass(slots=True)
class TickReport:
    """What one tick did."""

    sources: int = 0
    feeds: int = 0
    items: dict[str, int] = field(default_factory=dict)

    @property
    def worked(self) -> bool:
        return bool(self.sources or self.feeds or self.items)


class LocalRunner:
    """Runs due jobs in this process until stopped.

    Args:
        worker: The runtime and fetcher jobs use.
        stop: Set to stop after the current job.
    """

    def __init__(self, worker: Worker, stop: threading.Event | None = None) -> None:
        self.worker = worker
        self.stop = stop or threading.Event()

    def tick(self) -> TickReport:
        """Run every source and feed due now, then every article ready for an attempt."""
        report = TickReport()
        source_ids, feed_ids = self.worker.due()
        for source_id in source_ids:
            if self.stop.is_set():
                return report
            self.worker.sync_source(source_id)
            report.sources += 1
        for feed_id in feed_ids:
            if self.stop.is_set():
                return report
            self.worker.poll_feed(feed_id)
            report.feeds += 1
        tried: set[int] = set()
        while not self.stop.is_set():
            with self.worker.runtime.session_factory() as session:
                ready = FeedRepository(session).ready_items(utcnow(), ITEMS_PER_READ)
            batch = [item_id for item_id in ready if item_id not in tried]
            if not batch:
                break
            for item_id in batch:
                if self.stop.is_set():
                    break
                tried.add(item_id)
                outcome = self.worker.analyse_item(item_id)
                report.items[outcome.value] = report.items.get(outcome.value, 0) + 1
        return report

    def run(self, *, once: bool = False) -> None:
        """Tick every ``jobs_tick_seconds`` until stopped; ``once``: until nothing is due."""
        interval = self.worker.runtime.settings.jobs_tick_seconds
        while not self.stop.is_set():
            try:
                report = self.tick()
            except Exception:  # the database went away, say: log, wait, try again
                logger.exception("job runner tick failed")
                report = TickReport()
            if report.worked:
                logger.info(
                    "tick: %d sources, %d feeds, articles %s",
                    report.sources,
                    report.feeds,
                    report.items or "{}",
                )
            if once and not (report.sources or report.feeds or report.items.get(Outcome.ANALYSED)):
                return
            if not once:
                self.stop.wait(interval)
