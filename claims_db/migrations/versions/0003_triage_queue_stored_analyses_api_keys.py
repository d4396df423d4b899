"""triage queue, stored analyses, api keys

Revision ID: 0003
Revises: 0001
Create Date: 2026-11-24
"""
from __future__ import annotations

import sqlalchemy as sa
from alembic import op

import claims_db.base

revision = '0003'
down_revision = '0001'
branch_labels = None
depends_on = None


def upgrade() -> None:
    op.create_table('api_keys',
    sa.Column('id', sa.Integer(), nullable=False),
    sa.Column('name', sa.String(length=128), nullable=False),
    sa.Column('role', sa.String(length=16), nullable=False),
    sa.Column('prefix', sa.String(length=16), nullable=False),
    sa.Column('key_hash', sa.String(length=64), nullable=False),
    sa.Column('created_at', claims_db.base.UTCDateTime(), nullable=False),
    sa.Column('revoked_at', claims_db.base.UTCDateTime(), nullable=True),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_api_keys'))
    )
    with op.batch_alter_table('api_keys', schema=None) as batch_op:
        batch_op.create_index('ix_api_keys_prefix', ['prefix'], unique=True)

    op.create_table('articles',
    sa.Column('id', sa.Integer(), nullable=False),
    sa.Column('title', sa.Text(), nullable=True),
    sa.Column('url', sa.String(length=2048), nullable=True),
    sa.Column('publisher', sa.String(length=255), nullable=True),
    sa.Column('published_at', sa.String(length=32), nullable=True),
    sa.Column('language', sa.String(length=16), nullable=True),
    sa.Column('text', sa.Text(), nullable=False),
    sa.Column('sentences', sa.Integer(), nullable=False),
    sa.Column('submitted_by', sa.String(length=128), nullable=True),
    sa.Column('created_at', claims_db.base.UTCDateTime(), nullable=False),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_articles'))
    )
    with op.batch_alter_table('articles', schema=None) as batch_op:
        batch_op.create_index('ix_articles_created_at', ['created_at'], unique=False)

    op.create_table('queue_items',
    sa.Column('id', sa.Integer(), nullable=False),
    sa.Column('kind', sa.String(length=32), nullable=False),
    sa.Column('status', sa.String(length=16), nullable=False),
    sa.Column('resolution', sa.String(length=32), nullable=True),
    sa.Column('claim_text', sa.Text(), nullable=False),
    sa.Column('model_name', sa.String(length=128), nullable=False),
    sa.Column('vector', claims_db.base.EmbeddingVector(384), nullable=False),
    sa.Column('check_worthiness', sa.Float(), nullable=False),
    sa.Column('match_similarity', sa.Float(), nullable=True),
    sa.Column('suggested_verdict', sa.String(length=32), nullable=True),
    sa.Column('fact_check_id', sa.Integer(), nullable=True),
    sa.Column('fact_check_publisher', sa.String(length=255), nullable=True),
    sa.Column('article_publisher', sa.String(length=255), nullable=True),
    sa.Column('resolved_fact_check_id', sa.Integer(), nullable=True),
    sa.Column('occurrence_count', sa.Integer(), nullable=False),
    sa.Column('debunking_count', sa.Integer(), nullable=False),
    sa.Column('priority', sa.Float(), nullable=False),
    sa.Column('assignee', sa.String(length=128), nullable=True),
    sa.Column('lease_expires_at', claims_db.base.UTCDateTime(), nullable=True),
    sa.Column('resolved_by', sa.String(length=128), nullable=True),
    sa.Column('resolved_at', claims_db.base.UTCDateTime(), nullable=True),
    sa.Column('version', sa.Integer(), nullable=False),
    sa.Column('created_at', claims_db.base.UTCDateTime(), nullable=False),
    sa.Column('updated_at', claims_db.base.UTCDateTime(), nullable=False),
    sa.ForeignKeyConstraint(['fact_check_id'], ['fact_checks.id'], name=op.f('fk_queue_items_fact_check_id_fact_checks'), ondelete='SET NULL'),
    sa.ForeignKeyConstraint(['resolved_fact_check_id'], ['fact_checks.id'], name=op.f('fk_queue_items_resolved_fact_check_id_fact_checks'), ondelete='SET NULL'),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_queue_items'))
    )
    with op.batch_alter_table('queue_items', schema=None) as batch_op:
        batch_op.create_index('ix_queue_items_created_at', ['created_at'], unique=False)
        batch_op.create_index('ix_queue_items_status_priority', ['status', 'priority'], unique=False)

    op.create_table('article_claims',
    sa.Column('id', sa.Integer(), nullable=False),
    sa.Column('article_id', sa.Integer(), nullable=False),
    sa.Column('position', sa.Integer(), nullable=False),
    sa.Column('text', sa.Text(), nullable=False),
    sa.Column('start', sa.Integer(), nullable=False),
    sa.Column('end', sa.Integer(), nullable=False),
    sa.Column('check_worthiness', sa.Float(), nullable=False),
    sa.Column('flagged', sa.Boolean(), nullable=False),
    sa.Column('suggested_verdict', sa.String(length=32), nullable=True),
    sa.Column('top_fact_check_id', sa.Integer(), nullable=True),
    sa.Column('top_similarity', sa.Float(), nullable=True),
    sa.Column('stance', sa.String(length=32), nullable=True),
    sa.Column('payload', sa.JSON(), nullable=False),
    sa.Column('queue_item_id', sa.Integer(), nullable=True),
    sa.Column('item_similarity', sa.Float(), nullable=True),
    sa.Column('created_at', claims_db.base.UTCDateTime(), nullable=False),
    sa.ForeignKeyConstraint(['article_id'], ['articles.id'], name=op.f('fk_article_claims_article_id_articles'), ondelete='CASCADE'),
    sa.ForeignKeyConstraint(['queue_item_id'], ['queue_items.id'], name=op.f('fk_article_claims_queue_item_id_queue_items'), ondelete='SET NULL'),
    sa.ForeignKeyConstraint(['top_fact_check_id'], ['fact_checks.id'], name=op.f('fk_article_claims_top_fact_check_id_fact_checks'), ondelete='SET NULL'),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_article_claims'))
    )
    with op.batch_alter_table('article_claims', schema=None) as batch_op:
        batch_op.create_index('ix_article_claims_queue_item_id', ['queue_item_id'], unique=False)

    op.create_table('audit_entries',
    sa.Column('id', sa.Integer(), nullable=False),
    sa.Column('item_id', sa.Integer(), nullable=True),
    sa.Column('actor', sa.String(length=128), nullable=False),
    sa.Column('action', sa.String(length=32), nullable=False),
    sa.Column('before', sa.JSON(), nullable=True),
    sa.Column('after', sa.JSON(), nullable=True),
    sa.Column('note', sa.Text(), nullable=True),
    sa.Column('created_at', claims_db.base.UTCDateTime(), nullable=False),
    sa.ForeignKeyConstraint(['item_id'], ['queue_items.id'], name=op.f('fk_audit_entries_item_id_queue_items'), ondelete='CASCADE'),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_audit_entries'))
    )
    with op.batch_alter_table('audit_entries', schema=None) as batch_op:
        batch_op.create_index('ix_audit_entries_item_id', ['item_id'], unique=False)

    op.create_table('review_decisions',
    sa.Column('id', sa.Integer(), nullable=False),
    sa.Column('item_id', sa.Integer(), nullable=True),
    sa.Column('claim_text', sa.Text(), nullable=False),
    sa.Column('model_name', sa.String(length=128), nullable=False),
    sa.Column('vector', claims_db.base.EmbeddingVector(384), nullable=False),
    sa.Column('fact_check_id', sa.Integer(), nullable=False),
    sa.Column('decision', sa.String(length=16), nullable=False),
    sa.Column('decided_by', sa.String(length=128), nullable=False),
    sa.Column('active', sa.Boolean(), nullable=False),
    sa.Column('created_at', claims_db.base.UTCDateTime(), nullable=False),
    sa.ForeignKeyConstraint(['fact_check_id'], ['fact_checks.id'], name=op.f('fk_review_decisions_fact_check_id_fact_checks'), ondelete='CASCADE'),
    sa.ForeignKeyConstraint(['item_id'], ['queue_items.id'], name=op.f('fk_review_decisions_item_id_queue_items'), ondelete='SET NULL'),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_review_decisions'))
    )
    with op.batch_alter_table('review_decisions', schema=None) as batch_op:
        batch_op.create_index('ix_review_decisions_model_name', ['model_name'], unique=False)



def downgrade() -> None:
    with op.batch_alter_table('review_decisions', schema=None) as batch_op:
        batch_op.drop_index('ix_review_decisions_model_name')

    op.drop_table('review_decisions')
    with op.batch_alter_table('audit_entries', schema=None) as batch_op:
        batch_op.drop_index('ix_audit_entries_item_id')

    op.drop_table('audit_entries')
    with op.batch_alter_table('article_claims', schema=None) as batch_op:
        batch_op.drop_index('ix_article_claims_queue_item_id')

    op.drop_table('article_claims')
    with op.batch_alter_table('queue_items', schema=None) as batch_op:
        batch_op.drop_index('ix_queue_items_status_priority')
        batch_op.drop_index('ix_queue_items_created_at')

    op.drop_table('queue_items')
    with op.batch_alter_table('articles', schema=None) as batch_op:
        batch_op.drop_index('ix_articles_created_at')

    op.drop_table('articles')
    with op.batch_alter_table('api_keys', schema=None) as batch_op:
        batch_op.drop_index('ix_api_keys_prefix')

    op.drop_table('api_keys')
