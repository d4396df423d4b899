"""lexical profiles stored beside the embeddings

Revision ID: 0007
Revises: 0006
Create Date: 2026-12-02

The re-ranker's overlap features need each candidate claim's stems, numbers and capitalised
names. Computing them costs ~40 us a claim on the benchmark machine; a 40-sentence article
meets about 1,200 claims on PostgreSQL (where nothing is held in the API process), and an
in-memory index load tokenises every claim. ``fact_check_embeddings.lexical_profile``
keeps them, serialised by ``models.retrieval.lexical_profile`` and written with the vector
(both are derived from the claim). Existing rows are filled here, in batches; a profile
that is missing or was made by a different tokeniser version is simply recomputed by the
reader, so the column is an optimisation, never a source of truth.
"""
from __future__ import annotations

import sqlalchemy as sa
from alembic import op

revision = '0007'
down_revision = '0006'
branch_labels = None
depends_on = None

_BATCH = 5000

# The change log (migration 0004) records fact-checks whose searchable state changed. From
# here an embedding row's update counts only when its vector (or key) changed, so storing a
# profile, here or later, does not send every process to reload the row.
_SQLITE_TRIGGER = "trg_fact_check_embeddings_update"
_SQLITE_OLD = (
    f"CREATE TRIGGER {_SQLITE_TRIGGER} AFTER UPDATE ON fact_check_embeddings BEGIN "
    "INSERT INTO fact_check_changes (fact_check_id) VALUES (NEW.fact_check_id); END"
)
_SQLITE_NEW = (
    f"CREATE TRIGGER {_SQLITE_TRIGGER} AFTER UPDATE ON fact_check_embeddings "
    "WHEN NEW.vector IS NOT OLD.vector OR NEW.model_name IS NOT OLD.model_name "
    "OR NEW.fact_check_id IS NOT OLD.fact_check_id BEGIN "
    "INSERT INTO fact_check_changes (fact_check_id) VALUES (NEW.fact_check_id); END"
)
_PG_FUNCTION = """
CREATE OR REPLACE FUNCTION log_fact_check_change() RETURNS trigger LANGUAGE plpgsql AS $$
BEGIN
    {skip}
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
# Nested: NEW.vector may only be named once the row is known to be an embedding.
_PG_SKIP = """IF TG_TABLE_NAME = 'fact_check_embeddings' AND TG_OP = 'UPDATE' THEN
        IF NEW.vector IS NOT DISTINCT FROM OLD.vector AND NEW.model_name = OLD.model_name
                AND NEW.fact_check_id = OLD.fact_check_id THEN
            RETURN NULL;
        END IF;
    END IF;"""


def _log_only_searchable_changes(dialect: str) -> None:
    if dialect == "sqlite":
        op.execute(f"DROP TRIGGER IF EXISTS {_SQLITE_TRIGGER}")
        op.execute(_SQLITE_NEW)
    elif dialect == "postgresql":
        op.execute(_PG_FUNCTION.replace("{skip}", _PG_SKIP))


def upgrade() -> None:
    dialect = op.get_bind().dialect.name
    op.add_column('fact_check_embeddings', sa.Column('lexical_profile', sa.Text(), nullable=True))
    _log_only_searchable_changes(dialect)
    from models.retrieval import lexical_profile

    bind = op.get_bind()
    after: tuple[int, str] = (-1, "")
    while True:
        rows = bind.execute(
            sa.text(
                "SELECT e.fact_check_id, e.model_name, f.claim FROM fact_check_embeddings e "
                "JOIN fact_checks f ON f.id = e.fact_check_id "
                "WHERE e.fact_check_id > :id OR (e.fact_check_id = :id AND e.model_name > :model) "
                "ORDER BY e.fact_check_id, e.model_name LIMIT :batch"
            ),
            {"id": after[0], "model": after[1], "batch": _BATCH},
        ).all()
        if not rows:
            return
        bind.execute(
            sa.text(
                "UPDATE fact_check_embeddings SET lexical_profile = :profile "
                "WHERE fact_check_id = :id AND model_name = :model"
            ),
            [
                {"profile": lexical_profile(claim), "id": fact_check_id, "model": model}
                for fact_check_id, model, claim in rows
            ],
        )
        after = (rows[-1][0], rows[-1][1])


def downgrade() -> None:
    dialect = op.get_bind().dialect.name
    if dialect == "sqlite":
        op.execute(f"DROP TRIGGER IF EXISTS {_SQLITE_TRIGGER}")
        op.execute(_SQLITE_OLD)
    elif dialect == "postgresql":
        op.execute(_PG_FUNCTION.replace("{skip}", ""))
    # A plain DROP COLUMN (SQLite 3.35+): a batch table rebuild would drop the triggers.
    op.execute("ALTER TABLE fact_check_embeddings DROP COLUMN lexical_profile")
