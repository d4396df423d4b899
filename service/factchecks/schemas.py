"""Fact-check representations in the public API."""

from __future__ import annotations

import datetime as dt

from pydantic import BaseModel, ConfigDict

from models.matching import FactCheckRecord
from models.verdicts import Verdict


class FactCheckOut(BaseModel):
    """A published fact-check as the API returns it."""

    model_config = ConfigDict(from_attributes=True)

    id: int
    claim: str
    rating: str
    verdict: Verdict
    publisher: str
    url: str
    review_date: dt.date | None
    claimant: str | None = None
    publisher_site: str | None = None
    language: str = "en"

    @classmethod
    def from_record(cls, record: FactCheckRecord) -> FactCheckOut:
        return cls(
            id=record.id,
            claim=record.claim,
            rating=record.rating,
            verdict=record.verdict,
            publisher=record.publisher,
            url=record.url,
            review_date=record.review_date,
            claimant=record.claimant,
            publisher_site=record.publisher_site,
            language=record.language,
        )
