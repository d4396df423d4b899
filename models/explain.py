"""Why a fact-check was matched: the words, names and numbers a claim shares with it.

Shown beside each match so a reviewer sees at a glance what the suggestion rests on,
next to the scores (cosine, BM25, the cross-encoder's logit) the matcher combined.
"""

from __future__ import annotations

import re
from dataclasses import dataclass

from models.matching import lexical_tokens

_WORD = re.compile(r"[^\W_]+(?:[’'.-][^\W_]+)*", re.UNICODE)
_NUMBER = re.compile(r"\d")


@dataclass(frozen=True, slots=True)
class SharedTerms:
    """What a claim and a fact-check's claim have in common, as the fact-check words it.

    Attributes:
        terms: Content words of the fact-check whose stem the claim has too.
        names: Capitalised words (names, places, organisations) among them.
        numbers: Numbers written in both.
    """

    terms: tuple[str, ...]
    names: tuple[str, ...]
    numbers: tuple[str, ...]


def shared_terms(claim: str, fact_check_claim: str, *, limit: int = 10) -> SharedTerms:
    """The fact-check's words (in its order, each once) that the claim shares by stem, up to
    ``limit``; names and numbers among them listed apart."""
    wanted = set(lexical_tokens(claim))
    claim_numbers = {n.replace(",", "") for n in re.findall(r"\d+(?:[.,]\d+)*", claim)}
    terms: list[str] = []
    names: list[str] = []
    numbers: list[str] = []
    seen: set[str] = set()
    for match in _WORD.finditer(fact_check_claim):
        word = match.group()
        stems = lexical_tokens(word)
        if not stems or not all(stem in wanted for stem in stems) or word.lower() in seen:
            continue
        seen.add(word.lower())
        if _NUMBER.search(word):
            if word.replace(",", "") in claim_numbers:
                numbers.append(word)
            continue
        if len(terms) < limit:
            terms.append(word)
        if word[0].isupper() and match.start() > 0:
            names.append(word)
    return SharedTerms(tuple(terms), tuple(names[:limit]), tuple(numbers[:limit]))
