"""Storing analyses and queueing their claims: priority, kinds (suggested verdict, possible
match, new claim), and the duplicate index that turns recurrences into occurrences.
"""

from __future__ import annotations

import datetime as dt
import logging
from collections.abc import Sequence
from urllib.parse import urlsplit

import numpy as np
import numpy.typing as npt
from sqlalchemy.orm import Session

from claims_db.base import utcnow
from claims_db.models import EMBEDDING_DIM
from claims_db.triage_models import (
    Article,
    ArticleClaim,
    AuditEntry,
    ItemKind,
    ItemStatus,
    QueueItem,
)
from claims_db.triage_repository import (
    ArticleRepository,
    QueueRepository,
)
from models.pipeline import ArticleAnalysis, ClaimAnalysis
from models.retrieval import Match, Tier
from models.verdicts import VERDICT_SEVERITY, Verdict
from service.analysis.schemas import AnalyzeRequest, AnalyzeResponse
from service.config import Settings
from service.triage.reading import _event_data, _snapshot
from service.webhooks import queue_event

logger = logging.getLogger(__name__)


UNKNOWN_SEVERITY = 0.5


DEBUNKING_FACTOR = 0.5


def priority(
    check_worthiness: float,
    match_confidence: float | None,
    verdict: str | None,
    occurrences: int,
    *,
    debunking: bool = False,
) -> float:
    """The item's triage priority per the formula in this module's docstring."""
    severity = VERDICT_SEVERITY.get(Verdict(verdict), UNKNOWN_SEVERITY) if verdict else None
    score = (
        0.35 * check_worthiness
        + 0.25 * (match_confidence or 0.0)
        + 0.25 * (UNKNOWN_SEVERITY if severity is None else severity)
        + 0.15 * (1.0 - 1.0 / max(occurrences, 1))
    )
    if debunking:
        score *= DEBUNKING_FACTOR
    return round(score, 4)


def _reprioritise(item: QueueItem) -> None:
    item.priority = priority(
        item.check_worthiness,
        item.match_similarity,
        item.suggested_verdict,
        item.occurrence_count,
        debunking=item.debunking_count >= item.occurrence_count,
    )


def _publisher(url: str | None) -> str | None:
    host = urlsplit(url).hostname if url else None
    return host.removeprefix("www.") if host else None


def store_analysis(
    session: Session,
    settings: Settings,
    request: AnalyzeRequest,
    analysis: ArticleAnalysis,
    response: AnalyzeResponse,
    *,
    model_name: str,
    submitted_by: str | None,
    submitted_by_key_id: int | None = None,
    publisher: str | None = None,
) -> Article:
    """Store the article and its claims and queue the claims a reviewer should see.

    ``publisher`` names the outlet (a monitored feed's name); default: the URL's host.
    """
    published = request.published_at.isoformat() if request.published_at else None
    article = Article(
        title=response.article.title,
        url=request.url,
        publisher=publisher or _publisher(request.url),
        published_at=published,
        language=response.article.language,
        text=request.text,
        sentences=response.article.sentences,
        submitted_by=submitted_by,
        submitted_by_key_id=submitted_by_key_id,
    )
    ArticleRepository(session).add(article)  # the write makes SQLite hold its writer lock
    queue = QueueRepository(session)
    queue.lock_for_enqueue()
    now = utcnow()
    candidates = _DedupIndex(
        queue.dedup_candidates(model_name, now - dt.timedelta(days=settings.queue_recent_days))
    )
    for position, (claim, out) in enumerate(zip(analysis.claims, response.claims, strict=True)):
        best = out.matches[0] if out.matches else None
        stored = ArticleClaim(
            article_id=article.id,
            position=position,
            text=out.text,
            start=out.start,
            end=out.end,
            check_worthiness=out.check_worthiness,
            flagged=out.flagged,
            suggested_verdict=out.suggestion.verdict.value if out.suggestion else None,
            top_fact_check_id=best.fact_check.id if best else None,
            top_similarity=best.similarity if best else None,
            stance=getattr(out, "stance", None),
            payload=out.model_dump(mode="json"),
        )
        session.add(stored)
        kind = _queue_kind(claim, settings)
        if kind is not None and claim.vector is not None:
            _enqueue(session, queue, candidates, article, stored, claim, kind, model_name, settings)
    session.flush()
    return article


class _DedupIndex:
    """The items a claim may join, as one matrix built once per article and grown in place.

    Stacking every candidate's vector for each claim cost 70 ms a claim at 20,000 open
    items; the matrix is now built once (with room to spare) and new items are written
    into its free rows.
    """

    def __init__(self, items: Sequence[QueueItem]) -> None:
        self.items = list(items)
        self._size = len(self.items)
        self._matrix = np.zeros((self._size + 64, EMBEDDING_DIM), dtype=np.float32)
        if self.items:
            self._matrix[: self._size] = np.stack([item.vector for item in self.items])

    def nearest(self, vector: npt.NDArray[np.float32]) -> tuple[QueueItem, float] | None:
        """The most similar item and its similarity, or None when there is none."""
        if not self._size:
            return None
        similarities = self._matrix[: self._size] @ vector
        top = int(np.argmax(similarities))
        return self.items[top], float(similarities[top])

    def add(self, item: QueueItem) -> None:
        if self._size == len(self._matrix):
            grown = np.zeros((2 * self._size, EMBEDDING_DIM), dtype=np.float32)
            grown[: self._size] = self._matrix
            self._matrix = grown
        self._matrix[self._size] = item.vector
        self.items.append(item)
        self._size += 1


def _queue_kind(claim: ClaimAnalysis, settings: Settings) -> ItemKind | None:
    if claim.flagged:
        return ItemKind.SUGGESTED_VERDICT
    if _possible_match(claim, settings) is not None:
        return ItemKind.POSSIBLE_MATCH
    if claim.check_worthy and claim.check_worthiness >= settings.queue_new_claim_threshold:
        return ItemKind.NEW_CLAIM
    return None


def _possible_match(claim: ClaimAnalysis, settings: Settings) -> Match | None:
    """The claim's best match when it is only ``possible`` but so similar that a reviewer
    should see it rather than have it dropped (``CLAIMFLAG_QUEUE_POSSIBLE_SIMILARITY``).

    Similarity, not confidence: on news prose the calibrated confidence of a ``possible``
    match says little (docs/matching.md), while a close paraphrase is worth a look.
    """
    best = claim.matches[0] if claim.matches else None
    if best is None or best.tier is not Tier.POSSIBLE:
        return None
    return best if best.similarity >= settings.queue_possible_similarity else None


_KIND_RANK = {ItemKind.NEW_CLAIM: 0, ItemKind.POSSIBLE_MATCH: 1, ItemKind.SUGGESTED_VERDICT: 2}


def _enqueue(
    session: Session,
    queue: QueueRepository,
    candidates: _DedupIndex,
    article: Article,
    stored: ArticleClaim,
    claim: ClaimAnalysis,
    kind: ItemKind,
    model_name: str,
    settings: Settings,
) -> None:
    vector = np.asarray(claim.vector, dtype=np.float32)
    debunking = getattr(claim, "stance", None) == "debunks"
    # The kind was chosen from the claim's best match: a suggested verdict and a possible
    # match both carry it, a new claim has none worth keeping.
    best = claim.matches[0] if kind is not ItemKind.NEW_CLAIM else None
    existing: QueueItem | None = None
    nearest = candidates.nearest(vector)
    if nearest is not None and nearest[1] >= settings.queue_dedup_threshold:
        existing = nearest[0]
        stored.item_similarity = round(nearest[1], 4)
    if existing is not None:
        existing.occurrence_count += 1
        existing.debunking_count += int(debunking)
        existing.check_worthiness = max(existing.check_worthiness, claim.check_worthiness)
        # An item only grows more certain: a new claim gains a match, a possible match a
        # suggestion.
        if best is not None and _KIND_RANK[kind] > _KIND_RANK[ItemKind(existing.kind)]:
            existing.kind = kind
            existing.fact_check_id = best.fact_check.id
            existing.fact_check_publisher = best.fact_check.publisher
            existing.fact_check_claim = best.fact_check.claim
            existing.fact_check_url = best.fact_check.url
            existing.suggested_verdict = best.fact_check.verdict.value
            existing.match_similarity = round(best.similarity, 4)
        _reprioritise(existing)
        existing.updated_at = utcnow()
        session.flush()
        stored.queue_item_id = existing.id
        logger.info(
            "claim joined queue item %d (occurrence %d)", existing.id, existing.occurrence_count
        )
        return
    item = QueueItem(
        kind=kind.value,
        status=ItemStatus.OPEN.value,
        claim_text=claim.text,
        model_name=model_name,
        vector=vector,
        check_worthiness=claim.check_worthiness,
        match_similarity=round(best.similarity, 4) if best else None,
        suggested_verdict=best.fact_check.verdict.value if best else None,
        fact_check_id=best.fact_check.id if best else None,
        fact_check_publisher=best.fact_check.publisher if best else None,
        fact_check_claim=best.fact_check.claim if best else None,
        fact_check_url=best.fact_check.url if best else None,
        article_publisher=article.publisher,
        occurrence_count=1,
        debunking_count=int(debunking),
        version=1,
    )
    _reprioritise(item)
    queue.add(item)
    stored.queue_item_id = item.id
    stored.item_similarity = 1.0
    candidates.add(item)
    queue.add_audit(
        AuditEntry(
            item_id=item.id, actor="system", action="create", after=_snapshot(item, utcnow())
        )
    )
    queue_event(session, "queue_item.created", _event_data(item, utcnow()))
