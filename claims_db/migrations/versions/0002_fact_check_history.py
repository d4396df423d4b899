"""fact-check history and claim dates

Revision ID: 0002
Revises: 0003
Create Date: 2026-11-24
"""
from __future__ import annotations

import sqlalchemy as sa
from alembic import op

import claims_db.base

revision = '0002'
down_revision = '0003'
branch_labels = None
depends_on = None


def upgrade() -> None:
    with op.batch_alter_table('fact_checks', schema=None) as batch_op:
        batch_op.add_column(sa.Column('claim_date', sa.Date(), nullable=True))

    op.create_table('fact_check_revisions',
    sa.Column('id', sa.Integer(), nullable=False),
    sa.Column('fact_check_id', sa.Integer(), nullable=False),
    sa.Column('rating', sa.Text(), nullable=False),
    sa.Column('verdict', sa.String(length=32), nullable=False),
    sa.Column('review_date', sa.Date(), nullable=True),
    sa.Column('replaced_at', claims_db.base.UTCDateTime(), nullable=False),
    sa.Column('replaced_by', sa.String(length=255), nullable=True),
    sa.Column('source', sa.String(length=64), nullable=True),
    sa.ForeignKeyConstraint(['fact_check_id'], ['fact_checks.id'], name=op.f('fk_fact_check_revisions_fact_check_id_fact_checks'), ondelete='CASCADE'),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_fact_check_revisions'))
    )
    with op.batch_alter_table('fact_check_revisions', schema=None) as batch_op:
        batch_op.create_index('ix_fact_check_revisions_fact_check_id', ['fact_check_id'], unique=False)


def downgrade() -> None:
    with op.batch_alter_table('fact_check_revisions', schema=None) as batch_op:
        batch_op.drop_index('ix_fact_check_revisions_fact_check_id')
    op.drop_table('fact_check_revisions')
    with op.batch_alter_table('fact_checks', schema=None) as batch_op:
        batch_op.drop_column('claim_date')
