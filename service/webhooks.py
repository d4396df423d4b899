"""Webhooks: signed JSON POSTs about queue items, sent after commit with retries and backoff.

Services call ``queue_event`` inside the request's transaction; the events are delivered
only once that transaction commits (and dropped if it rolls back), by a background thread,
so a slow receiver never slows a reviewer down.
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

import httpx
from sqlalchemy import event
from sqlalchemy.orm import Session, sessionmaker

from claims_db.base import utcnow

logger = logging.getLogger(__name__)

SIGNATURE_HEADER = "X-Claimflag-Signature"
EVENT_HEADER = "X-Claimflag-Event"
_PENDING = "claimflag_webhook_events"


def queue_event(session: Session, name: str, data: dict[str, Any]) -> None:
    """Record an event to send once ``session`` commits."""
    session.info.setdefault(_PENDING, []).append({"event": name, "data": data})


def sign(secret: str, body: bytes) -> str:
    """The signature header value: ``sha256=`` and the hex HMAC-SHA256 of ``body``."""
    return "sha256=" + hmac.new(secret.encode("utf-8"), body, hashlib.sha256).hexdigest()


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
    """

    def __init__(
        self,
        urls: list[str],
        secret: str | None,
        *,
        max_attempts: int = 5,
        backoff_seconds: float = 1.0,
        timeout_seconds: float = 5.0,
    ) -> None:
        self.urls = urls
        self.secret = secret
        self.max_attempts = max_attempts
        self.backoff_seconds = backoff_seconds
        self._client = httpx.Client(timeout=timeout_seconds)
        self._queue: queue.Queue[_Delivery | None] = queue.Queue()
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
            self._queue.put(_Delivery(url, name, body))

    def close(self, timeout: float = 5.0) -> None:
        """Stop after the deliveries already queued (waiting at most ``timeout`` seconds)."""
        self._queue.put(None)
        self._thread.join(timeout)
        self._client.close()

    def _run(self) -> None:
        while True:
            delivery = self._queue.get()
            if delivery is None:
                return
            self._deliver(delivery)

    def _deliver(self, delivery: _Delivery) -> None:
        headers = {"content-type": "application/json", EVENT_HEADER: delivery.event}
        if self.secret:
            headers[SIGNATURE_HEADER] = sign(self.secret, delivery.body)
        delay = self.backoff_seconds
        for attempt in range(1, self.max_attempts + 1):
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
                    delivery.url,
                    attempt,
                    problem,
                )
                return
            logger.warning(
                "webhook %s to %s failed (%s); retry in %.1fs",
                delivery.event,
                delivery.url,
                problem,
                delay,
            )
            time.sleep(delay)
            delay *= 2
