import numpy as np
import pytest
from sqlalchemy import func, select
from sqlalchemy.orm import Session, sessionmaker

from claims_db import search
from claims_db.models import FactCheck, FactCheckChange
from claims_db.repository import FactCheckInput, FactCheckRepository
from claims_db.search import FactCheckIndex

MODEL = "test-model"


def _unit(seed: int) -> np.ndarray:
    vector = np.random.default_rng(seed).normal(size=384).astype(np.float32)
    return vector / np.linalg.norm(vector)


def _write(session_factory: sessionmaker[Session], seed: int) -> int:
    with session_factory.begin() as session:
        repository = FactCheckRepository(session)
        row, _ = repository.upsert(
            FactCheckInput(
                claim=f"claim {seed}",
                rating="False",
                publisher="P",
                url=f"https://p.example/{seed}",
            )
        )
        repository.store_embeddings(MODEL, [row.id], _unit(seed)[None, :])
        return row.id


def test_sync_loads_only_changes_and_survives_a_pruned_log(
    session_factory: sessionmaker[Session],
) -> None:
    first = _write(session_factory, 1)
    index = FactCheckIndex(MODEL)
    with session_factory() as session:
        assert index.sync(session) is True
        assert index.sync(session) is False  # nothing changed: one indexed query, no load
    later = [_write(session_factory, seed) for seed in (2, 3, 4)]
    with session_factory.begin() as session:
        assert FactCheckRepository(session).prune_changes(keep=1) >= 3
        remaining = session.scalar(select(func.count()).select_from(FactCheckChange))
    assert remaining == 1
    with session_factory() as session:  # behind the pruned log: a full reload
        assert index.sync(session) is True
    assert len(index) == 4
    table = index.overlap_table()
    assert table is not None
    assert (table.rows([first, *later]) >= 0).all()
    for fact_check_id, seed in zip([first, *later], (1, 2, 3, 4), strict=True):
        assert index.nearest(_unit(seed)[None, :], k=1)[0][0].fact_check.id == fact_check_id


def test_large_indexes_rebuild_bm25_on_a_thread_after_a_change(
    session_factory: sessionmaker[Session], monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setattr(search, "BACKGROUND_BM25_ROWS", 1)
    first, second = _write(session_factory, 1), _write(session_factory, 2)
    index = FactCheckIndex(MODEL)
    with session_factory() as session:
        index.sync(session)  # the first load builds BM25 in place
    assert index._lexical_rebuild is None
    assert [c.fact_check.id for c in index.lexical(["claim 2"], k=1)[0]] == [second]
    third = _write(session_factory, 3)
    with session_factory.begin() as session:
        FactCheckRepository(session).delete(session.get_one(FactCheck, first))
    with session_factory() as session:
        assert index.sync(session) is True
    # Dense search has the change at once; lexical never returns the deleted record.
    assert index.nearest(_unit(3)[None, :], k=1)[0][0].fact_check.id == third
    assert first not in {c.fact_check.id for c in index.lexical(["claim 1"], k=5)[0]}
    assert index._lexical_rebuild is not None
    index._lexical_rebuild.join(timeout=30)
    assert [c.fact_check.id for c in index.lexical(["claim 3"], k=1)[0]] == [third]
    # The re-ranker's overlap table is rebuilt with the BM25 index.
    table = index.overlap_table()
    assert table is not None
    assert table.rows([first, second, third]).tolist()[0] == -1
    assert (table.rows([second, third]) >= 0).all()
