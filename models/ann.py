"""Mutable cosine indexes over unit vectors: exact in memory, HNSW past a size threshold.

Exact search is one matrix product per batch of queries; it is the right choice until the
matrix product costs a noticeable share of an article's encode time. ``bench/bench_ann.py``
measures where that happens and the recall the HNSW parameters give; the defaults here come
from that measurement.
"""

from __future__ import annotations

import contextlib
import hashlib
import json
import logging
import math
import os
import threading
from pathlib import Path
from typing import Any, Protocol

import numpy as np
import numpy.typing as npt

from models.embedding import Vectors

logger = logging.getLogger(__name__)

Ids = npt.NDArray[np.int64]
Scores = npt.NDArray[np.float32]

# Measured in bench/bench_ann.py (README "Benchmarks"): exact search of a 40-sentence
# article stays under ~6% of its encode time up to about 50k vectors and needs no build at
# start-up; past that HNSW is much cheaper per query. The graph parameters are set by the
# 1M run: M 16 / ef_construction 100 peaked at recall@10 0.82 (ef_search 256) on the
# benchmark's dense near-duplicate filler; M 32 / ef_construction 200 gives 0.9845 at
# ef_search 256 (16.7 ms for 40 queries) and 0.9935 at 512, for a 493 s build on 2 cores.
DEFAULT_ANN_THRESHOLD = 50_000
DEFAULT_HNSW_M = 32
DEFAULT_HNSW_EF_CONSTRUCTION = 200
# The beam a query needs grows with the graph. Measured with these M / ef_construction on
# the benchmark's filler (bench_ann.py): at 100k, ef_search 96 gives recall@10 0.990 in
# 4.8 ms per 40 queries (256: 0.997 in 10.7 ms); at 1M, 256 gives 0.9845. Between the two
# sizes the beam is interpolated on a log scale; it stays at 96 below and 256 above.
EF_SEARCH_ANCHORS = ((100_000, 96), (1_000_000, 256))
DEFAULT_HNSW_EF_SEARCH: int | None = None


def scaled_ef_search(
    size: int, anchors: tuple[tuple[int, int], tuple[int, int]] = EF_SEARCH_ANCHORS
) -> int:
    """The query beam width for a graph of ``size`` vectors.

    Args:
        size: Vectors in the graph.
        anchors: Two measured (size, beam) points; the beam is log-interpolated between
            them and held flat outside. Defaults to ``EF_SEARCH_ANCHORS`` (hnswlib).
    """
    (small, low), (large, high) = anchors
    if size <= small:
        return low
    if size >= large:
        return high
    fraction = math.log(size / small) / math.log(large / small)
    beam: float = low * (high / low) ** fraction
    return round(beam)


class VectorIndex(Protocol):
    """A set of (id, unit vector) pairs answering top-k cosine queries."""

    dimension: int

    def __len__(self) -> int: ...

    def upsert(self, ids: Ids, vectors: Vectors) -> None:
        """Add vectors, replacing any already stored under the same ids."""
        ...

    def remove(self, ids: Ids) -> None:
        """Forget ``ids``; unknown ids are ignored."""
        ...

    def search(self, queries: Vectors, k: int) -> tuple[Ids, Scores]:
        """Top ``k`` ids and cosine similarities per query row, best first."""
        ...


def _empty(rows: int) -> tuple[Ids, Scores]:
    return np.zeros((rows, 0), dtype=np.int64), np.zeros((rows, 0), dtype=np.float32)


class ExactIndex:
    """Exact cosine search; rows live in a growable matrix with reusable free slots.

    Args:
        dimension: Vector width.
    """

    def __init__(self, dimension: int) -> None:
        self.dimension = dimension
        self._vectors: Vectors = np.zeros((0, dimension), dtype=np.float32)
        self._slot_ids: Ids = np.zeros(0, dtype=np.int64)  # -1 marks a free slot
        self._slots: dict[int, int] = {}
        self._free: list[int] = []
        self._lock = threading.Lock()

    def __len__(self) -> int:
        return len(self._slots)

    def items(self) -> tuple[Ids, Vectors]:
        """Every stored id and its vector (copies)."""
        with self._lock:
            used = self._slot_ids >= 0
            return self._slot_ids[used].copy(), self._vectors[used].copy()

    def _grow(self, needed: int) -> None:
        size = self._slot_ids.shape[0]
        capacity = max(needed, size * 2, 1024)
        vectors = np.zeros((capacity, self.dimension), dtype=np.float32)
        vectors[:size] = self._vectors
        slot_ids = np.full(capacity, -1, dtype=np.int64)
        slot_ids[:size] = self._slot_ids
        self._free.extend(range(capacity - 1, size - 1, -1))
        self._vectors, self._slot_ids = vectors, slot_ids

    def upsert(self, ids: Ids, vectors: Vectors) -> None:
        """Add vectors, replacing any already stored under the same ids."""
        with self._lock:
            new = sum(1 for i in ids.tolist() if i not in self._slots)
            if new > len(self._free):
                self._grow(self._slot_ids.shape[0] - len(self._free) + new)
            for fact_check_id, vector in zip(ids.tolist(), vectors, strict=True):
                slot = self._slots.get(fact_check_id)
                if slot is None:
                    slot = self._free.pop()
                    self._slots[fact_check_id] = slot
                    self._slot_ids[slot] = fact_check_id
                self._vectors[slot] = vector

    def remove(self, ids: Ids) -> None:
        """Forget ``ids``; unknown ids are ignored."""
        with self._lock:
            for fact_check_id in ids.tolist():
                slot = self._slots.pop(fact_check_id, None)
                if slot is not None:
                    self._slot_ids[slot] = -1
                    self._vectors[slot] = 0.0
                    self._free.append(slot)

    def search(self, queries: Vectors, k: int) -> tuple[Ids, Scores]:
        """Top ``k`` ids and cosine similarities per query row, best first."""
        with self._lock:
            n = len(self._slots)
            if n == 0 or queries.shape[0] == 0:
                return _empty(queries.shape[0])
            used = self._slot_ids.shape[0]
            scores = queries @ self._vectors[:used].T
            scores[:, self._slot_ids[:used] < 0] = -np.inf
            slot_ids = self._slot_ids[:used]
        k = min(k, n)
        top = np.argpartition(-scores, k - 1, axis=1)[:, :k] if k < used else None
        if top is None:
            top = np.tile(np.arange(used), (queries.shape[0], 1))
        top_scores = np.take_along_axis(scores, top, axis=1)
        order = np.argsort(-top_scores, axis=1)[:, :k]
        top = np.take_along_axis(top, order, axis=1)
        return slot_ids[top], np.take_along_axis(top_scores, order, axis=1).astype(np.float32)


class HnswIndex:
    """Approximate cosine search with an hnswlib HNSW graph; supports updates and deletes.

    Args:
        dimension: Vector width.
        m: Graph degree. Defaults to 32.
        ef_construction: Build-time beam width. Defaults to 200.
        ef_search: Query-time beam width (raised to ``k`` when smaller). Defaults to None:
            scaled with the graph's size by ``scaled_ef_search``.
        threads: Threads used for bulk inserts. Defaults to all cores (-1).
    """

    def __init__(
        self,
        dimension: int,
        *,
        m: int = DEFAULT_HNSW_M,
        ef_construction: int = DEFAULT_HNSW_EF_CONSTRUCTION,
        ef_search: int | None = DEFAULT_HNSW_EF_SEARCH,
        threads: int = -1,
    ) -> None:
        import hnswlib

        self.dimension = dimension
        self.ef_search = ef_search
        self.threads = threads
        self._index = hnswlib.Index(space="ip", dim=dimension)
        self._index.init_index(max_elements=1024, M=m, ef_construction=ef_construction)
        self._m, self._efc = m, ef_construction
        self._ids: set[int] = set()
        self._lock = threading.Lock()

    def __len__(self) -> int:
        return len(self._ids)

    def upsert(self, ids: Ids, vectors: Vectors) -> None:
        """Add vectors, replacing any already stored under the same ids."""
        if ids.shape[0] == 0:
            return
        with self._lock:
            needed = self._index.get_current_count() + ids.shape[0]
            capacity = self._index.get_max_elements()
            if needed > capacity:
                self._index.resize_index(max(needed, capacity * 2))
            for fact_check_id in ids.tolist():
                if fact_check_id in self._ids:
                    continue
                with contextlib.suppress(RuntimeError):  # revive a label deleted earlier
                    self._index.unmark_deleted(fact_check_id)
            self._index.add_items(vectors, ids, num_threads=self.threads)
            self._ids.update(ids.tolist())

    def remove(self, ids: Ids) -> None:
        """Forget ``ids``; unknown ids are ignored."""
        with self._lock:
            for fact_check_id in ids.tolist():
                if fact_check_id in self._ids:
                    self._index.mark_deleted(fact_check_id)
                    self._ids.discard(fact_check_id)

    def search(self, queries: Vectors, k: int) -> tuple[Ids, Scores]:
        """Top ``k`` ids and cosine similarities per query row, best first."""
        with self._lock:
            n = len(self._ids)
            if n == 0 or queries.shape[0] == 0:
                return _empty(queries.shape[0])
            k = min(k, n)
            beam = self.ef_search if self.ef_search is not None else scaled_ef_search(n)
            self._index.set_ef(max(beam, k))
            labels, distances = self._index.knn_query(queries, k=k, num_threads=self.threads)
        return labels.astype(np.int64), (1.0 - distances).astype(np.float32)

    @property
    def parameters(self) -> dict[str, int]:
        """What a saved graph must have been built with to be reused."""
        return {"dimension": self.dimension, "m": self._m, "ef_construction": self._efc}

    def ids(self) -> Ids:
        """The stored ids, ascending."""
        with self._lock:
            return np.array(sorted(self._ids), dtype=np.int64)

    def vectors(self, ids: Ids) -> Vectors:
        """The stored vectors of ``ids`` (all must be present)."""
        with self._lock:
            found = self._index.get_items(ids, return_type="numpy")
        return np.asarray(found, dtype=np.float32).reshape(ids.shape[0], self.dimension)

    def save(self, directory: Path) -> None:
        """Write the graph to ``directory`` (``graph.bin``, ``graph.ids.npy``, ``graph.json``).

        Each file is written beside its final name and renamed into place, the manifest
        last; it records the other files' sizes and digest, so a torn save is never read.
        """
        directory.mkdir(parents=True, exist_ok=True)
        suffix = f".{os.getpid()}.{threading.get_ident()}.tmp"
        with self._lock:
            ids = np.array(sorted(self._ids), dtype=np.int64)
            graph_tmp = directory / f"graph.bin{suffix}"
            self._index.save_index(str(graph_tmp))
        ids_tmp = directory / f"graph.ids{suffix}"
        with ids_tmp.open("wb") as handle:
            np.save(handle, ids)
        manifest = {
            **self.parameters,
            "count": int(ids.shape[0]),
            "graph_bytes": graph_tmp.stat().st_size,
            "ids_sha256": hashlib.sha256(ids_tmp.read_bytes()).hexdigest(),
        }
        os.replace(graph_tmp, directory / "graph.bin")
        os.replace(ids_tmp, directory / "graph.ids.npy")
        manifest_tmp = directory / f"graph.json{suffix}"
        manifest_tmp.write_text(json.dumps(manifest), encoding="utf-8")
        os.replace(manifest_tmp, directory / "graph.json")

    @classmethod
    def load(
        cls, directory: Path, *, ef_search: int | None = DEFAULT_HNSW_EF_SEARCH, **parameters: int
    ) -> HnswIndex | None:
        """The graph saved in ``directory``, or None when absent, torn or built otherwise.

        Args:
            directory: Where ``save`` wrote it.
            ef_search: Query-time beam width.
            **parameters: ``dimension``, ``m`` and ``ef_construction`` it must match.
        """
        try:
            manifest: dict[str, Any] = json.loads(
                (directory / "graph.json").read_text(encoding="utf-8")
            )
            ids_bytes = (directory / "graph.ids.npy").read_bytes()
            graph = directory / "graph.bin"
            intact = (
                hashlib.sha256(ids_bytes).hexdigest() == manifest["ids_sha256"]
                and graph.stat().st_size == manifest["graph_bytes"]
            )
        except (OSError, ValueError, KeyError):
            return None
        if not intact or any(manifest.get(k) != v for k, v in parameters.items()):
            return None
        index = cls(
            parameters["dimension"],
            m=parameters["m"],
            ef_construction=parameters["ef_construction"],
            ef_search=ef_search,
        )
        ids = np.load(directory / "graph.ids.npy")
        index._index.load_index(str(graph), max_elements=max(1024, int(manifest["count"])))
        index._ids = set(ids.tolist())
        return index


class AdaptiveIndex:
    """Exact search while small; rebuilt as an HNSW index once it grows past ``threshold``.

    Args:
        dimension: Vector width.
        threshold: Size at which search switches to HNSW. Defaults to
            ``DEFAULT_ANN_THRESHOLD``; 0 means always HNSW.
        m, ef_construction, ef_search: HNSW parameters (see ``HnswIndex``).
    """

    def __init__(
        self,
        dimension: int,
        *,
        threshold: int = DEFAULT_ANN_THRESHOLD,
        m: int = DEFAULT_HNSW_M,
        ef_construction: int = DEFAULT_HNSW_EF_CONSTRUCTION,
        ef_search: int | None = DEFAULT_HNSW_EF_SEARCH,
    ) -> None:
        self.dimension = dimension
        self.threshold = threshold
        self._m, self._ef_construction, self._ef_search = m, ef_construction, ef_search
        self._exact: ExactIndex | None = ExactIndex(dimension)
        self._active: ExactIndex | HnswIndex = self._exact
        if threshold <= 0:
            self._switch()

    @classmethod
    def persistent(
        cls,
        directory: Path,
        ids: Ids,
        vectors: Vectors,
        *,
        threshold: int = DEFAULT_ANN_THRESHOLD,
        m: int = DEFAULT_HNSW_M,
        ef_construction: int = DEFAULT_HNSW_EF_CONSTRUCTION,
        ef_search: int | None = DEFAULT_HNSW_EF_SEARCH,
    ) -> AdaptiveIndex:
        """An index holding ``vectors[i]`` under ``ids[i]``, its HNSW graph kept on disk.

        Past ``threshold`` the graph saved in ``directory`` is reused when it was built with
        the same parameters: ids no longer given are deleted from it and vectors that are
        new or differ are inserted, which is what a process start costs instead of a full
        build (minutes at a million vectors). A missing, torn or mostly stale graph is
        rebuilt. The graph is saved again whenever it changed.
        """
        dimension = vectors.shape[1]
        index = cls(
            dimension,
            threshold=threshold,
            m=m,
            ef_construction=ef_construction,
            ef_search=ef_search,
        )
        if threshold > 0 and ids.shape[0] < threshold:
            index.upsert(ids, vectors)
            return index
        graph = HnswIndex.load(
            directory,
            ef_search=ef_search,
            dimension=dimension,
            m=m,
            ef_construction=ef_construction,
        )
        changed = ids.shape[0]
        if graph is not None:
            gone, stale = _differences(graph, ids, vectors)
            changed = gone.shape[0] + int(stale.sum())
            if changed > ids.shape[0] // 2:
                graph = None  # a fresh build is cheaper than patching most of it
            else:
                graph.remove(gone)
                graph.upsert(ids[stale], vectors[stale])
                logger.info("HNSW graph read from %s; %d vectors patched", directory, changed)
        if graph is None:
            graph = index._new_graph()
            graph.upsert(ids, vectors)
        if changed:
            try:
                graph.save(directory)
            except OSError as error:
                logger.warning("could not save the HNSW graph to %s: %s", directory, error)
        index._active, index._exact = graph, None
        return index

    @property
    def approximate(self) -> bool:
        """Whether searches currently go through the HNSW graph."""
        return isinstance(self._active, HnswIndex)

    def __len__(self) -> int:
        return len(self._active)

    def _new_graph(self) -> HnswIndex:
        return HnswIndex(
            self.dimension,
            m=self._m,
            ef_construction=self._ef_construction,
            ef_search=self._ef_search,
        )

    def _switch(self) -> None:
        hnsw = self._new_graph()
        if self._exact is not None:
            ids, vectors = self._exact.items()
            hnsw.upsert(ids, vectors)
        logger.info("vector index switched to HNSW at %d vectors", len(hnsw))
        self._active, self._exact = hnsw, None

    def upsert(self, ids: Ids, vectors: Vectors) -> None:
        """Add vectors, replacing any already stored under the same ids."""
        if self._exact is not None and len(self._exact) + ids.shape[0] >= self.threshold:
            self._switch()
        self._active.upsert(ids, vectors)

    def remove(self, ids: Ids) -> None:
        """Forget ``ids``; unknown ids are ignored."""
        self._active.remove(ids)

    def search(self, queries: Vectors, k: int) -> tuple[Ids, Scores]:
        """Top ``k`` ids and cosine similarities per query row, best first."""
        return self._active.search(queries, k)


def _differences(
    graph: HnswIndex, ids: Ids, vectors: Vectors, chunk: int = 65_536
) -> tuple[Ids, npt.NDArray[np.bool_]]:
    """What ``graph`` must change to hold exactly ``vectors[i]`` under ``ids[i]``.

    Returns the ids to delete and a mask over ``ids`` of the vectors to (re)insert: new
    ids and ids whose stored vector differs.
    """
    saved = graph.ids()
    stale = ~np.isin(ids, saved)
    kept = np.flatnonzero(~stale)
    for start in range(0, kept.shape[0], chunk):
        rows = kept[start : start + chunk]
        stored = graph.vectors(ids[rows])
        stale[rows[np.abs(stored - vectors[rows]).max(axis=1) > 1e-6]] = True
    return np.setdiff1d(saved, ids), stale
