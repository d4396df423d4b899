"""Line-oriented feeds: CSV with a column mapping, and JSON Lines (flat or ClaimReview)."""

from __future__ import annotations

import csv
import io
import json
from collections.abc import Iterator, Mapping
from typing import IO, Any

from claims_db.importers.claimreview import google_items, node_items
from claims_db.importers.datasets import checkthat_vclaim
from claims_db.importers.nesting import MAX_JSON_DEPTH, json_depth
from claims_db.importers.records import FactCheckFields, ImportItem, Rejected, validate

# The fields a CSV column or a flat JSON object may fill.
FIELDS: tuple[str, ...] = tuple(FactCheckFields.model_fields)


def column_mapping(pairs: Mapping[str, str] | None) -> dict[str, str]:
    """The field → column mapping: each field read from the column of the same name unless
    ``pairs`` names another. Raises ``ValueError`` for a field that does not exist."""
    mapping = {name: name for name in FIELDS}
    for field, column in (pairs or {}).items():
        if field not in mapping:
            raise ValueError(f"unknown field {field!r}; fields are {', '.join(FIELDS)}")
        mapping[field] = column
    return mapping


def read_csv(
    stream: IO[bytes], columns: Mapping[str, str] | None = None, source: str | None = None
) -> Iterator[ImportItem]:
    """Import items from CSV with a header row, one row at a time.

    Args:
        stream: The file in binary mode (UTF-8, a byte-order mark is dropped).
        columns: Field → column overrides, e.g. ``{"claim": "statement", "rating": "label"}``.
        source: Recorded on every fact-check as where it came from.

    Raises:
        ValueError: A mapped column of a required field is absent from the header.
    """
    mapping = column_mapping(columns)
    text = io.TextIOWrapper(stream, encoding="utf-8-sig", newline="")
    reader = csv.DictReader(text)
    try:
        header = set(reader.fieldnames or ())
    except (csv.Error, UnicodeDecodeError) as error:
        raise ValueError(f"CSV header is unreadable: {error}") from error
    absent = [
        f"{f} ({mapping[f]!r})" for f in ("claim", "rating", "url") if mapping[f] not in header
    ]
    if absent:
        raise ValueError(f"CSV header lacks the columns for {', '.join(absent)}")
    present = {field: column for field, column in mapping.items() if column in header}
    return _csv_rows(text, reader, present, source)


def _csv_rows(
    text: io.TextIOWrapper,
    reader: csv.DictReader[str],
    present: dict[str, str],
    source: str | None,
) -> Iterator[ImportItem]:
    while True:
        try:
            row = next(reader)
        except StopIteration:
            break
        except csv.Error as error:
            # e.g. a field over csv.field_size_limit(): this record only; reading goes on.
            yield Rejected(f"after line {reader.line_num}", f"unreadable CSV record: {error}")
            continue
        except UnicodeDecodeError as error:
            yield Rejected(f"after line {reader.line_num}", f"not UTF-8, reading stopped: {error}")
            break
        fields = {field: row.get(column) or None for field, column in present.items()}
        yield validate(fields, f"line {reader.line_num}", source)
    text.detach()  # leave the caller's stream open


def read_jsonl(
    stream: IO[bytes], columns: Mapping[str, str] | None = None, source: str | None = None
) -> Iterator[ImportItem]:
    """Import items from JSON Lines: each line a flat record, a ClaimReview, a Google claim or
    a CheckThat! 2022 verified claim.

    Args:
        stream: The file in binary mode.
        columns: Field → key overrides for flat records.
        source: Recorded on every fact-check as where it came from.
    """
    return _jsonl_rows(stream, column_mapping(columns), source)


def _jsonl_rows(
    stream: IO[bytes], mapping: dict[str, str], source: str | None
) -> Iterator[ImportItem]:
    for number, line in enumerate(stream, start=1):
        if not line.strip():
            continue
        location = f"line {number}"
        if json_depth(line) > MAX_JSON_DEPTH:
            yield Rejected(location, f"JSON nests deeper than {MAX_JSON_DEPTH} levels")
            continue
        try:
            record: Any = json.loads(line)
        except (json.JSONDecodeError, UnicodeDecodeError) as error:
            yield Rejected(location, f"invalid JSON: {error}")
            continue
        if not isinstance(record, dict):
            yield Rejected(location, f"expected an object, got {type(record).__name__}")
        elif "@type" in record or "claimReviewed" in record or "@graph" in record:
            yield from node_items(record, location, source)
        elif "claimReview" in record:
            yield from google_items(record, location, source)
        elif "vclaim" in record and "page_url_derived" in record:
            # A CheckThat! 2022 verified claim, as ``seed --with-datasets`` reads them.
            yield checkthat_vclaim(record, location, source)
        else:
            fields = {field: record.get(key) for field, key in mapping.items() if key in record}
            yield validate(fields, location, source)
