"""Mount the web UI: its page routers, its static files and the root redirect."""

from __future__ import annotations

from pathlib import Path

from fastapi import FastAPI
from fastapi.responses import RedirectResponse
from fastapi.staticfiles import StaticFiles

from service.ui.articles import router as articles_router
from service.ui.dashboard import router as dashboard_router
from service.ui.factchecks import router as factchecks_router
from service.ui.router import fallback_router, router
from service.ui.sync import router as sync_router

_HERE = Path(__file__).resolve().parent


def mount_ui(app: FastAPI) -> None:
    """Serve the UI under ``/ui`` (``/`` and ``/ui/`` redirect to the queue) with its files."""

    @app.get("/", include_in_schema=False)
    @app.get("/ui", include_in_schema=False)
    @app.get("/ui/", include_in_schema=False)
    def home() -> RedirectResponse:
        return RedirectResponse("/ui/queue", status_code=303)

    app.include_router(router)
    app.include_router(articles_router)
    app.include_router(dashboard_router)
    app.include_router(factchecks_router)
    app.include_router(sync_router)
    app.mount("/ui/static", StaticFiles(directory=_HERE / "static"), name="ui-static")
    app.include_router(fallback_router)  # last: a 404 page for any other /ui address
