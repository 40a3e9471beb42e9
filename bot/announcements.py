"""Announcements: a coordinator's message to a channel, or by DM to a cohort's people.

The flow (every step checks the right on the server, `is_coordinator` and the team):
1. `/mentor announce` opens the form: who (a channel; everyone in a cohort, its mentors
   or its mentees, by DM), the message, and "send now" or a day and time on the
   coordinator's own clock (their profile's zone, else Slack's, else MENTORBOT_TIMEZONE).
2. Submitting it stores a draft row and shows a preview with the audience's size,
   counted in SQL; nothing is sent. The preview carries only the draft's id; "Back"
   reopens the form on that draft.
3. "Send" (or "Schedule") moves the draft to scheduled (send_at: the chosen instant, or
   now), guarded. A channel is checked with Slack first (conversations.info): a private
   channel the bot is not in is explained (`/invite @mentorbot`) and nothing moves.
4. The due-work job fans a scheduled announcement out when send_at comes: the move
   scheduled -> sending is the claim (of two schedulers, one wins), and in the same
   transaction one outbox row per recipient, `keys.once(ANNOUNCEMENT, id, person)`, so
   each is sent once whatever restarts or repeats (a channel post is one row that joins
   a public channel first, see bot.slack). The outbox sends at the pace Slack allows.
5. Once none of its rows is pending, the job moves it to sent (failed if nothing was
   delivered) with reported_at, guarded, and the author gets one report DM: delivered,
   not delivered and why, left the program meanwhile.

`/mentor announce list` shows what waits, each with Cancel (scheduled -> cancelled,
guarded; too late once it went). Milestones are rows with `milestone` set, one per
cohort and kind: the kickoff waits with no send_at until a matching round of the cohort
is approved (`round_approved`), the mid-term and closing ones are scheduled at 10:00 on
their day on the coordinator's clock; they go by DM to the cohort, or to its
announcement channel when it has one.
"""

from __future__ import annotations

import logging
from collections import defaultdict
from collections.abc import Callable, Sequence
from dataclasses import dataclass
from datetime import UTC, date, datetime, time
from enum import StrEnum
from typing import Any
from zoneinfo import ZoneInfo

from sqlalchemy import delete, func, select, update
from sqlalchemy.orm import Session

from bot import audit, keys, outbox
from bot.cadence import day_label
from bot.config import Settings
from bot.coordinators import is_coordinator
from bot.db.enums import (
    AnnouncementStatus,
    Audience,
    EnrollmentRole,
    EnrollmentStatus,
    Milestone,
    OutboxStatus,
    ProgramStatus,
)
from bot.db.models import Announcement, Enrollment, OutboxMessage, Person, Program
from bot.keys import Kind
from bot.notices import notify
from bot.people import find_person
from bot.programs import current_program, program_named, program_names
from bot.text_input import UnreadableText, clean_text
from bot.transitions import move
from bot.uow import mark_queued
from bot.views.announcements import (
    COORDINATORS_ONLY,
    GONE,
    MESSAGE_MAX,
    CohortChoice,
    FormState,
    MilestoneField,
    MilestonesForm,
    Pending,
    PreviewState,
    Report,
    audience_words,
    cancelled_text,
    message_text,
    milestones_saved_text,
    not_invited_text,
    on_its_way_text,
    report_text,
    scheduled_text,
    slack_date,
    too_late_text,
)

log = logging.getLogger(__name__)

_S = AnnouncementStatus
WENT = (_S.SENDING, _S.SENT, _S.FAILED)
PARTICIPATING = (EnrollmentStatus.ACTIVE, EnrollmentStatus.PAUSED)
ROLES = {
    Audience.COHORT: (EnrollmentRole.MENTEE, EnrollmentRole.MENTOR, EnrollmentRole.BOTH),
    Audience.COHORT_MENTORS: (EnrollmentRole.MENTOR, EnrollmentRole.BOTH),
    Audience.COHORT_MENTEES: (EnrollmentRole.MENTEE, EnrollmentRole.BOTH),
}
MILESTONE_AT = time(10, 0)  # mid-term and closing go at 10:00 on the coordinator's clock
CHANNEL_KEY = "channel"  # the subject of a channel post's outbox key
REPORT_BATCH = 50  # announcements looked at per report pass


class Field(StrEnum):
    AUDIENCE = "audience"
    CHANNEL = "channel"
    COHORT = "cohort"
    MESSAGE = "message"
    DATE = "date"
    TIME = "time"
    KICKOFF = Milestone.KICKOFF.value
    MIDTERM = Milestone.MIDTERM.value
    CLOSING = Milestone.CLOSING.value


class FormErrors(Exception):
    """A form that cannot be saved as typed: each message goes beside its field."""

    def __init__(self, errors: dict[Field, str]) -> None:
        super().__init__("; ".join(errors.values()))
        self.errors = errors


@dataclass(frozen=True)
class Actor:
    team_id: str
    user_id: str


class ChannelAccess(StrEnum):
    IN = "in"  # the bot is in it
    JOINABLE = "joinable"  # public, the bot is not in it yet: it joins when posting
    NOT_INVITED = "not_invited"  # private (Slack says "not found") and the bot is not in it
    ARCHIVED = "archived"
    UNKNOWN = "unknown"  # Slack would not say; the post's outcome will


@dataclass(frozen=True)
class ChannelCheck:
    access: ChannelAccess
    members: int | None = None


# Ask Slack about a channel (conversations.info), and the actor's Slack time zone
# (users.info): given by the handler, called only when needed.
Probe = Callable[[str], ChannelCheck]
SlackZone = Callable[[], str | None]


@dataclass(frozen=True)
class Typed:
    """The form as submitted; a forged or missing value reads as None."""

    announcement_id: int | None  # the draft being edited (private_metadata)
    audience: Audience | None
    channel_id: str | None
    program_id: int | None
    cohort_picked: bool  # a cohort value was sent (so an unreadable one is forged)
    text: str
    send_now: bool
    day: date | None
    at: time | None


@dataclass(frozen=True)
class Answer:
    """What a step shows: a preview, a form, or a sentence (done, or refused)."""

    preview: PreviewState | None = None
    form: FormState | None = None
    notice: str | None = None
    refused: bool = False  # a member, or someone else's announcement: nothing more to show
    pending: tuple[Pending, ...] = ()  # what still waits, after a Cancel


# --- the form ------------------------------------------------------------------------------


def cohorts_of(session: Session, team_id: str, now: datetime) -> tuple[CohortChoice, ...]:
    """The workspace's cohorts still running, newest first (the default one made if none)."""
    rows = session.execute(
        select(Program.id, Program.name)
        .where(Program.team_id == team_id, Program.status != ProgramStatus.CLOSED)
        .order_by(Program.created_at.desc(), Program.id.desc())
    ).all()
    if not rows:
        program = current_program(session, team_id, now)
        return (CohortChoice(program.id, program.name),)
    return tuple(CohortChoice(pid, name) for pid, name in rows)


def new_form(session: Session, actor: Actor, now: datetime) -> FormState:
    """The empty form (the dispatcher checked the right for `/mentor announce`)."""
    return FormState(cohorts=cohorts_of(session, actor.team_id, now))


def back_to_form(
    session: Session,
    settings: Settings,
    actor: Actor,
    announcement_id: int | None,
    *,
    slack_zone: SlackZone,
    now: datetime,
) -> Answer:
    """ "Back" on a preview: the form again, filled in from the draft."""
    draft = _own_draft(session, settings, actor, announcement_id, "back", now)
    if isinstance(draft, str):
        _tell(session, actor, draft, now)  # a click inside a modal has no reply of its own
        return Answer(notice=draft, refused=True)
    send_at = draft.send_at
    local = send_at.astimezone(_zone(session, settings, actor, slack_zone)) if send_at else None
    return Answer(
        form=FormState(
            cohorts=cohorts_of(session, actor.team_id, now),
            audience=draft.audience,
            channel_id=draft.channel_id,
            program_id=draft.program_id,
            text=draft.text,
            send_now=send_at is None,
            day=local.date() if local else None,
            at=local.time().replace(second=0, microsecond=0) if local else None,
        )
    )


def preview(
    session: Session,
    settings: Settings,
    actor: Actor,
    typed: Typed,
    *,
    probe: Probe,
    slack_zone: SlackZone,
    now: datetime,
) -> Answer:
    """The form submitted: keep it as a draft and show what would be sent, to how many.

    Raises FormErrors (nothing stored) when a field needs fixing.
    """
    if not is_coordinator(session, settings, actor.team_id, actor.user_id):
        _refuse(session, actor, "draft", typed.announcement_id, now, "not a coordinator")
        return Answer(notice=COORDINATORS_ONLY, refused=True)
    draft = None
    if typed.announcement_id is not None:
        found = _own_draft(session, settings, actor, typed.announcement_id, "draft", now)
        if isinstance(found, str):
            return Answer(notice=found, refused=True)
        draft = found
    program, forged = _cohort(session, actor, typed, cohorts_of(session, actor.team_id, now))
    if forged:
        _refuse(session, actor, "draft", typed.program_id, now, "not a cohort of theirs")
        return Answer(notice=GONE, refused=True)
    errors: dict[Field, str] = {}
    text = _message(typed.text, errors)
    size = _check_audience(session, typed, program, probe, errors)
    send_at = _send_at(session, settings, actor, typed, slack_zone, now, errors)
    if errors:
        raise FormErrors(errors)
    assert typed.audience is not None
    values: dict[str, Any] = {
        "program_id": program.id if program else None,
        "audience": typed.audience,
        "channel_id": typed.channel_id if typed.audience is Audience.CHANNEL else None,
        "text": text,
        "send_at": send_at,
    }
    if draft is None:
        draft = Announcement(
            team_id=actor.team_id,
            author_slack_id=actor.user_id,
            status=_S.DRAFT,
            created_at=now,
            **values,
        )
        session.add(draft)
    else:
        for name, value in values.items():
            setattr(draft, name, value)
    session.flush()
    _record(session, actor, "announcement.drafted", draft.id, now, _detail(draft, size))
    return Answer(preview=_preview_state(draft, program.name if program else None, size))


def confirm(
    session: Session,
    settings: Settings,
    actor: Actor,
    announcement_id: int | None,
    *,
    probe: Probe,
    now: datetime,
) -> Answer:
    """ "Send" / "Schedule" on the preview: the draft is scheduled (now, or at its time).

    A notice when it is done or refused; the preview again, with a warning, when it
    cannot go as it is (a private channel without the bot, a time gone by).
    """
    draft = _own_draft(session, settings, actor, announcement_id, "confirm", now)
    if isinstance(draft, str):
        return Answer(notice=draft, refused=True)
    cohort = draft.program.name if draft.program else None
    size = None
    if draft.audience is Audience.CHANNEL:
        assert draft.channel_id is not None
        check = probe(draft.channel_id)
        size = check.members
        warning = _channel_warning(draft.channel_id, check)
    else:
        size = audience_size(session, draft.program_id, draft.audience)
        warning = (
            None if size else "Nobody is in that group any more, so there's no one to send it to."
        )
    if warning is None and draft.send_at is not None and draft.send_at <= now:
        warning = "That time has passed. Press Back to pick another (or send it now)."
    if warning is not None:
        return Answer(preview=_preview_state(draft, cohort, size, warning))
    when = draft.send_at
    scheduled = move(
        session, Announcement, draft.id, source=_S.DRAFT, target=_S.SCHEDULED, send_at=when or now
    )
    if not scheduled:
        return Answer(notice="This announcement was already sent or scheduled.")
    _record(session, actor, "announcement.confirmed", draft.id, now, _detail(draft, size))
    to = audience_words(draft.audience, draft.channel_id, cohort)
    if when is None:
        mark_queued(session)  # wakes the scheduler: the due-work job fans it out right away
        return Answer(notice=on_its_way_text(to, size))
    return Answer(notice=scheduled_text(to, slack_date(when)))


# --- `/mentor announce list` and Cancel ----------------------------------------------------


def pending(session: Session, team_id: str) -> list[Pending]:
    rows = session.execute(
        select(Announcement, Program.name)
        .outerjoin(Program, Program.id == Announcement.program_id)
        .where(Announcement.team_id == team_id, Announcement.status == _S.SCHEDULED)
        .order_by(Announcement.send_at.is_(None), Announcement.send_at, Announcement.id)
    ).all()
    return [
        Pending(
            announcement_id=row.id,
            audience=row.audience,
            channel_id=row.channel_id,
            cohort=name,
            send_at=row.send_at,
            milestone=row.milestone,
            text=row.text,
        )
        for row, name in rows
    ]


def cancel(
    session: Session, settings: Settings, actor: Actor, announcement_id: int | None, now: datetime
) -> Answer:
    """Cancel before it goes (guarded); after it went, say so. Any coordinator of the team."""
    if not is_coordinator(session, settings, actor.team_id, actor.user_id):
        _refuse(session, actor, "cancel", announcement_id, now, "not a coordinator")
        return Answer(notice=COORDINATORS_ONLY, refused=True)
    row = session.get(Announcement, announcement_id) if announcement_id is not None else None
    if row is None or row.team_id != actor.team_id or row.status is _S.DRAFT:
        _refuse(session, actor, "cancel", announcement_id, now, "no such announcement")
        return Answer(notice=GONE, refused=True)
    if move(session, Announcement, row.id, source=_S.SCHEDULED, target=_S.CANCELLED):
        _record(session, actor, "announcement.cancelled", row.id, now, {})
        notice = cancelled_text()
    else:
        session.refresh(row)
        notice = too_late_text(row.status.value, row.sent_at)
    return Answer(notice=notice, pending=tuple(pending(session, actor.team_id)))


# --- milestones ----------------------------------------------------------------------------


class UnknownCohort(Exception):
    def __init__(self, name: str, known: list[str]) -> None:
        super().__init__(name)
        self.name, self.known = name, known


def milestones_form(
    session: Session,
    settings: Settings,
    actor: Actor,
    cohort: str,
    *,
    slack_zone: SlackZone,
    now: datetime,
) -> MilestonesForm:
    """The cohort's three milestone texts and when each goes (raises UnknownCohort)."""
    if cohort.strip():
        program = program_named(session, actor.team_id, cohort)
        if program is None:
            raise UnknownCohort(cohort, program_names(session, actor.team_id))
    else:
        program = current_program(session, actor.team_id, now)
    zone = _zone(session, settings, actor, slack_zone)
    saved = _milestones(session, program.id)
    fields = []
    for milestone in Milestone:
        row = saved.get(milestone)
        went = row is not None and row.status in WENT
        when = _went_words(row) if went and row else _when_words(program, milestone, zone)
        fields.append(MilestoneField(milestone, row.text if row else "", when, sent=went))
    return MilestonesForm(program.id, program.name, _where(program), tuple(fields))


def save_milestones(
    session: Session,
    settings: Settings,
    actor: Actor,
    program_id: int | None,
    texts: dict[Milestone, str],
    *,
    slack_zone: SlackZone,
    now: datetime,
) -> Answer:
    """Keep the cohort's milestone texts (an empty one: none). Raises FormErrors."""
    if not is_coordinator(session, settings, actor.team_id, actor.user_id):
        _refuse(session, actor, "milestones", program_id, now, "not a coordinator")
        return Answer(notice=COORDINATORS_ONLY, refused=True)
    program = session.get(Program, program_id) if program_id is not None else None
    if program is None or program.team_id != actor.team_id:
        _refuse(session, actor, "milestones", program_id, now, "no such cohort")
        return Answer(notice=GONE, refused=True)
    zone = _zone(session, settings, actor, slack_zone)
    saved = _milestones(session, program.id)
    errors: dict[Field, str] = {}
    wanted: dict[Milestone, tuple[str, datetime | None]] = {}
    for milestone in Milestone:
        field = Field(milestone.value)
        text = _message(texts.get(milestone, ""), errors, field=field, required=False)
        row = saved.get(milestone)
        if row is not None and row.status in WENT:
            if text and text != row.text:
                errors[field] = f"This one already went out ({_went_words(row)}), so it stays."
            continue
        if text:
            wanted[milestone] = (text, _milestone_at(program, milestone, zone, now, errors))
    if errors:
        raise FormErrors(errors)
    _replace_milestones(session, actor, program, saved, wanted, now)
    kept = [f"{m.value}: {_when_words(program, m, zone)}" for m in wanted]
    return Answer(notice=milestones_saved_text(program.name, kept))


def _replace_milestones(
    session: Session,
    actor: Actor,
    program: Program,
    saved: dict[Milestone, Announcement],
    wanted: dict[Milestone, tuple[str, datetime | None]],
    now: datetime,
) -> None:
    """Unsent milestone rows are replaced by what was typed (UNIQUE(program, milestone))."""
    unsent = [row.id for row in saved.values() if row.status not in WENT]
    if unsent:
        session.execute(delete(Announcement).where(Announcement.id.in_(unsent)))
    for milestone, (text, send_at) in wanted.items():
        audience, channel = _milestone_audience(program)
        session.add(
            Announcement(
                team_id=program.team_id,
                program_id=program.id,
                audience=audience,
                channel_id=channel,
                milestone=milestone,
                text=text,
                author_slack_id=actor.user_id,
                status=_S.SCHEDULED,
                send_at=send_at,
                created_at=now,
            )
        )
    session.flush()
    detail = {"milestones": sorted(m.value for m in wanted)}
    _record(session, actor, "announcement.milestones", program.id, now, detail, "program")


def round_approved(session: Session, program_id: int, now: datetime) -> bool:
    """A matching round of the cohort was approved: its kickoff message goes now (once:
    only a kickoff still waiting for its moment is given one). True when there was one."""
    started = session.execute(
        update(Announcement)
        .where(
            Announcement.program_id == program_id,
            Announcement.milestone == Milestone.KICKOFF,
            Announcement.status == _S.SCHEDULED,
            Announcement.send_at.is_(None),
        )
        .values(send_at=now)
        .execution_options(synchronize_session="fetch")
    ).rowcount
    if started:
        mark_queued(session)  # wakes the scheduler, which fans it out
    return bool(started)


# --- the due-work job ----------------------------------------------------------------------


def send_next_due(session: Session, now: datetime) -> int | None:
    """Fan out the next scheduled announcement whose time has come; how many messages
    it queued (0 if another process took it), None when none is due."""
    row = session.scalar(
        select(Announcement)
        .where(Announcement.status == _S.SCHEDULED, Announcement.send_at <= now)
        .order_by(Announcement.send_at, Announcement.id)
        .limit(1)
    )
    return None if row is None else fan_out(session, row, now)


def fan_out(session: Session, row: Announcement, now: datetime) -> int:
    """Claim the announcement (scheduled -> sending) and queue its messages in the same
    transaction; how many were queued (0 if another process claimed it first)."""
    program = row.program
    cohort = program.name if program else None
    audience, channel = row.audience, row.channel_id
    if row.milestone is not None and program is not None:
        audience, channel = _milestone_audience(program)
    text = message_text(row.text, author=row.author_slack_id, cohort=cohort)
    if audience is Audience.CHANNEL:
        payload = {"channel": channel, "text": text}
        messages = [
            (keys.once(Kind.ANNOUNCEMENT, row.id, CHANNEL_KEY), outbox.CHANNEL_POST, payload)
        ]
        recipients = None
    else:
        found = session.execute(_audience_query(row.program_id, audience)).all()
        messages = [
            (keys.once(Kind.ANNOUNCEMENT, row.id, person_id), "chat.postMessage",
             {"channel": user_id, "text": text})
            for person_id, user_id in found
        ]  # fmt: skip
        recipients = len(found)
    claimed = move(
        session,
        Announcement,
        row.id,
        source=_S.SCHEDULED,
        target=_S.SENDING,
        sent_at=now,
        recipients=recipients,
        audience=audience,
        channel_id=channel,
    )
    if not claimed:
        return 0
    queued = outbox.enqueue_many(session, team_id=row.team_id, messages=messages, not_before=now)
    detail = {"messages": queued, "audience": audience.value}
    _record_bot(session, row, "announcement.fanned_out", now, detail)
    return queued


def report_finished(session: Session, now: datetime) -> int:
    """Tell each author whose announcement has no message left to send how it went
    (once: the move sending -> sent/failed is guarded); how many were told."""
    sending = session.scalars(
        select(Announcement)
        .where(Announcement.status == _S.SENDING)
        .order_by(Announcement.send_at, Announcement.id)
        .limit(REPORT_BATCH)
    ).all()
    return sum(_report(session, row, now) for row in sending if not _in_flight(session, row))


def _report(session: Session, row: Announcement, now: datetime) -> int:
    report = _outcome(session, row)
    target = _S.SENT if report.delivered else _S.FAILED
    if not move(session, Announcement, row.id, source=_S.SENDING, target=target, reported_at=now):
        return 0
    notify(
        session,
        team_id=row.team_id,
        user_id=row.author_slack_id,
        text=report_text(report),
        key=keys.once(Kind.ANNOUNCEMENT_REPORT, row.id),
        now=now,
    )
    detail = {"delivered": report.delivered, "failed": sum(map(len, report.failed.values()))}
    _record_bot(session, row, "announcement.reported", now, detail)
    return 1


def _prefix(row: Announcement) -> str:
    return keys.once(Kind.ANNOUNCEMENT, row.id, "")


def _in_flight(session: Session, row: Announcement) -> bool:
    """Whether any of its messages still waits; found through the outbox's status index."""
    waiting = session.scalar(
        select(OutboxMessage.id)
        .where(
            OutboxMessage.status.in_((OutboxStatus.PENDING, OutboxStatus.SENDING)),
            OutboxMessage.idempotency_key.startswith(_prefix(row), autoescape=True),
        )
        .limit(1)
    )
    return waiting is not None


def _outcome(session: Session, row: Announcement) -> Report:
    ours = OutboxMessage.idempotency_key.startswith(_prefix(row), autoescape=True)
    delivered = session.scalar(
        select(func.count(OutboxMessage.id)).where(ours, OutboxMessage.status == OutboxStatus.SENT)
    )
    failed_rows = session.execute(
        select(OutboxMessage.idempotency_key, OutboxMessage.last_error).where(
            ours, OutboxMessage.status == OutboxStatus.FAILED
        )
    ).all()
    subjects = [key.rsplit(":", 1)[1] for key, _ in failed_rows]
    person_ids = [int(subject) for subject in subjects if subject.isdigit()]
    users = dict(
        session.execute(
            select(Person.id, Person.slack_user_id).where(Person.id.in_(person_ids))
        ).all()
    )
    failed: dict[str, list[str]] = defaultdict(list)
    for subject, (_, error) in zip(subjects, failed_rows, strict=True):
        # "" stands for a recipient with no name to give: the channel, someone gone since.
        failed[error or "unknown"].append(users.get(int(subject), "") if subject.isdigit() else "")
    recipients = row.recipients if row.recipients is not None else 1
    done = (delivered or 0) + len(failed_rows)
    return Report(
        audience=row.audience,
        channel_id=row.channel_id,
        cohort=row.program.name if row.program else None,
        recipients=recipients,
        delivered=delivered or 0,
        failed={error: tuple(who) for error, who in failed.items()},
        gone=max(0, recipients - done),
    )


# --- the audience --------------------------------------------------------------------------


def _audience_query(program_id: int | None, audience: Audience) -> Any:
    return (
        select(Person.id, Person.slack_user_id)
        .join(Enrollment, Enrollment.person_id == Person.id)
        .where(
            Enrollment.program_id == program_id,
            Enrollment.status.in_(PARTICIPATING),
            Enrollment.role.in_(ROLES[audience]),
        )
        .order_by(Person.id)
    )


def audience_size(session: Session, program_id: int | None, audience: Audience) -> int:
    """How many people a DM audience reaches, counted by the database."""
    if program_id is None or audience is Audience.CHANNEL:
        return 0
    return (
        session.scalar(
            select(func.count(Enrollment.id)).where(
                Enrollment.program_id == program_id,
                Enrollment.status.in_(PARTICIPATING),
                Enrollment.role.in_(ROLES[audience]),
            )
        )
        or 0
    )


# --- steps ---------------------------------------------------------------------------------


def _own_draft(
    session: Session,
    settings: Settings,
    actor: Actor,
    announcement_id: int | None,
    action: str,
    now: datetime,
) -> Announcement | str:
    """The actor's own draft, or the sentence for them (refused and audited when it is
    not a coordinator, or not their draft in their workspace)."""
    if not is_coordinator(session, settings, actor.team_id, actor.user_id):
        _refuse(session, actor, action, announcement_id, now, "not a coordinator")
        return COORDINATORS_ONLY
    row = session.get(Announcement, announcement_id) if announcement_id is not None else None
    if row is None or row.team_id != actor.team_id or row.author_slack_id != actor.user_id:
        _refuse(session, actor, action, announcement_id, now, "not their announcement")
        return GONE
    if row.status is not _S.DRAFT:
        return f"This announcement was already {_status_words(row.status)}."
    return row


def _status_words(status: AnnouncementStatus) -> str:
    return {
        _S.SCHEDULED: "scheduled (see `/mentor announce list`)",
        _S.CANCELLED: "cancelled",
    }.get(status, "sent")


def _cohort(
    session: Session, actor: Actor, typed: Typed, cohorts: Sequence[CohortChoice]
) -> tuple[Program | None, bool]:
    """(the cohort meant: the one picked, or the only one; whether the pick was forged)."""
    if typed.program_id is None:
        only = cohorts[0].program_id if len(cohorts) == 1 else None
        return (session.get(Program, only) if only is not None else None), typed.cohort_picked
    program = session.get(Program, typed.program_id)
    if program is None or program.team_id != actor.team_id:
        return None, True
    return program, False


def _message(
    typed: str, errors: dict[Field, str], *, field: Field = Field.MESSAGE, required: bool = True
) -> str:
    try:
        text = clean_text(typed).strip()
    except UnreadableText as exc:
        errors[field] = str(exc)
        return ""
    if required and not text:
        errors[field] = "Write the message people will get."
    elif len(text) > MESSAGE_MAX:
        errors[field] = f"Keep it to {MESSAGE_MAX:,} characters (it has {len(text):,})."
    return text


def _check_audience(
    session: Session,
    typed: Typed,
    program: Program | None,
    probe: Probe,
    errors: dict[Field, str],
) -> int | None:
    """The audience's size (a channel's members when Slack says); its errors noted."""
    if typed.audience is None:
        errors[Field.AUDIENCE] = "Choose who should get it."
        return None
    if typed.audience is Audience.CHANNEL:
        if not typed.channel_id:
            errors[Field.CHANNEL] = "Pick the channel to post in."
            return None
        check = probe(typed.channel_id)
        warning = _channel_warning(typed.channel_id, check)
        if warning:
            errors[Field.CHANNEL] = warning.replace("press Send", "press Preview")
        return check.members
    if program is None:
        errors[Field.COHORT] = "Pick the cohort whose people should get it."
        return None
    size = audience_size(session, program.id, typed.audience)
    if not size:
        errors[Field.AUDIENCE] = "Nobody in that group yet, so nobody would get it."
    return size


def _channel_warning(channel_id: str, check: ChannelCheck) -> str | None:
    if check.access is ChannelAccess.NOT_INVITED:
        return not_invited_text(channel_id)
    if check.access is ChannelAccess.ARCHIVED:
        return f"<#{channel_id}> is archived, so nobody would see a post there."
    return None


def _send_at(
    session: Session,
    settings: Settings,
    actor: Actor,
    typed: Typed,
    slack_zone: SlackZone,
    now: datetime,
    errors: dict[Field, str],
) -> datetime | None:
    """The instant a scheduled one goes (None: now), from the day and time on the
    coordinator's own clock."""
    if typed.send_now:
        return None
    if typed.day is None:
        errors[Field.DATE] = "Pick the day it should go out."
    if typed.at is None:
        errors[Field.TIME] = "Pick the time it should go out."
    if typed.day is None or typed.at is None:
        return None
    zone = _zone(session, settings, actor, slack_zone)
    local_now = now.astimezone(zone)
    if typed.day < local_now.date():
        errors[Field.DATE] = "That day has passed. Pick today or a later day."
        return None
    instant = datetime.combine(typed.day, typed.at, tzinfo=zone).astimezone(UTC)
    if instant <= now:
        errors[Field.TIME] = (
            f"That time has passed (it's {local_now:%H:%M} now, {zone.key} time). "
            "Pick a later one, or Send now."
        )
        return None
    return instant


def _zone(
    session: Session, settings: Settings, actor: Actor, slack_zone: SlackZone | None
) -> ZoneInfo:
    """The coordinator's clock: their profile's zone, else Slack's, else the setting's."""
    person = find_person(session, actor.team_id, actor.user_id)
    for name in (person.tz if person else None, slack_zone() if slack_zone else None):
        if name:
            try:
                return ZoneInfo(name)
            except (ValueError, KeyError):  # a zone name this machine does not know
                continue
    return ZoneInfo(settings.timezone)


def _milestones(session: Session, program_id: int) -> dict[Milestone, Announcement]:
    rows = session.scalars(
        select(Announcement).where(
            Announcement.program_id == program_id, Announcement.milestone.is_not(None)
        )
    )
    return {row.milestone: row for row in rows if row.milestone is not None}


def _milestone_day(program: Program, milestone: Milestone) -> date | None:
    if milestone is Milestone.CLOSING:
        return program.ends_on
    if milestone is Milestone.MIDTERM and program.starts_on and program.ends_on:
        return program.starts_on + (program.ends_on - program.starts_on) // 2
    return None


def _milestone_at(
    program: Program, milestone: Milestone, zone: ZoneInfo, now: datetime, errors: dict[Field, str]
) -> datetime | None:
    """When a milestone goes: None for the kickoff (a round's approval says when)."""
    if milestone is Milestone.KICKOFF:
        return None
    day = _milestone_day(program, milestone)
    field = Field(milestone.value)
    if day is None:
        needs = "an end date" if milestone is Milestone.CLOSING else "start and end dates"
        errors[field] = f"This cohort has no {needs} yet, so this can't be scheduled."
        return None
    instant = datetime.combine(day, MILESTONE_AT, tzinfo=zone).astimezone(UTC)
    if instant <= now:
        errors[field] = f"Its day ({day_label(day)}) has passed. Leave this one empty."
        return None
    return instant


def _when_words(program: Program, milestone: Milestone, zone: ZoneInfo) -> str:
    if milestone is Milestone.KICKOFF:
        return "Goes out when a matching round of this cohort is approved."
    day = _milestone_day(program, milestone)
    if day is None:
        needs = "an end date" if milestone is Milestone.CLOSING else "start and end dates"
        return f"Needs the cohort's {needs}, which it doesn't have yet."
    half = ", half-way through" if milestone is Milestone.MIDTERM else ", its last day"
    return f"Goes out on {day_label(day)} at 10:00 ({zone.key}){half}."


def _went_words(row: Announcement) -> str:
    sent = row.sent_at or row.send_at
    return f"sent {sent:%d %b %Y}" if sent else "sent"


def _where(program: Program) -> str:
    if program.announcement_channel_id:
        return f"in <#{program.announcement_channel_id}>"
    return "by DM to everyone in the cohort"


def _milestone_audience(program: Program) -> tuple[Audience, str | None]:
    if program.announcement_channel_id:
        return Audience.CHANNEL, program.announcement_channel_id
    return Audience.COHORT, None


def _preview_state(
    row: Announcement, cohort: str | None, size: int | None, notice: str | None = None
) -> PreviewState:
    return PreviewState(
        announcement_id=row.id,
        author=row.author_slack_id,
        audience=row.audience,
        channel_id=row.channel_id,
        cohort=cohort,
        size=size,
        text=row.text,
        when=slack_date(row.send_at) if row.send_at else None,
        notice=notice,
    )


def _detail(row: Announcement, size: int | None) -> dict[str, Any]:
    return {
        "audience": row.audience.value,
        "channel": row.channel_id,
        "program": row.program_id,
        "size": size,
        "send_at": row.send_at.isoformat() if row.send_at else None,
    }


def _tell(session: Session, actor: Actor, text: str, now: datetime) -> None:
    """A click in a modal or a list has nothing to answer in: the answer comes by DM."""
    notify(
        session,
        team_id=actor.team_id,
        user_id=actor.user_id,
        text=text,
        key=keys.each(Kind.ANNOUNCEMENT_NOTICE, actor.user_id, at=now),
        now=now,
    )


def _refuse(
    session: Session, actor: Actor, action: str, subject: object, now: datetime, why: str
) -> None:
    audit.refused(
        session,
        team_id=actor.team_id,
        actor=actor.user_id,
        action=f"announcement.{action}",
        subject_type="announcement",
        subject_id=None if subject is None else str(subject),
        now=now,
        why=why,
    )


def _record(
    session: Session,
    actor: Actor,
    action: str,
    subject_id: int,
    now: datetime,
    detail: dict[str, Any],
    subject_type: str = "announcement",
) -> None:
    audit.record(
        session,
        team_id=actor.team_id,
        actor=actor.user_id,
        action=action,
        subject_type=subject_type,
        subject_id=subject_id,
        now=now,
        detail=detail,
    )


def _record_bot(
    session: Session, row: Announcement, action: str, now: datetime, detail: dict[str, Any]
) -> None:
    audit.record(
        session,
        team_id=row.team_id,
        actor=None,
        action=action,
        subject_type="announcement",
        subject_id=row.id,
        now=now,
        detail=detail,
    )
