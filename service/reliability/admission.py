"""Admission control: a bound on the analyses running at once, and shedding past it.

Analyses are CPU work: running more of them than there are cores only makes each one
slower (and memory grow), until every request runs out of time. So at most ``limit`` run;
a request finding them all taken waits up to ``wait_s`` for one to end, then is refused at
once with a 503 ``busy`` problem and ``Retry-After``. A slot is held until the work's thread
really ends (not when the client stops waiting), so the bound is on the work itself.
"""

from __future__ import annotations

import asyncio
import collections
import threading
from collections.abc import Callable, Iterable
from typing import TypeVar

from anyio import to_thread
from starlette.requests import Request
from starlette.types import ASGIApp, Message, Receive, Scope, Send

from service.errors import ServiceUnavailableError, problem
from service.reliability.deadline import Deadline, request_deadline

T = TypeVar("T")

# Seconds a refused client should wait before retrying.
BUSY_RETRY_AFTER_S = 1


class BusyError(ServiceUnavailableError):
    code = "busy"
    title = "Busy"


class _Waiter:
    __slots__ = ("future", "granted", "loop")

    def __init__(self, loop: asyncio.AbstractEventLoop) -> None:
        self.loop = loop
        self.future: asyncio.Future[None] = loop.create_future()
        self.granted = False


def _wake(future: asyncio.Future[None]) -> None:
    if not future.done():
        future.set_result(None)


class AdmissionGate:
    """At most ``limit`` analyses in flight; others wait up to ``wait_s``, then get 503.

    Admission happens on the event loop; release may come from any thread. Waiters are
    admitted first come, first served.
    """

    def __init__(self, limit: int, wait_s: float) -> None:
        self.limit = limit
        self.wait_s = wait_s
        self.refused = 0
        self._in_flight = 0
        self._waiters: collections.deque[_Waiter] = collections.deque()
        self._lock = threading.Lock()

    @property
    def in_flight(self) -> int:
        """Analyses admitted and not yet ended."""
        with self._lock:
            return self._in_flight

    def _refusal(self) -> BusyError:
        self.refused += 1
        running = "1 analysis is" if self.limit == 1 else f"{self.limit} analyses are"
        return BusyError(
            f"{running} already running (the server's limit); retry in {BUSY_RETRY_AFTER_S} s",
            headers={"Retry-After": str(BUSY_RETRY_AFTER_S)},
        )

    async def admit(self) -> None:
        """Take a slot, waiting up to ``wait_s``; raise ``BusyError`` if none frees up."""
        with self._lock:
            if self._in_flight < self.limit and not self._waiters:
                self._in_flight += 1
                return
            if self.wait_s <= 0:
                raise self._refusal()
            waiter = _Waiter(asyncio.get_running_loop())
            self._waiters.append(waiter)
        try:
            await asyncio.wait_for(asyncio.shield(waiter.future), self.wait_s)
        except TimeoutError:
            with self._lock:
                if waiter.granted:
                    return
                self._waiters.remove(waiter)
                raise self._refusal() from None
        except BaseException:
            with self._lock:
                if not waiter.granted:
                    self._waiters.remove(waiter)
                    raise
            self.release()  # granted as it was cancelled: hand the slot on
            raise

    def release(self) -> None:
        """End one admitted analysis (from any thread); the next waiter takes its slot."""
        with self._lock:
            while self._waiters:
                waiter = self._waiters.popleft()
                try:
                    waiter.loop.call_soon_threadsafe(_wake, waiter.future)
                except RuntimeError:  # its event loop has closed: nobody is waiting there
                    continue
                waiter.granted = True  # the slot passes on: in-flight stays the same
                return
            self._in_flight -= 1


async def drain(gate: AdmissionGate, limit_s: float, poll_s: float = 0.05) -> bool:
    """Wait up to ``limit_s`` for every admitted analysis to end (at shutdown, before the
    engine closes; one past its deadline stops at its next check). True if all ended."""
    loop = asyncio.get_running_loop()
    give_up = loop.time() + limit_s
    while gate.in_flight and loop.time() < give_up:
        await asyncio.sleep(poll_s)
    return gate.in_flight == 0


class Ticket:
    """One admitted request's slot: handed to its work's thread (which frees it when the
    work ends) or, if the request never got that far, given back once."""

    def __init__(self, gate: AdmissionGate) -> None:
        self.gate = gate
        self._lock = threading.Lock()
        self._state = "held"

    def start(self) -> bool:
        """Claim the slot for the work starting now; False if it was given back."""
        with self._lock:
            if self._state != "held":
                return False
            self._state = "working"
            return True

    def finish(self) -> None:
        """The work ended (in its thread): free the slot."""
        with self._lock:
            self._state = "done"
        self.gate.release()

    def give_back(self) -> None:
        """Free the slot unless a work thread has it (then that thread frees it)."""
        with self._lock:
            if self._state != "held":
                return
            self._state = "returned"
        self.gate.release()


TICKET_KEY = "admission_ticket"


def admission_gate(request: Request) -> AdmissionGate | None:
    gate = getattr(request.app.state, "admission", None)
    return gate if isinstance(gate, AdmissionGate) else None


async def run_admitted(request: Request, work: Callable[[Deadline], T]) -> T:
    """Run ``work(deadline)`` on a worker thread, in the slot ``AdmissionMiddleware`` took
    for the request (or one taken now: 503 ``busy`` if none frees up).

    The thread owns everything the work opens; the slot is freed when the work ends there.
    """
    deadline = request_deadline(request)
    ticket = request.scope.get("state", {}).get(TICKET_KEY)
    if not isinstance(ticket, Ticket):
        gate = admission_gate(request)
        if gate is None:
            return await to_thread.run_sync(work, deadline)
        await gate.admit()
        ticket = Ticket(gate)
    admitted = ticket

    def owned() -> T:
        if not admitted.start():
            raise RuntimeError("the request was abandoned before its work started")
        try:
            return work(deadline)
        finally:
            admitted.finish()

    try:
        return await to_thread.run_sync(owned)
    finally:
        admitted.give_back()  # a no-op once the thread started


class AdmissionMiddleware:
    """Admit requests to the model routes before anything else is done with them.

    The body is received first (a slow upload holds no slot), then a slot is taken (or the
    request refused with 503 ``busy`` at once, without parsing, validating or
    authenticating it: refusals stay cheap when thousands come), and the request goes on
    with its slot in ``TICKET_KEY`` of its state, for ``run_admitted`` to hand to its work.
    """

    def __init__(self, app: ASGIApp, gate: AdmissionGate, paths: Iterable[str]) -> None:
        self.app = app
        self.gate = gate
        self.paths = frozenset(paths)

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        if scope["type"] != "http" or scope["method"] != "POST" or scope["path"] not in self.paths:
            await self.app(scope, receive, send)
            return
        messages: list[Message] = []
        while True:
            message = await receive()
            if message["type"] != "http.request":
                return  # the client went away before sending it all
            messages.append(message)
            if not message.get("more_body", False):
                break
        try:
            await self.gate.admit()
        except BusyError as refusal:
            response = problem(
                refusal.status_code,
                refusal.title,
                refusal.detail,
                refusal.code,
                headers=refusal.headers,
            )
            await response(scope, receive, send)
            return
        ticket = Ticket(self.gate)
        scope.setdefault("state", {})[TICKET_KEY] = ticket

        async def replay() -> Message:
            if messages:
                return messages.pop(0)
            return await receive()

        try:
            await self.app(scope, replay, send)
        finally:
            ticket.give_back()
