from models.explain import shared_terms


def test_shared_terms_are_the_fact_checks_words_the_claim_shares() -> None:
    claim = "Posts say Kamala Harris is offering hurricane victims a $750 loan from FEMA."
    fact_check = (
        "The $750 from FEMA that Kamala Harris is offering them is actually a loan, "
        "not real relief."
    )
    shared = shared_terms(claim, fact_check)
    assert shared.terms == ("FEMA", "Kamala", "Harris", "offering", "loan")
    assert shared.names == ("FEMA", "Kamala", "Harris")
    assert shared.numbers == ("750",)


def test_shared_terms_match_by_stem_once_each_and_skip_stop_words() -> None:
    shared = shared_terms(
        "Vaccines were banned in Iceland", "Iceland has banned the COVID-19 vaccine; Iceland"
    )
    assert shared.terms == ("Iceland", "banned", "vaccine")
    assert shared.numbers == ()
    assert shared_terms("The weather was lovely", "Bill Gates wants microchips").terms == ()


def test_numbers_must_be_written_in_both() -> None:
    shared = shared_terms("11 million Americans died suddenly", "1.1 million Americans died")
    assert shared.numbers == ()
    assert "million" in shared.terms
