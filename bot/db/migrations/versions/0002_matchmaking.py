"""Matchmaking: requests to mentors, suggestion impressions, coordinator rounds.

Also enrollments.waiting_since, set when no mentor fits a mentee yet.

Revision ID: 0002
Revises: 0001
Create Date: 2026-11-23

Generated with autogenerate and read through; the partial unique index keeps one
open request per (mentee, mentor) on both dialects.
"""

from __future__ import annotations

from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op
from sqlalchemy.dialects import postgresql

revision: str = "0002"
down_revision: str | Sequence[str] | None = "0001"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None


def upgrade() -> None:
    op.create_table(
        "match_rounds",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("team_id", sa.String(length=32), nullable=False),
        sa.Column("program_id", sa.Integer(), nullable=False),
        sa.Column("created_by", sa.String(length=32), nullable=False),
        sa.Column(
            "status",
            sa.Enum(
                "proposed",
                "approved",
                "discarded",
                name="status",
                native_enum=False,
                create_constraint=True,
                length=32,
            ),
            nullable=False,
        ),
        sa.Column(
            "stats",
            sa.JSON(none_as_null=True).with_variant(
                postgresql.JSONB(none_as_null=True), "postgresql"
            ),
            nullable=True,
        ),
        sa.Column(
            "created_at", sa.DateTime(timezone=True), server_default=sa.func.now(), nullable=False
        ),
        sa.Column("decided_at", sa.DateTime(timezone=True), nullable=True),
        sa.ForeignKeyConstraint(
            ["program_id"],
            ["programs.id"],
            name=op.f("fk_match_rounds_program_id_programs"),
            ondelete="CASCADE",
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_match_rounds")),
        sqlite_autoincrement=True,
    )
    op.create_table(
        "suggestion_impressions",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("program_id", sa.Integer(), nullable=False),
        sa.Column("mentee_id", sa.Integer(), nullable=False),
        sa.Column("mentor_id", sa.Integer(), nullable=False),
        sa.Column("rank", sa.Integer(), nullable=False),
        sa.Column("shown_at", sa.DateTime(timezone=True), nullable=False),
        sa.ForeignKeyConstraint(
            ["mentee_id"],
            ["people.id"],
            name=op.f("fk_suggestion_impressions_mentee_id_people"),
            ondelete="CASCADE",
        ),
        sa.ForeignKeyConstraint(
            ["mentor_id"],
            ["people.id"],
            name=op.f("fk_suggestion_impressions_mentor_id_people"),
            ondelete="CASCADE",
        ),
        sa.ForeignKeyConstraint(
            ["program_id"],
            ["programs.id"],
            name=op.f("fk_suggestion_impressions_program_id_programs"),
            ondelete="CASCADE",
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_suggestion_impressions")),
        sqlite_autoincrement=True,
    )
    with op.batch_alter_table("suggestion_impressions", schema=None) as batch_op:
        batch_op.create_index(
            "ix_suggestion_impressions_mentor_id_shown_at", ["mentor_id", "shown_at"], unique=False
        )

    op.create_table(
        "match_round_pairs",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("round_id", sa.Integer(), nullable=False),
        sa.Column("mentee_id", sa.Integer(), nullable=False),
        sa.Column("mentor_id", sa.Integer(), nullable=True),
        sa.Column("score", sa.Double(), nullable=True),
        sa.Column(
            "reasons",
            sa.JSON(none_as_null=True).with_variant(
                postgresql.JSONB(none_as_null=True), "postgresql"
            ),
            nullable=True,
        ),
        sa.Column("unmatched_reason", sa.Text(), nullable=True),
        sa.Column("dropped", sa.Boolean(), server_default=sa.false(), nullable=False),
        sa.ForeignKeyConstraint(
            ["mentee_id"],
            ["people.id"],
            name=op.f("fk_match_round_pairs_mentee_id_people"),
            ondelete="CASCADE",
        ),
        sa.ForeignKeyConstraint(
            ["mentor_id"],
            ["people.id"],
            name=op.f("fk_match_round_pairs_mentor_id_people"),
            ondelete="CASCADE",
        ),
        sa.ForeignKeyConstraint(
            ["round_id"],
            ["match_rounds.id"],
            name=op.f("fk_match_round_pairs_round_id_match_rounds"),
            ondelete="CASCADE",
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_match_round_pairs")),
        sa.UniqueConstraint(
            "round_id", "mentee_id", name=op.f("uq_match_round_pairs_round_id_mentee_id")
        ),
        sqlite_autoincrement=True,
    )
    op.create_table(
        "mentorship_requests",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("team_id", sa.String(length=32), nullable=False),
        sa.Column("program_id", sa.Integer(), nullable=False),
        sa.Column("mentee_id", sa.Integer(), nullable=False),
        sa.Column("mentor_id", sa.Integer(), nullable=False),
        sa.Column("chain", sa.String(length=32), nullable=False),
        sa.Column("rank", sa.Integer(), nullable=False),
        sa.Column(
            "status",
            sa.Enum(
                "queued",
                "pending",
                "accepted",
                "declined",
                "expired",
                "cancelled",
                name="status",
                native_enum=False,
                create_constraint=True,
                length=32,
            ),
            nullable=False,
        ),
        sa.Column("note", sa.Text(), nullable=True),
        sa.Column("decline_reason", sa.Text(), nullable=True),
        sa.Column("score", sa.Double(), nullable=True),
        sa.Column(
            "reasons",
            sa.JSON(none_as_null=True).with_variant(
                postgresql.JSONB(none_as_null=True), "postgresql"
            ),
            nullable=True,
        ),
        sa.Column(
            "created_at", sa.DateTime(timezone=True), server_default=sa.func.now(), nullable=False
        ),
        sa.Column("asked_at", sa.DateTime(timezone=True), nullable=True),
        sa.Column("expires_at", sa.DateTime(timezone=True), nullable=True),
        sa.Column("responded_at", sa.DateTime(timezone=True), nullable=True),
        sa.Column("mentorship_id", sa.Integer(), nullable=True),
        sa.CheckConstraint("mentee_id <> mentor_id", name=op.f("ck_mentorship_requests_not_self")),
        sa.CheckConstraint(
            "rank >= 1 AND rank <= 3", name=op.f("ck_mentorship_requests_rank_range")
        ),
        sa.ForeignKeyConstraint(
            ["mentee_id"], ["people.id"], name=op.f("fk_mentorship_requests_mentee_id_people")
        ),
        sa.ForeignKeyConstraint(
            ["mentor_id"], ["people.id"], name=op.f("fk_mentorship_requests_mentor_id_people")
        ),
        sa.ForeignKeyConstraint(
            ["mentorship_id"],
            ["mentorships.id"],
            name=op.f("fk_mentorship_requests_mentorship_id_mentorships"),
            ondelete="SET NULL",
        ),
        sa.ForeignKeyConstraint(
            ["program_id"],
            ["programs.id"],
            name=op.f("fk_mentorship_requests_program_id_programs"),
            ondelete="CASCADE",
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_mentorship_requests")),
        sqlite_autoincrement=True,
    )
    with op.batch_alter_table("mentorship_requests", schema=None) as batch_op:
        batch_op.create_index(batch_op.f("ix_mentorship_requests_chain"), ["chain"], unique=False)
        batch_op.create_index(
            batch_op.f("ix_mentorship_requests_mentee_id"), ["mentee_id"], unique=False
        )
        batch_op.create_index(
            batch_op.f("ix_mentorship_requests_mentor_id"), ["mentor_id"], unique=False
        )
        batch_op.create_index(
            "ix_mentorship_requests_status_expires_at", ["status", "expires_at"], unique=False
        )
        batch_op.create_index(
            "uq_mentorship_requests_open_pair",
            ["mentee_id", "mentor_id"],
            unique=True,
            sqlite_where=sa.text("status IN ('queued', 'pending')"),
            postgresql_where=sa.text("status IN ('queued', 'pending')"),
        )

    with op.batch_alter_table("enrollments", schema=None) as batch_op:
        batch_op.add_column(sa.Column("waiting_since", sa.DateTime(timezone=True), nullable=True))


def downgrade() -> None:
    with op.batch_alter_table("enrollments", schema=None) as batch_op:
        batch_op.drop_column("waiting_since")

    with op.batch_alter_table("mentorship_requests", schema=None) as batch_op:
        batch_op.drop_index(
            "uq_mentorship_requests_open_pair",
            sqlite_where=sa.text("status IN ('queued', 'pending')"),
            postgresql_where=sa.text("status IN ('queued', 'pending')"),
        )
        batch_op.drop_index("ix_mentorship_requests_status_expires_at")
        batch_op.drop_index(batch_op.f("ix_mentorship_requests_mentor_id"))
        batch_op.drop_index(batch_op.f("ix_mentorship_requests_mentee_id"))
        batch_op.drop_index(batch_op.f("ix_mentorship_requests_chain"))

    op.drop_table("mentorship_requests")
    op.drop_table("match_round_pairs")
    with op.batch_alter_table("suggestion_impressions", schema=None) as batch_op:
        batch_op.drop_index("ix_suggestion_impressions_mentor_id_shown_at")

    op.drop_table("suggestion_impressions")
    op.drop_table("match_rounds")
