"""Initial schema.

People, programs, enrollments, mentorships and their records, the outbox, the
audit log and processed Slack events.

Revision ID: 0001
Revises:
Create Date: 2026-11-23

Generated with autogenerate, then tidied by hand: index creation outside batch
blocks, one spelling for timestamp defaults, a boolean default that PostgreSQL
accepts, and small local helpers for the repeated column types. The helpers are
frozen here on purpose; later migrations must not import them from the app.
"""

from __future__ import annotations

from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op
from sqlalchemy.dialects import postgresql

revision: str = "0001"
down_revision: str | Sequence[str] | None = None
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None

SLACK_ID = sa.String(length=32)


def _enum(name: str, *values: str) -> sa.Enum:
    # VARCHAR(32) + CHECK named ck_<table>_<name> through the naming convention.
    return sa.Enum(*values, name=name, native_enum=False, create_constraint=True, length=32)


def _json() -> sa.types.TypeEngine[object]:
    return sa.JSON(none_as_null=True).with_variant(
        postgresql.JSONB(none_as_null=True), "postgresql"
    )


def _timestamp(name: str, *, nullable: bool = True) -> sa.Column[object]:
    return sa.Column(name, sa.DateTime(timezone=True), nullable=nullable)


def _timestamp_now(name: str) -> sa.Column[object]:
    return sa.Column(name, sa.DateTime(timezone=True), server_default=sa.func.now(), nullable=False)


CADENCE = ("weekly", "biweekly", "monthly")


def upgrade() -> None:
    op.create_table(
        "people",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("team_id", SLACK_ID, nullable=False),
        sa.Column("slack_user_id", SLACK_ID, nullable=False),
        sa.Column("display_name", sa.String(length=255), nullable=False),
        sa.Column("real_name", sa.String(length=255), nullable=True),
        sa.Column("title", sa.String(length=255), nullable=True),
        sa.Column("tz", sa.String(length=64), nullable=True),
        sa.Column("manager_slack_id", SLACK_ID, nullable=True),
        sa.Column("org_team", sa.String(length=255), nullable=True),
        _timestamp_now("created_at"),
        _timestamp_now("updated_at"),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_people")),
        sa.UniqueConstraint(
            "team_id", "slack_user_id", name=op.f("uq_people_team_id_slack_user_id")
        ),
        sqlite_autoincrement=True,
    )

    op.create_table(
        "programs",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("team_id", SLACK_ID, nullable=False),
        sa.Column("name", sa.String(length=200), nullable=False),
        sa.Column("description", sa.Text(), nullable=True),
        sa.Column(
            "status",
            _enum("status", "draft", "enrolling", "active", "closed"),
            server_default="draft",
            nullable=False,
        ),
        sa.Column(
            "default_cadence",
            _enum("default_cadence", *CADENCE),
            server_default="biweekly",
            nullable=False,
        ),
        sa.Column("request_expiry_hours", sa.Integer(), server_default="72", nullable=False),
        sa.Column("allow_repeat_pairs", sa.Boolean(), server_default=sa.false(), nullable=False),
        sa.Column("match_weights", _json(), nullable=True),
        sa.Column("starts_on", sa.Date(), nullable=True),
        sa.Column("ends_on", sa.Date(), nullable=True),
        sa.Column("created_by", SLACK_ID, nullable=False),
        _timestamp_now("created_at"),
        sa.CheckConstraint(
            "request_expiry_hours > 0", name=op.f("ck_programs_request_expiry_hours_positive")
        ),
        sa.CheckConstraint(
            "starts_on IS NULL OR ends_on IS NULL OR ends_on >= starts_on",
            name=op.f("ck_programs_ends_on_after_starts_on"),
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_programs")),
        sa.UniqueConstraint("team_id", "name", name=op.f("uq_programs_team_id_name")),
        sqlite_autoincrement=True,
    )

    op.create_table(
        "topics",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("program_id", sa.Integer(), nullable=False),
        sa.Column("label", sa.String(length=100), nullable=False),
        sa.ForeignKeyConstraint(
            ["program_id"],
            ["programs.id"],
            name=op.f("fk_topics_program_id_programs"),
            ondelete="CASCADE",
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_topics")),
        sa.UniqueConstraint("program_id", "label", name=op.f("uq_topics_program_id_label")),
        sqlite_autoincrement=True,
    )

    op.create_table(
        "enrollments",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("program_id", sa.Integer(), nullable=False),
        sa.Column("person_id", sa.Integer(), nullable=False),
        sa.Column("role", _enum("role", "mentee", "mentor", "both"), nullable=False),
        sa.Column(
            "status",
            _enum("status", "active", "paused", "left"),
            server_default="active",
            nullable=False,
        ),
        sa.Column("goals", sa.Text(), nullable=True),
        sa.Column("bio", sa.Text(), nullable=True),
        sa.Column(
            "experience_level",
            _enum("experience_level", "student", "entry", "mid", "senior", "staff", "principal"),
            nullable=True,
        ),
        sa.Column("capacity", sa.Integer(), server_default="0", nullable=False),
        sa.Column("active_mentee_count", sa.Integer(), server_default="0", nullable=False),
        sa.Column("mentors_wanted", sa.Integer(), server_default="1", nullable=False),
        sa.Column("cadence", _enum("cadence", *CADENCE), nullable=True),
        sa.Column(
            "meeting_format", _enum("meeting_format", "video", "in_person", "chat"), nullable=True
        ),
        _timestamp_now("joined_at"),
        _timestamp_now("updated_at"),
        _timestamp("paused_at"),
        _timestamp("left_at"),
        sa.CheckConstraint(
            "active_mentee_count >= 0 AND active_mentee_count <= capacity",
            name=op.f("ck_enrollments_active_mentee_count_within_capacity"),
        ),
        sa.CheckConstraint(
            "capacity >= 0 AND capacity <= 5", name=op.f("ck_enrollments_capacity_range")
        ),
        sa.CheckConstraint(
            "mentors_wanted >= 1 AND mentors_wanted <= 3",
            name=op.f("ck_enrollments_mentors_wanted_range"),
        ),
        sa.ForeignKeyConstraint(
            ["person_id"],
            ["people.id"],
            name=op.f("fk_enrollments_person_id_people"),
            ondelete="CASCADE",
        ),
        sa.ForeignKeyConstraint(
            ["program_id"],
            ["programs.id"],
            name=op.f("fk_enrollments_program_id_programs"),
            ondelete="CASCADE",
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_enrollments")),
        sa.UniqueConstraint(
            "program_id", "person_id", name=op.f("uq_enrollments_program_id_person_id")
        ),
        sqlite_autoincrement=True,
    )
    op.create_index(op.f("ix_enrollments_person_id"), "enrollments", ["person_id"])

    op.create_table(
        "enrollment_topics",
        sa.Column("enrollment_id", sa.Integer(), nullable=False),
        sa.Column("topic_id", sa.Integer(), nullable=False),
        sa.ForeignKeyConstraint(
            ["enrollment_id"],
            ["enrollments.id"],
            name=op.f("fk_enrollment_topics_enrollment_id_enrollments"),
            ondelete="CASCADE",
        ),
        sa.ForeignKeyConstraint(
            ["topic_id"],
            ["topics.id"],
            name=op.f("fk_enrollment_topics_topic_id_topics"),
            ondelete="CASCADE",
        ),
        sa.PrimaryKeyConstraint("enrollment_id", "topic_id", name=op.f("pk_enrollment_topics")),
    )
    op.create_index(op.f("ix_enrollment_topics_topic_id"), "enrollment_topics", ["topic_id"])

    op.create_table(
        "mentorships",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("team_id", SLACK_ID, nullable=False),
        sa.Column("program_id", sa.Integer(), nullable=False),
        sa.Column("mentor_id", sa.Integer(), nullable=False),
        sa.Column("mentee_id", sa.Integer(), nullable=False),
        sa.Column(
            "status",
            _enum("status", "active", "paused", "ended"),
            server_default="active",
            nullable=False,
        ),
        sa.Column("cadence", _enum("cadence", *CADENCE), nullable=False),
        _timestamp_now("started_at"),
        _timestamp("ended_at"),
        sa.Column("end_reason", sa.String(length=64), nullable=True),
        sa.Column("match_score", sa.Double(), nullable=True),
        sa.Column("match_reasons", _json(), nullable=False),
        _timestamp("next_checkin_at"),
        _timestamp_now("created_at"),
        sa.CheckConstraint(
            "status <> 'ended' OR ended_at IS NOT NULL",
            name=op.f("ck_mentorships_ended_has_ended_at"),
        ),
        sa.CheckConstraint(
            "mentor_id <> mentee_id", name=op.f("ck_mentorships_mentor_is_not_mentee")
        ),
        sa.ForeignKeyConstraint(
            ["mentee_id"], ["people.id"], name=op.f("fk_mentorships_mentee_id_people")
        ),
        sa.ForeignKeyConstraint(
            ["mentor_id"], ["people.id"], name=op.f("fk_mentorships_mentor_id_people")
        ),
        sa.ForeignKeyConstraint(
            ["program_id"], ["programs.id"], name=op.f("fk_mentorships_program_id_programs")
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_mentorships")),
        sqlite_autoincrement=True,
    )
    op.create_index(op.f("ix_mentorships_mentee_id"), "mentorships", ["mentee_id"])
    op.create_index(op.f("ix_mentorships_mentor_id"), "mentorships", ["mentor_id"])
    op.create_index(op.f("ix_mentorships_next_checkin_at"), "mentorships", ["next_checkin_at"])
    op.create_index(op.f("ix_mentorships_program_id"), "mentorships", ["program_id"])
    # One open (active or paused) mentorship per pair; ended ones are history.
    open_pair = sa.text("status IN ('active', 'paused')")
    op.create_index(
        "uq_mentorships_open_pair",
        "mentorships",
        ["mentor_id", "mentee_id"],
        unique=True,
        sqlite_where=open_pair,
        postgresql_where=open_pair,
    )

    op.create_table(
        "goals",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("mentorship_id", sa.Integer(), nullable=False),
        sa.Column("title", sa.String(length=255), nullable=False),
        sa.Column("detail", sa.Text(), nullable=True),
        sa.Column(
            "status",
            _enum("status", "open", "done", "dropped"),
            server_default="open",
            nullable=False,
        ),
        sa.Column("created_by_id", sa.Integer(), nullable=True),
        sa.Column("due_on", sa.Date(), nullable=True),
        _timestamp_now("created_at"),
        _timestamp("completed_at"),
        sa.ForeignKeyConstraint(
            ["created_by_id"],
            ["people.id"],
            name=op.f("fk_goals_created_by_id_people"),
            ondelete="SET NULL",
        ),
        sa.ForeignKeyConstraint(
            ["mentorship_id"],
            ["mentorships.id"],
            name=op.f("fk_goals_mentorship_id_mentorships"),
            ondelete="CASCADE",
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_goals")),
        sqlite_autoincrement=True,
    )
    op.create_index(op.f("ix_goals_mentorship_id"), "goals", ["mentorship_id"])

    op.create_table(
        "checkins",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("mentorship_id", sa.Integer(), nullable=False),
        sa.Column("period", sa.Integer(), nullable=False),
        _timestamp("due_at", nullable=False),
        sa.Column(
            "status",
            _enum("status", "scheduled", "prompted", "met", "skipped", "missed"),
            server_default="scheduled",
            nullable=False,
        ),
        _timestamp("prompted_at"),
        _timestamp("responded_at"),
        sa.Column("responded_by_id", sa.Integer(), nullable=True),
        sa.Column("notes", sa.Text(), nullable=True),
        sa.CheckConstraint("period >= 1", name=op.f("ck_checkins_period_positive")),
        sa.ForeignKeyConstraint(
            ["mentorship_id"],
            ["mentorships.id"],
            name=op.f("fk_checkins_mentorship_id_mentorships"),
            ondelete="CASCADE",
        ),
        sa.ForeignKeyConstraint(
            ["responded_by_id"],
            ["people.id"],
            name=op.f("fk_checkins_responded_by_id_people"),
            ondelete="SET NULL",
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_checkins")),
        sa.UniqueConstraint(
            "mentorship_id", "period", name=op.f("uq_checkins_mentorship_id_period")
        ),
        sqlite_autoincrement=True,
    )
    op.create_index(op.f("ix_checkins_status_due_at"), "checkins", ["status", "due_at"])

    op.create_table(
        "feedback",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("mentorship_id", sa.Integer(), nullable=False),
        sa.Column("author_id", sa.Integer(), nullable=False),
        sa.Column("rating", sa.Integer(), nullable=True),
        sa.Column("comment", sa.Text(), nullable=True),
        sa.Column("kind", _enum("kind", "checkin", "midpoint", "closing"), nullable=False),
        _timestamp_now("created_at"),
        sa.CheckConstraint("rating >= 1 AND rating <= 5", name=op.f("ck_feedback_rating_range")),
        sa.ForeignKeyConstraint(
            ["author_id"], ["people.id"], name=op.f("fk_feedback_author_id_people")
        ),
        sa.ForeignKeyConstraint(
            ["mentorship_id"],
            ["mentorships.id"],
            name=op.f("fk_feedback_mentorship_id_mentorships"),
            ondelete="CASCADE",
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_feedback")),
        sqlite_autoincrement=True,
    )
    op.create_index(op.f("ix_feedback_mentorship_id"), "feedback", ["mentorship_id"])

    op.create_table(
        "announcements",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("team_id", SLACK_ID, nullable=False),
        sa.Column("program_id", sa.Integer(), nullable=True),
        sa.Column("channel_id", SLACK_ID, nullable=False),
        sa.Column("text", sa.Text(), nullable=False),
        sa.Column("blocks", _json(), nullable=True),
        sa.Column("author_slack_id", SLACK_ID, nullable=False),
        sa.Column(
            "status",
            _enum("status", "draft", "scheduled", "sent", "failed", "cancelled"),
            server_default="draft",
            nullable=False,
        ),
        _timestamp("send_at"),
        _timestamp("sent_at"),
        sa.Column("message_ts", sa.String(length=32), nullable=True),
        _timestamp_now("created_at"),
        sa.ForeignKeyConstraint(
            ["program_id"],
            ["programs.id"],
            name=op.f("fk_announcements_program_id_programs"),
            ondelete="SET NULL",
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_announcements")),
        sqlite_autoincrement=True,
    )
    op.create_index(op.f("ix_announcements_status_send_at"), "announcements", ["status", "send_at"])

    op.create_table(
        "outbox_messages",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("team_id", SLACK_ID, nullable=False),
        sa.Column("idempotency_key", sa.String(length=200), nullable=False),
        sa.Column("method", sa.String(length=64), nullable=False),
        sa.Column("payload", _json(), nullable=False),
        sa.Column(
            "status",
            _enum("status", "pending", "sending", "sent", "failed"),
            server_default="pending",
            nullable=False,
        ),
        sa.Column("attempts", sa.Integer(), server_default="0", nullable=False),
        _timestamp_now("not_before"),
        _timestamp("claimed_at"),
        sa.Column("claimed_by", sa.String(length=128), nullable=True),
        sa.Column("last_error", sa.Text(), nullable=True),
        _timestamp("sent_at"),
        sa.Column("result", _json(), nullable=True),
        _timestamp_now("created_at"),
        sa.CheckConstraint("attempts >= 0", name=op.f("ck_outbox_messages_attempts_not_negative")),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_outbox_messages")),
        sa.UniqueConstraint("idempotency_key", name=op.f("uq_outbox_messages_idempotency_key")),
        sqlite_autoincrement=True,
    )
    op.create_index(
        op.f("ix_outbox_messages_status_not_before"), "outbox_messages", ["status", "not_before"]
    )

    op.create_table(
        "audit_entries",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("team_id", SLACK_ID, nullable=False),
        sa.Column("actor_slack_id", SLACK_ID, nullable=True),
        sa.Column("action", sa.String(length=64), nullable=False),
        sa.Column("subject_type", sa.String(length=32), nullable=True),
        sa.Column("subject_id", sa.String(length=64), nullable=True),
        sa.Column("detail", _json(), nullable=True),
        _timestamp_now("created_at"),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_audit_entries")),
        sqlite_autoincrement=True,
    )
    op.create_index(
        op.f("ix_audit_entries_team_id_created_at"), "audit_entries", ["team_id", "created_at"]
    )

    op.create_table(
        "processed_events",
        sa.Column("event_id", sa.String(length=64), nullable=False),
        sa.Column("team_id", SLACK_ID, nullable=True),
        _timestamp_now("received_at"),
        sa.PrimaryKeyConstraint("event_id", name=op.f("pk_processed_events")),
    )
    op.create_index(op.f("ix_processed_events_received_at"), "processed_events", ["received_at"])


def downgrade() -> None:
    # Dependants first; indexes and constraints go with their tables.
    for table in (
        "processed_events",
        "audit_entries",
        "outbox_messages",
        "announcements",
        "feedback",
        "checkins",
        "goals",
        "mentorships",
        "enrollment_topics",
        "enrollments",
        "topics",
        "programs",
        "people",
    ):
        op.drop_table(table)
