"""Cohorts: coordinators create and edit them, list them with their counts, and add people
to one or move people out of it.

A cohort is a `programs` row. Several can run at once; a person is in one at a time
(bot.enrollment.check_not_elsewhere), so every flow that acts on "the person's
enrollment" finds the one. People join an open cohort through the enrollment form
(bot.onboarding); coordinators add or move them here.

Every service checks the right on the server for each request (`is_coordinator`): the
forms and buttons are only shown to coordinators, but anyone in the workspace can forge
their payloads. A member's forged payload changes nothing, is answered politely by DM,
and leaves `refused.cohort.*` in the audit trail and a log line. Every change is audited
(`cohort.*`).

Moving someone out ends nothing silently: their open pairs in the cohort end
(bot.mentorships.end, ENDED_BY_ADMIN: the mentor's slot is freed once), each partner is
told kindly in their working hours (a mentee with "Find a mentor"), their open requests
close as when someone leaves, the person is told, and the coordinator gets a summary.

A cohort's end date is the end of term of its pairs (bot.mentorships.first_term_end);
when a coordinator moves it, `move_term_ends` moves the pairs not surveyed yet with it.
"""

from __future__ import annotations

import re
from collections.abc import Sequence
from dataclasses import dataclass
from datetime import UTC, date, datetime, time
from enum import StrEnum

from sqlalchemy import case, exists, func, select, update
from sqlalchemy.exc import IntegrityError
from sqlalchemy.orm import Session

from bot import audit, keys, mentorships, onboarding
from bot.config import SLACK_USER_ID, Settings
from bot.coordinators import is_coordinator
from bot.db.enums import (
    OPEN_MENTORSHIP_STATUSES,
    Cadence,
    EndReason,
    EnrollmentRole,
    EnrollmentStatus,
    MentorshipStatus,
    ProgramStatus,
)
from bot.db.models import Enrollment, Mentorship, Person, Program, Topic
from bot.enrollment import AlreadyInCohort, check_not_elsewhere, enrollment_in
from bot.home import queue_home_publish
from bot.keys import Kind
from bot.notices import dm, notify, refuse
from bot.people import SlackProfile, find_person, upsert_person, workday_of
from bot.profile import DEFAULT_CAPACITY, MENTEE_ROLES, MENTOR_ROLES
from bot.programs import TopicError, clean_topic, program_named
from bot.text_input import UnreadableText, clean_text
from bot.transitions import move
from bot.views.cohorts import (
    CLOSED,
    COHORT_GONE,
    COORDINATORS_ONLY,
    MAX_MEMBERS,
    NAME_MAX,
    NO_COHORT_YET,
    OBJECTIVE_MAX,
    OBJECTIVES,
    OPEN,
    OTHER,
    CohortCounts,
    CohortFields,
    CohortForm,
    EndedPair,
    MembersForm,
    MembersOutcome,
    Saved,
    added_message,
    day,
    members_summary,
    partner_told,
    removed_message,
)
from bot.views.enrollment import MAX_TOPIC_CHOICES

_CHANNEL = re.compile(r"[CG][A-Z0-9]{2,20}")  # a public or private channel's id


class Field(StrEnum):
    """A field of the cohort or Members form, for an error beside it."""

    NAME = "name"
    OBJECTIVE = "objective"
    OTHER = "objective_other"
    STARTS = "starts_on"
    ENDS = "ends_on"
    CADENCE = "cadence"
    ENROLLMENT = "enrollment"
    CHANNEL = "channel"
    TOPICS = "topics"
    COHORT = "cohort"
    ADD = "add"
    ROLE = "role"
    REMOVE = "remove"


Errors = dict[Field, str]


@dataclass(frozen=True)
class Actor:
    team_id: str
    user_id: str


@dataclass(frozen=True)
class CohortInput:
    """What the cohort form sent, as read from the payload: nothing checked yet."""

    name: str | None = None
    objective: str | None = None
    other: str | None = None
    starts_on: str | None = None
    ends_on: str | None = None
    cadence: str | None = None
    enrollment: str | None = None
    channel_id: str | None = None
    topics: str | None = None


@dataclass(frozen=True)
class MembersInput:
    """What the Members form sent: the cohort chosen in it (if it has the select), the
    people to add and their role, the people to move out."""

    program_id: int | None = None
    add: tuple[str, ...] = ()
    role: str | None = None
    remove: tuple[str, ...] = ()


class CohortError(Exception):
    """A request about cohorts that cannot be done as asked; str(error) is the answer."""


class UnknownCohort(CohortError):
    def __init__(self, name: str, known: list[str]) -> None:
        super().__init__(name)
        self.name = name
        self.known = known


# --- the cohort form ----------------------------------------------------------------------


def cohort_form(
    session: Session,
    settings: Settings,
    actor: Actor,
    *,
    now: datetime,
    name: str = "",
    program_id: int | None = None,
) -> CohortForm | None:
    """The form to create a cohort, or to edit the one named (or picked in the form).

    None when the actor was refused (told by DM); raises UnknownCohort for a name that
    names none.
    """
    subject = program_id if program_id is not None else (name or "new")
    if not _allowed(session, settings, actor, "form", subject, now):
        return None
    program = None
    if name:
        program = program_named(session, actor.team_id, name)
        if program is None:
            raise UnknownCohort(name, [known for _, known in _cohorts(session, actor.team_id)])
    elif program_id is not None:
        program = _cohort(session, actor, "form", program_id, now)
        if program is None:
            return None
    fields = _fields_of(program) if program is not None else CohortFields()
    return CohortForm(
        program.id if program is not None else None, fields, _cohorts(session, actor.team_id)
    )


def save_cohort(
    session: Session,
    settings: Settings,
    actor: Actor,
    program_id: int | None,
    data: CohortInput,
    *,
    now: datetime,
) -> Saved | Errors | None:
    """Create the cohort (no id) or save the one edited: what was saved, or the errors
    beside the fields; None when the actor was refused (told by DM)."""
    if not _allowed(session, settings, actor, "save", program_id or "new", now):
        return None
    program = None
    if program_id is not None:
        program = _cohort(session, actor, "save", program_id, now, lock=True)
        if program is None:
            return None
    checked = check_cohort(session, actor.team_id, program, data)
    if not isinstance(checked, CohortFields):
        return checked
    try:
        with session.begin_nested():  # a name taken a moment ago leaves nothing half-saved
            saved = _apply(session, actor, program, checked, now, settings.timezone)
    except IntegrityError:
        return {Field.NAME: _name_taken(checked.name)}
    refresh_coordinator_home(session, settings, actor, now=now)
    return saved


def check_cohort(
    session: Session, team_id: str, program: Program | None, data: CohortInput
) -> CohortFields | Errors:
    """The form's values as a cohort's settings, or an error beside each field at fault."""
    errors: Errors = {}
    name = _one_line(data.name, Field.NAME, errors)
    if not name and Field.NAME not in errors:
        errors[Field.NAME] = "Give the cohort a name."
    elif len(name) > NAME_MAX:
        errors[Field.NAME] = f"Keep the name under {NAME_MAX} characters (it's {len(name)})."
    elif name and _taken(session, team_id, name, program):
        errors[Field.NAME] = _name_taken(name)
    objective = _objective(data, errors)
    starts_on = _day(data.starts_on, Field.STARTS, errors)
    ends_on = _day(data.ends_on, Field.ENDS, errors)
    if starts_on and ends_on and ends_on <= starts_on:
        errors[Field.ENDS] = f"Choose an end after the start ({day(starts_on)})."
    cadence = _cadence(data.cadence)
    if cadence is None:
        errors[Field.CADENCE] = "Choose how often pairs meet when they haven't said."
    if data.enrollment not in (OPEN, CLOSED):
        errors[Field.ENROLLMENT] = "Choose whether people can join it."
    if data.channel_id is not None and not _CHANNEL.fullmatch(data.channel_id):
        errors[Field.CHANNEL] = "Choose a channel from the list."
    topics = _topics(data.topics, errors)
    if errors:
        return errors
    assert cadence is not None
    return CohortFields(
        name=name,
        objective=objective,
        starts_on=starts_on,
        ends_on=ends_on,
        cadence=cadence,
        enrollment_open=data.enrollment == OPEN,
        channel_id=data.channel_id,
        topics=topics,
    )


def _apply(
    session: Session,
    actor: Actor,
    program: Program | None,
    fields: CohortFields,
    now: datetime,
    default_tz: str,
) -> Saved:
    created = program is None
    if program is None:
        program = Program(
            team_id=actor.team_id,
            name=fields.name,
            status=ProgramStatus.ACTIVE,
            created_by=actor.user_id,
            created_at=now,
        )
        session.add(program)
    before = _fields_of(program) if not created else None
    program.name = fields.name
    program.objective = fields.objective
    program.starts_on, program.ends_on = fields.starts_on, fields.ends_on
    program.default_cadence = fields.cadence
    program.enrollment_open = fields.enrollment_open
    program.announcement_channel_id = fields.channel_id
    session.flush()
    added, removed = _set_topics(session, program, fields.topics)
    moved = 0
    if before is not None and before.ends_on != fields.ends_on:
        moved = move_term_ends(
            session, program.id, before.ends_on, fields.ends_on, default_tz=default_tz
        )
    changed = [
        f
        for f in ("name", "objective", "starts_on", "ends_on", "cadence", "enrollment_open")
        if before is None or getattr(before, f) != getattr(fields, f)
    ]
    if before is None or before.channel_id != fields.channel_id:
        changed.append("announcement_channel")
    audit.record(
        session,
        team_id=actor.team_id,
        actor=actor.user_id,
        action="cohort.created" if created else "cohort.updated",
        subject_type="program",
        subject_id=program.id,
        now=now,
        detail={
            "changed": changed,
            "enrollment_open": fields.enrollment_open,
            "ends_on": fields.ends_on.isoformat() if fields.ends_on else None,
            "topics_added": added,
            "topics_removed": removed,
            "terms_moved": moved,
        },
    )
    return Saved(name=program.name, created=created, ends_on=fields.ends_on, terms_moved=moved)


def _set_topics(session: Session, program: Program, labels: Sequence[str]) -> tuple[int, int]:
    """Make the cohort's topic list `labels`: (added, removed).

    A label whose case changed is renamed in place, so the people who chose it keep it;
    a removed one leaves the profiles that chose it (the rows cascade).
    """
    existing = {topic.label.casefold(): topic for topic in program.topics}
    wanted = {label.casefold(): label for label in labels}
    added = removed = 0
    for key, topic in existing.items():
        if key not in wanted:
            session.delete(topic)
            removed += 1
        elif topic.label != wanted[key]:
            topic.label = wanted[key]
    for key, label in wanted.items():
        if key not in existing:
            session.add(Topic(program_id=program.id, label=label))
            added += 1
    session.flush()
    session.refresh(program)
    return added, removed


def move_term_ends(
    session: Session,
    program_id: int,
    old: date | None,
    new: date | None,
    *,
    default_tz: str = "UTC",
) -> int:
    """Move the end of term of the cohort's open pairs that end with the cohort and were
    not surveyed yet; how many moved.

    "End with the cohort": their current term ends on its old end date, or, when it had
    none, they are in their first term (which then ended six months after they began).
    A guarded UPDATE: a pair surveyed a moment ago (term_asked_at set), or whose term a
    renewal moved meanwhile, is left as it is. Pairs that began after the new end keep
    their own six months (bot.mentorships.first_term_end).
    """
    tied = [
        Mentorship.program_id == program_id,
        Mentorship.status.in_(OPEN_MENTORSHIP_STATUSES),
        Mentorship.term_asked_at.is_(None),
        Mentorship.term_ends_on == old if old is not None else Mentorship.term == 1,
    ]
    if new is not None:
        began_before = Mentorship.started_at < datetime.combine(new, time(), UTC)
        return session.execute(
            update(Mentorship)
            .where(*tied, began_before)
            .values(term_ends_on=new)
            .execution_options(synchronize_session="fetch")
        ).rowcount
    # The end date was removed: back to six months from each pair's own start.
    moved = 0
    rows = session.execute(
        select(Mentorship.id, Mentorship.started_at, Mentorship.term_ends_on, Person.tz)
        .join(Person, Person.id == Mentorship.mentee_id)
        .where(*tied)
    ).all()
    for pair_id, started_at, was, tz in rows:
        ends_on = mentorships.first_term_end(started_at, None, tz or default_tz)
        moved += session.execute(
            update(Mentorship)
            .where(
                Mentorship.id == pair_id,
                Mentorship.term_ends_on == was,
                Mentorship.term_asked_at.is_(None),
            )
            .values(term_ends_on=ends_on)
            .execution_options(synchronize_session="fetch")
        ).rowcount
    return moved


# --- `/mentor cohort list` ----------------------------------------------------------------


def cohort_list(session: Session, team_id: str) -> list[CohortCounts]:
    """Every cohort of the workspace with its counts, oldest first: four grouped queries."""
    programs = session.scalars(
        select(Program).where(Program.team_id == team_id).order_by(Program.created_at, Program.id)
    ).all()
    members = (Program.team_id == team_id, Enrollment.status != EnrollmentStatus.LEFT)
    roles = {
        pid: (mentors or 0, mentees or 0)
        for pid, mentors, mentees in session.execute(
            select(
                Enrollment.program_id,
                func.sum(case((Enrollment.role.in_(MENTOR_ROLES), 1), else_=0)),
                func.sum(case((Enrollment.role.in_(MENTEE_ROLES), 1), else_=0)),
            )
            .join(Program, Program.id == Enrollment.program_id)
            .where(*members)
            .group_by(Enrollment.program_id)
        )
    }
    pairs = dict(
        session.execute(
            select(Mentorship.program_id, func.count(Mentorship.id))
            .where(Mentorship.team_id == team_id, Mentorship.status == MentorshipStatus.ACTIVE)
            .group_by(Mentorship.program_id)
        ).all()
    )
    matched = exists().where(
        Mentorship.program_id == Enrollment.program_id,
        Mentorship.mentee_id == Enrollment.person_id,
        Mentorship.status.in_(OPEN_MENTORSHIP_STATUSES),
    )
    waiting = dict(
        session.execute(
            select(Enrollment.program_id, func.count(Enrollment.id))
            .join(Program, Program.id == Enrollment.program_id)
            .where(*members, Enrollment.role.in_(MENTEE_ROLES), ~matched)
            .group_by(Enrollment.program_id)
        ).all()
    )
    return [
        CohortCounts(
            name=p.name,
            enrollment_open=p.enrollment_open,
            starts_on=p.starts_on,
            ends_on=p.ends_on,
            objective=p.objective,
            mentors=roles.get(p.id, (0, 0))[0],
            mentees=roles.get(p.id, (0, 0))[1],
            active_pairs=pairs.get(p.id, 0),
            waiting=waiting.get(p.id, 0),
        )
        for p in programs
    ]


# --- members ------------------------------------------------------------------------------


def members_form(
    session: Session, settings: Settings, actor: Actor, *, now: datetime, name: str = ""
) -> MembersForm | None:
    """The Members form for the cohort named, or with a cohort choice when none is named.

    None when the actor was refused; raises UnknownCohort or CohortError (no cohort yet).
    """
    if not _allowed(session, settings, actor, "members_form", name or "any", now):
        return None
    cohorts = _cohorts(session, actor.team_id)
    if not cohorts:
        raise CohortError(NO_COHORT_YET)
    if not name:
        return MembersForm(program_id=None, name=None, cohorts=cohorts)
    program = program_named(session, actor.team_id, name)
    if program is None:
        raise UnknownCohort(name, [n for _, n in cohorts])
    return MembersForm(program_id=program.id, name=program.name)


@dataclass
class _Outcome:
    added: list[str]
    already_in: list[str]
    elsewhere: list[tuple[str, str]]
    removed: list[str]
    not_in: list[str]
    ended: list[EndedPair]


def change_members(
    session: Session,
    settings: Settings,
    actor: Actor,
    program_id: int | None,
    data: MembersInput,
    *,
    now: datetime,
) -> MembersOutcome | Errors | None:
    """Add people to the cohort and move people out of it; the coordinator gets a summary
    by DM. The errors beside the fields when the form cannot be done as filled in; None
    when the actor was refused (told by DM)."""
    chosen = program_id if program_id is not None else data.program_id
    if not _allowed(session, settings, actor, "members", chosen, now):
        return None
    if chosen is None:
        return {Field.COHORT: "Choose the cohort."}
    program = _cohort(session, actor, "members", chosen, now, lock=True)
    if program is None:
        return None
    checked = _check_members(data)
    if not isinstance(checked, EnrollmentRole):
        return checked
    done = _Outcome([], [], [], [], [], [])
    for user in dict.fromkeys(data.add):
        _add(session, settings, actor, program, user, checked, done, now)
    for user in dict.fromkeys(data.remove):
        _remove(session, settings, actor, program, user, done, now)
    outcome = MembersOutcome(
        cohort=program.name,
        role=checked,
        added=tuple(done.added),
        already_in=tuple(done.already_in),
        elsewhere=tuple(done.elsewhere),
        removed=tuple(done.removed),
        not_in=tuple(done.not_in),
        ended=tuple(done.ended),
    )
    notify(
        session,
        team_id=actor.team_id,
        user_id=actor.user_id,
        text=members_summary(outcome),
        key=keys.each(Kind.COHORT_SUMMARY, program.id, actor.user_id, at=now),
        now=now,
    )
    return outcome


def _check_members(data: MembersInput) -> EnrollmentRole | Errors:
    """The role to add people with, or the errors beside the fields."""
    add, remove = list(dict.fromkeys(data.add)), list(dict.fromkeys(data.remove))
    if not add and not remove:
        return {Field.ADD: "Choose someone to add, or someone to move out."}
    for people, where in ((add, Field.ADD), (remove, Field.REMOVE)):
        if len(people) > MAX_MEMBERS:
            return {where: f"Choose at most {MAX_MEMBERS} people at a time."}
        if not all(len(user) <= 32 and SLACK_USER_ID.fullmatch(user) for user in people):
            return {where: "Choose people from the list."}
    if set(add) & set(remove):
        return {Field.REMOVE: "Someone is in both lists: choose add or move out for each person."}
    try:
        return EnrollmentRole(data.role) if add else EnrollmentRole.MENTEE
    except ValueError:
        return {Field.ROLE: "Choose the role to add them with."}


def _add(
    session: Session,
    settings: Settings,
    actor: Actor,
    program: Program,
    user: str,
    role: EnrollmentRole,
    done: _Outcome,
    now: datetime,
) -> None:
    """Enroll `user` in the cohort with `role`, and welcome them (in their working hours)."""
    # The id stands in for the name until the person opens their profile (users.info).
    person = find_person(session, actor.team_id, user) or upsert_person(
        session, actor.team_id, SlackProfile(user, display_name=user)
    )
    enrollment = enrollment_in(session, program.id, person.id, for_update=True)
    if enrollment is not None and enrollment.status is not EnrollmentStatus.LEFT:
        done.already_in.append(user)
        return
    try:
        check_not_elsewhere(session, person, program)
    except AlreadyInCohort as elsewhere:
        done.elsewhere.append((user, elsewhere.cohort))
        return
    capacity = DEFAULT_CAPACITY if role in MENTOR_ROLES else 0
    if enrollment is None:
        enrollment = Enrollment(
            program_id=program.id,
            person_id=person.id,
            role=role,
            capacity=capacity,
            active_mentee_count=0,
            joined_at=now,
        )
        session.add(enrollment)
        session.flush()
    else:  # back after leaving: the row was locked above, so this move is ours
        move(
            session,
            Enrollment,
            enrollment.id,
            source=EnrollmentStatus.LEFT,
            target=EnrollmentStatus.ACTIVE,
            role=role,
            capacity=capacity,
            joined_at=now,
            left_at=None,
            paused_at=None,
            active_mentee_count=0,
        )
    text, blocks = added_message(program.name, by_user_id=actor.user_id, role=role)
    when = workday_of(person, settings.timezone).next_open(now)
    key = keys.each(Kind.COHORT_ADDED, enrollment.id, at=now)
    dm(session, actor.team_id, user, key, text, blocks, when)
    _record(session, actor, "cohort.member_added", enrollment.id, now, program, role=role.value)
    onboarding.refresh_home(session, settings, person, cause="cohort-added", now=now)
    done.added.append(user)


def _remove(
    session: Session,
    settings: Settings,
    actor: Actor,
    program: Program,
    user: str,
    done: _Outcome,
    now: datetime,
) -> None:
    """Move `user` out of the cohort: their pairs there end, everyone concerned is told."""
    person = find_person(session, actor.team_id, user)
    enrollment = (
        enrollment_in(session, program.id, person.id, current=True, for_update=True)
        if person is not None
        else None
    )
    if person is None or enrollment is None or not _mark_left(session, enrollment, now):
        done.not_in.append(user)
        return
    partners = _end_pairs(session, settings, program, person, done, now)
    onboarding.close_requests(session, person, now, program_id=program.id)
    # A row that left keeps no words (as after /mentor leave): anonymous counts only.
    enrollment.goals = enrollment.bio = None
    enrollment.topics = []
    enrollment.active_mentee_count = 0
    enrollment.capacity = 0
    text, blocks = removed_message(
        program.name, by_user_id=actor.user_id, partners=[p.slack_user_id for p in partners]
    )
    when = workday_of(person, settings.timezone).next_open(now)
    dm(session, actor.team_id, user, keys.each(Kind.COHORT_REMOVED, enrollment.id, at=now),
       text, blocks, when)  # fmt: skip
    _record(
        session, actor, "cohort.member_removed", enrollment.id, now, program,
        pairs_ended=len(partners),
    )  # fmt: skip
    for someone in (person, *partners):
        onboarding.refresh_home(session, settings, someone, cause=f"cohort-out:{user}", now=now)
    done.removed.append(user)


def _mark_left(session: Session, enrollment: Enrollment, now: datetime) -> bool:
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


def _end_pairs(
    session: Session,
    settings: Settings,
    program: Program,
    person: Person,
    done: _Outcome,
    now: datetime,
) -> list[Person]:
    """End the person's open pairs in the cohort; each partner told kindly. The partners."""
    pairs = session.scalars(
        select(Mentorship)
        .where(
            Mentorship.program_id == program.id,
            (Mentorship.mentor_id == person.id) | (Mentorship.mentee_id == person.id),
            Mentorship.status.in_(OPEN_MENTORSHIP_STATUSES),
        )
        .order_by(Mentorship.id)
    ).all()
    partners = []
    for pair in pairs:
        if not mentorships.end(session, pair, reason=EndReason.ENDED_BY_ADMIN, now=now):
            continue  # ended by someone else a moment ago
        partner = pair.mentee if pair.mentor_id == person.id else pair.mentor
        text, blocks = partner_told(
            program.name,
            removed_user_id=person.slack_user_id,
            partner_is_mentee=pair.mentee_id == partner.id,
        )
        when = workday_of(partner, settings.timezone).next_open(now)
        key = keys.once(Kind.COHORT_PAIR_ENDED, pair.id, partner.id)
        dm(session, program.team_id, partner.slack_user_id, key, text, blocks, when)
        done.ended.append(EndedPair(person.slack_user_id, partner.slack_user_id))
        partners.append(partner)
    return partners


# --- steps --------------------------------------------------------------------------------


def _allowed(
    session: Session,
    settings: Settings,
    actor: Actor,
    action: str,
    subject: object,
    now: datetime,
) -> bool:
    """Checked on every request, whatever the entry point."""
    if is_coordinator(session, settings, actor.team_id, actor.user_id):
        return True
    _refuse(session, actor, action, subject, now, "not a coordinator", COORDINATORS_ONLY)
    return False


def _cohort(
    session: Session,
    actor: Actor,
    action: str,
    program_id: int,
    now: datetime,
    *,
    lock: bool = False,
) -> Program | None:
    """The cohort a coordinator's payload names: None (refused, audited, told) when it is
    no cohort of their workspace (the id came back through the client)."""
    program = session.get(Program, program_id, with_for_update=lock or None)
    if program is None or program.team_id != actor.team_id:
        _refuse(session, actor, action, program_id, now, "no such cohort", COHORT_GONE)
        return None
    return program


def _refuse(
    session: Session,
    actor: Actor,
    action: str,
    subject: object,
    now: datetime,
    why: str,
    answer: str,
) -> None:
    refuse(
        session,
        team_id=actor.team_id,
        user_id=actor.user_id,
        action=f"cohort.{action}",
        subject_type="program",
        subject_id=None if subject is None else str(subject),
        why=why,
        answer=answer,
        now=now,
    )


def _record(
    session: Session,
    actor: Actor,
    action: str,
    enrollment_id: int,
    now: datetime,
    program: Program,
    **detail: object,
) -> None:
    audit.record(
        session,
        team_id=actor.team_id,
        actor=actor.user_id,
        action=action,
        subject_type="enrollment",
        subject_id=enrollment_id,
        now=now,
        detail={"cohort": program.id, **detail},
    )


def refresh_coordinator_home(
    session: Session, settings: Settings, actor: Actor, *, now: datetime
) -> None:
    """The coordinator who saved a cohort sees it on their Home at once."""
    queue_home_publish(
        session,
        settings,
        team_id=actor.team_id,
        user_id=actor.user_id,
        cause=f"cohort:{now.isoformat()}",
        now=now,
    )


def _cohorts(session: Session, team_id: str) -> tuple[tuple[int, str], ...]:
    rows = session.execute(
        select(Program.id, Program.name)
        .where(Program.team_id == team_id)
        .order_by(Program.created_at, Program.id)
    ).all()
    return tuple((pid, name) for pid, name in rows)


def _fields_of(program: Program) -> CohortFields:
    return CohortFields(
        name=program.name,
        objective=program.objective,
        starts_on=program.starts_on,
        ends_on=program.ends_on,
        cadence=program.default_cadence,
        enrollment_open=program.enrollment_open,
        channel_id=program.announcement_channel_id,
        topics=tuple(t.label for t in sorted(program.topics, key=lambda t: t.id)),
    )


def _taken(session: Session, team_id: str, name: str, program: Program | None) -> bool:
    same = program_named(session, team_id, name)
    return same is not None and (program is None or same.id != program.id)


def _name_taken(name: str) -> str:
    shown = name if len(name) <= 40 else name[:39] + "…"
    return f"There's already a cohort called “{shown}”. Choose another name."


def _one_line(value: str | None, where: Field, errors: Errors) -> str:
    try:
        return " ".join(clean_text(value or "").split())
    except UnreadableText as exc:
        errors[where] = str(exc)
        return ""


def _objective(data: CohortInput, errors: Errors) -> str | None:
    if data.objective not in OBJECTIVES:
        errors[Field.OBJECTIVE] = "Choose what the cohort is for."
        return None
    if data.objective != OTHER:
        return data.objective
    own = _one_line(data.other, Field.OTHER, errors)
    if Field.OTHER in errors:
        return None
    if not own:
        errors[Field.OTHER] = "Say in a few words what the cohort is for."
    elif len(own) > OBJECTIVE_MAX:
        errors[Field.OTHER] = f"Keep it under {OBJECTIVE_MAX} characters (it's {len(own)})."
    return own or None


def _day(value: str | None, where: Field, errors: Errors) -> date | None:
    if not value:
        return None
    if re.fullmatch(r"[0-9]{4}-[0-9]{2}-[0-9]{2}", value):
        try:
            return date.fromisoformat(value)
        except ValueError:
            pass
    errors[where] = "Choose a day from the calendar."
    return None


def _cadence(value: str | None) -> Cadence | None:
    try:
        return Cadence(value) if value is not None else None
    except ValueError:
        return None


def _topics(text: str | None, errors: Errors) -> tuple[str, ...]:
    """One topic per line, by the rules of `/mentor topics add`; blank lines skipped."""
    labels: dict[str, str] = {}
    for line in (text or "").splitlines():
        if not line.strip():
            continue
        try:
            label = clean_topic(clean_text(line))
        except UnreadableText as exc:  # not echoed: it cannot be shown either
            errors[Field.TOPICS] = str(exc)
            return ()
        except TopicError as exc:
            errors[Field.TOPICS] = f"“{' '.join(line.split())[:30]}…”: {exc}"
            return ()
        if label.casefold() in labels:
            errors[Field.TOPICS] = f"“{label[:40]}” is listed twice: keep one."
            return ()
        labels[label.casefold()] = label
    if len(labels) > MAX_TOPIC_CHOICES:
        errors[Field.TOPICS] = f"Keep it to {MAX_TOPIC_CHOICES} topics at most."
        return ()
    return tuple(labels.values())
