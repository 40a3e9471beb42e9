"""A pair's life after the intro: goals and their progress, help requests, calendar
events, follow-ups, end of term, snooze, and the DM channel cache.

- goals.status: not_started / on_track / done / dropped (was open / done / dropped;
  open rows become not_started); goals.updated_at; goal_updates, each status report.
- help_requests: "Need help" from a prompt, open until a coordinator marks it handled.
- calendar_events: one .ics event per pair and period (a stable UID, a SEQUENCE).
- mentorships: anchor_period / anchor_on (a cadence change re-anchors the schedule),
  at_risk_since, goals_review_at, term / term_ends_on / term_asked_at.
- feedback: fit (1-5), term, continue_term; one answer per author, kind and term.
- people: snoozed_until, dm_channel_id.

Revision ID: 0005_pair_life
Revises: 0004_checkin_help
Create Date: 2026-12-06

Generated with autogenerate and read through; the CHECKs and the goal status
rewrite are by hand (autogenerate compares neither).
"""

from __future__ import annotations

from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op

revision: str = "0005_pair_life"
down_revision: str | Sequence[str] | None = "0004_checkin_help"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None


# If SQLite rebuilds the table, keep AUTOINCREMENT (ids never reused) on the copy.
_KEEP_IDS = {"sqlite_autoincrement": True}
_GOAL_STATUSES = ("not_started", "on_track", "done", "dropped")
_OLD_GOAL_STATUSES = ("open", "done", "dropped")


def _enum(name: str, *values: str) -> sa.Enum:
    return sa.Enum(*values, name=name, native_enum=False, create_constraint=True, length=32)


def _in(column: str, values: Sequence[str]) -> str:
    return f"{column} IN (" + ", ".join(f"'{v}'" for v in values) + ")"


def _timestamp(name: str, *, now: bool = False) -> sa.Column:
    if now:
        return sa.Column(
            name, sa.DateTime(timezone=True), server_default=sa.func.now(), nullable=False
        )
    return sa.Column(name, sa.DateTime(timezone=True), nullable=True)


def upgrade() -> None:
    _goal_statuses(_OLD_GOAL_STATUSES, _GOAL_STATUSES, {"open": "not_started"})
    with op.batch_alter_table("goals", schema=None, table_kwargs=_KEEP_IDS) as batch_op:
        batch_op.add_column(_timestamp("updated_at", now=True))

    op.create_table(
        "goal_updates",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("goal_id", sa.Integer(), nullable=False),
        sa.Column("checkin_id", sa.Integer(), nullable=True),
        sa.Column("author_id", sa.Integer(), nullable=True),
        sa.Column("status", _enum("status", *_GOAL_STATUSES), nullable=False),
        _timestamp("created_at", now=True),
        sa.ForeignKeyConstraint(
            ["goal_id"],
            ["goals.id"],
            name=op.f("fk_goal_updates_goal_id_goals"),
            ondelete="CASCADE",
        ),
        sa.ForeignKeyConstraint(
            ["checkin_id"],
            ["checkins.id"],
            name=op.f("fk_goal_updates_checkin_id_checkins"),
            ondelete="SET NULL",
        ),
        sa.ForeignKeyConstraint(
            ["author_id"],
            ["people.id"],
            name=op.f("fk_goal_updates_author_id_people"),
            ondelete="SET NULL",
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_goal_updates")),
        sqlite_autoincrement=True,
    )
    op.create_index(op.f("ix_goal_updates_goal_id"), "goal_updates", ["goal_id"])

    op.create_table(
        "help_requests",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("team_id", sa.String(length=32), nullable=False),
        sa.Column("mentorship_id", sa.Integer(), nullable=False),
        sa.Column("checkin_id", sa.Integer(), nullable=True),
        sa.Column("asker_id", sa.Integer(), nullable=True),
        sa.Column("text", sa.Text(), nullable=True),
        _timestamp("created_at", now=True),
        _timestamp("handled_at"),
        sa.Column("handled_by", sa.String(length=32), nullable=True),
        sa.ForeignKeyConstraint(
            ["mentorship_id"],
            ["mentorships.id"],
            name=op.f("fk_help_requests_mentorship_id_mentorships"),
            ondelete="CASCADE",
        ),
        sa.ForeignKeyConstraint(
            ["checkin_id"],
            ["checkins.id"],
            name=op.f("fk_help_requests_checkin_id_checkins"),
            ondelete="SET NULL",
        ),
        sa.ForeignKeyConstraint(
            ["asker_id"],
            ["people.id"],
            name=op.f("fk_help_requests_asker_id_people"),
            ondelete="SET NULL",
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_help_requests")),
        sqlite_autoincrement=True,
    )
    op.create_index(op.f("ix_help_requests_mentorship_id"), "help_requests", ["mentorship_id"])
    op.create_index(
        op.f("ix_help_requests_team_id_handled_at"), "help_requests", ["team_id", "handled_at"]
    )

    op.create_table(
        "calendar_events",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("mentorship_id", sa.Integer(), nullable=False),
        sa.Column("period", sa.Integer(), nullable=False),
        sa.Column("uid", sa.String(length=255), nullable=False),
        sa.Column("sequence", sa.Integer(), server_default="0", nullable=False),
        _timestamp("starts_at"),
        _timestamp("created_at", now=True),
        _timestamp("updated_at", now=True),
        sa.CheckConstraint("sequence >= 0", name=op.f("ck_calendar_events_sequence_not_negative")),
        sa.ForeignKeyConstraint(
            ["mentorship_id"],
            ["mentorships.id"],
            name=op.f("fk_calendar_events_mentorship_id_mentorships"),
            ondelete="CASCADE",
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_calendar_events")),
        sa.UniqueConstraint(
            "mentorship_id", "period", name=op.f("uq_calendar_events_mentorship_id_period")
        ),
        sa.UniqueConstraint("uid", name=op.f("uq_calendar_events_uid")),
        sqlite_autoincrement=True,
    )

    with op.batch_alter_table("mentorships", schema=None, table_kwargs=_KEEP_IDS) as batch_op:
        batch_op.add_column(sa.Column("anchor_period", sa.Integer(), nullable=True))
        batch_op.add_column(sa.Column("anchor_on", sa.Date(), nullable=True))
        batch_op.add_column(_timestamp("at_risk_since"))
        batch_op.add_column(_timestamp("goals_review_at"))
        batch_op.add_column(sa.Column("term", sa.Integer(), server_default="1", nullable=False))
        batch_op.add_column(sa.Column("term_ends_on", sa.Date(), nullable=True))
        batch_op.add_column(_timestamp("term_asked_at"))
        batch_op.create_index(batch_op.f("ix_mentorships_at_risk_since"), ["at_risk_since"])
        batch_op.create_index(batch_op.f("ix_mentorships_goals_review_at"), ["goals_review_at"])
        batch_op.create_index(batch_op.f("ix_mentorships_term_ends_on"), ["term_ends_on"])

    with op.batch_alter_table("feedback", schema=None, table_kwargs=_KEEP_IDS) as batch_op:
        batch_op.add_column(sa.Column("fit", sa.Integer(), nullable=True))
        batch_op.add_column(sa.Column("term", sa.Integer(), nullable=True))
        batch_op.add_column(sa.Column("continue_term", sa.Boolean(), nullable=True))
        batch_op.create_check_constraint(
            op.f("ck_feedback_fit_range"), "fit IS NULL OR (fit >= 1 AND fit <= 5)"
        )
        batch_op.create_unique_constraint(
            batch_op.f("uq_feedback_mentorship_id_author_id_kind_term"),
            ["mentorship_id", "author_id", "kind", "term"],
        )

    with op.batch_alter_table("people", schema=None, table_kwargs=_KEEP_IDS) as batch_op:
        batch_op.add_column(_timestamp("snoozed_until"))
        batch_op.add_column(sa.Column("dm_channel_id", sa.String(length=32), nullable=True))


def downgrade() -> None:
    with op.batch_alter_table("people", schema=None, table_kwargs=_KEEP_IDS) as batch_op:
        batch_op.drop_column("dm_channel_id")
        batch_op.drop_column("snoozed_until")

    with op.batch_alter_table("feedback", schema=None, table_kwargs=_KEEP_IDS) as batch_op:
        batch_op.drop_constraint(
            batch_op.f("uq_feedback_mentorship_id_author_id_kind_term"), type_="unique"
        )
        batch_op.drop_constraint(op.f("ck_feedback_fit_range"), type_="check")
        batch_op.drop_column("continue_term")
        batch_op.drop_column("term")
        batch_op.drop_column("fit")

    with op.batch_alter_table("mentorships", schema=None, table_kwargs=_KEEP_IDS) as batch_op:
        batch_op.drop_index(batch_op.f("ix_mentorships_term_ends_on"))
        batch_op.drop_index(batch_op.f("ix_mentorships_goals_review_at"))
        batch_op.drop_index(batch_op.f("ix_mentorships_at_risk_since"))
        for column in (
            "term_asked_at",
            "term_ends_on",
            "term",
            "goals_review_at",
            "at_risk_since",
            "anchor_on",
            "anchor_period",
        ):
            batch_op.drop_column(column)

    op.drop_table("calendar_events")
    op.drop_index(op.f("ix_help_requests_team_id_handled_at"), table_name="help_requests")
    op.drop_index(op.f("ix_help_requests_mentorship_id"), table_name="help_requests")
    op.drop_table("help_requests")
    op.drop_index(op.f("ix_goal_updates_goal_id"), table_name="goal_updates")
    op.drop_table("goal_updates")

    with op.batch_alter_table("goals", schema=None, table_kwargs=_KEEP_IDS) as batch_op:
        batch_op.drop_column("updated_at")
    _goal_statuses(_GOAL_STATUSES, _OLD_GOAL_STATUSES, {"not_started": "open", "on_track": "open"})


def _goal_statuses(old: Sequence[str], new: Sequence[str], renamed: dict[str, str]) -> None:
    """Swap the goals.status CHECK for one listing `new`, rewriting renamed values."""
    with op.batch_alter_table("goals", schema=None, table_kwargs=_KEEP_IDS) as batch_op:
        batch_op.drop_constraint(op.f("ck_goals_status"), type_="check")
    goals = sa.table("goals", sa.column("status", sa.String))
    for before, after in renamed.items():
        op.execute(goals.update().where(goals.c.status == before).values(status=after))
    default = new[0]
    with op.batch_alter_table("goals", schema=None, table_kwargs=_KEEP_IDS) as batch_op:
        batch_op.alter_column(
            "status",
            existing_type=sa.String(length=32),
            server_default=default,
            existing_nullable=False,
        )
        batch_op.create_check_constraint(op.f("ck_goals_status"), _in("status", new))
