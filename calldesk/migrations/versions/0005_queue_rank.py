"""queue_rank: engagement before the sprint's deadline (the hottest of every sprint first)

Data only: every stored rank is recomputed with calldesk.campaigns.queue_rank's layout
(tier 10**15, priority 10**9, engagement 10**5, deadline day since 2000-01-01 in the units),
from the columns each contact already holds, so old and new ranks never mix in one queue.

Revision ID: 0005_queue_rank
Revises: 0004_importer
"""

from collections.abc import Sequence

from alembic import op

revision: str = "0005_queue_rank"
down_revision: str | None = "0004_importer"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None


def _rank_sql(day: str, low: str, high: str) -> str:
    priority = f"{high}({low}(COALESCE(priority, 0), 99999), -99999)"
    engagement = f"{high}({low}(COALESCE(engagement, 0), 9999), 0)"
    deadline = (
        "CASE WHEN tier = 1 THEN COALESCE((SELECT "
        f"{high}({low}({day}, 99998), 0) FROM campaigns WHERE campaigns.id = contacts.campaign_id"
        "), 99999) ELSE 0 END"
    )
    return (
        f"UPDATE contacts SET queue_rank = tier * 1000000000000000 - {priority} * 1000000000 "
        f"- {engagement} * 100000 + {deadline}"
    )


def upgrade() -> None:
    if op.get_bind().dialect.name == "sqlite":
        day = "CAST(julianday(campaigns.deadline) - julianday('2000-01-01') AS INTEGER)"
        op.execute(_rank_sql(day, "min", "max"))
    else:
        day = "(campaigns.deadline - DATE '2000-01-01')"
        op.execute(_rank_sql(day, "LEAST", "GREATEST"))


def downgrade() -> None:
    # The old layout (deadline before engagement) is not restored: ranks stay valid, only the
    # order among sprints differs.
    pass
