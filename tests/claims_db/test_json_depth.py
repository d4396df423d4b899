"""Nesting depth is measured on the raw bytes and deep JSON is refused before parsing."""

import io
import json
import random

import pytest

from claims_db.importers.claimreview import read_json
from claims_db.importers.feeds import FeedFormat, detect_format, read_feed
from claims_db.importers.nesting import (
    MAX_JSON_DEPTH,
    DepthScanner,
    JsonTooDeepError,
    json_depth,
)
from claims_db.importers.pages import DocumentError, read_document
from claims_db.importers.records import Rejected
from tests.claims_db.feeds import FEEDS, accepted


def _reference_depth(data: bytes) -> int:
    """A byte-by-byte reading of the same rule, slow but obviously right."""
    depth = deepest = backslashes = 0
    in_string = False
    for char in data.decode("latin-1"):
        if char == "\\":
            backslashes += 1
            continue
        if char == '"' and backslashes % 2 == 0:
            in_string = not in_string
        elif not in_string and char in "[{":
            depth += 1
            deepest = max(deepest, depth)
        elif not in_string and char in "]}":
            depth -= 1
        backslashes = 0
    return deepest


def test_brackets_inside_strings_do_not_count() -> None:
    assert json_depth(b'{"claim": "[[[{{{ \\" ]]] [[[", "a": [1, [2]]}') == 3
    assert json_depth(b'"\\\\"[') == 1  # an escaped backslash ends before the quote
    assert json_depth(b"42") == 0


def test_scan_agrees_with_the_reference_on_random_text_cut_anywhere() -> None:
    chooser = random.Random(20)
    for _ in range(5000):
        data = bytes(chooser.choice(b'[]{}"\\a,') for _ in range(chooser.randint(0, 30)))
        expected = _reference_depth(data)
        assert json_depth(data) == expected, data
        cuts = sorted(chooser.sample(range(len(data) + 1), k=min(3, len(data) + 1)))
        scanner = DepthScanner()
        previous = 0
        for cut in [*cuts, len(data)]:
            scanner.feed(data[previous:cut])
            previous = cut
        assert scanner.deepest == expected, (data, cuts)


def _deep_document(depth: int) -> bytes:
    inner = '{"@type": "ClaimReview", "claimReviewed": "x", "reviewRating": "False"}'
    return ("[" * depth + inner + "]" * depth).encode()


@pytest.mark.parametrize("feed_format", [FeedFormat.AUTO, FeedFormat.CLAIMREVIEW])
def test_deep_json_feed_is_refused_before_parsing(feed_format: FeedFormat) -> None:
    # 200 KB of brackets: ijson needed gigabytes for this and json a RecursionError.
    with pytest.raises(JsonTooDeepError, match=f"deeper than {MAX_JSON_DEPTH}"):
        read_feed(io.BytesIO(_deep_document(200_000)), feed_format)


def test_format_sniffing_does_not_parse_a_deep_first_line() -> None:
    deep = b'{"@graph": [], "x": ' + b"[" * 100_000 + b"]" * 100_000 + b"}"
    assert detect_format(deep[:65536]) is FeedFormat.CLAIMREVIEW
    with pytest.raises(JsonTooDeepError):
        read_feed(io.BytesIO(deep))


def test_nesting_up_to_the_limit_is_read() -> None:
    stream = io.BytesIO(_deep_document(MAX_JSON_DEPTH - 1))
    assert [type(item).__name__ for item in read_feed(stream)] != []
    with pytest.raises(JsonTooDeepError):
        read_feed(io.BytesIO(_deep_document(MAX_JSON_DEPTH + 1)))


def test_real_feeds_pass_the_depth_check() -> None:
    for name in ("page_graph.jsonld", "datafeed.json", "google_claims_search.json"):
        with (FEEDS / name).open("rb") as stream:
            assert accepted(list(read_feed(stream)))


def test_json_lines_are_measured_line_by_line() -> None:
    good = json.dumps({"claim": "x [[[[", "rating": "False", "url": "https://a.example/1"})
    deep = "[" * 5000 + "]" * 5000
    feed = f"{good}\n{deep}\n".encode()
    with pytest.raises(JsonTooDeepError, match="line 2"):
        read_feed(io.BytesIO(feed), FeedFormat.JSONL)


def test_read_json_alone_rejects_a_deep_document() -> None:
    items = list(read_json(io.BytesIO(_deep_document(10_000))))
    assert len(items) == 1 and isinstance(items[0], Rejected)
    assert "deeper than" in items[0].reason


def test_fetched_deep_document_is_a_document_error() -> None:
    items = list(read_document(b"[" * 100_000, "https://a.example/feed", "test"))
    assert len(items) == 1 and isinstance(items[0], DocumentError)
    assert "deeper than" in items[0].reason
