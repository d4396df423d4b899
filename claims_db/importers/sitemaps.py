"""XML sitemaps (sitemaps.org, with Google News extensions) read into lists of page URLs."""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass, field

import lxml.etree

from claims_db.importers.dates import parse_loose_date

# Entities are never resolved and nothing is fetched while parsing.
_PARSER = lxml.etree.XMLParser(
    resolve_entities=False, no_network=True, huge_tree=False, remove_comments=True
)


@dataclass(frozen=True, slots=True)
class SitemapEntry:
    """One ``<url>`` (or ``<sitemap>``) of a sitemap.

    Attributes:
        url: The ``<loc>``.
        lastmod: The ``<lastmod>`` text as written (compared, never parsed for that).
        title: A news sitemap's ``<news:title>``.
        published: A news sitemap's ``<news:publication_date>``, else ``<lastmod>``.
    """

    url: str
    lastmod: str | None = None
    title: str | None = None
    published: dt.datetime | None = None


@dataclass(slots=True)
class Sitemap:
    """The pages a sitemap lists, and the child sitemaps of a sitemap index."""

    pages: list[SitemapEntry] = field(default_factory=list)
    children: list[SitemapEntry] = field(default_factory=list)


def is_sitemap(content: bytes) -> bool:
    """Whether the document's root element is ``urlset`` or ``sitemapindex``."""
    try:
        root = lxml.etree.fromstring(content, _PARSER)
    except lxml.etree.XMLSyntaxError:
        return False
    return lxml.etree.QName(root).localname in {"urlset", "sitemapindex"}


def _child_text(node: lxml.etree._Element, name: str) -> str | None:
    for child in node.iter():
        if isinstance(child.tag, str) and lxml.etree.QName(child).localname == name:
            value = (child.text or "").strip()
            return value or None
    return None


def _moment(value: str | None) -> dt.datetime | None:
    if not value:
        return None
    try:
        moment = dt.datetime.fromisoformat(value.replace("Z", "+00:00"))
    except ValueError:
        day = parse_loose_date(value)
        return dt.datetime(day.year, day.month, day.day, tzinfo=dt.UTC) if day else None
    return moment if moment.tzinfo else moment.replace(tzinfo=dt.UTC)


def read_sitemap(content: bytes) -> Sitemap:
    """The entries of a sitemap or sitemap index.

    Raises:
        ValueError: The document is not XML, or its root is neither ``urlset`` nor
            ``sitemapindex``.
    """
    try:
        root = lxml.etree.fromstring(content, _PARSER)
    except lxml.etree.XMLSyntaxError as error:
        raise ValueError(f"not a sitemap: malformed XML ({error})") from error
    kind = lxml.etree.QName(root).localname
    if kind not in {"urlset", "sitemapindex"}:
        raise ValueError(f"not a sitemap: the root element is <{kind}>")
    sitemap = Sitemap()
    wanted = "url" if kind == "urlset" else "sitemap"
    for node in root:
        if not isinstance(node.tag, str) or lxml.etree.QName(node).localname != wanted:
            continue
        location = _child_text(node, "loc")
        if not location:
            continue
        lastmod = _child_text(node, "lastmod")
        entry = SitemapEntry(
            url=location,
            lastmod=lastmod,
            title=_child_text(node, "title"),
            published=_moment(_child_text(node, "publication_date") or lastmod),
        )
        (sitemap.pages if kind == "urlset" else sitemap.children).append(entry)
    return sitemap
