"""The "Add to calendar" listener called alone: the presser's file is queued at once,
a stranger and a forged id are refused; fake ack/respond, a real database on both
dialects."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta

import pytest
from icalendar import Calendar
from sqlalchemy import select

from bot import checkins, mentorships, outbox
from bot.db.enums import EnrollmentRole
from bot.db.models import CheckIn, OutboxMessage, Person
from bot.deps import Deps
from bot.programs import current_program
from bot.views.calendar import GONE, NOT_YOURS, CalendarIds
from handlers import calendar as listeners
from handlers.context import DEPS
from tests.unit.handlers.conftest import ANA, BEN, CARA, TEAM, Recorder, body, enroll, refusals


@pytest.fixture
def checkin(deps: Deps) -> int:
    """Ben mentors Ana since three weeks ago; both are prompted for period 1 (queued)."""
    enroll(deps, ANA, EnrollmentRole.MENTEE)
    enroll(deps, BEN, EnrollmentRole.MENTOR, bio="ML lead.")
    enroll(deps, CARA, EnrollmentRole.MENTOR, bio="Data lead.")
    kickoff = datetime.now(UTC) - timedelta(days=21)
    with deps.uow() as uow:
        people = {p.slack_user_id: p for p in uow.session.scalars(select(Person))}
        program = current_program(uow.session, TEAM, kickoff)
        mentorships.start(
            uow.session,
            program,
            people[BEN],
            people[ANA],
            score=None,
            reasons=[],
            now=kickoff,
            default_tz="UTC",
        )
    with deps.uow() as uow:
        checkins.prompt_due(uow.session, datetime.now(UTC), default_tz="UTC")
    with deps.sessions() as session:
        [checkin_id] = session.scalars(select(CheckIn.id))
    return checkin_id


def press(deps: Deps, user: str, value: str) -> Recorder:
    ack, respond = Recorder(), Recorder()
    listeners.on_add_to_calendar(
        ack=ack,
        body=body(user),
        action={"action_id": CalendarIds.ADD, "value": value},
        respond=respond,
        context={DEPS: deps},
    )
    assert ack.calls == [{}]
    return respond


def asked_files(deps: Deps) -> list[OutboxMessage]:
    with deps.sessions() as session:
        found = session.scalars(
            select(OutboxMessage).where(OutboxMessage.idempotency_key.like("calendar-asked:%"))
        )
        return list(found)


def test_a_member_pressing_gets_the_periods_file_queued_for_now_and_no_answer(
    deps: Deps, checkin: int
) -> None:
    before = datetime.now(UTC)
    respond = press(deps, ANA, str(checkin))

    assert respond.calls == []  # the file itself is the answer
    [queued] = asked_files(deps)
    assert queued.method == outbox.FILE_DM and queued.payload["user"] == ANA
    assert queued.not_before <= datetime.now(UTC) and queued.not_before >= before
    [event] = Calendar.from_ical(queued.payload["content"]).walk("VEVENT")
    assert str(event["SUMMARY"]) == "Mentorship check-in with BEN"


@pytest.mark.parametrize(
    ("user", "value", "answer"),
    [
        (CARA, None, NOT_YOURS),  # someone else's check-in
        (ANA, "99999999", GONE),  # no such check-in
        (ANA, "1 OR 1=1", GONE),  # not an id at all
    ],
)
def test_a_stranger_or_a_forged_id_is_refused_politely_and_queues_nothing(
    deps: Deps, checkin: int, user: str, value: str | None, answer: str
) -> None:
    respond = press(deps, user, value or str(checkin))

    assert respond.response is not None and respond.response["text"] == answer
    assert respond.response["response_type"] == "ephemeral"
    assert asked_files(deps) == []
    assert refusals(deps) == ["refused.calendar.add"]
