"""``Attributor``: one parse per article, claim spans and their claimants, resolved across
sentences for quotes attributed later and pronouns.
"""

from __future__ import annotations

import threading
from dataclasses import dataclass
from typing import TYPE_CHECKING

from models.attribution.claimants import (
    THE_ARTICLE,
    Claimant,
    ClaimantKind,
    Report,
    SentenceAttribution,
    mention,
)
from models.attribution.lexicon import (
    _CLAIM_NOUNS,
    _CLAUSE_BREAK,
    _CLOSER_OF,
    _COUNTED_GROUP,
    _MIN_WORDS,
    _NOT_SPEAKERS,
    _OPENING_QUOTES,
    _PRONOUN,
    _PRONOUN_SPEAKERS,
    _QUOTES,
    _SPEECH,
    _TRAILING_CONJUNCTION,
    _TRIM,
)
from models.attribution.parse import (
    _according,
    _agent,
    _contents,
    _main_subject,
    _noun_phrase,
    _owned_claim,
    _subject,
    load_parser,
    needs_parse,
)
from models.attribution.quotes import (
    _fullest,
    _leaves_quote_open,
    _looks_like_person,
    _opened,
    _quoted_regions,
)

if TYPE_CHECKING:
    from spacy.language import Language
    from spacy.tokens import Doc, Token


@dataclass(frozen=True, slots=True)
class _Frame:
    speaker: Claimant | None
    pronoun: str | None
    contents: tuple[tuple[int, int], ...]
    # Where the verb (or "according") is, in article offsets.
    at: int
    # Whether it reports a claim (a clause, or "the idea"), not only speaks or quotes.
    reporting: bool = False


class Attributor:
    """Finds the claimant of each sentence and of the claims it reports.

    Args:
        nlp: A spaCy pipeline with a parser and entity recogniser. Defaults to the packaged
            ``en_core_web_sm`` (when it is not installed, nothing is attributed).
        parse: False for no parser at all (claimants from patterns only).
    """

    def __init__(self, nlp: Language | None = None, *, parse: bool = True) -> None:
        self.nlp: Language | None = (nlp or load_parser()) if parse else None
        # spaCy does not promise thread-safe inference; analyses run on a thread pool.
        self._lock = threading.Lock()

    @property
    def available(self) -> bool:
        """Whether a parser is loaded."""
        return self.nlp is not None

    def attribute(
        self, text: str, sentences: list[tuple[int, int]]
    ) -> list[SentenceAttribution] | None:
        """Attribute each sentence ``text[start:end]`` of an article, in order.

        Returns None when no parser is available.
        """
        if self.nlp is None:
            return None
        wanted_set: set[int] = set()
        for index, (start, end) in enumerate(sentences):
            sentence = text[start:end]
            if needs_parse(sentence):
                wanted_set.add(index)
                if _PRONOUN.search(sentence):
                    # Where "he" may be named: the two sentences before.
                    wanted_set.update(range(max(0, index - 2), index))
        wanted = sorted(wanted_set)
        docs: dict[int, Doc] = {}
        if wanted:
            with self._lock:
                parsed = list(
                    self.nlp.pipe([text[sentences[i][0] : sentences[i][1]] for i in wanted])
                )
            docs = dict(zip(wanted, parsed, strict=True))
        frames: list[list[_Frame]] = []
        for index, (start, _end) in enumerate(sentences):
            doc = docs.get(index)
            frames.append(self._frames(doc, start) if doc is not None else [])
        return self._resolve(text, sentences, frames, docs)

    def _frames(self, doc: Doc, offset: int) -> list[_Frame]:
        found: list[_Frame] = []
        # ``Doc.text`` joins every token anew on each access: read it once.
        text = doc.text

        def claimant(head: Token) -> tuple[Claimant | None, str | None]:
            if head.lower_ in _PRONOUN_SPEAKERS:
                return None, head.lower_
            if head.lower_ in _NOT_SPEAKERS or head.pos_ not in {"NOUN", "PROPN", "NUM"}:
                return None, None
            first, last, kind = _noun_phrase(head)
            while (
                last - 1 > first
                and doc[last - 1].text != "%"
                and (doc[last - 1].is_punct or doc[last - 1].is_space)
            ):
                last -= 1
            span = doc[first:last]
            return (
                mention(span.text, offset + span.start_char, offset + span.end_char, kind),
                None,
            )

        def char_range(tokens: tuple[int, int]) -> tuple[int, int] | None:
            first, last = tokens
            if last <= first:
                return None
            span = doc[first:last]
            start, end = span.start_char, span.end_char
            piece = text[start:end]
            # Up to a clause break, as the pattern spans are cut ("… G7 – the Group of …").
            cut = _CLAUSE_BREAK.search(piece, 1)
            if cut:
                piece = piece[: cut.start()]
                end = start + len(piece)
            # Without "that", its own quotes and trailing punctuation.
            stripped = piece.lstrip(_TRIM)
            if stripped.lower().startswith("that "):
                stripped = stripped[5:].lstrip(_TRIM)
            start += len(piece) - len(stripped)
            kept = _TRAILING_CONJUNCTION.sub("", stripped.rstrip(_TRIM)).rstrip(_TRIM)
            end = start + len(kept)
            # A quotation that opens inside the span keeps its closing mark.
            closer = text[end : end + 1]
            if closer in _CLOSER_OF.values() and _opened(kept, closer):
                end += 1
            if len(text[start:end].split()) < _MIN_WORDS:
                return None
            if _COUNTED_GROUP.match(text, start):
                # "A poll found 58% of Brits said …": the statistic is the claim, and the
                # sentence already carries it.
                return None
            return offset + start, offset + end

        quoted = any(q in text for q in _OPENING_QUOTES)
        for token in doc:
            according = _according(token)
            if according is not None:
                head, content = according
                speaker, pronoun = claimant(head)
                ranges = tuple(r for r in [char_range(content)] if r)
                found.append(_Frame(speaker, pronoun, ranges, offset + token.idx, bool(ranges)))
                continue
            if quoted and token.i == doc[0].i and token.lower_ == "from":
                # "From the WHO, “…”": the source of the quote that follows.
                source = next((c for c in token.children if c.dep_ == "pobj"), None)
                if source is not None:
                    speaker, _ = claimant(source)
                    if speaker is not None:
                        said = char_range((token.right_edge.i + 1, len(doc)))
                        found.append(
                            _Frame(speaker, None, (said,) if said else (), offset + token.idx, True)
                        )
                continue
            owned = _owned_claim(token)
            if owned is not None:
                # "Wickramasinghe's suggestions that …", "Claims by officials that …".
                owner, clause = owned
                speaker, pronoun = claimant(owner)
                if speaker is not None or pronoun is not None:
                    ranges = tuple(r for r in [char_range(clause)] if r)
                    found.append(_Frame(speaker, pronoun, ranges, offset + token.idx, True))
                continue
            if token.pos_ not in {"VERB", "AUX"}:
                continue
            claim_nouns = [
                c
                for c in token.children
                # Not "rebuked Wickramasinghe's suggestions": those are Wickramasinghe's.
                if c.dep_ == "dobj" and c.lemma_.lower() in _CLAIM_NOUNS and _owned_claim(c) is None
            ]
            agent = _agent(token) if quoted else None
            if agent is not None:
                # "… was dismissed as ‘hypocrisy’ by Keir Giles": the quote's speaker.
                speaker, _ = claimant(agent)
                if speaker is not None:
                    found.append(_Frame(speaker, None, (), offset + token.idx))
                continue
            if token.lemma_.lower() not in _SPEECH and not claim_nouns:
                continue
            subject = _subject(token)
            if subject is None:
                continue
            if subject.lower_ in {"he", "she"}:
                subject = _main_subject(token) or subject
            speaker, pronoun = claimant(subject)
            if speaker is None and pronoun is None:
                continue
            contents = _contents(token)
            for noun in claim_nouns:
                contents.extend(
                    (g.left_edge.i, g.right_edge.i + 1)
                    for g in noun.children
                    if g.dep_ in {"acl", "ccomp"}
                )
            if _COUNTED_GROUP.match(text, subject.left_edge.idx):
                # "58% of Brits said …": the statistic is the claim, the sentence carries it.
                contents = []
            ranges = tuple(r for c in contents if (r := char_range(c)))
            found.append(
                _Frame(speaker, pronoun, ranges, offset + token.idx, bool(ranges or claim_nouns))
            )
        # A report inside another's content, or inside a quotation when one outside it
        # exists, is that speaker's claim, not a second report.
        quotations = _quoted_regions(text, offset)
        outside = [f for f in found if not any(s <= f.at < e for s, e in quotations)]
        if outside:
            found = outside
        # (Only an earlier verb's: a later one taking an earlier report for its complement is
        # a misparse of "X say …; Y say …".)
        return [
            f
            for f in found
            if not any(
                o is not f and o.at < f.at and any(s <= f.at < e for s, e in o.contents)
                for o in found
            )
        ]

    def _resolve(
        self,
        text: str,
        sentences: list[tuple[int, int]],
        frames: list[list[_Frame]],
        docs: dict[int, Doc],
    ) -> list[SentenceAttribution]:
        results: list[SentenceAttribution] = []
        recent: list[Claimant] = []
        persons: list[Claimant] = []
        quote_open = False
        own: list[Claimant | None] = []
        for index, (start, end) in enumerate(sentences):
            doc = docs.get(index)
            if doc is not None:
                for entity in doc.ents:
                    if entity.label_ == "PERSON":
                        persons.append(
                            mention(
                                entity.text,
                                start + entity.start_char,
                                start + entity.end_char,
                                ClaimantKind.PERSON,
                            )
                        )
            reports: list[Report] = []
            first: Claimant | None = None
            first_reports = False
            for frame in frames[index]:
                speaker = frame.speaker or self._pronoun(frame.pronoun, recent, persons)
                if speaker is None:
                    continue
                speaker = _fullest(speaker, [*recent, *persons])
                if frame.speaker is not None:
                    recent.append(frame.speaker)
                if first is None or (not first_reports and frame.reporting):
                    first, first_reports = speaker, frame.reporting
                reports.extend(Report(s, e, speaker) for s, e in frame.contents)
            own.append(first)
            results.append(SentenceAttribution(first or THE_ARTICLE, tuple(reports)))
            sentence = text[start:end]
            opens_quote = sentence.lstrip()[:1] in _QUOTES
            if index and "\n" in text[sentences[index - 1][1] : start] and not opens_quote:
                # A quote runs on into a new paragraph only when it opens with a quote mark.
                quote_open = False
            quoted = quote_open or opens_quote
            if first is None and quoted:
                # A quote whose speaker is named in the sentence before (a continuing quote).
                previous = own[index - 1] if index else None
                if previous is not None:
                    results[index] = SentenceAttribution(previous, ())
                    own[index] = previous
            # A paragraph that opens a quote while one runs on restarts it.
            quote_open = _leaves_quote_open(sentence, quote_open and not opens_quote)
        # A quote whose speaker is named only after it: "‘…’ / Smith said so on Monday."
        for index in range(len(sentences) - 1):
            start, end = sentences[index]
            if results[index].claimant is THE_ARTICLE and text[start:end].lstrip()[:1] in _QUOTES:
                following = own[index + 1]
                if following is not None:
                    results[index] = SentenceAttribution(following, ())
        return results

    @staticmethod
    def _pronoun(
        pronoun: str | None, recent: list[Claimant], persons: list[Claimant]
    ) -> Claimant | None:
        if pronoun is None:
            return None
        if pronoun == "they":
            for speaker in reversed(recent):
                if speaker.kind in {ClaimantKind.GROUP, ClaimantKind.ORGANISATION}:
                    return speaker
            return recent[-1] if recent else None
        # The nearest person named before: a speaker or any mention the parser recognised.
        named = [c for c in (*recent, *persons) if _looks_like_person(c)]
        if named:
            return max(named, key=lambda c: c.start or 0)
        for speaker in reversed(recent):
            if speaker.kind is ClaimantKind.ORGANISATION:
                return speaker
        return None
