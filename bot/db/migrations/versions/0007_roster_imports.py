"""Roster imports as rows, so an import outlives the process that started it.

- roster_imports: who asked, which file (Slack's id and name; never its contents or any
  email), queued / running / done / failed, the worker's claim and the report's counts.

Revision ID: 0007_roster_imports
Revises: 0006_coordinators
Create Date: 2026-12-06

Written from autogenerate's output and read through.
"""

from __future__ import annotations

from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op
from sqlalchemy.dialects import postgresql

revision: str = "0007_roster_imports"
down_revision: str | Sequence[str] | None = "0006_coordinators"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None

_STATUSES = ("queued", "running", "done", "failed")


def upgrade() -> None:
    op.create_table(
        "roster_imports",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("team_id", sa.String(length=32), nullable=False),
        sa.Column("requested_by", sa.String(length=32), nullable=False),
        sa.Column("file_id", sa.String(length=64), nullable=False),
        sa.Column("file_name", sa.String(length=255), nullable=False),
        sa.Column("via", sa.String(length=16), nullable=False),
        sa.Column(
            "status",
            sa.Enum(
                *_STATUSES, name="status", native_enum=False, create_constraint=True, length=32
            ),
            server_default="queued",
            nullable=False,
        ),
        sa.Column("attempts", sa.Integer(), server_default="0", nullable=False),
        sa.Column("claimed_by", sa.String(length=128), nullable=True),
        sa.Column("claimed_at", sa.DateTime(timezone=True), nullable=True),
        sa.Column(
            "report",
            sa.JSON(none_as_null=True).with_variant(
                postgresql.JSONB(none_as_null=True, astext_type=sa.Text()), "postgresql"
            ),
            nullable=True,
        ),
        sa.Column(
            "created_at", sa.DateTime(timezone=True), server_default=sa.func.now(), nullable=False
        ),
        sa.Column("finished_at", sa.DateTime(timezone=True), nullable=True),
        sa.CheckConstraint("attempts >= 0", name=op.f("ck_roster_imports_attempts_not_negative")),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_roster_imports")),
        sqlite_autoincrement=True,
    )
    with op.batch_alter_table("roster_imports", schema=None) as batch_op:
        batch_op.create_index(batch_op.f("ix_roster_imports_status"), ["status"], unique=False)


def downgrade() -> None:
    with op.batch_alter_table("roster_imports", schema=None) as batch_op:
        batch_op.drop_index(batch_op.f("ix_roster_imports_status"))
    op.drop_table("roster_imports")
