"""language labels stored as ISO 639 codes

Revision ID: 0014
Revises: 0013
Create Date: 2026-12-07

Fact-checks, sources and feeds kept their language as given: a ClaimReview feed's
``inLanguage`` "en-US" or "English" was stored as written, so the fact-check counted as
non-English to the matcher and matched no ``language=en`` filter. Writers now store
``models.language.language_code`` of the label, and this migration reads the stored labels
the same way. A fact-check whose label names no language ("und", "zz") takes the language
detected from its claim, as one written without a label does; a source's or feed's such
label is left as it is and logged (it restricts what they match, and guessing could widen
it). Codes already canonical are not touched, so on a database of detected codes this
changes nothing. The downgrade keeps the codes: they mean what the labels meant.
"""

from __future__ import annotations

import logging

import sqlalchemy as sa
from alembic import op

revision = "0014"
down_revision = "0013"
branch_labels = None
depends_on = None

logger = logging.getLogger("alembic.runtime.migration")


def _labels(connection: sa.Connection, table: str) -> list[str]:
    query = f"SELECT DISTINCT language FROM {table} WHERE language IS NOT NULL"
    return [str(label) for label in connection.execute(sa.text(query)).scalars()]


def upgrade() -> None:
    from models.language import detect_language, language_code

    connection = op.get_bind()
    for label in _labels(connection, "fact_checks"):
        code = language_code(label)
        if code == label:
            continue
        if code is not None:
            connection.execute(
                sa.text("UPDATE fact_checks SET language = :code WHERE language = :label"),
                {"code": code, "label": label},
            )
            continue
        rows = connection.execute(
            sa.text("SELECT id, claim FROM fact_checks WHERE language = :label"),
            {"label": label},
        ).all()
        for row_id, claim in rows:
            connection.execute(
                sa.text("UPDATE fact_checks SET language = :code WHERE id = :id"),
                {"code": detect_language(claim), "id": row_id},
            )
    for table in ("sources", "feeds"):
        for label in _labels(connection, table):
            code = language_code(label)
            if code is None:
                logger.warning("%s: language %r names no language; left as it is", table, label)
            elif code != label:
                connection.execute(
                    sa.text(f"UPDATE {table} SET language = :code WHERE language = :label"),
                    {"code": code, "label": label},
                )


def downgrade() -> None:
    pass
