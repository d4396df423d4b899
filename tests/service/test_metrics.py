"""GET /metrics: Prometheus counters per route and gauges of what the service holds."""

from __future__ import annotations

import re

from fastapi.testclient import TestClient

from models.pipeline import Pipeline
from service.auth.schemas import Role
from service.config import Settings
from tests.service.triage_helpers import app_client, bearer, make_keys, required


def _samples(text: str) -> dict[str, float]:
    """``name{labels}`` -> value of every sample in a Prometheus text exposition."""
    samples = {}
    for line in text.splitlines():
        if line and not line.startswith("#"):
            name, value = line.rsplit(" ", 1)
            samples[name] = float(value)
    return samples


def _requests(samples: dict[str, float], handler: str, method: str, status: str) -> float:
    key = (
        f'claimflag_http_requests_total{{handler="{handler}",method="{method}",status="{status}"}}'
    )
    return samples.get(key, 0.0)


def test_metrics_count_requests_per_route_and_read_the_service_s_state(
    client: TestClient, example_text: str
) -> None:
    assert client.post("/v1/analyze", json={"text": example_text}).status_code == 200
    assert client.post("/v1/analyze", json={"text": ""}).status_code == 422
    assert client.get("/v1/factchecks/1").status_code == 200
    assert client.get("/v1/factchecks/2").status_code == 200
    client.get("/no/such/page")
    client.get("/healthz")

    response = client.get("/metrics")
    assert response.status_code == 200
    assert response.headers["content-type"].startswith("text/plain")
    samples = _samples(response.text)
    assert _requests(samples, "/v1/analyze", "POST", "2xx") == 1
    assert _requests(samples, "/v1/analyze", "POST", "4xx") == 1
    # Counted by route template, not by path: two ids, one series.
    assert _requests(samples, "/v1/factchecks/{fact_check_id}", "GET", "2xx") == 2
    # Unmatched paths and probes add no series.
    assert not any("/no/such/page" in name or "/healthz" in name for name in samples)
    assert (
        samples[
            'claimflag_http_request_duration_seconds_count{handler="/v1/analyze",method="POST"}'
        ]
        == 2
    )

    assert samples["claimflag_ready"] == 1
    assert samples["claimflag_factchecks_indexed"] == 41  # the curated seed
    assert samples["claimflag_write_failing"] == 0
    assert samples["claimflag_analyses_in_flight"] == 0
    open_items = {
        re.search(r'kind="(\w+)"', name).group(1): value  # type: ignore[union-attr]
        for name, value in samples.items()
        if name.startswith("claimflag_queue_items") and 'status="open"' in name
    }
    queued = client.get("/v1/queue", params={"status": "open", "limit": 500}).json()["items"]
    assert open_items and sum(open_items.values()) == len(queued)
    assert open_items.get("suggested_verdict", 0) >= 1  # the "pray at home" suggestion


def test_metrics_need_a_key_when_keys_are_required(
    seeded_settings: Settings, pipeline: Pipeline
) -> None:
    tokens = make_keys(seeded_settings, (Role.SUBMITTER, "prometheus"))
    with app_client(required(seeded_settings), pipeline) as (client, _):
        assert client.get("/metrics").status_code == 401
        scraped = client.get("/metrics", headers=bearer(tokens["prometheus"]))
        assert scraped.status_code == 200 and "claimflag_ready 1.0" in scraped.text


def test_metrics_can_be_turned_off(seeded_settings: Settings, pipeline: Pipeline) -> None:
    off = seeded_settings.model_copy(update={"metrics": False})
    with app_client(off, pipeline) as (client, _):
        assert client.get("/metrics").status_code == 404
        assert "/metrics" not in client.get("/openapi.json").json()["paths"]
