"""Check-ins that moved: checkins.moved_to, the day one of the pair moved the meeting to.

The pair's later check-ins are counted from that day instead of the kickoff (see
bot.checkins), so the column is the anchor of the schedule, not only a record.
Asking the coordinators for help needs no table: it is an audit entry.

Revision ID: 0004_checkin_help
Revises: 0003_checkins
Create Date: 2026-12-01

Generated with autogenerate and read through.
"""

from __future__ import annotations

from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op

revision: str = "0004_checkin_help"
down_revision: str | Sequence[str] | None = "0003_checkins"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None


# If SQLite rebuilds the table, keep AUTOINCREMENT (ids never reused) on the copy.
_KEEP_IDS = {"sqlite_autoincrement": True}


def upgrade() -> None:
    with op.batch_alter_table("checkins", schema=None, table_kwargs=_KEEP_IDS) as batch_op:
        batch_op.add_column(sa.Column("moved_to", sa.Date(), nullable=True))


def downgrade() -> None:
    with op.batch_alter_table("checkins", schema=None, table_kwargs=_KEEP_IDS) as batch_op:
        batch_op.drop_column("moved_to")
