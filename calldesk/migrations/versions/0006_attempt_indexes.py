"""Two attempts indexes that repeat the start of wider ones are dropped

``ix_attempts_contact_started`` (contact_id, started_at) is the start of
``ix_attempts_report_contact`` and ``ix_attempts_started`` (started_at) the start of
``ix_attempts_report_time``: every look-up they served, the wider index serves the same way,
and every saved call paid for two more index entries.

Revision ID: 0006_attempt_indexes
Revises: 0005_queue_rank
"""

from collections.abc import Sequence

from alembic import op

revision: str = "0006_attempt_indexes"
down_revision: str | None = "0005_queue_rank"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None


def upgrade() -> None:
    op.drop_index("ix_attempts_contact_started", table_name="attempts")
    op.drop_index("ix_attempts_started", table_name="attempts")


def downgrade() -> None:
    op.create_index("ix_attempts_started", "attempts", ["started_at"], unique=False)
    op.create_index(
        "ix_attempts_contact_started", "attempts", ["contact_id", "started_at"], unique=False
    )
