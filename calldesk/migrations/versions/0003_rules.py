"""calling rules: business lines, closed days, the compliance ledger

Revision ID: 0003_rules
Revises: 0002
"""

from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op

import calldesk.models

revision: str = "0003_rules"
down_revision: str | None = "0002"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None


def upgrade() -> None:
    with op.batch_alter_table("phones", schema=None) as batch_op:
        batch_op.add_column(
            sa.Column("business", sa.Boolean(), server_default=sa.false(), nullable=False)
        )
    op.create_table(
        "closed_days",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("country", sa.String(length=2), nullable=False),
        sa.Column("state", sa.String(length=3), nullable=True),
        sa.Column("day", sa.Date(), nullable=False),
        sa.Column("reason", sa.String(length=300), nullable=False),
        sa.Column("source", sa.String(length=500), nullable=False),
        sa.Column("added_by", sa.String(length=120), nullable=True),
        sa.Column("added_at", calldesk.models.UTCDateTime(), nullable=False),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_closed_days")),
    )
    op.create_index("ix_closed_days_day", "closed_days", ["day"], unique=False)
    op.create_table(
        "rule_ledger",
        sa.Column("attempt_id", sa.Integer(), autoincrement=False, nullable=False),
        sa.Column("decided_at", calldesk.models.UTCDateTime(), nullable=False),
        sa.Column("allowed", sa.Boolean(), nullable=False),
        sa.Column("rep", sa.String(length=120), nullable=True),
        sa.Column("override_by", sa.String(length=120), nullable=True),
        sa.Column("override_reason", sa.Text(), nullable=True),
        sa.Column("number", sa.String(length=40), nullable=True),
        sa.Column("line", sa.String(length=10), nullable=False),
        sa.Column("locale_key", sa.String(length=300), nullable=True),
        sa.Column("local_time", sa.String(length=200), nullable=True),
        sa.Column("packs", sa.String(length=200), nullable=True),
        sa.Column("registry_copy", sa.Text(), nullable=True),
        sa.Column("decision", sa.JSON(), nullable=True),
        sa.ForeignKeyConstraint(
            ["attempt_id"],
            ["attempts.id"],
            name=op.f("fk_rule_ledger_attempt_id_attempts"),
            ondelete="CASCADE",
        ),
        sa.PrimaryKeyConstraint("attempt_id", name=op.f("pk_rule_ledger")),
    )
    op.create_index("ix_rule_ledger_decided", "rule_ledger", ["decided_at"], unique=False)


def downgrade() -> None:
    op.drop_index("ix_rule_ledger_decided", table_name="rule_ledger")
    op.drop_table("rule_ledger")
    op.drop_index("ix_closed_days_day", table_name="closed_days")
    op.drop_table("closed_days")
    with op.batch_alter_table("phones", schema=None) as batch_op:
        batch_op.drop_column("business")
