"""The first check-in of a new pair is aimed right from the start, on MENTORBOT_TIMEZONE's
clock for someone whose zone Slack never told us, whichever way the pair began.

The bot runs with MENTORBOT_TIMEZONE=America/Los_Angeles and its clock pinned to Monday
4 March 2030, 12:00 UTC. Every two weeks, period 1 is Monday 18 March, and 10:00 in Los
Angeles that day (summer time) is 17:00 UTC; aimed in UTC it would be 10:00 UTC.
"""

from __future__ import annotations

from collections.abc import Callable
from datetime import UTC, datetime
from typing import Any

import pytest
from sqlalchemy import select, update

from bot.db.enums import EnrollmentRole
from bot.db.models import Mentorship, Person
from bot.programs import current_program
from bot.requests import Choice, open_chain
from bot.views.requests import RequestIds
from bot.views.rounds import RoundIds
from tests.integration import cast
from tests.integration.conftest import COORDINATOR, TEAM, Rig

ANA, BEN = "U0ANA0001", "U0BEN0001"
NOW = datetime(2030, 3, 4, 12, 0, tzinfo=UTC)  # a Monday
FIRST_CHECKIN = datetime(2030, 3, 18, 17, 0, tzinfo=UTC)  # 10:00 in Los Angeles


@pytest.fixture
def rig_overrides() -> dict[str, Any]:
    return {"timezone": "America/Los_Angeles"}


@pytest.fixture
def rig_clock() -> Callable[[], datetime]:
    return lambda: NOW


@pytest.fixture(autouse=True)
def ana_and_ben_of_unknown_zones(rig: Rig) -> None:
    cast.enroll(rig, ANA, EnrollmentRole.MENTEE)
    cast.enroll(
        rig, BEN, EnrollmentRole.MENTOR, goals="Help people grow.", bio="ML lead.", capacity=1
    )
    with rig.runtime.deps.uow() as uow:
        uow.session.execute(update(Person).values(tz=None))  # Slack never said
    rig.run_due()
    rig.emulator.clear()


def first_checkin(rig: Rig) -> datetime | None:
    with rig.runtime.deps.sessions() as session:
        [pair] = session.scalars(select(Mentorship))
        return pair.next_checkin_at


def test_accepting_a_request_aims_the_first_check_in_on_the_default_zones_morning(
    rig: Rig,
) -> None:
    with rig.runtime.deps.uow() as uow:
        people = {p.slack_user_id: p for p in uow.session.scalars(select(Person))}
        open_chain(
            uow.session,
            program=current_program(uow.session, TEAM, NOW),
            mentee=people[ANA],
            choices=[Choice(people[BEN], 0.7, ("You both care about NLP",))],
            note="Could we meet every two weeks?",
            now=NOW,
        )
    rig.run_due()

    assert rig.slack.block_action(BEN, RequestIds.ACCEPT).status == 200
    rig.settle()

    assert first_checkin(rig) == FIRST_CHECKIN
    rig.run_due()
    [intro] = [c for c in rig.emulator.calls("chat.postMessage") if "kickoff" in str(c.args)]
    assert "Monday 18 March" in str(intro.args)


def test_approving_a_round_aims_the_first_check_in_on_the_default_zones_morning(
    rig: Rig,
) -> None:
    rig.slack.slash_command(COORDINATOR, "match")
    [updated] = rig.emulator.wait_for("views.update")
    assert updated.ok and updated.args["view"]["callback_id"] == RoundIds.CALLBACK

    rig.slack.view_submission(COORDINATOR, view=updated.args["view"])
    rig.settle()

    assert first_checkin(rig) == FIRST_CHECKIN
