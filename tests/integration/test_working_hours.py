"""Working hours: each person sets their working day in the profile form, and their
check-in prompts follow it.

Ana (mentee, Paris) and Ben (mentor, Los Angeles) are paired on Monday 4 March 2030,
meeting every two weeks: their first check-in is Monday 18 March, when 10:00 in Paris
(an hour into Ana's default 09:00-17:00 day) is 09:00 UTC and 10:00 in Los Angeles is
17:00 UTC.
"""

from __future__ import annotations

from datetime import UTC, datetime, time
from typing import Any

import pytest
from sqlalchemy import select

from bot import mentorships
from bot.db.enums import EnrollmentRole
from bot.db.models import Mentorship, Person
from bot.emulator import validate_view
from bot.programs import current_program
from bot.views.checkins import CheckinIds
from bot.views.enrollment import EnrollmentIds as Ids
from tests.integration import cast
from tests.integration.conftest import TEAM, Rig

ANA, BEN = "U0ANA0001", "U0BEN0001"
PARIS, LOS_ANGELES = "Europe/Paris", "America/Los_Angeles"
KICKOFF = datetime(2030, 3, 4, 12, 0, tzinfo=UTC)  # a Monday


@pytest.fixture(autouse=True)
def ana_and_ben(rig: Rig) -> None:
    cast.enroll(rig, ANA, EnrollmentRole.MENTEE, tz=PARIS)
    cast.enroll(rig, BEN, EnrollmentRole.MENTOR, tz=LOS_ANGELES, bio="ML lead.")
    rig.run_due()  # welcomes out of the way
    rig.emulator.clear()


def open_profile(rig: Rig, user: str) -> dict[str, Any]:
    rig.emulator.clear()
    assert rig.slack.slash_command(user, "profile").status == 200
    [opened] = rig.emulator.wait_for("views.open", predicate=lambda c: c.ok)
    return opened.args["view"]


def picked(view: dict[str, Any], block_id: str) -> str:
    [block] = [b for b in view["blocks"] if b.get("block_id") == block_id]
    assert block["element"]["type"] == "timepicker"
    return block["element"]["initial_time"]


def hours(start: str, end: str) -> dict[str, dict[str, str]]:
    """What picking these two times in the form sends."""
    return {
        Ids.WORKDAY_START_BLOCK: {Ids.WORKDAY_START_ACTION: start},
        Ids.WORKDAY_END_BLOCK: {Ids.WORKDAY_END_ACTION: end},
    }


def save_hours(rig: Rig, user: str, start: str, end: str) -> None:
    open_profile(rig, user)
    answer = rig.slack.view_submission(user, values=hours(start, end))
    assert answer.status == 200 and not answer.text.strip()  # saved: the modal closes


def stored_hours(rig: Rig, user: str) -> tuple[time, time]:
    with rig.runtime.deps.sessions() as session:
        person = session.scalar(select(Person).where(Person.slack_user_id == user))
        assert person is not None
        return person.workday_start, person.workday_end


def pair(rig: Rig) -> None:
    """Ben mentors Ana from KICKOFF; their intro is delivered and forgotten."""
    with rig.runtime.deps.uow() as uow:
        people = {p.slack_user_id: p for p in uow.session.scalars(select(Person))}
        program = current_program(uow.session, TEAM, KICKOFF)
        started = mentorships.start(
            uow.session,
            program,
            people[BEN],
            people[ANA],
            score=None,
            reasons=[],
            now=KICKOFF,
            default_tz=rig.settings.timezone,
        )
        assert started is not None
    rig.run_due(KICKOFF)
    rig.emulator.clear()


def prompted(rig: Rig, user: str) -> bool:
    return any(
        call.ok and call.args["channel"] == user and CheckinIds.MET in str(call.args)
        for call in rig.emulator.calls("chat.postMessage")
    )


def next_checkin(rig: Rig) -> datetime | None:
    with rig.runtime.deps.sessions() as session:
        [mentorship] = session.scalars(select(Mentorship))
        return mentorship.next_checkin_at


# --- the form -----------------------------------------------------------------------------


def test_the_form_shows_the_working_day_nine_to_five_until_it_is_changed(rig: Rig) -> None:
    view = open_profile(rig, ANA)

    assert validate_view(view) == []
    assert (picked(view, Ids.WORKDAY_START_BLOCK), picked(view, Ids.WORKDAY_END_BLOCK)) == (
        "09:00",
        "17:00",
    )


def test_saving_new_hours_stores_them_and_the_form_reopens_with_them(rig: Rig) -> None:
    open_profile(rig, ANA)
    answer = rig.slack.view_submission(ANA, values=hours("07:30", "15:30"))

    assert answer.status == 200 and not answer.text.strip()  # saved: the modal closes
    assert stored_hours(rig, ANA) == (time(7, 30), time(15, 30))
    again = open_profile(rig, ANA)
    assert (picked(again, Ids.WORKDAY_START_BLOCK), picked(again, Ids.WORKDAY_END_BLOCK)) == (
        "07:30",
        "15:30",
    )
    rig.run_due()
    home = rig.emulator.home_view(ANA)
    assert home is not None and "07:30-15:30, weekdays" in str(home["blocks"])


@pytest.mark.parametrize(
    ("start", "end", "block", "words"),
    [
        ("09:00", "08:00", Ids.WORKDAY_END_BLOCK, "later than your start (09:00)"),
        ("12:00", "12:00", Ids.WORKDAY_END_BLOCK, "later than your start (12:00)"),
        ("9 am", "17:00", Ids.WORKDAY_START_BLOCK, "isn't a time"),
    ],
)
def test_an_end_not_after_the_start_or_a_malformed_time_gets_an_error_beside_it(
    rig: Rig, start: str, end: str, block: str, words: str
) -> None:
    open_profile(rig, ANA)
    answer = rig.slack.view_submission(ANA, values=hours(start, end))

    assert answer.json["response_action"] == "errors"
    assert list(answer.json["errors"]) == [block]
    assert words in answer.json["errors"][block]
    assert stored_hours(rig, ANA) == (time(9, 0), time(17, 0))


# --- the prompts follow -------------------------------------------------------------------


def test_an_earlier_working_day_brings_that_persons_next_prompt_forward(rig: Rig) -> None:
    pair(rig)
    assert next_checkin(rig) == datetime(2030, 3, 18, 9, 0, tzinfo=UTC)  # 10:00 Paris

    save_hours(rig, ANA, "07:00", "15:00")

    # An hour into her new day: 08:00 Paris, 07:00 UTC.
    assert next_checkin(rig) == datetime(2030, 3, 18, 7, 0, tzinfo=UTC)
    rig.run_due(datetime(2030, 3, 18, 6, 59, tzinfo=UTC))
    assert not prompted(rig, ANA)
    rig.run_due(datetime(2030, 3, 18, 7, 0, tzinfo=UTC))
    assert prompted(rig, ANA) and not prompted(rig, BEN)  # Ben's day has not moved
    rig.run_due(datetime(2030, 3, 18, 16, 59, tzinfo=UTC))
    assert not prompted(rig, BEN)
    rig.run_due(datetime(2030, 3, 18, 17, 0, tzinfo=UTC))
    assert prompted(rig, BEN)


def test_a_later_working_day_holds_that_persons_prompt_until_an_hour_into_it(rig: Rig) -> None:
    pair(rig)

    save_hours(rig, ANA, "11:00", "19:00")

    rig.run_due(datetime(2030, 3, 18, 9, 0, tzinfo=UTC))  # her old 10:00
    assert not prompted(rig, ANA)
    rig.run_due(datetime(2030, 3, 18, 10, 59, tzinfo=UTC))
    assert not prompted(rig, ANA)
    rig.run_due(datetime(2030, 3, 18, 11, 0, tzinfo=UTC))  # 12:00 Paris
    assert prompted(rig, ANA) and not prompted(rig, BEN)


def test_a_mentors_new_hours_move_their_own_prompt_not_their_mentees(rig: Rig) -> None:
    pair(rig)

    save_hours(rig, BEN, "06:00", "14:00")  # 07:00 LA = 14:00 UTC

    rig.run_due(datetime(2030, 3, 18, 9, 0, tzinfo=UTC))
    assert prompted(rig, ANA) and not prompted(rig, BEN)
    rig.run_due(datetime(2030, 3, 18, 13, 59, tzinfo=UTC))
    assert not prompted(rig, BEN)
    rig.run_due(datetime(2030, 3, 18, 14, 0, tzinfo=UTC))
    assert prompted(rig, BEN)
