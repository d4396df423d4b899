"""What importers yield: a valid fact-check, a rejected record with its reason, or a skip.

Every importer maps its feed's shape onto the flat fields of ``FactCheckFields`` and lets
pydantic validate them, so every format rejects bad records the same way.
"""

from __future__ import annotations

import datetime as dt
import html
import re
from dataclasses import dataclass
from typing import Annotated, Any
from urllib.parse import urlparse

from pydantic import BaseModel, BeforeValidator, ConfigDict, Field, ValidationError, model_validator

from claims_db.importers.dates import parse_loose_date
from claims_db.repository import FactCheckInput
from models.verdicts import Verdict


@dataclass(frozen=True, slots=True)
class Rejected:
    """A record that could not be imported: where it is in the feed and why."""

    location: str
    reason: str

    def __str__(self) -> str:
        return f"{self.location}: {self.reason}"


@dataclass(frozen=True, slots=True)
class Skipped:
    """A record deliberately left out (a MediaReview, a duplicate of another dataset)."""

    location: str
    reason: str


ImportItem = FactCheckInput | Rejected | Skipped


def site_of(url: str) -> str | None:
    """The host of a URL without a leading ``www.``."""
    host = urlparse(url).hostname
    return host.removeprefix("www.") if host else None


# What no database here can store: NUL (PostgreSQL's text refuses it) and UTF-16 surrogates
# without their pair ("\ud800" escapes in JSON; not encodable as UTF-8 for either backend).
_UNSTORABLE = re.compile("[\x00\ud800-\udfff]")


def _text(value: Any) -> Any:
    """Unescape HTML entities and trim text; other types pass through for pydantic to judge.

    Text holding a NUL or an unpaired surrogate is refused (the record is rejected with
    its line): written, it would fail the whole batch on the database."""
    if isinstance(value, str):
        value = html.unescape(value).strip()
        if (bad := _UNSTORABLE.search(value)) is not None:
            what = "a NUL character" if bad.group() == "\x00" else "an unpaired UTF-16 surrogate"
            raise ValueError(f"contains {what} at offset {bad.start()}")
        return value or None
    return value


def _rating_text(value: Any) -> Any:
    if isinstance(value, int | float) and not isinstance(value, bool):
        return str(value)
    return _text(value)


def _date(value: Any) -> Any:
    if value is None or isinstance(value, dt.date):
        return value
    if not isinstance(value, str):
        raise ValueError(f"expected a date string, got {type(value).__name__}")
    if not value.strip():
        return None
    parsed = parse_loose_date(value)
    if parsed is None:
        raise ValueError(f"unrecognised date {value.strip()[:40]!r}")
    return parsed


def check_review_url(value: Any) -> Any:
    """``value`` if it is an http(s) URL with a host (or a ``urn:``); else ``ValueError``."""
    value = _text(value)
    if not isinstance(value, str):
        return value
    parsed = urlparse(value)
    if parsed.scheme == "urn" or (parsed.scheme in {"http", "https"} and parsed.netloc):
        return value
    raise ValueError(f"not an http(s) URL: {value[:80]!r}")


Text = Annotated[str, BeforeValidator(_text)]
OptionalText = Annotated[str | None, BeforeValidator(_text)]
LooseDate = Annotated[dt.date | None, BeforeValidator(_date)]


class FactCheckFields(BaseModel):
    """The flat fields every importer produces, validated before anything is written."""

    model_config = ConfigDict(extra="ignore", strict=True)

    claim: Text = Field(min_length=1, max_length=20_000)
    rating: Annotated[str, BeforeValidator(_rating_text)] = Field(min_length=1, max_length=1_000)
    url: Annotated[str, BeforeValidator(check_review_url)] = Field(max_length=2048)
    publisher: OptionalText = Field(default=None, max_length=255)
    publisher_site: OptionalText = Field(default=None, max_length=255)
    claimant: OptionalText = Field(default=None, max_length=5_000)
    review_date: LooseDate = None
    claim_date: LooseDate = None
    # None: the claim's language is detected when it is written.
    language: OptionalText = Field(default=None, max_length=16)
    verdict: Verdict | None = Field(default=None, strict=False)
    # The headline of the fact-check's article (``FactCheckInput.title``).
    title: OptionalText = Field(default=None, max_length=2_000)

    @model_validator(mode="after")
    def _fill_publisher(self) -> FactCheckFields:
        self.publisher_site = self.publisher_site or site_of(self.url)
        self.publisher = self.publisher or self.publisher_site
        if not self.publisher:
            raise ValueError("no publisher name and none can be derived from the URL")
        return self

    def to_input(self, source: str | None) -> FactCheckInput:
        """The repository's input record."""
        assert self.publisher is not None  # filled by the validator
        return FactCheckInput(
            claim=self.claim,
            rating=self.rating,
            publisher=self.publisher,
            url=self.url,
            claimant=self.claimant,
            publisher_site=self.publisher_site,
            review_date=self.review_date,
            language=self.language or None,
            source=source,
            verdict=self.verdict,
            claim_date=self.claim_date,
            title=self.title,
        )


def describe_errors(error: ValidationError) -> str:
    """One line naming each invalid field and why."""
    parts = []
    for item in error.errors()[:4]:
        field = ".".join(str(p) for p in item["loc"]) or "record"
        message = str(item["msg"]).removeprefix("Value error, ")
        parts.append(f"{field}: {message}")
    return "; ".join(parts)


def validate(fields: dict[str, Any], location: str, source: str | None) -> ImportItem:
    """A ``FactCheckInput`` from flat fields, or ``Rejected`` naming what is wrong."""
    missing = [name for name in ("claim", "rating", "url") if fields.get(name) in (None, "")]
    if missing:
        return Rejected(location, "missing " + ", ".join(missing))
    try:
        return FactCheckFields.model_validate(fields).to_input(source)
    except ValidationError as error:
        return Rejected(location, describe_errors(error))
