"""Check-ins fall one cadence period on, on a weekday; each person is prompted at 10:00 on
their own clock (the start of their working day plus an hour)."""

from __future__ import annotations

from datetime import UTC, date, datetime, time, timedelta
from zoneinfo import ZoneInfo, available_timezones

import pytest
from hypothesis import given
from hypothesis import strategies as st

from bot.cadence import Workday, next_checkin, pair_due, period_day
from bot.db.enums import Cadence

ZONES = sorted(z for z in available_timezones() if "/" in z and not z.startswith("Etc"))


def test_every_two_weeks_from_a_monday_is_the_monday_two_weeks_on_at_ten() -> None:
    start = datetime(2026, 11, 23, 15, 30, tzinfo=UTC)  # a Monday

    due = next_checkin(start, Cadence.BIWEEKLY, "Europe/Paris")

    assert due.astimezone(ZoneInfo("Europe/Paris")) == datetime(
        2026, 12, 7, 10, 0, tzinfo=ZoneInfo("Europe/Paris")
    )


def test_a_weekend_date_moves_to_the_monday() -> None:
    saturday = datetime(2026, 11, 21, 12, 0, tzinfo=UTC)

    due = next_checkin(saturday, Cadence.WEEKLY, "UTC")

    assert due == datetime(2026, 11, 30, 10, 0, tzinfo=UTC)


def test_the_hour_holds_across_a_daylight_saving_change() -> None:
    # New York leaves DST on 2026-11-01: the UTC hour shifts, the local hour does not.
    before = next_checkin(
        datetime(2026, 10, 13, 14, tzinfo=UTC), Cadence.WEEKLY, "America/New_York"
    )
    after = next_checkin(datetime(2026, 10, 27, 14, tzinfo=UTC), Cadence.WEEKLY, "America/New_York")

    assert (before.hour, after.hour) == (14, 15)
    assert before.astimezone(ZoneInfo("America/New_York")).hour == 10
    assert after.astimezone(ZoneInfo("America/New_York")).hour == 10


def test_monthly_from_the_31st_lands_in_the_next_month() -> None:
    due = next_checkin(datetime(2027, 1, 31, 9, tzinfo=UTC), Cadence.MONTHLY, "UTC")

    # Jan 31 + one month is Feb 28 (a Sunday), so the Monday after.
    assert due == datetime(2027, 3, 1, 10, tzinfo=UTC)


def test_a_naive_instant_is_refused() -> None:
    with pytest.raises(ValueError):
        next_checkin(datetime(2026, 11, 23), Cadence.WEEKLY, "UTC")


@given(
    after=st.datetimes(
        min_value=datetime(2000, 1, 1), max_value=datetime(2090, 1, 1), timezones=st.just(UTC)
    ),
    cadence=st.sampled_from(list(Cadence)),
    tz=st.sampled_from(ZONES),
)
def test_always_a_weekday_at_ten_local_after_the_start_within_a_period_and_a_weekend(
    after: datetime, cadence: Cadence, tz: str
) -> None:
    due = next_checkin(after, cadence, tz)
    local = due.astimezone(ZoneInfo(tz))

    assert local.weekday() < 5
    assert (local.hour, local.minute) == (10, 0)
    assert due > after
    assert due - after <= timedelta(days=31 + 3 + 1)


# --- each person's prompt: their own working hours, on their own clock -----------------------

PARIS = Workday("Europe/Paris")
LOS_ANGELES = Workday("America/Los_Angeles")
AUCKLAND = Workday("Pacific/Auckland")


def test_a_pair_eight_hours_apart_are_each_prompted_at_ten_on_their_own_clock() -> None:
    day = date(2030, 3, 18)  # a Monday

    assert PARIS.prompt_at(day) == datetime(2030, 3, 18, 9, 0, tzinfo=UTC)
    assert LOS_ANGELES.prompt_at(day) == datetime(2030, 3, 18, 17, 0, tzinfo=UTC)


def test_the_pair_is_due_at_the_earlier_of_their_two_mornings() -> None:
    kickoff = datetime(2030, 3, 4, 12, tzinfo=UTC)

    due = pair_due(kickoff, Cadence.BIWEEKLY, 1, "Europe/Paris", [LOS_ANGELES, PARIS])

    assert due == datetime(2030, 3, 18, 9, 0, tzinfo=UTC)


def test_a_far_zone_is_prompted_on_the_same_calendar_day_before_utc_reaches_it() -> None:
    kickoff = datetime(2030, 3, 4, 12, tzinfo=UTC)

    due = pair_due(kickoff, Cadence.BIWEEKLY, 1, "Europe/Paris", [PARIS, AUCKLAND])

    # 10:00 on Monday 18 March in Auckland (summer time, UTC+13) is Sunday 21:00 UTC.
    assert due == datetime(2030, 3, 17, 21, 0, tzinfo=UTC)
    assert due.astimezone(AUCKLAND.zone).date() == date(2030, 3, 18)


def test_the_local_hour_holds_across_the_daylight_saving_change_between_two_periods() -> None:
    kickoff = datetime(2030, 3, 18, 12, tzinfo=UTC)  # Paris changes clocks on 31 March

    before = pair_due(kickoff, Cadence.WEEKLY, 1, "Europe/Paris", [PARIS])
    after = pair_due(kickoff, Cadence.WEEKLY, 2, "Europe/Paris", [PARIS])

    assert (before.hour, after.hour) == (9, 8)  # UTC moves, 10:00 in Paris does not
    assert before.astimezone(PARIS.zone).hour == after.astimezone(PARIS.zone).hour == 10


def test_periods_count_from_the_kickoff_so_monthly_from_the_31st_does_not_drift() -> None:
    kickoff = datetime(2030, 1, 31, 9, tzinfo=UTC)

    days = [period_day(kickoff, Cadence.MONTHLY, n, "UTC") for n in (1, 2, 3)]

    # Feb 28 (a Thursday), Mar 31 (a Sunday: the Monday after), Apr 30.
    assert days == [date(2030, 2, 28), date(2030, 4, 1), date(2030, 4, 30)]


def test_a_check_in_day_on_a_weekend_moves_to_the_monday() -> None:
    saturday = datetime(2030, 3, 2, 12, tzinfo=UTC)

    assert period_day(saturday, Cadence.WEEKLY, 1, "UTC") == date(2030, 3, 11)


def test_someone_who_starts_at_seven_is_prompted_at_eight() -> None:
    early = Workday("Europe/Paris", start=time(7, 0), end=time(15, 0))

    assert early.prompt_at(date(2030, 3, 18)).astimezone(early.zone).hour == 8


def test_outside_working_hours_the_prompt_waits_for_their_next_working_morning() -> None:
    friday_evening = datetime(2030, 3, 22, 18, 30, tzinfo=UTC)  # 19:30 in Paris
    friday_afternoon = datetime(2030, 3, 22, 14, 0, tzinfo=UTC)  # 15:00 in Paris
    monday_early = datetime(2030, 3, 25, 6, 0, tzinfo=UTC)  # 07:00 in Paris

    assert PARIS.next_open(friday_evening) == datetime(2030, 3, 25, 9, 0, tzinfo=UTC)
    assert PARIS.next_open(friday_afternoon) == friday_afternoon
    assert PARIS.next_open(monday_early) == datetime(2030, 3, 25, 9, 0, tzinfo=UTC)


@given(
    kickoff=st.datetimes(
        min_value=datetime(2000, 1, 1), max_value=datetime(2090, 1, 1), timezones=st.just(UTC)
    ),
    cadence=st.sampled_from(list(Cadence)),
    period=st.integers(min_value=1, max_value=30),
    zones=st.lists(st.sampled_from(ZONES), min_size=2, max_size=2),
)
def test_each_person_is_prompted_at_ten_on_a_weekday_and_the_pair_is_due_at_the_first(
    kickoff: datetime, cadence: Cadence, period: int, zones: list[str]
) -> None:
    people = [Workday(zone) for zone in zones]
    day = period_day(kickoff, cadence, period, zones[0])
    due = pair_due(kickoff, cadence, period, zones[0], people)

    assert day.weekday() < 5
    for person in people:
        local = person.prompt_at(day).astimezone(person.zone)
        assert local.date() == day
        assert (local.hour, local.minute) == (10, 0)
        assert person.prompt_at(day) >= due
    assert due in [person.prompt_at(day) for person in people]
