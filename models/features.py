"""Cheap surface features of a sentence that help tell a checkable claim from the rest.

They sit beside the sentence embedding in the check-worthiness head: numbers, quantities,
named entities, comparatives, dates, hedges, first-person opinion, questions, calls to
action, captions and the marks of a tweet. Each is a plain regular expression or count, so
scoring a 40-sentence article costs well under a millisecond per sentence.
"""

from __future__ import annotations

import itertools
import math
import re

import numpy as np
import numpy.typing as npt

FeatureMatrix = npt.NDArray[np.float32]

_NUMBER = re.compile(r"\d")
_NUMBER_TOKEN = re.compile(r"\d[\d,.]*")
_NUMBER_WORD = re.compile(
    r"\b(?:one|two|three|four|five|six|seven|eight|nine|ten|eleven|twelve|twenty|thirty"
    r"|forty|fifty|sixty|seventy|eighty|ninety|hundreds?|thousands?|millions?|billions?"
    r"|trillions?|dozens?|half|third|quarter|twice|double[ds]?|tripled?)\b",
    re.I,
)
_QUANTITY = re.compile(
    r"%|\bper ?cent\b|\bpercentage\b|[$£€]|\b(?:dollars?|pounds?|euros?|tons?|miles?"
    r"|kilomet(?:re|er)s?|acres?|jobs|rate|average|budget|deficit|debt|tax(?:es)?)\b",
    re.I,
)
_YEAR = re.compile(r"\b(?:1[89]\d\d|20\d\d)s?\b")
_DATE_WORD = re.compile(
    r"\b(?:january|february|march|april|may|june|july|august|september|october|november"
    r"|december|monday|tuesday|wednesday|thursday|friday|saturday|sunday|yesterday|today"
    r"|last (?:year|month|week|decade)|since|ago|decades?|years?)\b",
    re.I,
)
_COMPARATIVE = re.compile(
    r"\b(?:more|less|fewer|most|least|highest|lowest|largest|biggest|smallest|first|only"
    r"|record|increased?|decreased?|rose|fell|grew|doubled|cut|lost|gained)\b|\b\w+est\b",
    re.I,
)
_HEDGE = re.compile(
    r"\b(?:may|might|could|perhaps|maybe|possibly|probably|likely|seems?|appears?"
    r"|suggests?|reportedly|allegedly)\b",
    re.I,
)
_OPINION = re.compile(
    r"\b(?:i|we) (?:think|believe|feel|hope|want|need|must|will|would|should|can|am going"
    r"|are going)\b|\bin my (?:view|opinion)\b|\bfrankly\b|\bhonestly\b",
    re.I,
)
_FIRST_PERSON = re.compile(r"\b(?:i|me|my|mine|we|us|our|ours|i'm|i've|we're|we've)\b", re.I)
_SECOND_PERSON = re.compile(r"\b(?:you|your|yours|you're)\b", re.I)
_EVALUATIVE = re.compile(
    r"\b(?:good|bad|great|terrible|wonderful|strange|wrong|right|best|worst|fine|sad|shame"
    r"|disgrace|amazing|awful|ridiculous|hypocrisy|outrageous)\b",
    re.I,
)
_FUTURE = re.compile(r"\b(?:will|going to|would|shall|gonna|plan to|intend to)\b", re.I)
_REPORTING = re.compile(
    r"\b(?:said|says|claim(?:s|ed)?|announced|declared|insisted|warned|found|showed|shows"
    r"|reported|according to|told|cited|stated|admitted|revealed|confirmed)\b",
    re.I,
)
_QUESTION_START = re.compile(
    r"^\W*(?:who|what|when|where|why|how|which|is|are|do|does|did|can|could|should|would"
    r"|will|have|has)\b",
    re.I,
)
_CALL_TO_ACTION = re.compile(
    r"^\W*(?:please|get|join|sign|click|follow|read|share|subscribe|check|watch|visit|call"
    r"|contact|email|download|don't|do not|let's|let us|stay|vote|help|tell|send|stop)\b",
    re.I,
)
_CAPTION = re.compile(
    r"\((?:picture|photo|image|credit)s?:|\b(?:mandatory credit|getty images|shutterstock"
    r"|photograph:|pictured)\b",
    re.I,
)
_URL = re.compile(r"https?://|www\.", re.I)
_HASHTAG = re.compile(r"#\w")
_MENTION = re.compile(r"@\w")
_QUOTE = re.compile(r"[\"“”‘’]|(?:^|\s)'")
_NEGATION = re.compile(r"\b(?:not|no|never|none|nobody|nothing|n't)\b|n't\b", re.I)
_PROPER = re.compile(r"(?<=[\s(“‘\"'])[A-Z][a-z]+|\b[A-Z]{2,}\b")
_WORD = re.compile(r"\w+")

FEATURE_NAMES: tuple[str, ...] = (
    "has_number",
    "number_count",
    "number_word",
    "quantity",
    "year",
    "date_word",
    "comparative",
    "hedge",
    "first_person_opinion",
    "first_person",
    "second_person",
    "evaluative",
    "future",
    "reporting_verb",
    "question",
    "call_to_action",
    "caption",
    "url",
    "hashtag",
    "mention",
    "quote",
    "negation",
    "proper_nouns",
    "log_words",
    "short",
    "exclamation",
)


def _count(pattern: re.Pattern[str], text: str, cap: int) -> float:
    return min(len(pattern.findall(text)), cap) / cap


def sentence_features(text: str) -> list[float]:
    """The features of one text, in the order of ``FEATURE_NAMES``, each in [0, 1]."""
    stripped = text.strip()
    words = _WORD.findall(stripped)
    n_words = max(len(words), 1)
    tail = stripped.rstrip("’'\"” )")
    is_question = tail.endswith("?") or (bool(_QUESTION_START.match(stripped)) and "?" in stripped)
    return [
        float(bool(_NUMBER.search(stripped))),
        _count(_NUMBER_TOKEN, stripped, 4),
        float(bool(_NUMBER_WORD.search(stripped))),
        _count(_QUANTITY, stripped, 2),
        float(bool(_YEAR.search(stripped))),
        _count(_DATE_WORD, stripped, 2),
        _count(_COMPARATIVE, stripped, 3),
        _count(_HEDGE, stripped, 2),
        float(bool(_OPINION.search(stripped))),
        min(len(_FIRST_PERSON.findall(stripped)) / n_words * 5, 1.0),
        min(len(_SECOND_PERSON.findall(stripped)) / n_words * 5, 1.0),
        _count(_EVALUATIVE, stripped, 2),
        _count(_FUTURE, stripped, 2),
        float(bool(_REPORTING.search(stripped))),
        float(is_question),
        float(bool(_CALL_TO_ACTION.match(stripped))),
        float(bool(_CAPTION.search(stripped))),
        float(bool(_URL.search(stripped))),
        _count(_HASHTAG, stripped, 3),
        _count(_MENTION, stripped, 3),
        float(bool(_QUOTE.search(stripped))),
        _count(_NEGATION, stripped, 2),
        min(len(_PROPER.findall(" " + stripped)) / 5, 1.0),
        min(math.log1p(n_words) / math.log1p(60), 1.0),
        float(n_words < 6),
        float("!" in stripped),
    ]


def feature_matrix(texts: list[str]) -> FeatureMatrix:
    """Features of many texts as a ``(len(texts), len(FEATURE_NAMES))`` float32 array."""
    if not texts:
        return np.zeros((0, len(FEATURE_NAMES)), dtype=np.float32)
    return np.array([sentence_features(t) for t in texts], dtype=np.float32)


_TOKEN = re.compile(r"\b\w\w+\b")


def ngrams(text: str) -> set[str]:
    """Lower-cased word unigrams and bigrams of ``text`` (words of two or more characters)."""
    tokens = _TOKEN.findall(text.lower())
    return {*tokens, *(f"{a} {b}" for a, b in itertools.pairwise(tokens))}
