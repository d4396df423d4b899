import pytest

from models.verdicts import Verdict, is_known_rating, normalize_rating, unknown_ratings


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


@pytest.mark.parametrize(
    ("rating", "verdict"),
    [
        ("Falso", Verdict.FALSE),
        ("Faux", Verdict.FALSE),
        ("Engañoso", Verdict.MISLEADING),
        ("Irreführend", Verdict.MISLEADING),
        ("Bottomless Pinocchio", Verdict.FALSE),
        ("Three Pinocchios", Verdict.MOSTLY_FALSE),
        ("Unfounded", Verdict.UNPROVEN),
        ("Refuted", Verdict.FALSE),
        ("Supported", Verdict.TRUE),
        ("Conflicting Evidence/Cherrypicking", Verdict.MIXED),
        ("Not quite right", Verdict.MISLEADING),
        ("Unrated", Verdict.OTHER),
    ],
)
def test_more_publishers_ratings(rating: str, verdict: Verdict) -> None:
    assert normalize_rating(rating) is verdict


def test_unknown_ratings_are_listed_by_frequency() -> None:
    ratings = ["False", "Grandstanding", "Spin", "Grandstanding", "Full Flop", "unrated", "", None]
    assert unknown_ratings(ratings) == [("Grandstanding", 2), ("Spin", 1)]
    assert is_known_rating("Full Flop") and not is_known_rating("Spin")
