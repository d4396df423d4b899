"""Cheap surface features of a sentence that help tell a checkable claim from the rest.

They sit beside the sentence embedding in the check-worthiness head: numbers, quantities,
named entities, comparatives, dates, hedges, first-person opinion, questions, calls to
action, captions and the marks of a tweet. Each is a plain regular expression or count, so
scoring a 40-sentence article costs well under a millisecond per sentence.
Most are word-list counts, read in one pass over the sentence's words.
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
_YEAR = re.compile(r"\b(?:1[89]\d\d|20\d\d)s?\b")
_WORD = re.compile(r"\w+")
_PROPER = re.compile(r"(?<=[\s(“‘\"'])[A-Z][a-z]+|\b[A-Z]{2,}\b")
_QUOTE = re.compile(r"[\"“”‘’]|(?:^|\s)'")
_HASHTAG = re.compile(r"#\w")
_MENTION = re.compile(r"@\w")

# Most features count words from a list. A list word must be a whole ``\w+`` run, so each
# is one set lookup per word of the (lower-cased) sentence instead of a case-insensitive
# regular expression scanning the text: about a tenth of the cost. Phrases of several words,
# and words glued to punctuation, keep a small pattern on the lower-cased text.
_WORD_LISTS: dict[str, str] = {
    "number_word": "one two three four five six seven eight nine ten eleven twelve twenty"
    " thirty forty fifty sixty seventy eighty ninety hundred hundreds thousand thousands"
    " million millions billion billions trillion trillions dozen dozens half third quarter"
    " twice double doubled doubles triple tripled",
    "quantity": "percent percentage dollar dollars pound pounds euro euros ton tons mile miles"
    " kilometre kilometres kilometer kilometers acre acres jobs rate average budget deficit"
    " debt tax taxes",
    "date_word": "january february march april may june july august september october"
    " november december monday tuesday wednesday thursday friday saturday sunday yesterday"
    " today since ago decade decades year years",
    "comparative": "more less fewer most least highest lowest largest biggest smallest first"
    " only record increase increased decrease decreased rose fell grew doubled cut lost gained",
    "hedge": "may might could perhaps maybe possibly probably likely seem seems appear appears"
    " suggest suggests reportedly allegedly",
    "first_person": "i me my mine we us our ours",
    "second_person": "you your yours",
    "evaluative": "good bad great terrible wonderful strange wrong right best worst fine sad"
    " shame disgrace amazing awful ridiculous hypocrisy outrageous",
    "future": "will would shall gonna",
    "reporting_verb": "said says claim claims claimed announced declared insisted warned found"
    " showed shows reported told cited stated admitted revealed confirmed",
    "negation": "not no never none nobody nothing",
    # Words that can start a first-person opinion phrase (the phrase pattern runs only then).
    "opinion_start": "i we in frankly honestly",
}
_LIST_NAMES = tuple(_WORD_LISTS)
_LIST_OF: dict[str, tuple[int, ...]] = {}
for _position, _name in enumerate(_LIST_NAMES):
    for _word in _WORD_LISTS[_name].split():
        _LIST_OF[_word] = (*_LIST_OF.get(_word, ()), _position)
(
    _NUMBER_WORD,
    _QUANTITY,
    _DATE_WORD,
    _COMPARATIVE,
    _HEDGE,
    _FIRST_PERSON,
    _SECOND_PERSON,
    _EVALUATIVE,
    _FUTURE,
    _REPORTING,
    _NEGATION,
    _OPINION_START,
) = range(len(_LIST_NAMES))

# The phrase and punctuation parts of those features, matched on lower-cased text.
_PER_CENT = re.compile(r"\bper cent\b")
_CURRENCY = re.compile(r"[$£€%]")
# "last year" and "last decade" count once through their list word; these do not.
_LAST_PERIOD = re.compile(r"\blast (?:month|week)\b")
_FUTURE_PHRASE = re.compile(r"\b(?:going|plan|intend) to\b")
_ACCORDING_TO = re.compile(r"\baccording to\b")
_CONTRACTED_NOT = re.compile(r"n't\b")
_OPINION = re.compile(
    r"\b(?:i|we) (?:think|believe|feel|hope|want|need|must|will|would|should|can|am going"
    r"|are going)\b|\bin my (?:view|opinion)\b|\bfrankly\b|\bhonestly\b"
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
    r"|photograph:|pictured)\b"
)
# A caption pattern can only match where one of these occurs.
_CAPTION_MARKS = (
    "(",
    "mandatory credit",
    "getty images",
    "shutterstock",
    "photograph:",
    "pictured",
)

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


def _capped(count: int, cap: int) -> float:
    return min(count, cap) / cap


def sentence_features(text: str) -> list[float]:
    """The features of one text, in the order of ``FEATURE_NAMES``, each in [0, 1]."""
    stripped = text.strip()
    lower = stripped.lower()
    # Lower-cased word by word: whole-text lower() can split a word ("İ" becomes two
    # characters, one of them not a word character).
    words = [word.lower() for word in _WORD.findall(stripped)]
    n_words = max(len(words), 1)
    listed = [0] * len(_LIST_NAMES)
    comparative_suffix = 0
    for word in words:
        lists = _LIST_OF.get(word)
        if lists is not None:
            for position in lists:
                listed[position] += 1
            if _COMPARATIVE in lists:
                continue
        if len(word) > 3 and word.endswith("est"):  # superlatives: "\w+est"
            comparative_suffix += 1
    has_digit = bool(_NUMBER.search(stripped))
    tail = stripped.rstrip("’'\"” )")
    is_question = tail.endswith("?") or (bool(_QUESTION_START.match(stripped)) and "?" in stripped)
    opinion = bool(listed[_OPINION_START]) and bool(_OPINION.search(lower))
    caption = any(mark in lower for mark in _CAPTION_MARKS) and bool(_CAPTION.search(lower))
    return [
        float(has_digit),
        _capped(len(_NUMBER_TOKEN.findall(stripped)), 4) if has_digit else 0.0,
        float(bool(listed[_NUMBER_WORD])),
        _capped(
            listed[_QUANTITY] + len(_CURRENCY.findall(stripped)) + len(_PER_CENT.findall(lower)),
            2,
        ),
        float(has_digit and bool(_YEAR.search(stripped))),
        _capped(listed[_DATE_WORD] + len(_LAST_PERIOD.findall(lower)), 2),
        _capped(listed[_COMPARATIVE] + comparative_suffix, 3),
        _capped(listed[_HEDGE], 2),
        float(opinion),
        min(listed[_FIRST_PERSON] / n_words * 5, 1.0),
        min(listed[_SECOND_PERSON] / n_words * 5, 1.0),
        _capped(listed[_EVALUATIVE], 2),
        _capped(listed[_FUTURE] + len(_FUTURE_PHRASE.findall(lower)), 2),
        float(bool(listed[_REPORTING]) or bool(_ACCORDING_TO.search(lower))),
        float(is_question),
        float(bool(_CALL_TO_ACTION.match(stripped))),
        float(caption),
        float("http://" in lower or "https://" in lower or "www." in lower),
        _capped(len(_HASHTAG.findall(stripped)), 3) if "#" in stripped else 0.0,
        _capped(len(_MENTION.findall(stripped)), 3) if "@" in stripped else 0.0,
        float(bool(_QUOTE.search(stripped))),
        _capped(listed[_NEGATION] + len(_CONTRACTED_NOT.findall(lower)), 2),
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
