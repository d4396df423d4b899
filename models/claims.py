"""Find the claim a sentence reports: "a false claim that X", "he said that X", quoted speech."""

from __future__ import annotations

import re
from dataclasses import dataclass


@dataclass(frozen=True, slots=True)
class ClaimSpan:
    """An embedded claim inside a sentence, with offsets relative to the sentence start."""

    text: str
    start: int
    end: int
    claimant: str | None


_INTRODUCER = re.compile(
    r"\b(?:claims?|claimed|suggestions?|allegations?|assertions?|rumou?rs?|reports?"
    r"|said|says|warned|insisted|argued|alleged|asserted|stated|suggested)\s+that\s+",
    re.I,
)
_CLAIMANT = re.compile(
    r"^(?:.*?\b)?(?P<who>(?:[A-Z][\w’'.-]+\s+){0,3}[A-Z][\w’'.-]+|he|she|they|it)\s+"
    r"(?:has\s+|had\s+)?(?:said|says|warned|insisted|argued|alleged|asserted|stated|suggested)"
    r"\s+that\s+$"
)
_MIN_WORDS = 5


def extract_claim_spans(sentence: str) -> list[ClaimSpan]:
    """Extract the complements of "claim that" / "said that" constructions in a sentence.

    The span runs from after "that" to the end of the clause (sentence end, a dash or a
    semicolon). Spans shorter than five words are ignored.
    """
    spans: list[ClaimSpan] = []
    for match in _INTRODUCER.finditer(sentence):
        start = match.end()
        tail = sentence[start:]
        stop = re.search(r"\s[–—-]\s|;|[.!?]?[’'\"”]?\s*$", tail)
        end = start + (stop.start() if stop else len(tail))
        text = sentence[start:end].strip(" ,")
        if len(text.split()) < _MIN_WORDS:
            continue
        who = _CLAIMANT.match(sentence[: match.end()])
        claimant = who.group("who") if who else None
        if claimant and claimant.lower() in {"he", "she", "they", "it"}:
            claimant = None
        offset = sentence.index(text, start)
        spans.append(ClaimSpan(text, offset, offset + len(text), claimant))
    return spans
