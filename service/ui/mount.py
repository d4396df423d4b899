"""Mount the web UI: its page routers, its static files and the root redirect."""

from __future__ import annotations

from pathlib import Path

from fastapi import FastAPI
from fastapi.responses import RedirectResponse
from fastapi.staticfiles import StaticFiles

from service.ui.router import router
from service.ui.sync import router as sync_router

_HERE = Path(__file__).resolve().parent


def mount_ui(app: FastAPI) -> None:
    """Serve the UI under ``/ui`` (``/`` redirects there) with its static files."""
    app.include_router(router)
    app.include_router(sync_router)
    app.mount("/ui/static", StaticFiles(directory=_HERE / "static"), name="ui-static")

    @app.get("/", include_in_schema=False)
    def home() -> RedirectResponse:
        return RedirectResponse("/ui/queue", status_code=303)
