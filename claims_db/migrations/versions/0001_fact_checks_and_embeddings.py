"""fact checks and embeddings

Revision ID: 0001
Revises: 
Create Date: 2026-11-24
"""
from __future__ import annotations

import sqlalchemy as sa
from alembic import op

import claims_db.base

revision = '0001'
down_revision = None
branch_labels = None
depends_on = None


def upgrade() -> None:
    if op.get_bind().dialect.name == "postgresql":
        op.execute("CREATE EXTENSION IF NOT EXISTS vector")
    op.create_table('fact_checks',
    sa.Column('id', sa.Integer(), nullable=False),
    sa.Column('claim', sa.Text(), nullable=False),
    sa.Column('claim_key', sa.String(length=64), nullable=False),
    sa.Column('claimant', sa.Text(), nullable=True),
    sa.Column('rating', sa.Text(), nullable=False),
    sa.Column('verdict', sa.String(length=32), nullable=False),
    sa.Column('publisher', sa.String(length=255), nullable=False),
    sa.Column('publisher_site', sa.String(length=255), nullable=True),
    sa.Column('url', sa.String(length=2048), nullable=False),
    sa.Column('review_date', sa.Date(), nullable=True),
    sa.Column('language', sa.String(length=16), nullable=False),
    sa.Column('source', sa.String(length=64), nullable=True),
    sa.Column('created_at', claims_db.base.UTCDateTime(), nullable=False),
    sa.Column('updated_at', claims_db.base.UTCDateTime(), nullable=False),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_fact_checks')),
    sa.UniqueConstraint('url', 'claim_key', name=op.f('uq_fact_checks_url_claim_key'))
    )
    with op.batch_alter_table('fact_checks', schema=None) as batch_op:
        batch_op.create_index('ix_fact_checks_publisher', ['publisher'], unique=False)
        batch_op.create_index('ix_fact_checks_review_date', ['review_date'], unique=False)
        batch_op.create_index('ix_fact_checks_updated_at', ['updated_at'], unique=False)
        batch_op.create_index('ix_fact_checks_verdict', ['verdict'], unique=False)

    op.create_table('fact_check_embeddings',
    sa.Column('fact_check_id', sa.Integer(), nullable=False),
    sa.Column('model_name', sa.String(length=128), nullable=False),
    sa.Column('vector', claims_db.base.EmbeddingVector(384), nullable=False),
    sa.Column('created_at', claims_db.base.UTCDateTime(), nullable=False),
    sa.ForeignKeyConstraint(['fact_check_id'], ['fact_checks.id'], name=op.f('fk_fact_check_embeddings_fact_check_id_fact_checks'), ondelete='CASCADE'),
    sa.PrimaryKeyConstraint('fact_check_id', 'model_name', name=op.f('pk_fact_check_embeddings'))
    )


def downgrade() -> None:
    op.drop_table('fact_check_embeddings')
    with op.batch_alter_table('fact_checks', schema=None) as batch_op:
        batch_op.drop_index('ix_fact_checks_verdict')
        batch_op.drop_index('ix_fact_checks_updated_at')
        batch_op.drop_index('ix_fact_checks_review_date')
        batch_op.drop_index('ix_fact_checks_publisher')

    op.drop_table('fact_checks')
