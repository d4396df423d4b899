"""Loose date parsing for the dates real feeds carry ("9 October 2020", "Feb. 17, 2025", ISO)."""

from __future__ import annotations

import datetime as dt
import re
from typing import Any

from dateutil import parser as date_parser

_DEFAULT = dt.datetime(2000, 1, 1)
_DIGIT = re.compile(r"\d")


def parse_loose_date(value: Any) -> dt.date | None:
    """A date from ISO text or any common written form; None when it is not a date.

    ISO 8601 is tried first; other forms go to ``dateutil`` (month before day when
    ambiguous, a missing day means the 1st).
    """
    if isinstance(value, dt.datetime):
        return value.date()
    if isinstance(value, dt.date):
        return value
    if not value or not isinstance(value, str) or not _DIGIT.search(value):
        return None
    text = value.strip()
    try:
        return dt.datetime.fromisoformat(text.replace("Z", "+00:00")).date()
    except ValueError:
        pass
    try:
        return date_parser.parse(text, default=_DEFAULT).date()
    except (ValueError, OverflowError):
        return None
