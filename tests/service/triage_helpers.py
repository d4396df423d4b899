"""Helpers for the triage, auth and browser tests: keyed clients and real server processes."""

from __future__ import annotations

import os
import socket
import subprocess
import sys
import time
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path
from typing import Any

import httpx
from fastapi.testclient import TestClient

from claims_db.db import make_engine, make_session_factory
from models.pipeline import Pipeline
from service.app import create_app
from service.auth.schemas import Role
from service.auth.service import create_key
from service.config import AuthMode, Settings
from service.runtime import Runtime, build_runtime

CLAIMFLAG = Path(sys.executable).with_name("claimflag")


def make_keys(settings: Settings, *roles_and_names: tuple[Role, str]) -> dict[str, str]:
    """Create keys in the settings' database; returns token by name."""
    engine = make_engine(settings.resolved_database_url)
    tokens: dict[str, str] = {}
    with make_session_factory(engine)() as session:
        for role, name in roles_and_names:
            tokens[name] = create_key(session, name, role)[1]
        session.commit()
    engine.dispose()
    return tokens


def bearer(token: str) -> dict[str, str]:
    return {"Authorization": f"Bearer {token}"}


@contextmanager
def app_client(settings: Settings, pipeline: Pipeline) -> Iterator[tuple[TestClient, Runtime]]:
    """A test client over ``settings`` sharing the loaded model."""
    runtime = build_runtime(settings, pipeline=pipeline)
    try:
        with TestClient(create_app(runtime=runtime)) as client:
            yield client, runtime
    finally:
        if runtime.webhooks is not None:
            runtime.webhooks.close()
        runtime.engine.dispose()


def required(settings: Settings, **changes: object) -> Settings:
    """A copy of ``settings`` with auth required (and any other changes)."""
    return settings.model_copy(update={"auth": AuthMode.REQUIRED, **changes})


def free_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        port: int = sock.getsockname()[1]
        return port


@contextmanager
def served(settings: Settings, log_path: Path, **env: str) -> Iterator[str]:
    """Run ``claimflag serve`` on a free loopback port over the settings' database."""
    port = free_port()
    environment = {
        **os.environ,
        "HF_HUB_OFFLINE": "1",
        "TRANSFORMERS_OFFLINE": "1",
        "CLAIMFLAG_DATABASE_PATH": str(settings.database_path),
        "CLAIMFLAG_DATABASE_URL": settings.database_url or "",
        "CLAIMFLAG_AUTH": "required",
        "CLAIMFLAG_LOG_LEVEL": "WARNING",
        **env,
    }
    url = f"http://127.0.0.1:{port}"
    with log_path.open("wb") as log:
        process = subprocess.Popen(
            [str(CLAIMFLAG), "serve", "--host", "127.0.0.1", "--port", str(port)],
            env=environment,
            stdout=log,
            stderr=subprocess.STDOUT,
        )
        try:
            deadline = time.monotonic() + 180
            while True:
                if process.poll() is not None:
                    raise RuntimeError(f"server exited: {log_path.read_text(errors='replace')}")
                try:
                    if httpx.get(f"{url}/readyz", timeout=2).status_code == 200:
                        break
                except httpx.HTTPError:
                    pass
                if time.monotonic() > deadline:
                    raise RuntimeError(f"server not ready: {log_path.read_text(errors='replace')}")
                time.sleep(0.5)
            yield url
        finally:
            process.terminate()
            try:
                process.wait(timeout=20)
            except subprocess.TimeoutExpired:
                process.kill()
                process.wait()


def csrf_token(client: TestClient) -> str:
    """The UI's form token for this client (a page visit sets its cookie)."""
    token = client.cookies.get("claimflag_csrf")
    if token is None:
        assert client.get("/ui/login").status_code == 200
        token = client.cookies["claimflag_csrf"]
    return token


def ui_post(
    client: TestClient, path: str, data: dict[str, Any] | None = None, **kwargs: Any
) -> httpx.Response:
    """Submit a UI form as the browser would: with the page's CSRF token."""
    return client.post(path, data={**(data or {}), "csrf_token": csrf_token(client)}, **kwargs)
