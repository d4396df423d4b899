"""Bodies of the source routes: a named ClaimReview feed, sitemap or Google query, its runs."""

from __future__ import annotations

import datetime as dt
import re
from typing import Annotated, Self

from pydantic import AfterValidator, BaseModel, ConfigDict, Field, model_validator
from pydantic_core import PydanticCustomError

from claims_db.sync_models import RunStatus, SourceKind
from service.reliability.text import EncodableStr, LanguageStr
from service.updates import PartialUpdate

SourceName = Annotated[
    str,
    Field(
        min_length=1,
        max_length=64,
        pattern=r"^[A-Za-z0-9][A-Za-z0-9._-]*$",
        description="Letters, digits, '.', '_' and '-'; recorded as the fact-checks' source.",
    ),
]
_HTTP_URL = re.compile(r"^[Hh][Tt][Tt][Pp][Ss]?://[^\s/?#]+\S*$")


def _http_url(value: str) -> str:
    if not _HTTP_URL.match(value):
        raise PydanticCustomError(
            "http_url", "{url} is not an http:// or https:// URL with a host", {"url": value[:80]}
        )
    return value


HttpUrl = Annotated[
    EncodableStr,
    Field(max_length=2048, json_schema_extra={"pattern": _HTTP_URL.pattern, "format": "uri"}),
    AfterValidator(_http_url),
]
IntervalMinutes = Annotated[int, Field(ge=1, le=60 * 24 * 31, description="Minutes between runs.")]


class SourceCreate(BaseModel):
    """A new source: ``url`` for claimreview and sitemap sources, ``query`` for google."""

    model_config = ConfigDict(extra="forbid")

    name: SourceName
    kind: SourceKind
    url: HttpUrl | None = None
    query: Annotated[EncodableStr, Field(min_length=1, max_length=500)] | None = None
    language: LanguageStr | None = Field(
        default=None, description="google: the language asked for, as its ISO 639 code."
    )
    interval_minutes: IntervalMinutes = 60
    enabled: bool = True

    @model_validator(mode="after")
    def _fits_kind(self) -> Self:
        if self.kind is SourceKind.GOOGLE:
            if not self.query or self.url:
                raise ValueError("a google source takes a `query` and no `url`")
        elif not self.url or self.query:
            raise ValueError(f"a {self.kind.value} source takes a `url` and no `query`")
        return self


class SourceUpdate(PartialUpdate):
    """Fields to change; the kind and name stay."""

    not_null = ("interval_minutes", "enabled")

    url: HttpUrl | None = None
    query: Annotated[EncodableStr, Field(min_length=1, max_length=500)] | None = None
    language: LanguageStr | None = None
    interval_minutes: IntervalMinutes | None = None
    enabled: bool | None = None


class SourceRunOut(BaseModel):
    """What one run fetched and imported, and how it ended."""

    model_config = ConfigDict(from_attributes=True)

    id: int
    status: RunStatus
    trigger: str
    started_at: dt.datetime
    finished_at: dt.datetime | None
    duration_s: float | None
    fetched: int = Field(description="Documents downloaded with new content.")
    not_modified: int = Field(description="Documents unchanged since the last run (not read).")
    added: int
    updated: int = Field(description="Fact-checks changed; a changed rating is kept as history.")
    unchanged: int
    rejected: int
    rejections: list[str] = Field(description="The first rejected records, as 'where: why'.")
    errors: list[str] = Field(description="Documents that could not be fetched or read.")
    error: str | None = Field(description="Why the run failed as a whole.")


class SourceOut(BaseModel):
    """A source with its schedule and latest run."""

    model_config = ConfigDict(from_attributes=True)

    id: int
    name: str
    kind: SourceKind
    url: str | None
    query: str | None
    language: str | None
    interval_minutes: int
    enabled: bool
    newest_review_date: dt.date | None
    next_run_at: dt.datetime | None
    last_run_at: dt.datetime | None
    last_run: SourceRunOut | None = None
