"""The surface features: the word-list implementation gives exactly the values the shipped
head was trained with.

The head in ``models/artifacts`` was trained on features computed by one case-insensitive
regular expression per feature. ``models.features`` now counts list words in one pass; the
oracle below is that original definition, kept here to prove the two agree on every
labelled sentence in ``../shared/data`` and on cases written to probe the differences
(phrases, contractions, superlatives, punctuation next to words).
"""

from __future__ import annotations

import math
import re

import numpy as np
import pytest

from models.features import FEATURE_NAMES, feature_matrix, sentence_features
from tests.conftest import DATA_DIR
from training.checkworthiness_data import load_splits

_I = re.I
_ORACLE_PATTERNS = {
    "number": re.compile(r"\d"),
    "number_token": re.compile(r"\d[\d,.]*"),
    "number_word": re.compile(
        r"\b(?:one|two|three|four|five|six|seven|eight|nine|ten|eleven|twelve|twenty|thirty"
        r"|forty|fifty|sixty|seventy|eighty|ninety|hundreds?|thousands?|millions?|billions?"
        r"|trillions?|dozens?|half|third|quarter|twice|double[ds]?|tripled?)\b",
        _I,
    ),
    "quantity": re.compile(
        r"%|\bper ?cent\b|\bpercentage\b|[$£€]|\b(?:dollars?|pounds?|euros?|tons?|miles?"
        r"|kilomet(?:re|er)s?|acres?|jobs|rate|average|budget|deficit|debt|tax(?:es)?)\b",
        _I,
    ),
    "year": re.compile(r"\b(?:1[89]\d\d|20\d\d)s?\b"),
    "date_word": re.compile(
        r"\b(?:january|february|march|april|may|june|july|august|september|october|november"
        r"|december|monday|tuesday|wednesday|thursday|friday|saturday|sunday|yesterday|today"
        r"|last (?:year|month|week|decade)|since|ago|decades?|years?)\b",
        _I,
    ),
    "comparative": re.compile(
        r"\b(?:more|less|fewer|most|least|highest|lowest|largest|biggest|smallest|first|only"
        r"|record|increased?|decreased?|rose|fell|grew|doubled|cut|lost|gained)\b|\b\w+est\b",
        _I,
    ),
    "hedge": re.compile(
        r"\b(?:may|might|could|perhaps|maybe|possibly|probably|likely|seems?|appears?"
        r"|suggests?|reportedly|allegedly)\b",
        _I,
    ),
    "opinion": re.compile(
        r"\b(?:i|we) (?:think|believe|feel|hope|want|need|must|will|would|should|can|am going"
        r"|are going)\b|\bin my (?:view|opinion)\b|\bfrankly\b|\bhonestly\b",
        _I,
    ),
    "first_person": re.compile(r"\b(?:i|me|my|mine|we|us|our|ours|i'm|i've|we're|we've)\b", _I),
    "second_person": re.compile(r"\b(?:you|your|yours|you're)\b", _I),
    "evaluative": re.compile(
        r"\b(?:good|bad|great|terrible|wonderful|strange|wrong|right|best|worst|fine|sad|shame"
        r"|disgrace|amazing|awful|ridiculous|hypocrisy|outrageous)\b",
        _I,
    ),
    "future": re.compile(r"\b(?:will|going to|would|shall|gonna|plan to|intend to)\b", _I),
    "reporting": re.compile(
        r"\b(?:said|says|claim(?:s|ed)?|announced|declared|insisted|warned|found|showed|shows"
        r"|reported|according to|told|cited|stated|admitted|revealed|confirmed)\b",
        _I,
    ),
    "question_start": re.compile(
        r"^\W*(?:who|what|when|where|why|how|which|is|are|do|does|did|can|could|should|would"
        r"|will|have|has)\b",
        _I,
    ),
    "call_to_action": re.compile(
        r"^\W*(?:please|get|join|sign|click|follow|read|share|subscribe|check|watch|visit|call"
        r"|contact|email|download|don't|do not|let's|let us|stay|vote|help|tell|send|stop)\b",
        _I,
    ),
    "caption": re.compile(
        r"\((?:picture|photo|image|credit)s?:|\b(?:mandatory credit|getty images|shutterstock"
        r"|photograph:|pictured)\b",
        _I,
    ),
    "url": re.compile(r"https?://|www\.", _I),
    "hashtag": re.compile(r"#\w"),
    "mention": re.compile(r"@\w"),
    "quote": re.compile(r"[\"“”‘’]|(?:^|\s)'"),
    "negation": re.compile(r"\b(?:not|no|never|none|nobody|nothing|n't)\b|n't\b", _I),
    "proper": re.compile(r"(?<=[\s(“‘\"'])[A-Z][a-z]+|\b[A-Z]{2,}\b"),
    "word": re.compile(r"\w+"),
}


def _oracle(text: str) -> list[float]:
    """The features as the shipped head was trained on them: one regex each."""
    p = _ORACLE_PATTERNS

    def count(name: str, value: str, cap: int) -> float:
        return min(len(p[name].findall(value)), cap) / cap

    stripped = text.strip()
    n_words = max(len(p["word"].findall(stripped)), 1)
    tail = stripped.rstrip("’'\"” )")
    is_question = tail.endswith("?") or (
        bool(p["question_start"].match(stripped)) and "?" in stripped
    )
    return [
        float(bool(p["number"].search(stripped))),
        count("number_token", stripped, 4),
        float(bool(p["number_word"].search(stripped))),
        count("quantity", stripped, 2),
        float(bool(p["year"].search(stripped))),
        count("date_word", stripped, 2),
        count("comparative", stripped, 3),
        count("hedge", stripped, 2),
        float(bool(p["opinion"].search(stripped))),
        min(len(p["first_person"].findall(stripped)) / n_words * 5, 1.0),
        min(len(p["second_person"].findall(stripped)) / n_words * 5, 1.0),
        count("evaluative", stripped, 2),
        count("future", stripped, 2),
        float(bool(p["reporting"].search(stripped))),
        float(is_question),
        float(bool(p["call_to_action"].match(stripped))),
        float(bool(p["caption"].search(stripped))),
        float(bool(p["url"].search(stripped))),
        count("hashtag", stripped, 3),
        count("mention", stripped, 3),
        float(bool(p["quote"].search(stripped))),
        count("negation", stripped, 2),
        min(len(p["proper"].findall(" " + stripped)) / 5, 1.0),
        min(math.log1p(n_words) / math.log1p(60), 1.0),
        float(n_words < 6),
        float("!" in stripped),
    ]


PROBES = [
    "Last year the deficit rose 40 per cent; last month it fell, and last weeks were worse.",
    "Unemployment went up 3.5% since 2019, according to the ONS, and it's not the highest.",
    "I'm sure we're right: I think the Budget will double, and we've said so. You're wrong!",
    "We plan to cut taxes, we're going to win, and they intend to spend $4bn, £2m and €1.",
    "Don't share this. It isn't true, it wasn't true and nobody, NONE of them, knew it.",
    "PICTURED: the mayor (Photo: Jane Doe/Getty Images) at www.example.org — Mandatory Credit",
    "The interest rate is the BEST TEST yet; the latest figures suggest otherwise, honestly.",
    "Frankly, in my view the lowest quarter was twice as bad as the third: doubled, tripled.",
    "Hundreds of thousands of millions? Who said that on Monday, May 5th, or on Sunday?",
    "#Brexit @BorisJohnson says jobs and miles and kilometres and acres are a disgrace.",
    "İstanbul’s mayor said the percentage of voters was 52%, not 48%; the record stands.",
    "shall we? n't nothing never-ending no-one est best-selling 1990s and 2020.",
    "   ",
    "",
    "Per cent percent percents PERCENTAGE; last decade, last decades, since ago years.",
]


@pytest.fixture(scope="module")
def labelled_texts() -> list[str]:
    splits = load_splits(DATA_DIR)
    return [text for data in (*splits.train, *splits.dev, *splits.test) for text in data.texts]


@pytest.mark.parametrize("text", PROBES)
def test_probe_sentences_match_the_trained_definition(text: str) -> None:
    expected = _oracle(text)
    got = sentence_features(text)
    differing = [name for name, a, b in zip(FEATURE_NAMES, expected, got, strict=True) if a != b]
    assert not differing, f"{differing} differ for {text!r}"


def test_every_labelled_sentence_matches_the_trained_definition(
    labelled_texts: list[str],
) -> None:
    assert len(labelled_texts) > 20_000
    expected = np.array([_oracle(t) for t in labelled_texts], dtype=np.float32)
    got = feature_matrix(labelled_texts)
    mismatched = np.flatnonzero((expected != got).any(axis=1))
    examples = [
        (
            labelled_texts[i],
            [n for n, d in zip(FEATURE_NAMES, expected[i] != got[i], strict=True) if d],
        )
        for i in mismatched[:3]
    ]
    assert mismatched.size == 0, f"{mismatched.size} texts differ, e.g. {examples}"
