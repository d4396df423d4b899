"""fact-check headlines

Revision ID: 0013
Revises: 0012
Create Date: 2026-12-06

``fact_checks.title``: the headline of the fact-check's article ("Did Jane Fonda Say
COVID-19 Was 'God's Gift to the Left'?"), when the source gives one. A fact-check's stored
vector is its claim's embedding moved towards its headline's
(``models.embedding.fact_check_vectors``). Existing rows start without a headline, so
their vectors stay as they are; re-importing a source that carries headlines fills them
and re-embeds those rows.
"""

from __future__ import annotations

import sqlalchemy as sa
from alembic import op

revision = "0013"
down_revision = "0012"
branch_labels = None
depends_on = None


def upgrade() -> None:
    op.add_column("fact_checks", sa.Column("title", sa.Text(), nullable=True))


def downgrade() -> None:
    # A plain DROP COLUMN (SQLite 3.35+): a batch rebuild of fact_checks would drop its
    # triggers and its AUTOINCREMENT counter (migrations 0004 and 0011).
    op.drop_column("fact_checks", "title")
