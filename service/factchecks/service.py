"""Fact-check lookups for the API."""

from __future__ import annotations

from sqlalchemy.orm import Session

from claims_db.repository import FactCheckRepository, to_record
from service.errors import NotFoundError
from service.factchecks.schemas import FactCheckOut


def get_fact_check(session: Session, fact_check_id: int) -> FactCheckOut:
    """One fact-check by id, or ``NotFoundError``."""
    row = FactCheckRepository(session).get(fact_check_id)
    if row is None:
        raise NotFoundError(f"no fact-check with id {fact_check_id}")
    return FactCheckOut.from_record(to_record(row))
