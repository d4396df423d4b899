"""Webhooks reach a real local HTTP server, signed, and are retried after a failure."""

from __future__ import annotations

import hashlib
import hmac
import json
import threading
import time
from collections.abc import Iterator
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from typing import Any

import pytest
from fastapi.testclient import TestClient

from models.pipeline import Pipeline
from service.config import Settings
from service.webhooks import (
    EVENT_HEADER,
    SIGNATURE_HEADER,
    TIMESTAMP_HEADER,
    WebhookDispatcher,
    redact_url,
    sign,
    verify,
)
from tests.service.triage_helpers import app_client

SECRET = "webhook-test-secret"


class Receiver:
    """A local HTTP server that fails its first ``failures`` requests, then records them."""

    def __init__(self, failures: int) -> None:
        self.failures = failures
        self.attempts: list[tuple[dict[str, str], bytes]] = []
        self.accepted: list[tuple[dict[str, str], bytes]] = []
        self.lock = threading.Lock()
        receiver = self

        class Handler(BaseHTTPRequestHandler):
            def do_POST(self) -> None:
                body = self.rfile.read(int(self.headers["content-length"]))
                headers = {k.lower(): v for k, v in self.headers.items()}
                with receiver.lock:
                    receiver.attempts.append((headers, body))
                    failing = len(receiver.attempts) <= receiver.failures
                    if not failing:
                        receiver.accepted.append((headers, body))
                self.send_response(503 if failing else 204)
                self.end_headers()

            def log_message(self, *args: Any) -> None:
                pass

        self.server = ThreadingHTTPServer(("127.0.0.1", 0), Handler)
        self.url = f"http://127.0.0.1:{self.server.server_address[1]}/hook"
        self.thread = threading.Thread(target=self.server.serve_forever, daemon=True)
        self.thread.start()

    def events(self, name: str) -> list[dict[str, Any]]:
        with self.lock:
            return [json.loads(b) for _, b in self.accepted if json.loads(b)["event"] == name]

    def wait_for(self, name: str, count: int, timeout: float = 30) -> list[dict[str, Any]]:
        deadline = time.monotonic() + timeout
        while len(found := self.events(name)) < count and time.monotonic() < deadline:
            time.sleep(0.05)
        return found

    def close(self) -> None:
        self.server.shutdown()
        self.server.server_close()


@pytest.fixture
def receiver() -> Iterator[Receiver]:
    server = Receiver(failures=2)
    yield server
    server.close()


def test_created_and_resolved_events_are_signed_and_retried(
    seeded_settings: Settings, pipeline: Pipeline, receiver: Receiver, example_text: str
) -> None:
    settings = seeded_settings.model_copy(
        update={
            "webhook_urls": receiver.url,
            "webhook_secret": SECRET,
            "webhook_backoff_seconds": 0.05,
        }
    )
    with app_client(settings, pipeline) as (client, _):
        client.post("/v1/analyze", json={"text": example_text})
        queued = client.get("/v1/queue").json()["items"]
        created = receiver.wait_for("queue_item.created", len(queued))
        assert sorted(e["data"]["id"] for e in created) == sorted(i["id"] for i in queued)

        item = queued[0]
        client.post(f"/v1/queue/items/{item['id']}/resolve", json={"resolution": "not_a_match"})
        resolved = receiver.wait_for("queue_item.resolved", 1)
        assert [e["data"]["id"] for e in resolved] == [item["id"]]
        assert resolved[0]["data"]["resolution"] == "not_a_match"

        failed = client.post(
            f"/v1/queue/items/{item['id']}/resolve", json={"resolution": "not_a_match"}
        )
        assert failed.status_code == 409
    assert len(receiver.events("queue_item.resolved")) == 1, "a refused change sends nothing"
    assert len(receiver.attempts) == len(receiver.accepted) + 2, "the two failures were retried"
    first_failed_body = receiver.attempts[0][1]
    assert first_failed_body in [b for _, b in receiver.accepted]
    for headers, body in receiver.accepted:
        timestamp = headers[TIMESTAMP_HEADER.lower()]
        assert abs(time.time() - int(timestamp)) < 60
        signed = timestamp.encode() + b"." + body
        expected = hmac.new(SECRET.encode(), signed, hashlib.sha256).hexdigest()
        assert headers[SIGNATURE_HEADER.lower()] == f"sha256={expected}"
        assert verify(SECRET, body, timestamp, headers[SIGNATURE_HEADER.lower()])
        assert headers[EVENT_HEADER.lower()] == json.loads(body)["event"]


def test_a_replayed_delivery_fails_verification() -> None:
    body = b'{"event": "queue_item.created"}'
    signature = sign(SECRET, body, 1_700_000_000)
    assert verify(SECRET, body, "1700000000", signature, now=1_700_000_100)
    # The same delivery captured and sent again an hour later, or with a new timestamp.
    assert not verify(SECRET, body, "1700000000", signature, now=1_700_003_600)
    assert not verify(SECRET, body, "1700003600", signature, now=1_700_003_600)
    assert not verify(SECRET, body + b" ", "1700000000", signature, now=1_700_000_100)


def test_hook_urls_stay_out_of_the_logs_and_the_queue_is_bounded(
    caplog: pytest.LogCaptureFixture,
) -> None:
    secret_url = "http://127.0.0.1:9/hooks/T0KEN-SECRET?key=abc"  # pragma: allowlist secret
    dispatcher = WebhookDispatcher(
        [secret_url], None, max_attempts=2, backoff_seconds=0.01, max_queued=3
    )
    try:
        for number in range(50):
            dispatcher.send("queue_item.created", {"id": number})
        assert dispatcher.dropped >= 40  # at most 3 wait (and one is being sent)
    finally:
        dispatcher.close(timeout=10)
    assert "dropped" in caplog.text and "http://127.0.0.1:9/…" in caplog.text
    assert "T0KEN-SECRET" not in caplog.text and "key=abc" not in caplog.text
    assert (
        redact_url("https://user:pw@hooks.example:8443/a/b?c=d")  # pragma: allowlist secret
        == "https://hooks.example:8443/…"
    )


def test_no_urls_means_no_dispatcher(client: TestClient) -> None:
    assert client.app.state.runtime.webhooks is None  # type: ignore[attr-defined]
