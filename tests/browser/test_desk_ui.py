"""The desk in headless Chromium: the article view, bulk decisions with undo, the help
overlay and the offline API docs, against a real `claimflag serve`."""

from __future__ import annotations

from collections.abc import Iterator
from pathlib import Path

import pytest

from service.auth.schemas import Role
from service.config import Settings
from tests.browser.test_triage_ui import ARTIFACTS, CHROMIUM, CHROMIUM_ARGS
from tests.service.triage_helpers import make_keys, served

playwright_sync = pytest.importorskip("playwright.sync_api")
pytestmark = [
    pytest.mark.slow,
    pytest.mark.skipif(not Path(CHROMIUM).exists(), reason="Debian's chromium is not installed"),
]

PRAY = "pray in their own home"


@pytest.fixture
def server(seeded_settings: Settings, tmp_path: Path) -> Iterator[tuple[str, str]]:
    """A served seeded database with auth required; yields its URL and a reviewer's key."""
    tokens = make_keys(seeded_settings, (Role.REVIEWER, "rita"))
    with served(seeded_settings, tmp_path / "server.log") as url:
        yield url, tokens["rita"]


def test_article_view_bulk_undo_and_help(server: tuple[str, str], example_text: str) -> None:
    url, key = server
    ARTIFACTS.mkdir(exist_ok=True)
    with playwright_sync.sync_playwright() as playwright:
        browser = playwright.chromium.launch(
            executable_path=CHROMIUM, headless=True, args=CHROMIUM_ARGS
        )
        page = browser.new_page(viewport={"width": 1280, "height": 1000})
        # Nothing may be fetched from anywhere but the service (/docs needs no CDN).
        elsewhere: list[str] = []
        page.on(
            "request",
            lambda request: None if request.url.startswith(url) else elsewhere.append(request.url),
        )
        page.set_default_timeout(60_000)
        errors: list[str] = []
        page.on("pageerror", lambda error: errors.append(str(error)))

        page.goto(f"{url}/ui/")
        page.wait_for_url(f"{url}/ui/login*")
        page.fill("#key", key)
        page.click("#sign-in")
        page.wait_for_url(f"{url}/ui/queue")
        assert page.locator("#sign-out").count() == 1

        page.goto(f"{url}/ui/analyze")
        page.fill("#text", example_text)
        page.fill("#published_at", "2025-02-18")
        page.click("#analyze")
        page.locator("ul.claims li.flagged").first.wait_for()
        assert "published 2025-02-18" in page.inner_text("main")

        # The article view: the flagged claim in place, linked to its queue item.
        page.goto(f"{url}/ui/articles")
        page.click("a.article-link")
        page.wait_for_url(f"{url}/ui/articles/*")
        flagged = page.locator("#article-text mark.tier-confirmed, #article-text mark.tier-likely")
        assert PRAY in flagged.first.inner_text()
        row = page.locator("#claims tr", has_text=PRAY)
        assert row.locator(".stance-debunks").count() == 1
        page.screenshot(path=str(ARTIFACTS / "desk-1-article.png"), full_page=True)
        row.locator("a.item-link").click()
        page.wait_for_url(f"{url}/ui/items/*")
        assert PRAY in page.inner_text("#claim-mark")

        # Search across articles, claims and fact-checks, from the `/` shortcut.
        page.goto(f"{url}/ui/articles")
        page.keyboard.press("/")
        page.keyboard.type("pray")
        page.keyboard.press("Enter")
        page.wait_for_url(f"{url}/ui/articles?q=pray")
        assert "The Ferret" in page.inner_text("#factcheck-hits")
        assert page.locator("#claim-hits li").count() >= 1

        # The help overlay lists the shortcuts.
        page.goto(f"{url}/ui/queue")
        page.keyboard.press("?")
        assert page.locator("#help-overlay").is_visible()
        assert "confirm the top match" in page.inner_text("#help-overlay")
        page.keyboard.press("Escape")
        assert not page.locator("#help-overlay").is_visible()

        # Bulk: tick two items, resolve them at once, then undo.
        open_before = int(page.text_content("#count-open") or "0")
        assert open_before >= 2
        assert page.locator("#bulk-reject").is_disabled()
        picks = page.locator("input.pick")
        page.keyboard.press("a")  # select every row, then untick all but two
        assert page.text_content("#picked-count") == str(picks.count())
        for index in range(2, picks.count()):
            picks.nth(index).uncheck()
        assert page.text_content("#picked-count") == "2"
        page.click("#bulk-not-worthy")
        page.wait_for_url(lambda address: "message=bulk_done" in address)
        assert "2 items resolved: Not check-worthy" in page.inner_text(".flash.ok")
        assert page.text_content("#count-resolved") == "2"
        page.screenshot(path=str(ARTIFACTS / "desk-2-bulk.png"), full_page=True)
        page.keyboard.press("u")
        page.wait_for_url(lambda address: "message=bulk_undone" in address)
        assert "2 items reopened" in page.inner_text(".flash.ok")
        assert page.text_content("#count-resolved") == "0"
        assert int(page.text_content("#count-open") or "0") == open_before

        # The fact-check browser: a reviewer reads the history but cannot edit.
        page.goto(f"{url}/ui/factchecks?q=pray")
        page.click("a.factcheck-link")
        page.wait_for_url(f"{url}/ui/factchecks/*")
        assert page.locator("#history").count() == 1 and page.locator("#correct").count() == 0

        # /docs renders from the service's own files alone.
        page.goto(f"{url}/docs")
        page.locator(".swagger-ui .opblock").first.wait_for()
        assert "/v1/analyze" in page.inner_text(".swagger-ui")
        page.screenshot(path=str(ARTIFACTS / "desk-3-docs.png"))
        assert not errors, errors
        assert not elsewhere, elsewhere
        browser.close()
