"""Calendar files for a pair's check-ins: at kickoff, after a move, and on request.

Each check-in period of a pair is one calendar event (a `calendar_events` row: a UID
drawn once, UNIQUE per pair and period, and a SEQUENCE). Its time is the half hour
bot.slots finds inside both people's working hours on the check-in day, or the whole
day when there is none. Each of the two gets their own copy of the file by DM:

- at kickoff, period 1's event, to both (bot.mentorships.start);
- after a move (bot.checkins.reschedule), the same event with SEQUENCE + 1 and the new
  day, to both: the mover at once, the partner in their working hours;
- on "Add to calendar" in a check-in message, that period's event, to whoever pressed.

Why a button on the prompt rather than a file with every prompt. A file costs three
Web API calls (files.getUploadURLExternal, the upload, files.completeUploadExternal),
and both methods are Tier 4 in Slack's documentation: about 100 calls a minute per
workspace for the app. A prompt is one chat.postMessage, limited to about one message
a second per channel (each DM is its own channel) under a workspace-wide ceiling. With
a file on each of 10,000 prompts the upload methods alone would need 100 minutes or
more, the outbox would keep re-queueing 429s for them, and every other upload of the
app (a round's CSV) would wait behind them. So the prompt carries a button, and only
those who want the file spend an upload, spread over the days they press it; kickoff
and moves, one pair at a time, send theirs unasked.

SEQUENCE moves with a conditional UPDATE on the value read, so two changes at once
cannot both claim the same number; the outbox key of a file sent unasked names the
event and its SEQUENCE, so a retried move sends each version once.
"""

from __future__ import annotations

import uuid
from dataclasses import dataclass
from datetime import date, datetime
from enum import StrEnum

from sqlalchemy import select, update
from sqlalchemy.orm import Session

from bot import audit, keys
from bot.anchors import check_in_day
from bot.cadence import Workday, period_day
from bot.db.enums import MentorshipStatus
from bot.db.inserts import insert_if_absent
from bot.db.models import CalendarEvent, CheckIn, Mentorship, Person
from bot.keys import Kind
from bot.notices import file_dm
from bot.people import workday_of
from bot.slots import Slot, shared_slot
from bot.views.calendar import CheckinEvent, Occasion, calendar_file

_SEQUENCE_TRIES = 5  # a lost race re-reads; more losses than this in one request is a bug


class Outcome(StrEnum):
    SENT = "sent"
    NOT_IN_PAIR = "not_in_pair"
    GONE = "gone"  # no such check-in, or the pair has ended or is paused


@dataclass(frozen=True)
class _Stored:
    id: int
    uid: str
    sequence: int


@dataclass(frozen=True)
class _Side:
    person: Person
    workday: Workday
    partner: Person
    is_mentee: bool


def kickoff(
    session: Session,
    mentorship: Mentorship,
    mentor: Person,
    mentee: Person,
    *,
    now: datetime,
    default_tz: str,
) -> None:
    """Both of a new pair get their first check-in's event, each in their working hours."""
    sides = _sides(mentor, mentee, default_tz)
    # Counted on the mentee's calendar, as the intro and the due-work job count it.
    day = period_day(mentorship.started_at, mentorship.cadence, 1, sides[1].workday.tz)
    slot = _slot(day, sides)
    event = _event(session, mentorship.id, 1, slot, moved=False)
    for side in sides:
        key = keys.once(Kind.CALENDAR_FILE, event.id, event.sequence, side.person.id)
        _send(session, mentorship, side, event, day, slot, Occasion.KICKOFF, key, now, later=True)


def moved(
    session: Session,
    mentorship: Mentorship,
    period: int,
    day: date,
    *,
    mover: Person,
    now: datetime,
    default_tz: str,
) -> None:
    """The check-in of `period` moved to `day`: both get the updated event (the same UID,
    the next SEQUENCE), the mover at once, the partner in their working hours."""
    sides = _sides(*_people(session, mentorship), default_tz)
    slot = _slot(day, sides)
    event = _event(session, mentorship.id, period, slot, moved=True)
    for side in sides:
        key = keys.once(Kind.CALENDAR_FILE, event.id, event.sequence, side.person.id)
        later = side.person.id != mover.id
        _send(session, mentorship, side, event, day, slot, Occasion.MOVED, key, now, later=later)


def requested(
    session: Session,
    checkin_id: int | None,
    *,
    team_id: str,
    user_id: str,
    now: datetime,
    default_tz: str,
) -> Outcome:
    """ "Add to calendar" on a check-in message: the presser gets that period's event now.

    A stranger (someone not in the pair, or a forged id) is refused and recorded."""
    checkin = session.get(CheckIn, checkin_id) if checkin_id is not None else None
    mentorship = session.get(Mentorship, checkin.mentorship_id) if checkin else None
    if checkin is None or mentorship is None:
        _refuse(session, team_id, user_id, checkin_id, now, "no such check-in")
        return Outcome.GONE
    sides = _sides(*_people(session, mentorship), default_tz)
    mine = [s for s in sides if s.person.slack_user_id == user_id]
    if not mine or team_id != mentorship.team_id:
        _refuse(session, team_id, user_id, checkin.id, now, "not one of this pair")
        return Outcome.NOT_IN_PAIR
    if mentorship.status is not MentorshipStatus.ACTIVE:
        return Outcome.GONE
    day = _day(session, mentorship, checkin, anchor_tz=sides[1].workday.tz)
    slot = _slot(day, sides)
    event = _event(session, mentorship.id, checkin.period, slot, moved=False)
    key = keys.each(Kind.CALENDAR_ASKED, event.id, mine[0].person.id, at=now)
    _send(session, mentorship, mine[0], event, day, slot, Occasion.ASKED, key, now, later=False)
    return Outcome.SENT


# --- steps --------------------------------------------------------------------------------


def _people(session: Session, mentorship: Mentorship) -> tuple[Person, Person]:
    mentor = session.get(Person, mentorship.mentor_id)
    mentee = session.get(Person, mentorship.mentee_id)
    assert mentor is not None and mentee is not None
    return mentor, mentee


def _sides(mentor: Person, mentee: Person, default_tz: str) -> tuple[_Side, _Side]:
    """(mentor's side, mentee's side)."""
    mentor_day, mentee_day = workday_of(mentor, default_tz), workday_of(mentee, default_tz)
    return (
        _Side(mentor, mentor_day, mentee, is_mentee=False),
        _Side(mentee, mentee_day, mentor, is_mentee=True),
    )


def _slot(day: date, sides: tuple[_Side, _Side]) -> Slot | None:
    return shared_slot(day, [side.workday for side in sides])


def _day(session: Session, mentorship: Mentorship, checkin: CheckIn, *, anchor_tz: str) -> date:
    """The check-in day of `checkin`'s period by the due-work job's own rule (bot.anchors:
    the kickoff, a change of pace, a moved check-in; on the mentee's calendar,
    `anchor_tz`), so the file and the prompt name the same day."""
    return check_in_day(session, mentorship, checkin.period, mentee_tz=anchor_tz)


def _event(
    session: Session, mentorship_id: int, period: int, slot: Slot | None, *, moved: bool
) -> _Stored:
    """The period's event, created at SEQUENCE 0 if new; an existing one moves to the next
    SEQUENCE when it `moved` or its proposed start changed (hours or zones changed since)."""
    starts_at = slot.start if slot else None
    values = {
        "mentorship_id": mentorship_id,
        "period": period,
        "uid": f"{uuid.uuid4()}@mentorbot",
        "sequence": 0,
        "starts_at": starts_at,
    }
    created = insert_if_absent(session, CalendarEvent, values, unique=["mentorship_id", "period"])
    for _ in range(_SEQUENCE_TRIES):
        row = session.execute(
            select(
                CalendarEvent.id, CalendarEvent.uid, CalendarEvent.sequence, CalendarEvent.starts_at
            ).where(CalendarEvent.mentorship_id == mentorship_id, CalendarEvent.period == period)
        ).one()
        if created or (not moved and row.starts_at == starts_at):
            return _Stored(row.id, row.uid, row.sequence)
        bumped = session.execute(
            update(CalendarEvent)
            .where(CalendarEvent.id == row.id, CalendarEvent.sequence == row.sequence)
            .values(sequence=row.sequence + 1, starts_at=starts_at)
        ).rowcount
        if bumped:
            return _Stored(row.id, row.uid, row.sequence + 1)
    raise RuntimeError(f"calendar event {mentorship_id}/{period}: SEQUENCE kept moving")


def _send(
    session: Session,
    mentorship: Mentorship,
    side: _Side,
    event: _Stored,
    day: date,
    slot: Slot | None,
    occasion: Occasion,
    key: str,
    now: datetime,
    *,
    later: bool,
) -> None:
    """Queue `side`'s copy of the event: now, or (`later`, when it answers no click of
    theirs) once they are next at work."""
    content = calendar_file(
        CheckinEvent(
            uid=event.uid,
            sequence=event.sequence,
            day=day,
            slot=slot,
            partner_user_id=side.partner.slack_user_id,
            partner_name=side.partner.display_name,
            reader_is_mentee=side.is_mentee,
            reader_tz=side.workday.tz,
            stamp=now,
        ),
        occasion,
    )
    file_dm(
        session,
        team_id=mentorship.team_id,
        user_id=side.person.slack_user_id,
        channel=side.person.dm_channel_id,
        key=key,
        filename=content.filename,
        title=content.title,
        content=content.content,
        comment=content.comment,
        now=side.workday.next_open(now) if later else now,
    )


def _refuse(
    session: Session, team_id: str, user_id: str, subject: object, now: datetime, why: str
) -> None:
    audit.refused(
        session,
        team_id=team_id,
        actor=user_id,
        action="calendar.add",
        subject_type="checkin",
        subject_id=None if subject is None else str(subject),
        now=now,
        why=why,
    )
