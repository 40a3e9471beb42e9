"""Partial indexes for the due-work job's looks at the few waiting mentees and at-risk pairs.

- enrollments.waiting_since (new) and mentorships.at_risk_since (was a full index): each
  tick asks for the rows where they are set. Without statistics SQLite's planner judged
  "IS NOT NULL" unselective and read every row instead (about 12-15 ms each at 100,000
  pairs, half of a tick that finds nothing due); an index of only those rows it takes.

Additive in effect: old processes keep working while it runs (the at-risk index is
replaced by a smaller one on the same column).

Revision ID: 0011_due_work_indexes
Revises: 0010_outbox_priority
Create Date: 2026-12-06

Written by hand, checked with autogenerate (no diff against the models).
"""

from __future__ import annotations

from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op

revision: str = "0011_due_work_indexes"
down_revision: str | Sequence[str] | None = "0010_outbox_priority"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None

_WAITING = sa.text("waiting_since IS NOT NULL")
_AT_RISK = sa.text("at_risk_since IS NOT NULL")


def upgrade() -> None:
    op.create_index(
        "ix_enrollments_waiting_since",
        "enrollments",
        ["waiting_since"],
        sqlite_where=_WAITING,
        postgresql_where=_WAITING,
    )
    op.drop_index("ix_mentorships_at_risk_since", table_name="mentorships")
    op.create_index(
        "ix_mentorships_at_risk_since",
        "mentorships",
        ["at_risk_since"],
        sqlite_where=_AT_RISK,
        postgresql_where=_AT_RISK,
    )


def downgrade() -> None:
    op.drop_index("ix_mentorships_at_risk_since", table_name="mentorships")
    op.create_index("ix_mentorships_at_risk_since", "mentorships", ["at_risk_since"])
    op.drop_index("ix_enrollments_waiting_since", table_name="enrollments")
