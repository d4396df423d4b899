"""Terminal tables whose URLs stay readable: shortened on one line, never folded into a column."""

from __future__ import annotations

import re

from rich.table import Table

# Columns named here hold URLs; any other column folds long words.
URL_COLUMNS = frozenset({"url", "target", "fact-check url"})
_SCHEME = re.compile(r"^https?://(www\.)?")


def short_url(url: str, limit: int = 60) -> str:
    """``url`` without its scheme, cut in the middle when longer than ``limit`` characters.

    The host and the end of the path (usually the slug that names the page) are kept.
    """
    bare = _SCHEME.sub("", url).rstrip("/")
    if len(bare) <= limit:
        return bare
    head = limit // 2
    return f"{bare[:head]}…{bare[-(limit - head - 1) :]}"


def table(title: str, *columns: str) -> Table:
    """A table whose URL columns stay on one line and whose text columns fold."""
    result = Table(title=title)
    for column in columns:
        if column in URL_COLUMNS:
            result.add_column(column, no_wrap=True, overflow="ellipsis", min_width=20)
        else:
            result.add_column(column, overflow="fold")
    return result
