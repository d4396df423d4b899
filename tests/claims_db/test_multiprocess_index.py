"""Several processes on one database: a write by one is searchable by the others at once."""

import multiprocessing
from multiprocessing.connection import Connection

import numpy as np
import pytest
from sqlalchemy.orm import Session, sessionmaker

from claims_db.db import make_engine, make_session_factory
from claims_db.repository import FactCheckInput, FactCheckRepository
from claims_db.search import FactCheckIndex

MODEL = "test-model"
DIM = 384


def _serve_index(url: str, ann_threshold: int, pipe: Connection) -> None:
    """A worker process: before each query, sync its own index as a request would."""
    engine = make_engine(url)
    session_factory = make_session_factory(engine)
    index = FactCheckIndex(MODEL, DIM, ann_threshold=ann_threshold)
    while (query := pipe.recv()) is not None:
        with session_factory() as session:
            index.sync(session)
        found = index.nearest(query[None, :], k=1)[0]
        pipe.send([(c.fact_check.id, c.fact_check.rating, round(c.similarity, 4)) for c in found])
    engine.dispose()


def _unit(seed: int) -> np.ndarray:
    vector = np.random.default_rng(seed).normal(size=DIM).astype(np.float32)
    return vector / np.linalg.norm(vector)


def _write(session_factory: sessionmaker[Session], seed: int, rating: str = "False") -> int:
    item = FactCheckInput(
        claim=f"claim number {seed}",
        rating=rating,
        publisher="Example Checks",
        url=f"https://checks.example/{seed}",
    )
    with session_factory.begin() as session:
        repository = FactCheckRepository(session)
        row, _ = repository.upsert(item)
        repository.store_embeddings(MODEL, [row.id], _unit(seed)[None, :])
        return row.id


@pytest.mark.parametrize("ann_threshold", [50_000, 0], ids=["exact", "hnsw"])
def test_writes_are_seen_by_other_processes_at_once(
    database_url: str, session_factory: sessionmaker[Session], ann_threshold: int
) -> None:
    ids = {seed: _write(session_factory, seed) for seed in range(40)}
    context = multiprocessing.get_context("spawn")
    workers = []
    for _ in range(2):
        ours, theirs = context.Pipe()
        process = context.Process(target=_serve_index, args=(database_url, ann_threshold, theirs))
        process.start()
        workers.append((process, ours))

    def top(seed_or_vector: int | np.ndarray) -> list[tuple[int, str, float] | None]:
        query = _unit(seed_or_vector) if isinstance(seed_or_vector, int) else seed_or_vector
        answers = []
        for _, pipe in workers:
            pipe.send(query)
            found = pipe.recv()
            answers.append(tuple(found[0]) if found else None)
        return answers

    try:
        assert top(7) == [(ids[7], "False", 1.0)] * 2
        new_id = _write(session_factory, 1000)
        assert top(1000) == [(new_id, "False", 1.0)] * 2

        _write(session_factory, 1000, rating="True")  # the record changes, not the vector
        assert top(1000) == [(new_id, "True", 1.0)] * 2

        with session_factory.begin() as session:  # the embedding moves
            FactCheckRepository(session).store_embeddings(MODEL, [new_id], _unit(2000)[None, :])
        assert top(2000) == [(new_id, "True", 1.0)] * 2
        assert all(answer is None or answer[0] != new_id for answer in top(1000))

        with session_factory.begin() as session:
            session.delete(FactCheckRepository(session).get(new_id))
        assert all(answer is None or answer[0] != new_id for answer in top(2000))
        assert top(3) == [(ids[3], "False", 1.0)] * 2
    finally:
        for process, pipe in workers:
            pipe.send(None)
            process.join(timeout=30)
