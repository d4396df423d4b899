"""The shipped check-worthiness head: it loads, reproduces its card, and behaves on prose.

The behaviour sentences are written for these tests, not taken from any dataset.
"""

import json
from pathlib import Path

import numpy as np
import pytest

from evaluation.checkworthiness import metrics
from models.checkworthiness import (
    ARTIFACT_PATH,
    CARD_PATH,
    HeadScorer,
    RuleScorer,
    load_scorer,
)
from models.embedding import Embedder
from tests.conftest import DATA_DIR
from training.checkworthiness_data import fixed_sample, load_splits

CLAIMS = [
    "Unemployment in the region fell from 8.1% to 5.4% between 2019 and 2023.",
    "The council spent £4.2 million on the new library, twice its original budget.",
    "More than 3,000 people were admitted to hospital with flu last winter, a record.",
    "The ferry company cut 800 jobs in March after losing its government contract.",
]
NON_CLAIMS = [
    "What should the council do about the empty shops on the high street?",
    "Do you think the mayor deserves a second term?",
    "Crowds gather outside the town hall on Saturday (Picture: Jane Doe/Getty Images)",
    "Sign up to our daily newsletter for the latest headlines.",
    "I just think it is wonderful to be here with all of you tonight.",
    "It’s strange.",
]


@pytest.fixture(scope="module")
def card() -> dict[str, object]:
    loaded: dict[str, object] = json.loads(CARD_PATH.read_text(encoding="utf-8"))
    return loaded


def test_the_trained_head_is_what_the_service_loads(card: dict[str, object]) -> None:
    scorer = load_scorer()
    assert isinstance(scorer, HeadScorer)
    assert scorer.threshold == card["threshold"]
    assert load_scorer(0.8).threshold == 0.8
    assert ARTIFACT_PATH.stat().st_size < 2_000_000


def test_missing_artefact_falls_back_to_rules(tmp_path: Path) -> None:
    scorer = load_scorer(0.4, path=tmp_path / "absent.npz")
    assert isinstance(scorer, RuleScorer)
    assert scorer.threshold == 0.4


def test_claims_score_high_and_non_claims_low(embedder: Embedder) -> None:
    scorer = load_scorer()
    texts = CLAIMS + NON_CLAIMS
    scores = scorer.score(texts, embedder.encode(texts))
    assert np.all((scores >= 0) & (scores <= 1))
    high, low = scores[: len(CLAIMS)], scores[len(CLAIMS) :]
    assert np.all(high >= scorer.threshold), dict(zip(CLAIMS, high.round(3), strict=True))
    assert np.all(low < scorer.threshold), dict(zip(NON_CLAIMS, low.round(3), strict=True))
    assert high.min() > low.max()


def test_scoring_an_empty_article(embedder: Embedder) -> None:
    assert load_scorer().score([], embedder.encode([])).shape == (0,)


@pytest.mark.slow
def test_artefact_reproduces_its_recorded_metrics(
    card: dict[str, object], embedder: Embedder
) -> None:
    recorded = card["fixed_sample"]["metrics"]  # type: ignore[index]
    sample = fixed_sample(load_splits(DATA_DIR))
    assert len(sample.texts) == recorded["rows"]
    assert int(sample.labels.sum()) == recorded["positives"]
    scorer = load_scorer()
    measured = metrics(
        sample.labels, scorer.score(sample.texts, embedder.encode(sample.texts)), scorer.threshold
    )
    # The card was written from bf16 or fp32 embeddings; the other precision moves a few
    # borderline sentences across the threshold, so allow a little slack.
    assert measured.f1 == pytest.approx(recorded["f1"], abs=0.02)
    assert measured.average_precision == pytest.approx(recorded["average_precision"], abs=0.02)
