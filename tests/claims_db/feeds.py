"""Helpers for the importer tests: the fixture feeds and reading them into lists."""

from __future__ import annotations

from pathlib import Path

from claims_db.importers.feeds import FeedFormat, read_feed
from claims_db.importers.records import ImportItem, Rejected, Skipped
from claims_db.repository import FactCheckInput

FEEDS = Path(__file__).resolve().parent.parent / "fixtures" / "feeds"

CSV_COLUMNS = {
    "claim": "statement",
    "claimant": "speaker",
    "rating": "label",
    "url": "link",
    "publisher": "outlet",
    "review_date": "published",
}


def read(
    name: str, feed_format: FeedFormat = FeedFormat.AUTO, columns: dict[str, str] | None = None
) -> list[ImportItem]:
    with (FEEDS / name).open("rb") as stream:
        return list(read_feed(stream, feed_format, columns=columns, source="test"))


def accepted(items: list[ImportItem]) -> list[FactCheckInput]:
    return [item for item in items if isinstance(item, FactCheckInput)]


def rejected(items: list[ImportItem]) -> list[Rejected]:
    return [item for item in items if isinstance(item, Rejected)]


def skipped(items: list[ImportItem]) -> list[Skipped]:
    return [item for item in items if isinstance(item, Skipped)]
