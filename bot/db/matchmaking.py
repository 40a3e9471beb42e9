"""Tables of matchmaking: requests to mentors, what was suggested, coordinator rounds."""

from __future__ import annotations

from datetime import datetime
from typing import Any

import sqlalchemy as sa
from sqlalchemy.orm import Mapped, mapped_column

from bot.db.base import NO_ID_REUSE, SLACK_ID, Base, created_at_column
from bot.db.enums import OPEN_REQUEST_STATUSES, RequestStatus, RoundStatus
from bot.db.types import enum_type, json_type

_OPEN = ", ".join(f"'{s.value}'" for s in OPEN_REQUEST_STATUSES)


class MentorshipRequest(Base):
    """A mentee asking one mentor, as one link of an ordered chain of choices.

    The database keeps at most one open request per (mentee, mentor): a second
    click on "Request" cannot ask the same mentor twice.
    """

    __tablename__ = "mentorship_requests"
    __table_args__ = (
        sa.CheckConstraint("mentee_id <> mentor_id", name="not_self"),
        sa.CheckConstraint("rank >= 1 AND rank <= 3", name="rank_range"),
        sa.Index(
            "uq_mentorship_requests_open_pair",
            "mentee_id",
            "mentor_id",
            unique=True,
            sqlite_where=sa.text(f"status IN ({_OPEN})"),
            postgresql_where=sa.text(f"status IN ({_OPEN})"),
        ),
        sa.Index("ix_mentorship_requests_status_expires_at", "status", "expires_at"),
        NO_ID_REUSE,
    )

    id: Mapped[int] = mapped_column(primary_key=True)
    team_id: Mapped[str] = mapped_column(SLACK_ID)
    program_id: Mapped[int] = mapped_column(sa.ForeignKey("programs.id", ondelete="CASCADE"))
    mentee_id: Mapped[int] = mapped_column(sa.ForeignKey("people.id"), index=True)
    mentor_id: Mapped[int] = mapped_column(sa.ForeignKey("people.id"), index=True)
    chain: Mapped[str] = mapped_column(sa.String(32), index=True)  # the mentee's ordered picks
    rank: Mapped[int]  # 1 is asked first
    status: Mapped[RequestStatus] = mapped_column(enum_type(RequestStatus, "status"))
    note: Mapped[str | None] = mapped_column(sa.Text)
    decline_reason: Mapped[str | None] = mapped_column(sa.Text)
    score: Mapped[float | None]
    reasons: Mapped[list[str] | None] = mapped_column(json_type())
    created_at: Mapped[datetime] = created_at_column()
    asked_at: Mapped[datetime | None]
    expires_at: Mapped[datetime | None]
    responded_at: Mapped[datetime | None]
    mentorship_id: Mapped[int | None] = mapped_column(
        sa.ForeignKey("mentorships.id", ondelete="SET NULL")
    )


class SuggestionImpression(Base):
    """A mentor shown to a mentee as a top pick: the input to load spreading."""

    __tablename__ = "suggestion_impressions"
    __table_args__ = (
        sa.Index("ix_suggestion_impressions_mentor_id_shown_at", "mentor_id", "shown_at"),
        NO_ID_REUSE,
    )

    id: Mapped[int] = mapped_column(primary_key=True)
    program_id: Mapped[int] = mapped_column(sa.ForeignKey("programs.id", ondelete="CASCADE"))
    mentee_id: Mapped[int] = mapped_column(sa.ForeignKey("people.id", ondelete="CASCADE"))
    mentor_id: Mapped[int] = mapped_column(sa.ForeignKey("people.id", ondelete="CASCADE"))
    rank: Mapped[int]
    shown_at: Mapped[datetime]


class MatchRound(Base):
    """A coordinator's matching round: the algorithm proposes, a person approves."""

    __tablename__ = "match_rounds"
    __table_args__ = (NO_ID_REUSE,)

    id: Mapped[int] = mapped_column(primary_key=True)
    team_id: Mapped[str] = mapped_column(SLACK_ID)
    program_id: Mapped[int] = mapped_column(sa.ForeignKey("programs.id", ondelete="CASCADE"))
    created_by: Mapped[str] = mapped_column(SLACK_ID)
    status: Mapped[RoundStatus] = mapped_column(enum_type(RoundStatus, "status"))
    stats: Mapped[dict[str, Any] | None] = mapped_column(json_type())
    created_at: Mapped[datetime] = created_at_column()
    decided_at: Mapped[datetime | None]


class MatchRoundPair(Base):
    """One proposed pair of a round; `dropped` when the coordinator took it out."""

    __tablename__ = "match_round_pairs"
    __table_args__ = (sa.UniqueConstraint("round_id", "mentee_id"), NO_ID_REUSE)

    id: Mapped[int] = mapped_column(primary_key=True)
    round_id: Mapped[int] = mapped_column(sa.ForeignKey("match_rounds.id", ondelete="CASCADE"))
    mentee_id: Mapped[int] = mapped_column(sa.ForeignKey("people.id", ondelete="CASCADE"))
    mentor_id: Mapped[int | None] = mapped_column(sa.ForeignKey("people.id", ondelete="CASCADE"))
    score: Mapped[float | None]
    reasons: Mapped[list[str] | None] = mapped_column(json_type())
    unmatched_reason: Mapped[str | None] = mapped_column(sa.Text)
    dropped: Mapped[bool] = mapped_column(default=False, server_default=sa.false())


class PoolVersion(Base):
    """How many times a program's matching pool changed (bot/db/pool_changes.py).

    Every process holds its own Pool per program and compares this number with the one
    it built from: a primary-key read per search. One row per program; a writer bumps it
    at commit, so writers of one program commit in version order (the row lock).
    """

    __tablename__ = "pool_versions"

    program_id: Mapped[int] = mapped_column(
        sa.ForeignKey("programs.id", ondelete="CASCADE"), primary_key=True
    )
    version: Mapped[int] = mapped_column(sa.BigInteger, default=0, server_default="0")


class PoolChange(Base):
    """Who changed at one version of a program's pool, so a process applies only deltas.

    `person_id` None: the whole program may have changed (reload it all). No foreign key
    on the person: a deleted person is still a change to apply. Old rows are pruned; a
    process that finds a version missing rebuilds.
    """

    __tablename__ = "pool_changes"
    __table_args__ = (
        sa.Index("ix_pool_changes_program_id_version", "program_id", "version"),
        NO_ID_REUSE,
    )

    id: Mapped[int] = mapped_column(primary_key=True)
    program_id: Mapped[int] = mapped_column(sa.ForeignKey("programs.id", ondelete="CASCADE"))
    version: Mapped[int] = mapped_column(sa.BigInteger)
    person_id: Mapped[int | None]
    created_at: Mapped[datetime] = created_at_column()
