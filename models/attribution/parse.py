"""Reading a dependency parse: the spaCy pipeline, which sentences need it, and the
subject, agent, content clause and noun phrase of a speech verb.
"""

from __future__ import annotations

import logging
from functools import lru_cache
from typing import TYPE_CHECKING

from models.attribution.claimants import MODEL_PACKAGE, ClaimantKind
from models.attribution.lexicon import (
    _CLAIM_NOUNS,
    _CUE,
    _GROUP_ENTITIES,
    _HONORIFIC,
    _NAMED,
    _NP_LEFT,
    _QUANTITY,
    _RELATIVE,
    _SPEECH,
)

if TYPE_CHECKING:
    from spacy.language import Language
    from spacy.tokens import Span, Token

logger = logging.getLogger(__name__)


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
