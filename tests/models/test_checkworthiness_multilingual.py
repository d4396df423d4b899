from pathlib import Path

import numpy as np
import pytest

from models.checkworthiness_multilingual import (
    MULTILINGUAL_ARTIFACT_PATH,
    MultilingualCheckWorthiness,
    default_multilingual_scorer,
    load_head,
    save_head,
    score_multilingual,
)
from models.encoders.multilingual import MultilingualEncoder


@pytest.fixture(scope="module")
def encoder() -> MultilingualEncoder:
    return MultilingualEncoder()


def test_a_spanish_claim_outranks_a_greeting(encoder: MultilingualEncoder) -> None:
    claim = (
        "El ayuntamiento gastó cuatro millones de euros en un puente que nunca se construyó, "
        "según el informe del Tribunal de Cuentas."
    )
    greeting = "¡Muchas gracias a todos por venir esta tarde, ha sido un placer!"
    scores = score_multilingual([claim, greeting], encoder.encode([claim, greeting]))
    scorer = default_multilingual_scorer()
    assert scorer is not None
    assert scores[0] > scores[1]
    assert scores[0] >= scorer.threshold > scores[1]


def test_claims_in_other_scripts_are_worth_checking(encoder: MultilingualEncoder) -> None:
    claims = [
        "सरकार ने कहा कि पिछले साल बेरोजगारी दर 8 प्रतिशत तक बढ़ गई।",
        "政府は昨年、失業率が8パーセントに上昇したと発表した。",
    ]
    scorer = MultilingualCheckWorthiness.from_file()
    assert (scorer.score(claims, encoder.encode(claims)) >= scorer.threshold).all()


def test_the_head_round_trips_and_refuses_another_encoder(tmp_path: Path) -> None:
    weights = load_head(MULTILINGUAL_ARTIFACT_PATH)
    copy = tmp_path / "head.npz"
    save_head(weights, copy)
    rows = np.random.default_rng(0).normal(size=(3, 384)).astype(np.float32)
    texts = ["a", "b", "c"]
    assert np.allclose(
        MultilingualCheckWorthiness(load_head(copy)).score(texts, rows),
        MultilingualCheckWorthiness(weights).score(texts, rows),
    )
    save_head(weights, copy, encoder="all-MiniLM-L6-v2")
    with pytest.raises(ValueError, match="trained on all-MiniLM-L6-v2"):
        load_head(copy)
    assert MultilingualCheckWorthiness(weights).score([], rows[:0]).shape == (0,)
