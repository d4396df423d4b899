"""Stance routes."""

from __future__ import annotations

from fastapi import APIRouter, Request

from service.deps import CurrentSubmitter, SettingsDep, StanceDep
from service.reliability.admission import run_admitted
from service.reliability.deadline import Deadline
from service.stance import service
from service.stance.schemas import StanceRequest, StanceResponse

router = APIRouter(prefix="/v1", tags=["stance"])


@router.post("/stance", response_model=StanceResponse)
async def stance(
    *,
    request: Request,
    model: StanceDep,
    settings: SettingsDep,
    _submitter: CurrentSubmitter,  # authenticates and rate-limits the caller
    body: StanceRequest,
) -> StanceResponse:
    """Whether a text asserts, reports or debunks a claim (or does not speak to it), with the
    calibrated probabilities and the sentence that decided it.

    Model work like an analysis: it shares the bound on analyses in flight (503 ``busy``).
    """

    def work(deadline: Deadline) -> StanceResponse:
        deadline.check("stance reading")
        return service.read_stance(model, body, max_chars=settings.max_text_chars)

    return await run_admitted(request, work)
