"""Request and response bodies of ``POST /v1/stance`` (the public contract)."""

from __future__ import annotations

from pydantic import BaseModel, Field

from models.stance import Stance
from service.reliability.text import CleanStr


class StanceRequest(BaseModel):
    """A text and the claim to read its stance towards."""

    text: CleanStr = Field(
        description="The text (an article or an excerpt) as pasted; evidence offsets refer to it."
    )
    claim: CleanStr = Field(description="The claim, e.g. a fact-check's claim text.")


class StanceProbabilities(BaseModel):
    """The probability of each stance; they sum to 1."""

    asserts: float = Field(description="The text states the claim as true.")
    reports: float = Field(description="The text relays the claim without taking a side.")
    debunks: float = Field(description="The text contradicts or debunks the claim.")
    unrelated: float = Field(description="The text does not speak to the claim.")


class EvidenceOut(BaseModel):
    """The sentence of the text that decided the stance: ``text[start:end] == sentence``."""

    start: int = Field(description="Offset of the sentence's first character in `text`.")
    end: int = Field(description="Offset just past the sentence's last character.")
    sentence: str


class StanceResponse(BaseModel):
    """The text's stance towards the claim."""

    stance: Stance
    confidence: float = Field(description="Calibrated probability of `stance`.")
    probabilities: StanceProbabilities
    evidence: EvidenceOut
    model: str = Field(
        description="`learned`: the trained stance model answered; `rules`: its artefact is "
        "missing and the cue-word reader answered (its confidence is a flat 0.5)."
    )
