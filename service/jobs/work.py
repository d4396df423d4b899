"""The jobs themselves, the same whichever runner runs them, and what a worker holds."""

from __future__ import annotations

import datetime as dt
import logging
from dataclasses import dataclass

from claims_db.base import utcnow
from service.fetcher import Fetcher
from service.monitoring import service as monitoring
from service.monitoring.service import Outcome
from service.runtime import Runtime
from service.sources import service as sources

logger = logging.getLogger(__name__)


@dataclass(slots=True)
class Worker:
    """A worker process's long-lived state: the runtime (model, index, database) and a
    fetcher reused across article fetches."""

    runtime: Runtime
    fetcher: Fetcher

    @classmethod
    def build(cls, runtime: Runtime) -> Worker:
        return cls(runtime, Fetcher.from_settings(runtime.settings))

    def close(self) -> None:
        self.fetcher.close()

    def sync_source(self, source_id: int, trigger: str = "schedule") -> None:
        runtime = self.runtime
        sources.run_source(
            runtime.session_factory,
            runtime.pipeline.embedder,
            runtime.settings,
            source_id,
            trigger=trigger,
            multilingual=runtime.multilingual,
        )

    def poll_feed(self, feed_id: int, trigger: str = "schedule") -> list[int]:
        """Poll a feed; returns the ids of its new items."""
        _, new_ids = monitoring.poll_feed(
            self.runtime.session_factory, self.runtime.settings, feed_id, trigger=trigger
        )
        return new_ids

    def analyse_item(self, item_id: int) -> Outcome:
        runtime = self.runtime
        return monitoring.analyse_item(
            runtime.session_factory,
            runtime.pipeline,
            runtime.index,
            runtime.settings,
            self.fetcher,
            item_id,
        )

    def due(self, now: dt.datetime | None = None) -> tuple[list[int], list[int]]:
        """The ids of the sources and feeds due now, each moved to its next run time."""
        moment = now or utcnow()
        with self.runtime.session_factory.begin() as session:
            return sources.schedule_due(session, moment), monitoring.schedule_due(session, moment)
