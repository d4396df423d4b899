"""lexical profiles in a table of their own, under a fingerprint stable across processes

Revision ID: 0008
Revises: 0007
Create Date: 2026-12-03

Migration 0007 stored each claim's lexical profile beside its vector, under a tokeniser
fingerprint (``models.retrieval.profile_version``) that included the address of a function
object: it differed from one process to the next, so every process rejected the profiles
others had stored and recomputed them on each search. The fingerprint is now stable, and
every profile must be rewritten. On PostgreSQL rewriting a column of
``fact_check_embeddings`` makes a new version of each row, which pgvector must insert into
the HNSW graph again: 13.7 minutes for 100k rows on two cores (and as many dead graph
entries for VACUUM). The profiles therefore move to ``fact_check_profiles``, keyed by
fact-check; writing them there touches neither the graph nor the change log, here and in
any later ``claimflag db refresh-profiles``. Every fact-check gets a current profile.
Downgrading restores the column empty (readers then compute profiles on use).
"""
from __future__ import annotations

import sqlalchemy as sa
from alembic import op

revision = '0008'
down_revision = '0007'
branch_labels = None
depends_on = None


def upgrade() -> None:
    op.create_table(
        'fact_check_profiles',
        sa.Column('fact_check_id', sa.Integer(), nullable=False),
        sa.Column('profile', sa.Text(), nullable=False),
        sa.ForeignKeyConstraint(
            ['fact_check_id'],
            ['fact_checks.id'],
            name=op.f('fk_fact_check_profiles_fact_check_id_fact_checks'),
            ondelete='CASCADE',
        ),
        sa.PrimaryKeyConstraint('fact_check_id', name=op.f('pk_fact_check_profiles')),
    )
    from claims_db.ingest import refresh_lexical_profiles

    refresh_lexical_profiles(op.get_bind())
    # A plain DROP COLUMN (SQLite 3.35+): a batch table rebuild would drop the triggers.
    op.execute("ALTER TABLE fact_check_embeddings DROP COLUMN lexical_profile")


def downgrade() -> None:
    op.add_column('fact_check_embeddings', sa.Column('lexical_profile', sa.Text(), nullable=True))
    op.drop_table('fact_check_profiles')
