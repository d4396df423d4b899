"""Security: headers on every response, CORS closed by default, request time limits."""

from __future__ import annotations

import json
import logging
from collections.abc import Iterator

import pytest
from fastapi.testclient import TestClient

from models.pipeline import Pipeline
from service.app import create_app
from service.auth.schemas import Role
from service.config import Settings
from service.reliability.ratelimit import TokenBucketLimiter
from service.runtime import build_runtime
from tests.claims_db.feeds import FEEDS
from tests.service.triage_helpers import (
    app_client,
    bearer,
    csrf_token,
    make_keys,
    required,
    ui_post,
)

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
    assert headers["referrer-policy"] == "same-origin"  # type: ignore[index]
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
    # Swagger UI's bundle is served by the service itself: nothing else may load.
    assert "https:" not in policy and "object-src 'none'" in policy
    assert "script-src 'self';" in policy
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


def test_ui_pages_get_security_headers(client: TestClient) -> None:
    for path in ("/ui/login", "/ui/static/app.js"):
        response = client.get(path)
        assert response.status_code == 200, path
        _assert_common_headers(response.headers)
    policy = client.get("/ui/login").headers["content-security-policy"]
    assert "script-src 'self'" in policy and "unsafe-inline" not in policy.split("style-src")[0]
    assert "form-action 'self'" in policy and "base-uri 'none'" in policy


def test_token_bucket_refills_at_the_configured_rate() -> None:
    now = [0.0]
    limiter = TokenBucketLimiter(60, clock=lambda: now[0])  # one a second, burst of 60
    assert all(limiter.acquire("a") is None for _ in range(60))
    wait = limiter.acquire("a")
    assert wait is not None and 0.9 < wait <= 1.0
    assert limiter.acquire("b") is None  # keys have their own buckets
    now[0] += 1.0
    assert limiter.acquire("a") is None
    assert limiter.acquire("a") is not None
    now[0] += 3600.0
    limiter.acquire("c")  # a sweep forgets buckets idle long enough to be full again
    assert len(limiter) == 1


@pytest.fixture
def limited(
    seeded_settings: Settings, pipeline: Pipeline
) -> Iterator[tuple[TestClient, dict[str, str]]]:
    settings = required(seeded_settings, rate_limit_per_minute=3)
    tokens = make_keys(settings, (Role.REVIEWER, "desk"), (Role.REVIEWER, "night desk"))
    with app_client(settings, pipeline) as (client, _):
        yield client, tokens


def test_rate_limit_per_key_gives_429_with_retry_after(
    limited: tuple[TestClient, dict[str, str]],
) -> None:
    client, tokens = limited
    desk = bearer(tokens["desk"])
    assert [client.get("/v1/queue", headers=desk).status_code for _ in range(3)] == [200] * 3
    refused = client.get("/v1/queue", headers=desk)
    assert refused.status_code == 429
    assert refused.headers["content-type"].startswith("application/problem+json")
    assert refused.json()["code"] == "rate_limited"
    assert 1 <= int(refused.headers["retry-after"]) <= 20
    # Another key is not held back by the first one's spending.
    assert client.get("/v1/queue", headers=bearer(tokens["night desk"])).status_code == 200
    # Requests without a valid key are refused by authentication, not counted.
    assert client.get("/v1/queue").status_code == 401


def test_api_keys_never_reach_the_logs(
    seeded_settings: Settings, pipeline: Pipeline, caplog: pytest.LogCaptureFixture
) -> None:
    caplog.set_level(logging.DEBUG)
    settings = required(seeded_settings)
    tokens = make_keys(settings, (Role.ADMIN, "editor"))
    token = tokens["editor"]
    secret = token.split("_", 2)[2]  # the random part (it may itself hold "_")
    forged = token[:-4] + ("AAAA" if not token.endswith("AAAA") else "BBBB")
    with app_client(settings, pipeline) as (client, _):
        assert client.get("/v1/queue", headers=bearer(token)).status_code == 200
        assert client.get("/v1/queue", headers={"X-API-Key": token}).status_code == 200
        created = client.post(
            "/v1/keys", headers=bearer(token), json={"name": "intern", "role": "submitter"}
        )
        assert created.status_code in (200, 201), created.text
        new_token = created.json()["token"]
        rejected = client.get("/v1/queue", headers=bearer(forged))
        assert rejected.status_code == 401 and forged not in rejected.text
        client.post("/v1/analyze", headers=bearer(new_token), json={"text": "Prices rose 5%."})
    logged = caplog.text
    assert "API key" in logged  # key creation is logged, by id and name only
    for value in (token, secret, forged, new_token, new_token.split("_", 2)[2]):
        assert value not in logged


# --- cross-site protection with auth off (the local default) ----------------------------

FEED = (FEEDS / "datafeed.json").read_bytes()


def _count(client: TestClient) -> int:
    return len(client.get("/v1/factchecks", params={"limit": 200}).json()["items"])


def test_a_foreign_host_is_refused_before_anything_runs(client: TestClient) -> None:
    # DNS rebinding: attacker.example resolves to 127.0.0.1, the browser sends its name.
    rebound = {"Host": "attacker.example"}
    refused = client.post("/v1/keys", json={"name": "x", "role": "admin"}, headers=rebound)
    assert refused.status_code == 400
    assert refused.headers["content-type"].startswith("application/problem+json")
    assert refused.json()["code"] == "host_not_allowed"
    _assert_common_headers(refused.headers)
    assert client.get("/healthz", headers=rebound).status_code == 400
    assert client.get("/v1/keys").json() == []
    for host in ("localhost:8000", "127.0.0.1", "[::1]:8000", "testserver"):
        assert client.get("/healthz", headers={"Host": host}).status_code == 200, host


def test_a_cross_site_text_plain_import_is_refused(client: TestClient) -> None:
    before = _count(client)
    # What a form or fetch(no-cors) on another site can send without a preflight.
    from_page = client.post(
        "/v1/factchecks/import",
        content=FEED,
        headers={
            "content-type": "text/plain",
            "origin": "https://evil.example",
            "sec-fetch-site": "cross-site",
        },
    )
    assert from_page.status_code == 403 and from_page.json()["code"] == "cross_site_refused"
    same_site = client.post(  # another port on localhost is same-site, not same-origin
        "/v1/factchecks/import",
        content=FEED,
        headers={"content-type": "application/json", "origin": "http://localhost:9999"},
    )
    assert same_site.status_code == 403
    no_origin = client.post(
        "/v1/factchecks/import", content=FEED, headers={"content-type": "text/plain"}
    )
    assert no_origin.status_code == 415 and no_origin.json()["code"] == "unsupported_media_type"
    assert _count(client) == before
    own = client.post(
        "/v1/factchecks/import",
        content=FEED,
        headers={"content-type": "application/ld+json", "origin": "http://testserver"},
    )
    assert own.status_code == 200 and _count(client) == before + 3


def test_a_null_origin_is_refused_unless_the_browser_vouches_for_the_same_origin(
    client: TestClient,
) -> None:
    # Sandboxed frames and privacy redirects send `Origin: null`; so does a browser posting
    # the UI's own form under a strict referrer policy, and then it says `same-origin`.
    sandboxed = client.post("/v1/queue/next", headers={"origin": "null"})
    assert sandboxed.status_code == 403 and sandboxed.json()["code"] == "cross_site_refused"
    pretending = client.post(
        "/v1/queue/next", headers={"origin": "null", "sec-fetch-site": "same-site"}
    )
    assert pretending.status_code == 403
    own_form = client.post(
        "/v1/queue/next", headers={"origin": "null", "sec-fetch-site": "same-origin"}
    )
    assert own_form.status_code in (200, 204)


def test_json_endpoints_refuse_other_content_types(client: TestClient) -> None:
    for media in ("text/plain", "application/x-www-form-urlencoded", "multipart/form-data"):
        response = client.post(
            "/v1/analyze", content=b'{"text": "Prices rose."}', headers={"content-type": media}
        )
        assert response.status_code == 415, media
    assert client.post("/v1/queue/next").status_code != 415  # no body, nothing to type


def test_allowed_origins_may_write(seeded_settings: Settings, pipeline: Pipeline) -> None:
    settings = seeded_settings.model_copy(
        update={"allowed_origins": [ORIGIN], "allowed_hosts": ["claims.example"]}
    )
    for client in _client(settings, pipeline):
        headers = {"origin": ORIGIN, "host": "claims.example"}
        assert client.post("/v1/queue/next", headers=headers).status_code in (200, 204)
        other = {"origin": "https://evil.example", "host": "claims.example"}
        assert client.post("/v1/queue/next", headers=other).status_code == 403
        # Behind a TLS proxy the service sees http; the browser's https origin is its own.
        proxied = {"origin": "https://claims.example", "host": "claims.example"}
        assert client.post("/v1/queue/next", headers=proxied).status_code in (200, 204)
        assert client.get("/healthz", headers={"host": "localhost"}).status_code == 400


def test_allowed_hosts_setting(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("CLAIMFLAG_ALLOWED_HOSTS", "claims.example, 10.0.0.5")
    monkeypatch.setenv("CLAIMFLAG_HOST", "192.168.1.4")
    settings = Settings(_env_file=None)  # type: ignore[call-arg]
    assert settings.resolved_allowed_hosts == {"claims.example", "10.0.0.5", "192.168.1.4"}
    monkeypatch.delenv("CLAIMFLAG_ALLOWED_HOSTS")
    monkeypatch.setenv("CLAIMFLAG_HOST", "0.0.0.0")
    assert Settings(_env_file=None).resolved_allowed_hosts == {  # type: ignore[call-arg]
        "localhost",
        "127.0.0.1",
        "::1",
        "testserver",
    }


def test_ui_forms_need_their_token(client: TestClient) -> None:
    missing = client.post("/ui/next", follow_redirects=False)
    assert missing.status_code == 403 and missing.json()["code"] == "csrf_token_invalid"
    csrf_token(client)
    wrong = client.post("/ui/next", data={"csrf_token": "x" * 43}, follow_redirects=False)
    assert wrong.status_code == 403
    login = client.post("/ui/login", data={"key": "cf_a_b"}, follow_redirects=False)
    assert login.status_code == 403
    page = client.get("/ui/queue").text
    assert f'name="csrf_token" value="{client.cookies["claimflag_csrf"]}"' in page
    assert ui_post(client, "/ui/next", follow_redirects=False).status_code == 303


def test_a_browser_refused_on_a_ui_page_reads_a_page_and_the_api_keeps_json(
    client: TestClient,
) -> None:
    browser = {"Accept": "text/html,application/xhtml+xml,*/*;q=0.8"}
    refused = client.post("/ui/next", headers=browser, follow_redirects=False)
    assert refused.status_code == 403
    assert refused.headers["content-type"].startswith("text/html")
    assert 'id="problem"' in refused.text and "token" in refused.text
    # The detail is text, never markup.
    hostile = client.post("/ui/next", headers={**browser, "Host": "<b>evil</b>.example"})
    assert hostile.status_code == 400 and "<b>" not in hostile.text
    assert "&lt;b&gt;" in hostile.text
    api = client.post("/v1/analyze", headers={**browser, "Host": "evil.example"}, json={})
    assert api.headers["content-type"].startswith("application/problem+json")


def test_ui_pages_spend_the_same_rate_limit(limited: tuple[TestClient, dict[str, str]]) -> None:
    client, tokens = limited
    desk = bearer(tokens["desk"])
    assert client.get("/v1/queue", headers=desk).status_code == 200
    pages = [client.get("/ui/queue", headers=desk).status_code for _ in range(3)]
    assert pages == [200, 200, 429]
    assert client.get("/ui/analyze", headers=desk).status_code == 429
    assert client.get("/ui/queue", headers=bearer(tokens["night desk"])).status_code == 200


def test_oversized_html_is_refused_before_extraction(client: TestClient) -> None:
    paragraph = "<p>The council said the bridge would reopen next month after repairs.</p>"
    page = "<html><body><article>" + paragraph * 40_000 + "</article></body></html>"
    assert 2 * 1024 * 1024 < len(page) < 4 * 1024 * 1024  # under the body limit
    refused = client.post("/v1/analyze", json={"html": page})
    assert refused.status_code == 413 and refused.json()["code"] == "payload_too_large"
    assert "CLAIMFLAG_MAX_HTML_BYTES" in refused.json()["detail"]
    # Counted in UTF-8 bytes: 550,000 four-byte characters are 2.2 MB.
    astral = "<html><body><p>" + "\U0001f600" * 550_000 + "</p></body></html>"
    body = json.dumps({"html": astral}, ensure_ascii=False).encode()
    wide = client.post("/v1/analyze", content=body, headers={"content-type": "application/json"})
    assert wide.status_code == 413 and "CLAIMFLAG_MAX_HTML_BYTES" in wide.json()["detail"]
    small = "<html><body><article>" + paragraph * 20 + "</article></body></html>"
    assert client.post("/v1/analyze", json={"html": small, "store": False}).status_code == 200


def test_a_link_cannot_put_its_own_text_in_the_banner(client: TestClient) -> None:
    phishing = "Your key expired: paste it at https://evil.example"
    for page in ("/ui/queue", "/ui/sources", "/ui/items/1"):
        shown = client.get(page, params={"message": phishing, "error": phishing}).text
        assert phishing not in shown and "evil.example" not in shown, page
    known = client.get("/ui/queue", params={"message": "resolved", "item": 7, "resolution": "x"})
    assert "resolved:" not in known.text  # an unknown resolution fills nothing
    resolved = client.get(
        "/ui/queue", params={"message": "resolved", "item": 7, "resolution": "not_a_match"}
    )
    assert "Item #7 resolved: Not a match." in resolved.text
