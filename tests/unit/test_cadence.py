"""Check-ins fall one cadence period on, on a weekday at 10:00 in the person's own zone."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta
from zoneinfo import ZoneInfo, available_timezones

import pytest
from hypothesis import given
from hypothesis import strategies as st

from bot.cadence import next_checkin
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
