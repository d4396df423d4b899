"""API keys and roles: 401 without a key, 403 for the wrong role, hashed at rest, revocable."""

from __future__ import annotations

import logging
from collections.abc import Iterator
from pathlib import Path

import pytest
from fastapi.testclient import TestClient
from sqlalchemy import select
from typer.testing import CliRunner

from claims_db.db import make_engine, make_session_factory
from claims_db.migrate import upgrade
from claims_db.triage_models import ApiKey, AuditEntry
from models.pipeline import Pipeline
from service.auth.schemas import Role
from service.auth.service import check_auth_mode
from service.cli import app as cli
from service.config import AuthMode, Settings, get_settings
from tests.service.triage_helpers import app_client, bearer, make_keys, required, ui_post

runner = CliRunner()
ARTICLE = "The minister said unemployment fell to 3% last year, the lowest rate on record."


@pytest.fixture
def keyed(
    seeded_settings: Settings, pipeline: Pipeline
) -> Iterator[tuple[TestClient, dict[str, str]]]:
    tokens = make_keys(
        seeded_settings,
        (Role.SUBMITTER, "sam"),
        (Role.REVIEWER, "rita"),
        (Role.ADMIN, "ada"),
    )
    with app_client(required(seeded_settings), pipeline) as (client, _):
        yield client, tokens


def test_no_key_or_a_bad_key_is_401(keyed: tuple[TestClient, dict[str, str]]) -> None:
    client, tokens = keyed
    for method, path in [
        ("post", "/v1/analyze"),
        ("get", "/v1/queue"),
        ("post", "/v1/queue/next"),
        ("get", "/v1/articles/1"),
        ("get", "/v1/keys"),
    ]:
        response = client.request(method, path, json={"text": ARTICLE})
        assert response.status_code == 401, path
        assert response.headers["www-authenticate"] == "Bearer"
        assert response.json()["code"] == "unauthorized"
    wrong = tokens["ada"][:-4] + "AAAA"
    for token in [wrong, "cf_nope_nope", "not-a-key", ""]:
        assert client.get("/v1/keys", headers=bearer(token)).status_code == 401
    assert client.get("/v1/keys", headers={"X-API-Key": tokens["ada"]}).status_code == 200
    assert client.get("/healthz").status_code == 200


def test_each_role_gets_what_it_may(keyed: tuple[TestClient, dict[str, str]]) -> None:
    client, tokens = keyed
    sam, rita, ada = bearer(tokens["sam"]), bearer(tokens["rita"]), bearer(tokens["ada"])
    analysed = client.post("/v1/analyze", json={"text": ARTICLE}, headers=sam)
    assert analysed.status_code == 200
    article_id = analysed.json()["article"]["id"]
    assert client.get(f"/v1/articles/{article_id}", headers=sam).status_code == 200
    denied = client.get("/v1/queue", headers=sam)
    assert denied.status_code == 403 and denied.json()["code"] == "forbidden"
    assert client.post("/v1/queue/next", headers=sam).status_code == 403
    assert client.post("/v1/queue/items/1/resolve", headers=sam, json={}).status_code == 403
    assert client.get("/v1/queue", headers=rita).status_code == 200
    assert client.post("/v1/analyze", json={"text": ARTICLE}, headers=rita).status_code == 200
    assert client.get("/v1/keys", headers=rita).status_code == 403
    assert (
        client.post("/v1/keys", headers=sam, json={"name": "x", "role": "admin"}).status_code == 403
    )
    assert client.get("/v1/keys", headers=ada).status_code == 200
    assert client.get("/v1/queue", headers=ada).status_code == 200


def test_keys_are_shown_once_hashed_at_rest_and_revocable(
    keyed: tuple[TestClient, dict[str, str]], seeded_settings: Settings
) -> None:
    client, tokens = keyed
    ada = bearer(tokens["ada"])
    created = client.post("/v1/keys", headers=ada, json={"name": "newbie", "role": "reviewer"})
    assert created.status_code == 201
    body = created.json()
    token = body["token"]
    assert token.startswith(f"cf_{body['prefix']}_") and len(token) > 40
    assert client.get("/v1/queue", headers=bearer(token)).status_code == 200
    listed = client.get("/v1/keys", headers=ada).json()
    assert {k["name"] for k in listed} == {"sam", "rita", "ada", "newbie"}
    assert all("token" not in k for k in listed)
    assert token not in client.get("/v1/keys", headers=ada).text

    revoked = client.delete(f"/v1/keys/{body['id']}", headers=ada)
    assert revoked.status_code == 200 and revoked.json()["revoked_at"]
    assert client.get("/v1/queue", headers=bearer(token)).status_code == 401

    engine = make_engine(seeded_settings.resolved_database_url)
    with make_session_factory(engine)() as session:
        rows = session.scalars(select(ApiKey)).all()
        trail = session.scalars(
            select(AuditEntry).where(AuditEntry.action.like("key.%")).order_by(AuditEntry.id)
        ).all()
    engine.dispose()
    assert [(e.actor, e.action, e.after["name"]) for e in trail if e.after][-2:] == [
        ("ada", "key.create", "newbie"),
        ("ada", "key.revoke", "newbie"),
    ]
    assert all(token not in str(e.after) for e in trail)
    stored = [(r.prefix, r.key_hash, r.name, r.role) for r in rows]
    assert all(token not in value for row in stored for value in row)
    assert all(len(r.key_hash) == 64 for r in rows)
    assert client.delete("/v1/keys/999999", headers=ada).status_code == 404
    invalid = client.post("/v1/keys", headers=ada, json={"name": "x", "role": "owner"})
    assert invalid.status_code == 422


def test_ui_sign_in_sets_a_strict_http_only_cookie(
    keyed: tuple[TestClient, dict[str, str]],
) -> None:
    client, tokens = keyed
    assert (
        client.get("/ui/queue", follow_redirects=False).headers["location"].startswith("/ui/login")
    )
    bad = ui_post(client, "/ui/login", data={"key": "cf_bad_key"}, follow_redirects=False)
    assert bad.status_code == 401
    good = ui_post(client, "/ui/login", data={"key": tokens["rita"]}, follow_redirects=False)
    assert good.status_code == 303
    cookie = good.headers["set-cookie"].lower()
    assert "httponly" in cookie and "samesite=strict" in cookie
    assert client.get("/ui/queue").status_code == 200
    client.cookies.clear()
    ui_post(client, "/ui/login", data={"key": tokens["sam"]})
    assert client.get("/ui/queue").status_code == 403
    assert client.get("/ui/analyze").status_code == 200


def test_auth_off_only_on_loopback(caplog: pytest.LogCaptureFixture) -> None:
    for host in ["0.0.0.0", "192.168.1.10", "example.org"]:
        with pytest.raises(RuntimeError, match="loopback"):
            check_auth_mode(Settings(host=host, auth=AuthMode.OFF, _env_file=None))
    check_auth_mode(Settings(host="0.0.0.0", auth=AuthMode.REQUIRED, _env_file=None))
    with caplog.at_level(logging.WARNING):
        for host in ["127.0.0.1", "::1", "localhost"]:
            check_auth_mode(Settings(host=host, auth=AuthMode.OFF, _env_file=None))
    assert "authentication is OFF" in caplog.text


@pytest.fixture
def cli_database(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> Iterator[Path]:
    database = tmp_path / "keys.db"
    upgrade(f"sqlite:///{database}")
    monkeypatch.setenv("CLAIMFLAG_DATABASE_PATH", str(database))
    get_settings.cache_clear()
    yield database
    get_settings.cache_clear()


def test_keys_cli(cli_database: Path) -> None:
    created = runner.invoke(cli, ["keys", "create", "--role", "reviewer", "--name", "alice"])
    assert created.exit_code == 0, created.output
    token = created.output.strip().splitlines()[-1]
    assert token.startswith("cf_")
    listed = runner.invoke(cli, ["keys", "list"], env={"COLUMNS": "200"})
    assert "alice" in listed.output and "reviewer" in listed.output
    assert token not in listed.output
    assert runner.invoke(cli, ["keys", "revoke", "1"]).exit_code == 0
    assert "revoked" in runner.invoke(cli, ["keys", "revoke", "1"]).output
    assert runner.invoke(cli, ["keys", "revoke", "99"]).exit_code != 0
    assert runner.invoke(cli, ["keys", "create", "--role", "boss", "--name", "x"]).exit_code != 0


def test_serve_refuses_auth_off_on_a_public_address(cli_database: Path) -> None:
    result = runner.invoke(cli, ["serve", "--host", "0.0.0.0"], env={"CLAIMFLAG_AUTH": "off"})
    assert result.exit_code != 0
    assert "loopback" in result.output


def test_the_ui_cookie_is_an_opaque_session_that_sign_out_ends(
    keyed: tuple[TestClient, dict[str, str]],
) -> None:
    client, tokens = keyed
    signed_in = ui_post(client, "/ui/login", data={"key": tokens["rita"]}, follow_redirects=False)
    cookie = client.cookies["claimflag_session"]
    assert tokens["rita"] not in signed_in.headers["set-cookie"]
    assert tokens["rita"].split("_", 2)[2] not in cookie
    assert client.get("/ui/queue").status_code == 200
    # The cookie is not an API key, and sign-out ends it even where it was copied to.
    assert client.get("/v1/queue", headers=bearer(cookie)).status_code == 401
    ui_post(client, "/ui/logout", follow_redirects=False)
    copied = TestClient(client.app, cookies={"claimflag_session": cookie})
    assert copied.get("/ui/queue", follow_redirects=False).status_code == 303


def test_a_revoked_key_ends_its_ui_sessions(keyed: tuple[TestClient, dict[str, str]]) -> None:
    client, tokens = keyed
    ui_post(client, "/ui/login", data={"key": tokens["rita"]})
    assert client.get("/ui/queue").status_code == 200
    keys = client.get("/v1/keys", headers=bearer(tokens["ada"])).json()
    rita = next(k for k in keys if k["name"] == "rita")
    client.delete(f"/v1/keys/{rita['id']}", headers=bearer(tokens["ada"]))
    assert client.get("/ui/queue", follow_redirects=False).status_code == 303


def test_sign_in_attempts_are_rate_limited(seeded_settings: Settings, pipeline: Pipeline) -> None:
    settings = required(seeded_settings, login_attempts_per_minute=3)
    with app_client(settings, pipeline) as (client, _):
        codes = [
            ui_post(client, "/ui/login", data={"key": f"cf_x_{n}"}).status_code for n in range(4)
        ]
        assert codes == [401, 401, 401, 429]
        assert "Too many sign-in attempts" in ui_post(client, "/ui/login", data={"key": "k"}).text


def test_behind_tls_cookies_are_secure_and_hsts_is_sent(
    keyed: tuple[TestClient, dict[str, str]],
) -> None:
    client, tokens = keyed
    # What uvicorn makes of a request a trusted proxy forwarded with X-Forwarded-Proto: https.
    tls = TestClient(client.app, base_url="https://testserver")
    signed_in = ui_post(tls, "/ui/login", data={"key": tokens["rita"]}, follow_redirects=False)
    assert "secure" in signed_in.headers["set-cookie"].lower()
    assert tls.get("/healthz").headers["strict-transport-security"].startswith("max-age=")
    assert "strict-transport-security" not in client.get("/healthz").headers


def test_private_responses_are_not_stored(keyed: tuple[TestClient, dict[str, str]]) -> None:
    client, tokens = keyed
    ui_post(client, "/ui/login", data={"key": tokens["rita"]})
    assert client.get("/ui/queue").headers["cache-control"] == "no-store"
    assert client.get("/v1/queue", headers=bearer(tokens["rita"])).headers["cache-control"] == (
        "no-store"
    )
    assert "no-store" not in client.get("/ui/static/app.css").headers.get("cache-control", "")


def test_submitters_read_only_their_own_articles(
    seeded_settings: Settings, pipeline: Pipeline
) -> None:
    tokens = make_keys(
        seeded_settings, (Role.SUBMITTER, "sam"), (Role.SUBMITTER, "sam"), (Role.REVIEWER, "rita")
    )
    other = make_keys(seeded_settings, (Role.SUBMITTER, "sam"))["sam"]  # same name, new key
    with app_client(required(seeded_settings), pipeline) as (client, _):
        sent = client.post(
            "/v1/analyze", json={"text": "Prices rose 5% last year."}, headers=bearer(tokens["sam"])
        ).json()
        article = f"/v1/articles/{sent['article']['id']}"
        assert client.get(article, headers=bearer(tokens["sam"])).status_code == 200
        assert client.get(article, headers=bearer(other)).status_code == 404
        assert client.get(article, headers=bearer(tokens["rita"])).status_code == 200
