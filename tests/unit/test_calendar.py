"""Calendar files: the half hour a pair can meet, and the .ics that proposes it."""

from __future__ import annotations

from datetime import UTC, date, datetime, time, timedelta

import pytest
from hypothesis import given
from hypothesis import strategies as st
from icalendar import Calendar

from bot.cadence import Workday
from bot.slots import SLOT_LENGTH, Slot, shared_slot
from bot.views.calendar import CheckinEvent, Occasion, calendar_file, comment, ics

PARIS, NEW_YORK, LONDON = "Europe/Paris", "America/New_York", "Europe/London"
LOS_ANGELES, JERUSALEM = "America/Los_Angeles", "Asia/Jerusalem"
HONOLULU, AUCKLAND = "Pacific/Honolulu", "Pacific/Auckland"
MONDAY_IN_MARCH = date(2030, 3, 18)  # New York already on summer time, Paris not yet
MONDAY_IN_JANUARY = date(2030, 1, 14)


def utc(day: date, hour: int, minute: int = 0) -> datetime:
    return datetime.combine(day, time(hour, minute), tzinfo=UTC)


def hours(tz: str, start: str = "09:00", end: str = "17:00") -> Workday:
    return Workday(tz, time.fromisoformat(start), time.fromisoformat(end))


# --- the slot -----------------------------------------------------------------------------


def test_a_pair_five_hours_apart_meets_at_the_later_of_their_prompt_times() -> None:
    # Paris 09-17 is 08:00-16:00 UTC; New York 09-17 is 13:00-21:00 UTC; New York's
    # prompt (10:00) is 14:00 UTC, when both are at work.
    slot = shared_slot(MONDAY_IN_MARCH, [hours(PARIS), hours(NEW_YORK)])

    assert slot == Slot(utc(MONDAY_IN_MARCH, 14), utc(MONDAY_IN_MARCH, 14, 30))


def test_a_pair_eight_hours_apart_meets_in_the_hours_their_days_share() -> None:
    # London 08-18 (UTC in winter) and Los Angeles 08-16 (16:00-24:00 UTC) share
    # 16:00-18:00 UTC; Los Angeles's prompt, 09:00 there, is 17:00 UTC.
    slot = shared_slot(
        MONDAY_IN_JANUARY, [hours(LONDON, "08:00", "18:00"), hours(LOS_ANGELES, "08:00", "16:00")]
    )

    assert slot == Slot(utc(MONDAY_IN_JANUARY, 17), utc(MONDAY_IN_JANUARY, 17, 30))
    assert slot.start.astimezone(hours(LOS_ANGELES).zone).time() == time(9, 0)


@pytest.mark.parametrize(
    ("first", "second"),
    [
        (hours(PARIS), hours(LOS_ANGELES)),  # nine hours apart: 08-16 and 17-01 UTC
        (hours(LONDON), hours(LOS_ANGELES)),  # eight hours apart: the days only touch
    ],
)
def test_a_pair_whose_working_days_do_not_overlap_gets_no_slot(
    first: Workday, second: Workday
) -> None:
    assert shared_slot(MONDAY_IN_JANUARY, [first, second]) is None


def test_when_the_later_prompt_leaves_too_little_the_last_half_hour_that_fits_is_chosen() -> None:
    # Paris 09-15 is 08:00-14:00 UTC, New York 09-17 13:00-21:00: they share 13:00-14:00,
    # and New York's prompt (14:00 UTC) is already the end of it.
    slot = shared_slot(MONDAY_IN_MARCH, [hours(PARIS, "09:00", "15:00"), hours(NEW_YORK)])

    assert slot == Slot(utc(MONDAY_IN_MARCH, 13, 30), utc(MONDAY_IN_MARCH, 14))


def test_exactly_half_an_hour_in_common_is_enough_and_less_is_not() -> None:
    new_york = hours(NEW_YORK)  # 13:00 UTC on
    assert shared_slot(MONDAY_IN_MARCH, [hours(PARIS, "09:00", "14:30"), new_york]) == Slot(
        utc(MONDAY_IN_MARCH, 13), utc(MONDAY_IN_MARCH, 13, 30)
    )
    assert shared_slot(MONDAY_IN_MARCH, [hours(PARIS, "09:00", "14:29"), new_york]) is None


def test_on_a_daylight_saving_change_day_the_slot_uses_that_days_clock() -> None:
    # Jerusalem moves to summer time on Friday 29 March 2030 at 02:00 (UTC+2 -> UTC+3):
    # its 17:00 end is 14:00 UTC that day, 15:00 UTC the day before.
    jerusalem, london = hours(JERUSALEM), hours(LONDON, "13:00", "18:00")
    friday, thursday = date(2030, 3, 29), date(2030, 3, 28)

    assert shared_slot(friday, [jerusalem, london]) == Slot(utc(friday, 13, 30), utc(friday, 14))
    assert shared_slot(thursday, [jerusalem, london]) == Slot(
        utc(thursday, 14), utc(thursday, 14, 30)
    )


def test_a_weekend_day_has_no_slot_even_for_a_pair_in_one_city() -> None:
    saturday = date(2030, 3, 23)
    assert shared_slot(saturday, [hours(PARIS), hours(PARIS)]) is None


def test_a_pair_across_the_date_line_is_not_offered_a_time_on_one_of_their_saturdays() -> None:
    # Friday 09-17 in Honolulu is 19:00 Friday to 03:00 Saturday UTC: Saturday morning in
    # Auckland. Auckland's own Friday ended before Honolulu's began.
    friday = date(2030, 1, 11)
    assert shared_slot(friday, [hours(HONOLULU), hours(AUCKLAND)]) is None


ZONES = st.sampled_from([PARIS, NEW_YORK, LONDON, LOS_ANGELES, JERUSALEM, HONOLULU, AUCKLAND])
WALL = st.integers(min_value=0, max_value=23 * 4).map(lambda q: time(q // 4, q % 4 * 15))


@given(
    day=st.dates(min_value=date(2025, 1, 1), max_value=date(2035, 12, 31)),
    people=st.lists(st.tuples(ZONES, WALL, WALL), min_size=2, max_size=2),
)
def test_any_slot_found_sits_inside_everyones_hours_on_that_day(
    day: date, people: list[tuple[str, time, time]]
) -> None:
    workdays = [Workday(tz, min(a, b), max(a, b)) for tz, a, b in people if a != b]
    if len(workdays) < 2:
        return
    slot = shared_slot(day, workdays)
    if slot is None:
        return
    assert slot.end - slot.start == SLOT_LENGTH and day.weekday() < 5
    for workday in workdays:
        assert workday.at(day, workday.start) <= slot.start
        assert slot.end <= workday.at(day, workday.end)


# --- the file -----------------------------------------------------------------------------

STAMP = datetime(2030, 3, 4, 12, 0, tzinfo=UTC)


def event(**changes: object) -> CheckinEvent:
    values: dict[str, object] = {
        "uid": "1b9d6bcd-bbfd-4b2d-9b5d-ab8dfbbd4bed@mentorbot",
        "sequence": 0,
        "day": MONDAY_IN_MARCH,
        "slot": Slot(utc(MONDAY_IN_MARCH, 14), utc(MONDAY_IN_MARCH, 14, 30)),
        "partner_user_id": "U0BEN0001",
        "partner_name": "Ben",
        "reader_is_mentee": True,
        "reader_tz": PARIS,
        "stamp": STAMP,
    }
    return CheckinEvent(**(values | changes))  # type: ignore[arg-type]


def parsed(text: str) -> tuple[Calendar, object]:
    calendar = Calendar.from_ical(text)
    [vevent] = calendar.walk("VEVENT")
    return calendar, vevent


def test_the_file_is_one_utc_event_with_a_stable_uid_naming_the_partner_and_the_agenda() -> None:
    text = ics(event(sequence=2))

    calendar, vevent = parsed(text)
    assert (str(calendar["VERSION"]), str(calendar["PRODID"])) == (
        "2.0",
        "-//mentorbot//Mentorship check-ins//EN",
    )
    assert str(vevent["UID"]) == "1b9d6bcd-bbfd-4b2d-9b5d-ab8dfbbd4bed@mentorbot"
    assert vevent.decoded("SEQUENCE") == 2
    assert vevent.decoded("DTSTAMP") == STAMP
    assert vevent.decoded("DTSTART") == utc(MONDAY_IN_MARCH, 14)
    assert vevent.decoded("DTEND") == utc(MONDAY_IN_MARCH, 14, 30)
    assert "DTSTART:20300318T140000Z" in text  # UTC, no time zone definitions needed
    assert str(vevent["SUMMARY"]) == "Mentorship check-in with Ben"
    agenda = str(vevent["DESCRIPTION"])
    assert "Progress on each goal" in agenda and "One specific challenge" in agenda
    assert "inside both of your working days" in agenda


def test_with_no_hours_in_common_the_file_marks_the_day_and_says_no_time_is_proposed() -> None:
    text = ics(event(slot=None))

    _, vevent = parsed(text)
    assert vevent.decoded("DTSTART") == MONDAY_IN_MARCH  # a date: the whole day
    assert vevent.decoded("DTEND") == MONDAY_IN_MARCH + timedelta(days=1)
    assert str(vevent["TRANSP"]) == "TRANSPARENT"  # it blocks nothing in their calendar
    assert "no time is proposed" in str(vevent["DESCRIPTION"])
    said = comment(event(slot=None), Occasion.ASKED)
    assert "don't overlap that day" in said and "without a time" in said


def test_the_comment_gives_the_slot_on_the_readers_clock_and_names_the_partner() -> None:
    kickoff = calendar_file(event(), Occasion.KICKOFF)

    assert kickoff.comment.startswith(":calendar: Your first check-in with <@U0BEN0001>")
    assert "*15:00-15:30* your time" in kickoff.comment  # 14:00 UTC in Paris
    assert kickoff.filename == "mentorship-check-in-2030-03-18.ics"
    moved = comment(event(sequence=1), Occasion.MOVED)
    assert "is now on *Monday 18 March*" in moved and "replaces the earlier one" in moved


@pytest.mark.parametrize(
    "name",
    [
        "Doe, Jane",  # ICS escapes the comma: the name would not read as written
        "Bartholomew Maximilian Featherstonehaugh-Cholmondeley",  # folded over two lines
    ],
)
def test_a_name_the_file_cannot_hold_on_one_plain_line_becomes_their_role(name: str) -> None:
    _, vevent = parsed(ics(event(partner_name=name, reader_is_mentee=False)))

    assert str(vevent["SUMMARY"]) == "Mentorship check-in with your mentee"
