"""Learning from reviewers: a confirmed (claim, fact-check) pair is suggested again for a
similar claim; a rejected one never is.
"""

from __future__ import annotations

import numpy as np
from sqlalchemy.orm import Session

from claims_db.repository import FactCheckRepository
from claims_db.triage_models import (
    Decision,
    ReviewDecision,
)
from claims_db.triage_repository import (
    ReviewDecisionRepository,
)
from models.pipeline import ArticleAnalysis, ClaimAnalysis, Pipeline, Suggestion
from models.retrieval import Match, Tier

REVIEWER_REASON = "Confirmed by a reviewer"


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
