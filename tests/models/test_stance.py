import json
import logging
from pathlib import Path

import pytest

from models.stance import (
    FEATURE_NAMES,
    Stance,
    StanceModel,
    classify_stance,
    prepare_inputs,
    select_sentences,
    text_sentences,
)

DATA = Path(__file__).resolve().parents[1] / "data" / "stance_sentences.jsonl"


def _rows(part: str) -> list[dict[str, str | None]]:
    rows = [json.loads(line) for line in DATA.read_text(encoding="utf-8").splitlines() if line]
    return [r for r in rows if r["part"] == part]


@pytest.mark.parametrize("part", ["tuning", "held_out"])
def test_stance_accuracy_on_labelled_sentences(part: str) -> None:
    rows = _rows(part)
    assert len(rows) >= 30
    assert {r["stance"] for r in rows} == {s.value for s in Stance} - {"unrelated"}
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


# --- the learned reader ----------------------------------------------------------------------

CLAIM = "Scots living in abortion buffer zones were warned not to pray in their own homes."


@pytest.fixture(scope="module")
def stance_model() -> StanceModel:
    return StanceModel()


def test_text_sentences_are_offsets_into_the_text() -> None:
    text = "  Headline without a stop\n\nFirst sentence here. Second one!\r\nThird line."
    spans = text_sentences(text)
    assert [text[s:e] for s, e in spans] == [
        "Headline without a stop",
        "First sentence here.",
        "Second one!",
        "Third line.",
    ]


def test_a_hard_wrapped_text_is_read_in_whole_sentences() -> None:
    text = (
        "Posts claimed that the council spent four million pounds on a\n"
        "bridge that was never built. The council said the claim was false\n"
        "and published the accounts, which show the bridge was finished in\n"
        "2019 and has carried traffic every day since it opened to the public.\n"
    )
    sentences = [text[s:e] for s, e in text_sentences(text)]
    assert [" ".join(s.split()) for s in sentences] == [
        "Posts claimed that the council spent four million pounds on a bridge that was never"
        " built.",
        "The council said the claim was false and published the accounts, which show the"
        " bridge was finished in 2019 and has carried traffic every day since it opened to"
        " the public.",
    ]


def test_selection_reads_the_lead_then_the_most_related_within_the_budget() -> None:
    words = [10, 10, 10, 10, 10]
    assert select_sentences([0.1, 0.2, 0.3, 0.4, 0.5], words, budget_words=60) == [0, 1, 2, 3, 4]
    assert select_sentences([0.1, 0.9, 0.2, 0.8, 0.3], words, budget_words=30) == [0, 1, 3]
    # A sentence too long for what is left is skipped for a shorter, less related one.
    assert select_sentences([0.1, 0.9, 0.8, 0.2], [10, 10, 25, 5], budget_words=25) == [0, 1, 3]


def test_features_read_the_whole_text_and_news_style_corrections() -> None:
    claim = "Japan halted its COVID-19 vaccine rollout and switched to ivermectin."
    corrected = (
        "Japan has given most adults two doses. A radio host falsely claimed that Japan "
        "halted its vaccine rollout and switched to ivermectin. Japan has not approved it."
    )
    repeated = "Japan halted its vaccine rollout and switched to ivermectin, the report says."
    first, second = prepare_inputs([(corrected, claim), (repeated, claim)], budget_words=70)
    assert len(first.features) == len(second.features) == len(FEATURE_NAMES)
    features = [dict(zip(FEATURE_NAMES, item.features, strict=True)) for item in (first, second)]
    assert features[0]["near_news_debunk"] == 1.0
    assert features[1]["near_news_debunk"] == 0.0
    assert features[0]["text_negations"] > 0 == features[1]["text_negations"]
    assert features[1]["lead_report_cues"] > 0


def test_the_packaged_model_is_learned_and_calibrated(stance_model: StanceModel) -> None:
    assert stance_model.learned
    reading = stance_model.read("Officials confirmed the bridge reopened on Monday.", CLAIM)
    assert set(reading.probabilities) == set(Stance)
    assert sum(reading.probabilities.values()) == pytest.approx(1.0, abs=1e-3)
    assert reading.confidence == max(reading.probabilities.values())


def test_learned_reader_on_clear_cases(stance_model: StanceModel) -> None:
    debunks = (
        "It comes after a false claim that Scots were warned not to pray in their own home "
        "if they live in an abortion buffer zone went viral."
    )
    unrelated = "Arsenal beat Chelsea 3-1 on Saturday with two goals from Bukayo Saka."
    readings = stance_model.read_many([(debunks, CLAIM), (unrelated, CLAIM)])
    assert [r.stance for r in readings] == [Stance.DEBUNKS, Stance.UNRELATED]


def test_evidence_is_the_deciding_sentence(stance_model: StanceModel) -> None:
    text = (
        "Keir Starmer flew to Paris for talks on Ukraine on Monday. "
        "It comes after a false claim that Scots were warned not to pray in their own home "
        "if they live in an abortion buffer zone went viral."
    )
    reading = stance_model.read(text, CLAIM)
    assert reading.evidence is not None
    assert text[reading.evidence.start : reading.evidence.end] == reading.evidence.sentence
    assert reading.evidence.sentence.startswith("It comes after a false claim")


def test_marks_in_the_text_are_read_through_and_quoted_as_sent(
    stance_model: StanceModel,
) -> None:
    text = (
        "Keir Starmer flew to Paris for talks on Ukraine on Monday. "
        "It comes after a false claim that Scots were warned not to pray in their own home "
        "if they live in an abortion buffer zone went viral."
    )
    marked = text.replace(" ", " \u200f")
    plain, read = stance_model.read(text, CLAIM), stance_model.read(marked, CLAIM)
    assert read.stance is plain.stance
    assert read.probabilities == plain.probabilities
    assert read.evidence is not None and plain.evidence is not None
    assert marked[read.evidence.start : read.evidence.end] == read.evidence.sentence
    assert read.evidence.sentence.replace("\u200f", "") == plain.evidence.sentence


def test_missing_artefact_falls_back_to_the_rule_reader(
    tmp_path: Path, caplog: pytest.LogCaptureFixture
) -> None:
    with caplog.at_level(logging.WARNING, logger="models.stance"):
        model = StanceModel(directory=tmp_path)
    assert not model.learned
    assert "rule reader" in caplog.text
    text = "Prices rose in May. There is no evidence that the vaccine alters human DNA."
    reading = model.read(text, "the vaccine alters human DNA")
    assert reading.stance is Stance.DEBUNKS and not reading.learned
    assert reading.evidence is not None
    assert reading.evidence.sentence == "There is no evidence that the vaccine alters human DNA."
