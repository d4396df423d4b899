"""The loaders of the public datasets in ../shared/data (read directly, nothing copied)."""

import datetime as dt
from collections import Counter

import pytest

from claims_db.importers.datasets import (
    DATASETS,
    averitec_dev,
    checkthat2022_vclaims,
    politifact_2023_2026,
    politifact_statement_id,
    snopes_2020,
)
from claims_db.importers.records import Skipped
from claims_db.models import claim_key
from claims_db.repository import FactCheckInput
from models.verdicts import Verdict
from tests.conftest import DATA_DIR

pytestmark = pytest.mark.skipif(not DATA_DIR.is_dir(), reason="../shared/data is not present")


def test_politifact_without_urls_gets_a_stable_urn() -> None:
    first = [i for i in politifact_2023_2026(DATA_DIR) if isinstance(i, FactCheckInput)]
    second = [i for i in politifact_2023_2026(DATA_DIR) if isinstance(i, FactCheckInput)]
    assert [i.url for i in first] == [i.url for i in second]
    assert all(i.url.startswith("urn:claimflag:politifact:") for i in first)
    assert len({(i.url, claim_key(i.claim)) for i in first}) == len(first)
    assert politifact_statement_id("A claim", "Someone", "2024-01-01") != politifact_statement_id(
        "A claim", "Someone", "2024-01-02"
    )
    verdicts = Counter(i.resolved_verdict for i in first)
    assert verdicts[Verdict.FALSE] > verdicts[Verdict.TRUE] > 0


def test_politifact_statements_with_real_urls_are_not_stored_twice() -> None:
    skipped = [i for i in politifact_2023_2026(DATA_DIR) if isinstance(i, Skipped)]
    assert skipped and {s.reason for s in skipped} == {"also in politifact-2021-2024"}


def test_averitec_urls_are_unwrapped_from_the_web_archive() -> None:
    items = list(averitec_dev(DATA_DIR))
    assert len(items) == 500
    assert not any("web.archive.org" in i.url for i in items)
    first = items[0]
    assert first.url.startswith("https://checkyourfact.com/2020/11/03/")
    assert first.publisher == "Check Your Fact" and first.review_date == dt.date(2020, 11, 3)
    assert first.claim_date == dt.date(2020, 10, 31)
    assert first.resolved_verdict is Verdict.FALSE  # "Refuted"


def test_checkthat_claims_already_in_snopes_are_skipped() -> None:
    items = list(checkthat2022_vclaims(DATA_DIR))
    kept = [i for i in items if isinstance(i, FactCheckInput)]
    skipped = [i for i in items if isinstance(i, Skipped)]
    assert len(kept) + len(skipped) == 14_231
    assert len(skipped) > 8_000 and all(i.publisher == "Snopes" for i in kept)


@pytest.mark.slow
def test_all_datasets_hold_about_twenty_thousand_distinct_fact_checks() -> None:
    keys = set()
    for load in DATASETS.values():
        for item in load(DATA_DIR):
            if isinstance(item, FactCheckInput):
                keys.add((item.url, claim_key(item.claim)))
    assert len(keys) > 19_000


def test_snopes_fragments_take_the_title_as_the_claim() -> None:
    items = [i for i in snopes_2020(DATA_DIR) if isinstance(i, FactCheckInput)]
    by_url = {i.url: i for i in items}
    fixed = by_url["https://www.snopes.com/fact-check/man-assaulting-woman-device/"]
    assert fixed.claim.startswith("Man Loses Genitals While Assaulting Woman")
    # No claim is a stray word any more ("false", "The", "A").
    assert not [i.url for i in items if len(i.claim.split()) < 2]


def test_snopes_and_checkthat_records_keep_their_headlines() -> None:
    snopes = {i.url: i for i in snopes_2020(DATA_DIR) if isinstance(i, FactCheckInput)}
    fonda = snopes["https://www.snopes.com/fact-check/jane-fonda-covid-gods-gift/"]
    assert fonda.title == "Did Jane Fonda Say COVID-19 Was 'God's Gift to the Left'?"
    assert fonda.claim.startswith("In October 2020, actress Jane Fonda said")
    vclaims = [i for i in checkthat2022_vclaims(DATA_DIR) if isinstance(i, FactCheckInput)]
    assert sum(bool(i.title) for i in vclaims) > 0.95 * len(vclaims)
    # A fragment in place of the claim ("The") gives way to the headline or subtitle.
    assert not [i.url for i in vclaims if len(i.claim.split()) < 3]
    # Sources without headlines import none.
    assert not any(i.title for i in averitec_dev(DATA_DIR) if isinstance(i, FactCheckInput))
