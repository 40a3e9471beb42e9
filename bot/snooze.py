"""Snooze: someone away holds the check-in prompts of their pairs until they're back.

`/mentor snooze 2w` (`3d`, `1w`, `until 2027-01-15`, `off`) sets `people.snoozed_until`
to the end of the last day away on the person's own calendar (the midnight after it, as
an instant), at most MAX_MONTHS from today. While that lies ahead:

- the due-work job prompts neither of a pair with someone away: `held`, called by
  bot/checkins for each due pair, moves the pair's next check-in (guarded like the job's
  own moves) to the first prompt time of either of them once both are back. The job then
  prompts the period due by then (one held prompt, not one per period missed), or re-aims
  the pair when none is due yet;
- a prompt of theirs already queued for later in the day is withdrawn;
- each partner of an active pair is told once, by DM in their working hours, until when
  (never why);
- follow-ups wait too: that flow reads the same column.

`off`, or the Home's Resume button, ends it at once and hands each of their pairs' next
check-in back to the job now, which applies its own rule (the kickoff, or the latest
move): the held period is prompted, or the next one aimed at, as for a pair it finds early.
"""

from __future__ import annotations

import re
from collections.abc import Sequence
from datetime import UTC, date, datetime, time, timedelta
from zoneinfo import ZoneInfo

from dateutil.relativedelta import relativedelta
from sqlalchemy import func, select
from sqlalchemy.orm import Session

from bot import audit, keys, mentorships, outbox
from bot.cadence import Workday
from bot.config import Settings
from bot.db.enums import CheckInStatus, MentorshipStatus
from bot.db.models import CheckIn, Mentorship, Person
from bot.enrollment import active_mentorships
from bot.home import queue_home_publish
from bot.keys import Kind
from bot.notices import notify
from bot.people import find_person, workday_of
from bot.views.snooze import (
    MAX_MONTHS,
    NOT_ENROLLED,
    NOT_SNOOZED,
    PASSED,
    RESUMED,
    TOO_SHORT,
    UNREADABLE,
    help_text,
    last_day,
    partner_away_text,
    snoozed_text,
    still_snoozed_text,
    too_far,
)

_DURATION = re.compile(r"(?:for )?(\d{1,4}) ?(d|days?|w|wks?|weeks?)")
_UNTIL = re.compile(r"(?:until )?(\d{4}-\d{2}-\d{2})")
EXAMPLE_AHEAD = timedelta(weeks=3)  # the day the help's `until` example names


class SnoozeError(Exception):
    """Input that names no snooze we can set; str(error) is the help, with examples."""


def parse(text: str, today: date) -> date | None:
    """The last day away that `text` asks for (`today` on the person's calendar); None
    for `off`. Raises SnoozeError, its text the help, for anything else."""
    words = " ".join(text.lower().split())
    if words == "off":
        return None
    if found := _DURATION.fullmatch(words):
        count = int(found.group(1))
        if count < 1:
            raise _error(today, TOO_SHORT)
        day = today + timedelta(days=count * 7 if found.group(2).startswith("w") else count)
    elif found := _UNTIL.fullmatch(words):
        try:
            day = date.fromisoformat(found.group(1))
        except ValueError:
            raise _error(today, UNREADABLE) from None
        if day < today:
            raise _error(today, PASSED)
    else:
        raise _error(today, UNREADABLE)
    latest = today + relativedelta(months=MAX_MONTHS)
    if day > latest:
        raise _error(today, too_far(latest))
    return day


def _error(today: date, problem: str) -> SnoozeError:
    return SnoozeError(help_text(today + EXAMPLE_AHEAD, problem=problem))


# --- what the listeners call --------------------------------------------------------------


def command(
    session: Session, settings: Settings, *, team_id: str, user_id: str, text: str, now: datetime
) -> str:
    """`/mentor snooze ...`: set, end or show the snooze; returns the answer for the person."""
    me = find_person(session, team_id, user_id)
    if me is None:
        return NOT_ENROLLED
    tz = me.tz or settings.timezone
    today = now.astimezone(ZoneInfo(tz)).date()
    if not text.strip():
        if me.snoozed_until is not None and me.snoozed_until > now:
            return still_snoozed_text(last_day(me.snoozed_until, tz))
        return help_text(today + EXAMPLE_AHEAD)
    try:
        day = parse(text, today)
    except SnoozeError as exc:
        return str(exc)
    if day is None:
        return _resume(session, settings, me, now)
    return _snooze(session, settings, me, day, now)


def resume(
    session: Session, settings: Settings, *, team_id: str, user_id: str, now: datetime
) -> str:
    """End the person's snooze now (the Home's Resume button, `/mentor snooze off`)."""
    me = find_person(session, team_id, user_id)
    return NOT_ENROLLED if me is None else _resume(session, settings, me, now)


def held_until(people: Sequence[tuple[Person, Workday]], now: datetime) -> datetime | None:
    """Is either of a due pair away? Then prompt neither: their next check-in moves to
    this, the first prompt time of either of them after both are back (bot/checkins
    moves it, with the claim of the batch). None when neither is away."""
    away = [p.snoozed_until for p, _ in people if p.snoozed_until and p.snoozed_until > now]
    if not away:
        return None
    back = max(away)
    return min(_first_prompt(workday, back) for _, workday in people)


# --- steps --------------------------------------------------------------------------------


def _snooze(session: Session, settings: Settings, me: Person, day: date, now: datetime) -> str:
    tz = me.tz or settings.timezone
    until = datetime.combine(day + timedelta(days=1), time(0), tzinfo=ZoneInfo(tz))
    me.snoozed_until = until.astimezone(UTC)
    pairs = _active(session, me)
    _withdraw_prompts(session, me, pairs)
    told = []
    for mentorship in pairs:
        partner = mentorship.mentee if mentorship.mentor_id == me.id else mentorship.mentor
        notify(
            session,
            team_id=me.team_id,
            user_id=partner.slack_user_id,
            text=partner_away_text(away_user_id=me.slack_user_id, day=day),
            # Once per pair and snooze: the same snooze typed again tells nobody twice.
            key=keys.once(Kind.SNOOZE_TOLD, mentorship.id, me.id, me.snoozed_until.isoformat()),
            now=workday_of(partner, settings.timezone).next_open(now),
        )
        told.append(partner.slack_user_id)
    _record(session, me, "snooze.set", now, {"until": me.snoozed_until.isoformat()})
    _refresh_home(session, settings, me, now)
    return snoozed_text(day, partners=told)


def _resume(session: Session, settings: Settings, me: Person, now: datetime) -> str:
    if me.snoozed_until is None or me.snoozed_until <= now:
        return NOT_SNOOZED
    # Ended now, not cleared: the follow-up rule (bot/at_risk) leaves out the periods
    # that began while someone was away, and it reads that from this instant.
    me.snoozed_until = now
    reaimed = 0
    for mentorship in _active(session, me):
        stored = mentorship.next_checkin_at
        if stored is not None and stored > now:
            # Due now: the job's next tick aims it by its own rule (see the docstring).
            reaimed += mentorships.advance_checkin(
                session, mentorship.id, due=stored, following=now
            )
    _record(session, me, "snooze.off", now, {"reaimed": reaimed})
    _refresh_home(session, settings, me, now)
    return RESUMED


def _active(session: Session, me: Person) -> list[Mentorship]:
    """Their pairs that have check-ins (a paused pair has none)."""
    pairs = active_mentorships(session, me)
    return [m for m in pairs if m.status is MentorshipStatus.ACTIVE]


def _withdraw_prompts(session: Session, me: Person, pairs: list[Mentorship]) -> None:
    """Their prompt of each pair's open period, if it is still waiting to go out."""
    unsent = []
    for mentorship in pairs:
        period = session.scalar(
            select(func.max(CheckIn.period)).where(
                CheckIn.mentorship_id == mentorship.id,
                CheckIn.status == CheckInStatus.PROMPTED,
            )
        )
        if period is not None:
            unsent.append(keys.once(Kind.CHECKIN_PROMPT, mentorship.id, period, me.id))
    outbox.withdraw(session, unsent, why="snoozed: away until after this check-in")


def _first_prompt(workday: Workday, instant: datetime) -> datetime:
    """Their first prompt time (a weekday's) at or after `instant`."""
    day = instant.astimezone(workday.zone).date()
    while day.weekday() >= 5 or workday.prompt_at(day) < instant:
        day += timedelta(days=1)
    return workday.prompt_at(day)


def _record(
    session: Session, me: Person, action: str, now: datetime, detail: dict[str, object]
) -> None:
    audit.record(
        session,
        team_id=me.team_id,
        actor=me.slack_user_id,
        action=action,
        subject_type="person",
        subject_id=me.id,
        now=now,
        detail=detail,
    )


def _refresh_home(session: Session, settings: Settings, me: Person, now: datetime) -> None:
    queue_home_publish(
        session,
        settings,
        team_id=me.team_id,
        user_id=me.slack_user_id,
        cause=f"snooze:{now.isoformat()}",
        now=now,
    )
