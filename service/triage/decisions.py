"""Reviewers' decisions for a date range: the export, and the desk's figures.

A suggestion counts as accepted when its item was resolved as a confirmed match of the
suggested fact-check itself; the tier is that of the top match when the claim was queued.
"""

from __future__ import annotations

import csv
import datetime as dt
import io
import statistics
from dataclasses import dataclass

from pydantic import BaseModel, Field
from sqlalchemy.orm import Session

from claims_db.triage_models import QueueItem, Resolution
from claims_db.triage_repository import QueueRepository

# Decisions one export returns at most; narrow the date range for more.
MAX_EXPORT_ROWS = 100_000
NO_TIER = "none"


class DecisionOut(BaseModel):
    """One resolved queue item as exported."""

    item_id: int
    kind: str
    claim_text: str
    resolution: str
    tier: str = Field(description="Tier of the suggested match when queued; `none` without one.")
    suggested_fact_check_id: int | None
    suggested_verdict: str | None
    suggested_publisher: str | None
    accepted: bool = Field(description="Resolved as a confirmed match of the suggestion itself.")
    resolved_fact_check_id: int | None
    resolved_by: str | None
    resolved_by_key_id: int | None
    created_at: dt.datetime
    resolved_at: dt.datetime | None
    hours_to_decision: float | None


def _accepted(item: QueueItem) -> bool:
    return (
        item.resolution == Resolution.CONFIRMED_MATCH.value
        and item.fact_check_id is not None
        and item.resolved_fact_check_id == item.fact_check_id
    )


def decisions(
    session: Session, start: dt.datetime | None, end: dt.datetime | None
) -> list[DecisionOut]:
    """Items resolved in ``[start, end)``, oldest decision first."""
    repository = QueueRepository(session)
    items = repository.resolved_between(start, end, MAX_EXPORT_ROWS)
    tiers = repository.suggestion_tiers([item.id for item in items])
    return [
        DecisionOut(
            item_id=item.id,
            kind=item.kind,
            claim_text=item.claim_text,
            resolution=item.resolution or "",
            tier=tiers.get(item.id, NO_TIER),
            suggested_fact_check_id=item.fact_check_id,
            suggested_verdict=item.suggested_verdict,
            suggested_publisher=item.fact_check_publisher,
            accepted=_accepted(item),
            resolved_fact_check_id=item.resolved_fact_check_id,
            resolved_by=item.resolved_by,
            resolved_by_key_id=item.resolved_by_key_id,
            created_at=item.created_at,
            resolved_at=item.resolved_at,
            hours_to_decision=(
                round((item.resolved_at - item.created_at).total_seconds() / 3600, 4)
                if item.resolved_at
                else None
            ),
        )
        for item in items
    ]


def as_csv(rows: list[DecisionOut]) -> str:
    """The decisions as CSV with a header row (RFC 4180 quoting, UTC ISO timestamps)."""
    buffer = io.StringIO()
    writer = csv.DictWriter(buffer, fieldnames=list(DecisionOut.model_fields), lineterminator="\n")
    writer.writeheader()
    for row in rows:
        writer.writerow(
            {
                key: "" if value is None else value
                for key, value in row.model_dump(mode="json").items()
            }
        )
    return buffer.getvalue()


@dataclass(frozen=True, slots=True)
class TierShare:
    """How often reviewers accepted the suggestions of one tier."""

    tier: str
    decided: int
    accepted: int

    @property
    def share(self) -> float | None:
        return self.accepted / self.decided if self.decided else None


@dataclass(frozen=True, slots=True)
class DeskFigures:
    """The dashboard's numbers for a date range."""

    start: dt.datetime | None
    end: dt.datetime | None
    items_in: int
    decided: int
    median_hours_to_decision: float | None
    by_resolution: dict[str, int]
    tiers: list[TierShare]


TIER_ORDER = ("confirmed", "likely", "possible", NO_TIER)


def desk_figures(
    session: Session, start: dt.datetime | None, end: dt.datetime | None
) -> DeskFigures:
    """Items queued and decided in ``[start, end)``, time to decision, acceptance per tier."""
    rows = decisions(session, start, end)
    hours = [row.hours_to_decision for row in rows if row.hours_to_decision is not None]
    by_resolution: dict[str, int] = {}
    for row in rows:
        by_resolution[row.resolution] = by_resolution.get(row.resolution, 0) + 1
    tiers = []
    for tier in TIER_ORDER:
        judged = [row for row in rows if row.tier == tier and row.suggested_fact_check_id]
        if judged:
            tiers.append(TierShare(tier, len(judged), sum(1 for row in judged if row.accepted)))
    return DeskFigures(
        start=start,
        end=end,
        items_in=QueueRepository(session).created_between(start, end),
        decided=len(rows),
        median_hours_to_decision=statistics.median(hours) if hours else None,
        by_resolution=by_resolution,
        tiers=tiers,
    )
