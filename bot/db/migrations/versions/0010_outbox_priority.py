"""Outbox priority: a person's click-driven notice is sent before queued bulk work.

- outbox_messages: priority (0 bulk, 1 interactive; see bot.outbox), and an index on
  (priority, status, not_before) so each lane's due rows are found in order.

Revision ID: 0010_outbox_priority
Revises: 0009_scheduler_lease
Create Date: 2026-12-06

Written by hand, checked with autogenerate (no diff against the models).
"""

from __future__ import annotations

from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op

revision: str = "0010_outbox_priority"
down_revision: str | Sequence[str] | None = "0009_scheduler_lease"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None

# If SQLite rebuilds the table, keep AUTOINCREMENT (ids never reused) on the copy.
_KEEP_IDS = {"sqlite_autoincrement": True}


def upgrade() -> None:
    with op.batch_alter_table("outbox_messages", schema=None, table_kwargs=_KEEP_IDS) as batch_op:
        batch_op.add_column(
            sa.Column("priority", sa.SmallInteger(), server_default="0", nullable=False)
        )
        batch_op.create_index(
            batch_op.f("ix_outbox_messages_priority_status_not_before"),
            ["priority", "status", "not_before"],
        )


def downgrade() -> None:
    with op.batch_alter_table("outbox_messages", schema=None, table_kwargs=_KEEP_IDS) as batch_op:
        batch_op.drop_index(batch_op.f("ix_outbox_messages_priority_status_not_before"))
        batch_op.drop_column("priority")
