"""POST /v1/stance: the contract, the learned model's answers, limits, auth and errors."""

from __future__ import annotations

import json
from collections.abc import Iterator

import pytest
from fastapi.testclient import TestClient
from httpx import Response

from models.pipeline import Pipeline
from service.auth.schemas import Role
from service.config import Settings
from tests.service.triage_helpers import app_client, bearer, make_keys, required

CLAIM = "Scots living in abortion buffer zones were warned not to pray in their own homes."
DEBUNKING = (
    "Keir Starmer flew to Paris for talks on Ukraine on Monday. "
    "It comes after a false claim that Scots were warned not to pray in their own home if "
    "they live in an abortion buffer zone went viral. "
    "The Scottish Government said no such warning was ever sent."
)


def _problem(response: Response, status: int, code: str | None = None) -> dict[str, object]:
    assert response.status_code == status, response.text
    assert response.headers["content-type"].startswith("application/problem+json")
    body: dict[str, object] = response.json()
    assert {"type", "title", "status", "detail"} <= set(body)
    assert body["status"] == status
    if code is not None:
        assert body["code"] == code
    return body


def _stance(client: TestClient, text: str, claim: str) -> dict[str, object]:
    response = client.post("/v1/stance", json={"text": text, "claim": claim})
    assert response.status_code == 200, response.text
    body: dict[str, object] = response.json()
    return body


def test_response_contract(client: TestClient) -> None:
    body = _stance(client, DEBUNKING, CLAIM)
    assert set(body) == {"stance", "confidence", "probabilities", "evidence", "model"}
    assert body["model"] == "learned"
    probabilities = body["probabilities"]
    assert isinstance(probabilities, dict)
    assert set(probabilities) == {"asserts", "reports", "debunks", "unrelated"}
    assert sum(probabilities.values()) == pytest.approx(1.0, abs=1e-3)
    assert body["confidence"] == max(probabilities.values())
    assert probabilities[str(body["stance"])] == body["confidence"]
    evidence = body["evidence"]
    assert isinstance(evidence, dict) and set(evidence) == {"start", "end", "sentence"}
    assert DEBUNKING[evidence["start"] : evidence["end"]] == evidence["sentence"]


def test_a_debunking_text_debunks_with_the_debunking_sentence_as_evidence(
    client: TestClient,
) -> None:
    body = _stance(client, DEBUNKING, CLAIM)
    assert body["stance"] == "debunks"
    evidence = body["evidence"]
    assert isinstance(evidence, dict)
    assert "Paris" not in str(evidence["sentence"])


def test_a_text_about_something_else_is_unrelated(client: TestClient) -> None:
    text = (
        "Arsenal beat Chelsea 3-1 at the Emirates on Saturday. Bukayo Saka scored twice "
        "before half-time and the visitors never recovered."
    )
    body = _stance(client, text, CLAIM)
    assert body["stance"] == "unrelated"


def test_offsets_refer_to_the_text_as_sent(client: TestClient) -> None:
    text = "\n\n  Headline about prayer\n\n" + DEBUNKING + "\n"
    body = _stance(client, text, CLAIM)
    evidence = body["evidence"]
    assert isinstance(evidence, dict)
    assert text[evidence["start"] : evidence["end"]] == evidence["sentence"]


def test_empty_text_or_claim_is_422(client: TestClient) -> None:
    for text, claim, field in [
        ("", CLAIM, "text"),
        ("  \n ", CLAIM, "text"),
        (DEBUNKING, " ", "claim"),
    ]:
        body = _problem(client.post("/v1/stance", json={"text": text, "claim": claim}), 422)
        assert field in str(body["detail"]) and "empty" in str(body["detail"])


def test_over_long_text_or_claim_is_413(client: TestClient) -> None:
    body = _problem(
        client.post("/v1/stance", json={"text": "a" * 200_001, "claim": CLAIM}),
        413,
        "payload_too_large",
    )
    assert "200,000" in str(body["detail"])
    body = _problem(
        client.post("/v1/stance", json={"text": DEBUNKING, "claim": "b" * 2_001}),
        413,
        "payload_too_large",
    )
    assert "claim" in str(body["detail"]) and "2,000" in str(body["detail"])


def test_wrong_types_missing_fields_and_malformed_json(client: TestClient) -> None:
    _problem(client.post("/v1/stance", json={"text": 42, "claim": CLAIM}), 422, "validation_error")
    _problem(
        client.post("/v1/stance", json={"text": DEBUNKING, "claim": ["a"]}), 422, "validation_error"
    )
    missing = _problem(client.post("/v1/stance", json={"text": DEBUNKING}), 422)
    assert "claim" in str(missing["detail"])
    _problem(client.post("/v1/stance", json=["not", "an", "object"]), 422)
    _problem(
        client.post(
            "/v1/stance",
            content=b'{"text": "unterminated',
            headers={"content-type": "application/json"},
        ),
        400,
        "invalid_json",
    )
    nul = _problem(
        client.post("/v1/stance", json={"text": "Prices rose.\u0000", "claim": CLAIM}), 422
    )
    assert "NUL" in str(nul["detail"])


def test_documented_in_openapi(client: TestClient) -> None:
    schema = client.get("/openapi.json").json()
    assert "/v1/stance" in schema["paths"]
    assert json.dumps(schema["components"]["schemas"]["StanceResponse"])


@pytest.fixture
def keyed(
    seeded_settings: Settings, pipeline: Pipeline
) -> Iterator[tuple[TestClient, dict[str, str]]]:
    settings = required(seeded_settings, rate_limit_per_minute=2)
    tokens = make_keys(settings, (Role.SUBMITTER, "sam"), (Role.SUBMITTER, "sue"))
    with app_client(settings, pipeline) as (client, _):
        yield client, tokens


def test_needs_a_submitter_key_and_is_rate_limited(
    keyed: tuple[TestClient, dict[str, str]],
) -> None:
    client, tokens = keyed
    pair = {"text": DEBUNKING, "claim": CLAIM}
    refused = _problem(client.post("/v1/stance", json=pair), 401, "unauthorized")
    assert refused["title"]
    sam = bearer(tokens["sam"])
    assert [client.post("/v1/stance", json=pair, headers=sam).status_code for _ in range(2)] == [
        200,
        200,
    ]
    limited = _problem(client.post("/v1/stance", json=pair, headers=sam), 429, "rate_limited")
    assert limited["detail"]
    assert client.post("/v1/stance", json=pair, headers=bearer(tokens["sue"])).status_code == 200
