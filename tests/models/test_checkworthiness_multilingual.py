from pathlib import Path

import numpy as np
import pytest

from models.checkworthiness_multilingual import (
    MULTILINGUAL_ARTIFACT_PATH,
    MultilingualCheckWorthiness,
    centre,
    default_multilingual_scorer,
    load_centring,
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


def test_centre_moves_an_articles_mean_towards_the_reference() -> None:
    rows = np.array([[1.0, 3.0], [3.0, 5.0]], dtype=np.float32)
    reference = np.array([0.0, 0.0], dtype=np.float32)
    assert np.allclose(centre(rows, reference, prior=0.0).mean(axis=0), reference)
    # Two rows with a prior of two pseudo-rows: half of the shift, differences kept.
    half = centre(rows, reference, prior=2.0)
    assert np.allclose(half.mean(axis=0), [1.0, 2.0])
    assert np.allclose(half[1] - half[0], rows[1] - rows[0])
    assert centre(rows[:0], reference, prior=1.0).shape == (0, 2)


def test_a_centring_head_reads_the_texts_of_one_call_as_one_article(
    tmp_path: Path, encoder: MultilingualEncoder
) -> None:
    weights = load_head(MULTILINGUAL_ARTIFACT_PATH)
    copy = tmp_path / "centred.npz"
    save_head(weights, copy, centring=1.0)
    assert load_centring(copy) == 1.0
    centred = MultilingualCheckWorthiness.from_file(copy)
    plain = MultilingualCheckWorthiness(weights)
    texts = ["Der Haushalt stieg 2023 um zwölf Prozent.", "Vielen Dank und bis morgen!"]
    rows = encoder.encode(texts)
    together = centred.score(texts, rows)
    alone = np.concatenate([centred.score([t], r[None]) for t, r in zip(texts, rows, strict=True)])
    assert not np.allclose(together, alone)
    assert not np.allclose(together, plain.score(texts, rows))
    save_head(weights, copy)
    assert load_centring(copy) is None


def test_a_claim_outranks_the_small_talk_around_it(encoder: MultilingualEncoder) -> None:
    # Ranking only: Portuguese claims still tend to score under the threshold (the head
    # transfers from English alone; see docs/checkworthiness.md).
    article = [
        "O governo afirmou que o desemprego subiu para 14 por cento no último trimestre.",
        "Bom dia a todos os leitores.",
        "Obrigado por nos acompanhar.",
        "Voltaremos amanhã com mais notícias.",
    ]
    scorer = MultilingualCheckWorthiness.from_file()
    scores = scorer.score(article, encoder.encode(article))
    assert scores[0] > scores[1:].max()
    assert (scores[1:] < scorer.threshold).all()


def test_the_use_head_passes_a_portuguese_claim_and_not_the_small_talk() -> None:
    from models.checkworthiness_multilingual import USE_ARTIFACT_PATH, default_use_scorer
    from models.encoders.use import UseEncoder

    scorer = default_use_scorer()
    assert scorer is not None
    article = [
        "O governo afirmou que o desemprego subiu para 14 por cento no último trimestre.",
        "Bom dia a todos os leitores.",
        "Obrigado por nos acompanhar.",
    ]
    scores = scorer.score(article, UseEncoder().encode(article))
    assert scores[0] >= scorer.threshold
    assert (scores[1:] < scorer.threshold).all()
    # It was trained on USE rows: read as an e5 head it is refused.
    with pytest.raises(ValueError, match="trained on use-multilingual-v3"):
        MultilingualCheckWorthiness.from_file(USE_ARTIFACT_PATH)
