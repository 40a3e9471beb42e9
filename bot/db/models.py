"""The nouns of the mentorship program, as tables.

Rules the database itself enforces (so they hold across processes and for any
code path) are spelled out next to each table; tests/storage checks each one.
Rows belonging to a workspace carry its Slack team id, so one database can
serve several workspaces. The bot's own bookkeeping tables (outbox,
announcements, audit log, processed events) live in bot.db.system and are
re-exported here, so `from bot.db.models import ...` finds every table.
"""

from __future__ import annotations

from datetime import date, datetime, time
from typing import Any

import sqlalchemy as sa
from sqlalchemy.orm import Mapped, mapped_column, relationship

from bot.db.base import NO_ID_REUSE, SLACK_ID, Base, created_at_column, updated_at_column
from bot.db.enums import (
    OPEN_MENTORSHIP_STATUSES,
    Cadence,
    CheckInStatus,
    EnrollmentRole,
    EnrollmentStatus,
    ExperienceLevel,
    FeedbackKind,
    GoalStatus,
    MeetingFormat,
    MentorshipStatus,
    ProgramStatus,
)
from bot.db.leases import Lease
from bot.db.matchmaking import (
    MatchRound,
    MatchRoundPair,
    MentorshipRequest,
    PoolChange,
    PoolVersion,
    SuggestionImpression,
)
from bot.db.slack_stores import slack_bots, slack_installations, slack_oauth_states
from bot.db.system import (
    Announcement,
    AuditEntry,
    Coordinator,
    OutboxMessage,
    ProcessedEvent,
    RosterImport,
)
from bot.db.types import enum_type, json_type, utcnow

__all__ = [
    "Announcement",
    "AuditEntry",
    "Base",
    "CalendarEvent",
    "CheckIn",
    "CheckInNote",
    "Coordinator",
    "Enrollment",
    "Feedback",
    "Goal",
    "GoalUpdate",
    "HelpRequest",
    "Lease",
    "MatchRound",
    "MatchRoundPair",
    "Mentorship",
    "MentorshipRequest",
    "OutboxMessage",
    "Person",
    "PoolChange",
    "PoolVersion",
    "ProcessedEvent",
    "Program",
    "RosterImport",
    "SuggestionImpression",
    "Topic",
    "enrollment_topics",
    "slack_bots",
    "slack_installations",
    "slack_oauth_states",
]


def _cascade(column: str) -> sa.ForeignKey:
    return sa.ForeignKey(column, ondelete="CASCADE")


class Person(Base):
    """A Slack user in one workspace; everything else points here, not at Slack ids."""

    __tablename__ = "people"
    __table_args__ = (
        sa.UniqueConstraint("team_id", "slack_user_id"),
        sa.CheckConstraint("workday_start < workday_end", name="workday_start_before_end"),
        NO_ID_REUSE,
    )

    id: Mapped[int] = mapped_column(primary_key=True)
    team_id: Mapped[str] = mapped_column(SLACK_ID)
    slack_user_id: Mapped[str] = mapped_column(SLACK_ID)
    display_name: Mapped[str] = mapped_column(sa.String(255))
    real_name: Mapped[str | None] = mapped_column(sa.String(255))
    title: Mapped[str | None] = mapped_column(sa.String(255))
    tz: Mapped[str | None] = mapped_column(sa.String(64))  # IANA name, e.g. Europe/Berlin
    manager_slack_id: Mapped[str | None] = mapped_column(SLACK_ID)
    org_team: Mapped[str | None] = mapped_column(sa.String(255))
    # Working hours on the person's own wall clock (tz); check-in prompts land inside them.
    workday_start: Mapped[time] = mapped_column(
        default=time(9, 0), server_default=sa.text("'09:00:00'")
    )
    workday_end: Mapped[time] = mapped_column(
        default=time(17, 0), server_default=sa.text("'17:00:00'")
    )
    # `/mentor snooze`: their prompts and follow-ups wait until then (None = not snoozed).
    snoozed_until: Mapped[datetime | None]
    # The bot's DM channel with them (D...), learnt once from conversations.open.
    dm_channel_id: Mapped[str | None] = mapped_column(SLACK_ID)
    created_at: Mapped[datetime] = created_at_column()
    updated_at: Mapped[datetime] = updated_at_column()

    enrollments: Mapped[list[Enrollment]] = relationship(
        back_populates="person", passive_deletes=True
    )


class Program(Base):
    """One run of the program (a cohort) in a workspace."""

    __tablename__ = "programs"
    __table_args__ = (
        sa.UniqueConstraint("team_id", "name"),
        sa.CheckConstraint("request_expiry_hours > 0", name="request_expiry_hours_positive"),
        sa.CheckConstraint(
            "starts_on IS NULL OR ends_on IS NULL OR ends_on >= starts_on",
            name="ends_on_after_starts_on",
        ),
        NO_ID_REUSE,
    )

    id: Mapped[int] = mapped_column(primary_key=True)
    team_id: Mapped[str] = mapped_column(SLACK_ID)
    name: Mapped[str] = mapped_column(sa.String(200))
    description: Mapped[str | None] = mapped_column(sa.Text)
    status: Mapped[ProgramStatus] = mapped_column(
        enum_type(ProgramStatus, "status"),
        default=ProgramStatus.DRAFT,
        server_default=ProgramStatus.DRAFT.value,
    )
    default_cadence: Mapped[Cadence] = mapped_column(
        enum_type(Cadence, "default_cadence"),
        default=Cadence.BIWEEKLY,
        server_default=Cadence.BIWEEKLY.value,
    )
    # How long a match request waits for the mentor's answer before it lapses.
    request_expiry_hours: Mapped[int] = mapped_column(default=72, server_default="72")
    allow_repeat_pairs: Mapped[bool] = mapped_column(default=False, server_default=sa.false())
    match_weights: Mapped[dict[str, Any] | None] = mapped_column(json_type())
    starts_on: Mapped[date | None]
    ends_on: Mapped[date | None]
    # What the cohort is for: onboarding, skills, leadership, diversity and inclusion, or free text.
    objective: Mapped[str | None] = mapped_column(sa.String(200))
    # People may join it through the enrollment form (several cohorts can be open at once).
    enrollment_open: Mapped[bool] = mapped_column(default=True, server_default=sa.true())
    announcement_channel_id: Mapped[str | None] = mapped_column(SLACK_ID)
    created_by: Mapped[str] = mapped_column(SLACK_ID)
    created_at: Mapped[datetime] = created_at_column()

    topics: Mapped[list[Topic]] = relationship(
        back_populates="program",
        cascade="all, delete-orphan",
        passive_deletes=True,
        order_by="Topic.label",
    )
    enrollments: Mapped[list[Enrollment]] = relationship(
        back_populates="program", cascade="all, delete-orphan", passive_deletes=True
    )


class Topic(Base):
    """An entry of a program's topic list (coordinators add to it)."""

    __tablename__ = "topics"
    __table_args__ = (sa.UniqueConstraint("program_id", "label"), NO_ID_REUSE)

    id: Mapped[int] = mapped_column(primary_key=True)
    program_id: Mapped[int] = mapped_column(_cascade("programs.id"))
    label: Mapped[str] = mapped_column(sa.String(100))

    program: Mapped[Program] = relationship(back_populates="topics")


enrollment_topics = sa.Table(
    "enrollment_topics",
    Base.metadata,
    sa.Column("enrollment_id", _cascade("enrollments.id"), primary_key=True),
    # Indexed for "who is interested in topic X" and for cascading topic deletes.
    sa.Column("topic_id", _cascade("topics.id"), primary_key=True, index=True),
)


class Enrollment(Base):
    """A person's participation in a program, as mentee, mentor or both.

    `active_mentee_count` is how the database enforces a mentor's capacity across
    processes: whoever opens a mentorship increments it *in SQL*
    (``active_mentee_count = active_mentee_count + 1``) in the same transaction,
    and the CHECK rejects the one that would overflow. Whoever ends one
    decrements it. It counts active and paused mentorships (both hold the slot).
    Never write a value computed in Python from an earlier read: two such writers
    both store 1 and the CHECK never sees the overflow.
    """

    __tablename__ = "enrollments"
    __table_args__ = (
        sa.UniqueConstraint("program_id", "person_id"),
        sa.CheckConstraint("capacity >= 0 AND capacity <= 5", name="capacity_range"),
        sa.CheckConstraint(
            "active_mentee_count >= 0 AND active_mentee_count <= capacity",
            name="active_mentee_count_within_capacity",
        ),
        sa.CheckConstraint(
            "mentors_wanted >= 1 AND mentors_wanted <= 3", name="mentors_wanted_range"
        ),
        # The due-work job's look at the few waiting mentees: partial, so that SQLite's
        # planner, which has no statistics, takes it rather than read every enrollment.
        sa.Index(
            "ix_enrollments_waiting_since",
            "waiting_since",
            sqlite_where=sa.text("waiting_since IS NOT NULL"),
            postgresql_where=sa.text("waiting_since IS NOT NULL"),
        ),
        NO_ID_REUSE,
    )

    id: Mapped[int] = mapped_column(primary_key=True)
    program_id: Mapped[int] = mapped_column(_cascade("programs.id"))
    person_id: Mapped[int] = mapped_column(_cascade("people.id"), index=True)
    role: Mapped[EnrollmentRole] = mapped_column(enum_type(EnrollmentRole, "role"))
    status: Mapped[EnrollmentStatus] = mapped_column(
        enum_type(EnrollmentStatus, "status"),
        default=EnrollmentStatus.ACTIVE,
        server_default=EnrollmentStatus.ACTIVE.value,
    )
    goals: Mapped[str | None] = mapped_column(sa.Text)  # the mentee's own words
    bio: Mapped[str | None] = mapped_column(sa.Text)  # the mentor's own description
    # None = not stated (e.g. enrolled by a roster import).
    experience_level: Mapped[ExperienceLevel | None] = mapped_column(
        enum_type(ExperienceLevel, "experience_level")
    )
    # 0 until the person offers to mentor, so a mentee can never be handed mentees.
    capacity: Mapped[int] = mapped_column(default=0, server_default="0")
    active_mentee_count: Mapped[int] = mapped_column(default=0, server_default="0")
    mentors_wanted: Mapped[int] = mapped_column(default=1, server_default="1")
    # None = use the program's default cadence / no format preference.
    cadence: Mapped[Cadence | None] = mapped_column(enum_type(Cadence, "cadence"))
    meeting_format: Mapped[MeetingFormat | None] = mapped_column(
        enum_type(MeetingFormat, "meeting_format")
    )
    joined_at: Mapped[datetime] = created_at_column()
    updated_at: Mapped[datetime] = updated_at_column()
    paused_at: Mapped[datetime | None]
    left_at: Mapped[datetime | None]
    # Set when no mentor fitted; the scheduler tells them when one does.
    waiting_since: Mapped[datetime | None]

    program: Mapped[Program] = relationship(back_populates="enrollments")
    person: Mapped[Person] = relationship(back_populates="enrollments")
    topics: Mapped[list[Topic]] = relationship(
        secondary=enrollment_topics, passive_deletes=True, order_by="Topic.label"
    )


_OPEN_PAIR = sa.text(
    "status IN (" + ", ".join(f"'{status.value}'" for status in OPEN_MENTORSHIP_STATUSES) + ")"
)


class Mentorship(Base):
    """A mentor–mentee pair within a program.

    At most one open (active or paused) mentorship per pair: a partial unique
    index, so ended ones stay as history and the pair can be matched again.
    """

    __tablename__ = "mentorships"
    __table_args__ = (
        sa.CheckConstraint("mentor_id <> mentee_id", name="mentor_is_not_mentee"),
        sa.CheckConstraint("status <> 'ended' OR ended_at IS NOT NULL", name="ended_has_ended_at"),
        sa.Index(
            "uq_mentorships_open_pair",
            "mentor_id",
            "mentee_id",
            unique=True,
            sqlite_where=_OPEN_PAIR,
            postgresql_where=_OPEN_PAIR,
        ),
        # Partial, for the same reason as enrollments' waiting_since.
        sa.Index(
            "ix_mentorships_at_risk_since",
            "at_risk_since",
            sqlite_where=sa.text("at_risk_since IS NOT NULL"),
            postgresql_where=sa.text("at_risk_since IS NOT NULL"),
        ),
        NO_ID_REUSE,
    )

    id: Mapped[int] = mapped_column(primary_key=True)
    team_id: Mapped[str] = mapped_column(SLACK_ID)
    # No ON DELETE: a program or person with mentorship history is not deleted by accident.
    program_id: Mapped[int] = mapped_column(sa.ForeignKey("programs.id"), index=True)
    mentor_id: Mapped[int] = mapped_column(sa.ForeignKey("people.id"), index=True)
    mentee_id: Mapped[int] = mapped_column(sa.ForeignKey("people.id"), index=True)
    status: Mapped[MentorshipStatus] = mapped_column(
        enum_type(MentorshipStatus, "status"),
        default=MentorshipStatus.ACTIVE,
        server_default=MentorshipStatus.ACTIVE.value,
    )
    cadence: Mapped[Cadence] = mapped_column(enum_type(Cadence, "cadence"))
    started_at: Mapped[datetime] = mapped_column(default=utcnow, server_default=sa.func.now())
    ended_at: Mapped[datetime | None]
    # Free text on purpose (see EndReason): new reasons need no migration.
    end_reason: Mapped[str | None] = mapped_column(sa.String(64))
    match_score: Mapped[float | None]
    match_reasons: Mapped[list[str]] = mapped_column(json_type(), default=list)
    # The scheduler claims due rows by this column.
    next_checkin_at: Mapped[datetime | None] = mapped_column(index=True)
    # A cadence change re-anchors the schedule: period `anchor_period` falls on
    # `anchor_on`, later ones follow from it at the (new) cadence. None = the kickoff.
    anchor_period: Mapped[int | None]
    anchor_on: Mapped[date | None]
    # Set when the coordinators were told the pair stopped meeting; a logged meeting clears it.
    at_risk_since: Mapped[datetime | None]
    # The mentee's next monthly goal update is due then (None = no goals to ask about).
    goals_review_at: Mapped[datetime | None] = mapped_column(index=True)
    # The current term (1, 2, ...) ends on this day; the end-of-term survey goes out then.
    term: Mapped[int] = mapped_column(default=1, server_default="1")
    term_ends_on: Mapped[date | None] = mapped_column(index=True)
    term_asked_at: Mapped[datetime | None]  # survey sent for the current term
    created_at: Mapped[datetime] = created_at_column()

    program: Mapped[Program] = relationship()
    mentor: Mapped[Person] = relationship(foreign_keys=[mentor_id])
    mentee: Mapped[Person] = relationship(foreign_keys=[mentee_id])
    goals: Mapped[list[Goal]] = relationship(
        back_populates="mentorship", cascade="all, delete-orphan", passive_deletes=True
    )
    checkins: Mapped[list[CheckIn]] = relationship(
        back_populates="mentorship",
        cascade="all, delete-orphan",
        passive_deletes=True,
        order_by="CheckIn.period",
    )
    feedback: Mapped[list[Feedback]] = relationship(
        back_populates="mentorship", cascade="all, delete-orphan", passive_deletes=True
    )


class Goal(Base):
    """One of a pair's 1-3 goals (a title and an optional target date)."""

    __tablename__ = "goals"
    __table_args__ = (NO_ID_REUSE,)

    id: Mapped[int] = mapped_column(primary_key=True)
    mentorship_id: Mapped[int] = mapped_column(_cascade("mentorships.id"), index=True)
    title: Mapped[str] = mapped_column(sa.String(255))
    detail: Mapped[str | None] = mapped_column(sa.Text)
    status: Mapped[GoalStatus] = mapped_column(
        enum_type(GoalStatus, "status"),
        default=GoalStatus.NOT_STARTED,
        server_default=GoalStatus.NOT_STARTED.value,
    )
    created_by_id: Mapped[int | None] = mapped_column(
        sa.ForeignKey("people.id", ondelete="SET NULL")
    )
    due_on: Mapped[date | None]
    created_at: Mapped[datetime] = created_at_column()
    updated_at: Mapped[datetime] = updated_at_column()
    completed_at: Mapped[datetime | None]

    mentorship: Mapped[Mentorship] = relationship(back_populates="goals")


class GoalUpdate(Base):
    """A goal's status as someone reported it: from a meeting log or the monthly update."""

    __tablename__ = "goal_updates"
    __table_args__ = (NO_ID_REUSE,)

    id: Mapped[int] = mapped_column(primary_key=True)
    goal_id: Mapped[int] = mapped_column(_cascade("goals.id"), index=True)
    checkin_id: Mapped[int | None] = mapped_column(
        sa.ForeignKey("checkins.id", ondelete="SET NULL")
    )
    author_id: Mapped[int | None] = mapped_column(sa.ForeignKey("people.id", ondelete="SET NULL"))
    status: Mapped[GoalStatus] = mapped_column(enum_type(GoalStatus, "status"))
    created_at: Mapped[datetime] = created_at_column()


class HelpRequest(Base):
    """Someone in a pair asked the coordinators for help ("Need help" on a prompt).

    Open until a coordinator marks it handled; the coordinators' App Home lists open ones.
    """

    __tablename__ = "help_requests"
    __table_args__ = (sa.Index(None, "team_id", "handled_at"), NO_ID_REUSE)

    id: Mapped[int] = mapped_column(primary_key=True)
    team_id: Mapped[str] = mapped_column(SLACK_ID)
    mentorship_id: Mapped[int] = mapped_column(_cascade("mentorships.id"), index=True)
    checkin_id: Mapped[int | None] = mapped_column(
        sa.ForeignKey("checkins.id", ondelete="SET NULL")
    )
    asker_id: Mapped[int | None] = mapped_column(sa.ForeignKey("people.id", ondelete="SET NULL"))
    text: Mapped[str | None] = mapped_column(sa.Text)
    created_at: Mapped[datetime] = created_at_column()
    handled_at: Mapped[datetime | None]
    handled_by: Mapped[str | None] = mapped_column(SLACK_ID)


class CalendarEvent(Base):
    """The .ics event proposed for one check-in period of a pair.

    The UID stays the same for the period; each change (a reschedule) raises `sequence`
    so calendar apps update the event instead of adding a second one (RFC 5545).
    `starts_at` is None when the two have no working hours in common that day.
    """

    __tablename__ = "calendar_events"
    __table_args__ = (
        sa.UniqueConstraint("mentorship_id", "period"),
        sa.CheckConstraint("sequence >= 0", name="sequence_not_negative"),
        NO_ID_REUSE,
    )

    id: Mapped[int] = mapped_column(primary_key=True)
    mentorship_id: Mapped[int] = mapped_column(_cascade("mentorships.id"))
    period: Mapped[int]
    uid: Mapped[str] = mapped_column(sa.String(255), unique=True)
    sequence: Mapped[int] = mapped_column(default=0, server_default="0")
    starts_at: Mapped[datetime | None]
    created_at: Mapped[datetime] = created_at_column()
    updated_at: Mapped[datetime] = updated_at_column()


class CheckIn(Base):
    """One check-in period of a pair; `period` is its number counted from the kickoff.

    Period n falls n cadence periods after the kickoff (see bot.cadence); a period
    skipped because it was stale after downtime leaves a gap in the numbers.
    UNIQUE(mentorship_id, period) makes each period's prompt at most once. When one
    of the two logs the meeting it counts for both: `responded_by_id` says who,
    `met_on` and `usefulness` what they said; private notes are in CheckInNote.
    `moved_to` is the day one of them moved the meeting to: later periods count from it.
    """

    __tablename__ = "checkins"
    __table_args__ = (
        sa.UniqueConstraint("mentorship_id", "period"),
        sa.CheckConstraint("period >= 1", name="period_positive"),
        sa.CheckConstraint(
            "usefulness IS NULL OR (usefulness >= 1 AND usefulness <= 5)",
            name="usefulness_range",
        ),
        sa.Index(None, "status", "due_at"),
        NO_ID_REUSE,
    )

    id: Mapped[int] = mapped_column(primary_key=True)
    mentorship_id: Mapped[int] = mapped_column(_cascade("mentorships.id"))
    period: Mapped[int]
    due_at: Mapped[datetime]
    status: Mapped[CheckInStatus] = mapped_column(
        enum_type(CheckInStatus, "status"),
        default=CheckInStatus.SCHEDULED,
        server_default=CheckInStatus.SCHEDULED.value,
    )
    prompted_at: Mapped[datetime | None]
    responded_at: Mapped[datetime | None]
    responded_by_id: Mapped[int | None] = mapped_column(
        sa.ForeignKey("people.id", ondelete="SET NULL")
    )
    notes: Mapped[str | None] = mapped_column(sa.Text)
    met_on: Mapped[date | None]
    usefulness: Mapped[int | None]  # 1-5, from whoever logged the meeting
    thanks: Mapped[str | None] = mapped_column(sa.Text)  # the mentee's words to the mentor
    moved_to: Mapped[date | None]  # rescheduled to this day (the pair's calendar)

    mentorship: Mapped[Mentorship] = relationship(back_populates="checkins")


class CheckInNote(Base):
    """A person's private notes on one check-in: shown to that person only."""

    __tablename__ = "checkin_notes"
    __table_args__ = (sa.UniqueConstraint("checkin_id", "person_id"), NO_ID_REUSE)

    id: Mapped[int] = mapped_column(primary_key=True)
    checkin_id: Mapped[int] = mapped_column(_cascade("checkins.id"))
    person_id: Mapped[int] = mapped_column(_cascade("people.id"), index=True)
    body: Mapped[str] = mapped_column(sa.Text)
    created_at: Mapped[datetime] = created_at_column()


class Feedback(Base):
    """A rating or comment on a pair; kind CLOSING is the end-of-term survey (one per
    author per term: `rating` is usefulness, `fit` the fit, `comment` for coordinators only,
    `continue_term` their choice)."""

    __tablename__ = "feedback"
    __table_args__ = (
        sa.CheckConstraint("rating >= 1 AND rating <= 5", name="rating_range"),
        sa.CheckConstraint("fit IS NULL OR (fit >= 1 AND fit <= 5)", name="fit_range"),
        sa.UniqueConstraint("mentorship_id", "author_id", "kind", "term"),
        NO_ID_REUSE,
    )

    id: Mapped[int] = mapped_column(primary_key=True)
    mentorship_id: Mapped[int] = mapped_column(_cascade("mentorships.id"), index=True)
    author_id: Mapped[int] = mapped_column(sa.ForeignKey("people.id"))
    rating: Mapped[int | None]  # NULL passes the CHECK: a comment alone is fine
    comment: Mapped[str | None] = mapped_column(sa.Text)
    kind: Mapped[FeedbackKind] = mapped_column(enum_type(FeedbackKind, "kind"))
    fit: Mapped[int | None]
    term: Mapped[int | None]  # the mentorship's term this answers (CLOSING)
    continue_term: Mapped[bool | None]
    created_at: Mapped[datetime] = created_at_column()

    mentorship: Mapped[Mentorship] = relationship(back_populates="feedback")
    author: Mapped[Person] = relationship()
