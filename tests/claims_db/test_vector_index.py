"""The pgvector HNSW graph around bulk loads: dropped, rebuilt, repaired."""

import numpy as np
import pytest
from sqlalchemy import Engine, text
from sqlalchemy.orm import Session, sessionmaker

from claims_db.importers.datasets import curated_seed
from claims_db.ingest import ingest
from claims_db.pg_search import (
    HNSW_INDEX,
    IndexState,
    PgFactCheckSource,
    build_vector_index,
    vector_index_dropped,
    vector_index_state,
)
from models.embedding import Embedder

pytestmark = pytest.mark.postgresql_only("the HNSW graph is PostgreSQL's")

QUERY = "Scots were warned not to pray in their own home in an abortion buffer zone"


def _engine(session_factory: sessionmaker[Session]) -> Engine:
    engine = session_factory.kw["bind"]
    assert isinstance(engine, Engine)
    return engine


def _dense_plan(session_factory: sessionmaker[Session], vector: np.ndarray) -> str:
    literal = "[" + ",".join(f"{x:.6f}" for x in vector) + "]"
    with session_factory() as session, session.begin():
        # Tens of rows are cheaper to sort than to search through any index: ask for the
        # graph whenever it is there.
        session.execute(text("SET LOCAL enable_seqscan = off"))
        rows = session.execute(
            text(
                "EXPLAIN SELECT fact_check_id FROM fact_check_embeddings"
                " ORDER BY vector <=> CAST(:v AS vector) LIMIT 5"
            ),
            {"v": literal},
        )
        return "\n".join(row[0] for row in rows)


def _top_url(source: PgFactCheckSource, vector: np.ndarray) -> str:
    return source.nearest(vector[None, :], k=1)[0][0].fact_check.url


def test_a_bulk_load_runs_without_the_graph_and_builds_it_once_after(
    session_factory: sessionmaker[Session], embedder: Embedder
) -> None:
    engine = _engine(session_factory)
    source = PgFactCheckSource(session_factory, embedder.model_name)
    query = embedder.encode([QUERY])[0]
    assert vector_index_state(engine) is IndexState.VALID  # built by the migrations

    with vector_index_dropped(engine, maintenance_work_mem="64MB"):
        assert vector_index_state(engine) is IndexState.MISSING
        summary = ingest(session_factory, embedder, curated_seed(), batch_size=16)
        assert summary.inserted == 41
        # Searches go on meanwhile, by scanning the table.
        assert HNSW_INDEX not in _dense_plan(session_factory, query)
        assert "theferret.scot" in _top_url(source, query)

    assert vector_index_state(engine) is IndexState.VALID
    assert HNSW_INDEX in _dense_plan(session_factory, query)
    assert "theferret.scot" in _top_url(source, query)


class _FailingEmbedder:
    """Encodes the first ``good`` batches, then fails as a crashing import would."""

    def __init__(self, embedder: Embedder, good: int) -> None:
        self.embedder = embedder
        self.model_name = embedder.model_name
        self.good = good

    def encode(self, texts: list[str]) -> np.ndarray:
        if self.good == 0:
            raise RuntimeError("encoder died")
        self.good -= 1
        return self.embedder.encode(texts)


def test_a_failed_bulk_load_keeps_its_committed_batches_and_still_builds_the_graph(
    session_factory: sessionmaker[Session], embedder: Embedder
) -> None:
    engine = _engine(session_factory)
    failing = _FailingEmbedder(embedder, good=2)
    with pytest.raises(RuntimeError, match="encoder died"), vector_index_dropped(engine):
        ingest(session_factory, failing, curated_seed(), batch_size=10)  # type: ignore[arg-type]
    assert vector_index_state(engine) is IndexState.VALID
    with session_factory() as session:
        stored = session.scalar(text("SELECT count(*) FROM fact_checks"))
        embedded = session.scalar(text("SELECT count(*) FROM fact_check_embeddings"))
    # Two whole batches went in with their embeddings; the third rolled back.
    assert stored == embedded == 20


def test_build_replaces_an_invalid_graph_and_leaves_a_valid_one_alone(
    session_factory: sessionmaker[Session], embedder: Embedder
) -> None:
    engine = _engine(session_factory)
    ingest(session_factory, embedder, curated_seed())
    assert build_vector_index(engine) is False
    # What an interrupted CREATE INDEX CONCURRENTLY leaves behind (tests run as superuser).
    with engine.begin() as connection:
        connection.execute(
            text("UPDATE pg_index SET indisvalid = false WHERE indexrelid = to_regclass(:name)"),
            {"name": HNSW_INDEX},
        )
    assert vector_index_state(engine) is IndexState.INVALID
    assert build_vector_index(engine) is True
    assert vector_index_state(engine) is IndexState.VALID
    query = embedder.encode([QUERY])[0]
    assert HNSW_INDEX in _dense_plan(session_factory, query)
