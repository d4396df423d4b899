"""The words attribution looks for: speech verbs, claim nouns, cues, pronouns, groups,
institutions, quotation marks.
"""

from __future__ import annotations

import re
from typing import TYPE_CHECKING

from models.attribution.claimants import ClaimantKind

if TYPE_CHECKING:
    pass


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
