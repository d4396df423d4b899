"""sources, monitored feeds, their runs and items; procrastinate's job tables on PostgreSQL

Revision ID: 0010
Revises: 0008
Create Date: 2026-12-06

Sources (ClaimReview feeds, sitemaps of review pages, Google Fact Check queries) and
monitored feeds of articles, with what each run did and which articles were seen. On
PostgreSQL the job runner is procrastinate: its schema (tables, functions, triggers, all
named ``procrastinate_*``) is installed here from the pinned package, so that
``claimflag db upgrade`` is the one schema step. A later procrastinate release that changes
its schema needs a migration applying its own SQL migrations in turn.
"""
from __future__ import annotations

import sqlalchemy as sa
from alembic import op

import claims_db.base

revision = '0010'
down_revision = '0008'
branch_labels = None
depends_on = None


def _run_columns() -> list[sa.Column[object]]:
    return [
        sa.Column('status', sa.String(length=16), nullable=False),
        sa.Column('trigger', sa.String(length=16), nullable=False),
        sa.Column('started_at', claims_db.base.UTCDateTime(), nullable=False),
        sa.Column('finished_at', claims_db.base.UTCDateTime(), nullable=True),
        sa.Column('duration_s', sa.Float(), nullable=True),
    ]


def upgrade() -> None:
    op.create_table(
        'sources',
        sa.Column('id', sa.Integer(), nullable=False),
        sa.Column('name', sa.String(length=64), nullable=False),
        sa.Column('kind', sa.String(length=16), nullable=False),
        sa.Column('url', sa.String(length=2048), nullable=True),
        sa.Column('query', sa.Text(), nullable=True),
        sa.Column('language', sa.String(length=16), nullable=True),
        sa.Column('interval_minutes', sa.Integer(), nullable=False),
        sa.Column('enabled', sa.Boolean(), nullable=False),
        sa.Column('newest_review_date', sa.Date(), nullable=True),
        sa.Column('next_run_at', claims_db.base.UTCDateTime(), nullable=True),
        sa.Column('last_run_at', claims_db.base.UTCDateTime(), nullable=True),
        sa.Column('created_at', claims_db.base.UTCDateTime(), nullable=False),
        sa.Column('updated_at', claims_db.base.UTCDateTime(), nullable=False),
        sa.PrimaryKeyConstraint('id', name=op.f('pk_sources')),
        sa.UniqueConstraint('name', name=op.f('uq_sources_name')),
    )
    op.create_table(
        'source_documents',
        sa.Column('id', sa.Integer(), nullable=False),
        sa.Column('source_id', sa.Integer(), nullable=False),
        sa.Column('url', sa.String(length=2048), nullable=False),
        sa.Column('etag', sa.String(length=512), nullable=True),
        sa.Column('last_modified', sa.String(length=64), nullable=True),
        sa.Column('lastmod', sa.String(length=64), nullable=True),
        sa.Column('content_sha256', sa.String(length=64), nullable=True),
        sa.Column('fetched_at', claims_db.base.UTCDateTime(), nullable=False),
        sa.ForeignKeyConstraint(
            ['source_id'], ['sources.id'],
            name=op.f('fk_source_documents_source_id_sources'), ondelete='CASCADE',
        ),
        sa.PrimaryKeyConstraint('id', name=op.f('pk_source_documents')),
        sa.UniqueConstraint('source_id', 'url', name=op.f('uq_source_documents_source_id_url')),
    )
    op.create_table(
        'source_runs',
        sa.Column('id', sa.Integer(), nullable=False),
        sa.Column('source_id', sa.Integer(), nullable=False),
        *_run_columns(),
        sa.Column('fetched', sa.Integer(), nullable=False),
        sa.Column('not_modified', sa.Integer(), nullable=False),
        sa.Column('added', sa.Integer(), nullable=False),
        sa.Column('updated', sa.Integer(), nullable=False),
        sa.Column('unchanged', sa.Integer(), nullable=False),
        sa.Column('rejected', sa.Integer(), nullable=False),
        sa.Column('rejections', sa.JSON(), nullable=False),
        sa.Column('errors', sa.JSON(), nullable=False),
        sa.Column('error', sa.Text(), nullable=True),
        sa.ForeignKeyConstraint(
            ['source_id'], ['sources.id'],
            name=op.f('fk_source_runs_source_id_sources'), ondelete='CASCADE',
        ),
        sa.PrimaryKeyConstraint('id', name=op.f('pk_source_runs')),
    )
    op.create_index(
        'ix_source_runs_source_id_started_at', 'source_runs', ['source_id', 'started_at']
    )
    op.create_table(
        'feeds',
        sa.Column('id', sa.Integer(), nullable=False),
        sa.Column('name', sa.String(length=128), nullable=False),
        sa.Column('url', sa.String(length=2048), nullable=False),
        sa.Column('kind', sa.String(length=16), nullable=False),
        sa.Column('language', sa.String(length=16), nullable=True),
        sa.Column('interval_minutes', sa.Integer(), nullable=False),
        sa.Column('enabled', sa.Boolean(), nullable=False),
        sa.Column('etag', sa.String(length=512), nullable=True),
        sa.Column('last_modified', sa.String(length=64), nullable=True),
        sa.Column('next_run_at', claims_db.base.UTCDateTime(), nullable=True),
        sa.Column('last_run_at', claims_db.base.UTCDateTime(), nullable=True),
        sa.Column('created_at', claims_db.base.UTCDateTime(), nullable=False),
        sa.Column('updated_at', claims_db.base.UTCDateTime(), nullable=False),
        sa.PrimaryKeyConstraint('id', name=op.f('pk_feeds')),
        sa.UniqueConstraint('name', name=op.f('uq_feeds_name')),
    )
    op.create_table(
        'feed_runs',
        sa.Column('id', sa.Integer(), nullable=False),
        sa.Column('feed_id', sa.Integer(), nullable=False),
        *_run_columns(),
        sa.Column('not_modified', sa.Boolean(), nullable=False),
        sa.Column('entries', sa.Integer(), nullable=False),
        sa.Column('new_items', sa.Integer(), nullable=False),
        sa.Column('error', sa.Text(), nullable=True),
        sa.ForeignKeyConstraint(
            ['feed_id'], ['feeds.id'], name=op.f('fk_feed_runs_feed_id_feeds'), ondelete='CASCADE'
        ),
        sa.PrimaryKeyConstraint('id', name=op.f('pk_feed_runs')),
    )
    op.create_index('ix_feed_runs_feed_id_started_at', 'feed_runs', ['feed_id', 'started_at'])
    op.create_table(
        'feed_items',
        sa.Column('id', sa.Integer(), nullable=False),
        sa.Column('feed_id', sa.Integer(), nullable=False),
        sa.Column('key', sa.String(length=64), nullable=False),
        sa.Column('url', sa.String(length=2048), nullable=False),
        sa.Column('title', sa.Text(), nullable=True),
        sa.Column('published_at', claims_db.base.UTCDateTime(), nullable=True),
        sa.Column('status', sa.String(length=16), nullable=False),
        sa.Column('attempts', sa.Integer(), nullable=False),
        sa.Column('next_attempt_at', claims_db.base.UTCDateTime(), nullable=True),
        sa.Column('queued_at', claims_db.base.UTCDateTime(), nullable=True),
        sa.Column('error', sa.Text(), nullable=True),
        sa.Column('article_id', sa.Integer(), nullable=True),
        sa.Column('sentences', sa.Integer(), nullable=True),
        sa.Column('flagged', sa.Integer(), nullable=True),
        sa.Column('discovered_at', claims_db.base.UTCDateTime(), nullable=False),
        sa.Column('analysed_at', claims_db.base.UTCDateTime(), nullable=True),
        sa.ForeignKeyConstraint(
            ['article_id'], ['articles.id'],
            name=op.f('fk_feed_items_article_id_articles'), ondelete='SET NULL',
        ),
        sa.ForeignKeyConstraint(
            ['feed_id'], ['feeds.id'], name=op.f('fk_feed_items_feed_id_feeds'), ondelete='CASCADE'
        ),
        sa.PrimaryKeyConstraint('id', name=op.f('pk_feed_items')),
        sa.UniqueConstraint('feed_id', 'key', name=op.f('uq_feed_items_feed_id_key')),
    )
    op.create_index(
        'ix_feed_items_status_next_attempt_at', 'feed_items', ['status', 'next_attempt_at']
    )
    if op.get_bind().dialect.name == 'postgresql':
        from procrastinate.schema import SchemaManager

        # Executed as one script through the driver (no bind parameters: '%' stays as is).
        op.get_bind().exec_driver_sql(SchemaManager.get_schema().replace('%', '%%'))


def downgrade() -> None:
    if op.get_bind().dialect.name == 'postgresql':
        op.execute(
            """
            DROP TABLE IF EXISTS procrastinate_events, procrastinate_periodic_defers,
                procrastinate_jobs, procrastinate_workers CASCADE;
            DO $$
            DECLARE signature text;
            BEGIN
                FOR signature IN
                    SELECT p.oid::regprocedure::text FROM pg_proc p
                    JOIN pg_namespace n ON n.oid = p.pronamespace
                    WHERE n.nspname = current_schema() AND p.proname LIKE 'procrastinate\\_%'
                LOOP
                    EXECUTE 'DROP FUNCTION IF EXISTS ' || signature || ' CASCADE';
                END LOOP;
            END $$;
            DROP TYPE IF EXISTS procrastinate_job_to_defer_v1, procrastinate_job_event_type,
                procrastinate_job_status CASCADE;
            """
        )
    op.drop_index('ix_feed_items_status_next_attempt_at', table_name='feed_items')
    op.drop_table('feed_items')
    op.drop_index('ix_feed_runs_feed_id_started_at', table_name='feed_runs')
    op.drop_table('feed_runs')
    op.drop_table('feeds')
    op.drop_index('ix_source_runs_source_id_started_at', table_name='source_runs')
    op.drop_table('source_runs')
    op.drop_table('source_documents')
    op.drop_table('sources')
