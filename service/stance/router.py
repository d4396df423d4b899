"""Stance routes."""

from __future__ import annotations

from fastapi import APIRouter

from service.deps import CurrentSubmitter, SettingsDep, StanceDep
from service.stance import service
from service.stance.schemas import StanceRequest, StanceResponse

router = APIRouter(prefix="/v1", tags=["stance"])


@router.post("/stance", response_model=StanceResponse)
def stance(
    *,
    model: StanceDep,
    settings: SettingsDep,
    _submitter: CurrentSubmitter,  # authenticates and rate-limits the caller
    body: StanceRequest,
) -> StanceResponse:
    """Whether a text asserts, reports or debunks a claim (or does not speak to it), with the
    calibrated probabilities and the sentence that decided it."""
    return service.read_stance(model, body, max_chars=settings.max_text_chars)
