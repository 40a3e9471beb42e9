"""A pair's pace: either of the two changes how often they check in (weekly, every two
weeks, monthly), from the Home tab.

`bot.cadence` is the date maths; this flow is the change. It takes effect from the
pair's next period: the latest prompted period (`anchor_period`) keeps the day it fell
on (`anchor_on`), and the ones after it follow from that day at the new cadence. Before
any prompt the schedule simply counts from the kickoff at the new cadence. The due-work
job reads the anchor through `bot.checkins.schedule`, the same rule that honours a moved
check-in: of the two anchors, the one with the later period rules.

A change never makes a prompt fall due at once: when the first new period's day is today
or has passed (a monthly pair turning weekly late in its month), the pair's next check-in
is the first period of the new pace whose day is still to come, and the periods in
between are passed over, as after downtime.

The write is guarded on the cadence read (two changes at once: one wins, the other is
told to try again), and the pair's `next_checkin_at` moves with
`mentorships.advance_checkin`, guarded on its value, so a change racing the due-work job
is undone whole. The partner gets a DM in their working hours, both Homes are redrawn,
and an audit entry `pace.changed` records it. Someone not in the pair is refused
(`refused.pace.change`) and nothing changes.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date, datetime
from enum import StrEnum

from sqlalchemy import func, select, update
from sqlalchemy.orm import Session

from bot import audit, checkins, home, keys, mentorships
from bot.cadence import day_label
from bot.config import Settings
from bot.db.enums import Cadence, MentorshipStatus
from bot.db.models import CheckIn, Mentorship, Person
from bot.keys import Kind
from bot.notices import notify
from bot.people import workday_of
from bot.views.pace import PaceForm, partner_told

CHANGED = "Your pairing changed a moment ago. Close this and try again."


class Outcome(StrEnum):
    OPEN = "open"  # the form may open
    CHANGED = "changed"
    UNCHANGED = "unchanged"  # already at that pace: nothing to do
    PAUSED = "paused"  # no check-ins while paused, so no next one to aim
    NOT_IN_PAIR = "not_in_pair"
    GONE = "gone"  # no such pair, or it has ended


@dataclass(frozen=True)
class Result:
    outcome: Outcome
    form: PaceForm | None = None
    cadence: Cadence | None = None  # CHANGED, UNCHANGED: the pace now
    next_day: str | None = None  # CHANGED: the day of the pair's next check-in
    partner_user_id: str | None = None


class PaceError(Exception):
    """A choice that cannot be saved; `message` goes beside the choice."""

    def __init__(self, message: str) -> None:
        super().__init__(message)
        self.message = message


@dataclass(frozen=True)
class _Found:
    mentorship: Mentorship
    me: Person
    partner: Person


def pace_form(
    session: Session, mentorship_id: int | None, *, actor: str, team_id: str, now: datetime
) -> Result:
    """May `actor` change this pair's pace? Then the form, set on the pace now."""
    found = _find(session, mentorship_id, actor, team_id, now)
    if isinstance(found, Result):
        return found
    form = PaceForm(found.mentorship.id, found.partner.slack_user_id, found.mentorship.cadence)
    return Result(Outcome.OPEN, form=form)


def change_pace(
    session: Session,
    mentorship_id: int | None,
    cadence: Cadence | None,
    *,
    actor: str,
    team_id: str,
    now: datetime,
    settings: Settings,
) -> Result:
    """Set the pair's pace from its next period on; see the module's docstring.
    Raises PaceError for a choice that is not one, or when the pair changed under us."""
    found = _find(session, mentorship_id, actor, team_id, now)
    if isinstance(found, Result):
        return found
    if cadence is None:
        raise PaceError("Please choose how often you'd like to check in.")
    m = found.mentorship
    old = m.cadence
    if cadence is old:
        return Result(Outcome.UNCHANGED, cadence=old, partner_user_id=found.partner.slack_user_id)
    default_tz = settings.timezone
    last = _last_period(session, m.id)
    anchor_on = checkins.schedule(session, m, default_tz=default_tz).day(last) if last else None
    written = session.execute(
        update(Mentorship)
        .where(
            Mentorship.id == m.id,
            Mentorship.cadence == old,
            Mentorship.status == MentorshipStatus.ACTIVE,
        )
        .values(cadence=cadence, anchor_period=last or None, anchor_on=anchor_on)
        .execution_options(synchronize_session="fetch")
    ).rowcount
    if not written:
        raise PaceError(CHANGED)
    schedule = checkins.schedule(session, m, default_tz=default_tz)  # at the new pace
    period = _first_to_come(schedule, last + 1, now)
    _reaim(session, m, schedule.due(period))
    next_day = schedule.day(period)
    _tell_partner(session, found, cadence, next_day, now, default_tz)
    home.refresh_pair(session, settings, m, cause=f"pace:{now.isoformat()}", now=now)
    audit.record(
        session,
        team_id=m.team_id,
        actor=actor,
        action="pace.changed",
        subject_type="mentorship",
        subject_id=m.id,
        now=now,
        detail={"from": old.value, "to": cadence.value, "next": next_day.isoformat()},
    )
    return Result(
        Outcome.CHANGED,
        cadence=cadence,
        next_day=day_label(next_day),
        partner_user_id=found.partner.slack_user_id,
    )


# --- steps --------------------------------------------------------------------------------


def _find(
    session: Session, mentorship_id: int | None, actor: str, team_id: str, now: datetime
) -> _Found | Result:
    """The pair and the actor's place in it; a stranger is refused and recorded."""
    m = session.get(Mentorship, mentorship_id) if mentorship_id is not None else None
    if m is None:
        _refuse(session, actor, team_id, mentorship_id, now, "no such pair")
        return Result(Outcome.GONE)
    mentor, mentee = session.get(Person, m.mentor_id), session.get(Person, m.mentee_id)
    assert mentor is not None and mentee is not None
    me = {mentor.slack_user_id: mentor, mentee.slack_user_id: mentee}.get(actor)
    if me is None or team_id != m.team_id:
        _refuse(session, actor, team_id, m.id, now, "not one of this pair")
        return Result(Outcome.NOT_IN_PAIR)
    if m.status is MentorshipStatus.PAUSED:
        return Result(Outcome.PAUSED)
    if m.status is not MentorshipStatus.ACTIVE:
        return Result(Outcome.GONE)
    return _Found(m, me, mentee if me is mentor else mentor)


def _refuse(
    session: Session, actor: str, team_id: str, subject: int | None, now: datetime, why: str
) -> None:
    audit.refused(
        session,
        team_id=team_id,
        actor=actor,
        action="pace.change",
        subject_type="mentorship",
        subject_id=subject,
        now=now,
        why=why,
    )


def _last_period(session: Session, mentorship_id: int) -> int:
    latest = session.scalar(
        select(func.max(CheckIn.period)).where(CheckIn.mentorship_id == mentorship_id)
    )
    return latest or 0


def _first_to_come(schedule: checkins.Schedule, first: int, now: datetime) -> int:
    """The first period from `first` on whose day is after today on the pair's calendar."""
    today = now.astimezone(schedule.mentee_day.zone).date()
    period = first
    while schedule.day(period) <= today:
        period += 1
    return period


def _reaim(session: Session, mentorship: Mentorship, following: datetime) -> None:
    """Aim an active pair's next check-in at `following`, guarded on the value read."""
    stored = mentorship.next_checkin_at
    if stored is None:
        return  # nothing scheduled to move
    if following != stored and not mentorships.advance_checkin(
        session, mentorship.id, due=stored, following=following
    ):
        raise PaceError(CHANGED)  # the due-work job moved it a moment ago: undo it all


def _tell_partner(
    session: Session,
    found: _Found,
    cadence: Cadence,
    next_day: date,
    now: datetime,
    default_tz: str,
) -> None:
    m, partner = found.mentorship, found.partner
    notify(
        session,
        team_id=m.team_id,
        user_id=partner.slack_user_id,
        text=partner_told(
            by_user_id=found.me.slack_user_id, cadence=cadence, next_day=day_label(next_day)
        ),
        key=keys.each(Kind.PACE_CHANGED, m.id, partner.id, at=now),
        now=workday_of(partner, default_tz).next_open(now),
    )
