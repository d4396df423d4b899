import pytest

from models.verdicts import Verdict, normalize_rating


@pytest.mark.parametrize(
    ("rating", "verdict"),
    [
        ("False", Verdict.FALSE),
        ("Pants on Fire!", Verdict.FALSE),
        ("Pants Fire", Verdict.FALSE),
        ("Four Pinocchios", Verdict.FALSE),
        ("Fiction", Verdict.FALSE),
        ("Mostly False", Verdict.MOSTLY_FALSE),
        ("mostly-false", Verdict.MOSTLY_FALSE),
        ("Missing context", Verdict.MISLEADING),
        ("Miscaptioned", Verdict.MISLEADING),
        ("This isn't quite right", Verdict.MISLEADING),
        ("Exaggerates (headline verdict; FactCheck.org uses no rating scale)", Verdict.MISLEADING),
        ("Half True", Verdict.MIXED),
        ("mixture", Verdict.MIXED),
        ("Mostly True", Verdict.MOSTLY_TRUE),
        ("correct attribution", Verdict.TRUE),
        ("TRUE", Verdict.TRUE),
        ("Satire", Verdict.SATIRE),
        ("No Evidence", Verdict.UNPROVEN),
        ("False (stated in article text)", Verdict.FALSE),
        ("Full Flop", Verdict.OTHER),
        ("", Verdict.OTHER),
        (None, Verdict.OTHER),
        ("Grandstanding", Verdict.OTHER),
    ],
)
def test_ratings_map_onto_the_scale(rating: str | None, verdict: Verdict) -> None:
    assert normalize_rating(rating) is verdict


def test_html_entities_and_accents_are_folded() -> None:
    assert normalize_rating("Mostly&nbsp;false") is Verdict.MOSTLY_FALSE
    assert normalize_rating("  FALSE.  ") is Verdict.FALSE
