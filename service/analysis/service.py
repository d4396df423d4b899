"""Article analysis: validate the text, keep the index current, run the pipeline."""

from __future__ import annotations

import datetime as dt
from collections.abc import Callable

from sqlalchemy.orm import Session, sessionmaker

from claims_db.search import SearchBackend
from models.pipeline import ArticleAnalysis, ClaimAnalysis, Pipeline
from models.retrieval import Tier
from models.segmentation import SegmentKind
from service.analysis.schemas import (
    AnalyzeRequest,
    AnalyzeResponse,
    ArticleOut,
    ClaimOut,
    MatchOut,
    SuggestionOut,
)
from service.config import Settings
from service.errors import PayloadTooLargeError, UnprocessableError
from service.factchecks.schemas import FactCheckOut, MatchWhy
from service.reliability.deadline import Deadline
from service.reliability.extract import ExtractedArticle, extract_article
from service.triage import service as triage


def validate_text(text: str, max_chars: int) -> None:
    """Refuse text the pipeline cannot use, saying why."""
    if len(text) > max_chars:
        raise PayloadTooLargeError(f"text is {len(text):,} characters; the limit is {max_chars:,}")
    if "\x00" in text:
        raise UnprocessableError("text contains NUL characters; send plain text")
    if not text.strip():
        raise UnprocessableError("text is empty or only white space")


def _publication_date(value: dt.datetime | dt.date | None) -> dt.date | None:
    if isinstance(value, dt.datetime):
        return value.date()
    return value


def _claim_out(claim: ClaimAnalysis) -> ClaimOut:
    suggestion = claim.suggestion
    return ClaimOut(
        text=claim.text,
        start=claim.start,
        end=claim.end,
        check_worthiness=claim.check_worthiness,
        check_worthy=claim.check_worthy,
        precedent_similarity=claim.precedent,
        flagged=claim.flagged,
        matches=[
            MatchOut(
                fact_check=FactCheckOut.from_record(m.fact_check),
                similarity=round(m.similarity, 4),
                confidence=m.confidence,
                tier=m.tier or Tier.POSSIBLE,
                why=MatchWhy.from_match(claim.text, m),
            )
            for m in claim.matches
        ],
        suggestion=(
            SuggestionOut(
                verdict=suggestion.verdict,
                confidence=suggestion.confidence,
                reason=suggestion.reason,
            )
            if suggestion
            else None
        ),
        claimant=claim.claimant,
        claimant_start=claim.claimant_start,
        claimant_end=claim.claimant_end,
        sentence_start=claim.sentence_start,
        sentence_end=claim.sentence_end,
        stance=claim.stance,
        stance_confidence=claim.stance_confidence,
        verdict_agreement=claim.agreement.verdict_agreement if claim.agreement else None,
        publishers_disagree=claim.agreement.publishers_disagree if claim.agreement else False,
        triage_priority=claim.triage_priority,
        language=claim.language,
    )


def validate_html(html: str, max_bytes: int) -> None:
    """Refuse a page too large to extract (413), measured before any parsing."""
    # A character is at most 4 UTF-8 bytes: most pages are decided without encoding them.
    if len(html) * 4 <= max_bytes:
        return
    size = len(html.encode("utf-8", errors="surrogatepass"))
    if size > max_bytes:
        raise PayloadTooLargeError(
            f"html is {size:,} bytes; pages over {max_bytes:,} bytes are not extracted"
            " (CLAIMFLAG_MAX_HTML_BYTES); send the article's text instead"
        )


def article_text(
    request: AnalyzeRequest, max_html_bytes: int | None = None
) -> tuple[str, ExtractedArticle | None]:
    """The text to analyse: as sent, or extracted from the sent HTML page (size checked)."""
    if request.html is None:
        return request.text or "", None
    if max_html_bytes is not None:
        validate_html(request.html, max_html_bytes)
    extracted = extract_article(request.html, request.url)
    if extracted is None:
        raise UnprocessableError(
            "no article text could be extracted from html: the page has only menus, links or"
            " short lines, or markup the parser gives up on (elements nested more than 255"
            " deep); send the article itself as `text`"
        )
    return extracted.text, extracted


def to_response(
    request: AnalyzeRequest,
    analysis: ArticleAnalysis,
    *,
    extracted: ExtractedArticle | None = None,
) -> AnalyzeResponse:
    """The public response body for an analysis (of ``extracted`` text when html was sent)."""
    title = request.title or (extracted.title if extracted else None)
    if title is None:
        title = next((s.text for s in analysis.segments if s.kind is SegmentKind.HEADLINE), None)
    return AnalyzeResponse(
        article=ArticleOut(
            title=title,
            url=request.url,
            published_at=request.published_at,
            language=analysis.language,
            characters=len(extracted.text if extracted else request.text or ""),
            sentences=analysis.sentence_count,
            text=extracted.text if extracted else None,
        ),
        claims=[_claim_out(c) for c in analysis.claims],
    )


def _no_checkpoint(_stage: str) -> None:
    return None


def analyze_article(
    session: Session,
    pipeline: Pipeline,
    index: SearchBackend,
    request: AnalyzeRequest,
    *,
    max_chars: int,
    settings: Settings | None = None,
    submitted_by: str | None = None,
    submitted_by_key_id: int | None = None,
    publisher: str | None = None,
    max_html_bytes: int | None = None,
    checkpoint: Callable[[str], None] = _no_checkpoint,
) -> AnalyzeResponse:
    """Analyse one article against the current fact-check database.

    With ``settings``, reviewers' past decisions adjust the matches and, unless the request
    says ``store: false``, the analysis is stored and its claims queued for review, under
    ``publisher`` (the outlet's name; default: the URL's host). Sizes are checked before
    any work: sent html against ``max_html_bytes`` (default: the settings'), then the text.
    ``checkpoint(stage)`` is called between stages and before the first write; it raises
    to stop the work (a request's deadline).
    """
    if max_html_bytes is None and settings is not None:
        max_html_bytes = settings.max_html_bytes
    text, extracted = article_text(request, max_html_bytes)
    validate_text(text, max_chars)
    if request.published_at is None and extracted is not None and extracted.published:
        # The page's own date stands in when the request gives none (stored and echoed).
        request = request.model_copy(update={"published_at": extracted.published})
    checkpoint("index sync")
    index.sync(session)
    checkpoint("analysis")
    analysis = pipeline.analyze(
        text,
        index,
        published_at=_publication_date(request.published_at),
        language=request.language,
        max_age_days=request.max_age_days,
        checkpoint=checkpoint,
    )
    checkpoint("reviewer decisions")
    if settings is None:
        return to_response(request, analysis, extracted=extracted)
    model_name = pipeline.embedder.model_name
    triage.apply_reviewer_decisions(
        session,
        pipeline,
        analysis,
        model_name=model_name,
        threshold=settings.review_learning_threshold,
    )
    response = to_response(request, analysis, extracted=extracted)
    if request.store:
        checkpoint("store")
        article = triage.store_analysis(
            session,
            settings,
            # The stored text is the analysed one, extracted when html was sent.
            request.model_copy(update={"text": text}) if extracted else request,
            analysis,
            response,
            model_name=model_name,
            submitted_by=submitted_by,
            submitted_by_key_id=submitted_by_key_id,
            publisher=publisher,
        )
        response.article.id = article.id
    return response


def analyze_and_commit(
    session_factory: sessionmaker[Session],
    pipeline: Pipeline,
    index: SearchBackend,
    request: AnalyzeRequest,
    *,
    settings: Settings,
    deadline: Deadline,
    submitted_by: str | None = None,
    submitted_by_key_id: int | None = None,
) -> AnalyzeResponse:
    """``analyze_article`` in a session of its own, committed if the deadline allows.

    Everything happens in the calling thread, which owns the session from start to end:
    past the deadline the work stops at its next checkpoint and rolls back and closes
    its session here (``RequestTimeoutError``); nothing else ever touches it.
    """
    with session_factory() as session:
        try:
            response = analyze_article(
                session,
                pipeline,
                index,
                request,
                max_chars=settings.max_text_chars,
                settings=settings,
                submitted_by=submitted_by,
                submitted_by_key_id=submitted_by_key_id,
                checkpoint=deadline.check,
            )
            deadline.begin_commit()
            session.commit()
        except BaseException:
            session.rollback()
            raise
    return response
