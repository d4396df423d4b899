"""Stored analyses, the deduplicated claim queue, the review workflow and what it teaches.

Priority of a queue item (0..1, higher first) is a weighted sum, halved when every
occurrence is an article debunking the claim::

    0.35 * check_worthiness + 0.25 * match_confidence + 0.25 * verdict_severity
    + 0.15 * (1 - 1 / occurrences)

``match_confidence`` is the best similarity to the suggested fact-check (0 for a new
claim) and ``verdict_severity`` comes from ``models.verdicts.VERDICT_SEVERITY`` (0.5 when
no verdict is suggested yet).
"""

from __future__ import annotations

import datetime as dt
import logging
from collections.abc import Callable, Sequence
from typing import Any
from urllib.parse import urlsplit

import numpy as np
import numpy.typing as npt
from sqlalchemy.orm import Session

from claims_db.base import utcnow
from claims_db.export import claim_review_draft
from claims_db.models import EMBEDDING_DIM
from claims_db.repository import FactCheckRepository
from claims_db.triage_models import (
    Article,
    ArticleClaim,
    AuditEntry,
    Decision,
    ItemKind,
    ItemStatus,
    QueueItem,
    Resolution,
    ReviewDecision,
)
from claims_db.triage_repository import (
    ArticleRepository,
    QueueFilter,
    QueueRepository,
    QueueSort,
    ReviewDecisionRepository,
)
from models.pipeline import ArticleAnalysis, ClaimAnalysis, Pipeline, Suggestion
from models.retrieval import Match, Tier
from models.stance import Stance
from models.verdicts import VERDICT_SEVERITY, Verdict
from service.analysis.schemas import AnalyzeRequest, AnalyzeResponse, MatchOut
from service.auth.schemas import Principal, Role
from service.config import Settings
from service.errors import ClaimflagError, NotFoundError, UnprocessableError
from service.triage.schemas import (
    AuditEntryOut,
    CandidateOut,
    OccurrenceOut,
    QueueCounts,
    QueueItemDetail,
    QueueItemOut,
    QueuePage,
    StoredArticleOut,
    StoredClaimOut,
)
from service.webhooks import queue_event

logger = logging.getLogger(__name__)

UNKNOWN_SEVERITY = 0.5
DEBUNKING_FACTOR = 0.5
REVIEWER_REASON = "Confirmed by a reviewer"


class ConflictError(ClaimflagError):
    status_code = 409
    code = "conflict"
    title = "Conflict"


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


# --- learning from reviewers -------------------------------------------------------------


def apply_reviewer_decisions(
    session: Session,
    pipeline: Pipeline,
    analysis: ArticleAnalysis,
    *,
    model_name: str,
    threshold: float,
) -> None:
    """Make reviewers' past decisions win over the model for claims they already judged.

    A claim at least ``threshold`` similar to a reviewed claim gets its confirmed
    fact-check as the top match with a reviewer's reason, and never a rejected one.
    """
    repository = ReviewDecisionRepository(session)
    decisions = repository.active(model_name)
    if not decisions:
        return
    matrix = np.stack([d.vector for d in decisions])
    changed: list[ClaimAnalysis] = []
    for claim in analysis.claims:
        if claim.vector is None:
            continue
        similarities = matrix @ np.asarray(claim.vector, dtype=np.float32)
        latest: dict[int, tuple[ReviewDecision, float]] = {}
        for decision, similarity in zip(decisions, similarities.tolist(), strict=True):
            if similarity >= threshold:
                latest[decision.fact_check_id] = (decision, similarity)  # later ids win
        if latest:
            top = claim.matches[0].fact_check.id if claim.matches else None
            _apply(session, pipeline, claim, list(latest.values()), model_name)
            if top != (claim.matches[0].fact_check.id if claim.matches else None):
                changed.append(claim)
    if changed:
        # The stance is read towards the top fact-check's claim, which a decision replaced.
        pipeline.read_stances(analysis, changed)


def _apply(
    session: Session,
    pipeline: Pipeline,
    claim: ClaimAnalysis,
    decisions: list[tuple[ReviewDecision, float]],
    model_name: str,
) -> None:
    rejected = {d.fact_check_id for d, _ in decisions if d.decision == Decision.REJECTED}
    matches = [m for m in claim.matches if m.fact_check.id not in rejected]
    confirmed = [(d, s) for d, s in decisions if d.decision == Decision.CONFIRMED]
    if not confirmed:
        if len(matches) != len(claim.matches):
            claim.matches = matches
            claim.suggestion = pipeline.suggest(claim.text, matches)
        return
    decision, claim_similarity = max(confirmed, key=lambda pair: pair[1])
    known = next((m for m in matches if m.fact_check.id == decision.fact_check_id), None)
    if known is None:
        record = (
            FactCheckRepository(session)
            .records([decision.fact_check_id])
            .get(decision.fact_check_id)
        )
        fact_check_vector = ReviewDecisionRepository(session).fact_check_vector(
            decision.fact_check_id, model_name
        )
        if record is None or fact_check_vector is None or claim.vector is None:
            return
        similarity = float(fact_check_vector @ np.asarray(claim.vector, dtype=np.float32))
        known = Match(record, similarity, 0.0, 0.0, 0.0, Tier.CONFIRMED)
    # A reviewer's confirmation puts the fact-check in the match tier with that confidence.
    confidence = round(min(1.0, max(0.0, claim_similarity)), 4)
    known = Match(
        known.fact_check,
        known.similarity,
        known.lexical_score,
        known.score,
        confidence,
        Tier.CONFIRMED,
    )
    claim.matches = [known, *(m for m in matches if m.fact_check.id != known.fact_check.id)]
    record = known.fact_check
    claim.suggestion = Suggestion(
        verdict=record.verdict,
        confidence=confidence,
        reason=(
            f"{REVIEWER_REASON} ({decision.decided_by}): repeats a claim {record.publisher} "
            f"rated “{record.rating}”: {record.claim}"
        ),
    )


# --- stored analyses and queueing ---------------------------------------------------------


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
        language=request.language,
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
    best = claim.matches[0] if claim.flagged and claim.matches else None
    if kind is ItemKind.POSSIBLE_MATCH:
        best = _possible_match(claim, settings)
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


# --- reading ------------------------------------------------------------------------------


def _effective(item: QueueItem, now: dt.datetime) -> tuple[str, str | None, dt.datetime | None]:
    expired = item.lease_expires_at is not None and item.lease_expires_at < now
    if item.status == ItemStatus.IN_REVIEW.value and expired:
        return ItemStatus.OPEN.value, None, None
    return item.status, item.assignee, item.lease_expires_at


def _holder_key(item: QueueItem, now: dt.datetime) -> int | None:
    status, _, _ = _effective(item, now)
    return item.assignee_key_id if status == ItemStatus.IN_REVIEW.value else None


def _holds(item: QueueItem, principal: Principal, now: dt.datetime) -> bool:
    """Whether ``principal`` holds the item's lease: the same key, not just the same name."""
    status, assignee, _ = _effective(item, now)
    if status != ItemStatus.IN_REVIEW.value:
        return False
    if item.assignee_key_id is not None or principal.key_id is not None:
        return item.assignee_key_id == principal.key_id
    return assignee == principal.name  # auth off: the local user, no key


def _held_by(item: QueueItem, now: dt.datetime) -> str:
    _, assignee, _ = _effective(item, now)
    key = _holder_key(item, now)
    return f"{assignee} (key {key})" if key is not None else str(assignee)


def _snapshot(item: QueueItem, now: dt.datetime) -> dict[str, Any]:
    status, assignee, lease = _effective(item, now)
    return {
        "status": status,
        "resolution": item.resolution,
        "assignee": assignee,
        "assignee_key_id": _holder_key(item, now),
        "lease_expires_at": lease.isoformat() if lease else None,
        "resolved_fact_check_id": item.resolved_fact_check_id,
    }


def _event_data(item: QueueItem, now: dt.datetime) -> dict[str, Any]:
    return item_out(item, now).model_dump(mode="json")


def item_out(
    item: QueueItem, now: dt.datetime, stances: dict[str, int] | None = None
) -> QueueItemOut:
    """The API view of an item, with an expired lease shown as open (and its occurrences'
    stance counts when given)."""
    status, assignee, lease = _effective(item, now)
    return QueueItemOut(
        id=item.id,
        kind=ItemKind(item.kind),
        status=ItemStatus(status),
        resolution=Resolution(item.resolution) if item.resolution else None,
        claim_text=item.claim_text,
        check_worthiness=item.check_worthiness,
        match_similarity=item.match_similarity,
        suggested_verdict=item.suggested_verdict,
        fact_check_id=item.fact_check_id,
        fact_check_publisher=item.fact_check_publisher,
        fact_check_claim=item.fact_check_claim,
        fact_check_url=item.fact_check_url,
        fact_check_deleted=item.fact_check_id is None and item.fact_check_url is not None,
        article_publisher=item.article_publisher,
        resolved_fact_check_id=item.resolved_fact_check_id,
        occurrence_count=item.occurrence_count,
        priority=item.priority,
        assignee=assignee,
        assignee_key_id=_holder_key(item, now),
        lease_expires_at=lease,
        resolved_by=item.resolved_by,
        resolved_by_key_id=item.resolved_by_key_id,
        resolved_at=item.resolved_at,
        created_at=item.created_at,
        updated_at=item.updated_at,
        stances={Stance(k): v for k, v in (stances or {}).items() if k in set(Stance)},
    )


def list_queue(
    session: Session,
    query: QueueFilter,
    *,
    sort: QueueSort = QueueSort.PRIORITY,
    limit: int = 50,
    offset: int = 0,
) -> QueuePage:
    """A filtered, sorted page of the queue with counts per status."""
    now = utcnow()
    repository = QueueRepository(session)
    items, total = repository.list(query, now=now, sort=sort, limit=limit, offset=offset)
    stances = repository.stance_counts([i.id for i in items])
    return QueuePage(
        items=[item_out(i, now, stances.get(i.id)) for i in items],
        total=total,
        counts=QueueCounts(**repository.counts(now)),
    )


def _get(repository: QueueRepository, item_id: int) -> QueueItem:
    item = repository.get(item_id, fresh=True)
    if item is None:
        raise NotFoundError(f"no queue item with id {item_id}")
    return item


def item_claim_review(session: Session, item_id: int) -> dict[str, Any]:
    """The item's claim as a ClaimReview draft: the claim, who made it (from its first
    occurrence), the articles it appeared in and, once confirmed, the fact-check's rating."""
    repository = QueueRepository(session)
    item = _get(repository, item_id)
    occurrences = repository.occurrences(item_id)
    claimant = occurrences[0][0].payload.get("claimant") if occurrences else None
    fact_check_id = item.resolved_fact_check_id
    fact_check = (
        FactCheckRepository(session).get(fact_check_id) if fact_check_id is not None else None
    )
    return claim_review_draft(
        claim=item.claim_text,
        claimant=claimant,
        appearances=[(a.url, a.publisher, a.published_at) for _, a in occurrences],
        fact_check=fact_check,
    )


def item_detail(session: Session, item_id: int) -> QueueItemDetail:
    """An item with its occurrences, candidate fact-checks and audit trail."""
    repository = QueueRepository(session)
    item = _get(repository, item_id)
    occurrences = repository.occurrences(item_id)
    # The matches as the analysis stored them; ids are never reused, so a candidate whose
    # id is gone was deleted (and is shown as such, never as whatever has that id now).
    payload = occurrences[0][0].payload if occurrences else {}
    stored = [MatchOut.model_validate(m) for m in payload.get("matches", [])]
    present = FactCheckRepository(session).existing_ids([m.fact_check.id for m in stored])
    candidates = [
        CandidateOut(**m.model_dump(), deleted=m.fact_check.id not in present) for m in stored
    ]
    stances: dict[str, int] = {}
    for claim, _ in occurrences:
        if claim.stance:
            stances[claim.stance] = stances.get(claim.stance, 0) + 1
    return QueueItemDetail(
        **item_out(item, utcnow(), stances).model_dump(),
        occurrences=[
            OccurrenceOut(
                article_id=article.id,
                claim_id=claim.id,
                title=article.title,
                url=article.url,
                publisher=article.publisher,
                text=claim.text,
                start=claim.start,
                end=claim.end,
                similarity=claim.item_similarity,
                created_at=claim.created_at,
                stance=Stance(claim.stance) if claim.stance in set(Stance) else None,
                stance_confidence=claim.payload.get("stance_confidence"),
                claimant=claim.payload.get("claimant"),
                claimant_start=claim.payload.get("claimant_start"),
                claimant_end=claim.payload.get("claimant_end"),
            )
            for claim, article in occurrences
        ],
        candidates=candidates,
        audit=[
            AuditEntryOut(
                id=e.id,
                actor=e.actor,
                actor_key_id=e.actor_key_id,
                action=e.action,
                before=e.before,
                after=e.after,
                note=e.note,
                created_at=e.created_at,
            )
            for e in repository.audit(item_id)
        ],
    )


def get_article(
    session: Session, article_id: int, reader: Principal | None = None
) -> StoredArticleOut:
    """A stored analysis by id; a ``reader`` with only the submitter role sees its own only.

    Reviewers and admins read every article (queue items point to them). Someone else's
    article is a 404 to a submitter, as if it did not exist.
    """
    article = ArticleRepository(session).get(article_id)
    if article is None or (reader is not None and not _may_read(article, reader)):
        raise NotFoundError(f"no article with id {article_id}")
    return StoredArticleOut(
        id=article.id,
        title=article.title,
        url=article.url,
        publisher=article.publisher,
        published_at=article.published_at,
        language=article.language,
        text=article.text,
        sentences=article.sentences,
        submitted_by=article.submitted_by,
        created_at=article.created_at,
        claims=[
            StoredClaimOut.model_validate(
                {**c.payload, "id": c.id, "queue_item_id": c.queue_item_id}
            )
            for c in article.claims
        ],
    )


# --- the workflow ---------------------------------------------------------------------------


def _may_read(article: Article, reader: Principal) -> bool:
    if reader.role.allows(Role.REVIEWER):
        return True
    if article.submitted_by_key_id is not None or reader.key_id is None:
        return article.submitted_by_key_id == reader.key_id
    return article.submitted_by == reader.name  # stored before key ids were recorded


def _holder_check(item: QueueItem, principal: Principal, now: dt.datetime) -> None:
    status, _, _ = _effective(item, now)
    if status == ItemStatus.RESOLVED.value:
        raise ConflictError(f"item {item.id} is resolved; reopen it first")
    if status == ItemStatus.IN_REVIEW.value and not _holds(item, principal, now):
        raise ConflictError(f"item {item.id} is in review by {_held_by(item, now)}")


def _transition(
    session: Session,
    item_id: int,
    principal: Principal,
    action: str,
    check: Callable[[QueueItem, dt.datetime], None],
    values: Callable[[QueueItem, dt.datetime], dict[str, Any]],
    note: str | None = None,
) -> QueueItem:
    """Check and apply one state change with compare-and-set, and audit it."""
    repository = QueueRepository(session)
    for _ in range(5):
        item = _get(repository, item_id)
        now = utcnow()
        check(item, now)
        before = _snapshot(item, now)
        if repository.compare_and_set(
            item.id, item.version, {**values(item, now), "updated_at": now}
        ):
            item = _get(repository, item_id)
            repository.add_audit(
                AuditEntry(
                    item_id=item.id,
                    actor=principal.name,
                    actor_key_id=principal.key_id,
                    action=action,
                    before=before,
                    after=_snapshot(item, now),
                    note=note,
                )
            )
            logger.info("queue item %d: %s by %s", item.id, action, principal.name)
            return item
    raise ConflictError(f"item {item_id} is changing concurrently; try again")


def next_item(session: Session, principal: Principal, lease_seconds: int) -> QueueItem | None:
    """Take the top open item into review for ``principal``; None when nothing is open."""
    repository = QueueRepository(session)
    now = utcnow()
    claimed = repository.claim_next(
        {
            "status": ItemStatus.IN_REVIEW.value,
            "assignee": principal.name,
            "assignee_key_id": principal.key_id,
            "lease_expires_at": now + dt.timedelta(seconds=lease_seconds),
            "updated_at": now,
        },
        now=now,
    )
    if claimed is None:
        return None
    item_id, before = claimed
    item = _get(repository, item_id)
    repository.add_audit(
        AuditEntry(
            item_id=item_id,
            actor=principal.name,
            actor_key_id=principal.key_id,
            action="claim",
            before={**_snapshot(item, now), **before},
            after=_snapshot(item, now),
        )
    )
    return item


def claim_item(
    session: Session, item_id: int, principal: Principal, lease_seconds: int
) -> QueueItem:
    """Take one item into review (or renew the caller's lease on it)."""
    return _transition(
        session,
        item_id,
        principal,
        "claim",
        lambda item, now: _holder_check(item, principal, now),
        lambda item, now: {
            "status": ItemStatus.IN_REVIEW.value,
            "assignee": principal.name,
            "assignee_key_id": principal.key_id,
            "lease_expires_at": now + dt.timedelta(seconds=lease_seconds),
        },
    )


def release_item(session: Session, item_id: int, principal: Principal) -> QueueItem:
    """Give an item held by the caller (any item, for an admin) back to the queue."""

    def check(item: QueueItem, now: dt.datetime) -> None:
        status, _, _ = _effective(item, now)
        if status != ItemStatus.IN_REVIEW.value:
            raise ConflictError(f"item {item.id} is not in review")
        if not _holds(item, principal, now) and principal.role is not Role.ADMIN:
            raise ConflictError(f"item {item.id} is in review by {_held_by(item, now)}")

    return _transition(
        session,
        item_id,
        principal,
        "release",
        check,
        lambda item, now: {
            "status": ItemStatus.OPEN.value,
            "assignee": None,
            "assignee_key_id": None,
            "lease_expires_at": None,
        },
    )


def resolve_item(
    session: Session,
    item_id: int,
    principal: Principal,
    resolution: Resolution,
    *,
    fact_check_id: int | None = None,
    note: str | None = None,
) -> QueueItem:
    """Close an item open or held by the caller, and remember the pair it judged."""
    repository = QueueRepository(session)
    current = _get(repository, item_id)
    chosen: int | None = None
    if resolution is Resolution.CONFIRMED_MATCH:
        chosen = fact_check_id or current.fact_check_id
        if chosen is None:
            raise UnprocessableError("confirmed_match needs a fact_check_id for a new claim")
        if FactCheckRepository(session).get(chosen) is None:
            raise UnprocessableError(f"no fact-check with id {chosen}")
    item = _transition(
        session,
        item_id,
        principal,
        "resolve",
        lambda item, now: _holder_check(item, principal, now),
        lambda item, now: {
            "status": ItemStatus.RESOLVED.value,
            "resolution": resolution.value,
            "resolved_fact_check_id": chosen,
            "resolved_by": principal.name,
            "resolved_by_key_id": principal.key_id,
            "resolved_at": now,
            "assignee": None,
            "assignee_key_id": None,
            "lease_expires_at": None,
        },
        note=note,
    )
    decisions = ReviewDecisionRepository(session)
    if chosen is not None:
        decisions.add(_decision(item, chosen, Decision.CONFIRMED, principal))
    elif resolution is Resolution.NOT_A_MATCH and item.fact_check_id is not None:
        decisions.add(_decision(item, item.fact_check_id, Decision.REJECTED, principal))
    queue_event(session, "queue_item.resolved", _event_data(item, utcnow()))
    return item


def _decision(
    item: QueueItem, fact_check_id: int, decision: Decision, principal: Principal
) -> ReviewDecision:
    return ReviewDecision(
        item_id=item.id,
        claim_text=item.claim_text,
        model_name=item.model_name,
        vector=item.vector,
        fact_check_id=fact_check_id,
        decision=decision.value,
        decided_by=principal.name,
    )


def reopen_item(
    session: Session, item_id: int, principal: Principal, note: str | None = None
) -> QueueItem:
    """Put a resolved item back in the queue and forget what its resolution taught."""

    def check(item: QueueItem, now: dt.datetime) -> None:
        if item.status != ItemStatus.RESOLVED.value:
            raise ConflictError(f"item {item.id} is not resolved")

    item = _transition(
        session,
        item_id,
        principal,
        "reopen",
        check,
        lambda item, now: {
            "status": ItemStatus.OPEN.value,
            "resolution": None,
            "resolved_fact_check_id": None,
            "resolved_by": None,
            "resolved_by_key_id": None,
            "resolved_at": None,
        },
        note=note,
    )
    ReviewDecisionRepository(session).deactivate_for_item(item_id)
    return item


def add_note(session: Session, item_id: int, principal: Principal, note: str) -> None:
    """Attach a free-text note to an item's audit trail."""
    repository = QueueRepository(session)
    item = _get(repository, item_id)
    snapshot = _snapshot(item, utcnow())
    repository.add_audit(
        AuditEntry(
            item_id=item.id,
            actor=principal.name,
            actor_key_id=principal.key_id,
            action="note",
            before=snapshot,
            after=snapshot,
            note=note,
        )
    )


def forget_fact_check(
    session: Session, fact_check_id: int, actor: str, actor_key_id: int | None = None
) -> int:
    """Detach a fact-check about to be deleted from the queue items naming it, with audit.

    Items keep their snapshot of it (publisher, verdict, claim, URL) and say it was
    deleted; a resolution that confirmed it keeps its resolution but no longer its id.
    Returns how many items were touched.
    """
    repository = QueueRepository(session)
    now = utcnow()
    items = repository.naming_fact_check(fact_check_id)
    for item in items:
        before = _snapshot(item, now)
        roles = []
        if item.fact_check_id == fact_check_id:
            item.fact_check_id = None
            roles.append("suggested")
        if item.resolved_fact_check_id == fact_check_id:
            item.resolved_fact_check_id = None
            roles.append("confirmed")
        item.version += 1
        item.updated_at = now
        repository.add_audit(
            AuditEntry(
                item_id=item.id,
                actor=actor,
                actor_key_id=actor_key_id,
                action="fact_check_deleted",
                before=before,
                after={**_snapshot(item, now), "deleted_fact_check_id": fact_check_id},
                note=f"fact-check #{fact_check_id} ({' and '.join(roles)} here) was deleted",
            )
        )
    session.flush()
    if items:
        logger.info("fact-check %d deleted: %d queue items updated", fact_check_id, len(items))
    return len(items)
