"""The grade index holds graded contacts only

``ix_contacts_grade_stage`` served look-ups of given grades (the export's, the forgotten-leads
report's ``grade IN (...)``), which never match a contact without a grade; yet every contact
had an entry, and a big import built a million of them. Now partial: ``WHERE grade IS NOT
NULL``, which those look-ups imply, so they use it as before.

Revision ID: 0007_graded_index
Revises: 0006_attempt_indexes
"""

from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op

revision: str = "0007_graded_index"
down_revision: str | None = "0006_attempt_indexes"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None


def upgrade() -> None:
    bind = op.get_bind()
    # SQLite drops an index's planner statistics with it: a store that had them gets the new
    # index's (without, the planner would take the index for look-ups it does not suit, such
    # as the export's id-ordered chunks when most contacts are graded).
    analyzed = (
        bind.dialect.name == "sqlite"
        and bind.exec_driver_sql(
            "SELECT 1 FROM sqlite_master WHERE type = 'table' AND name = 'sqlite_stat1'"
        ).first()
        is not None
        and bind.exec_driver_sql(
            "SELECT 1 FROM sqlite_stat1 WHERE idx = 'ix_contacts_grade_stage'"
        ).first()
        is not None
    )
    op.drop_index("ix_contacts_grade_stage", table_name="contacts")
    op.create_index(
        "ix_contacts_grade_stage",
        "contacts",
        ["grade", "stage"],
        unique=False,
        sqlite_where=sa.text("grade IS NOT NULL"),
        postgresql_where=sa.text("grade IS NOT NULL"),
    )
    if analyzed:
        op.execute("ANALYZE ix_contacts_grade_stage")


def downgrade() -> None:
    op.drop_index("ix_contacts_grade_stage", table_name="contacts")
    op.create_index("ix_contacts_grade_stage", "contacts", ["grade", "stage"], unique=False)
