"""The FastAPI application factory."""

from __future__ import annotations

import logging
from collections.abc import AsyncIterator
from contextlib import asynccontextmanager

from fastapi import FastAPI

from service.analysis.router import router as analysis_router
from service.apidocs.router import install_api_docs
from service.auth.router import router as auth_router
from service.auth.service import check_auth_mode
from service.config import Settings, get_settings
from service.errors import install_error_handlers
from service.factchecks.router import admin_router as factchecks_admin_router
from service.factchecks.router import router as factchecks_router
from service.health.router import router as health_router
from service.jobs.router import router as jobs_router
from service.metrics import install_metrics
from service.monitoring.router import router as feeds_router
from service.reliability import install_reliability
from service.reliability.admission import AdmissionGate, drain
from service.runtime import Runtime, RuntimeLoader, check_database
from service.security import install_cross_site_guard
from service.sources.router import router as sources_router
from service.stance.router import router as stance_router
from service.triage.router import router as triage_router
from service.ui.mount import mount_ui

logger = logging.getLogger(__name__)


def create_app(settings: Settings | None = None, runtime: Runtime | None = None) -> FastAPI:
    """Build the app; the model and database are loaded in ``lifespan`` unless given."""

    @asynccontextmanager
    async def lifespan(app: FastAPI) -> AsyncIterator[None]:
        if runtime is not None:
            check_auth_mode(runtime.settings)
            app.state.runtime = runtime
            yield
            await _let_analyses_end(app)
            return
        resolved = settings or get_settings()
        check_auth_mode(resolved)
        # Refusals (un-migrated database, embeddings from another encoder) stop the start;
        # the model and index then load on a thread while /healthz already answers.
        check_database(resolved)
        loader = RuntimeLoader(resolved)
        app.state.runtime = None
        app.state.runtime_loader = loader
        loader.start(app)
        try:
            yield
            await _let_analyses_end(app)
        finally:
            loader.close(app)

    app = FastAPI(
        title="claimflag",
        version="0.1.0",
        summary="Flags check-worthy claims in articles and matches them to published fact-checks.",
        lifespan=lifespan,
        # Served by install_api_docs from the installed bundle, never from a CDN.
        docs_url=None,
        redoc_url=None,
    )
    install_error_handlers(app)
    resolved = runtime.settings if runtime else settings or get_settings()
    # Inside the reliability guards, so its refusals carry the security headers too.
    install_cross_site_guard(app, resolved)
    install_reliability(app, resolved)
    app.include_router(health_router)
    app.include_router(analysis_router)
    app.include_router(stance_router)
    app.include_router(factchecks_router)
    app.include_router(triage_router)
    app.include_router(auth_router)
    mount_ui(app)
    install_api_docs(app)
    app.include_router(factchecks_admin_router)
    app.include_router(sources_router)
    app.include_router(feeds_router)
    app.include_router(jobs_router)
    install_metrics(app, resolved)
    return app


# Longest shutdown waits for analyses still running (past its deadline, one stops at its
# next stage).
SHUTDOWN_DRAIN_S = 30.0


async def _let_analyses_end(app: FastAPI) -> None:
    """At shutdown, before the database closes: analyses still running (answered or timed
    out) end in their own threads, committing or rolling back their own sessions."""
    gate = getattr(app.state, "admission", None)
    if isinstance(gate, AdmissionGate) and not await drain(gate, SHUTDOWN_DRAIN_S):
        logger.warning("%d analyses still running at shutdown", gate.in_flight)
