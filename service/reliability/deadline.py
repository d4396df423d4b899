"""A request's time limit, checked by the thread doing its work (never enforced from outside).

The time-out middleware gives every request a ``Deadline``; the work checks it between
stages and right before it commits. Past it, the work raises ``RequestTimeoutError`` in
its own thread, which rolls back and closes its own session. The middleware answers the
client at the limit but never cancels the work, so no session or transaction is ever
touched by two threads, and a request whose commit had begun gets its real answer.
"""

from __future__ import annotations

import enum
import threading
import time
from collections.abc import Callable

from starlette.requests import HTTPConnection

from service.errors import ServiceUnavailableError

# Seconds a client should wait before retrying a request that ran out of time.
TIMEOUT_RETRY_AFTER_S = 5


def timed_out_detail(seconds: float) -> str:
    """What a client is told when its request ran past ``seconds``: a busy server may
    answer a retry, a text too long for the limit never will."""
    return (
        f"the request took longer than the {seconds:g} s limit and was stopped; nothing was"
        " stored. Retry later, or send a long text in parts"
    )


class RequestTimeoutError(ServiceUnavailableError):
    code = "request_timeout"
    title = "Request timed out"


class _State(enum.Enum):
    RUNNING = "running"
    COMMITTING = "committing"
    EXPIRED = "expired"


class Deadline:
    """When a request's work must stop, on the monotonic clock; None: never.

    Whichever comes first wins, atomically: the work starting to commit (the request's
    answer is then the work's own) or the deadline being declared passed (the work may no
    longer commit and stops at its next check).
    """

    def __init__(
        self, seconds: float | None, *, clock: Callable[[], float] = time.monotonic
    ) -> None:
        self.seconds = seconds
        self._clock = clock
        self._at = None if seconds is None else clock() + seconds
        self._state = _State.RUNNING
        self._lock = threading.Lock()

    def remaining(self) -> float | None:
        """Seconds left (0 when past); None without a limit."""
        return None if self._at is None else max(0.0, self._at - self._clock())

    @property
    def expired(self) -> bool:
        """Whether the work must stop (declared passed, or past the time on the clock)."""
        with self._lock:
            return self._passed()

    @property
    def committing(self) -> bool:
        return self._state is _State.COMMITTING

    def _passed(self) -> bool:
        if self._state is _State.EXPIRED:
            return True
        if self._state is _State.RUNNING and self._at is not None and self._clock() >= self._at:
            self._state = _State.EXPIRED
            return True
        return False

    def _error(self, stage: str) -> RequestTimeoutError:
        seconds = self.seconds if self.seconds is not None else 0.0
        return RequestTimeoutError(
            f"{timed_out_detail(seconds)} (stopped before {stage})",
            headers={"Retry-After": str(TIMEOUT_RETRY_AFTER_S)},
        )

    def check(self, stage: str) -> None:
        """Raise ``RequestTimeoutError`` if the work must stop; call between stages.

        Once committing began the work is never stopped.
        """
        with self._lock:
            if self._passed():
                raise self._error(stage)

    def begin_commit(self) -> None:
        """Claim the right to commit, or raise ``RequestTimeoutError`` if it is too late."""
        with self._lock:
            if self._passed():
                raise self._error("commit")
            self._state = _State.COMMITTING

    def expire(self) -> bool:
        """Declare the deadline passed (the HTTP side, at the limit).

        Returns:
            False if the work had begun to commit: its outcome is then the request's answer.
        """
        with self._lock:
            if self._state is _State.COMMITTING:
                return False
            self._state = _State.EXPIRED
            return True


DEADLINE_KEY = "deadline"


def request_deadline(connection: HTTPConnection) -> Deadline:
    """The deadline the time-out middleware gave this request (none for exempt paths)."""
    deadline = connection.scope.get("state", {}).get(DEADLINE_KEY)
    return deadline if isinstance(deadline, Deadline) else Deadline(None)
