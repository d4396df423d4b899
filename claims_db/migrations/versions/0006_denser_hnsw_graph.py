"""denser pgvector HNSW graph: m 32, ef_construction 200

Revision ID: 0006
Revises: 0005
Create Date: 2026-12-02

Migration 0004 built the embeddings' HNSW graph with pgvector's defaults (m 16,
ef_construction 64). On a million fact-checks, many of them near-duplicates, that graph
topped out at recall@10 0.9555 with ef_search 200 (bench/bench_pg_search.py). The
in-memory index reached 0.98 with m 32 / ef_construction 200, and so does pgvector
(README, Benchmarks). The new graph is built beside the old one with CREATE INDEX
CONCURRENTLY, so searches and writes go on during the build (minutes at 100k rows, about
an hour at 1M on two cores; give the session a maintenance_work_mem that holds the graph,
about 2.5 GB at 1M, or the build spills and takes far longer), then swapped in by name.
PostgreSQL only.
"""
from __future__ import annotations

from alembic import op

revision = '0006'
down_revision = '0005'
branch_labels = None
depends_on = None

_INDEX = "ix_fact_check_embeddings_vector_hnsw"
_NEW = "ix_fact_check_embeddings_vector_hnsw_new"


def _rebuild(m: int, ef_construction: int) -> None:
    with op.get_context().autocommit_block():
        # A build interrupted earlier leaves an invalid index under the new name.
        op.execute(f"DROP INDEX CONCURRENTLY IF EXISTS {_NEW}")
        op.execute(
            f"CREATE INDEX CONCURRENTLY {_NEW} ON fact_check_embeddings "
            f"USING hnsw (vector vector_cosine_ops) "
            f"WITH (m = {m}, ef_construction = {ef_construction})"
        )
        op.execute(f"DROP INDEX CONCURRENTLY IF EXISTS {_INDEX}")
        op.execute(f"ALTER INDEX {_NEW} RENAME TO {_INDEX}")


def upgrade() -> None:
    if op.get_bind().dialect.name != "postgresql":
        return
    _rebuild(32, 200)


def downgrade() -> None:
    if op.get_bind().dialect.name != "postgresql":
        return
    _rebuild(16, 64)
