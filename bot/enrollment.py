"""Enrollment: joining, keeping and leaving one's mentorship profile.

Plain functions over a Session; the caller commits. Every message they cause is
queued in the outbox in the same transaction, under a key that makes a retried
or double-clicked request harmless.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime

from slack_sdk.models.blocks import Block, MarkdownTextObject, SectionBlock
from sqlalchemy import select
from sqlalchemy.orm import Session

from bot import audit, keys, mentorships, outbox, privacy
from bot import requests as mentorship_requests
from bot.db.enums import (
    OPEN_REQUEST_STATUSES,
    EndReason,
    EnrollmentRole,
    EnrollmentStatus,
    MentorshipStatus,
    RequestStatus,
)
from bot.db.models import (
    Enrollment,
    Mentorship,
    MentorshipRequest,
    Person,
    Program,
    Topic,
)
from bot.keys import Kind
from bot.messages import mentor_left_text, partner_left_text, request_withdrawn_text
from bot.people import find_person
from bot.profile import FormDefaults, Profile
from bot.programs import current_program, topic_labels
from bot.transitions import move


class EnrollmentError(Exception):
    """A request that cannot be done as asked; `field` names the form field at fault."""

    def __init__(self, message: str, field: str | None = None) -> None:
        super().__init__(message)
        self.field = field


@dataclass(frozen=True)
class Saved:
    enrollment: Enrollment
    joined: bool  # True for a new member (or one who left and came back)


def enrollment_of(session: Session, team_id: str, user_id: str, now: datetime) -> Enrollment | None:
    """The person's current enrollment in the workspace's program, if they are in it."""
    person = find_person(session, team_id, user_id)
    if person is None:
        return None
    program = current_program(session, team_id, now)
    return session.scalar(
        select(Enrollment).where(
            Enrollment.program_id == program.id,
            Enrollment.person_id == person.id,
            Enrollment.status != EnrollmentStatus.LEFT,
        )
    )


@dataclass(frozen=True)
class FormContext:
    """What the enrollment modal needs: the program's topics and the stored profile."""

    program_id: int
    topics: list[str]
    profile: Profile | None  # None: a newcomer
    defaults: FormDefaults


def form_context(
    session: Session, person: Person, *, default_timezone: str, now: datetime
) -> FormContext:
    program = current_program(session, person.team_id, now)
    enrollment = enrollment_of(session, person.team_id, person.slack_user_id, now)
    return FormContext(
        program_id=program.id,
        topics=topic_labels(program),
        profile=profile_of(enrollment, default_timezone) if enrollment else None,
        defaults=FormDefaults(timezone=person.tz or default_timezone),
    )


def profile_of(enrollment: Enrollment, default_timezone: str) -> Profile:
    return Profile(
        role=enrollment.role,
        topics=tuple(t.label for t in sorted(enrollment.topics, key=lambda t: t.id)),
        goals=enrollment.goals or "",
        bio=enrollment.bio or "",
        experience=enrollment.experience_level or Profile.experience,
        capacity=enrollment.capacity or Profile.capacity,
        mentors_wanted=enrollment.mentors_wanted,
        cadence=enrollment.cadence or Profile.cadence,
        meeting_format=enrollment.meeting_format or Profile.meeting_format,
        timezone=enrollment.person.tz or default_timezone,
    )


def save_profile(
    session: Session, *, program: Program, person: Person, profile: Profile, now: datetime
) -> Saved:
    """Create or update the person's enrollment from the form; idempotent."""
    enrollment = session.scalar(
        select(Enrollment)
        .where(Enrollment.program_id == program.id, Enrollment.person_id == person.id)
        .with_for_update()
    )
    joined = enrollment is None or enrollment.status is EnrollmentStatus.LEFT
    mentees_now = enrollment.active_mentee_count if enrollment and not joined else 0
    capacity = profile.capacity if profile.mentors else 0
    if mentees_now and not profile.mentors:
        raise EnrollmentError(
            f"You're mentoring {_people(mentees_now)} right now, so keep a mentor role "
            "until those mentorships end.",
            field="role",
        )
    if mentees_now > capacity:
        raise EnrollmentError(
            f"You're mentoring {_people(mentees_now)} right now; choose at least {mentees_now}.",
            field="capacity",
        )

    if enrollment is None:
        enrollment = Enrollment(
            program_id=program.id, person_id=person.id, joined_at=now, active_mentee_count=0
        )
        session.add(enrollment)
    elif joined:  # back after leaving: the row was locked above, so this move is ours
        move(
            session,
            Enrollment,
            enrollment.id,
            source=EnrollmentStatus.LEFT,
            target=EnrollmentStatus.ACTIVE,
            joined_at=now,
            left_at=None,
            paused_at=None,
            active_mentee_count=0,
        )
    enrollment.role = profile.role
    enrollment.goals = profile.goals
    enrollment.bio = profile.bio or None
    enrollment.experience_level = profile.experience
    enrollment.capacity = capacity
    enrollment.mentors_wanted = profile.mentors_wanted
    enrollment.cadence = profile.cadence
    enrollment.meeting_format = profile.meeting_format
    enrollment.topics = list(
        session.scalars(
            select(Topic).where(Topic.program_id == program.id, Topic.label.in_(profile.topics))
        )
    )
    enrollment.updated_at = now
    person.tz = profile.timezone
    session.flush()
    audit.record(
        session,
        team_id=program.team_id,
        actor=person.slack_user_id,
        action="enrollment.joined" if joined else "enrollment.updated",
        subject_type="enrollment",
        subject_id=enrollment.id,
        now=now,
        detail={"role": profile.role.value, "topics": len(profile.topics)},
    )
    return Saved(enrollment=enrollment, joined=joined)


def set_paused(session: Session, enrollment: Enrollment, *, paused: bool, now: datetime) -> bool:
    """Pause or resume taking new mentees; False when it already was so."""
    if enrollment.role is EnrollmentRole.MENTEE:
        raise EnrollmentError(
            "Pausing is for mentors: it stops new mentee requests while you're busy. "
            "As a mentee you can simply not ask for a mentor until you're ready."
        )
    source, target = EnrollmentStatus.ACTIVE, EnrollmentStatus.PAUSED
    if not paused:
        source, target = target, source
    moved = move(
        session,
        Enrollment,
        enrollment.id,
        source=source,
        target=target,
        paused_at=now if paused else None,
    )
    if not moved:
        return False
    audit.record(
        session,
        team_id=enrollment.program.team_id,
        actor=enrollment.person.slack_user_id,
        action="enrollment.paused" if paused else "enrollment.resumed",
        subject_type="enrollment",
        subject_id=enrollment.id,
        now=now,
    )
    return True


def active_mentorships(session: Session, person: Person) -> list[Mentorship]:
    return list(
        session.scalars(
            select(Mentorship)
            .where(
                (Mentorship.mentor_id == person.id) | (Mentorship.mentee_id == person.id),
                Mentorship.status.in_([MentorshipStatus.ACTIVE, MentorshipStatus.PAUSED]),
            )
            .order_by(Mentorship.id)
        )
    )


def leave(session: Session, enrollment: Enrollment, *, now: datetime) -> list[str] | None:
    """End the person's mentorships, tell each partner kindly, forget what they wrote.

    The enrollment row stays, emptied, with status LEFT: programs keep anonymous
    counts (how many joined, in which role) without keeping the person's words.
    Every step is a guarded transition, so a double submit or a racing answer acts
    once: returns the Slack ids of the partners who were told, or None when the
    enrollment had already left (the second of two confirmations).
    """
    person = enrollment.person
    team_id = enrollment.program.team_id
    if not _mark_left(session, enrollment, now):
        return None
    privacy.forget(session, person, privacy.traces_of(session, person, enrollment))
    told = _end_mentorships(session, person, team_id, now)
    _close_requests(session, person, now)

    enrollment.goals = enrollment.bio = None
    enrollment.topics = []
    enrollment.capacity = 0
    enrollment.active_mentee_count = 0
    person.real_name = person.title = person.org_team = None
    person.display_name = ""
    audit.record(
        session,
        team_id=team_id,
        actor=person.slack_user_id,
        action="enrollment.left",
        subject_type="enrollment",
        subject_id=enrollment.id,
        now=now,
        detail={"mentorships_ended": len(told)},
    )
    return told


def _mark_left(session: Session, enrollment: Enrollment, now: datetime) -> bool:
    """ACTIVE/PAUSED -> LEFT; False when another request moved it first.

    On PostgreSQL the second of two racing leaves waits here for the first to
    commit, then finds the row LEFT and does nothing.
    """
    return move(
        session,
        Enrollment,
        enrollment.id,
        source=(EnrollmentStatus.ACTIVE, EnrollmentStatus.PAUSED),
        target=EnrollmentStatus.LEFT,
        left_at=now,
        paused_at=None,
        waiting_since=None,
    )


def _end_mentorships(session: Session, person: Person, team_id: str, now: datetime) -> list[str]:
    told: list[str] = []
    for mentorship in active_mentorships(session, person):
        partner = mentorship.mentee if mentorship.mentor_id == person.id else mentorship.mentor
        if not mentorships.end(session, mentorship, reason=EndReason.LEFT_PROGRAM, now=now):
            continue  # ended by someone else a moment ago
        outbox.enqueue(
            session,
            team_id=team_id,
            key=keys.once(Kind.PARTNER_LEFT, mentorship.id),
            method="chat.postMessage",
            payload={
                "channel": partner.slack_user_id,
                "text": partner_left_text(
                    person.slack_user_id, partner_was_mentor=mentorship.mentor_id == partner.id
                ),
            },
            not_before=now,
        )
        told.append(partner.slack_user_id)
    return told


def _close_requests(session: Session, person: Person, now: datetime) -> None:
    """Nobody may accept a mentee who left; a mentor who left is skipped for the next choice."""
    open_requests = session.scalars(
        select(MentorshipRequest)
        .where(
            (MentorshipRequest.mentee_id == person.id) | (MentorshipRequest.mentor_id == person.id),
            MentorshipRequest.status.in_(OPEN_REQUEST_STATUSES),
        )
        .order_by(MentorshipRequest.id)
    ).all()
    for request in open_requests:
        was = request.status
        if request.mentor_id == person.id and was is RequestStatus.PENDING:
            notice = _mentor_left_notice(person.slack_user_id)
            mentorship_requests.mentor_left(session, request, notice, now)
        elif _cancel(session, request, was, now) and was is RequestStatus.PENDING:
            _withdraw_request_dm(session, request, person, now)


def _cancel(
    session: Session, request: MentorshipRequest, was: RequestStatus, now: datetime
) -> bool:
    """QUEUED or PENDING -> CANCELLED, guarded on the state it was read in."""
    return move(
        session,
        MentorshipRequest,
        request.id,
        source=was,
        target=RequestStatus.CANCELLED,
        responded_at=now,
    )


def _mentor_left_notice(mentor_user_id: str) -> mentorship_requests.Notice:
    def notice(next_mentor: Person | None) -> tuple[str, list[Block]]:
        text = mentor_left_text(mentor_user_id, next_mentor.slack_user_id if next_mentor else None)
        return text, [SectionBlock(text=MarkdownTextObject(text=text))]

    return notice


def _withdraw_request_dm(
    session: Session, request: MentorshipRequest, mentee: Person, now: datetime
) -> None:
    """Take the buttons and the mentee's profile off the mentor's request DM, if delivered."""
    text = request_withdrawn_text(mentee.slack_user_id)
    blocks = [SectionBlock(text=MarkdownTextObject(text=text))]
    mentorship_requests.rewrite_request_dm(
        session, request, Kind.REQUEST_WITHDRAWN, text, blocks, now
    )


def _people(count: int) -> str:
    return "1 person" if count == 1 else f"{count} people"
