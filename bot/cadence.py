"""When a pair's check-ins fall, and when each of the two is prompted.

Check-in n falls n cadence periods after the kickoff, on a weekday (`period_day`,
counted on the mentee's calendar). Each person is prompted on that day at their own
prompt time (the start of their working day plus an hour, 10:00 by default), on the
wall clock of their own zone, then turned into UTC: so a pair eight hours apart each
get it in their own morning, and a daylight-saving change does not move it.
`pair_due` is the first of the two instants: when the due-work job acts on the pair.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass
from datetime import UTC, date, datetime, time, timedelta
from zoneinfo import ZoneInfo

from dateutil.relativedelta import relativedelta

from bot.db.enums import Cadence

PERIOD_WORDS = {Cadence.WEEKLY: "a week", Cadence.BIWEEKLY: "two weeks", Cadence.MONTHLY: "a month"}
CHECKIN_HOUR = time(10, 0)  # mid-morning: after the inbox, before the day fills up
_PERIOD = {
    Cadence.WEEKLY: relativedelta(weeks=1),
    Cadence.BIWEEKLY: relativedelta(weeks=2),
    # relativedelta clips Jan 31 + 1 month to Feb 28, where an rrule would skip February.
    Cadence.MONTHLY: relativedelta(months=1),
}


def next_checkin(after: datetime, cadence: Cadence, tz: str) -> datetime:
    """The first working-hour weekday instant one `cadence` period after `after` (UTC)."""
    if after.tzinfo is None:
        raise ValueError("next_checkin needs an aware datetime")
    zone = ZoneInfo(tz)
    local_day = (after.astimezone(zone) + _PERIOD[cadence]).date()
    while local_day.weekday() >= 5:  # Saturday, Sunday
        local_day += timedelta(days=1)
    wall = datetime.combine(local_day, CHECKIN_HOUR)
    return wall.replace(tzinfo=zone).astimezone(UTC)


# --- per-person prompts -----------------------------------------------------------------

DEFAULT_WORKDAY_START = time(9, 0)
DEFAULT_WORKDAY_END = time(17, 0)
PROMPT_AFTER_START = timedelta(hours=1)  # the start of their day plus an hour: 10:00 by default


@dataclass(frozen=True)
class Workday:
    """A person's working hours on their own wall clock, Monday to Friday."""

    tz: str
    start: time = DEFAULT_WORKDAY_START
    end: time = DEFAULT_WORKDAY_END

    @property
    def zone(self) -> ZoneInfo:
        return ZoneInfo(self.tz)

    @property
    def prompt_time(self) -> time:
        """An hour into their day; the start itself when their day is shorter than that."""
        later = (datetime.combine(date.min, self.start) + PROMPT_AFTER_START).time()
        return later if self.start < later < self.end else self.start

    def at(self, day: date, wall: time) -> datetime:
        """`wall` o'clock on `day` in their zone, as UTC.

        zoneinfo resolves a wall time inside a spring-forward gap to the later offset
        (fold 0), so a start of day like 02:30 on that night still names one instant.
        """
        return datetime.combine(day, wall, tzinfo=self.zone).astimezone(UTC)

    def prompt_at(self, day: date) -> datetime:
        return self.at(day, self.prompt_time)

    def next_open(self, instant: datetime) -> datetime:
        """`instant` itself if they are at work then (a weekday, in hours); else the
        next prompt time of a working day of theirs."""
        local = instant.astimezone(self.zone)
        if local.weekday() < 5 and self.start <= local.time() < self.end:
            return instant
        day = local.date() if local.time() < self.start else local.date() + timedelta(days=1)
        return self.prompt_at(_weekday_on_or_after(day))


def period_day(kickoff: datetime, cadence: Cadence, period: int, tz: str) -> date:
    """The calendar day of check-in `period` (1, 2, …): the kickoff's day in `tz` plus
    `period` cadence periods, counted from the kickoff (so monthly from Jan 31 gives
    Feb 28 then Mar 31, not Mar 28), moved off a weekend to the Monday."""
    if kickoff.tzinfo is None:
        raise ValueError("period_day needs an aware datetime")
    if period < 1:
        raise ValueError("periods are counted from 1")
    start = kickoff.astimezone(ZoneInfo(tz)).date()
    return periods_after(start, cadence, period)


def periods_after(start: date, cadence: Cadence, periods: int) -> date:
    """`start` plus `periods` cadence periods, moved off a weekend to the Monday: the day
    of a check-in counted from an earlier one (a kickoff, or a day the pair moved one to)."""
    return _weekday_on_or_after(start + _PERIOD[cadence] * periods)


Anchor = tuple[int, date]  # (period, day): check-in `period` falls on `day`


def anchored_day(
    period: int, cadence: Cadence, kickoff: date, anchors: Sequence[Anchor | None]
) -> date:
    """The day of check-in `period` (1, 2, …) on a pair's calendar.

    Counted from the latest anchor at or before `period` (a move of one check-in, a
    change of cadence: each re-anchors the schedule from its period on, at the pair's
    current `cadence`), or from the `kickoff` day when none is; off a weekend to the
    Monday. The anchor with the higher period wins; on a tie the later in `anchors`.
    """
    if period < 1:
        raise ValueError("periods are counted from 1")
    best: Anchor | None = None
    for anchor in anchors:
        if anchor is not None and anchor[0] <= period and (best is None or anchor[0] >= best[0]):
            best = anchor
    if best is None:
        return periods_after(kickoff, cadence, period)
    anchor_period, anchor_day = best
    if period == anchor_period:
        return anchor_day
    return periods_after(anchor_day, cadence, period - anchor_period)


def one_period_later(day: date, cadence: Cadence) -> date:
    """`day` plus one cadence period, weekend or not: where a period that starts on `day` ends."""
    return day + _PERIOD[cadence]


def pair_due(
    kickoff: datetime, cadence: Cadence, period: int, anchor_tz: str, people: Sequence[Workday]
) -> datetime:
    """When check-in `period` of a pair starts: the earliest of their prompt times that day.

    The day is counted on `anchor_tz` (the mentee's clock); each person is prompted at
    their own prompt time on that same calendar day, which is a weekday everywhere.
    """
    day = period_day(kickoff, cadence, period, anchor_tz)
    return min(person.prompt_at(day) for person in people)


def day_label(day: date) -> str:
    """ "Monday 3 March": a check-in day, the same calendar day for both of the pair."""
    return f"{day:%A} {day.day} {day:%B}"


def _weekday_on_or_after(day: date) -> date:
    while day.weekday() >= 5:  # Saturday, Sunday
        day += timedelta(days=1)
    return day
