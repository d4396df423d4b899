"""Security: headers on every response, CORS closed by default, request time limits."""

from __future__ import annotations

from collections.abc import Iterator

import pytest
from fastapi.testclient import TestClient

from models.pipeline import Pipeline
from service.app import create_app
from service.config import Settings
from service.runtime import build_runtime

ORIGIN = "https://newsroom.example"


def _client(settings: Settings, pipeline: Pipeline) -> Iterator[TestClient]:
    runtime = build_runtime(settings, pipeline=pipeline)
    with TestClient(create_app(runtime=runtime)) as client:
        yield client
    runtime.engine.dispose()


@pytest.fixture
def cors_client(seeded_settings: Settings, pipeline: Pipeline) -> Iterator[TestClient]:
    settings = seeded_settings.model_copy(update={"cors_origins": [ORIGIN]})
    yield from _client(settings, pipeline)


@pytest.fixture
def hasty_client(seeded_settings: Settings, pipeline: Pipeline) -> Iterator[TestClient]:
    settings = seeded_settings.model_copy(update={"request_timeout_s": 0.001})
    yield from _client(settings, pipeline)


def _assert_common_headers(headers: object) -> None:
    assert headers["x-content-type-options"] == "nosniff"  # type: ignore[index]
    assert headers["x-frame-options"] == "DENY"  # type: ignore[index]
    assert headers["referrer-policy"] == "no-referrer"  # type: ignore[index]
    assert "frame-ancestors 'none'" in headers["content-security-policy"]  # type: ignore[index]


def test_security_headers_on_every_kind_of_response(client: TestClient) -> None:
    responses = [
        client.get("/healthz"),
        client.get("/v1/factchecks/999999"),  # a problem body from a handler
        client.post(  # a problem body from the body guard, before the app runs
            "/v1/analyze",
            content=b"{}",
            headers={"content-type": "application/json", "content-length": "99999999"},
        ),
        client.get("/openapi.json"),
    ]
    for response in responses:
        _assert_common_headers(response.headers)
        assert response.headers["content-security-policy"].startswith("default-src 'none'")


def test_html_pages_get_a_restrictive_csp(client: TestClient) -> None:
    docs = client.get("/docs")
    assert docs.status_code == 200 and docs.headers["content-type"].startswith("text/html")
    _assert_common_headers(docs.headers)
    policy = docs.headers["content-security-policy"]
    # Swagger UI's bundle comes from jsDelivr; nothing else is allowed to load.
    assert "https://cdn.jsdelivr.net" in policy and "object-src 'none'" in policy
    assert "default-src 'self'" in policy


def test_cors_is_closed_by_default(client: TestClient) -> None:
    simple = client.get("/healthz", headers={"Origin": ORIGIN})
    assert "access-control-allow-origin" not in simple.headers
    preflight = client.options(
        "/v1/analyze",
        headers={"Origin": ORIGIN, "Access-Control-Request-Method": "POST"},
    )
    assert "access-control-allow-origin" not in preflight.headers
    assert preflight.status_code >= 400


def test_cors_allows_only_configured_origins(cors_client: TestClient) -> None:
    allowed = cors_client.options(
        "/v1/analyze",
        headers={"Origin": ORIGIN, "Access-Control-Request-Method": "POST"},
    )
    assert allowed.status_code == 200
    assert allowed.headers["access-control-allow-origin"] == ORIGIN
    other = cors_client.get("/healthz", headers={"Origin": "https://evil.example"})
    assert "access-control-allow-origin" not in other.headers


def test_cors_origins_setting_reads_a_comma_separated_list(
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    monkeypatch.setenv("CLAIMFLAG_CORS_ORIGINS", f"{ORIGIN}, https://desk.example ,")
    settings = Settings(_env_file=None)  # type: ignore[call-arg]
    assert settings.cors_origins == [ORIGIN, "https://desk.example"]
    monkeypatch.delenv("CLAIMFLAG_CORS_ORIGINS")
    assert Settings(_env_file=None).cors_origins == []  # type: ignore[call-arg]


def test_request_over_the_time_limit_is_a_503_problem(
    hasty_client: TestClient, example_text: str
) -> None:
    response = hasty_client.post("/v1/analyze", json={"text": example_text})
    assert response.status_code == 503
    assert response.headers["content-type"].startswith("application/problem+json")
    assert response.json()["code"] == "request_timeout"
    assert response.headers["retry-after"].isdigit()
    _assert_common_headers(response.headers)
