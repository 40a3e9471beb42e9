"""Snooze: someone away holds their pairs' check-in prompts until they're back; their
partner is told once until when; the Home shows it with a Resume button.

Ben (Los Angeles) mentors Ana (Paris); Cara is in no pair. `/mentor snooze` runs on the
real clock, so pairs are kicked off relative to now, and `rig.run_due(at)` moves the
scheduler's clock ahead from there.
"""

from __future__ import annotations

from datetime import UTC, date, datetime, time, timedelta
from typing import Any
from zoneinfo import ZoneInfo

import pytest
from dateutil.relativedelta import relativedelta
from sqlalchemy import select

from bot import mentorships
from bot.db.enums import EnrollmentRole, OutboxStatus
from bot.db.models import AuditEntry, CheckIn, Mentorship, OutboxMessage, Person
from bot.emulator import validate_view
from bot.programs import current_program
from bot.views.checkins import CheckinIds
from bot.views.snooze import SnoozeIds
from tests.integration import cast
from tests.integration.conftest import TEAM, Rig

ANA, BEN, CARA = "U0ANA0001", "U0BEN0001", "U0CARA001"
PARIS, LOS_ANGELES = "Europe/Paris", "America/Los_Angeles"


@pytest.fixture(autouse=True)
def cast_of_three(rig: Rig) -> None:
    cast.enroll(rig, ANA, EnrollmentRole.MENTEE, tz=PARIS)
    cast.enroll(rig, BEN, EnrollmentRole.MENTOR, tz=LOS_ANGELES, goals="", bio="ML lead.")
    cast.enroll(rig, CARA, EnrollmentRole.MENTEE, tz=PARIS)
    rig.run_due()
    rig.emulator.clear()


def pair(rig: Rig, kickoff: datetime) -> int:
    with rig.runtime.deps.uow() as uow:
        people = {p.slack_user_id: p for p in uow.session.scalars(select(Person))}
        program = current_program(uow.session, TEAM, kickoff)
        started = mentorships.start(
            uow.session,
            program,
            people[BEN],
            people[ANA],
            score=None,
            reasons=[],
            now=kickoff,
            default_tz="UTC",
        )
        assert started is not None
        pair_id = started.id
    rig.run_due(kickoff)
    rig.emulator.clear()
    return pair_id


def snooze(rig: Rig, user: str, text: str) -> str:
    answer = rig.slack.slash_command(user, f"snooze {text}".strip())
    assert answer.status == 200 and answer.json["response_type"] == "ephemeral"
    return answer.json["text"]


def not_away(until: datetime | None) -> bool:
    """Never snoozed, or back: a snooze ends by moving its end to that instant, which the
    follow-up rule reads (periods that began while away do not count)."""
    return until is None or until <= datetime.now(UTC)


def snoozed_until(rig: Rig, user: str) -> datetime | None:
    with rig.runtime.deps.sessions() as session:
        return session.scalar(select(Person.snoozed_until).where(Person.slack_user_id == user))


def next_checkin(rig: Rig, pair_id: int) -> datetime | None:
    with rig.runtime.deps.sessions() as session:
        return session.get(Mentorship, pair_id).next_checkin_at


def prompts(rig: Rig, user: str) -> list[Any]:
    return [
        call
        for call in rig.emulator.calls("chat.postMessage")
        if call.ok and call.args["channel"] == user and CheckinIds.MET in str(call.args)
    ]


def dms(rig: Rig, user: str, words: str) -> list[Any]:
    return [
        call
        for call in rig.emulator.calls("chat.postMessage")
        if call.ok and call.args["channel"] == user and words in call.args["text"]
    ]


def periods(rig: Rig) -> list[int]:
    with rig.runtime.deps.sessions() as session:
        return list(session.scalars(select(CheckIn.period).order_by(CheckIn.period)))


def end_of(day: date, tz: str) -> datetime:
    return datetime.combine(day + timedelta(days=1), time(0), tzinfo=ZoneInfo(tz)).astimezone(UTC)


def today_in(tz: str) -> date:
    return datetime.now(ZoneInfo(tz)).date()


def home(rig: Rig, user: str) -> dict[str, Any]:
    queued = len(rig.outbox())
    rig.slack.app_home_opened(user)
    rig.wait_queued(queued + 1)
    rig.run_due()
    view = rig.emulator.home_view(user)
    assert view is not None and validate_view(view) == []
    return view


# --- what the command understands ---------------------------------------------------------


@pytest.mark.parametrize(
    ("text", "days"),
    [("2w", 14), ("3d", 3), ("1w", 7), ("2 weeks", 14), ("10 days", 10)],
)
def test_a_duration_snoozes_to_the_end_of_that_day_on_the_persons_calendar(
    rig: Rig, text: str, days: int
) -> None:
    before = today_in(PARIS)
    answer = snooze(rig, ANA, text)

    stored = snoozed_until(rig, ANA)
    assert stored in {
        end_of(day + timedelta(days=days), PARIS) for day in (before, today_in(PARIS))
    }
    assert "Snoozed until the end of" in answer and "snooze off" in answer


def test_until_a_day_snoozes_to_the_end_of_that_day_in_their_zone(rig: Rig) -> None:
    day = today_in(LOS_ANGELES) + timedelta(days=40)
    answer = snooze(rig, BEN, f"until {day.isoformat()}")

    assert snoozed_until(rig, BEN) == end_of(day, LOS_ANGELES)  # midnight in Los Angeles
    assert f"{day:%A} {day.day} {day:%B}" in answer


@pytest.mark.parametrize(
    ("text", "problem"),
    [
        ("soon", "couldn't read that"),
        ("2 fortnights", "couldn't read that"),
        ("0d", "at least a day"),
        ("until 2020-01-06", "has passed"),
        ("until 2030-02-31", "couldn't read that"),
        ("14w", "more than 3 months"),
        ("until 2999-01-01", "more than 3 months"),
    ],
)
def test_input_it_cannot_use_gets_help_with_examples_and_sets_nothing(
    rig: Rig, text: str, problem: str
) -> None:
    answer = snooze(rig, ANA, text)

    assert problem in answer
    for example in ("snooze 2w", "snooze until 20", "snooze off"):
        assert example in answer
    assert snoozed_until(rig, ANA) is None


def test_the_longest_snooze_is_three_months_and_the_command_says_so(rig: Rig) -> None:
    latest = today_in(PARIS) + relativedelta(months=3)
    assert "Snoozed until" in snooze(rig, ANA, f"until {latest.isoformat()}")
    answer = snooze(rig, ANA, f"until {(latest + timedelta(days=1)).isoformat()}")
    assert "more than 3 months away" in answer and f"{latest:%A} {latest.day}" in answer
    assert "up to 3 months" in snooze(rig, CARA, "")  # alone: what it does, with examples


# --- holding the prompts ------------------------------------------------------------------


def test_prompts_are_held_while_snoozed_and_go_out_once_both_are_back(rig: Rig) -> None:
    now = datetime.now(UTC)
    pair_id = pair(rig, now - timedelta(days=10))  # the first check-in is 4 days away
    snooze(rig, ANA, "2w")
    back = snoozed_until(rig, ANA)
    assert back is not None

    for days in (4, 6, 9, 13):
        rig.run_due(now + timedelta(days=days))
    assert prompts(rig, ANA) == [] and prompts(rig, BEN) == []
    held = next_checkin(rig, pair_id)
    # Moved to the first prompt time of either of them after her return: her 10:00.
    assert held is not None and back <= held < back + timedelta(days=3)
    assert held.astimezone(ZoneInfo(PARIS)).time() == time(10, 0)

    rig.run_due(held - timedelta(minutes=1))
    assert prompts(rig, ANA) == []
    rig.run_due(held)
    rig.run_due(held + timedelta(days=1))  # Ben's morning in Los Angeles too
    assert len(prompts(rig, ANA)) == 1 and len(prompts(rig, BEN)) == 1
    assert periods(rig) == [1]  # the held one, once


def test_a_snooze_withdraws_a_prompt_of_theirs_still_waiting_to_go_out(rig: Rig) -> None:
    now = datetime.now(UTC)
    pair(rig, now - timedelta(days=20))
    rig.run_due(now)  # period 1 opens; whoever is outside their hours waits in the outbox
    with rig.runtime.deps.sessions() as session:
        waiting = session.scalars(
            select(OutboxMessage).where(
                OutboxMessage.idempotency_key.like("checkin-prompt:%"),
                OutboxMessage.status == OutboxStatus.PENDING,
            )
        ).all()
    sleepers = {m.payload["channel"] for m in waiting}
    assert sleepers  # their working hours never overlap: one of them is always off
    for user in sleepers:
        snooze(rig, user, "1w")
    rig.run_due(now + timedelta(days=2))

    for user in sleepers:
        assert prompts(rig, user) == []
    for user in {ANA, BEN} - sleepers:
        assert len(prompts(rig, user)) == 1


def test_the_partner_is_told_once_until_when_and_no_reason(rig: Rig) -> None:
    pair(rig, datetime.now(UTC) - timedelta(days=2))
    first = snooze(rig, ANA, "2w")
    snooze(rig, ANA, "2w")  # typed again: nobody is told twice
    rig.run_due(datetime.now(UTC) + timedelta(days=4))  # inside Ben's working hours

    assert f"let <@{BEN}> know" in first
    [told] = dms(rig, BEN, "is away until")
    day = snoozed_until(rig, ANA).astimezone(ZoneInfo(PARIS)) - timedelta(seconds=1)
    assert told.args["text"] == (
        f":palm_tree: <@{ANA}> is away until the end of {day:%A} {day.day} {day:%B}, "
        "so I'll hold your check-ins with them until then."
    )
    assert dms(rig, CARA, "is away") == [] and dms(rig, ANA, "is away") == []


def test_the_home_shows_the_snooze_and_resume_ends_it_at_once(rig: Rig) -> None:
    now = datetime.now(UTC)
    pair_id = pair(rig, now - timedelta(days=20))  # period 1 came six days ago
    snooze(rig, BEN, "1w")
    rig.run_due(now)
    assert periods(rig) == []  # held: nothing opened, nobody prompted
    assert next_checkin(rig, pair_id) > snoozed_until(rig, BEN)

    view = home(rig, BEN)
    [line] = [b for b in view["blocks"] if b.get("block_id") == SnoozeIds.HOME_BLOCK]
    assert "Snoozed until" in line["text"]["text"]
    rig.slack.block_action(BEN, SnoozeIds.RESUME)
    rig.settle()

    assert not_away(snoozed_until(rig, BEN))
    assert next_checkin(rig, pair_id) <= datetime.now(UTC)  # handed back to the job now
    rig.run_due(datetime.now(UTC) + timedelta(minutes=1))
    rig.run_due(datetime.now(UTC) + timedelta(days=4))  # each in their own working hours
    assert len(prompts(rig, ANA)) == 1 and len(prompts(rig, BEN)) == 1
    assert periods(rig) == [1]
    assert SnoozeIds.RESUME not in str(rig.emulator.home_view(BEN)["blocks"])
    with rig.runtime.deps.sessions() as session:
        actions = session.scalars(
            select(AuditEntry.action).where(AuditEntry.action.like("snooze.%"))
        ).all()
    assert sorted(actions) == ["snooze.off", "snooze.set"]


def test_snooze_off_ends_it_and_says_so_and_off_again_says_there_was_none(rig: Rig) -> None:
    snooze(rig, ANA, "3d")

    assert "Welcome back" in snooze(rig, ANA, "off")
    assert not_away(snoozed_until(rig, ANA))
    assert "not snoozed" in snooze(rig, ANA, "off")
