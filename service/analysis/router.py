"""Analysis routes."""

from __future__ import annotations

from fastapi import APIRouter, Request

from service.analysis import service
from service.analysis.schemas import AnalyzeRequest, AnalyzeResponse
from service.deps import CurrentSubmitter, RuntimeDep
from service.reliability.admission import run_admitted
from service.reliability.deadline import Deadline

router = APIRouter(prefix="/v1", tags=["analysis"])


@router.post("/analyze", response_model=AnalyzeResponse)
async def analyze(
    *,
    request: Request,
    runtime: RuntimeDep,
    submitter: CurrentSubmitter,
    body: AnalyzeRequest,
) -> AnalyzeResponse:
    """Find the claims in an article, match them to published fact-checks, suggest verdicts.

    At most ``CLAIMFLAG_MAX_ANALYSES_IN_FLIGHT`` analyses run at once; past a short wait
    for a free slot the answer is 503 ``busy`` with ``Retry-After``.
    """

    def work(deadline: Deadline) -> AnalyzeResponse:
        return service.analyze_and_commit(
            runtime.session_factory,
            runtime.pipeline,
            runtime.index,
            body,
            settings=runtime.settings,
            deadline=deadline,
            submitted_by=submitter.name,
            submitted_by_key_id=submitter.key_id,
        )

    return await run_admitted(request, work)
