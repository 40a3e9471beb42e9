"""Coordinators' tools: granted coordinators, cohort settings, announcements by audience.

- coordinators: people a coordinator granted the right in Slack (MENTORBOT_ADMINS need no row).
- programs (cohorts): objective, enrollment_open, announcement_channel_id.
- announcements: audience (a channel, or a cohort's participants / mentors / mentees by DM),
  milestone (kickoff / midterm / closing, one each per cohort), recipients, reported_at;
  channel_id only for channel posts; status gains `sending` (its DMs are in the outbox).

Revision ID: 0006_coordinators
Revises: 0005_pair_life
Create Date: 2026-12-06

Generated with autogenerate and read through; the CHECKs are by hand.
"""

from __future__ import annotations

from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op

revision: str = "0006_coordinators"
down_revision: str | Sequence[str] | None = "0005_pair_life"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None


# If SQLite rebuilds the table, keep AUTOINCREMENT (ids never reused) on the copy.
_KEEP_IDS = {"sqlite_autoincrement": True}
_STATUSES = ("draft", "scheduled", "sending", "sent", "failed", "cancelled")
_OLD_STATUSES = ("draft", "scheduled", "sent", "failed", "cancelled")
_AUDIENCES = ("channel", "cohort", "cohort_mentors", "cohort_mentees")
_MILESTONES = ("kickoff", "midterm", "closing")


def _enum(name: str, *values: str) -> sa.Enum:
    return sa.Enum(*values, name=name, native_enum=False, create_constraint=True, length=32)


def _in(column: str, values: Sequence[str]) -> str:
    return f"{column} IN (" + ", ".join(f"'{v}'" for v in values) + ")"


def upgrade() -> None:
    op.create_table(
        "coordinators",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("team_id", sa.String(length=32), nullable=False),
        sa.Column("slack_user_id", sa.String(length=32), nullable=False),
        sa.Column("granted_by", sa.String(length=32), nullable=False),
        sa.Column(
            "created_at", sa.DateTime(timezone=True), server_default=sa.func.now(), nullable=False
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_coordinators")),
        sa.UniqueConstraint(
            "team_id", "slack_user_id", name=op.f("uq_coordinators_team_id_slack_user_id")
        ),
        sqlite_autoincrement=True,
    )

    with op.batch_alter_table("programs", schema=None, table_kwargs=_KEEP_IDS) as batch_op:
        batch_op.add_column(sa.Column("objective", sa.String(length=200), nullable=True))
        batch_op.add_column(
            sa.Column("enrollment_open", sa.Boolean(), server_default=sa.true(), nullable=False)
        )
        batch_op.add_column(
            sa.Column("announcement_channel_id", sa.String(length=32), nullable=True)
        )

    with op.batch_alter_table("announcements", schema=None, table_kwargs=_KEEP_IDS) as batch_op:
        batch_op.drop_constraint(op.f("ck_announcements_status"), type_="check")
        batch_op.create_check_constraint(op.f("ck_announcements_status"), _in("status", _STATUSES))
        batch_op.add_column(
            sa.Column(
                "audience", _enum("audience", *_AUDIENCES), server_default="channel", nullable=False
            )
        )
        batch_op.add_column(sa.Column("milestone", _enum("milestone", *_MILESTONES), nullable=True))
        batch_op.add_column(sa.Column("recipients", sa.Integer(), nullable=True))
        batch_op.add_column(sa.Column("reported_at", sa.DateTime(timezone=True), nullable=True))
        batch_op.alter_column("channel_id", existing_type=sa.String(length=32), nullable=True)
        batch_op.create_unique_constraint(
            batch_op.f("uq_announcements_program_id_milestone"), ["program_id", "milestone"]
        )
        batch_op.create_check_constraint(
            op.f("ck_announcements_channel_has_channel_id"),
            "audience <> 'channel' OR channel_id IS NOT NULL",
        )


def downgrade() -> None:
    announcements = sa.table("announcements", sa.column("status", sa.String))
    op.execute(
        announcements.update().where(announcements.c.status == "sending").values(status="sent")
    )
    op.execute("DELETE FROM announcements WHERE channel_id IS NULL")
    with op.batch_alter_table("announcements", schema=None, table_kwargs=_KEEP_IDS) as batch_op:
        batch_op.drop_constraint(op.f("ck_announcements_channel_has_channel_id"), type_="check")
        batch_op.drop_constraint(
            batch_op.f("uq_announcements_program_id_milestone"), type_="unique"
        )
        batch_op.alter_column("channel_id", existing_type=sa.String(length=32), nullable=False)
        batch_op.drop_constraint(op.f("ck_announcements_milestone"), type_="check")
        batch_op.drop_constraint(op.f("ck_announcements_audience"), type_="check")
        batch_op.drop_column("reported_at")
        batch_op.drop_column("recipients")
        batch_op.drop_column("milestone")
        batch_op.drop_column("audience")
        batch_op.drop_constraint(op.f("ck_announcements_status"), type_="check")
        batch_op.create_check_constraint(
            op.f("ck_announcements_status"), _in("status", _OLD_STATUSES)
        )

    with op.batch_alter_table("programs", schema=None, table_kwargs=_KEEP_IDS) as batch_op:
        batch_op.drop_column("announcement_channel_id")
        batch_op.drop_column("enrollment_open")
        batch_op.drop_column("objective")

    op.drop_table("coordinators")
