"""The calendar file and the prompt name the same day, however the schedule moved.

Ana (mentee, Paris) and Ben (mentor, Los Angeles) from tests/integration/test_pace.py:
paired Monday 4 March 2030, every two weeks, period 1 prompted on Monday 18 March. Their
working hours share no time, so each file is a whole-day event on the check-in day.
"""

from __future__ import annotations

from datetime import date, datetime, timedelta
from typing import Any
from zoneinfo import ZoneInfo

from icalendar import Calendar

from bot.cadence import day_label
from bot.db.enums import Cadence
from bot.views.calendar import CalendarIds
from bot.views.checkins import CheckinIds
from tests.integration import test_pace as base
from tests.integration.conftest import Rig
from tests.integration.test_pace import ANA, PARIS, Clock, choose, mentorship, open_form

clock, rig_clock, ana_ben_and_cara = base.clock, base.rig_clock, base.ana_ben_and_cara


def latest_prompt(rig: Rig) -> dict[str, Any]:
    return [m for m in rig.emulator.messages_for(ANA) if CheckinIds.ACTIONS_BLOCK in str(m)][-1]


def prompt_next_period(rig: Rig, clock: Clock) -> date:
    """The due-work job opens the pair's next period; the day Ana's prompt names."""
    due = mentorship(rig).next_checkin_at
    assert due is not None
    rig.run_due(due)
    clock.now = due + timedelta(hours=9)  # Ana's prompt is out; Ben is at work
    rig.run_due(clock.now)
    title = latest_prompt(rig)["text"]  # "Check-in time with <@…> (Thursday 18 April)"
    checkin = rig_day(rig, due)
    assert f"({day_label(checkin)})" in title, title
    return checkin


def rig_day(rig: Rig, due: datetime) -> date:
    """The calendar day of a period due at `due`, on Ana's (the mentee's) calendar."""
    return due.astimezone(ZoneInfo(PARIS)).date()


def calendar_day(rig: Rig, clock: Clock) -> date:
    """Ana presses "Add to calendar" on her latest prompt: the day of the file she gets."""
    before = len(rig.emulator.files_for(ANA))
    rig.slack.block_action(ANA, CalendarIds.ADD, message=latest_prompt(rig))
    rig.settle()
    rig.run_due(clock.now + timedelta(minutes=1))
    return newest_file_day(rig, before)


def newest_file_day(rig: Rig, before: int) -> date:
    files = rig.emulator.files_for(ANA)
    assert len(files) == before + 1
    [event] = Calendar.from_ical(files[-1].content).walk("VEVENT")
    start = event.decoded("DTSTART")
    return start.astimezone(ZoneInfo(PARIS)).date() if isinstance(start, datetime) else start


def reschedule(rig: Rig, clock: Clock, day: date) -> date:
    """Ana moves her open check-in to `day`: the day of the updated file she is sent."""
    before = len(rig.emulator.files_for(ANA))
    rig.slack.block_action(ANA, CheckinIds.RESCHEDULE, message=latest_prompt(rig))
    rig.settle()
    picked = {CheckinIds.MOVE_DATE_BLOCK: {CheckinIds.MOVE_DATE_ACTION: day.isoformat()}}
    assert rig.slack.view_submission(ANA, values=picked).status == 200
    rig.settle()
    rig.run_due(clock.now + timedelta(minutes=1))
    return newest_file_day(rig, before)


def test_after_a_change_of_pace_the_calendar_file_is_on_the_day_the_prompt_names(
    rig: Rig, clock: Clock
) -> None:
    base.prompted_period_1(rig, clock)
    open_form(rig, ANA)
    choose(rig, ANA, Cadence.MONTHLY)  # from period 1 (18 March) on: 18 April, 20 May

    second = prompt_next_period(rig, clock)
    assert second == date(2030, 4, 18)
    assert calendar_day(rig, clock) == second

    third = prompt_next_period(rig, clock)
    assert third == date(2030, 5, 20)  # 18 May is a Saturday
    assert calendar_day(rig, clock) == third


def test_after_a_reschedule_and_a_change_of_pace_the_calendar_file_is_on_the_day_the_prompt_names(
    rig: Rig, clock: Clock
) -> None:
    base.prompted_period_1(rig, clock)
    # Period 1 to Thursday 21 March: period 2 on 4 April.
    assert reschedule(rig, clock, date(2030, 3, 21)) == date(2030, 3, 21)
    assert calendar_day(rig, clock) == date(2030, 3, 21)

    second = prompt_next_period(rig, clock)
    assert second == date(2030, 4, 4)
    assert calendar_day(rig, clock) == second
    open_form(rig, ANA)
    choose(rig, ANA, Cadence.WEEKLY)  # from period 2 (4 April) on: 11 April

    third = prompt_next_period(rig, clock)
    assert third == date(2030, 4, 11)
    assert calendar_day(rig, clock) == third
