"""How deeply a JSON text nests, measured on the raw bytes before any parser sees them.

Parsers recurse (``json``: RecursionError) or keep a path per level (``ijson``: memory
quadratic in the depth), so a document of nothing but brackets can kill the process.
The scan here is linear and vectorised (numpy, no Python loop over bytes): a quote
delimits a string unless an odd run of backslashes precedes it, brackets count where an
even number of delimiters precede them, and the state (inside a string, a pending
backslash, the depth) carries across chunks, so a stream of any size is read in bounded
memory. A backslash outside a string (invalid JSON) escapes a quote here too; the parser
stops at that backslash before the two readings could differ.
"""

from __future__ import annotations

from typing import IO, Any

import numpy as np

# Deeper than any real feed (ClaimReview nests about six levels) and far below the
# depth at which Python's parsers recurse or quadratic memory starts to matter.
MAX_JSON_DEPTH = 64

# Small enough that the scan's arrays (about 20 bytes per input byte) stay out of sight.
_CHUNK_BYTES = 64 * 1024
_QUOTE, _BACKSLASH = ord('"'), ord("\\")
_OPEN_SQUARE, _OPEN_CURLY, _CLOSE_SQUARE, _CLOSE_CURLY = (ord(c) for c in "[{]}")


class JsonTooDeepError(ValueError):
    """The JSON nests deeper than allowed."""

    def __init__(self, limit: int, where: str) -> None:
        super().__init__(f"JSON nests deeper than {limit} levels ({where}); refused unread")
        self.limit = limit


class DepthScanner:
    """Tracks the nesting depth of JSON fed in chunks (strings and their escapes honoured).

    Malformed input is not diagnosed, only measured: the parser that runs afterwards
    rejects it, and it agrees with this scan on where every string starts and ends.
    """

    def __init__(self) -> None:
        self.depth = 0
        self.deepest = 0
        self.in_string = False
        self.escaped = False  # the last chunk ended in an odd run of backslashes

    def feed(self, chunk: bytes) -> int:
        """Read the next bytes; returns the deepest nesting seen so far."""
        if not chunk:
            return self.deepest
        # A backslash carried over from the last chunk escapes this one's first byte.
        codes = np.frombuffer((b"\\" if self.escaped else b"") + chunk, dtype=np.uint8)
        delimiters = _unescaped_quotes(codes)
        brackets = np.flatnonzero(
            (codes == _OPEN_SQUARE)
            | (codes == _OPEN_CURLY)
            | (codes == _CLOSE_SQUARE)
            | (codes == _CLOSE_CURLY)
        )
        if len(brackets):
            # Inside a string when an odd number of delimiters (and the carried state) precede.
            toggles = np.zeros(len(codes), dtype=np.int32)
            toggles[delimiters] = 1
            inside = (np.cumsum(toggles)[brackets] + int(self.in_string)) % 2 == 1
            counted = codes[brackets[~inside]]
            if len(counted):
                steps = np.where((counted == _OPEN_SQUARE) | (counted == _OPEN_CURLY), 1, -1)
                levels = np.cumsum(steps) + self.depth
                self.deepest = max(self.deepest, int(levels.max()))
                self.depth = int(levels[-1])
        self.in_string = (int(self.in_string) + len(delimiters)) % 2 == 1
        self.escaped = _trailing_backslashes(codes) % 2 == 1
        return self.deepest


def _unescaped_quotes(codes: np.ndarray[Any, np.dtype[np.uint8]]) -> np.ndarray[Any, Any]:
    """Positions of the quotes not preceded by an odd run of backslashes."""
    quotes = np.flatnonzero(codes == _QUOTE)
    backslashes = np.flatnonzero(codes == _BACKSLASH)
    if not len(backslashes) or not len(quotes):
        return quotes
    # Where each run of consecutive backslashes starts, for every backslash.
    starts_run = np.ones(len(backslashes), dtype=bool)
    starts_run[1:] = np.diff(backslashes) != 1
    run_start = backslashes[
        np.maximum.accumulate(np.where(starts_run, np.arange(len(backslashes)), 0))
    ]
    last = np.searchsorted(backslashes, quotes) - 1
    safe = np.maximum(last, 0)
    adjacent = (last >= 0) & (backslashes[safe] == quotes - 1)
    run = np.where(adjacent, backslashes[safe] - run_start[safe] + 1, 0)
    unescaped: np.ndarray[Any, Any] = quotes[run % 2 == 0]
    return unescaped


def _trailing_backslashes(codes: np.ndarray[Any, np.dtype[np.uint8]]) -> int:
    tail = codes[-256:]
    others = np.flatnonzero(tail != _BACKSLASH)
    if len(others):
        return len(tail) - 1 - int(others[-1])
    # 256 or more: count the whole run
    others = np.flatnonzero(codes != _BACKSLASH)
    return len(codes) - 1 - int(others[-1]) if len(others) else len(codes)


def json_depth(data: bytes) -> int:
    """The deepest nesting of the JSON text ``data`` (0 for a scalar)."""
    scanner = DepthScanner()
    return scanner.feed(data)


def check_json_depth(data: bytes, limit: int = MAX_JSON_DEPTH, where: str = "document") -> None:
    """Raise ``JsonTooDeepError`` if ``data`` nests deeper than ``limit``."""
    if json_depth(data) > limit:
        raise JsonTooDeepError(limit, where)


def check_stream_depth(stream: IO[bytes], limit: int = MAX_JSON_DEPTH) -> None:
    """Scan a whole JSON document from the stream's position, then seek back to it.

    Raises:
        JsonTooDeepError: At the first chunk that takes the nesting past ``limit``.
    """
    start = stream.tell()
    scanner = DepthScanner()
    offset = 0
    try:
        while chunk := stream.read(_CHUNK_BYTES):
            if scanner.feed(chunk) > limit:
                raise JsonTooDeepError(limit, f"within bytes {offset:,}-{offset + len(chunk):,}")
            offset += len(chunk)
    finally:
        stream.seek(start)


def check_lines_depth(stream: IO[bytes], limit: int = MAX_JSON_DEPTH) -> None:
    """Scan JSON Lines from the stream's position, each line on its own, then seek back.

    Raises:
        JsonTooDeepError: At the first line nesting deeper than ``limit``.
    """
    start = stream.tell()
    try:
        for number, line in enumerate(stream, start=1):
            if json_depth(line) > limit:
                raise JsonTooDeepError(limit, f"line {number}")
    finally:
        stream.seek(start)
