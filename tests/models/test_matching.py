import datetime as dt

import numpy as np
import pytest

from models.matching import DenseIndex, FactCheckRecord, LexicalIndex, SearchFilter, lexical_tokens
from models.verdicts import Verdict


def _unit(rows: list[list[float]]) -> np.ndarray:
    array = np.asarray(rows, dtype=np.float32)
    return array / np.linalg.norm(array, axis=1, keepdims=True)


def test_dense_index_returns_best_first() -> None:
    index = DenseIndex(3)
    index.replace(np.array([10, 20, 30]), _unit([[1, 0, 0], [0, 1, 0], [1, 1, 0]]))
    ids, scores = index.search(_unit([[1, 0.1, 0]]), k=2)
    assert ids.tolist() == [[10, 30]]
    assert scores[0, 0] > scores[0, 1]


def test_dense_index_k_larger_than_index_and_empty() -> None:
    index = DenseIndex(3)
    ids, _ = index.search(_unit([[1, 0, 0]]), k=5)
    assert ids.shape == (1, 0)
    index.replace(np.array([1, 2]), _unit([[1, 0, 0], [0, 0, 1]]))
    ids, _ = index.search(_unit([[0, 0, 1]]), k=5)
    assert ids.tolist() == [[2, 1]]


def test_dense_index_rejects_wrong_shape() -> None:
    with pytest.raises(ValueError, match="expected"):
        DenseIndex(3).replace(np.array([1]), np.zeros((1, 4), dtype=np.float32))


def _record(**changes: object) -> FactCheckRecord:
    base = FactCheckRecord(
        id=1,
        claim="c",
        rating="False",
        verdict=Verdict.FALSE,
        publisher="Full Fact",
        url="https://fullfact.org/x",
        review_date=dt.date(2025, 2, 1),
        publisher_site="fullfact.org",
        language="en",
    )
    return FactCheckRecord(**{**{f: getattr(base, f) for f in base.__slots__}, **changes})  # type: ignore[arg-type]


def test_search_filter_dates_language_publisher() -> None:
    record = _record()
    assert SearchFilter().admits(record)
    assert not SearchFilter(reviewed_before=dt.date(2025, 1, 31)).admits(record)
    assert SearchFilter(reviewed_before=dt.date(2025, 2, 1)).admits(record)
    assert not SearchFilter(reviewed_after=dt.date(2025, 3, 1)).admits(record)
    assert not SearchFilter(language="de").admits(record)
    assert SearchFilter(publisher="fullfact.org").admits(record)
    assert SearchFilter(publisher="FULL FACT").admits(record)
    assert not SearchFilter(publisher="Snopes").admits(record)
    assert SearchFilter(reviewed_before=dt.date(2000, 1, 1)).admits(_record(review_date=None))


def test_lexical_tokens_stem_and_drop_stop_words() -> None:
    assert lexical_tokens("The vaccines were causing 5G-claims!") == [
        "vaccin",
        "caus",
        "5g",
        "claim",
    ]
    assert lexical_tokens("the of and") == []


def test_stem_cache_empties_at_its_limit_and_keeps_answering(
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    import Stemmer

    from models import matching

    monkeypatch.setattr(matching, "_STEMS", matching._Stems())
    monkeypatch.setattr(matching._Stems, "LIMIT", 3)
    text = "Governments were hiding vaccinations, elections and floods from voters"
    expected = Stemmer.Stemmer("english").stemWords(
        ["governments", "hiding", "vaccinations", "elections", "floods", "voters"]
    )
    assert lexical_tokens(text) == expected
    assert len(matching._STEMS) <= 3
    assert lexical_tokens(text) == expected


def test_lexical_index_ranks_by_bm25_and_honours_mask() -> None:
    index = LexicalIndex()
    index.replace(
        np.array([7, 8, 9]),
        ["Bill Gates microchips vaccines", "Windmills cause cancer", "Vaccines cause autism"],
    )
    [(ids, scores)] = index.search(["Do vaccines cause autism?"], k=5)
    assert ids.tolist()[0] == 9
    assert set(ids.tolist()) == {7, 8, 9}
    assert scores[0] > scores[1] > scores[2] > 0
    [(ids, _)] = index.search(["unrelated words entirely"], k=5)
    assert ids.tolist() == []
    mask = index.positions() != 9
    [(ids, _)] = index.search(["Do vaccines cause autism?"], k=1, mask=mask)
    assert ids.tolist() in ([7], [8])


def test_lexical_index_scores_equal_bm25s_dense_scores() -> None:
    """The postings-only top-k returns what ranking bm25s's full score array would."""
    rng = np.random.default_rng(3)
    vocabulary = ["vaccine", "autism", "bridge", "tax", "border", "wind", "cancer", "rent"]
    texts = [" ".join(rng.choice(vocabulary, size=rng.integers(1, 6))) for _ in range(300)]
    ids = np.arange(1000, 1300)
    index = LexicalIndex()
    index.replace(ids, texts)
    bm25 = index._bm25
    assert bm25 is not None
    mask = rng.random(300) < 0.5
    for query in ["vaccine autism autism", "tax", "border wind rent cancer", "nothing here"]:
        dense = np.asarray(bm25.get_scores(lexical_tokens(query) or ["\x00"]), dtype=np.float32)
        for row_mask in (None, mask):
            expected = dense if row_mask is None else np.where(row_mask, dense, 0)
            order = sorted(np.flatnonzero(expected > 0), key=lambda p: (-expected[p], p))[:10]
            [(found, scores)] = index.search([query], k=10, mask=row_mask)
            assert found.tolist() == ids[order].tolist()
            np.testing.assert_allclose(scores, expected[order], rtol=1e-5)
