"""The fixed vocabularies of the schema.

Each is a `StrEnum` whose *values* are what the database stores (lower case,
stable); renaming a member is free, changing a value needs a migration because
every enum column carries a CHECK listing the allowed values.
"""

from __future__ import annotations

from enum import StrEnum


class ProgramStatus(StrEnum):
    DRAFT = "draft"
    ENROLLING = "enrolling"
    ACTIVE = "active"
    CLOSED = "closed"


class Cadence(StrEnum):
    WEEKLY = "weekly"
    BIWEEKLY = "biweekly"
    MONTHLY = "monthly"


class EnrollmentRole(StrEnum):
    MENTEE = "mentee"
    MENTOR = "mentor"
    BOTH = "both"


class EnrollmentStatus(StrEnum):
    ACTIVE = "active"
    PAUSED = "paused"
    LEFT = "left"


class ExperienceLevel(StrEnum):
    """Career stage, stored by name so rows and exports read without a lookup table.

    The database orders these alphabetically, so compare by `rank`, never by value.
    """

    STUDENT = "student"
    ENTRY = "entry"
    MID = "mid"
    SENIOR = "senior"
    STAFF = "staff"
    PRINCIPAL = "principal"

    @property
    def rank(self) -> int:
        """1 (student) .. 6 (principal): the order the matcher measures gaps in."""
        return _EXPERIENCE_ORDER.index(self) + 1


_EXPERIENCE_ORDER: tuple[ExperienceLevel, ...] = tuple(ExperienceLevel)


class MeetingFormat(StrEnum):
    VIDEO = "video"
    IN_PERSON = "in_person"
    CHAT = "chat"


class MentorshipStatus(StrEnum):
    ACTIVE = "active"
    PAUSED = "paused"
    ENDED = "ended"


# A mentorship in one of these states occupies the pair (and a mentor slot).
OPEN_MENTORSHIP_STATUSES: tuple[MentorshipStatus, ...] = (
    MentorshipStatus.ACTIVE,
    MentorshipStatus.PAUSED,
)


class EndReason(StrEnum):
    """Known reasons a mentorship ended.

    Stored in a plain string column without a CHECK: the list is expected to grow
    and an unknown reason is harmless, so adding one should not need a migration.
    """

    COMPLETED = "completed"
    REMATCHED = "rematched"
    LEFT_PROGRAM = "left_program"
    DECLINED = "declined"
    EXPIRED = "expired"
    PROGRAM_CLOSED = "program_closed"
    ENDED_BY_PARTICIPANT = "ended_by_participant"
    ENDED_BY_ADMIN = "ended_by_admin"


class GoalStatus(StrEnum):
    """Where a goal stands, in the mentee's words from the monthly update or a meeting log."""

    NOT_STARTED = "not_started"
    ON_TRACK = "on_track"
    DONE = "done"
    DROPPED = "dropped"


class CheckInStatus(StrEnum):
    SCHEDULED = "scheduled"
    PROMPTED = "prompted"
    MET = "met"
    SKIPPED = "skipped"
    MISSED = "missed"


class FeedbackKind(StrEnum):
    CHECKIN = "checkin"
    MIDPOINT = "midpoint"
    CLOSING = "closing"


class AnnouncementStatus(StrEnum):
    DRAFT = "draft"  # written, shown as a preview, not confirmed yet
    SCHEDULED = "scheduled"  # confirmed, waits for send_at
    SENDING = "sending"  # its messages are in the outbox
    SENT = "sent"
    FAILED = "failed"
    CANCELLED = "cancelled"


class Audience(StrEnum):
    """Who an announcement reaches: a channel, or a DM to a cohort's participants."""

    CHANNEL = "channel"
    COHORT = "cohort"  # every participant
    COHORT_MENTORS = "cohort_mentors"
    COHORT_MENTEES = "cohort_mentees"


class Milestone(StrEnum):
    """A cohort moment an announcement can be attached to."""

    KICKOFF = "kickoff"  # a matching round approved
    MIDTERM = "midterm"
    CLOSING = "closing"


class OutboxStatus(StrEnum):
    PENDING = "pending"
    SENDING = "sending"
    SENT = "sent"
    FAILED = "failed"  # gave up: the dead letter state


class RosterImportStatus(StrEnum):
    """A roster a coordinator gave the bot in Slack (bot/roster_uploads)."""

    QUEUED = "queued"  # accepted; no worker has it yet
    RUNNING = "running"  # a worker holds it (claimed_by, renewed while it works)
    DONE = "done"  # applied, and its report queued in the same transaction
    FAILED = "failed"  # could not be imported; why is in the report, queued likewise


class RequestStatus(StrEnum):
    """A mentee's ask to one mentor; a chain of up to three is asked in order."""

    QUEUED = "queued"  # a later choice, asked if the earlier ones say no or expire
    PENDING = "pending"  # asked, waiting for the mentor
    ACCEPTED = "accepted"
    DECLINED = "declined"
    EXPIRED = "expired"
    CANCELLED = "cancelled"  # an earlier choice accepted, or the mentee withdrew


OPEN_REQUEST_STATUSES: tuple[RequestStatus, ...] = (RequestStatus.QUEUED, RequestStatus.PENDING)


class RoundStatus(StrEnum):
    PROPOSED = "proposed"
    APPROVED = "approved"
    DISCARDED = "discarded"
