"""The stance labels and the cue words the features and the rule reader look for
(debunking, reporting, hedging, negation, confirmation, refuting, news corrections).
"""

from __future__ import annotations

import enum
import re
from typing import TYPE_CHECKING

if TYPE_CHECKING:
    pass


ARTIFACT_NAME = "stance"


class Stance(enum.StrEnum):
    """A text's stance towards a claim."""

    ASSERTS = "asserts"
    REPORTS = "reports"
    DEBUNKS = "debunks"
    UNRELATED = "unrelated"


# The order of the cross-encoder's logits and of the head's classes.
LABELS: tuple[Stance, ...] = (Stance.ASSERTS, Stance.REPORTS, Stance.DEBUNKS, Stance.UNRELATED)


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


# Hedges: the text leaves the claim open ("may", "unconfirmed", "if true").
_HEDGE = re.compile(
    r"\b(?:may|might|could|possibly|perhaps|apparently|reportedly|allegedly|purportedly"
    r"|supposedly|unconfirmed|unverified|rumou?r\w*|speculat\w*|if\s+true|appears?\s+to"
    r"|seems?\s+to|not\s+(?:yet\s+)?(?:been\s+)?(?:confirmed|verified)|claim\w*)\b",
    re.IGNORECASE,
)


# Plain negation and denial words.
_NEGATION = re.compile(
    r"\b(?:not|no|never|nothing|none|neither|nor|deny|denies|denied|denial|refus\w*"
    r"|without)\b|n['’]t\b",
    re.IGNORECASE,
)


# Confirmation words: the text vouches for what it says.
_CONFIRM = re.compile(
    r"\b(?:confirm\w*|verified|indeed|proved|proven|shows?|showed|revealed|official(?:ly)?"
    r"|announced)\b",
    re.IGNORECASE,
)


# FNC-1 baseline's refuting words, widened: a body that calls its headline fake or a hoax.
_REFUTE = re.compile(
    r"\b(?:fake|fraud|hoax|false|deny|denies|denied|not|despite|nope|doubts?|bogus|debunk\w*"
    r"|prank\w*|retract\w*|rumou?r\w*|satir\w*|joke|lie|lies|lied)\b",
    re.IGNORECASE,
)


# How news prose corrects a claim ("falsely claimed", "there is no evidence", "a hoax").
_NEWS_DEBUNK = re.compile(
    r"\b(?:falsely|false(?:ly)?\s+claim\w*|no\s+evidence|debunk\w*|misleading|baseless|hoax\w*"
    r"|myths?|unfounded|fact[-\s]?check\w*|not\s+true|misinformation|disinformation|fabricated"
    r"|doctored|manipulated|satir\w*|conspiracy)\b",
    re.IGNORECASE,
)


_QUOTE = re.compile(r"[\"“”‘’']")


def classify_stance(sentence: str, claim: str | None = None) -> Stance:
    """The rule reader's stance of ``sentence`` towards ``claim`` (a span of it, or the whole
    sentence); never ``UNRELATED``.

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
