"""Fact-check reads, writes, search and feed imports for the API.

Writes embed the changed claims in the same transaction (``embed_pending``), so the next
search or analysis sees them: the shared index reloads when the table signature changes.
"""

from __future__ import annotations

import base64
import binascii
import dataclasses
import logging
from collections.abc import Callable, Mapping
from typing import IO

from sqlalchemy.orm import Session

from claims_db.importers.feeds import FeedFormat, detect_format, read_feed
from claims_db.importers.nesting import JsonTooDeepError
from claims_db.importers.records import site_of
from claims_db.ingest import ClaimEncoder, embed_pending, ingest
from claims_db.models import FactCheck
from claims_db.repository import (
    FactCheckFilter,
    FactCheckInput,
    FactCheckRepository,
    to_record,
)
from claims_db.search import SearchBackend
from models.embedding import Embedder
from models.pipeline import Pipeline
from models.verdicts import normalize_rating
from service.errors import ConflictError, NotFoundError, UnprocessableError
from service.factchecks.schemas import (
    FactCheckCreate,
    FactCheckDetail,
    FactCheckOut,
    FactCheckPage,
    FactCheckUpdate,
    ImportSummaryOut,
    MatchWhy,
    RevisionOut,
    SearchResponse,
    SearchResult,
)
from service.triage.service import forget_fact_check

logger = logging.getLogger(__name__)

# Ids are 32-bit INTEGERs on PostgreSQL (and far below this on SQLite in practice).
MAX_CURSOR_ID = 2**31 - 1


class JsonTooDeepProblem(UnprocessableError):
    code = "json_too_deep"
    title = "JSON nested too deeply"


def _detail(repository: FactCheckRepository, row: FactCheck) -> FactCheckDetail:
    record = FactCheckOut.from_record(to_record(row))
    return FactCheckDetail(
        **record.model_dump(),
        claim_date=row.claim_date,
        title=row.title,
        source=row.source,
        created_at=row.created_at,
        updated_at=row.updated_at,
        history=[RevisionOut.model_validate(r) for r in repository.revisions(row.id)],
    )


def _existing(repository: FactCheckRepository, fact_check_id: int) -> FactCheck:
    row = repository.get(fact_check_id)
    if row is None:
        raise NotFoundError(f"no fact-check with id {fact_check_id}")
    return row


def get_fact_check(session: Session, fact_check_id: int) -> FactCheckDetail:
    """One fact-check by id with its history, or ``NotFoundError``."""
    repository = FactCheckRepository(session)
    return _detail(repository, _existing(repository, fact_check_id))


def create_fact_check(
    session: Session,
    embedder: Embedder,
    body: FactCheckCreate,
    *,
    actor: str | None = None,
    multilingual: ClaimEncoder | None = None,
) -> FactCheckDetail:
    """Add a fact-check and embed it (with ``multilingual`` in that space too);
    ``ConflictError`` if its url and claim exist."""
    repository = FactCheckRepository(session)
    existing = repository.find(body.url, body.claim)
    if existing is not None:
        raise ConflictError(f"fact-check {existing.id} already has this url and claim")
    row, _ = repository.upsert(
        FactCheckInput(
            claim=body.claim,
            rating=body.rating,
            publisher=body.publisher,
            url=body.url,
            claimant=body.claimant,
            publisher_site=body.publisher_site or site_of(body.url),
            review_date=body.review_date,
            claim_date=body.claim_date,
            title=body.title,
            language=body.language,
            verdict=body.verdict,
            source="api",
        ),
        actor=actor,
    )
    embed_pending(session, embedder, multilingual=multilingual)
    return _detail(repository, row)


def update_fact_check(
    session: Session,
    embedder: Embedder,
    fact_check_id: int,
    body: FactCheckUpdate,
    *,
    actor: str | None = None,
    multilingual: ClaimEncoder | None = None,
) -> FactCheckDetail:
    """Change a fact-check; a new rating keeps the old one in its history.

    A new rating without a verdict re-derives the verdict from the rating. The change is
    embedded again (with ``multilingual`` in that space too).
    """
    repository = FactCheckRepository(session)
    row = _existing(repository, fact_check_id)
    changes = body.model_dump(exclude_unset=True)
    if "verdict" in changes:
        verdict = changes["verdict"] or normalize_rating(changes.get("rating", row.rating))
        changes["verdict"] = verdict.value
    elif "rating" in changes:
        changes["verdict"] = normalize_rating(changes["rating"]).value
    claim, url = changes.get("claim", row.claim), changes.get("url", row.url)
    if "claim" in changes or "url" in changes:
        clash = repository.find(url, claim)
        if clash is not None and clash.id != row.id:
            raise ConflictError(f"fact-check {clash.id} already has this url and claim")
    repository.update(row, changes, actor=actor, source="api")
    embed_pending(session, embedder, multilingual=multilingual)
    return _detail(repository, row)


def delete_fact_check(
    session: Session, fact_check_id: int, *, actor: str = "system", actor_key_id: int | None = None
) -> None:
    """Delete a fact-check with its embeddings, history and learned review decisions.

    Queue items naming it keep their snapshot of it, say it was deleted, and get an audit
    entry; its id is never given to another fact-check.
    """
    repository = FactCheckRepository(session)
    row = _existing(repository, fact_check_id)
    forget_fact_check(session, fact_check_id, actor, actor_key_id)
    repository.delete(row)


def encode_cursor(last_id: int) -> str:
    """An opaque cursor pointing after ``last_id``."""
    return base64.urlsafe_b64encode(f"id:{last_id}".encode()).decode().rstrip("=")


def decode_cursor(cursor: str) -> int:
    """The id a cursor points after; ``UnprocessableError`` for a cursor we did not issue."""
    try:
        text = base64.urlsafe_b64decode(cursor + "=" * (-len(cursor) % 4)).decode()
        prefix, _, value = text.partition(":")
        if prefix != "id" or not value.isdigit() or len(value) > 10:
            raise ValueError(text)
        last_id = int(value)
        if last_id > MAX_CURSOR_ID:  # beyond any row id: an overflow in the driver else
            raise ValueError(text)
        return last_id
    except (ValueError, binascii.Error, UnicodeDecodeError) as error:
        raise UnprocessableError("cursor is not one this API issued") from error


def list_fact_checks(
    session: Session, search_filter: FactCheckFilter, *, cursor: str | None, limit: int
) -> FactCheckPage:
    """A page of fact-checks by id, with the cursor of the next page when there is one."""
    after_id = decode_cursor(cursor) if cursor else 0
    rows = FactCheckRepository(session).page(search_filter, after_id=after_id, limit=limit + 1)
    items = [FactCheckOut.from_record(to_record(row)) for row in rows[:limit]]
    next_cursor = encode_cursor(rows[limit - 1].id) if len(rows) > limit else None
    return FactCheckPage(items=items, next_cursor=next_cursor)


def search_fact_checks(
    session: Session,
    pipeline: Pipeline,
    index: SearchBackend,
    query: str,
    *,
    limit: int,
    language: str | None = None,
    publisher: str | None = None,
    max_age_days: int | None = None,
) -> SearchResponse:
    """Fact-checks for a free-text query, best first, through the analysis matcher.

    The same ``Matcher`` as ``/v1/analyze`` fuses dense (meaning) and BM25 (keyword)
    candidates and re-ranks them; ``score`` is its calibrated confidence. A query in
    another language is ranked in the multilingual space (``Pipeline.search``). With
    ``max_age_days`` only fact-checks with a review date in that window qualify.
    """
    if not query.strip():
        raise UnprocessableError("q is empty or only white space")
    index.sync(session)
    search_filter = dataclasses.replace(
        pipeline.search_filter(None, language, max_age_days), publisher=publisher
    )
    matches = pipeline.search(query, index, search_filter, limit=limit)
    if search_filter.reviewed_after is not None:
        matches = [m for m in matches if m.fact_check.review_date is not None]
    return SearchResponse(
        results=[
            SearchResult(
                fact_check=FactCheckOut.from_record(m.fact_check),
                score=round(m.confidence, 4),
                similarity=round(m.similarity, 4),
                tier=m.tier,
                why=MatchWhy.from_match(query, m),
            )
            for m in matches
        ]
    )


def parse_columns(pairs: list[str]) -> dict[str, str]:
    """``["claim=statement", …]`` as a field → column mapping."""
    mapping = {}
    for pair in pairs:
        field, sep, column = pair.partition("=")
        if not sep or not field.strip() or not column.strip():
            raise UnprocessableError(f"column mapping {pair!r} is not FIELD=COLUMN")
        mapping[field.strip()] = column.strip()
    return mapping


def import_feed(
    session_factory: Callable[[], Session],
    embedder: Embedder,
    stream: IO[bytes],
    feed_format: FeedFormat,
    *,
    columns: Mapping[str, str] | None = None,
    source: str = "import",
    actor: str | None = None,
    multilingual: ClaimEncoder | None = None,
) -> ImportSummaryOut:
    """Import a feed, committing batch by batch as the CLI does (whole batches survive)."""
    if feed_format is FeedFormat.AUTO:
        feed_format = detect_format(stream.read(64 * 1024))
        stream.seek(0)
    try:
        items = read_feed(stream, feed_format, columns=columns, source=source)
    except JsonTooDeepError as error:
        raise JsonTooDeepProblem(str(error)) from error
    except ValueError as error:
        raise UnprocessableError(str(error)) from error
    summary = ingest(session_factory, embedder, items, actor=actor, multilingual=multilingual)
    logger.info(
        "import (%s): %d inserted, %d updated, %d unchanged, %d rejected, %d skipped",
        feed_format.value,
        summary.inserted,
        summary.updated,
        summary.unchanged,
        summary.rejected,
        summary.skipped,
    )
    return ImportSummaryOut(
        format=feed_format.value,
        inserted=summary.inserted,
        updated=summary.updated,
        unchanged=summary.unchanged,
        rejected=summary.rejected,
        skipped=summary.skipped,
        errors=summary.errors,
        skipped_reasons=dict(summary.skipped_reasons),
    )
