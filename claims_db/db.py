"""Engine and session construction for SQLite (embedded default) and PostgreSQL."""

from __future__ import annotations

from pathlib import Path
from typing import Any

from sqlalchemy import Engine, create_engine, event
from sqlalchemy.engine import make_url
from sqlalchemy.orm import Session, sessionmaker

SQLITE_BUSY_TIMEOUT_MS = 10_000


def _sqlite_pragmas(busy_timeout_ms: int) -> Any:
    def set_pragmas(dbapi_connection: Any, _record: Any) -> None:
        cursor = dbapi_connection.cursor()
        cursor.execute("PRAGMA journal_mode=WAL")
        cursor.execute(f"PRAGMA busy_timeout={busy_timeout_ms}")
        cursor.execute("PRAGMA foreign_keys=ON")
        cursor.execute("PRAGMA synchronous=NORMAL")
        cursor.close()

    return set_pragmas


def _milliseconds(seconds: float) -> int:
    return max(1, round(seconds * 1000))


def make_engine(
    url: str,
    *,
    pool_size: int | None = None,
    max_overflow: int | None = None,
    pool_timeout_s: float | None = None,
    lock_timeout_s: float | None = None,
) -> Engine:
    """Create an engine; SQLite files get WAL, a busy timeout and enforced foreign keys.

    The parent directory of a SQLite file is created when missing. The pool's size,
    overflow and checkout timeout default to SQLAlchemy's for SQLite (5, 10, 30 s) and to
    10, 10, 30 s for PostgreSQL. ``lock_timeout_s`` is the longest a statement waits for a
    lock: SQLite's busy timeout (default 10 s) and PostgreSQL's ``lock_timeout`` (default:
    none, wait for ever).
    """
    parsed = make_url(url)
    pool: dict[str, Any] = {}
    if pool_size is not None:
        pool["pool_size"] = pool_size
    if max_overflow is not None:
        pool["max_overflow"] = max_overflow
    if pool_timeout_s is not None:
        pool["pool_timeout"] = pool_timeout_s
    if parsed.get_backend_name() == "sqlite":
        in_memory = not parsed.database or parsed.database == ":memory:"
        if not in_memory:
            Path(parsed.database or "").expanduser().parent.mkdir(parents=True, exist_ok=True)
        engine = create_engine(
            url,
            connect_args={"check_same_thread": False, "timeout": 30},
            **({} if in_memory else pool),
        )
        busy_ms = (
            SQLITE_BUSY_TIMEOUT_MS if lock_timeout_s is None else _milliseconds(lock_timeout_s)
        )
        event.listen(engine, "connect", _sqlite_pragmas(busy_ms))
        return engine
    if parsed.drivername in {"postgresql", "postgres"}:
        url = str(parsed.set(drivername="postgresql+psycopg").render_as_string(hide_password=False))
    connect_args: dict[str, Any] = {}
    if lock_timeout_s is not None:
        connect_args["options"] = f"-c lock_timeout={_milliseconds(lock_timeout_s)}"
    return create_engine(
        url,
        pool_pre_ping=True,
        connect_args=connect_args,
        **{"pool_size": 10, "max_overflow": 10, **pool},
    )


def make_session_factory(engine: Engine) -> sessionmaker[Session]:
    """A session factory whose objects stay readable after commit."""
    return sessionmaker(engine, expire_on_commit=False)
