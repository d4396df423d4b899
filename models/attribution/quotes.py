"""Quotation marks and names across sentences: open quotes, quoted regions, the fullest
form of a speaker's name.
"""

from __future__ import annotations

from typing import TYPE_CHECKING

from models.attribution.claimants import Claimant, ClaimantKind
from models.attribution.lexicon import _CLOSER_OF, _CLOSING_SINGLE, _INSTITUTION_WORDS, _QUOTED

if TYPE_CHECKING:
    pass


def _looks_like_person(claimant: Claimant) -> bool:
    """A person, or a short run of capitalised words that names no institution (the small
    model often tags a person an organisation)."""
    if claimant.kind is ClaimantKind.PERSON:
        return True
    words = claimant.text.split()
    return (
        claimant.kind in {ClaimantKind.ORGANISATION, ClaimantKind.OTHER}
        and 1 <= len(words) <= 3
        and all(w[:1].isupper() for w in words)
        and not any(w.lower() in _INSTITUTION_WORDS for w in words)
    )


def _opened(text: str, closer: str) -> bool:
    """Whether ``text`` opens a quotation that ``closer`` would close."""
    opener = next(o for o, c in _CLOSER_OF.items() if c == closer)
    last = text.rfind(opener)
    return last >= 0 and closer not in text[last:].replace(closer + "s", "")


def _fullest(speaker: Claimant, persons: list[Claimant]) -> Claimant:
    """A person named by surname alone, as first named in full ("Andersen" -> "Kristian
    Andersen")."""
    if not _looks_like_person(speaker) or " " in speaker.text:
        return speaker
    for person in persons:
        words = person.text.split()
        if (
            len(words) > 1
            and words[-1] == speaker.text
            and person.start != speaker.start
            and _looks_like_person(person)
        ):
            return person
    return speaker


def _quoted_regions(sentence: str, offset: int) -> list[tuple[int, int]]:
    """Article offsets of the quotations in a sentence (curly or straight quotes)."""
    regions = []
    for match in _QUOTED.finditer(sentence):
        regions.append((offset + match.start(), offset + match.end()))
    return regions


def _leaves_quote_open(sentence: str, was_open: bool) -> bool:
    """Whether a quotation is still open after this sentence."""
    opens = sentence.count("“") + sentence.count("‘")
    closes = sentence.count("”") + len(_CLOSING_SINGLE.findall(sentence))
    straight = sentence.count('"')
    if opens or closes:
        return int(was_open) + opens - closes > 0
    if straight:
        return was_open != (straight % 2 == 1)
    return was_open
