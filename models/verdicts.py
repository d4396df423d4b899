"""Normalise publishers' ratings onto one verdict scale, keeping their own words beside it."""

from __future__ import annotations

import enum
import html
import re
import unicodedata
from collections import Counter
from collections.abc import Iterable


class Verdict(enum.StrEnum):
    """The fixed verdict scale every publisher's rating is mapped onto."""

    FALSE = "false"
    MOSTLY_FALSE = "mostly_false"
    MISLEADING = "misleading"
    MIXED = "mixed"
    MOSTLY_TRUE = "mostly_true"
    TRUE = "true"
    UNPROVEN = "unproven"
    SATIRE = "satire"
    OTHER = "other"


# How serious a verdict is for triage: higher is a more harmful falsehood.
VERDICT_SEVERITY: dict[Verdict, float] = {
    Verdict.FALSE: 1.0,
    Verdict.MOSTLY_FALSE: 0.85,
    Verdict.MISLEADING: 0.75,
    Verdict.MIXED: 0.5,
    Verdict.UNPROVEN: 0.45,
    Verdict.OTHER: 0.3,
    Verdict.SATIRE: 0.2,
    Verdict.MOSTLY_TRUE: 0.15,
    Verdict.TRUE: 0.05,
}

# Exact ratings after normalisation (lower case, punctuation folded to spaces).
_EXACT: dict[str, Verdict] = {
    "false": Verdict.FALSE,
    "pants on fire": Verdict.FALSE,
    "pants fire": Verdict.FALSE,
    "fake": Verdict.FALSE,
    "fabricated": Verdict.FALSE,
    "fabricated content": Verdict.FALSE,
    "incorrect": Verdict.FALSE,
    "wrong": Verdict.FALSE,
    "not true": Verdict.FALSE,
    "untrue": Verdict.FALSE,
    "hoax": Verdict.FALSE,
    "scam": Verdict.FALSE,
    "four pinocchios": Verdict.FALSE,
    "altered": Verdict.FALSE,
    "altered photo": Verdict.FALSE,
    "altered video": Verdict.FALSE,
    "doctored": Verdict.FALSE,
    "manipulated": Verdict.FALSE,
    "fiction": Verdict.FALSE,
    "disinformation": Verdict.FALSE,
    "no": Verdict.FALSE,
    "mostly false": Verdict.MOSTLY_FALSE,
    "three pinocchios": Verdict.MOSTLY_FALSE,
    "barely true": Verdict.MOSTLY_FALSE,
    "largely false": Verdict.MOSTLY_FALSE,
    "misleading": Verdict.MISLEADING,
    "missing context": Verdict.MISLEADING,
    "lacks context": Verdict.MISLEADING,
    "needs context": Verdict.MISLEADING,
    "out of context": Verdict.MISLEADING,
    "miscaptioned": Verdict.MISLEADING,
    "misattributed": Verdict.MISLEADING,
    "exaggerates": Verdict.MISLEADING,
    "exaggerated": Verdict.MISLEADING,
    "exaggeration": Verdict.MISLEADING,
    "distorts the facts": Verdict.MISLEADING,
    "spins the facts": Verdict.MISLEADING,
    "cherry picks": Verdict.MISLEADING,
    "this isn t quite right": Verdict.MISLEADING,
    "partly false": Verdict.MISLEADING,
    "partially false": Verdict.MISLEADING,
    "half true": Verdict.MIXED,
    "mixture": Verdict.MIXED,
    "mixed": Verdict.MIXED,
    "two pinocchios": Verdict.MIXED,
    "conflicting evidence cherrypicking": Verdict.MIXED,
    "conflicting evidence": Verdict.MIXED,
    "mostly true": Verdict.MOSTLY_TRUE,
    "one pinocchio": Verdict.MOSTLY_TRUE,
    "largely accurate": Verdict.MOSTLY_TRUE,
    "correct attribution": Verdict.TRUE,
    "true": Verdict.TRUE,
    "correct": Verdict.TRUE,
    "accurate": Verdict.TRUE,
    "supported": Verdict.TRUE,
    "geppetto checkmark": Verdict.TRUE,
    "unproven": Verdict.UNPROVEN,
    "unsupported": Verdict.UNPROVEN,
    "unverified": Verdict.UNPROVEN,
    "unsubstantiated": Verdict.UNPROVEN,
    "no evidence": Verdict.UNPROVEN,
    "no record": Verdict.UNPROVEN,
    "not enough evidence": Verdict.UNPROVEN,
    "research in progress": Verdict.UNPROVEN,
    "legend": Verdict.UNPROVEN,
    "outdated": Verdict.OTHER,
    "full flop": Verdict.OTHER,
    "half flip": Verdict.OTHER,
    "no flip": Verdict.OTHER,
    "refuted": Verdict.FALSE,
    "satire": Verdict.SATIRE,
    "labeled satire": Verdict.SATIRE,
    "labelled satire": Verdict.SATIRE,
    "originated as satire": Verdict.SATIRE,
    "parody": Verdict.SATIRE,
    # Further English wordings seen in ClaimReview feeds.
    "pants on fire false": Verdict.FALSE,
    "bottomless pinocchio": Verdict.FALSE,
    "4 pinocchios": Verdict.FALSE,
    "3 pinocchios": Verdict.MOSTLY_FALSE,
    "2 pinocchios": Verdict.MIXED,
    "1 pinocchio": Verdict.MOSTLY_TRUE,
    "inaccurate": Verdict.FALSE,
    "baseless": Verdict.FALSE,
    "debunked": Verdict.FALSE,
    "false headline": Verdict.FALSE,
    "imposter content": Verdict.FALSE,
    "impostor content": Verdict.FALSE,
    "manipulated media": Verdict.FALSE,
    "digitally altered": Verdict.FALSE,
    "fake news": Verdict.FALSE,
    "false claim": Verdict.FALSE,
    "wrong context": Verdict.MISLEADING,
    "false context": Verdict.MISLEADING,
    "misrepresented": Verdict.MISLEADING,
    "misrepresentation": Verdict.MISLEADING,
    "not the whole story": Verdict.MISLEADING,
    "half truth": Verdict.MIXED,
    "partly true": Verdict.MIXED,
    "partially true": Verdict.MIXED,
    "mostly accurate": Verdict.MOSTLY_TRUE,
    "largely true": Verdict.MOSTLY_TRUE,
    "mostly correct": Verdict.MOSTLY_TRUE,
    "unfounded": Verdict.UNPROVEN,
    "unclear": Verdict.UNPROVEN,
    "lost legend": Verdict.UNPROVEN,
    "undetermined": Verdict.UNPROVEN,
    "insufficient evidence": Verdict.UNPROVEN,
    "satirical": Verdict.SATIRE,
    "humor": Verdict.SATIRE,
    "humour": Verdict.SATIRE,
    "joke": Verdict.SATIRE,
    "unrated": Verdict.OTHER,
    "not rated": Verdict.OTHER,
    "no rating": Verdict.OTHER,
    "flip flop": Verdict.OTHER,
    "explainer": Verdict.OTHER,
    # Common ratings of non-English publishers (accents are folded away).
    "falso": Verdict.FALSE,
    "faux": Verdict.FALSE,
    "falsch": Verdict.FALSE,
    "enganoso": Verdict.MISLEADING,
    "enganosa": Verdict.MISLEADING,
    "trompeur": Verdict.MISLEADING,
    "irrefuhrend": Verdict.MISLEADING,
    "fuera de contexto": Verdict.MISLEADING,
    "hors contexte": Verdict.MISLEADING,
    "sin contexto": Verdict.MISLEADING,
    "parcialmente falso": Verdict.MISLEADING,
    "partiellement faux": Verdict.MISLEADING,
    "teilweise falsch": Verdict.MISLEADING,
    "verdadero": Verdict.TRUE,
    "verdadeiro": Verdict.TRUE,
    "vrai": Verdict.TRUE,
    "wahr": Verdict.TRUE,
    "satira": Verdict.SATIRE,
    "satire humour": Verdict.SATIRE,
    "sin evidencia": Verdict.UNPROVEN,
    "sem evidencias": Verdict.UNPROVEN,
    "infondato": Verdict.UNPROVEN,
}

# Ordered keyword rules for ratings written as a phrase ("False: the photo is from 2019").
_KEYWORDS: list[tuple[re.Pattern[str], Verdict]] = [
    (re.compile(r"\bsatir|\bparod"), Verdict.SATIRE),
    (re.compile(r"\bmostly false\b|\blargely false\b|\bbarely true\b"), Verdict.MOSTLY_FALSE),
    (re.compile(r"\bmostly true\b|\blargely true\b|\bmostly correct\b"), Verdict.MOSTLY_TRUE),
    (re.compile(r"\bhalf true\b|\bmixture\b|\bmixed\b|\bpartly true\b"), Verdict.MIXED),
    (
        re.compile(
            r"\bmislead|\bmissing context\b|\bout of context\b|\bexaggerat|\bmiscaption"
            r"|\bmisattribut|\bcontext\b|\bpartly false\b|\bpartially false\b|\bdistort"
            r"|\bnot quite right\b|\bisn t quite right\b"
        ),
        Verdict.MISLEADING,
    ),
    (
        re.compile(
            r"\bunproven\b|\bunverified\b|\bunsupported\b|\bno evidence\b|\bunsubstantiated\b"
            r"|\bnot enough evidence\b|\bunclear\b"
        ),
        Verdict.UNPROVEN,
    ),
    (
        re.compile(
            r"\bfalse\b|\bfake\b|\bfabricat|\bpants on fire\b|\bhoax\b|\bincorrect\b"
            r"|\buntrue\b|\bnot true\b|\bfour pinocchios\b|\bdoctored\b|\baltered\b|\bscam\b"
        ),
        Verdict.FALSE,
    ),
    (re.compile(r"\btrue\b|\bcorrect\b|\baccurate\b"), Verdict.TRUE),
]

_FOLD = re.compile(r"[^a-z0-9]+")


def _fold(rating: str) -> str:
    text = unicodedata.normalize("NFKD", html.unescape(rating)).encode("ascii", "ignore")
    return _FOLD.sub(" ", text.decode("ascii").lower()).strip()


def normalize_rating(rating: str | None) -> Verdict:
    """Map a publisher's rating ("Pants on Fire!", "Missing context", …) to a ``Verdict``.

    Unknown or empty ratings map to ``Verdict.OTHER``; the caller keeps the original text.
    """
    if not rating:
        return Verdict.OTHER
    folded = _fold(rating)
    if not folded:
        return Verdict.OTHER
    if folded in _EXACT:
        return _EXACT[folded]
    for pattern, verdict in _KEYWORDS:
        if pattern.search(folded):
            return verdict
    return Verdict.OTHER


def is_known_rating(rating: str | None) -> bool:
    """Whether ``rating`` is a wording the normaliser recognises (even one mapped to ``other``).

    An unknown rating falls through to ``Verdict.OTHER``; the ratings report lists those.
    """
    if not rating:
        return False
    folded = _fold(rating)
    if folded in _EXACT:
        return True
    return any(pattern.search(folded) for pattern, _ in _KEYWORDS)


def unknown_ratings(ratings: Iterable[str | None]) -> list[tuple[str, int]]:
    """The ratings the normaliser does not recognise, most frequent first, with their counts."""
    counts = Counter(r.strip() for r in ratings if r and r.strip() and not is_known_rating(r))
    return counts.most_common()
