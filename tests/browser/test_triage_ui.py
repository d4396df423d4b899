"""A reviewer works the queue in headless Chromium against a real `claimflag serve`."""

from __future__ import annotations

import shutil
from collections.abc import Iterator
from pathlib import Path

import pytest

from service.auth.schemas import Role
from service.config import Settings
from tests.conftest import REPO_ROOT
from tests.service.triage_helpers import make_keys, served

CHROMIUM = shutil.which("chromium") or "/usr/bin/chromium"
ARTIFACTS = REPO_ROOT / "test-artifacts"
CHROMIUM_ARGS = [
    "--no-sandbox",
    "--headless",
    "--disable-gpu",
    "--disable-background-networking",
    "--disable-component-update",
    "--no-first-run",
    "--disable-sync",
    "--disable-dev-shm-usage",
]

playwright_sync = pytest.importorskip("playwright.sync_api")
pytestmark = [
    pytest.mark.slow,
    pytest.mark.skipif(not Path(CHROMIUM).exists(), reason="Debian's chromium is not installed"),
]


@pytest.fixture
def server(seeded_settings: Settings, tmp_path: Path) -> Iterator[tuple[str, str]]:
    """A served seeded database with auth required; yields its URL and a reviewer's key."""
    tokens = make_keys(seeded_settings, (Role.REVIEWER, "alice"))
    with served(seeded_settings, tmp_path / "server.log") as url:
        yield url, tokens["alice"]


def test_reviewer_confirms_the_pray_at_home_match(
    server: tuple[str, str], example_text: str
) -> None:
    url, key = server
    ARTIFACTS.mkdir(exist_ok=True)
    with playwright_sync.sync_playwright() as playwright:
        browser = playwright.chromium.launch(
            executable_path=CHROMIUM, headless=True, args=CHROMIUM_ARGS
        )
        page = browser.new_page(viewport={"width": 1280, "height": 1000})
        page.set_default_timeout(60_000)

        page.goto(f"{url}/ui/queue")
        assert page.url.startswith(f"{url}/ui/login"), "the queue needs a signed-in reviewer"
        page.fill("#key", key)
        page.click("#sign-in")
        page.wait_for_url(f"{url}/ui/queue")
        assert page.text_content("#count-open") == "0"

        page.goto(f"{url}/ui/analyze")
        page.fill("#text", example_text)
        page.click("#analyze")
        flagged = page.locator("ul.claims li.flagged")
        flagged.first.wait_for()
        assert flagged.count() == 1
        assert "pray in their own home" in flagged.inner_text()
        assert page.locator(".article mark.flagged").count() == 1
        page.screenshot(path=str(ARTIFACTS / "triage-1-analyze.png"), full_page=True)

        page.goto(f"{url}/ui/queue")
        open_before = int(page.text_content("#count-open") or "0")
        assert open_before >= 1
        assert page.text_content("#count-resolved") == "0"
        page.click("a.claim-link:has-text('pray in their own home')")
        page.wait_for_url(f"{url}/ui/items/*")
        assert "pray in their own home" in page.inner_text("#claim-mark")
        top = page.locator(".candidate").first
        assert "The Ferret" in top.inner_text()
        assert top.locator(".badge.verdict-false").count() == 1
        assert "similarity" in top.inner_text()
        page.screenshot(path=str(ARTIFACTS / "triage-2-item.png"), full_page=True)

        page.keyboard.press("c")  # the confirm-top-match shortcut
        # Auto-advance (on by default): the next item opens, or the queue when none is left.
        page.wait_for_url(lambda address: "message=resolved" in address)
        assert "resolved: Confirmed match" in page.inner_text(".flash.ok")
        page.goto(f"{url}/ui/queue")
        assert int(page.text_content("#count-open") or "0") <= open_before - 1
        assert page.text_content("#count-resolved") == "1"
        page.screenshot(path=str(ARTIFACTS / "triage-3-queue-after-confirm.png"), full_page=True)

        page.goto(f"{url}/ui/queue?status=resolved")
        row = page.locator("tr[data-item]")
        assert row.count() == 1 and "confirmed match" in row.inner_text()
        browser.close()
