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
    op.drop_index("ix_contacts_grade_stage", table_name="contacts")
    op.create_index(
        "ix_contacts_grade_stage",
        "contacts",
        ["grade", "stage"],
        unique=False,
        sqlite_where=sa.text("grade IS NOT NULL"),
        postgresql_where=sa.text("grade IS NOT NULL"),
    )


def downgrade() -> None:
    op.drop_index("ix_contacts_grade_stage", table_name="contacts")
    op.create_index("ix_contacts_grade_stage", "contacts", ["grade", "stage"], unique=False)
