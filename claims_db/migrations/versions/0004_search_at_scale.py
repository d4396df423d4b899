"""search at scale: change log for in-memory indexes, pgvector HNSW, full-text search

Revision ID: 0004
Revises: 0002
Create Date: 2026-11-24

Every dialect gets ``fact_check_changes``, an append-only log of the fact-check ids whose
searchable state changed (record updated or deleted, embedding written or removed), filled
by triggers. A process holding an in-memory index reads ``max(seq)`` per request and loads
only the rows named since its last look, so writes by any process are seen at once.
SQLite serialises writers, so sequence order is commit order; on PostgreSQL the trigger
takes an EXCLUSIVE lock on the log to give the same guarantee.

PostgreSQL also gets an HNSW index (cosine) on the embeddings for pgvector search, and a
generated ``tsvector`` of the claim with a GIN index for the lexical side.
"""
from __future__ import annotations

import sqlalchemy as sa
from alembic import op

revision = '0004'
down_revision = '0002'
branch_labels = None
depends_on = None

_SQLITE_TRIGGERS = {
    "trg_fact_checks_update": "AFTER UPDATE ON fact_checks BEGIN "
    "INSERT INTO fact_check_changes (fact_check_id) VALUES (NEW.id); END",
    "trg_fact_checks_delete": "AFTER DELETE ON fact_checks BEGIN "
    "INSERT INTO fact_check_changes (fact_check_id) VALUES (OLD.id); END",
    "trg_fact_check_embeddings_insert": "AFTER INSERT ON fact_check_embeddings BEGIN "
    "INSERT INTO fact_check_changes (fact_check_id) VALUES (NEW.fact_check_id); END",
    "trg_fact_check_embeddings_update": "AFTER UPDATE ON fact_check_embeddings BEGIN "
    "INSERT INTO fact_check_changes (fact_check_id) VALUES (NEW.fact_check_id); END",
    "trg_fact_check_embeddings_delete": "AFTER DELETE ON fact_check_embeddings BEGIN "
    "INSERT INTO fact_check_changes (fact_check_id) VALUES (OLD.fact_check_id); END",
}

_PG_FUNCTION = """
CREATE FUNCTION log_fact_check_change() RETURNS trigger LANGUAGE plpgsql AS $$
BEGIN
    -- one writer at a time past this point: sequence order is then commit order
    LOCK TABLE fact_check_changes IN EXCLUSIVE MODE;
    IF TG_TABLE_NAME = 'fact_checks' THEN
        IF TG_OP = 'DELETE' THEN
            INSERT INTO fact_check_changes (fact_check_id) VALUES (OLD.id);
        ELSE
            INSERT INTO fact_check_changes (fact_check_id) VALUES (NEW.id);
        END IF;
    ELSIF TG_OP = 'DELETE' THEN
        INSERT INTO fact_check_changes (fact_check_id) VALUES (OLD.fact_check_id);
    ELSE
        INSERT INTO fact_check_changes (fact_check_id) VALUES (NEW.fact_check_id);
    END IF;
    RETURN NULL;
END
$$
"""


def upgrade() -> None:
    dialect = op.get_bind().dialect.name
    op.create_table(
        'fact_check_changes',
        sa.Column('seq', sa.Integer(), primary_key=True, autoincrement=True),
        sa.Column('fact_check_id', sa.Integer(), nullable=False),
        sa.PrimaryKeyConstraint('seq', name=op.f('pk_fact_check_changes')),
        sqlite_autoincrement=True,
    )
    if dialect == "sqlite":
        for name, body in _SQLITE_TRIGGERS.items():
            op.execute(f"CREATE TRIGGER {name} {body}")
        return
    if dialect != "postgresql":
        return
    op.execute(_PG_FUNCTION)
    op.execute(
        "CREATE TRIGGER trg_fact_checks_change AFTER UPDATE OR DELETE ON fact_checks "
        "FOR EACH ROW EXECUTE FUNCTION log_fact_check_change()"
    )
    op.execute(
        "CREATE TRIGGER trg_fact_check_embeddings_change "
        "AFTER INSERT OR UPDATE OR DELETE ON fact_check_embeddings "
        "FOR EACH ROW EXECUTE FUNCTION log_fact_check_change()"
    )
    op.execute(
        "CREATE INDEX ix_fact_check_embeddings_vector_hnsw ON fact_check_embeddings "
        "USING hnsw (vector vector_cosine_ops) WITH (m = 16, ef_construction = 64)"
    )
    op.execute(
        "ALTER TABLE fact_checks ADD COLUMN claim_search tsvector "
        "GENERATED ALWAYS AS (to_tsvector('english', claim)) STORED"
    )
    op.execute(
        "CREATE INDEX ix_fact_checks_claim_search ON fact_checks USING gin (claim_search)"
    )


def downgrade() -> None:
    dialect = op.get_bind().dialect.name
    if dialect == "sqlite":
        for name in _SQLITE_TRIGGERS:
            op.execute(f"DROP TRIGGER IF EXISTS {name}")
    elif dialect == "postgresql":
        op.execute("DROP INDEX IF EXISTS ix_fact_checks_claim_search")
        op.execute("ALTER TABLE fact_checks DROP COLUMN IF EXISTS claim_search")
        op.execute("DROP INDEX IF EXISTS ix_fact_check_embeddings_vector_hnsw")
        op.execute("DROP TRIGGER IF EXISTS trg_fact_check_embeddings_change ON fact_check_embeddings")
        op.execute("DROP TRIGGER IF EXISTS trg_fact_checks_change ON fact_checks")
        op.execute("DROP FUNCTION IF EXISTS log_fact_check_change()")
    op.drop_table('fact_check_changes')
