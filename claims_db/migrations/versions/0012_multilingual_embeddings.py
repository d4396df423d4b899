"""multilingual embeddings of fact-checks, beside the English model's

Revision ID: 0012
Revises: 0011
Create Date: 2026-12-06

``fact_check_multilingual_embeddings`` holds one multilingual-e5 vector per fact-check
(issue 28: claims in other languages than the fact-check's). Its writes go to the change
log of migration 0004 like the embeddings', so in-memory indexes of every process pick
them up; on PostgreSQL it gets an HNSW graph (cosine) with the parameters migration 0006
gave the embeddings' graph. The table starts empty: ``claimflag backfill-multilingual``
fills it for the fact-checks already stored, imports fill it for new ones.
"""

from __future__ import annotations

import sqlalchemy as sa
from alembic import op

import claims_db.base

revision = "0012"
down_revision = "0011"
branch_labels = None
depends_on = None

_TABLE = "fact_check_multilingual_embeddings"
_HNSW = "ix_fact_check_multilingual_embeddings_vector_hnsw"

_SQLITE_TRIGGERS = {
    f"trg_{_TABLE}_insert": f"AFTER INSERT ON {_TABLE} BEGIN "
    "INSERT INTO fact_check_changes (fact_check_id) VALUES (NEW.fact_check_id); END",
    f"trg_{_TABLE}_update": f"AFTER UPDATE ON {_TABLE} BEGIN "
    "INSERT INTO fact_check_changes (fact_check_id) VALUES (NEW.fact_check_id); END",
    f"trg_{_TABLE}_delete": f"AFTER DELETE ON {_TABLE} BEGIN "
    "INSERT INTO fact_check_changes (fact_check_id) VALUES (OLD.fact_check_id); END",
}
_PG_TRIGGER = f"trg_{_TABLE}_change"


def upgrade() -> None:
    dialect = op.get_bind().dialect.name
    op.create_table(
        _TABLE,
        sa.Column("fact_check_id", sa.Integer(), nullable=False),
        sa.Column("model_name", sa.String(length=128), nullable=False),
        sa.Column("vector", claims_db.base.EmbeddingVector(384), nullable=False),
        sa.Column("created_at", claims_db.base.UTCDateTime(), nullable=False),
        sa.ForeignKeyConstraint(
            ["fact_check_id"],
            ["fact_checks.id"],
            name=op.f(f"fk_{_TABLE}_fact_check_id_fact_checks"),
            ondelete="CASCADE",
        ),
        sa.PrimaryKeyConstraint("fact_check_id", name=op.f(f"pk_{_TABLE}")),
    )
    if dialect == "sqlite":
        for name, body in _SQLITE_TRIGGERS.items():
            op.execute(f"CREATE TRIGGER {name} {body}")
    elif dialect == "postgresql":
        # The function of migration 0004 logs NEW/OLD.fact_check_id for any table but
        # fact_checks, and serialises writers on the log.
        op.execute(
            f"CREATE TRIGGER {_PG_TRIGGER} AFTER INSERT OR UPDATE OR DELETE ON {_TABLE} "
            "FOR EACH ROW EXECUTE FUNCTION log_fact_check_change()"
        )
        # Built on the empty table: nothing to wait for, so no CONCURRENTLY needed.
        op.execute(
            f"CREATE INDEX {_HNSW} ON {_TABLE} USING hnsw (vector vector_cosine_ops) "
            "WITH (m = 32, ef_construction = 200)"
        )


def downgrade() -> None:
    dialect = op.get_bind().dialect.name
    if dialect == "sqlite":
        for name in _SQLITE_TRIGGERS:
            op.execute(f"DROP TRIGGER IF EXISTS {name}")
    elif dialect == "postgresql":
        op.execute(f"DROP INDEX IF EXISTS {_HNSW}")
        op.execute(f"DROP TRIGGER IF EXISTS {_PG_TRIGGER} ON {_TABLE}")
    op.drop_table(_TABLE)
