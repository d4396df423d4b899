"""How deeply a JSON text nests, measured on the raw bytes before any parser sees them.

Parsers recurse (``json``: RecursionError) or keep a path per level (``ijson``: memory
quadratic in the depth), so a document of nothing but brackets can kill the process.
The scan here is linear and runs at C speed: strings are cut out with one regular
expression whose every alternative is possessive (no backtracking, no retries), the
brackets left are counted with numpy, and state carries across chunks so a stream of any
size is read in bounded memory.
"""

from __future__ import annotations

import re
from typing import IO

import numpy as np

# Deeper than any real feed (ClaimReview nests about six levels) and far below the
# depth at which Python's parsers recurse or quadratic memory starts to matter.
MAX_JSON_DEPTH = 64

_CHUNK_BYTES = 1024 * 1024
# A string from its opening quote: either closed, or running to the end of the chunk
# (captured, so it can be carried into the next chunk). Both alternatives always match
# from a quote, so the substitution never fails and restarts.
_STRING = re.compile(rb'"(?:[^"\\]++|\\.)*+"|("(?:[^"\\]++|\\.)*+\\?\Z)', re.DOTALL)
# The rest of a string begun in an earlier chunk, through its closing quote.
_STRING_REST = re.compile(rb'(?:[^"\\]++|\\.)*+"', re.DOTALL)
_NOT_BRACKETS = bytes(b for b in range(256) if b not in b"[]{}")
_OPENERS = np.frombuffer(b"[{", dtype=np.uint8)


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
        self.escaped = False  # the last byte was a backslash inside a string

    def feed(self, chunk: bytes) -> int:
        """Read the next bytes; returns the deepest nesting seen so far."""
        position = 0
        if self.in_string:
            start = 1 if self.escaped and chunk else 0
            self.escaped = False
            rest = _STRING_REST.match(chunk, start)
            if rest is None:
                self._open_string(chunk[start:])
                return self.deepest
            position = rest.end()
            self.in_string = False
        outside = chunk[position:] if position else chunk
        # Closed strings vanish; an open one (only the chunk's last can be) stays, quote first.
        structure = _STRING.sub(rb"\1", outside) if b'"' in outside else outside
        open_at = structure.find(b'"')
        if open_at >= 0:
            self._count(structure[:open_at].translate(None, _NOT_BRACKETS))
            self._open_string(structure[open_at + 1 :])
        else:
            self._count(structure.translate(None, _NOT_BRACKETS))
        return self.deepest

    def _open_string(self, content: bytes) -> None:
        trailing = len(content) - len(content.rstrip(b"\\"))
        self.in_string = True
        self.escaped = trailing % 2 == 1

    def _count(self, brackets: bytes) -> None:
        if not brackets:
            return
        codes = np.frombuffer(brackets, dtype=np.uint8)
        steps = np.where(np.isin(codes, _OPENERS), 1, -1)
        levels = np.cumsum(steps) + self.depth
        self.deepest = max(self.deepest, int(levels.max()))
        self.depth = int(levels[-1])


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
