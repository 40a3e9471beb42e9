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
from bot.programs import current_program, topic_labels
from bot.transitions import move
from bot.uow import UnitOfWork
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
) -> FormContext:
    """What the join / profile form shows; raises EnrollmentError if the account can't join."""
    refusal = why_not_eligible(slack)
    if refusal is not None:
        raise EnrollmentError(refusal)
    person = upsert_person(session, team_id, slack)
    return form_context(session, person, default_timezone=settings.timezone, now=now)


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
    program = _program_of(session, program_id, team_id, now)
    parsed = parse_submission(values, topic_labels(program))
    if isinstance(parsed, dict):
        return parsed
    # Not the payload's user name (the raw handle): the id stands in until the next
    # users.info, as for a roster row.
    person = find_person(session, team_id, user_id) or upsert_person(
        session, team_id, SlackProfile(user_id, display_name=user_id)
    )
    submit_profile(session, settings, program=program, person=person, profile=parsed, now=now)
    return {}


def _program_of(session: Session, program_id: int | None, team_id: str, now: datetime) -> Program:
    """The program the form was opened for (a new cohort may have started meanwhile).

    The id comes back from the client in private_metadata: it may name no program,
    or another workspace's.
    """
    program = session.get(Program, program_id) if program_id is not None else None
    if program is None or program.team_id != team_id:
        program = current_program(session, team_id, now)
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
