"""The articles a monitored feed lists: RSS/Atom through feedparser, or a (news) sitemap."""

from __future__ import annotations

import calendar
import datetime as dt
import hashlib
from typing import Any
from urllib.parse import urljoin, urlsplit

import feedparser

from claims_db.importers.sitemaps import is_sitemap, read_sitemap
from claims_db.sync_models import FeedKind
from claims_db.sync_repository import NewEntry
from service.reliability.text import plain_text, storable_text


class FeedFormatError(ValueError):
    """The document is neither an RSS/Atom feed nor a sitemap with entries."""


def entry_key(identity: str) -> str:
    """An entry's key within its feed: the SHA-256 of its id (or link)."""
    return hashlib.sha256(identity.strip().encode("utf-8")).hexdigest()


def _http_url(base: str, link: Any) -> str | None:
    if not isinstance(link, str) or not link.strip():
        return None
    url = urljoin(base, link.strip())
    if storable_text(url) != url or any(c.isspace() for c in url):
        return None  # a control character or white space inside: not a link to fetch
    parts = urlsplit(url)
    return url if parts.scheme in {"http", "https"} and parts.hostname else None


def _title(value: Any) -> str | None:
    """A title as stored: control characters (a NUL included) as spaces, trimmed."""
    if not isinstance(value, str):
        return None
    return plain_text(value)[:1000] or None


def _moment(entry: Any) -> dt.datetime | None:
    parsed = entry.get("published_parsed") or entry.get("updated_parsed")
    if parsed is None:
        return None
    return dt.datetime.fromtimestamp(calendar.timegm(parsed), tz=dt.UTC)


def _rss_entries(content: bytes, feed_url: str) -> list[NewEntry]:
    parsed = feedparser.parse(content)  # bytes: parsed as they are, nothing is fetched
    if not parsed.entries:
        problem = parsed.get("bozo_exception")
        reason = f" ({str(problem)[:120]})" if problem else ""
        raise FeedFormatError(f"no entries: not an RSS or Atom feed{reason}")
    entries = []
    for entry in parsed.entries:
        url = _http_url(feed_url, entry.get("link"))
        if url is None:
            continue
        identity = entry.get("id") or url
        entries.append(
            NewEntry(
                key=entry_key(str(identity)),
                url=url,
                title=_title(entry.get("title")),
                published_at=_moment(entry),
            )
        )
    return entries


def _sitemap_entries(content: bytes, feed_url: str) -> list[NewEntry]:
    sitemap = read_sitemap(content)
    entries = []
    for page in sitemap.pages:
        url = _http_url(feed_url, page.url)
        if url is not None:
            entries.append(
                NewEntry(
                    key=entry_key(url),
                    url=url,
                    title=_title(page.title),
                    published_at=page.published,
                )
            )
    return entries


def read_entries(content: bytes, feed_url: str, kind: FeedKind) -> list[NewEntry]:
    """The feed's entries with an http(s) link, newest first where dates say so.

    Raises:
        FeedFormatError: The document has no entries in the expected format.
    """
    use_sitemap = kind is FeedKind.SITEMAP or (kind is FeedKind.AUTO and is_sitemap(content))
    try:
        entries = (
            _sitemap_entries(content, feed_url) if use_sitemap else _rss_entries(content, feed_url)
        )
    except ValueError as error:
        raise FeedFormatError(str(error)) from error
    oldest = dt.datetime.min.replace(tzinfo=dt.UTC)
    # Stable: undated entries keep the feed's own order (newest first, by convention).
    return sorted(entries, key=lambda e: e.published_at or oldest, reverse=True)
