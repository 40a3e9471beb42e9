"""A half hour a pair can meet on their check-in day, inside both people's working hours.

The check-in day is one calendar date for both of the pair (bot.cadence). Each person
works on that date from their own start to their own end, on their own wall clock
(bot.cadence.Workday): in UTC the two spans may overlap, touch, or miss each other.
Where at least a slot's length is shared, the slot starts at the later of the two
prompt times (so both have had their check-in message) or, when that leaves too
little of the shared span, as late as still fits: the time closest to the prompts.
Where less is shared (eight hours apart on 09:00-17:00, or a day off), there is no slot,
and callers say so instead of inventing a time outside someone's day.

Working hours are Monday to Friday, so a Saturday or Sunday (a meeting someone moved
there) has no slot; and a slot never borrows the day before or after, so a pair either
side of the date line is not offered a time on one of them's weekend.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass
from datetime import date, datetime, timedelta

from bot.cadence import Workday

SLOT_LENGTH = timedelta(minutes=30)


@dataclass(frozen=True)
class Slot:
    start: datetime  # UTC
    end: datetime  # UTC


def shared_slot(
    day: date, people: Sequence[Workday], length: timedelta = SLOT_LENGTH
) -> Slot | None:
    """The slot of `length` on `day` inside everyone's working hours (see the module's
    docstring for which one), or None when their hours share less than that."""
    if not people:
        raise ValueError("a slot needs at least one person")
    if day.weekday() >= 5:  # Saturday, Sunday: nobody's working day
        return None
    opens = max(person.at(day, person.start) for person in people)
    closes = min(person.at(day, person.end) for person in people)
    if closes - opens < length:
        return None
    prompted = max(person.prompt_at(day) for person in people)
    start = min(max(prompted, opens), closes - length)
    return Slot(start, start + length)
