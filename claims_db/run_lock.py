"""Exclusive run locks that die with their process: one live run per source or feed.

PostgreSQL takes a session-level advisory lock on a connection held for the run; SQLite
an ``flock`` on a file beside the database. Either is released by the operating system
or the server when the holder is killed, so a crash never leaves a source locked.
"""

from __future__ import annotations

import fcntl
import hashlib
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path

from sqlalchemy import Engine, func, select


def _key(scope: str) -> tuple[int, int]:
    digest = hashlib.sha256(scope.encode("utf-8")).digest()
    return (
        int.from_bytes(digest[:4], "big", signed=True),
        int.from_bytes(digest[4:8], "big", signed=True),
    )


def lock_directory(engine: Engine) -> Path:
    """Where SQLite lock files live: a folder beside the database file."""
    database = engine.url.database
    if not database or database == ":memory:":
        raise ValueError("run locks need a SQLite file")
    path = Path(database).expanduser()
    return path.with_name(path.name + ".locks")


@contextmanager
def run_lock(engine: Engine, scope: str) -> Iterator[bool]:
    """Try to take the lock named ``scope`` for the block; yields whether it was taken.

    Never waits: a run that finds another live one does nothing.
    """
    if engine.dialect.name == "postgresql":
        high, low = _key(scope)
        with engine.connect() as connection:
            taken = bool(connection.scalar(select(func.pg_try_advisory_lock(high, low))))
            connection.commit()  # the lock is the session's; no transaction stays open
            try:
                yield taken
            finally:
                if taken:
                    connection.scalar(select(func.pg_advisory_unlock(high, low)))
                    connection.commit()
        return
    directory = lock_directory(engine)
    directory.mkdir(parents=True, exist_ok=True)
    name = hashlib.sha256(scope.encode("utf-8")).hexdigest()[:32]
    with (directory / f"{name}.lock").open("a+b") as handle:
        try:
            fcntl.flock(handle.fileno(), fcntl.LOCK_EX | fcntl.LOCK_NB)
        except BlockingIOError:
            yield False
            return
        try:
            yield True
        finally:
            fcntl.flock(handle.fileno(), fcntl.LOCK_UN)
