"""Reduce an HTML page to its article text with trafilatura."""

from __future__ import annotations

import datetime as dt
import logging
from dataclasses import dataclass

import lxml.html
import trafilatura
from dateutil import parser as date_parser

logger = logging.getLogger(__name__)
# trafilatura logs unparseable client markup at ERROR; that is a 422, not a service fault.
logging.getLogger("trafilatura").setLevel(logging.CRITICAL)


@dataclass(frozen=True, slots=True)
class ExtractedArticle:
    """The main text of a page, its title and publication date when the page names them."""

    text: str
    title: str | None
    published: dt.datetime | None = None


# Meta tags that state when an article was first published (Open Graph, schema.org, Dublin
# Core). trafilatura's own date guess is not used: it falls back to copyright years and
# "updated" lines, and a wrong date would hide fact-checks from the matcher.
PUBLISHED_META = (
    "article:published_time",
    "og:article:published_time",
    "datepublished",
    "dc.date.issued",
    "dcterms.issued",
)
# A page whose longest line is shorter than this has menus and footers, not article text.
MIN_ARTICLE_LINE_WORDS = 6


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
    if not has_article_text(text):
        return None
    title = (document.title or "").strip() or None
    return ExtractedArticle(text=text, title=title, published=published_time(html))


def has_article_text(text: str) -> bool:
    """Whether extracted ``text`` holds prose: one line of several words, not only links."""
    return any(len(line.split()) >= MIN_ARTICLE_LINE_WORDS for line in text.splitlines())


def published_time(html: str) -> dt.datetime | None:
    """The page's stated publication time (``article:published_time`` and kin), in UTC.

    A time without an offset is taken as UTC; None when no tag names a readable date.
    """
    try:
        root = lxml.html.document_fromstring(html)
    except Exception:  # the extraction parsed it already; a second parser may still refuse
        return None
    for meta in root.iter("meta"):
        key = (meta.get("property") or meta.get("name") or meta.get("itemprop") or "").lower()
        if key not in PUBLISHED_META:
            continue
        try:
            moment = date_parser.isoparse((meta.get("content") or "").strip())
        except (ValueError, OverflowError):
            continue
        if moment.tzinfo is None:
            moment = moment.replace(tzinfo=dt.UTC)
        return moment.astimezone(dt.UTC)
    return None
