"""One entry point for every feed format, with the format guessed from the content."""

from __future__ import annotations

import json
from collections.abc import Iterator, Mapping
from typing import IO

from claims_db.importers.claimreview import read_json
from claims_db.importers.formats import FeedFormat
from claims_db.importers.nesting import (
    MAX_JSON_DEPTH,
    check_lines_depth,
    check_stream_depth,
    json_depth,
)
from claims_db.importers.records import ImportItem
from claims_db.importers.tabular import read_csv, read_jsonl

__all__ = ["FeedFormat", "detect_format", "read_feed"]

_SNIFF_BYTES = 64 * 1024
# Keys that make a one-line JSON object a document rather than a flat JSON Lines record.
_DOCUMENT_KEYS = frozenset({"@type", "@graph", "claimReviewed", "claims", "dataFeedElement"})


def detect_format(head: bytes) -> FeedFormat:
    """Guess a feed's format from its first bytes.

    A document starting with ``[`` is JSON; one starting with ``{`` is JSON Lines when its
    first line is a whole object followed by another line or a flat record, Google's shape
    when it holds ``claims`` with ``claimReview``, else ClaimReview JSON-LD; anything else
    is CSV. Both JSON shapes are read by the same streaming reader.
    """
    text = head.decode("utf-8", errors="ignore").lstrip("\ufeff \t\r\n")
    if text.startswith("["):
        return FeedFormat.CLAIMREVIEW
    if text.startswith("{") and '"claims"' in text and '"claimReview"' in text:
        return FeedFormat.GOOGLE
    if text.startswith("{"):
        first, _, rest = text.partition("\n")
        if json_depth(first.encode()) > MAX_JSON_DEPTH:
            return FeedFormat.CLAIMREVIEW  # refused by read_feed's depth check, unparsed
        try:
            record = json.loads(first)
        except json.JSONDecodeError:
            return FeedFormat.CLAIMREVIEW
        if rest.strip().startswith("{") or not (_DOCUMENT_KEYS & set(record)):
            return FeedFormat.JSONL
        return FeedFormat.CLAIMREVIEW
    return FeedFormat.CSV


def read_feed(
    stream: IO[bytes],
    feed_format: FeedFormat = FeedFormat.AUTO,
    *,
    columns: Mapping[str, str] | None = None,
    source: str | None = None,
) -> Iterator[ImportItem]:
    """Import items from a feed, streaming.

    Args:
        stream: The feed in binary mode; it must be seekable when ``feed_format`` is auto.
        feed_format: The format; ``auto`` guesses it from the first 64 KiB.
        columns: Field → column (CSV) or key (flat JSON Lines) overrides.
        source: Recorded on every fact-check as where it came from.

    Raises:
        JsonTooDeepError: A JSON feed nests deeper than ``MAX_JSON_DEPTH`` (checked on the
            raw bytes before anything is parsed or imported; the stream must be seekable).
        ValueError: CSV columns are missing or a mapped field does not exist.
    """
    if feed_format is FeedFormat.AUTO:
        feed_format = detect_format(stream.read(_SNIFF_BYTES))
        stream.seek(0)
    if feed_format is FeedFormat.JSONL:
        check_lines_depth(stream)
    elif feed_format is not FeedFormat.CSV:
        check_stream_depth(stream)
    if feed_format is FeedFormat.CSV:
        return read_csv(stream, columns, source)
    if feed_format is FeedFormat.JSONL:
        return read_jsonl(stream, columns, source)
    return read_json(stream, source, depth_checked=True)
