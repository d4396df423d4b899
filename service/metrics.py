"""Prometheus metrics at ``GET /metrics`` (``CLAIMFLAG_METRICS``; any API key when keys are
required, as a scraper's bearer token).

Requests are counted and timed per route template by prometheus-fastapi-instrumentator
(``claimflag_http_requests_total{handler,method,status}``, status grouped as ``2xx``…,
``claimflag_http_request_duration_seconds``; unmatched paths are not counted, so a scanner
adds no series). What the service holds is read when scraped: whether the model is loaded,
the fact-checks the index searches (and how many carry a multilingual vector), analyses
running, the review queue by status and kind, and whether the last write failed.

Each app has its own registry: with ``claimflag serve --workers N`` a scrape reads the one
worker that answers it, so request counters are per process (sum them by ``instance``
only with one worker per instance); the queue and index gauges are the database's and the
same in every worker.
"""

from __future__ import annotations

import logging
from collections.abc import Iterator
from typing import TYPE_CHECKING

from fastapi import APIRouter, Depends, FastAPI, Request, Response
from prometheus_client import CONTENT_TYPE_LATEST, CollectorRegistry, generate_latest
from prometheus_client.core import GaugeMetricFamily, Metric
from prometheus_client.registry import Collector
from prometheus_fastapi_instrumentator import Instrumentator
from sqlalchemy import func, select
from sqlalchemy.exc import SQLAlchemyError

from claims_db.triage_models import QueueItem
from models.matching import MultilingualSource
from service.auth.schemas import Role
from service.deps import require_role

if TYPE_CHECKING:
    from service.config import Settings
    from service.runtime import Runtime

logger = logging.getLogger(__name__)

NAMESPACE = "claimflag"
# An analysis takes about half a second on the seed article, a search tens of ms.
LATENCY_BUCKETS = (0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1.0, 2.5, 5.0, 10.0, 30.0)
# Probes and the scrape itself would only add noise.
NOT_COUNTED = ["/metrics", "/healthz", "/readyz", "/ui/static/.*"]

router = APIRouter(tags=["operations"])


@router.get(
    "/metrics",
    dependencies=[Depends(require_role(Role.SUBMITTER))],
    response_class=Response,
    responses={200: {"content": {CONTENT_TYPE_LATEST: {}}}},
)
def metrics(request: Request) -> Response:
    """Prometheus text format: requests per route, and the state of the model, the index,
    the analyses running and the review queue."""
    registry: CollectorRegistry = request.app.state.metrics_registry
    return Response(generate_latest(registry), media_type=CONTENT_TYPE_LATEST)


class ServiceCollector(Collector):
    """Gauges read from the app's runtime and database at each scrape."""

    def __init__(self, app: FastAPI) -> None:
        self._app = app

    def collect(self) -> Iterator[Metric]:
        runtime: Runtime | None = getattr(self._app.state, "runtime", None)
        ready = GaugeMetricFamily(
            f"{NAMESPACE}_ready", "1 once the model and the fact-check index are loaded."
        )
        ready.add_metric([], 1.0 if runtime is not None else 0.0)
        yield ready
        gate = getattr(self._app.state, "admission", None)
        if gate is not None:
            running = GaugeMetricFamily(
                f"{NAMESPACE}_analyses_in_flight", "Analyses running in this process."
            )
            running.add_metric([], float(gate.in_flight))
            yield running
        if runtime is None:
            return
        failing = GaugeMetricFamily(
            f"{NAMESPACE}_write_failing",
            "1 while the last write failed (disk full, database locked) and none succeeded since.",
        )
        failing.add_metric([], 0.0 if runtime.writes.recent_failure() is None else 1.0)
        yield failing
        try:  # counted in the database on PostgreSQL
            gauges = _database_gauges(runtime)
        except SQLAlchemyError as error:  # the database's own trouble is /readyz's to report
            logger.warning("metrics: the database could not be counted (%s)", type(error).__name__)
            return
        yield from gauges


def _database_gauges(runtime: Runtime) -> list[Metric]:
    searched = GaugeMetricFamily(
        f"{NAMESPACE}_factchecks_indexed", "Fact-checks the search index holds."
    )
    searched.add_metric([], float(len(runtime.index)))
    gauges: list[Metric] = [searched]
    if isinstance(runtime.index, MultilingualSource):
        multilingual = GaugeMetricFamily(
            f"{NAMESPACE}_factchecks_multilingual",
            "Fact-checks with a vector in the multilingual index.",
        )
        multilingual.add_metric([], float(runtime.index.multilingual_count()))
        gauges.append(multilingual)
    query = select(QueueItem.status, QueueItem.kind, func.count()).group_by(
        QueueItem.status, QueueItem.kind
    )
    with runtime.session_factory() as session:
        rows = session.execute(query).all()
    queue = GaugeMetricFamily(
        f"{NAMESPACE}_queue_items",
        "Review queue items by status and kind.",
        labels=["status", "kind"],
    )
    for status, kind, count in rows:
        queue.add_metric([status, kind], float(count))
    gauges.append(queue)
    return gauges


def install_metrics(app: FastAPI, settings: Settings) -> None:
    """Count and time requests and serve ``GET /metrics``, unless ``CLAIMFLAG_METRICS`` is off."""
    if not settings.metrics:
        return
    registry = CollectorRegistry()
    Instrumentator(
        should_ignore_untemplated=True,
        excluded_handlers=NOT_COUNTED,
        registry=registry,
    ).instrument(app, metric_namespace=NAMESPACE, latency_lowr_buckets=LATENCY_BUCKETS)
    registry.register(ServiceCollector(app))
    app.state.metrics_registry = registry
    app.include_router(router)
