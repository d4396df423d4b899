"""ClaimReview markup inside documents fetched from the web: JSON bodies and HTML pages.

A publisher's review page carries its ClaimReview as JSON-LD in ``<script
type="application/ld+json">`` blocks; a feed URL may answer with the JSON itself. Both go
through the same streaming reader as imported files (``claimreview.read_json``). A
document that is not valid JSON, or a page block that is not, is reported as a whole
(``DocumentError``) rather than imported in part.
"""

from __future__ import annotations

import io
import json
from collections.abc import Iterator
from dataclasses import dataclass

import lxml.etree
import lxml.html

from claims_db.importers.claimreview import read_json
from claims_db.importers.nesting import check_json_depth
from claims_db.importers.records import ImportItem, Rejected, Skipped

_JSON_STARTS = (b"{", b"[")


@dataclass(frozen=True, slots=True)
class DocumentError:
    """A document (or one block of a page) that could not be read at all, and why."""

    location: str
    reason: str

    def __str__(self) -> str:
        return f"{self.location}: {self.reason}"


PageItem = ImportItem | DocumentError


def is_json(content: bytes) -> bool:
    """Whether the document looks like JSON (its first non-blank byte opens one)."""
    return content.lstrip(b"\xef\xbb\xbf \t\r\n").startswith(_JSON_STARTS)


def _checked_json(content: bytes) -> str | None:
    """Why ``content`` is not valid JSON, or None when it is."""
    try:
        check_json_depth(content)
        json.loads(content)
    except (ValueError, UnicodeDecodeError) as error:
        return f"malformed JSON ({str(error)[:120]})"
    return None


def _prefixed(items: Iterator[ImportItem], prefix: str) -> Iterator[ImportItem]:
    for item in items:
        if isinstance(item, Rejected):
            yield Rejected(f"{prefix} {item.location}", item.reason)
        elif isinstance(item, Skipped):
            yield Skipped(f"{prefix} {item.location}", item.reason)
        else:
            yield item


def json_blocks(content: bytes) -> list[str]:
    """The text of every JSON-LD script block of an HTML page, in page order."""
    try:
        root = lxml.html.document_fromstring(content)
    except (lxml.etree.ParserError, ValueError):
        return []
    blocks = root.xpath(
        "//script[translate(@type, 'ABCDEFGHIJKLMNOPQRSTUVWXYZ', 'abcdefghijklmnopqrstuvwxyz')"
        " = 'application/ld+json']"
    )
    return [block.text_content() for block in blocks if isinstance(block, lxml.html.HtmlElement)]


def read_document(content: bytes, url: str, source: str | None) -> Iterator[PageItem]:
    """The ClaimReview records in a fetched JSON document or HTML page.

    Yields import items, plus a ``DocumentError`` for a document (or page block) that is
    not valid JSON. A page without any JSON-LD yields one ``Skipped``.
    """
    if is_json(content):
        problem = _checked_json(content)
        if problem:
            yield DocumentError(url, problem)
            return
        yield from _prefixed(read_json(io.BytesIO(content), source, depth_checked=True), url)
        return
    blocks = json_blocks(content)
    if not blocks:
        yield Skipped(url, "no JSON-LD on the page")
        return
    for position, block in enumerate(blocks):
        where = f"{url} script[{position}]"
        data = block.strip().encode("utf-8")
        problem = _checked_json(data)
        if problem:
            yield DocumentError(where, problem)
            continue
        yield from _prefixed(read_json(io.BytesIO(data), source, depth_checked=True), where)
