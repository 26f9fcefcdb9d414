"""importer: contacts.external_id (the vendor's or CRM's record id); who a rejected row is

Revision ID: 0003_importer
Revises: 0002
"""

from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op

revision: str = "0003_importer"
down_revision: str | None = "0002"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None


def upgrade() -> None:
    with op.batch_alter_table("contacts", schema=None) as batch_op:
        batch_op.add_column(sa.Column("external_id", sa.String(length=200), nullable=True))
    with op.batch_alter_table("import_errors", schema=None) as batch_op:
        batch_op.add_column(sa.Column("name", sa.String(length=250), nullable=True))
        batch_op.add_column(sa.Column("company", sa.String(length=300), nullable=True))
        batch_op.add_column(sa.Column("external_id", sa.String(length=200), nullable=True))


def downgrade() -> None:
    with op.batch_alter_table("import_errors", schema=None) as batch_op:
        batch_op.drop_column("external_id")
        batch_op.drop_column("company")
        batch_op.drop_column("name")
    with op.batch_alter_table("contacts", schema=None) as batch_op:
        batch_op.drop_column("external_id")
