"""Tables the bot keeps about its own work rather than about the program.

What it must send (announcements, the outbox), what it has already received
(processed Slack events) and what happened (the audit log). Import them from
bot.db.models like every other table.
"""

from __future__ import annotations

from datetime import datetime
from typing import TYPE_CHECKING, Any

import sqlalchemy as sa
from sqlalchemy.orm import Mapped, mapped_column, relationship

from bot.db.base import NO_ID_REUSE, SLACK_ID, Base, created_at_column
from bot.db.enums import (
    AnnouncementStatus,
    Audience,
    Milestone,
    OutboxStatus,
    RosterImportStatus,
)
from bot.db.types import enum_type, json_type, utcnow

if TYPE_CHECKING:
    from bot.db.models import Program


class Announcement(Base):
    """A coordinator's message to a channel or to a cohort by DM (see Audience).

    A milestone announcement (kickoff, mid-term, closing) is attached to its cohort and
    sent when the moment comes; UNIQUE(program, milestone) keeps one of each.
    """

    __tablename__ = "announcements"
    __table_args__ = (
        sa.Index(None, "status", "send_at"),
        sa.UniqueConstraint("program_id", "milestone"),
        sa.CheckConstraint(
            "audience <> 'channel' OR channel_id IS NOT NULL", name="channel_has_channel_id"
        ),
        NO_ID_REUSE,
    )

    id: Mapped[int] = mapped_column(primary_key=True)
    team_id: Mapped[str] = mapped_column(SLACK_ID)
    program_id: Mapped[int | None] = mapped_column(
        sa.ForeignKey("programs.id", ondelete="SET NULL")
    )
    audience: Mapped[Audience] = mapped_column(
        enum_type(Audience, "audience"),
        default=Audience.CHANNEL,
        server_default=Audience.CHANNEL.value,
    )
    milestone: Mapped[Milestone | None] = mapped_column(enum_type(Milestone, "milestone"))
    channel_id: Mapped[str | None] = mapped_column(SLACK_ID)
    text: Mapped[str] = mapped_column(sa.Text)
    blocks: Mapped[list[dict[str, Any]] | None] = mapped_column(json_type())
    author_slack_id: Mapped[str] = mapped_column(SLACK_ID)
    status: Mapped[AnnouncementStatus] = mapped_column(
        enum_type(AnnouncementStatus, "status"),
        default=AnnouncementStatus.DRAFT,
        server_default=AnnouncementStatus.DRAFT.value,
    )
    send_at: Mapped[datetime | None]
    sent_at: Mapped[datetime | None]
    message_ts: Mapped[str | None] = mapped_column(sa.String(32))
    recipients: Mapped[int | None]  # the audience's size when it was sent
    reported_at: Mapped[datetime | None]  # the author was told how it went
    created_at: Mapped[datetime] = created_at_column()

    program: Mapped[Program | None] = relationship()


class Coordinator(Base):
    """Someone a coordinator made a coordinator in Slack (`/mentor coordinators add`).

    Those in MENTORBOT_ADMINS are coordinators without a row, and cannot be removed.
    """

    __tablename__ = "coordinators"
    __table_args__ = (sa.UniqueConstraint("team_id", "slack_user_id"), NO_ID_REUSE)

    id: Mapped[int] = mapped_column(primary_key=True)
    team_id: Mapped[str] = mapped_column(SLACK_ID)
    slack_user_id: Mapped[str] = mapped_column(SLACK_ID)
    granted_by: Mapped[str] = mapped_column(SLACK_ID)
    created_at: Mapped[datetime] = created_at_column()


class OutboxMessage(Base):
    """A message the bot sends on its own initiative (see bot.outbox).

    UNIQUE(idempotency_key) turns "enqueue twice" into a no-op, so a Slack
    outage delays a message but never drops or duplicates it.
    """

    __tablename__ = "outbox_messages"
    __table_args__ = (
        sa.CheckConstraint("attempts >= 0", name="attempts_not_negative"),
        sa.Index(None, "status", "not_before"),
        sa.Index(None, "priority", "status", "not_before"),  # each lane in order (bot.outbox)
        NO_ID_REUSE,
    )

    id: Mapped[int] = mapped_column(primary_key=True)
    team_id: Mapped[str] = mapped_column(SLACK_ID)
    # e.g. "checkin-prompt:<mentorship id>:<period>"
    idempotency_key: Mapped[str] = mapped_column(sa.String(200), unique=True)
    # A Slack Web API method (chat.postMessage, views.publish) or a sender composite.
    method: Mapped[str] = mapped_column(sa.String(64))
    payload: Mapped[dict[str, Any]] = mapped_column(json_type())
    status: Mapped[OutboxStatus] = mapped_column(
        enum_type(OutboxStatus, "status"),
        default=OutboxStatus.PENDING,
        server_default=OutboxStatus.PENDING.value,
    )
    attempts: Mapped[int] = mapped_column(default=0, server_default="0")
    # 1: a notice a person's click caused, claimed ahead of bulk work; 0: bulk (bot.outbox).
    priority: Mapped[int] = mapped_column(sa.SmallInteger, default=0, server_default="0")
    # When it may next be tried; a Retry-After pushes it forward.
    not_before: Mapped[datetime] = mapped_column(default=utcnow, server_default=sa.func.now())
    claimed_at: Mapped[datetime | None]
    claimed_by: Mapped[str | None] = mapped_column(sa.String(128))  # worker id
    last_error: Mapped[str | None] = mapped_column(sa.Text)
    sent_at: Mapped[datetime | None]
    result: Mapped[dict[str, Any] | None] = mapped_column(json_type())  # e.g. channel, ts
    created_at: Mapped[datetime] = created_at_column()


class RosterImport(Base):
    """A roster file a coordinator gave the bot in Slack, until its report is queued.

    The row is written when the file is accepted, so an import outlives the process that
    started it: a worker claims it (claimed_by, claimed_at renewed while it looks people
    up), and a claim whose worker died is taken over (bot/roster_uploads). Emails are
    never stored: `report` holds the counts, or why it could not be imported.
    """

    __tablename__ = "roster_imports"
    __table_args__ = (
        sa.CheckConstraint("attempts >= 0", name="attempts_not_negative"),
        sa.Index(None, "status"),
        NO_ID_REUSE,
    )

    id: Mapped[int] = mapped_column(primary_key=True)
    team_id: Mapped[str] = mapped_column(SLACK_ID)
    requested_by: Mapped[str] = mapped_column(SLACK_ID)  # the coordinator, told the outcome
    file_id: Mapped[str] = mapped_column(sa.String(64))  # Slack's; files.info reads the rest
    file_name: Mapped[str] = mapped_column(sa.String(255))
    via: Mapped[str] = mapped_column(sa.String(16))  # "dm" (dropped in the DM) or "home"
    status: Mapped[RosterImportStatus] = mapped_column(
        enum_type(RosterImportStatus, "status"),
        default=RosterImportStatus.QUEUED,
        server_default=RosterImportStatus.QUEUED.value,
    )
    attempts: Mapped[int] = mapped_column(default=0, server_default="0")  # claims so far
    claimed_by: Mapped[str | None] = mapped_column(sa.String(128))  # worker id
    claimed_at: Mapped[datetime | None]
    report: Mapped[dict[str, Any] | None] = mapped_column(json_type())
    created_at: Mapped[datetime] = created_at_column()  # when it was accepted
    finished_at: Mapped[datetime | None]


class AuditEntry(Base):
    __tablename__ = "audit_entries"
    __table_args__ = (sa.Index(None, "team_id", "created_at"), NO_ID_REUSE)

    id: Mapped[int] = mapped_column(primary_key=True)
    team_id: Mapped[str] = mapped_column(SLACK_ID)
    actor_slack_id: Mapped[str | None] = mapped_column(SLACK_ID)  # None = the bot itself
    action: Mapped[str] = mapped_column(sa.String(64))  # e.g. "enrollment.joined"
    subject_type: Mapped[str | None] = mapped_column(sa.String(32))
    subject_id: Mapped[str | None] = mapped_column(sa.String(64))  # row id or Slack id
    detail: Mapped[dict[str, Any] | None] = mapped_column(json_type())
    created_at: Mapped[datetime] = created_at_column()


class ProcessedEvent(Base):
    """Slack Events API ids already handled.

    The handler inserts the id first; a unique violation means Slack is retrying
    (X-Slack-Retry-Num) an event whose side effects already happened.
    """

    __tablename__ = "processed_events"

    event_id: Mapped[str] = mapped_column(sa.String(64), primary_key=True)
    team_id: Mapped[str | None] = mapped_column(SLACK_ID)  # absent on some org-wide events
    # Indexed so old rows can be pruned cheaply.
    received_at: Mapped[datetime] = mapped_column(
        default=utcnow, server_default=sa.func.now(), index=True
    )
