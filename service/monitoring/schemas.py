"""Bodies of the monitored-feed routes: feeds, their polls and the articles they listed."""

from __future__ import annotations

import datetime as dt
from typing import Annotated

from pydantic import BaseModel, ConfigDict, Field

from claims_db.sync_models import FeedKind, ItemStatus, RunStatus
from service.reliability.text import CleanStr, LanguageStr
from service.sources.schemas import HttpUrl, IntervalMinutes
from service.updates import PartialUpdate

OutletName = Annotated[
    CleanStr,
    Field(
        min_length=1,
        max_length=128,
        pattern=r"^\S(.*\S)?$",
        description="The outlet's name, shown on its articles and queue items.",
    ),
]


class FeedCreate(BaseModel):
    """A feed to monitor."""

    model_config = ConfigDict(extra="forbid")

    name: OutletName
    url: HttpUrl
    kind: FeedKind = FeedKind.AUTO
    language: LanguageStr | None = Field(
        default=None,
        description="The outlet's language (ISO 639 code, BCP 47 tag or name): only "
        "fact-checks in it are matched.",
    )
    interval_minutes: IntervalMinutes = 15
    enabled: bool = True


class FeedUpdate(PartialUpdate):
    """Fields to change; the name stays."""

    not_null = ("kind", "interval_minutes", "enabled")

    url: HttpUrl | None = None
    kind: FeedKind | None = None
    language: LanguageStr | None = None
    interval_minutes: IntervalMinutes | None = None
    enabled: bool | None = None


class FeedRunOut(BaseModel):
    """One poll of a feed."""

    model_config = ConfigDict(from_attributes=True)

    id: int
    status: RunStatus
    trigger: str
    started_at: dt.datetime
    finished_at: dt.datetime | None
    duration_s: float | None
    not_modified: bool = Field(description="The feed had not changed since the last poll.")
    entries: int = Field(description="Entries the feed listed.")
    new_items: int = Field(description="Articles seen for the first time (queued for analysis).")
    error: str | None


class FeedItemOut(BaseModel):
    """An article a feed listed, and what became of it."""

    model_config = ConfigDict(from_attributes=True)

    id: int
    url: str
    title: str | None
    published_at: dt.datetime | None
    status: ItemStatus
    attempts: int
    error: str | None
    article_id: int | None = Field(description="The stored analysis (GET /v1/articles/{id}).")
    sentences: int | None
    flagged: int | None = Field(description="Claims flagged with a known fact-check.")
    discovered_at: dt.datetime
    analysed_at: dt.datetime | None


class FeedOut(BaseModel):
    """A monitored feed with its schedule, latest poll and articles per status."""

    model_config = ConfigDict(from_attributes=True)

    id: int
    name: str
    url: str
    kind: FeedKind
    language: str | None
    interval_minutes: int
    enabled: bool
    next_run_at: dt.datetime | None
    last_run_at: dt.datetime | None
    last_run: FeedRunOut | None = None
    items: dict[str, int] = Field(default_factory=dict, description="Articles per status.")
