"""Enrollment, the noun: a person's place in a program, found, saved and paused.

Plain functions over a Session; the caller's unit of work commits. This module
imports nothing of mentorships or requests, so any of them can ask it for a
person's enrollment (`enrollment_in`, the one statement of that query). What a
person goes through when they join or leave (the welcome, partners told, requests
closed) is in bot.onboarding.
"""

from __future__ import annotations

from collections.abc import Collection
from dataclasses import dataclass
from datetime import datetime

from sqlalchemy import select
from sqlalchemy.orm import Session

from bot import audit
from bot.commands import COMMAND
from bot.db.enums import EnrollmentStatus, MentorshipStatus
from bot.db.models import Enrollment, Mentorship, Person, Program, Topic
from bot.people import find_person
from bot.profile import (
    DEFAULT_CADENCE,
    DEFAULT_CAPACITY,
    DEFAULT_EXPERIENCE,
    DEFAULT_FORMAT,
    MENTOR_ROLES,
    FormDefaults,
    Profile,
)
from bot.programs import topic_labels
from bot.transitions import move


class EnrollmentError(Exception):
    """A request that cannot be done as asked; `field` names the form field at fault."""

    def __init__(self, message: str, field: str | None = None) -> None:
        super().__init__(message)
        self.field = field


class NotEnrolled(EnrollmentError):
    """Asked for something only a member can do."""

    def __init__(self) -> None:
        super().__init__(
            f"You're not in the mentorship program yet. Type `{COMMAND} join` to join."
        )


@dataclass(frozen=True)
class Saved:
    enrollment: Enrollment
    joined: bool  # True for a new member (or one who left and came back)


def enrollment_in(
    session: Session,
    program_id: int,
    person_id: int,
    *,
    current: bool = False,
    for_update: bool = False,
) -> Enrollment | None:
    """The person's enrollment in the program: the one statement of this query.

    At most one row exists (unique per program and person). Someone who left keeps
    theirs, emptied, for anonymous counts: `current` leaves it out, as everyone but
    a rejoin should. `for_update` locks the row on PostgreSQL, so a save and a racing
    leave or pause take turns.
    """
    query = select(Enrollment).where(
        Enrollment.program_id == program_id, Enrollment.person_id == person_id
    )
    if current:
        query = query.where(Enrollment.status != EnrollmentStatus.LEFT)
    return session.scalar(query.with_for_update() if for_update else query)


def goals_in(session: Session, wanted: Collection[tuple[int, int]]) -> dict[tuple[int, int], str]:
    """The goals of many people's enrollments, {(program id, person id): goals} for those
    enrolled, in one query (the due-work job's batch of prompts shows the mentees')."""
    asked = set(wanted)
    if not asked:
        return {}
    programs = {program for program, _ in asked}
    people = {person for _, person in asked}
    found = session.execute(
        select(Enrollment.program_id, Enrollment.person_id, Enrollment.goals).where(
            Enrollment.program_id.in_(programs), Enrollment.person_id.in_(people)
        )
    )
    return {
        (program, person): goals or ""
        for program, person, goals in found
        if (program, person) in asked
    }


def current_enrollment(session: Session, person: Person) -> Enrollment | None:
    """The person's enrollment in whichever cohort of their workspace they are in.

    Several cohorts can run at once, but a person is in one at a time (`save_profile`
    refuses a second), so every flow that acts on "the person's enrollment" (find,
    pause, leave, the Home) finds the one. Should two ever exist (joined before cohorts
    were kept apart), the newest is theirs.
    """
    return session.scalar(
        select(Enrollment)
        .where(Enrollment.person_id == person.id, Enrollment.status != EnrollmentStatus.LEFT)
        .order_by(Enrollment.joined_at.desc(), Enrollment.id.desc())
        .limit(1)
    )


def enrollment_of(session: Session, team_id: str, user_id: str, now: datetime) -> Enrollment | None:
    """The person's current enrollment in the workspace, if they are in a cohort."""
    person = find_person(session, team_id, user_id)
    return current_enrollment(session, person) if person is not None else None


def require_enrollment(session: Session, team_id: str, user_id: str, now: datetime) -> Enrollment:
    """As `enrollment_of`, for the requests only a member can make; raises NotEnrolled."""
    enrollment = enrollment_of(session, team_id, user_id, now)
    if enrollment is None:
        raise NotEnrolled()
    return enrollment


@dataclass(frozen=True)
class FormContext:
    """What the enrollment modal needs: the program's topics and the stored profile."""

    program_id: int
    topics: tuple[str, ...]
    profile: Profile | None  # None: a newcomer
    defaults: FormDefaults


def form_context(
    session: Session, person: Person, program: Program, *, default_timezone: str
) -> FormContext:
    """The form for joining `program`, or for editing the person's profile in it."""
    enrollment = enrollment_in(session, program.id, person.id, current=True)
    return FormContext(
        program_id=program.id,
        topics=tuple(topic_labels(program)),
        profile=profile_of(enrollment, default_timezone) if enrollment else None,
        defaults=FormDefaults(
            timezone=person.tz or default_timezone,
            workday_start=person.workday_start,
            workday_end=person.workday_end,
        ),
    )


def profile_of(enrollment: Enrollment, default_timezone: str) -> Profile:
    return Profile(
        role=enrollment.role,
        topics=tuple(t.label for t in sorted(enrollment.topics, key=lambda t: t.id)),
        goals=enrollment.goals or "",
        bio=enrollment.bio or "",
        experience=enrollment.experience_level or DEFAULT_EXPERIENCE,
        capacity=enrollment.capacity or DEFAULT_CAPACITY,
        mentors_wanted=enrollment.mentors_wanted,
        cadence=enrollment.cadence or DEFAULT_CADENCE,
        meeting_format=enrollment.meeting_format or DEFAULT_FORMAT,
        timezone=enrollment.person.tz or default_timezone,
        workday_start=enrollment.person.workday_start,
        workday_end=enrollment.person.workday_end,
    )


def save_profile(
    session: Session, *, program: Program, person: Person, profile: Profile, now: datetime
) -> Saved:
    """Create or update the person's enrollment from the form; idempotent."""
    enrollment = enrollment_in(session, program.id, person.id, for_update=True)
    joined = enrollment is None or enrollment.status is EnrollmentStatus.LEFT
    if joined:
        check_not_elsewhere(session, person, program)
    mentees_now = enrollment.active_mentee_count if enrollment and not joined else 0
    capacity = profile.capacity if profile.mentors else 0
    if mentees_now and not profile.mentors:
        raise EnrollmentError(
            f"You're mentoring {_people(mentees_now)} right now, so keep a mentor role "
            "until those mentorships end.",
            field="role",
        )
    if not profile.workday_start < profile.workday_end:
        raise EnrollmentError(
            "Choose an end of your working day later than its start.", field="workday_end"
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
    person.workday_start = profile.workday_start
    person.workday_end = profile.workday_end
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


def check_not_elsewhere(session: Session, person: Person, program: Program) -> None:
    """Refuse to enroll someone who is in another cohort: one cohort per person at a time.

    The person's row is locked first (on PostgreSQL), so two joins of two cohorts at
    once take turns, and the second finds the first's enrollment.
    """
    session.execute(select(Person.id).where(Person.id == person.id).with_for_update())
    other = current_enrollment(session, person)
    if other is not None and other.program_id != program.id:
        raise AlreadyInCohort(other.program.name)


class AlreadyInCohort(EnrollmentError):
    def __init__(self, cohort: str) -> None:
        super().__init__(
            f"You're already in {cohort}, and people are in one cohort at a time. "
            "Ask a coordinator if you'd like to move.",
            field="role",
        )
        self.cohort = cohort


def set_paused(session: Session, enrollment: Enrollment, *, paused: bool, now: datetime) -> bool:
    """Pause or resume taking new mentees; False when it already was so."""
    if enrollment.role not in MENTOR_ROLES:
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


def _people(count: int) -> str:
    return "1 person" if count == 1 else f"{count} people"
