"""Calendar files (.ics, RFC 5545) for a pair's check-in, and the words that come with them.

Pure: an event's state in, the file and its Slack comment out. Each of the two gets their
own copy of one event: the same UID and SEQUENCE (so a later copy with a higher SEQUENCE
updates the event a calendar app already holds instead of adding a second one), a SUMMARY
naming the partner, and the agenda the check-in message carries.

The calendar is METHOD:PUBLISH with no organizer or attendees: we know people's Slack
ids, not their calendar addresses, so the file is something to add, not an invitation.
A proposed half hour is DTSTART/DTEND in UTC (each calendar shows it on its owner's
clock) and TENTATIVE: the pair may pick another time. With no working hours in common
that day, the event is the whole day (VALUE=DATE, TRANSPARENT so it blocks nothing) and
its description and comment say plainly that no time is proposed.

Privacy: the partner's display name is written only where bot.privacy can find it again
(unfolded and unescaped on the SUMMARY line); a name that would be folded or escaped
there gives "your mentor" / "your mentee" instead. Nothing a person wrote goes in.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date, datetime
from enum import StrEnum
from zoneinfo import ZoneInfo

from icalendar import Calendar, Event

from bot.cadence import day_label
from bot.slots import Slot


class CalendarIds:
    ADD = "calendar.add"  # the check-in message's "Add to calendar" button


ADD_LABEL = "Add to calendar"
# Why "Add to calendar" sent nothing (ephemeral answers to the click).
NOT_YOURS = "This check-in belongs to another pair, so I can't add it to your calendar."
GONE = (
    "This check-in is no longer on (the pairing has ended or is paused), "
    "so there's nothing to add to your calendar."
)
PRODID = "-//mentorbot//Mentorship check-ins//EN"
_ONE_LINE = 75  # RFC 5545 folds content lines longer than this many octets


class Occasion(StrEnum):
    """Why a file is sent: it decides the comment's first words."""

    KICKOFF = "kickoff"  # with the intro: the pair's first check-in
    ASKED = "asked"  # "Add to calendar" pressed on a check-in message
    MOVED = "moved"  # one of the two moved the check-in


@dataclass(frozen=True)
class CheckinEvent:
    """One person's copy of a check-in event."""

    uid: str
    sequence: int
    day: date  # the check-in day, the same calendar date for both
    slot: Slot | None  # None: no working hours in common that day
    partner_user_id: str
    partner_name: str
    reader_is_mentee: bool
    reader_tz: str  # for the comment's local times
    stamp: datetime  # DTSTAMP: when this copy was made (UTC)


@dataclass(frozen=True)
class CalendarFile:
    filename: str
    title: str
    content: str
    comment: str  # the Slack message the file arrives with


def calendar_file(event: CheckinEvent, occasion: Occasion) -> CalendarFile:
    return CalendarFile(
        filename=f"mentorship-check-in-{event.day.isoformat()}.ics",
        title=f"Check-in, {day_label(event.day)}",
        content=ics(event),
        comment=comment(event, occasion),
    )


def ics(event: CheckinEvent) -> str:
    """The .ics text of `event` (CRLF lines, folded as RFC 5545 asks)."""
    summary = f"Mentorship check-in with {event.partner_name}"
    rendered = _render(event, summary)
    if f"\r\nSUMMARY:{summary}\r\n" not in rendered:  # folded or escaped: see the docstring
        rendered = _render(event, f"Mentorship check-in with {_role(event)}")
    return rendered


def _render(event: CheckinEvent, summary: str) -> str:
    calendar = Calendar()
    calendar.add("prodid", PRODID)
    calendar.add("version", "2.0")
    calendar.add("calscale", "GREGORIAN")
    calendar.add("method", "PUBLISH")
    vevent = Event()
    vevent.add("uid", event.uid)
    vevent.add("dtstamp", event.stamp)
    vevent.add("sequence", event.sequence)
    if event.slot is not None:
        vevent.add("dtstart", event.slot.start)
        vevent.add("dtend", event.slot.end)
        vevent.add("transp", "OPAQUE")
    else:
        vevent.add("dtstart", event.day)
        vevent.add("dtend", date.fromordinal(event.day.toordinal() + 1))
        vevent.add("transp", "TRANSPARENT")
    vevent.add("status", "TENTATIVE")
    vevent.add("summary", summary)
    vevent.add("description", description(event))
    calendar.add_component(vevent)
    return calendar.to_ical().decode()


def description(event: CheckinEvent) -> str:
    """The event's notes: the agenda of the check-in message, and what the time means."""
    ask = (
        "Questions you'd like your mentor's view on"
        if event.reader_is_mentee
        else "Questions to ask about how things are going, and what would help most"
    )
    items = (
        "A topic or two you each want to talk about",
        ask,
        "Progress on each goal: what moved, what's stuck",
        "One specific challenge to work through together",
    )
    when = (
        "This half hour sits inside both of your working days; "
        "if another time suits you both better, move it."
        if event.slot is not None
        else "Your working hours don't overlap on this day, so no time is proposed: "
        "agree on one together."
    )
    return "\n".join(
        [
            f"Your mentorship check-in with {_role(event)}.",
            "",
            "A short agenda, if it helps:",
            *(f"- {item}" for item in items),
            "",
            when,
            "Once you've met, log it from the check-in message in Slack: "
            "one click counts for you both.",
        ]
    )


def comment(event: CheckinEvent, occasion: Occasion) -> str:
    """The words the file arrives with in Slack."""
    partner, day = f"<@{event.partner_user_id}>", day_label(event.day)
    if occasion == Occasion.KICKOFF:
        head = f":calendar: Your first check-in with {partner} is on *{day}*."
    elif occasion == Occasion.MOVED:
        head = (
            f":calendar: Your check-in with {partner} is now on *{day}*: here is the same "
            "event with the new day (adding it replaces the earlier one in most calendar apps)."
        )
    else:
        head = f":calendar: Your check-in with {partner} on *{day}*, for your calendar."
    if event.slot is None:
        return (
            f"{head} Your working hours don't overlap that day, so the file marks the day "
            "without a time: agree on one together."
        )
    return (
        f"{head} It proposes *{_local(event.slot, event.reader_tz)}* your time, a half hour "
        "inside both of your working days."
    )


def _local(slot: Slot, tz: str) -> str:
    zone = ZoneInfo(tz)
    return f"{slot.start.astimezone(zone):%H:%M}-{slot.end.astimezone(zone):%H:%M}"


def _role(event: CheckinEvent) -> str:
    return "your mentor" if event.reader_is_mentee else "your mentee"
