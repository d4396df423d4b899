from pathlib import Path

import numpy as np
import pytest

from models.ann import (
    EF_SEARCH_ANCHORS,
    AdaptiveIndex,
    ExactIndex,
    HnswIndex,
    scaled_ef_search,
)

DIM = 32


def _unit(rows: int, seed: int) -> np.ndarray:
    vectors = np.random.default_rng(seed).normal(size=(rows, DIM)).astype(np.float32)
    return vectors / np.linalg.norm(vectors, axis=1, keepdims=True)


def _brute_force(ids: np.ndarray, vectors: np.ndarray, queries: np.ndarray, k: int) -> np.ndarray:
    order = np.argsort(-(queries @ vectors.T), axis=1)[:, :k]
    return ids[order]


@pytest.mark.parametrize("make", [lambda: ExactIndex(DIM), lambda: HnswIndex(DIM)])
def test_upsert_remove_and_revive(make) -> None:  # type: ignore[no-untyped-def]
    index = make()
    vectors = _unit(2000, 0)
    ids = np.arange(10, 2010, dtype=np.int64)
    index.upsert(ids, vectors)
    assert len(index) == 2000
    found, scores = index.search(vectors[:5], 3)
    assert found[:, 0].tolist() == ids[:5].tolist()
    assert np.allclose(scores[:, 0], 1.0, atol=1e-4)
    assert (np.diff(scores, axis=1) <= 1e-6).all()

    index.remove(ids[:5])
    assert len(index) == 1995
    found, _ = index.search(vectors[:5], 10)
    assert not set(found.ravel().tolist()) & set(ids[:5].tolist())

    moved = _unit(1, 99)
    index.upsert(ids[:1], moved)  # revived under a new vector
    index.upsert(ids[10:11], moved)  # an existing id moves
    found, scores = index.search(moved, 2)
    assert set(found[0].tolist()) == {int(ids[0]), int(ids[10])}
    assert len(index) == 1996
    found, _ = index.search(vectors[10:11], 1)
    assert found[0, 0] != ids[10]


def test_hnsw_agrees_with_exact_search() -> None:
    vectors, queries = _unit(5000, 1), _unit(50, 2)
    ids = np.arange(5000, dtype=np.int64)
    hnsw = HnswIndex(DIM)
    hnsw.upsert(ids, vectors)
    found, _ = hnsw.search(queries, 10)
    truth = _brute_force(ids, vectors, queries, 10)
    recall = np.mean([len(set(a) & set(b)) / 10 for a, b in zip(found, truth, strict=True)])
    assert recall >= 0.95


def test_adaptive_index_switches_past_its_threshold() -> None:
    index = AdaptiveIndex(DIM, threshold=1000)
    vectors = _unit(1500, 3)
    ids = np.arange(1500, dtype=np.int64)
    index.upsert(ids[:900], vectors[:900])
    assert not index.approximate
    exact_before, _ = index.search(vectors[:3], 1)
    index.upsert(ids[900:], vectors[900:])
    assert index.approximate and len(index) == 1500
    found, _ = index.search(vectors[[0, 1, 2, 1400]], 1)
    assert found[:, 0].tolist() == [*exact_before[:, 0].tolist(), 1400]


def test_empty_indexes_return_no_rows_per_query() -> None:
    for index in (ExactIndex(DIM), HnswIndex(DIM), AdaptiveIndex(DIM)):
        found, scores = index.search(_unit(2, 4), 5)
        assert found.shape == (2, 0) and scores.shape == (2, 0)


def test_persistent_graph_is_reused_and_patched_to_the_given_vectors(tmp_path: Path) -> None:
    ids = np.arange(1, 401, dtype=np.int64)
    vectors = _unit(400, 1)
    built = AdaptiveIndex.persistent(tmp_path, ids, vectors, threshold=100)
    assert built.approximate
    saved = (tmp_path / "graph.bin").stat().st_mtime_ns
    # Same contents: the saved graph is read back and not written again.
    again = AdaptiveIndex.persistent(tmp_path, ids, vectors, threshold=100)
    assert (tmp_path / "graph.bin").stat().st_mtime_ns == saved
    np.testing.assert_array_equal(
        again.search(vectors[:20], 5)[0], built.search(vectors[:20], 5)[0]
    )
    # Since the save: 50 ids deleted, 30 vectors changed, 40 ids added.
    changed = vectors.copy()
    changed[100:130] = _unit(30, 2)
    keep = np.ones(400, dtype=bool)
    keep[300:350] = False
    new_ids = np.concatenate([ids[keep], np.arange(1000, 1040)])
    new_vectors = np.concatenate([changed[keep], _unit(40, 3)])
    patched = AdaptiveIndex.persistent(tmp_path, new_ids, new_vectors, threshold=100)
    assert len(patched) == 390
    found, _ = patched.search(new_vectors, 1)
    assert (found[:, 0] == new_ids).mean() > 0.97
    assert np.isin(found, ids[300:350]).sum() == 0
    assert (tmp_path / "graph.bin").stat().st_mtime_ns != saved  # saved again
    reread = HnswIndex.load(tmp_path, dimension=DIM, m=32, ef_construction=200)
    assert reread is not None
    np.testing.assert_array_equal(reread.ids(), np.sort(new_ids))


def test_torn_or_foreign_graphs_are_rebuilt(tmp_path: Path) -> None:
    ids = np.arange(300, dtype=np.int64)
    vectors = _unit(300, 4)
    AdaptiveIndex.persistent(tmp_path, ids, vectors, threshold=0)
    assert HnswIndex.load(tmp_path, dimension=DIM, m=16, ef_construction=200) is None
    assert HnswIndex.load(tmp_path, dimension=DIM, m=32, ef_construction=200) is not None
    (tmp_path / "graph.ids.npy").write_bytes(b"torn")
    assert HnswIndex.load(tmp_path, dimension=DIM, m=32, ef_construction=200) is None
    rebuilt = AdaptiveIndex.persistent(tmp_path, ids, vectors, threshold=0)
    assert (rebuilt.search(vectors[:50], 1)[0][:, 0] == ids[:50]).mean() > 0.97
    assert HnswIndex.load(tmp_path, dimension=DIM, m=32, ef_construction=200) is not None


def test_small_sets_stay_exact_and_write_nothing(tmp_path: Path) -> None:
    index = AdaptiveIndex.persistent(tmp_path, np.arange(10), _unit(10, 5), threshold=100)
    assert not index.approximate
    assert not any(tmp_path.iterdir())


def test_query_beam_grows_with_the_graph_between_measured_anchors() -> None:
    (small, low), (large, high) = EF_SEARCH_ANCHORS
    assert scaled_ef_search(10) == low
    assert scaled_ef_search(small) == low
    assert scaled_ef_search(large) == high
    assert scaled_ef_search(50 * large) == high
    middle = [scaled_ef_search(n) for n in (small * 2, small * 4, small * 8)]
    assert low < middle[0] < middle[1] < middle[2] < high
