"""Request timestamps: one that UTC cannot hold is refused, not left to fail in the database."""

from __future__ import annotations

import datetime as dt
from typing import Annotated

from pydantic import AfterValidator


def utc_representable(value: dt.datetime) -> dt.datetime:
    """``value`` unchanged, or ``ValueError`` when read as UTC it falls outside years 1 to
    9999 ("0001-01-01T00:56+20:11"); the database stores every timestamp in UTC."""
    if value.tzinfo is not None:
        try:
            value.astimezone(dt.UTC)
        except OverflowError as error:
            raise ValueError("is out of range once read as UTC (years 1 to 9999)") from error
    return value


# A request timestamp that can be stored (naive ones are read as UTC).
UtcDateTime = Annotated[dt.datetime, AfterValidator(utc_representable)]
