"""A local web site for the sync and monitoring tests: pages, feeds and failures on loopback."""

from __future__ import annotations

import csv
import hashlib
import html
import os
import signal
import subprocess
import threading
import time
from collections import Counter
from collections.abc import Callable, Iterator
from contextlib import contextmanager, suppress
from dataclasses import dataclass
from email.utils import format_datetime
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from pathlib import Path
from typing import Any
from urllib.parse import parse_qs, urlsplit

from service.config import Settings
from tests.conftest import DATA_DIR, EXAMPLE_ARTICLE
from tests.service.triage_helpers import CLAIMFLAG

FNC_BODIES = DATA_DIR / "fnc1-stance" / "train_bodies.csv"
FNC_STANCES = DATA_DIR / "fnc1-stance" / "train_stances.csv"


@dataclass
class Page:
    """What the site answers at one path; ``delay`` makes it slower than a fetch timeout."""

    body: bytes
    content_type: str = "text/html; charset=utf-8"
    status: int = 200
    delay: float = 0.0
    etag: bool = True
    # Other bodies chosen by one query parameter's value: (parameter, {value: body}).
    variants: tuple[str, dict[str, bytes]] | None = None
    chunked: bool = False  # sent without a Content-Length


class Site:
    """A threaded HTTP server on 127.0.0.1 serving ``pages``, honouring If-None-Match.

    ``hits`` counts full answers (200) per path and ``not_modified`` the 304s, so a test
    can tell what a run really downloaded; ``queries`` keeps each path's query strings.
    """

    def __init__(self) -> None:
        self.pages: dict[str, Page] = {}
        self.redirects: dict[str, str] = {}
        self.hits: Counter[str] = Counter()
        self.not_modified: Counter[str] = Counter()
        self.queries: dict[str, list[dict[str, list[str]]]] = {}
        self.lock = threading.Lock()
        site = self

        class Handler(BaseHTTPRequestHandler):
            def do_GET(self) -> None:
                parts = urlsplit(self.path)
                with site.lock:
                    page = site.pages.get(parts.path)
                    site.queries.setdefault(parts.path, []).append(parse_qs(parts.query))
                    redirect = site.redirects.get(parts.path)
                if redirect is not None:
                    self.send_response(302)
                    self.send_header("location", redirect)
                    self.end_headers()
                    return
                if page is None:
                    self.send_response(404)
                    self.end_headers()
                    return
                if page.variants is not None:
                    name, bodies = page.variants
                    chosen = parse_qs(parts.query).get(name, [""])[0]
                    page = Page(bodies.get(chosen, page.body), page.content_type, page.status)
                if page.chunked:
                    self.send_response(page.status)
                    self.send_header("content-type", page.content_type)
                    self.send_header("connection", "close")
                    self.end_headers()
                    with suppress(BrokenPipeError, ConnectionResetError):
                        self.wfile.write(page.body)
                    self.close_connection = True
                    return
                tag = '"' + hashlib.sha256(page.body).hexdigest()[:16] + '"'
                if page.etag and page.status == 200 and self.headers.get("if-none-match") == tag:
                    with site.lock:
                        site.not_modified[parts.path] += 1
                    self.send_response(304)
                    self.send_header("etag", tag)
                    self.end_headers()
                    return
                with site.lock:
                    site.hits[parts.path] += 1
                # Counted on arrival: a request the client gave up on still counts, once.
                if page.delay:
                    time.sleep(page.delay)
                self.send_response(page.status)
                self.send_header("content-type", page.content_type)
                self.send_header("content-length", str(len(page.body)))
                if page.etag:
                    self.send_header("etag", tag)
                self.end_headers()
                with suppress(BrokenPipeError, ConnectionResetError):
                    self.wfile.write(page.body)

            def log_message(self, *args: Any) -> None:
                pass

        self.server = ThreadingHTTPServer(("127.0.0.1", 0), Handler)
        self.server.daemon_threads = True
        self.base = f"http://127.0.0.1:{self.server.server_address[1]}"
        self.thread = threading.Thread(target=self.server.serve_forever, daemon=True)
        self.thread.start()

    def url(self, path: str) -> str:
        return self.base + path

    def serve(self, path: str, body: bytes | str, **options: Any) -> str:
        """Serve ``body`` at ``path``; returns its URL."""
        data = body.encode("utf-8") if isinstance(body, str) else body
        with self.lock:
            self.pages[path] = Page(data, **options)
        return self.url(path)

    def close(self) -> None:
        self.server.shutdown()
        self.server.server_close()


@contextmanager
def local_site() -> Iterator[Site]:
    site = Site()
    try:
        yield site
    finally:
        site.close()


def fetch_settings(settings: Settings, **changes: Any) -> Settings:
    """``settings`` allowed to fetch from loopback, with short timeouts and backoff."""
    return settings.model_copy(
        update={
            "fetch_allow_private_addresses": True,
            "fetch_timeout_s": 1.0,
            "fetch_attempts": 2,
            "fetch_backoff_s": 0.01,
            "jobs_tick_seconds": 1,
            **changes,
        }
    )


def review_page(title: str, json_ld: str) -> str:
    """A publisher's review page carrying ``json_ld`` in a script block."""
    return (
        f"<!doctype html><html><head><title>{html.escape(title)}</title>"
        f'<script type="application/ld+json">{json_ld}</script></head>'
        f"<body><article><h1>{html.escape(title)}</h1><p>Our verdict.</p></article></body></html>"
    )


def sitemap(urls: list[tuple[str, str]]) -> str:
    """A sitemap listing (url, lastmod) pairs."""
    entries = "".join(f"<url><loc>{u}</loc><lastmod>{m}</lastmod></url>" for u, m in urls)
    return f'<urlset xmlns="http://www.sitemaps.org/schemas/sitemap/0.9">{entries}</urlset>'


def article_page(title: str, text: str, published: str) -> str:
    """A news article page with its text in paragraphs, as an outlet would publish it."""
    paragraphs = "".join(f"<p>{html.escape(p)}</p>" for p in text.split("\n") if p.strip())
    return (
        f"<!doctype html><html><head><title>{html.escape(title)}</title>"
        f'<meta property="article:published_time" content="{published}"></head><body>'
        f"<nav><a href='/'>Home</a> <a href='/news'>News</a></nav><article>"
        f"<h1>{html.escape(title)}</h1>{paragraphs}</article>"
        f"<footer>© The Example Outlet</footer></body></html>"
    )


def rss(title: str, items: list[tuple[str, str, str]]) -> str:
    """An RSS 2.0 feed of (title, link, RFC 822 date) items."""
    entries = "".join(
        f"<item><title>{html.escape(t)}</title><link>{link}</link><guid>{link}</guid>"
        f"<pubDate>{d}</pubDate></item>"
        for t, link, d in items
    )
    return (
        '<?xml version="1.0" encoding="UTF-8"?><rss version="2.0"><channel>'
        f"<title>{html.escape(title)}</title><link>http://outlet.example/</link>"
        f"<description>News</description>{entries}</channel></rss>"
    )


def rfc822(day: int) -> str:
    import datetime as dt

    return format_datetime(dt.datetime(2025, 2, day, 9, 0, tzinfo=dt.UTC))


def example_article() -> tuple[str, str]:
    """The Metro example's headline and text."""
    text = EXAMPLE_ARTICLE.read_text(encoding="utf-8")
    return text.strip().split("\n", 1)[0], text


def fnc_articles(count: int, *, skip: int = 0) -> list[tuple[str, str]]:
    """Real news from FNC-1: (a headline that the body agrees with or discusses, the body)."""
    csv.field_size_limit(10_000_000)
    headlines: dict[str, str] = {}
    with FNC_STANCES.open(encoding="utf-8") as stream:
        for row in csv.DictReader(stream):
            if row["Stance"] in {"agree", "discuss"}:
                headlines.setdefault(row["Body ID"], row["Headline"])
    found: list[tuple[str, str]] = []
    with FNC_BODIES.open(encoding="utf-8") as stream:
        for row in csv.DictReader(stream):
            title = headlines.get(row["Body ID"])
            body = row["articleBody"].strip()
            if title and 400 <= len(body) <= 6000:
                found.append((title, body))
                if len(found) == skip + count:
                    break
    return found[skip:]


# Seconds without a heartbeat after which a worker's jobs are retried (in worker_process).
STALLED_SECONDS = 2


@contextmanager
def worker_process(
    settings: Settings, log_path: Path, *options: str
) -> Iterator[subprocess.Popen[bytes]]:
    """``claimflag worker`` on the settings' database; stopped (SIGTERM) on leaving."""
    environment = {
        **os.environ,
        "HF_HUB_OFFLINE": "1",
        "TRANSFORMERS_OFFLINE": "1",
        "CLAIMFLAG_DATABASE_URL": settings.resolved_database_url,
        "CLAIMFLAG_FETCH_ALLOW_PRIVATE_ADDRESSES": "true",
        "CLAIMFLAG_JOBS_TICK_SECONDS": "1",
        "CLAIMFLAG_JOBS_STALLED_SECONDS": str(STALLED_SECONDS),
        "CLAIMFLAG_LOG_LEVEL": "INFO",
    }
    with log_path.open("wb") as log:
        process = subprocess.Popen(
            [str(CLAIMFLAG), "worker", *options],
            env=environment,
            stdout=log,
            stderr=subprocess.STDOUT,
        )
        try:
            yield process
        finally:
            if process.poll() is None:
                process.send_signal(signal.SIGTERM)
                try:
                    process.wait(timeout=60)
                except subprocess.TimeoutExpired:
                    process.kill()
                    process.wait()


def wait_until(condition: Callable[[], bool], what: str, timeout: float = 300) -> None:
    deadline = time.monotonic() + timeout
    while not condition():
        if time.monotonic() > deadline:
            raise AssertionError(f"timed out waiting for {what}")
        time.sleep(0.2)
