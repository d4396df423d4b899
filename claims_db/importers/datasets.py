"""Loaders for the curated seed shipped with the package and the public datasets in shared/data."""

from __future__ import annotations

import datetime as dt
import json
import logging
from collections.abc import Iterator
from importlib import resources
from pathlib import Path
from typing import Any
from urllib.parse import urlparse

from claims_db.repository import FactCheckInput

logger = logging.getLogger(__name__)

_DATE_FORMATS = ("%Y-%m-%d", "%d %B %Y", "%B %d, %Y", "%b %d, %Y", "%d %b %Y", "%Y/%m/%d")


def parse_loose_date(value: Any) -> dt.date | None:
    """Parse the date formats the datasets use ("9 October 2020", "August 30, 2024", ISO)."""
    if not value or not isinstance(value, str):
        return None
    text = value.strip()
    try:
        return dt.datetime.fromisoformat(text.replace("Z", "+00:00")).date()
    except ValueError:
        pass
    for fmt in _DATE_FORMATS:
        try:
            return dt.datetime.strptime(text, fmt).date()
        except ValueError:
            continue
    return None


def site_of(url: str) -> str | None:
    """The host of a URL without a leading ``www.``."""
    host = urlparse(url).hostname
    return host.removeprefix("www.") if host else None


def _jsonl(path: Path) -> Iterator[dict[str, Any]]:
    with path.open(encoding="utf-8") as handle:
        for line in handle:
            if line.strip():
                yield json.loads(line)


def curated_seed() -> Iterator[FactCheckInput]:
    """The 41 curated 2025 fact-checks shipped with the package (facts only)."""
    text = resources.files("claims_db").joinpath("data/curated_seed.jsonl").read_text("utf-8")
    for line in text.splitlines():
        if not line.strip():
            continue
        record = json.loads(line)
        yield FactCheckInput(
            claim=record["claim"],
            rating=record["rating"],
            publisher=record["publisher"],
            url=record["url"],
            claimant=record.get("claimant"),
            publisher_site=record.get("publisher_site") or site_of(record["url"]),
            review_date=parse_loose_date(record.get("review_date")),
            language=record.get("language") or "en",
            source="curated-2025",
        )


def snopes_2020(data_dir: Path) -> Iterator[FactCheckInput]:
    """Snopes fact-checks, 2015–2020 (``factchecks/snopes-2020``)."""
    for record in _jsonl(data_dir / "factchecks/snopes-2020/snopes_factchecks.jsonl"):
        claim = (record.get("statement") or record.get("title") or "").strip()
        if not claim or not record.get("url"):
            continue
        yield FactCheckInput(
            claim=claim,
            rating=(record.get("evaluation") or "").replace("-", " ").strip() or "unrated",
            publisher="Snopes",
            url=record["url"],
            claimant=record.get("post_author") or None,
            publisher_site="snopes.com",
            review_date=parse_loose_date(record.get("date_posted")),
            source="snopes-2020",
        )


def politifact_2021_2024(data_dir: Path) -> Iterator[FactCheckInput]:
    """PolitiFact fact-checks with their URLs (``factchecks/politifact-2021-2024``)."""
    path = data_dir / "factchecks/politifact-2021-2024/politifact_claims_dedup.jsonl"
    for record in _jsonl(path):
        claim = (record.get("statement_text") or "").strip().strip('“”"')
        if not claim or not record.get("statement_url"):
            continue
        yield FactCheckInput(
            claim=claim,
            rating=record.get("label") or "unrated",
            publisher="PolitiFact",
            url=record["statement_url"],
            claimant=record.get("author_name") or None,
            publisher_site="politifact.com",
            review_date=parse_loose_date(record.get("fact_check_date")),
            source="politifact-2021-2024",
        )


def default_datasets(data_dir: Path) -> Iterator[FactCheckInput]:
    """The Snopes and PolitiFact sets that ``claimflag seed --with-datasets`` loads."""
    yield from snopes_2020(data_dir)
    yield from politifact_2021_2024(data_dir)
