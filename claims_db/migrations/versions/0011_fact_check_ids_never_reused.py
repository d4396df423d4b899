"""fact-check ids are never reused; queue items keep a snapshot of their suggested fact-check

Revision ID: 0011
Revises: 0010
Create Date: 2026-12-06

SQLite gives a deleted row's id to the next insert unless the table is AUTOINCREMENT, so a
queue item, a stored analysis or a learned review decision that named a deleted
fact-check would silently name a new, different one. SQLite cannot add AUTOINCREMENT to a
table in place: ``fact_checks`` is rebuilt (batch mode) with foreign keys off, so that the
drop of the old table does not cascade into its embeddings, history and references, and
its triggers (the change log of migration 0004) are recreated after. The sequence starts
above the largest id ever used that is still visible anywhere. PostgreSQL's serial never
reuses ids: nothing changes there but the new columns.

Queue items keep the claim and URL of the fact-check they were matched to (publisher and
verdict were already kept), so an item still says what was suggested after a delete.

Leases, resolutions and audit entries record the API key's id beside its name: two keys
with one name are told apart (rows written before keep a null id); so do articles, which
submitters may read only when they sent them. ``ui_sessions`` holds the UI's sign-ins by
the hash of an opaque token, so the browser's cookie no longer carries the API key.
"""
from __future__ import annotations

import sqlalchemy as sa
from alembic import op

import claims_db.base

revision = '0011'
down_revision = '0010'
branch_labels = None
depends_on = None

# Columns (table.column) that may name a fact-check: the sequence starts above all of them.
_REFERENCES = (
    "fact_checks.id",
    "queue_items.fact_check_id",
    "queue_items.resolved_fact_check_id",
    "article_claims.top_fact_check_id",
    "review_decisions.fact_check_id",
    "fact_check_changes.fact_check_id",
)


def _rebuild_fact_checks(autoincrement: bool) -> None:
    bind = op.get_bind()
    bind.exec_driver_sql("PRAGMA foreign_keys=OFF")
    enforced = bind.exec_driver_sql("PRAGMA foreign_keys").scalar()
    rows = bind.exec_driver_sql("SELECT count(*) FROM fact_checks").scalar()
    if enforced and rows:
        # Inside a transaction with earlier writes SQLite ignores the pragma, and dropping
        # the old table would then delete every embedding and history row with it.
        raise RuntimeError(
            "migration 0011 must run in its own transaction on a populated SQLite database:"
            " run `claimflag db upgrade` again from revision 0010"
        )
    triggers = bind.exec_driver_sql(
        "SELECT sql FROM sqlite_master WHERE type = 'trigger' AND tbl_name = 'fact_checks'"
    ).scalars().all()
    with op.batch_alter_table(
        "fact_checks",
        recreate="always",
        table_kwargs={"sqlite_autoincrement": autoincrement},
    ) as batch_op:
        batch_op.alter_column("id", existing_type=sa.Integer(), autoincrement=True)
    for trigger in triggers:
        bind.exec_driver_sql(trigger)
    bind.exec_driver_sql("PRAGMA foreign_keys=ON")


def upgrade() -> None:
    if op.get_bind().dialect.name == "sqlite":
        # First: the pragma that keeps the rebuild from cascading only works before writes.
        _rebuild_fact_checks(autoincrement=True)
        highest = " UNION ALL ".join(
            f"SELECT max({column}) AS m FROM {table}"
            for table, column in (reference.split(".") for reference in _REFERENCES)
        )
        op.execute("DELETE FROM sqlite_sequence WHERE name = 'fact_checks'")
        op.execute(
            "INSERT INTO sqlite_sequence (name, seq)"
            f" SELECT 'fact_checks', coalesce(max(m), 0) FROM ({highest})"
        )
    with op.batch_alter_table("queue_items") as batch_op:
        batch_op.add_column(sa.Column("fact_check_claim", sa.Text(), nullable=True))
        batch_op.add_column(sa.Column("fact_check_url", sa.String(length=2048), nullable=True))
        batch_op.add_column(sa.Column("assignee_key_id", sa.Integer(), nullable=True))
        batch_op.add_column(sa.Column("resolved_by_key_id", sa.Integer(), nullable=True))
    with op.batch_alter_table("audit_entries") as batch_op:
        batch_op.add_column(sa.Column("actor_key_id", sa.Integer(), nullable=True))
    with op.batch_alter_table("articles") as batch_op:
        batch_op.add_column(sa.Column("submitted_by_key_id", sa.Integer(), nullable=True))
    op.create_table(
        "ui_sessions",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("token_hash", sa.String(length=64), nullable=False),
        sa.Column("key_id", sa.Integer(), nullable=False),
        sa.Column("created_at", claims_db.base.UTCDateTime(), nullable=False),
        sa.Column("expires_at", claims_db.base.UTCDateTime(), nullable=False),
        sa.Column("revoked_at", claims_db.base.UTCDateTime(), nullable=True),
        sa.ForeignKeyConstraint(
            ["key_id"],
            ["api_keys.id"],
            name=op.f("fk_ui_sessions_key_id_api_keys"),
            ondelete="CASCADE",
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_ui_sessions")),
    )
    op.create_index("ix_ui_sessions_token_hash", "ui_sessions", ["token_hash"], unique=True)
    op.execute(
        "UPDATE queue_items SET"
        " fact_check_claim = (SELECT claim FROM fact_checks WHERE fact_checks.id ="
        " queue_items.fact_check_id),"
        " fact_check_url = (SELECT url FROM fact_checks WHERE fact_checks.id ="
        " queue_items.fact_check_id)"
        " WHERE fact_check_id IS NOT NULL"
    )


def downgrade() -> None:
    if op.get_bind().dialect.name == "sqlite":
        _rebuild_fact_checks(autoincrement=False)
    op.drop_index("ix_ui_sessions_token_hash", table_name="ui_sessions")
    op.drop_table("ui_sessions")
    # A plain DROP COLUMN (SQLite 3.35+), as in 0008.
    op.drop_column("articles", "submitted_by_key_id")
    op.drop_column("audit_entries", "actor_key_id")
    op.drop_column("queue_items", "resolved_by_key_id")
    op.drop_column("queue_items", "assignee_key_id")
    op.drop_column("queue_items", "fact_check_url")
    op.drop_column("queue_items", "fact_check_claim")
