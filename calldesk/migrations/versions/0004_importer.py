"""importer: contacts.external_id (the vendor's or CRM's record id); who a rejected row is;
rows tagged with the import run that added them; import run heartbeat

Revision ID: 0004_importer
Revises: 0003_rules
"""

from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op

import calldesk.models

revision: str = "0004_importer"
down_revision: str | None = "0003_rules"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None


TAGGED = ("contacts", "phones", "emails", "list_members", "event_engagements", "companies")


def upgrade() -> None:
    with op.batch_alter_table("contacts", schema=None) as batch_op:
        batch_op.add_column(sa.Column("external_id", sa.String(length=200), nullable=True))
    # Rows an import adds carry its run id: removed if the run is cancelled or fails.
    for table in TAGGED:
        with op.batch_alter_table(table, schema=None) as batch_op:
            batch_op.add_column(sa.Column("import_run_id", sa.Integer(), nullable=True))
    with op.batch_alter_table("import_runs", schema=None) as batch_op:
        batch_op.add_column(sa.Column("heartbeat_at", calldesk.models.UTCDateTime(), nullable=True))
    with op.batch_alter_table("import_errors", schema=None) as batch_op:
        batch_op.add_column(sa.Column("name", sa.String(length=250), nullable=True))
        batch_op.add_column(sa.Column("company", sa.String(length=300), nullable=True))
        batch_op.add_column(sa.Column("external_id", sa.String(length=200), nullable=True))


def downgrade() -> None:
    with op.batch_alter_table("import_runs", schema=None) as batch_op:
        batch_op.drop_column("heartbeat_at")
    for table in reversed(TAGGED):
        with op.batch_alter_table(table, schema=None) as batch_op:
            batch_op.drop_column("import_run_id")
    with op.batch_alter_table("import_errors", schema=None) as batch_op:
        batch_op.drop_column("external_id")
        batch_op.drop_column("company")
        batch_op.drop_column("name")
    with op.batch_alter_table("contacts", schema=None) as batch_op:
        batch_op.drop_column("external_id")
