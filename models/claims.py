"""Find the claims a sentence reports: "a false claim that X", "Y said X", quoted speech.

News prose reports claims rather than making them: "He cited … a false claim that X",
"Trump said he would love Russia to return to the G7", "He insisted ‘X’", "‘X,’ Smith
said." Each reported claim comes back as its own span with offsets into the sentence and,
when the sentence names them, who made it.
"""

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


_MIN_WORDS = 5

# Nouns that introduce a claim only through "that": "a false claim that X".
_NOUN = (
    r"claims?|suggestions?|allegations?|assertions?|rumou?rs?|reports?|myths?|theory"
    r"|theories|conspiracy theory|notion|falsehood"
)
# Verbs of saying. They introduce a claim with "that", a colon, a quote, or directly a clause.
_VERB = (
    r"said|says|say|claimed|claims|claim|warned|warns|insisted|insists|argued|argues"
    r"|alleged|alleges|asserted|asserts|stated|states|suggested|suggests|declared|declares"
    r"|announced|announces|added|adds|adding|maintained|maintains|wrote|writes|tweeted"
    r"|noted|explained|admitted|revealed|confirmed|told|tells|telling|believes|thought"
)
# After a verb without "that": an optional object or place, then what reads as a clause start.
_VERB_TAIL = (
    r"(?:\s+(?:(?:to|at|on|in)\s+)?(?:the\s+)?(?-i:[A-Z][\w’'.-]*\s*){1,4}?"
    r"(?=[:,‘“\"]|\s+that\b))?"
    r"(?:\s*,)?"
    r"(?:\s+that\s+|\s*:\s*|\s+(?=[‘“\"])|\s+(?=(?:(?:he|she|they|it|we|i|there|this|these"
    r"|those|the|a|an|his|her|their|its|our|no|all|some|most|many|every|any)\b|(?-i:[A-Z0-9]))))"
)
_INTRODUCER = re.compile(
    rf"\b(?:(?P<noun>{_NOUN})\s+that\s+|(?P<verb>{_VERB})(?P<tail>{_VERB_TAIL}))",
    re.I,
)
_PASSIVE = re.compile(r"\b(?:was|were|been|be|being|is|are|get|got)\s+$", re.I)
_OPEN_QUOTE = '‘“"'
_CLOSE_FOR = {"‘": "’", "“": "”", '"': '"'}
_CLAUSE_STOP = re.compile(r"\s[–—-]\s|;|\s\((?!\d)|,?\s(?:while|whereas)\s|[.!]?[’'\"”]?\s*$")
_OBJECT = re.compile(r"(?:[A-Z][\w’'.-]*\s+)+(?=[a-z])")
_CONJUNCTION_TAIL = re.compile(r"[\s,]*(?:\b(?:and|but|while|whereas|as|before|after))?[\s,]*$")
_QUOTE_FIRST = re.compile(
    r"(?P<open>[‘“\"])(?P<quote>[^‘“\"”]{12,}?)[,.!?]?(?P<close>[’”\"])"
    r"(?![A-Za-z])\s*,?\s*(?:(?P<who>(?:[A-Z][\w’'.-]+\s+){0,3}[A-Z][\w’'.-]+|he|she|they"
    r"|the\s+(?:[a-z]+\s+){0,2}[a-z]+)\s+"
    rf"(?:{_VERB})\b|(?:{_VERB})\s+(?P<who_after>(?:[A-Z][\w’'.-]+\s*){{1,4}}))"
)
_HONORIFIC = re.compile(r"\b(?:Lord|Lady|Sir|Dame|Mr|Mrs|Ms|Dr|Baroness|Baron)\b")
_NAME_RUN = re.compile(r"(?:[A-Z][\w’'.-]*\s+){0,5}[A-Z][\w’'.-]*$")
_DEFINITE = re.compile(r"\b(?:the|a)\s+(?:[a-z][\w-]*\s+){0,2}[a-z][\w-]*$", re.I)
_BETWEEN = re.compile(
    r"(?:\s+(?:has|had|have|also|then|later|previously|repeatedly|once|again|would|had"
    r"|reportedly|simply|recently|publicly|falsely|wrongly))*\s*$"
)
_PRONOUNS = {"he", "she", "they", "it", "we", "i", "you"}
_QUANTIFIED = re.compile(
    r"%|\bper ?cent\b|\b(?:majority|minority|half|third|quarter|most|many)\s+of\b"
    r"|\d[\d,.]*\s+(?:\w+\s+)?(?:people|voters|respondents|adults|residents|members)\b",
    re.I,
)


def _claimant(before: str) -> tuple[str | None, int | None]:
    """The speaker named just before a verb of saying, and where it starts in ``before``."""
    between = _BETWEEN.search(before)
    head = before[: between.start()] if between else before
    run = _NAME_RUN.search(head)
    if run and run.group(0).strip():
        text = run.group(0).strip()
        start = run.start() + (len(run.group(0)) - len(run.group(0).lstrip()))
        honorific = list(_HONORIFIC.finditer(text))
        if honorific:
            start += honorific[-1].start()
            text = text[honorific[-1].start() :]
        words = text.split()
        if len(words) == 1 and words[0].lower() in _PRONOUNS:
            return None, start
        return text, start
    definite = _DEFINITE.search(head)
    if definite:
        return definite.group(0), definite.start()
    word = re.search(r"(\w+)$", head)
    if word and word.group(1).lower() in _PRONOUNS:
        return None, word.start()
    return None, None


def _quoted_end(sentence: str, start: int, opener: str) -> int:
    closer = _CLOSE_FOR[opener]
    position = start
    while True:
        found = sentence.find(closer, position)
        if found < 0:
            return len(sentence)
        after = sentence[found + 1 : found + 2]
        if closer != "’" or not after.isalpha():
            return found
        position = found + 1


def _trimmed(sentence: str, start: int, end: int) -> tuple[int, int]:
    while start < end and sentence[start] in " ,:":
        start += 1
    while end > start and sentence[end - 1] in " ,.!:;":
        end -= 1
    if end > start and sentence[start] in _OPEN_QUOTE:
        closing = _quoted_end(sentence, start + 1, sentence[start])
        if closing >= end - 1:
            start += 1
            if closing == end - 1:
                end -= 1
        while end > start and sentence[end - 1] in " ,.!:;":
            end -= 1
    return start, end


def extract_claim_spans(sentence: str) -> list[ClaimSpan]:
    """Extract the claims a sentence reports, in order, with offsets and claimants.

    Handles complements of "claim that" / "said that", verbs of saying without "that"
    ("insisted", "warned", "said he would …"), quoted speech after a speaker ("He told
    Metro: ‘…’") or before one ("‘…,’ Smith said."), and several claims in one sentence.
    A span runs to the closing quote, the next clause break (dash, semicolon, bracket,
    sentence end) or the next reported claim. Spans shorter than five words are ignored,
    as are the sayings of a quantified group ("58% of Brits said …": the statistic is the
    claim, and the sentence already carries it).
    """
    spans: list[ClaimSpan] = []
    introducers = []
    for match in _INTRODUCER.finditer(sentence):
        if match.group("verb") and _PASSIVE.search(sentence[: match.start()]):
            continue
        claimant, claimant_start = (None, None)
        if match.group("verb"):
            claimant, claimant_start = _claimant(sentence[: match.start()])
        boundary = claimant_start if claimant_start is not None else match.start()
        introducers.append((match, claimant, boundary))

    covered_until = -1
    previous_claimant: str | None = None
    for index, (match, claimant, _boundary) in enumerate(introducers):
        start = match.end()
        if match.start() < covered_until:
            continue
        subject = re.split(r"[–—,;:]|\s-\s", sentence[: match.start()])[-1]
        if match.group("verb") and _QUANTIFIED.search(" ".join(subject.split()[-4:])):
            continue
        if start < len(sentence) and sentence[start] in _OPEN_QUOTE:
            end = _quoted_end(sentence, start + 1, sentence[start])
            end = min(end + 1, len(sentence))
        else:
            if (match.group("verb") or "").lower() in {"told", "tells", "telling"}:
                spoken_to = _OBJECT.match(sentence, start)
                start = spoken_to.end() if spoken_to else start
            stop = _CLAUSE_STOP.search(sentence, start)
            end = stop.start() if stop else len(sentence)
            for later, _, later_boundary in introducers[index + 1 :]:
                if start < later_boundary < end and later.group("verb"):
                    conjunction = _CONJUNCTION_TAIL.search(sentence, start, later_boundary)
                    end = conjunction.start() if conjunction else later_boundary
                    break
        span_start, span_end = _trimmed(sentence, start, end)
        text = sentence[span_start:span_end]
        if len(text.split()) < _MIN_WORDS:
            continue
        verb = (match.group("verb") or "").lower()
        if claimant is None and verb in {"adding", "added", "adds"}:
            claimant = previous_claimant
        spans.append(ClaimSpan(text, span_start, span_end, claimant))
        previous_claimant = claimant or previous_claimant
        covered_until = span_end

    for quote in _QUOTE_FIRST.finditer(sentence):
        q_start, q_end = _trimmed(sentence, quote.start("quote"), quote.end("quote"))
        if any(s.start <= q_start < s.end or q_start <= s.start < q_end for s in spans):
            continue
        text = sentence[q_start:q_end]
        if len(text.split()) < _MIN_WORDS:
            continue
        who = quote.group("who") or quote.group("who_after")
        who = who.strip().rstrip(".,") if who else None
        claimant = who if who and who.lower() not in _PRONOUNS else None
        spans.append(ClaimSpan(text, q_start, q_end, claimant))
    return sorted(spans, key=lambda s: s.start)
