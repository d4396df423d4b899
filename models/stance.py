"""Does the article assert a claim, report it neutrally, or debunk it?

A rule-based reader of the sentence around the claim: debunking cues ("a false claim
that…", "there is no evidence that…", "wrongly said", "debunked") win over attribution
cues ("said", "according to"), and a sentence with neither asserts its claim. Cues inside
the claim itself are ignored when the claim is a span of a longer sentence, so "He said
that the moon landing was a hoax" reports, it does not debunk.
"""

from __future__ import annotations

import enum
import re

__all__ = ["Stance", "classify_stance"]


class Stance(enum.StrEnum):
    """The article's stance towards a claim it contains."""

    ASSERTS = "asserts"
    REPORTS = "reports"
    DEBUNKS = "debunks"


_DEBUNK = re.compile(
    r"""
    \b(?:
        false(?:ly)?\s+(?:claim|claimed|claims|said|says|stated|suggest\w*|assert\w*
                         |report\w*|allege\w*|rumou?r\w*)
      | (?:false|bogus|baseless|unfounded|unsubstantiated|debunked|discredited|fake|fabricated
          |misleading|untrue|spurious|erroneous|dubious)
        \s+(?:\w+\s+){0,2}
        (?:claims?|rumou?rs?|reports?|stor(?:y|ies)|allegations?|assertions?|suggestions?
          |theor(?:y|ies)|posts?|videos?|images?|quotes?)
      | (?:wrongly|incorrectly|erroneously|mistakenly|misleadingly|baselessly)\b
      | debunk\w*
      | (?:no|little|zero|not\s+any)\s+(?:\w+\s+){0,2}(?:evidence|proof|basis|record|indication)\b
      | (?:not|never)\s+(?:been\s+)?(?:true|accurate|correct|happened|the\s+case)\b
      | (?:is|was|are|were|been)\s+(?:completely\s+|entirely\s+|simply\s+)?
        (?:false|untrue|fake|a\s+hoax|a\s+myth|fabricated|baseless|unfounded|inaccurate
          |incorrect|misleading|wrong)\b
      | (?:hoax|myth|misinformation|disinformation|conspiracy\s+theor(?:y|ies))\b
      | fact[-\s]?check(?:s|ed|ers?)?\s+(?:\w+\s+){0,3}
        (?:found|rated|showed|concluded|debunked|refuted|say|said)
      | (?:refuted|disproved|disproven|dismissed|denied|rejected|retracted)\b
      | (?:there\s+is|there's|there\s+was)\s+no\s+(?:truth|evidence|proof)
      | contrary\s+to\s+(?:claims?|reports?|rumou?rs?)
      | rated\s+(?:\S+\s+){0,6}?(?:false|pants\s+on\s+fire|fake|misleading)\b
    )
    """,
    re.IGNORECASE | re.VERBOSE,
)

_REPORT = re.compile(
    r"""
    \b(?:
        (?:said|says|say|(?<!been\s)told|claimed|claims|claim|stated|states|argued|argues|alleged|alleges
          |insisted|insists|insist|suggest|argue|allege|warn|believe|suggested|suggests|asserted|asserts|warned|warns|tweeted|wrote|posted
          |announced|maintained|maintains|contended|contends|added|noted|reported|reports|believes
          |believed|accused|accuses|predicted)\b
      | according\s+to\b
      | reportedly\b | allegedly\b | purportedly\b | supposedly\b
      | (?:claims?|allegations?|rumou?rs?|reports?|suggestions?)\s+that\b
      | (?:is|are|was|were)\s+(?:said|reported|alleged|claimed|rumou?red|thought|believed)\s+to\b
    )
    """,
    re.IGNORECASE | re.VERBOSE,
)


def classify_stance(sentence: str, claim: str | None = None) -> Stance:
    """The stance of ``sentence`` towards ``claim`` (a span of it, or the whole sentence).

    Args:
        sentence: The sentence of the article that contains the claim.
        claim: The claim text when it is a span inside ``sentence``; None (or the sentence
            itself) when the whole sentence is the claim.
    """
    context = sentence
    if claim and claim.strip() != sentence.strip() and claim in sentence:
        context = sentence.replace(claim, " … ", 1)
    if _DEBUNK.search(context):
        return Stance.DEBUNKS
    if _REPORT.search(context):
        return Stance.REPORTS
    return Stance.ASSERTS
