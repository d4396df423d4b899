"""Reduce an HTML page to its article text with trafilatura."""

from __future__ import annotations

import datetime as dt
import logging
from dataclasses import dataclass

import trafilatura

logger = logging.getLogger(__name__)
# trafilatura logs unparseable client markup at ERROR; that is a 422, not a service fault.
logging.getLogger("trafilatura").setLevel(logging.CRITICAL)


@dataclass(frozen=True, slots=True)
class ExtractedArticle:
    """The main text of a page, its title and publication date when the page names them."""

    text: str
    title: str | None
    published: dt.date | None = None


def extract_article(html: str, url: str | None = None) -> ExtractedArticle | None:
    """The article text of ``html`` without navigation, comments or boilerplate.

    Returns None when no main text can be found (or the markup cannot be parsed).
    """
    try:
        document = trafilatura.bare_extraction(
            html,
            url=url,
            with_metadata=True,
            include_comments=False,
            include_tables=False,
            include_images=False,
        )
    except Exception as exc:  # lxml and trafilatura raise assorted errors on broken markup
        logger.info("article extraction failed: %s", type(exc).__name__)
        return None
    if document is None or isinstance(document, dict):
        return None
    text = (document.text or "").strip()
    if not text:
        return None
    title = (document.title or "").strip() or None
    return ExtractedArticle(text=text, title=title, published=_date(document.date))


def _date(value: object) -> dt.date | None:
    """trafilatura's ISO date (``YYYY-MM-DD``), or None when it found none."""
    if not isinstance(value, str):
        return None
    try:
        return dt.date.fromisoformat(value[:10])
    except ValueError:
        return None
