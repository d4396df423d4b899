"""Stance reading: validate the pair, ask the stance model, shape the answer."""

from __future__ import annotations

from models.stance import Stance, StanceModel
from service.analysis.service import validate_text
from service.errors import PayloadTooLargeError, UnprocessableError
from service.stance.schemas import (
    EvidenceOut,
    StanceProbabilities,
    StanceRequest,
    StanceResponse,
)

# A claim is a sentence or two; longer is a text sent in the wrong field.
MAX_CLAIM_CHARS = 2_000


def validate_claim(claim: str) -> None:
    """Refuse a claim the model cannot use, saying why."""
    if len(claim) > MAX_CLAIM_CHARS:
        raise PayloadTooLargeError(
            f"claim is {len(claim):,} characters; the limit is {MAX_CLAIM_CHARS:,}"
        )
    if not claim.strip():
        raise UnprocessableError("claim is empty or only white space")


def read_stance(model: StanceModel, request: StanceRequest, *, max_chars: int) -> StanceResponse:
    """The stance of ``request.text`` towards ``request.claim``."""
    validate_text(request.text, max_chars)
    validate_claim(request.claim)
    reading = model.read(request.text, request.claim)
    if reading.evidence is None:  # a non-blank text always has a sentence
        raise UnprocessableError("no sentence could be read in text")
    evidence = reading.evidence
    return StanceResponse(
        stance=reading.stance,
        confidence=reading.confidence,
        probabilities=StanceProbabilities(
            asserts=reading.probabilities[Stance.ASSERTS],
            reports=reading.probabilities[Stance.REPORTS],
            debunks=reading.probabilities[Stance.DEBUNKS],
            unrelated=reading.probabilities[Stance.UNRELATED],
        ),
        evidence=EvidenceOut(start=evidence.start, end=evidence.end, sentence=evidence.sentence),
        model="learned" if reading.learned else "rules",
    )
