"""Request-time text processing stays linear on adversarial input (issue 20, finding 1).

A single article once held a worker for 57 s: a run of 2,600 spaces after a verb of saying
sent the claim patterns into cubic backtracking. Each case below builds inputs of growing
size from a run that provoked (or could provoke) such backtracking and checks that the
time grows in proportion (``tests.growth``: a ratio of CPU times, never a wall clock).
"""

from __future__ import annotations

from collections.abc import Callable

import pytest

from models.claims import extract_claim_spans
from models.claims_multilingual import reported_spans
from models.features import sentence_features
from models.matching import lexical_tokens
from models.retrieval import clean_query, lexical_profile
from models.segmentation import segment
from models.stance import classify_stance
from models.verdicts import normalize_rating
from tests.growth import assert_linear


def run(prefix: str, unit: str, suffix: str = "") -> Callable[[int], str]:
    """Inputs of about ``n`` characters: ``unit`` repeated between ``prefix`` and ``suffix``."""
    return lambda n: prefix + unit * max(1, n // len(unit)) + suffix


# Runs of one character or word where a pattern may start, continue or stop.
RUNS: dict[str, Callable[[int], str]] = {
    "spaces after a verb": run("He said", " ", "x"),
    "spaces after an object": run("Smith said Jones", " ", "x"),
    "spaces before a verb": run("", " ", "said he would go"),
    "commas after a verb": run("He said ", ",", " x"),
    "commas before a second claim": run("Smith said it cost more", " ,", " and Jones said so"),
    "spaces before a second claim": run("Smith said it cost more", " ", "and Jones said so"),
    "slashes": run("He said ", "/", " x"),
    "slashed names": run("He said ", "A/", " x"),
    "capitalised names": run("He said ", "Ab ", "x"),
    "one long capitalised word": run("He said ", "A", " x"),
    "capitals before a verb": run("", "A", " x said he would go there"),
    "names before a verb": run("", "Ab ", "said he would go there"),
    "told a long audience": run("told ", "Told ", "x"),
    "verbs glued by colons": run("", "said:", ",,,,."),
    "noun introducers": run("", "claim that "),
    "capitalised verbs": run("", "Said "),
    "digits before a verb": run("", "1", " people said x"),
    "numbers before a verb": run("", "1,", " people said x"),
    "adverbs before a verb": run("Smith ", "has ", "said he would go"),
    "articles before a verb": run("", "the ", "said he would go"),
    "opening quotes": run("", "‘"),
    "straight quotes": run("", '"'),
    "quotes after verbs": run("", "said ‘"),
    "spaces after a closing quote": run("‘The river is cleaner now’", " ", "x"),
    "commas after a closing quote": run("“The river is cleaner now,”", " ,", " said Tom"),
    "apostrophes in a quote": run("said ‘", "a’a"),
    "conjunctions": run("said the dam was old ", "and ", "said y"),
    "commas at the end": run("claim that the dam was old ", ",", "."),
    "semicolons": run("", "said x; "),
    "dashes": run("He said ", "-", " x"),
    "em dashes with spaces": run("He said it ", "— ", "(@bob)"),
    "periods": run("He said ", ".", " x"),
    "question marks": run("", "?"),
    "at signs": run("", "a@"),
    "hashes": run("", "#"),
    "photo credits": run("(Picture: ", "-", " x"),
    "debunking cues": run("", "baseless  ", " x"),
    "reporting cues": run("", "announced ", "!"),
    "parentheses": run("", "(", "x"),
    "newlines": run("He said", "\n", "x"),
}

TEXT_FUNCTIONS: dict[str, Callable[[str], object]] = {
    "extract_claim_spans": extract_claim_spans,
    "segment": segment,
    "classify_stance": classify_stance,
    "clean_query": clean_query.__wrapped__,  # the cache would hide the work
    "lexical_profile": lexical_profile,
    "lexical_tokens": lexical_tokens,
    "sentence_features": sentence_features,
    "normalize_rating": normalize_rating,
}


@pytest.mark.parametrize("shape", list(RUNS))
def test_claim_extraction_is_linear(shape: str) -> None:
    assert_linear(extract_claim_spans, RUNS[shape])


@pytest.mark.parametrize("function", [f for f in TEXT_FUNCTIONS if f != "extract_claim_spans"])
@pytest.mark.parametrize(
    "shape",
    [
        "spaces after a verb",
        "commas after a verb",
        "slashes",
        "capitalised names",
        "one long capitalised word",
        "straight quotes",
        "spaces after a closing quote",
        "dashes",
        "em dashes with spaces",
        "periods",
        "photo credits",
        "debunking cues",
        "reporting cues",
        "at signs",
        "hashes",
        "newlines",
    ],
)
def test_other_text_stages_are_linear(function: str, shape: str) -> None:
    assert_linear(TEXT_FUNCTIONS[function], RUNS[shape])


def test_the_check_catches_a_quadratic_function() -> None:
    """The growth check itself: a function quadratic in its input must fail it."""

    def quadratic(text: str) -> int:
        return sum(text.count(text[i]) for i in range(0, len(text), 8))

    with pytest.raises(AssertionError, match="super-linear"):
        assert_linear(quadratic, run("", "ab"))


# Runs for the quotations and reported clauses of other languages (issue 28).
OTHER_LANGUAGE_RUNS: dict[str, tuple[str, Callable[[int], str]]] = {
    "spaces after a guillemet": ("fr", run("«", " ", "x")),
    "spaces before a closing guillemet": ("fr", run("« a", " ", "x")),
    "opening guillemets": ("fr", run("", "«a ")),
    "low quotes": ("de", run("", "„")),
    "corner brackets": ("ja", run("", "「")),
    "straight quotes": ("es", run("", '"a')),
    "verbs of saying": ("es", run("", "dice que ")),
    "complementisers after a comma": ("ru", run("", "заявил, что ")),
    "spaces before a complementiser": ("de", run("behauptet,", " ", "dass x")),
    "Hindi reporting phrases": ("hi", run("", "दावा किया गया है कि ")),
    "spaces before a Polish complementiser": ("pl", run("twierdzi,", " ", "że x")),
    "Chinese verbs of saying": ("zh", run("", "声称：")),
    "spaces before a Danish complementiser": ("da", run("hævder,", " ", "at x")),
    "Persian reporting phrases": ("fa", run("", "ادعا کردند که ")),
    "Arabic verbs of saying before their subject": ("ar", run("", "قالت منشورات ")),
}


@pytest.mark.parametrize("shape", list(OTHER_LANGUAGE_RUNS))
def test_reported_spans_in_other_languages_are_linear(shape: str) -> None:
    language, inputs = OTHER_LANGUAGE_RUNS[shape]
    assert_linear(lambda text: reported_spans(text, language), inputs)
