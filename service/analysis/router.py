"""Analysis routes."""

from __future__ import annotations

from fastapi import APIRouter

from service.analysis import service
from service.analysis.schemas import AnalyzeRequest, AnalyzeResponse
from service.deps import CurrentSubmitter, IndexDep, PipelineDep, SessionDep, SettingsDep

router = APIRouter(prefix="/v1", tags=["analysis"])


@router.post("/analyze", response_model=AnalyzeResponse)
def analyze(
    *,
    session: SessionDep,
    pipeline: PipelineDep,
    index: IndexDep,
    settings: SettingsDep,
    submitter: CurrentSubmitter,
    body: AnalyzeRequest,
) -> AnalyzeResponse:
    """Find the claims in an article, match them to published fact-checks, suggest verdicts."""
    return service.analyze_article(
        session,
        pipeline,
        index,
        body,
        max_chars=settings.max_text_chars,
        settings=settings,
        submitted_by=submitter.name,
        submitted_by_key_id=submitter.key_id,
    )
