"""The enrollment flow as a person experiences it: what each step changes and what
they are told. These are the services the Slack listeners call, one per step.

Each takes the unit of work's session (the submission takes the factory of units of
work, to retry in a fresh transaction) and returns plain values: texts, counts, the
form's context. A request that cannot be done raises an `EnrollmentError` whose text
is the answer, so the unit of work rolls back whatever was begun.
"""

from __future__ import annotations

from collections.abc import Callable, Mapping
from datetime import datetime
from typing import Any

from slack_sdk.models.blocks import Block, MarkdownTextObject, SectionBlock
from sqlalchemy import select
from sqlalchemy.exc import IntegrityError
from sqlalchemy.orm import Session

from bot import audit, checkins, keys, mentorships, outbox, privacy
from bot import requests as mentorship_requests
from bot.config import Settings
from bot.db.enums import (
    OPEN_REQUEST_STATUSES,
    EndReason,
    EnrollmentRole,
    EnrollmentStatus,
    RequestStatus,
)
from bot.db.models import Enrollment, MentorshipRequest, Person, Program
from bot.enrollment import (
    EnrollmentError,
    FormContext,
    Saved,
    active_mentorships,
    current_enrollment,
    enrollment_of,
    form_context,
    require_enrollment,
    save_profile,
    set_paused,
)
from bot.enrollment_form import parse_submission
from bot.home import queue_home_publish
from bot.keys import Kind
from bot.messages import mentor_left_text, partner_left_text, request_withdrawn_text
from bot.notices import notify
from bot.people import SlackProfile, find_person, upsert_person, why_not_eligible, workday_of
from bot.profile import Profile
from bot.programs import joinable, open_cohorts, topic_labels
from bot.transitions import move
from bot.uow import UnitOfWork
from bot.views.enrollment import CohortChoice, CohortOption
from bot.views.guides import welcome_dm

SLACK_BUSY = "Slack is busy right now and I couldn't open the form. Please try again in a moment."
LEFT_TEXT = (
    "You've left the mentorship program. Your profile, goals and notes are deleted. "
    "Thank you for taking part; you're welcome back any time with `/mentor join`."
)
PAUSED = (
    "Paused: you won't get new mentee requests until you type `/mentor resume`. "
    "Your current mentorships carry on as before."
)
ALREADY_PAUSED = "You're already paused. Type `/mentor resume` when you're ready again."
RESUMED = "Welcome back: you can get new mentee requests again."
ALREADY_OPEN = "You're already open to new mentees."
ENROLLMENT_CLOSED = (
    "Enrollment is closed right now, so there's no cohort to join today. Thank you for "
    "your interest! Your program's coordinator can tell you when the next one opens."
)
COHORT_GONE = "This cohort has just closed enrollment. Close this form and try /mentor join again."


# --- the steps the listeners call ---------------------------------------------------------


def tell(session: Session, *, team_id: str, user_id: str, text: str, now: datetime) -> None:
    """A sentence by DM, for a click on the Home tab (where no reply can carry it)."""
    notify(
        session,
        team_id=team_id,
        user_id=user_id,
        text=text,
        key=keys.each(Kind.NOTICE, user_id, at=now),
        now=now,
    )


def open_form(
    session: Session, settings: Settings, *, team_id: str, slack: SlackProfile, now: datetime
) -> FormContext | CohortChoice:
    """What the join / profile form shows: a member's profile in their cohort; for a
    newcomer the form of the one open cohort, or first the choice when several are open.

    Raises EnrollmentError if the account can't join, or when no cohort is open to join.
    """
    refusal = why_not_eligible(slack)
    if refusal is not None:
        raise EnrollmentError(refusal)
    person = upsert_person(session, team_id, slack)
    enrollment = current_enrollment(session, person)
    if enrollment is not None:
        return form_context(session, person, enrollment.program, default_timezone=settings.timezone)
    cohorts = open_cohorts(session, team_id, now)
    if not cohorts:
        raise EnrollmentError(ENROLLMENT_CLOSED)
    if len(cohorts) == 1:
        return form_context(session, person, cohorts[0], default_timezone=settings.timezone)
    return CohortChoice(tuple(_option(program) for program in cohorts))


def _option(program: Program) -> CohortOption:
    return CohortOption(
        program_id=program.id,
        name=program.name,
        objective=program.objective,
        starts_on=program.starts_on,
        ends_on=program.ends_on,
    )


def choose_cohort(
    session: Session,
    settings: Settings,
    *,
    team_id: str,
    user_id: str,
    program_id: int | None,
    now: datetime,
) -> FormContext:
    """The form of the cohort a newcomer chose (the first page of the join form).

    The choice comes back from the client: it must name a cohort of this workspace
    open to joining, else EnrollmentError (field "cohort") says so.
    """
    person = find_person(session, team_id, user_id) or upsert_person(
        session, team_id, SlackProfile(user_id, display_name=user_id)
    )
    enrollment = current_enrollment(session, person)
    if enrollment is not None:  # joined meanwhile (another tab): their own cohort's form
        program = enrollment.program
    else:
        program = _joinable(session, team_id, program_id)
        if program is None:
            raise EnrollmentError(COHORT_GONE, field="cohort")
    return form_context(session, person, program, default_timezone=settings.timezone)


def submit_form(
    units: Callable[[], UnitOfWork],
    settings: Settings,
    *,
    team_id: str,
    user_id: str,
    program_id: int | None,
    values: Mapping[str, Mapping[str, Any]],
    now: datetime,
) -> dict[str, str]:
    """Save a form submission: {} once saved, else the form's errors by block id.

    Raises EnrollmentError (its `field` names the form field) when the profile breaks
    a rule of the program, e.g. dropping the mentor role while mentoring someone.
    """

    def save() -> dict[str, str]:
        with units() as uow:
            return _save_form(uow.session, settings, team_id, user_id, program_id, values, now)

    try:
        return save()
    except IntegrityError:
        # Two quick submissions raced to create the enrollment: the loser saves again,
        # as an update, in a fresh transaction that sees the winner's row.
        return save()


def pause_or_resume(
    session: Session, settings: Settings, *, team_id: str, user_id: str, paused: bool, now: datetime
) -> str:
    """Stop or restart new mentee requests; returns what to tell the person.

    Raises EnrollmentError for a non-member or a mentee (pausing is for mentors).
    """
    enrollment = require_enrollment(session, team_id, user_id, now)
    changed = set_paused(session, enrollment, paused=paused, now=now)
    refresh_home(
        session, settings, enrollment.person, cause="pause" if paused else "resume", now=now
    )
    if paused:
        return PAUSED if changed else ALREADY_PAUSED
    return RESUMED if changed else ALREADY_OPEN


def leave_prompt(session: Session, *, team_id: str, user_id: str, now: datetime) -> int:
    """How many mentorships leaving would end; raises NotEnrolled for a non-member."""
    enrollment = require_enrollment(session, team_id, user_id, now)
    return len(active_mentorships(session, enrollment.person))


def confirm_leave(
    session: Session, settings: Settings, *, team_id: str, user_id: str, now: datetime
) -> list[str]:
    """Leave after the confirmation; partners told (none when a second click finds them gone)."""
    enrollment = enrollment_of(session, team_id, user_id, now)
    if enrollment is None:
        return []
    return leave_program(session, settings, enrollment, now=now)


def guide_role(
    session: Session, *, team_id: str, user_id: str, now: datetime
) -> EnrollmentRole | None:
    """The role whose guide the Home's Guide button shows (None: not a member, show all)."""
    enrollment = enrollment_of(session, team_id, user_id, now)
    return enrollment.role if enrollment is not None else None


# --- joining ------------------------------------------------------------------------------


def _save_form(
    session: Session,
    settings: Settings,
    team_id: str,
    user_id: str,
    program_id: int | None,
    values: Mapping[str, Mapping[str, Any]],
    now: datetime,
) -> dict[str, str]:
    # Not the payload's user name (the raw handle): the id stands in until the next
    # users.info, as for a roster row.
    person = find_person(session, team_id, user_id) or upsert_person(
        session, team_id, SlackProfile(user_id, display_name=user_id)
    )
    program = _program_of(session, program_id, person, now)
    parsed = parse_submission(values, topic_labels(program))
    if isinstance(parsed, dict):
        return parsed
    submit_profile(session, settings, program=program, person=person, profile=parsed, now=now)
    return {}


def _program_of(session: Session, program_id: int | None, person: Person, now: datetime) -> Program:
    """The cohort the form saves to: a member's own; for a newcomer, the one the form was
    opened for, if it is still open to joining.

    The id comes back from the client in private_metadata: it may name no program, a
    closed one, or another workspace's. Without a usable id the one open cohort is meant
    (as when there was only ever one program); with several, or none, the form says so.
    """
    enrollment = current_enrollment(session, person)
    if enrollment is not None:
        return enrollment.program
    program = _joinable(session, person.team_id, program_id)
    if program is not None:
        return program
    named = session.get(Program, program_id) if program_id is not None else None
    cohorts = open_cohorts(session, person.team_id, now)
    if (named is None or named.team_id != person.team_id) and len(cohorts) == 1:
        return cohorts[0]
    raise EnrollmentError(COHORT_GONE, field="role")


def _joinable(session: Session, team_id: str, program_id: int | None) -> Program | None:
    program = session.get(Program, program_id) if program_id is not None else None
    if program is None or program.team_id != team_id or not joinable(program):
        return None
    return program


def submit_profile(
    session: Session,
    settings: Settings,
    *,
    program: Program,
    person: Person,
    profile: Profile,
    now: datetime,
) -> Saved:
    """Save the form; a newcomer gets the welcome DM with their role's guide, once.

    New working hours (or a new zone) move their pairs' next prompts with them.
    """
    hours_before = workday_of(person, settings.timezone)
    saved = save_profile(session, program=program, person=person, profile=profile, now=now)
    if workday_of(person, settings.timezone) != hours_before:
        checkins.hours_changed(session, person, default_tz=settings.timezone)
    if saved.joined:
        first_name = person.real_name.split()[0] if person.real_name else None
        text, blocks = welcome_dm(profile, first_name=first_name)
        outbox.enqueue(
            session,
            team_id=program.team_id,
            # One welcome per joining, however often the form is submitted.
            key=keys.each(Kind.WELCOME, saved.enrollment.id, at=saved.enrollment.joined_at),
            method="chat.postMessage",
            payload={
                "channel": person.slack_user_id,
                "text": text,
                "blocks": [block.to_dict() for block in blocks],
            },
            not_before=now,
        )
    refresh_home(session, settings, person, cause="profile", now=now)
    return saved


# --- leaving ------------------------------------------------------------------------------


def leave_program(
    session: Session, settings: Settings, enrollment: Enrollment, *, now: datetime
) -> list[str]:
    """Leave, confirm by DM, and show the person a fresh Home; returns partners told.

    The DM says their words are deleted: `leave` blanks them in every table,
    the outbox included (see bot.privacy).
    """
    person = enrollment.person
    told = leave(session, enrollment, now=now)
    if told is None:
        return []  # the other of two confirmations did it, and said so
    outbox.enqueue(
        session,
        team_id=person.team_id,
        key=keys.each(Kind.LEFT, enrollment.id, at=now),
        method="chat.postMessage",
        payload={"channel": person.slack_user_id, "text": LEFT_TEXT},
        not_before=now,
    )
    refresh_home(session, settings, person, cause="left", now=now)
    return told


def refresh_home(
    session: Session, settings: Settings, person: Person, *, cause: str, now: datetime
) -> None:
    queue_home_publish(
        session,
        settings,
        team_id=person.team_id,
        user_id=person.slack_user_id,
        cause=f"{cause}:{now.isoformat()}",
        now=now,
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
    close_requests(session, person, now)

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


def close_requests(
    session: Session, person: Person, now: datetime, *, program_id: int | None = None
) -> None:
    """Nobody may accept a mentee who left; a mentor who left is skipped for the next choice.

    `program_id`: only that cohort's requests (someone moved out of it), else all of them.
    """
    query = (
        select(MentorshipRequest)
        .where(
            (MentorshipRequest.mentee_id == person.id) | (MentorshipRequest.mentor_id == person.id),
            MentorshipRequest.status.in_(OPEN_REQUEST_STATUSES),
        )
        .order_by(MentorshipRequest.id)
    )
    if program_id is not None:
        query = query.where(MentorshipRequest.program_id == program_id)
    open_requests = session.scalars(query).all()
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
