"""Fact-check routes."""

from __future__ import annotations

from fastapi import APIRouter

from service.deps import SessionDep
from service.factchecks import service
from service.factchecks.schemas import FactCheckOut

router = APIRouter(prefix="/v1/factchecks", tags=["factchecks"])


@router.get("/{fact_check_id}", response_model=FactCheckOut)
def get_fact_check(*, session: SessionDep, fact_check_id: int) -> FactCheckOut:
    """One published fact-check."""
    return service.get_fact_check(session, fact_check_id)
