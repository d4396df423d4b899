"""``python -m evaluation.service``: news cases scored from what ``POST /v1/analyze`` answers."""

import json
from pathlib import Path

from fastapi.testclient import TestClient

from evaluation.matching_news import NewsCase, load_cases
from evaluation.service import judge, run, summary_rows

FERRET = "https://theferret.scot/scottish-law-bans-praying-silently-at-home-is-false/"


def _case(accepted: set[str], stance: str | None = None) -> NewsCase:
    return NewsCase("c1", "text", "text", frozenset(accepted), stance)


def _body(*claims: tuple[bool, str, str | None]) -> dict[str, object]:
    return {
        "claims": [
            {"flagged": flagged, "matches": [{"fact_check": {"url": url}}], "stance": stance}
            for flagged, url, stance in claims
        ]
    }


def test_a_case_is_right_only_through_a_flagged_claim_whose_first_match_it_accepts() -> None:
    case = _case({"https://a.example/1", "https://a.example/1-es"}, stance="debunks")
    other_review = judge(case, _body((True, "https://a.example/1-es", "debunks")))
    assert (other_review.right, other_review.stance_right) == (True, True)
    unflagged = judge(case, _body((False, "https://a.example/1", "debunks")))
    assert (unflagged.flagged, unflagged.right) == (False, False)
    wrong_first = judge(case, _body((True, "https://b.example/2", None)))
    assert (wrong_first.flagged, wrong_first.right) == (True, False)
    misread = judge(case, _body((True, "https://a.example/1", "asserts")))
    assert (misread.right, misread.stance_right) == (True, False)


def test_cases_run_through_the_service(client: TestClient, tmp_path: Path) -> None:
    cases = [
        {
            "id": "pos",
            "text": "He cited a number of misleading claims about supposed attacks on free "
            "speech across the continent – including a false claim that Scots were warned not "
            "to pray in their own home if they live in an abortion buffer zone.",
            "expected_factcheck_url": FERRET,
            "stance": "debunks",
        },
        {
            "id": "neg",
            "text": "The council opened a new library in Leith on Monday. It holds 4,000 books "
            "and stays open until nine in the evening.",
            "expected_factcheck_url": None,
            "stance": None,
        },
    ]
    path = tmp_path / "cases.jsonl"
    path.write_text("\n".join(json.dumps(c) for c in cases), encoding="utf-8")
    positive, negative = run(client, load_cases(path))
    assert (positive.flagged, positive.right, positive.stance_right) == (True, True, True)
    assert not negative.flagged
    rows = dict(summary_rows([positive, negative]))
    assert rows["right fact-check first in a flagged claim"] == "1 / 1"
    assert rows["negatives flagged"] == "0 / 1"
    assert rows["stance right (of the right flags)"] == "1 / 1"
