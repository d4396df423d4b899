"""A fact-check's stored vector: its claim's, moved towards its article's headline."""

import numpy as np
import pytest

from models.embedding import TITLE_WEIGHT, Vectors, fact_check_vectors


class _Lookup:
    """Encodes each known text to a fixed unit vector and counts what it was asked."""

    def __init__(self, table: dict[str, list[float]]) -> None:
        self.table = {
            k: np.asarray(v, dtype=np.float32) / np.linalg.norm(v) for k, v in table.items()
        }
        self.calls: list[list[str]] = []

    def encode(self, texts: list[str]) -> Vectors:
        self.calls.append(list(texts))
        return np.stack([self.table[t] for t in texts]) if texts else np.zeros((0, 2), np.float32)


def test_without_a_headline_the_claim_vector_is_kept_exactly() -> None:
    encoder = _Lookup({"claim a": [1, 0], "claim b": [0, 1]})
    vectors = fact_check_vectors(encoder, ["claim a", "claim b"], [None, "  "])
    np.testing.assert_array_equal(vectors, [[1, 0], [0, 1]])
    assert encoder.calls == [["claim a", "claim b"]]  # no headline was encoded


def test_a_headline_equal_to_the_claim_or_a_zero_weight_changes_nothing() -> None:
    encoder = _Lookup({"claim a": [1, 0], "title": [0, 1]})
    np.testing.assert_array_equal(fact_check_vectors(encoder, ["claim a"], [" claim a "]), [[1, 0]])
    np.testing.assert_array_equal(
        fact_check_vectors(encoder, ["claim a"], ["title"], title_weight=0.0), [[1, 0]]
    )


def test_a_headline_moves_the_vector_by_its_weight_and_keeps_it_unit_length() -> None:
    encoder = _Lookup({"claim a": [1, 0], "claim b": [1, 1], "title": [0, 1]})
    vectors = fact_check_vectors(encoder, ["claim a", "claim b"], ["title", None])
    expected = np.array([1.0, TITLE_WEIGHT]) / np.hypot(1.0, TITLE_WEIGHT)
    np.testing.assert_allclose(vectors[0], expected, rtol=1e-6)
    np.testing.assert_allclose(vectors[1], np.array([1, 1]) / np.sqrt(2), rtol=1e-6)
    np.testing.assert_allclose(np.linalg.norm(vectors, axis=1), 1.0, rtol=1e-6)
    assert encoder.calls[-1] == ["title"]


def test_claims_and_headlines_must_pair_up() -> None:
    with pytest.raises(ValueError):
        fact_check_vectors(_Lookup({"claim a": [1, 0]}), ["claim a"], [])
