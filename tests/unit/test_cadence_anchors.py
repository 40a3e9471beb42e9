"""A pair's calendar after a move or a change of pace: each re-anchors the schedule from
its period on, at the pair's current cadence; the anchor with the later period rules."""

from __future__ import annotations

from datetime import date, timedelta

import pytest
from hypothesis import given
from hypothesis import strategies as st

from bot.cadence import anchored_day, periods_after
from bot.db.enums import Cadence

KICKOFF = date(2030, 3, 4)  # a Monday


def test_without_an_anchor_periods_count_from_the_kickoff() -> None:
    assert anchored_day(1, Cadence.BIWEEKLY, KICKOFF, (None, None)) == date(2030, 3, 18)
    assert anchored_day(3, Cadence.BIWEEKLY, KICKOFF, (None, None)) == date(2030, 4, 15)


def test_the_anchored_period_keeps_its_day_and_later_ones_follow_at_the_new_cadence() -> None:
    # Period 1 fell on Monday 18 March (every two weeks); the pair turned weekly then.
    paced = (1, date(2030, 3, 18))

    days = [anchored_day(n, Cadence.WEEKLY, KICKOFF, (paced, None)) for n in (1, 2, 3)]

    assert days == [date(2030, 3, 18), date(2030, 3, 25), date(2030, 4, 1)]


def test_periods_before_the_anchor_still_count_from_the_kickoff() -> None:
    paced = (3, date(2030, 4, 15))

    assert anchored_day(2, Cadence.MONTHLY, KICKOFF, (paced, None)) == date(2030, 5, 6)


def test_a_move_after_a_change_of_pace_rules_from_its_period() -> None:
    paced = (1, date(2030, 3, 18))
    moved = (2, date(2030, 3, 28))  # a Thursday

    assert anchored_day(2, Cadence.WEEKLY, KICKOFF, (paced, moved)) == date(2030, 3, 28)
    assert anchored_day(3, Cadence.WEEKLY, KICKOFF, (paced, moved)) == date(2030, 4, 4)


def test_a_change_of_pace_after_a_move_rules_from_its_period() -> None:
    moved = (1, date(2030, 3, 20))  # a Wednesday
    paced = (2, date(2030, 3, 27))  # the pair turned weekly in period 2

    assert anchored_day(3, Cadence.WEEKLY, KICKOFF, (paced, moved)) == date(2030, 4, 3)
    assert anchored_day(1, Cadence.WEEKLY, KICKOFF, (paced, moved)) == date(2030, 3, 20)


def test_on_the_same_period_the_later_anchor_given_rules() -> None:
    paced = (2, date(2030, 3, 25))
    moved = (2, date(2030, 3, 27))  # moved after the change: the move is what holds

    assert anchored_day(2, Cadence.WEEKLY, KICKOFF, (paced, moved)) == date(2030, 3, 27)
    assert anchored_day(2, Cadence.WEEKLY, KICKOFF, (moved, paced)) == date(2030, 3, 25)


def test_monthly_from_an_anchor_on_the_31st_does_not_drift() -> None:
    paced = (4, date(2031, 1, 31))  # a Friday

    days = [anchored_day(n, Cadence.MONTHLY, KICKOFF, (paced, None)) for n in (5, 6)]

    # Feb 28 2031 is a Friday; Mar 31 2031 a Monday: counted from the anchor, not chained.
    assert days == [date(2031, 2, 28), date(2031, 3, 31)]


def test_period_zero_is_refused() -> None:
    with pytest.raises(ValueError):
        anchored_day(0, Cadence.WEEKLY, KICKOFF, (None, None))


@given(
    cadence=st.sampled_from(list(Cadence)),
    anchor_period=st.integers(1, 30),
    anchor_day=st.dates(date(2025, 1, 1), date(2040, 12, 31)),
    later=st.integers(1, 60),
)
def test_after_an_anchor_each_day_is_a_weekday_one_period_or_so_after_the_last(
    cadence: Cadence, anchor_period: int, anchor_day: date, later: int
) -> None:
    anchors = ((anchor_period, anchor_day), None)
    day = anchored_day(anchor_period + later, cadence, KICKOFF, anchors)
    before = anchored_day(anchor_period + later - 1, cadence, KICKOFF, anchors)

    assert day.weekday() < 5
    assert day == periods_after(anchor_day, cadence, later)
    assert before < day <= before + timedelta(days=31 + 2)
