"""Find the claims a sentence reports: "a false claim that X", "Y said X", quoted speech.

News prose reports claims rather than making them: "He cited … a false claim that X",
"Trump said he would love Russia to return to the G7", "He insisted ‘X’", "‘X,’ Smith
said." Each reported claim comes back as its own span with offsets into the sentence and,
when the sentence names them, who made it.

Everything here runs on request text, so every step is linear in the sentence's length:
the patterns use possessive quantifiers and atomic names where a backtracking one would
retry a run of spaces, commas or capitals, questions about what ends just before a
position ("the speaker named before this verb") are asked of the reversed sentence
instead of searching the prefix again for each verb, and what several reported claims
share (clause breaks, closing quotes, word starts) is found once per sentence.
"""

from __future__ import annotations

import bisect
import itertools
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
    # Participles: "posts claiming that X", "a video saying X", "text asserting: ‘X’".
    r"|claiming|saying|asserting|alleging|stating|suggesting|warning|insisting|arguing"
    r"|declaring|tweeting"
)
# A capitalised name after a verb ("told Radio Kent:"), taken whole: a backtracking run of
# capitals could be cut into names in cubically many ways.
_NAME = r"(?-i:[A-Z][\w’'.-]*+)"


def _names(depth: int) -> str:
    """Up to ``depth`` names that end where a colon, comma, quote or "that" follows.

    The alternatives are tried in the order a lazy ``(?:NAME\\s*){1,depth}?`` followed by
    that lookahead would try them (stop here, take one more name, leave the last space for
    "that"), so the first match is the same, without its quadratic retries of the space.
    """
    more = rf"|\s*+{_names(depth - 1)}" if depth > 1 else ""
    return rf"{_NAME}(?:\s*+(?=[:,‘“\"]){more}|(?=\s+that\b))"


# After a verb without "that": an optional object or place, then what reads as a clause start.
_VERB_TAIL = (
    rf"(?:\s++(?:(?:to|at|on|in)\s++)?(?:the\s++)?{_names(4)})?"
    r"(?:\s*+,)?"
    r"(?:\s++that\s++|\s*+:\s*+|\s++(?=[‘“\"])|\s++(?=(?:(?:he|she|they|it|we|i|there|this"
    r"|these|those|the|a|an|his|her|their|its|our|no|all|some|most|many|every|any)\b"
    r"|(?-i:[A-Z0-9]))))"
)
# Words that open a short phrase between such a noun and its "that": "rumours spread in
# neighbourhood Facebook groups that X", "claims circulating online that X", "allegations
# by Republicans that X".
_NOUN_PHRASE = (
    r"spread|spreading|circulating|circulated|shared|posted|made|going|online|on|in|by"
    r"|from|among|across"
)
# After such a phrase, "that" followed by an auxiliary starts a relative clause ("claims on
# Facebook that were removed"), not the claim.
_RELATIVE_AFTER = r"(?:was|were|is|are|has|have|had|will|would|could|can|may|might)\b"
_INTRODUCER = re.compile(
    rf"\b(?:(?P<noun>{_NOUN})(?:\s++(?:{_NOUN_PHRASE})\b(?:\s++[\w’'-]++){{0,8}}?"
    rf"\s++that\s++(?!{_RELATIVE_AFTER})|\s++that\s++)"
    rf"|(?P<verb>{_VERB})(?P<tail>{_VERB_TAIL}))",
    re.I,
)
# Participles that as often take an object ("without saying a word", "warning people"):
# they introduce a claim only through "that", a colon or a quote.
_OBJECT_PARTICIPLES = frozenset({"saying", "warning", "tweeting"})
_EXPLICIT_TAIL = re.compile(r"(?:\bthat|:)\s*$", re.I)
_OPEN_QUOTE = '‘“"'
_CLOSE_FOR = {"‘": "’", "“": "”", '"': '"'}
# Clause breaks that end a reported claim; the sentence's own end is found separately.
_CLAUSE_BREAK = re.compile(r"(?=\s[–—-]\s|;|\s\((?!\d)|,?\s(?:while|whereas)\s)")
# The audience after "told": capitalised names up to the first lower-case word.
_AUDIENCE = re.compile(r"(?:[A-Z][\w’'.-]*+\s++)++")
_AUDIENCE_NAME = re.compile(r"[A-Z][\w’'.-]*+\s++")
_SUBJECT_BREAK = re.compile(r"[–—,;:]|\s-\s")
_QUOTE_FIRST = re.compile(
    r"(?P<open>[‘“\"])(?P<quote>[^‘“\"”]{12,}?)[,.!?]?(?P<close>[’”\"])"
    r"(?![A-Za-z])\s*+,?\s*+(?:(?P<who>(?:[A-Z][\w’'.-]++\s++){0,3}[A-Z][\w’'.-]++|he|she"
    r"|they|the\s++(?:[a-z]++\s++){0,2}[a-z]++)\s++"
    rf"(?:{_VERB})\b|(?:{_VERB})\s++(?P<who_after>(?:[A-Z][\w’'.-]+\s*){{1,4}}))"
)
_HONORIFIC = re.compile(r"\b(?:Lord|Lady|Sir|Dame|Mr|Mrs|Ms|Dr|Baroness|Baron)\b")
_PRONOUNS = {"he", "she", "they", "it", "we", "i", "you"}
# Only a boolean is asked of it; a number is tried once per run of digits and separators.
_QUANTIFIED = re.compile(
    r"%|\bper ?cent\b|\b(?:majority|minority|half|third|quarter|most|many)\s+of\b"
    r"|(?<![\d,.])[,.]*+\d[\d,.]*+\s+(?:\w+\s+)?"
    r"(?:people|voters|respondents|adults|residents|members)\b",
    re.I,
)


def _reversed(words: tuple[str, ...]) -> str:
    return "|".join(word[::-1] for word in words)


# The patterns below read the reversed sentence from the position of a verb (or another
# end) backwards: each states, mirrored, what the text just before that position must be.
_AUXILIARIES = ("was", "were", "been", "be", "being", "is", "are", "get", "got")
# "… was said": a passive verb of saying introduces nothing.
_PASSIVE_BEFORE = re.compile(rf"\s++(?:{_reversed(_AUXILIARIES)})\b", re.I)
_ADVERBS = (
    "has", "had", "have", "also", "then", "later", "previously", "repeatedly", "once", "again",
    "would", "reportedly", "simply", "recently", "publicly", "falsely", "wrongly",
)  # fmt: skip
# Words between a speaker and the verb: "Smith has repeatedly said".
_BETWEEN_BEFORE = re.compile(rf"\s*+(?:(?:{_reversed(_ADVERBS)})\s++)*+")
# A run of up to six capitalised words ending at the verb: "Former director Sir Alan Pike".
_NAME_RUN_BEFORE = re.compile(r"[\w’'.-]*[A-Z](?:\s++[\w’'.-]*[A-Z]){0,5}")
# "the governor", "a senior official".
_DEFINITE_BEFORE = re.compile(r"[\w-]*[a-z](?:\s++[\w-]*[a-z]){0,2}\s++(?:eht|a)\b", re.I)
_WORD_BEFORE = re.compile(r"\w+")
_CONJUNCTIONS = ("and", "but", "while", "whereas", "as", "before", "after")
# Where a claim stops before the next one: ", and", " but " and the like.
_CONJUNCTION_BEFORE = re.compile(rf"[\s,]*+(?:(?:{_reversed(_CONJUNCTIONS)})\b)?[\s,]*+")
# The end of the sentence: closing stop, quote and space.
_SENTENCE_END_BEFORE = re.compile(r"\s*+[’'\"”]?[.!]?")
_LAST_WORDS_BEFORE = re.compile(r"\s*+(?:\S++\s*+){0,4}")
_LEADING_PUNCTUATION = re.compile(r"[ ,:]*+")
_TRAILING_PUNCTUATION_BEFORE = re.compile(r"[ ,.!:;]*+")
_TOKEN = re.compile(r"\S+")


class _Sentence:
    """One sentence with the indexes its reported claims share, built when first needed."""

    def __init__(self, text: str) -> None:
        self.text = text
        self.size = len(text)
        self.reversed = text[::-1]
        self._breaks: list[int] | None = None
        self._subject_ends: list[int] | None = None
        self._word_starts: list[int] | None = None
        self._closers: dict[str, list[int]] = {}
        self._audience: dict[int, int] = {}
        self._trailing: dict[int, int] = {}

    def before(self, pattern: re.Pattern[str], end: int, start: int = 0) -> int:
        """Where ``pattern``, matched backwards from ``end`` (not past ``start``), begins."""
        match = pattern.match(self.reversed, self.size - end, self.size - start)
        return end - (match.end() - match.start()) if match else -1

    def is_passive(self, verb_start: int) -> bool:
        return self.before(_PASSIVE_BEFORE, verb_start) >= 0

    def claimant(self, verb_start: int) -> tuple[str | None, int | None]:
        """The speaker named just before a verb of saying, and where it starts."""
        head_end = self.before(_BETWEEN_BEFORE, verb_start)
        run_start = self.before(_NAME_RUN_BEFORE, head_end)
        if run_start >= 0:
            text, start = self.text[run_start:head_end], run_start
            honorific = list(_HONORIFIC.finditer(text))
            if honorific:
                start += honorific[-1].start()
                text = text[honorific[-1].start() :]
            words = text.split()
            if len(words) == 1 and words[0].lower() in _PRONOUNS:
                return None, start
            return text, start
        definite_start = self.before(_DEFINITE_BEFORE, head_end)
        if definite_start >= 0:
            return self.text[definite_start:head_end], definite_start
        word_start = self.before(_WORD_BEFORE, head_end)
        if word_start >= 0 and self.text[word_start:head_end].lower() in _PRONOUNS:
            return None, word_start
        return None, None

    def quantified_subject(self, verb_start: int) -> bool:
        """Whether the verb's subject is a counted group ("58% of Brits said")."""
        if self._subject_ends is None:
            self._subject_ends = [m.end() for m in _SUBJECT_BREAK.finditer(self.text)]
        index = bisect.bisect_right(self._subject_ends, verb_start) - 1
        subject_start = self._subject_ends[index] if index >= 0 else 0
        words_start = self.before(_LAST_WORDS_BEFORE, verb_start, subject_start)
        words = self.text[words_start:verb_start].split()[-4:]
        return _QUANTIFIED.search(" ".join(words)) is not None

    def quoted_end(self, start: int, opener: str) -> int:
        """The closing quote for ``opener`` at or after ``start`` (an apostrophe is not one)."""
        closer = _CLOSE_FOR[opener]
        positions = self._closers.get(closer)
        if positions is None:
            text = self.text
            positions = [
                i
                for i, character in enumerate(text)
                if character == closer and (closer != "’" or not text[i + 1 : i + 2].isalpha())
            ]
            self._closers[closer] = positions
        index = bisect.bisect_left(positions, start)
        return positions[index] if index < len(positions) else self.size

    def after_audience(self, start: int) -> int:
        """Past the capitalised names after "told" when a lower-case word follows them."""
        end = self._audience.get(start)
        if end is None:
            match = _AUDIENCE.match(self.text, start)
            end = match.end() if match else start
            if match:
                # Every name of the run leads to the same end: remember it for each.
                for name in _AUDIENCE_NAME.finditer(self.text, start, end):
                    self._audience[name.start()] = end
        if end > start and "a" <= self.text[end : end + 1] <= "z":
            return end
        return start

    def clause_stop(self, start: int) -> int:
        """The first clause break at or after ``start``, else where the sentence ends."""
        if self._breaks is None:
            self._breaks = [m.start() for m in _CLAUSE_BREAK.finditer(self.text)]
        ending = max(self.before(_SENTENCE_END_BEFORE, self.size), start)
        index = bisect.bisect_left(self._breaks, start)
        if index < len(self._breaks):
            return min(self._breaks[index], ending)
        return ending

    def conjunction_start(self, start: int, end: int) -> int:
        """Where the spaces, commas and conjunction just before ``end`` begin."""
        return self.before(_CONJUNCTION_BEFORE, end, start)

    def trimmed(self, start: int, end: int) -> tuple[int, int]:
        """The span without surrounding punctuation and without its own quotation marks."""
        text = self.text
        leading = _LEADING_PUNCTUATION.match(text, start)
        start = min(leading.end() if leading else start, end)
        end = max(self._trailing_start(end), start)
        if end > start and text[start] in _OPEN_QUOTE:
            closing = self.quoted_end(start + 1, text[start])
            if closing >= end - 1:
                start += 1
                if closing == end - 1:
                    end -= 1
            end = max(self._trailing_start(end), start)
        return start, end

    def _trailing_start(self, end: int) -> int:
        start = self._trailing.get(end)
        if start is None:
            start = self._trailing[end] = self.before(_TRAILING_PUNCTUATION_BEFORE, end)
        return start

    def has_words(self, start: int, end: int, count: int) -> bool:
        """Whether ``text[start:end].split()`` has at least ``count`` words."""
        if self._word_starts is None:
            self._word_starts = [m.start() for m in _TOKEN.finditer(self.text)]
        if start >= end:
            return count <= 0
        inside = bisect.bisect_left(self._word_starts, end) - bisect.bisect_right(
            self._word_starts, start
        )
        return inside + (not self.text[start].isspace()) >= count


class _Taken:
    """The reported-claim spans (sorted, disjoint), for "does this quote overlap one?".

    Quote spans need not be checked against each other: each lies after the previous one.
    """

    def __init__(self, spans: list[ClaimSpan]) -> None:
        self.starts = [s.start for s in spans]
        self.latest_ends = list(itertools.accumulate((s.end for s in spans), max))

    def overlaps(self, start: int, end: int) -> bool:
        index = bisect.bisect_right(self.starts, start)
        if index and self.latest_ends[index - 1] > start:
            return True
        following = bisect.bisect_left(self.starts, start)
        return following < len(self.starts) and self.starts[following] < end


def extract_claim_spans(sentence: str) -> list[ClaimSpan]:
    """Extract the claims a sentence reports, in order, with offsets and claimants.

    Handles complements of "claim that" / "said that", verbs of saying without "that"
    ("insisted", "warned", "said he would …"), quoted speech after a speaker ("He told
    Metro: ‘…’") or before one ("‘…,’ Smith said."), and several claims in one sentence.
    A span runs to the closing quote, the next clause break (dash, semicolon, bracket,
    sentence end) or the next reported claim. Spans shorter than five words are ignored,
    as are the sayings of a quantified group ("58% of Brits said …": the statistic is the
    claim, and the sentence already carries it). Linear in the sentence's length.
    """
    text = _Sentence(sentence)
    spans: list[ClaimSpan] = []
    introducers = []
    for match in _INTRODUCER.finditer(sentence):
        verb = match.group("verb")
        # "was said" introduces nothing; "was claiming" is a speaker's progressive.
        if verb and not verb.lower().endswith("ing") and text.is_passive(match.start()):
            continue
        if (
            verb
            and verb.lower() in _OBJECT_PARTICIPLES
            and not _EXPLICIT_TAIL.search(match.group("tail"))
            and sentence[match.end() : match.end() + 1] not in _OPEN_QUOTE
        ):
            continue
        claimant, claimant_start = (None, None)
        if verb:
            claimant, claimant_start = text.claimant(match.start())
        boundary = claimant_start if claimant_start is not None else match.start()
        introducers.append((match, claimant, boundary))
    # A later verb cuts a claim short where its speaker begins inside the claim. A boundary
    # lies at or before its verb, so only verbs after the claim's start can cut it, and
    # none can once the earliest boundary still to come lies past the claim's end.
    verb_starts = [match.start() for match, _, _ in introducers]
    earliest = [len(sentence) + 1] * (len(introducers) + 1)
    for index in range(len(introducers) - 1, -1, -1):
        match, _, boundary = introducers[index]
        own = boundary if match.group("verb") else len(sentence) + 1
        earliest[index] = min(own, earliest[index + 1])

    covered_until = -1
    previous_claimant: str | None = None
    for index, (match, claimant, _boundary) in enumerate(introducers):
        start = match.end()
        if match.start() < covered_until:
            continue
        verb = (match.group("verb") or "").lower()
        if verb and text.quantified_subject(match.start()):
            continue
        if start < len(sentence) and sentence[start] in _OPEN_QUOTE:
            end = text.quoted_end(start + 1, sentence[start])
            end = min(end + 1, len(sentence))
        else:
            if verb in {"told", "tells", "telling"}:
                start = text.after_audience(start)
            end = text.clause_stop(start)
            first_later = max(index + 1, bisect.bisect_right(verb_starts, start))
            for later_index in range(first_later, len(introducers)):
                if earliest[later_index] >= end:
                    break
                later, _, later_boundary = introducers[later_index]
                if start < later_boundary < end and later.group("verb"):
                    end = text.conjunction_start(start, later_boundary)
                    break
        span_start, span_end = text.trimmed(start, end)
        if not text.has_words(span_start, span_end, _MIN_WORDS):
            continue
        if claimant is None and verb in {"adding", "added", "adds"}:
            claimant = previous_claimant
        spans.append(ClaimSpan(sentence[span_start:span_end], span_start, span_end, claimant))
        previous_claimant = claimant or previous_claimant
        covered_until = span_end

    taken = _Taken(spans)
    for quote in _QUOTE_FIRST.finditer(sentence):
        q_start, q_end = text.trimmed(quote.start("quote"), quote.end("quote"))
        if taken.overlaps(q_start, q_end):
            continue
        if not text.has_words(q_start, q_end, _MIN_WORDS):
            continue
        who = quote.group("who") or quote.group("who_after")
        who = who.strip().rstrip(".,") if who else None
        claimant = who if who and who.lower() not in _PRONOUNS else None
        spans.append(ClaimSpan(sentence[q_start:q_end], q_start, q_end, claimant))
    return sorted(spans, key=lambda s: s.start)
