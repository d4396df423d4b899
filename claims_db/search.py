"""The in-process fact-check index that serves similarity search from the database."""

from __future__ import annotations

import logging
import threading
from collections.abc import Sequence

import numpy as np
import numpy.typing as npt
from sqlalchemy.orm import Session

from claims_db.repository import FactCheckRepository, IndexSignature
from models.embedding import Vectors
from models.matching import Candidate, DenseIndex, FactCheckRecord, LexicalIndex, SearchFilter

logger = logging.getLogger(__name__)

# Restricted searches look this many times deeper before filtering.
_FILTER_OVERFETCH = 20


class FactCheckIndex:
    """Keeps exact in-memory dense and BM25 indexes in step with the fact-check table.

    ``sync`` compares a cheap table signature (row count, highest id, latest update) and
    reloads when anything changed, so a fact-check written by any process is searchable by
    every process on its next request.

    Args:
        model_name: Embeddings stored under this model name are searched.
        dimension: Embedding width. Defaults to 384.
    """

    def __init__(self, model_name: str, dimension: int = 384) -> None:
        self.model_name = model_name
        self._dense = DenseIndex(dimension)
        self._lexical = LexicalIndex()
        self._records: dict[int, FactCheckRecord] = {}
        self._masks: dict[SearchFilter, npt.NDArray[np.bool_]] = {}
        self._signature: IndexSignature | None = None
        self._reload_lock = threading.Lock()

    def __len__(self) -> int:
        return len(self._dense)

    def sync(self, session: Session) -> bool:
        """Reload from the database if the table changed since the last load; True if reloaded."""
        repository = FactCheckRepository(session)
        signature = repository.signature()
        if signature == self._signature:
            return False
        with self._reload_lock:
            if signature == self._signature:
                return False
            ids, vectors = repository.embedding_matrix(self.model_name)
            self.load(repository.all_records(), ids, vectors)
            self._signature = signature
            return True

    def load(
        self,
        records: Sequence[FactCheckRecord],
        ids: npt.NDArray[np.int64],
        vectors: Vectors,
    ) -> None:
        """Replace the contents: ``records`` for lookup and BM25, ``vectors[i]`` for ``ids[i]``.

        ``sync`` calls this with the database's rows; evaluations call it directly.
        """
        if ids.shape[0] == 0:
            vectors = np.zeros((0, self._dense.dimension), dtype=np.float32)
        self._dense.replace(ids, vectors)
        by_id = {r.id: r for r in records}
        lexical_ids = np.fromiter(by_id, dtype=np.int64, count=len(by_id))
        self._lexical.replace(lexical_ids, [r.claim for r in by_id.values()])
        self._records = by_id
        self._masks = {}
        logger.info("fact-check index loaded: %d vectors, %d texts", ids.shape[0], len(by_id))

    def nearest(
        self, vectors: Vectors, *, k: int, search_filter: SearchFilter | None = None
    ) -> list[list[Candidate]]:
        """For each query vector, up to ``k`` admitted fact-checks, most similar first."""
        restricted = search_filter is not None and search_filter != SearchFilter()
        depth = k * _FILTER_OVERFETCH if restricted else k
        ids, scores = self._dense.search(vectors, depth)
        records = self._records
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

    def lexical(
        self, texts: Sequence[str], *, k: int, search_filter: SearchFilter | None = None
    ) -> list[list[Candidate]]:
        """For each text, up to ``k`` admitted fact-checks by BM25 score over their claims."""
        restricted = search_filter is not None and search_filter != SearchFilter()
        records = self._records
        mask = self._mask(search_filter) if restricted else None
        results: list[list[Candidate]] = []
        for row_ids, row_scores in self._lexical.search(texts, k, mask):
            found: list[Candidate] = []
            for fact_check_id, score in zip(row_ids.tolist(), row_scores.tolist(), strict=True):
                record = records.get(fact_check_id)
                if record is None or (restricted and not search_filter.admits(record)):  # type: ignore[union-attr]
                    continue
                found.append(Candidate(record, float(score)))
            results.append(found)
        return results

    def _mask(self, search_filter: SearchFilter | None) -> npt.NDArray[np.bool_] | None:
        if search_filter is None:
            return None
        mask = self._masks.get(search_filter)
        if mask is None:
            records = self._records
            mask = np.fromiter(
                (
                    (r := records.get(i)) is not None and search_filter.admits(r)
                    for i in self._lexical.positions().tolist()
                ),
                dtype=np.bool_,
            )
            if len(self._masks) > 64:
                self._masks.clear()
            self._masks[search_filter] = mask
        return mask
