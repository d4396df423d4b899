"""Webhooks: signed JSON POSTs about queue items, sent after commit with retries and backoff.

Services call ``queue_event`` inside the request's transaction; the events are delivered
only once that transaction commits (and dropped if it rolls back), by a background thread,
so a slow receiver never slows a reviewer down. The queue is bounded: when receivers fall
that far behind, new deliveries are dropped (and logged) rather than growing memory.

Signatures cover a timestamp and the body (``X-Claimflag-Timestamp``, then
``X-Claimflag-Signature: sha256=HMAC(secret, "<timestamp>." + body)``), so a receiver that
refuses old timestamps (``verify``) cannot be sent a captured delivery again. URLs often
carry secrets of their own: logs show only their scheme and host.
"""

from __future__ import annotations

import hashlib
import hmac
import json
import logging
import queue
import threading
import time
from dataclasses import dataclass
from typing import Any
from urllib.parse import urlsplit

import httpx
from sqlalchemy import event
from sqlalchemy.orm import Session, sessionmaker

from claims_db.base import utcnow

logger = logging.getLogger(__name__)

SIGNATURE_HEADER = "X-Claimflag-Signature"
TIMESTAMP_HEADER = "X-Claimflag-Timestamp"
EVENT_HEADER = "X-Claimflag-Event"
DEFAULT_TOLERANCE_S = 300
_PENDING = "claimflag_webhook_events"


def queue_event(session: Session, name: str, data: dict[str, Any]) -> None:
    """Record an event to send once ``session`` commits."""
    session.info.setdefault(_PENDING, []).append({"event": name, "data": data})


def sign(secret: str, body: bytes, timestamp: int) -> str:
    """The signature header value: ``sha256=`` and the hex HMAC-SHA256 of ``<timestamp>.body``."""
    signed = str(timestamp).encode("ascii") + b"." + body
    return "sha256=" + hmac.new(secret.encode("utf-8"), signed, hashlib.sha256).hexdigest()


def verify(
    secret: str,
    body: bytes,
    timestamp: str,
    signature: str,
    *,
    now: float | None = None,
    tolerance_s: int = DEFAULT_TOLERANCE_S,
) -> bool:
    """What a receiver checks: the signature matches and the timestamp is recent."""
    if not timestamp.isdigit() or len(timestamp) > 12:
        return False
    current = time.time() if now is None else now
    if abs(current - int(timestamp)) > tolerance_s:
        return False
    return hmac.compare_digest(sign(secret, body, int(timestamp)), signature)


def redact_url(url: str) -> str:
    """``scheme://host[:port]/…``: paths, queries and credentials of hook URLs hold secrets."""
    try:
        parts = urlsplit(url)
        host = parts.hostname or "?"
        port = f":{parts.port}" if parts.port else ""
    except ValueError:
        return "<unparsable URL>"
    return f"{parts.scheme}://{host}{port}/…"


@dataclass(frozen=True, slots=True)
class _Delivery:
    url: str
    event: str
    body: bytes


class WebhookDispatcher:
    """Delivers events to every configured URL from one background thread.

    Args:
        urls: Receivers of every event.
        secret: HMAC key; without one, bodies are sent unsigned.
        max_attempts: Tries per delivery before it is dropped (logged). Defaults to 5.
        backoff_seconds: Delay before the first retry; doubled after each. Defaults to 1.0.
        timeout_seconds: Per-request timeout. Defaults to 5.0.
        max_queued: Deliveries waiting at most; more are dropped (logged). Defaults to 1000.
    """

    def __init__(
        self,
        urls: list[str],
        secret: str | None,
        *,
        max_attempts: int = 5,
        backoff_seconds: float = 1.0,
        timeout_seconds: float = 5.0,
        max_queued: int = 1000,
    ) -> None:
        self.urls = urls
        self.secret = secret
        self.max_attempts = max_attempts
        self.backoff_seconds = backoff_seconds
        self._client = httpx.Client(timeout=timeout_seconds)
        self._queue: queue.Queue[_Delivery] = queue.Queue(maxsize=max_queued)
        self._stop = threading.Event()
        self.dropped = 0
        self._thread = threading.Thread(target=self._run, name="claimflag-webhooks", daemon=True)
        self._thread.start()

    def attach(self, session_factory: sessionmaker[Session]) -> None:
        """Send the events of every session from ``session_factory`` when it commits."""
        event.listen(session_factory, "after_commit", self._after_commit)
        event.listen(session_factory, "after_soft_rollback", self._after_rollback)

    def _after_commit(self, session: Session) -> None:
        for pending in session.info.pop(_PENDING, []):
            self.send(pending["event"], pending["data"])

    @staticmethod
    def _after_rollback(session: Session, _transaction: Any) -> None:
        session.info.pop(_PENDING, None)

    def send(self, name: str, data: dict[str, Any]) -> None:
        """Queue one event for every URL."""
        body = json.dumps(
            {"event": name, "sent_at": utcnow().isoformat(), "data": data},
            ensure_ascii=False,
            default=str,
        ).encode("utf-8")
        for url in self.urls:
            try:
                self._queue.put_nowait(_Delivery(url, name, body))
            except queue.Full:
                self.dropped += 1
                logger.error(
                    "webhook %s to %s dropped: %d deliveries already waiting (%d dropped so far)",
                    name,
                    redact_url(url),
                    self._queue.maxsize,
                    self.dropped,
                )

    def close(self, timeout: float = 5.0) -> None:
        """Stop after the deliveries already queued (waiting at most ``timeout`` seconds)."""
        self._stop.set()
        self._thread.join(timeout)
        self._client.close()

    def _run(self) -> None:
        while True:
            try:
                delivery = self._queue.get(timeout=0.1)
            except queue.Empty:
                if self._stop.is_set():
                    return
                continue
            self._deliver(delivery)

    def _deliver(self, delivery: _Delivery) -> None:
        headers = {"content-type": "application/json", EVENT_HEADER: delivery.event}
        delay = self.backoff_seconds
        for attempt in range(1, self.max_attempts + 1):
            if self.secret:  # signed afresh for each attempt: its timestamp is the send time
                timestamp = int(time.time())
                headers[TIMESTAMP_HEADER] = str(timestamp)
                headers[SIGNATURE_HEADER] = sign(self.secret, delivery.body, timestamp)
            try:
                response = self._client.post(delivery.url, content=delivery.body, headers=headers)
                if response.status_code < 300:
                    return
                problem = f"HTTP {response.status_code}"
            except httpx.HTTPError as exc:
                problem = type(exc).__name__
            if attempt == self.max_attempts:
                logger.error(
                    "webhook %s to %s dropped after %d attempts (%s)",
                    delivery.event,
                    redact_url(delivery.url),
                    attempt,
                    problem,
                )
                return
            logger.warning(
                "webhook %s to %s failed (%s); retry in %.1fs",
                delivery.event,
                redact_url(delivery.url),
                problem,
                delay,
            )
            time.sleep(delay)
            delay *= 2
