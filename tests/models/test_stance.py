import json
from pathlib import Path

import pytest

from models.stance import Stance, classify_stance

DATA = Path(__file__).resolve().parents[1] / "data" / "stance_sentences.jsonl"


def _rows(part: str) -> list[dict[str, str | None]]:
    rows = [json.loads(line) for line in DATA.read_text(encoding="utf-8").splitlines() if line]
    return [r for r in rows if r["part"] == part]


@pytest.mark.parametrize("part", ["tuning", "held_out"])
def test_stance_accuracy_on_labelled_sentences(part: str) -> None:
    rows = _rows(part)
    assert len(rows) >= 30
    assert {r["stance"] for r in rows} == {s.value for s in Stance}
    correct = sum(
        classify_stance(str(r["sentence"]), r["claim"]) == Stance(str(r["stance"])) for r in rows
    )
    assert correct / len(rows) >= 0.9


def test_debunking_framings() -> None:
    claim = "Scots were warned not to pray in their own home"
    assert classify_stance(f"It follows a false claim that {claim}.", claim) is Stance.DEBUNKS
    assert classify_stance(f"There is no evidence that {claim}.", claim) is Stance.DEBUNKS
    assert classify_stance(f"The MSP wrongly said that {claim}.", claim) is Stance.DEBUNKS
    assert classify_stance(f"The story that {claim} was debunked.", claim) is Stance.DEBUNKS


def test_cues_inside_the_claim_do_not_count() -> None:
    claim = "the moon landing was a hoax"
    assert classify_stance(f"He said that {claim}.", claim) is Stance.REPORTS
    whole = "The claim that the moon landing was staged is false."
    assert classify_stance(whole) is Stance.DEBUNKS


def test_plain_statement_asserts() -> None:
    assert classify_stance("Inflation rose to 3% in January.") is Stance.ASSERTS
    assert classify_stance("According to the ONS, inflation rose to 3%.") is Stance.REPORTS
