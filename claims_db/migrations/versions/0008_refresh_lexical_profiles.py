"""lexical profiles rewritten under a fingerprint that is the same in every process

Revision ID: 0008
Revises: 0007
Create Date: 2026-12-03

Migration 0007 stored each claim's lexical profile under a tokeniser fingerprint
(``models.retrieval.profile_version``). That fingerprint included the address of a
function object, so it differed from one process to the next: every profile stored by one
process was rejected by the others, which recomputed it on each search. The fingerprint is
now stable; this rewrites every stored profile that does not carry it. Data only: the
schema does not change, and downgrading leaves the (still valid) profiles in place.
"""
from __future__ import annotations

from alembic import op

revision = '0008'
down_revision = '0007'
branch_labels = None
depends_on = None


def upgrade() -> None:
    from claims_db.ingest import refresh_lexical_profiles

    refresh_lexical_profiles(op.get_bind())


def downgrade() -> None:
    pass
