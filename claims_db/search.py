"""The in-process fact-check index that serves similarity search from the database."""

from __future__ import annotations

import logging
import threading

import numpy as np
from sqlalchemy.orm import Session

from claims_db.repository import FactCheckRepository, IndexSignature
from models.embedding import Vectors
from models.matching import Candidate, DenseIndex, FactCheckRecord, SearchFilter

logger = logging.getLogger(__name__)

# Restricted searches look this many times deeper before filtering.
_FILTER_OVERFETCH = 20


class FactCheckIndex:
    """Keeps an exact in-memory vector index in step with the fact-check table.

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
        self._records: dict[int, FactCheckRecord] = {}
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
            records = {r.id: r for r in repository.all_records()}
            if ids.shape[0]:
                self._dense.replace(ids, vectors)
            else:
                self._dense.replace(ids, np.zeros((0, self._dense.dimension), dtype=np.float32))
            self._records = records
            self._signature = signature
            logger.info("fact-check index loaded: %d vectors", ids.shape[0])
            return True

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
