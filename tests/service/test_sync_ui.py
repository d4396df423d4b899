"""The admin page for sources and feeds: add, list, run now, runs and articles, admins only."""

from __future__ import annotations

from models.pipeline import Pipeline
from service.auth.schemas import Role
from service.config import Settings
from tests.service.triage_helpers import app_client, bearer, make_keys, required, ui_post


def test_admins_add_sources_and_feeds_and_ask_for_runs(
    database_url: str, pipeline: Pipeline
) -> None:
    settings = Settings(database_url=database_url, _env_file=None)  # type: ignore[call-arg]
    with app_client(settings, pipeline) as (client, _):
        added = ui_post(
            client,
            "/ui/sources",
            data={"name": "factdesk", "kind": "sitemap", "target": "https://f.example/sitemap.xml"},
        )
        assert added.status_code == 200 and "Source factdesk added" in added.text
        ui_post(client, "/ui/sources", data={"name": "g", "kind": "google", "target": "vaccines"})
        refused = ui_post(
            client, "/ui/sources", data={"name": "x", "kind": "sitemap", "target": "no"}
        )
        assert "Source not added: url" in refused.text
        added = ui_post(
            client,
            "/ui/feeds",
            data={"name": "Example Outlet", "url": "https://o.example/rss", "every": 5},
        )
        assert "Feed Example Outlet added" in added.text
        page = client.get("/ui/sources").text
        for shown in ("factdesk", "https://f.example/sitemap.xml", "vaccines", "Example Outlet"):
            assert shown in page
        [source] = [s for s in client.get("/v1/sources").json() if s["name"] == "factdesk"]
        ran = ui_post(client, f"/ui/sources/{source['id']}/run")
        assert "will run at the next tick" in ran.text
        assert "No runs yet" in client.get(f"/ui/sources/{source['id']}").text
        [feed] = client.get("/v1/feeds").json()
        assert "No articles yet" in client.get(f"/ui/feeds/{feed['id']}").text
        assert "Feed removed." in ui_post(client, f"/ui/feeds/{feed['id']}/delete").text
        assert client.get("/v1/feeds").json() == []


def test_sources_are_for_admins_only(database_url: str, pipeline: Pipeline) -> None:
    settings = required(Settings(database_url=database_url, _env_file=None))  # type: ignore[call-arg]
    tokens = make_keys(settings, (Role.REVIEWER, "rita"), (Role.ADMIN, "ada"))
    with app_client(settings, pipeline) as (client, _):
        assert client.get("/v1/sources", headers=bearer(tokens["rita"])).status_code == 403
        assert client.get("/v1/feeds", headers=bearer(tokens["rita"])).status_code == 403
        assert client.get("/v1/jobs", headers=bearer(tokens["ada"])).status_code == 200
        ui_post(client, "/ui/login", data={"key": tokens["rita"]})
        assert client.get("/ui/sources").status_code == 403
