"""Whether the service can write: the last write failure, and the disk space left."""

from __future__ import annotations

import shutil
import threading
import time
from collections.abc import Callable
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from sqlalchemy import event
from sqlalchemy.orm import Session, sessionmaker

# A write failure keeps /readyz at 503 this long unless a write succeeds meanwhile: long
# enough for a probe to see it, short enough that traffic (which the 503 may divert) is
# not needed to find out that writes work again.
WRITE_FAILURE_WINDOW_S = 30.0


@dataclass(frozen=True, slots=True)
class WriteFailure:
    code: str
    detail: str
    at: float


class WriteHealth:
    """The last write failure (disk full, locked) until a later commit that wrote."""

    def __init__(self, clock: Callable[[], float] = time.monotonic) -> None:
        self._clock = clock
        self._lock = threading.Lock()
        self._failure: WriteFailure | None = None

    def failed(self, code: str, detail: str) -> None:
        with self._lock:
            self._failure = WriteFailure(code, detail, self._clock())

    def succeeded(self) -> None:
        with self._lock:
            self._failure = None

    def recent_failure(self) -> WriteFailure | None:
        """The last failure if no write succeeded since and it is at most
        ``WRITE_FAILURE_WINDOW_S`` old."""
        with self._lock:
            failure = self._failure
        if failure is None or self._clock() - failure.at > WRITE_FAILURE_WINDOW_S:
            return None
        return failure

    def age_s(self, failure: WriteFailure) -> float:
        return self._clock() - failure.at

    def watch(self, session_factory: sessionmaker[Session]) -> None:
        """Count a commit of the factory's sessions that wrote anything as a success."""

        def wrote(session: Session, _context: Any) -> None:
            session.info["claimflag_wrote"] = True

        def committed(session: Session) -> None:
            if session.info.pop("claimflag_wrote", False):
                self.succeeded()

        def rolled_back(session: Session) -> None:
            session.info.pop("claimflag_wrote", None)

        event.listen(session_factory, "after_flush", wrote)
        event.listen(session_factory, "after_commit", committed)
        event.listen(session_factory, "after_soft_rollback", lambda s, _t: rolled_back(s))


def free_disk_mb(path: Path) -> float | None:
    """Megabytes free on the file system holding ``path`` (its nearest existing parent)."""
    for candidate in (path, *path.parents):
        if candidate.exists():
            return shutil.disk_usage(candidate).free / (1024 * 1024)
    return None
