"""The in-process fact-check index that serves similarity search from the database."""

from __future__ import annotations

import contextlib
import logging
import threading
from collections.abc import Sequence
from dataclasses import dataclass, field
from pathlib import Path
from typing import Protocol

import numpy as np
import numpy.typing as npt
from sqlalchemy.orm import Session

from claims_db.repository import FactCheckRepository
from models.ann import DEFAULT_ANN_THRESHOLD, AdaptiveIndex
from models.embedding import Vectors
from models.matching import (
    Candidate,
    FactCheckRecord,
    FactCheckSource,
    LexicalIndex,
    SearchFilter,
    lexical_tokens,
)
from models.retrieval import OverlapTable, read_lexical_profile

logger = logging.getLogger(__name__)

# Restricted searches look this many times deeper before filtering.
_FILTER_OVERFETCH = 20
# Past this many records a change rebuilds the BM25 index on a thread (see
# FactCheckIndex._install_records); below it the rebuild takes well under a second.
BACKGROUND_BM25_ROWS = 50_000


@dataclass(frozen=True)
class _Texts:
    """The records and the BM25 index over them, swapped together as one reference.

    A reader takes one snapshot, so a mask built from its corpus order always matches the
    BM25 index it searches, even when a sync installs new records mid-request.
    """

    lexical: LexicalIndex
    records: dict[int, FactCheckRecord]
    overlap: OverlapTable | None = None
    masks: dict[SearchFilter, npt.NDArray[np.bool_]] = field(default_factory=dict)

    def mask(self, search_filter: SearchFilter) -> npt.NDArray[np.bool_]:
        """Which corpus positions ``search_filter`` admits (cached per filter)."""
        mask = self.masks.get(search_filter)
        if mask is None:
            records = self.records
            mask = np.fromiter(
                (
                    (r := records.get(i)) is not None and search_filter.admits(r)
                    for i in self.lexical.positions().tolist()
                ),
                dtype=np.bool_,
            )
            if len(self.masks) > 64:
                self.masks.clear()
            self.masks[search_filter] = mask
        return mask


class SearchBackend(FactCheckSource, Protocol):
    """A fact-check source the service keeps per process: in memory or in PostgreSQL."""

    def __len__(self) -> int: ...

    def sync(self, session: Session) -> bool:
        """Catch up with the database before a request; True if anything was loaded."""
        ...


class FactCheckIndex:
    """Keeps in-memory dense and BM25 indexes in step with the fact-check table.

    ``sync`` reads the head of the change log (migration 0004: triggers record every
    fact-check whose record or embedding changed) and loads only the rows named since the
    last look, so a fact-check written by any process sharing the database is searchable by
    every process on its next request, at the cost of one indexed query when nothing changed.
    Dense search is exact below ``ann_threshold`` vectors and HNSW above (``models.ann``);
    the BM25 index is rebuilt from the records held when anything changed.

    Args:
        model_name: Embeddings stored under this model name are searched.
        dimension: Embedding width. Defaults to 384.
        ann_threshold: Size at which dense search switches from exact to HNSW. Defaults to
            ``models.ann.DEFAULT_ANN_THRESHOLD``.
        graph_dir: Where the HNSW graph is saved and read back at the next full load
            (``AdaptiveIndex.persistent``); None builds it in memory every time.
        multilingual_model: Also keep a dense index of the multilingual vectors stored
            under this model name (``fact_check_multilingual_embeddings``), searched by
            ``nearest_multilingual``. Defaults to None: no second index.
        multilingual_dimension: Width of the multilingual vectors. Defaults to 384.
    """

    def __init__(
        self,
        model_name: str,
        dimension: int = 384,
        ann_threshold: int = DEFAULT_ANN_THRESHOLD,
        graph_dir: Path | None = None,
        *,
        multilingual_model: str | None = None,
        multilingual_dimension: int = 384,
    ) -> None:
        self.model_name = model_name
        self.multilingual_model = multilingual_model
        self.ann_threshold = ann_threshold
        self.graph_dir = graph_dir
        self._dense = AdaptiveIndex(dimension, threshold=ann_threshold)
        self._multilingual: AdaptiveIndex | None = (
            AdaptiveIndex(multilingual_dimension, threshold=ann_threshold)
            if multilingual_model is not None
            else None
        )
        self._texts = _Texts(LexicalIndex(), {})
        self._seq: int | None = None
        self._reload_lock = threading.Lock()
        self._lexical_generation = 0
        self._lexical_rebuild: threading.Thread | None = None

    def __len__(self) -> int:
        return len(self._dense)

    def approximate_size(self) -> int:
        """How many fact-checks the dense index holds (exact here)."""
        return len(self._dense)

    @property
    def approximate(self) -> bool:
        """Whether dense search currently uses the HNSW graph."""
        return self._dense.approximate

    def sync(self, session: Session) -> bool:
        """Apply the changes logged since the last sync (all rows the first time).

        Returns:
            True if anything was loaded.
        """
        repository = FactCheckRepository(session)
        low, high = repository.change_window()
        if high == self._seq:
            return False
        with self._reload_lock:
            low, high = repository.change_window()
            if high == self._seq:
                return False
            # The change log may have been pruned past what this process last saw.
            if self._seq is None or low > self._seq + 1 or high < self._seq:
                records, vectors = repository.searchable(self.model_name)
                ids = np.fromiter((r.id for r in records), dtype=np.int64, count=len(records))
                multilingual_ids, multilingual_vectors = (
                    repository.multilingual_matrix(self.multilingual_model)
                    if self.multilingual_model is not None
                    else (None, None)
                )
                self.load(
                    records,
                    ids,
                    vectors,
                    multilingual_ids=multilingual_ids,
                    multilingual_vectors=multilingual_vectors,
                )
            else:
                self._apply(repository, repository.changed_since(self._seq, high))
            self._seq = high
            return True

    def load(
        self,
        records: Sequence[FactCheckRecord],
        ids: npt.NDArray[np.int64],
        vectors: Vectors,
        *,
        multilingual_ids: npt.NDArray[np.int64] | None = None,
        multilingual_vectors: Vectors | None = None,
    ) -> None:
        """Replace the contents: ``records`` for lookup and BM25, ``vectors[i]`` for ``ids[i]``.

        ``multilingual_vectors[i]`` is the multilingual vector of ``multilingual_ids[i]``
        (ignored without a ``multilingual_model``; None leaves that index empty). ``sync``
        calls this with the database's rows; evaluations call it directly.
        """
        dense = self._dense_index(self._dense.dimension, self.model_name, ids, vectors)
        self._dense = dense
        multilingual = self._multilingual
        if multilingual is not None and self.multilingual_model is not None:
            if multilingual_ids is None or multilingual_vectors is None:
                multilingual_ids = np.zeros(0, dtype=np.int64)
                multilingual_vectors = np.zeros((0, multilingual.dimension), dtype=np.float32)
            self._multilingual = multilingual = self._dense_index(
                multilingual.dimension,
                self.multilingual_model,
                multilingual_ids,
                multilingual_vectors,
            )
        self._install_records({r.id: r for r in records})
        logger.info(
            "fact-check index loaded: %d vectors (%s), %d texts%s",
            ids.shape[0],
            "HNSW" if dense.approximate else "exact",
            len(self._texts.records),
            f", {len(multilingual)} multilingual vectors" if multilingual is not None else "",
        )

    def _dense_index(
        self, dimension: int, model_name: str, ids: npt.NDArray[np.int64], vectors: Vectors
    ) -> AdaptiveIndex:
        """A dense index holding ``vectors[i]`` for ``ids[i]`` (its graph under ``graph_dir``)."""
        vectors = vectors.reshape(ids.shape[0], dimension)
        if self.graph_dir is not None and ids.shape[0]:
            return AdaptiveIndex.persistent(
                self.graph_dir / model_name, ids, vectors, threshold=self.ann_threshold
            )
        dense = AdaptiveIndex(dimension, threshold=self.ann_threshold)
        if ids.shape[0]:
            dense.upsert(ids, vectors)
        return dense

    def _install_records(
        self, by_id: dict[int, FactCheckRecord], *, in_background: bool = False
    ) -> None:
        """Swap in ``by_id`` with a BM25 index over it.

        With ``in_background`` and more than ``BACKGROUND_BM25_ROWS`` records, the records
        are swapped in at once beside the current BM25 index, and the new BM25 index is
        built on a thread and swapped in when done (unless a later change overtook it):
        a change then costs the request that sees it no full BM25 rebuild (about 45 s at
        a million claims). Meanwhile dense search already has the change, lexical search
        drops deleted fact-checks and misses new ones.
        """
        self._lexical_generation += 1
        generation = self._lexical_generation
        threaded = in_background and len(by_id) > BACKGROUND_BM25_ROWS

        def build() -> None:
            lexical = LexicalIndex()
            lexical_ids = np.fromiter(by_id, dtype=np.int64, count=len(by_id))
            claims = [r.claim for r in by_id.values()]
            # Profiles stored beside the embeddings spare tokenising every claim again.
            stored = [read_lexical_profile(r.profile) for r in by_id.values()]
            tokens = [
                known.tokens if known is not None else lexical_tokens(claim)
                for known, claim in zip(stored, claims, strict=True)
            ]
            lexical.replace(lexical_ids, claims, tokens)
            overlap = OverlapTable(
                lexical_ids,
                claims,
                tokens,
                [known.profile if known is not None else None for known in stored],
            )
            # On the thread, wait out any sync in progress (callers hold the lock already).
            with self._reload_lock if threaded else contextlib.nullcontext():
                if generation == self._lexical_generation:
                    self._texts = _Texts(lexical, by_id, overlap)

        if threaded:
            # Until the thread is done, the old overlap table answers too: a changed claim
            # is compared by its old words, a new one profiled on the spot.
            self._texts = _Texts(self._texts.lexical, by_id, self._texts.overlap)
            self._lexical_rebuild = threading.Thread(
                target=build, name="claimflag-bm25", daemon=True
            )
            self._lexical_rebuild.start()
        else:
            build()

    def _apply(self, repository: FactCheckRepository, changed: list[int]) -> None:
        records, vectors = repository.searchable(self.model_name, changed)
        present = np.fromiter((r.id for r in records), dtype=np.int64, count=len(records))
        gone = np.array(sorted(set(changed) - set(present.tolist())), dtype=np.int64)
        self._dense.remove(gone)
        if records:
            self._dense.upsert(present, vectors)
        if self._multilingual is not None and self.multilingual_model is not None:
            with_vector, multilingual_vectors = repository.multilingual_matrix(
                self.multilingual_model, changed
            )
            self._multilingual.remove(
                np.array(sorted(set(changed) - set(with_vector.tolist())), dtype=np.int64)
            )
            if with_vector.shape[0]:
                self._multilingual.upsert(with_vector, multilingual_vectors)
        known = self._texts.records
        if all(known.get(i) is None for i in gone.tolist()) and all(
            known.get(r.id) == r for r in records
        ):
            # Only vectors changed (a multilingual backfill commits batch after batch):
            # the texts, and so the BM25 index, are the same.
            return
        by_id = dict(known)
        for fact_check_id in gone.tolist():
            by_id.pop(fact_check_id, None)
        by_id.update({r.id: r for r in records})
        self._install_records(by_id, in_background=True)
        logger.debug("fact-check index: %d updated, %d removed", len(records), gone.shape[0])

    def nearest(
        self, vectors: Vectors, *, k: int, search_filter: SearchFilter | None = None
    ) -> list[list[Candidate]]:
        """For each query vector, up to ``k`` admitted fact-checks, most similar first."""
        return self._nearest_in(self._dense, vectors, k, search_filter)

    def nearest_multilingual(
        self, vectors: Vectors, *, k: int, search_filter: SearchFilter | None = None
    ) -> list[list[Candidate]]:
        """As ``nearest``, in the multilingual space (no candidates without that index)."""
        if self._multilingual is None:
            return [[] for _ in range(vectors.shape[0])]
        return self._nearest_in(self._multilingual, vectors, k, search_filter)

    def multilingual_count(self) -> int:
        """How many fact-checks the multilingual index holds (0 without one)."""
        return len(self._multilingual) if self._multilingual is not None else 0

    def _nearest_in(
        self,
        dense: AdaptiveIndex,
        vectors: Vectors,
        k: int,
        search_filter: SearchFilter | None,
    ) -> list[list[Candidate]]:
        restricted = search_filter is not None and search_filter != SearchFilter()
        depth = k * _FILTER_OVERFETCH if restricted else k
        ids, scores = dense.search(vectors, depth)
        records = self._texts.records
        results: list[list[Candidate]] = []
        for row_ids, row_scores in zip(ids, scores, strict=True):
            found: list[Candidate] = []
            for fact_check_id, score in zip(row_ids.tolist(), row_scores.tolist(), strict=True):
                record = records.get(fact_check_id)
                if record is None or (restricted and not search_filter.admits(record)):  # type: ignore[union-attr]
                    continue
                found.append(Candidate(record, float(score)))
                if len(found) == k:
                    break
            results.append(found)
        return results

    def overlap_table(self) -> OverlapTable | None:
        """The overlap features' sets of the records held (``models.retrieval``)."""
        return self._texts.overlap

    def lexical(
        self, texts: Sequence[str], *, k: int, search_filter: SearchFilter | None = None
    ) -> list[list[Candidate]]:
        """For each text, up to ``k`` admitted fact-checks by BM25 score over their claims."""
        restricted = search_filter is not None and search_filter != SearchFilter()
        texts_now = self._texts
        records = texts_now.records
        mask = texts_now.mask(search_filter) if restricted else None  # type: ignore[arg-type]
        results: list[list[Candidate]] = []
        for row_ids, row_scores in texts_now.lexical.search(texts, k, mask):
            found: list[Candidate] = []
            for fact_check_id, score in zip(row_ids.tolist(), row_scores.tolist(), strict=True):
                record = records.get(fact_check_id)
                if record is None or (restricted and not search_filter.admits(record)):  # type: ignore[union-attr]
                    continue
                found.append(Candidate(record, float(score)))
            results.append(found)
        return results
