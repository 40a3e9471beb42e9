"""The check-in listeners called alone: "Need help" with no coordinator set up and
with several, and a forged modal id; fake ack/respond, a real database on both
dialects, and the Slack emulator."""

from __future__ import annotations

import json
from dataclasses import replace
from datetime import UTC, datetime, timedelta
from typing import Any

import pytest
from slack_sdk import WebClient
from sqlalchemy import select

from bot import checkins, mentorships
from bot.db.enums import CheckInStatus, EnrollmentRole
from bot.db.models import CheckIn, OutboxMessage, Person
from bot.deps import Deps
from bot.programs import current_program
from bot.views.checkins import NO_COORDINATORS, CheckinIds
from handlers import checkins as listeners
from handlers.context import DEPS
from tests.unit.handlers.conftest import (
    ANA,
    BEN,
    CARA,
    TEAM,
    Recorder,
    body,
    enroll,
    refusals,
    rows,
)

COORDINATORS = frozenset({"U0COORD01", "U0COORD02"})


@pytest.fixture
def checkin(deps: Deps) -> int:
    """Ben mentors Ana since three weeks ago; both are prompted for period 1 (queued)."""
    enroll(deps, ANA, EnrollmentRole.MENTEE)
    enroll(deps, BEN, EnrollmentRole.MENTOR, bio="ML lead.")
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
            default_tz=deps.settings.timezone,
        )
    with deps.uow() as uow:
        checkins.prompt_due(uow.session, datetime.now(UTC), default_tz="UTC")
    with deps.sessions() as session:
        [checkin_id] = session.scalars(select(CheckIn.id))
    return checkin_id


def help_view(checkin_id: object, text: str = "") -> dict[str, Any]:
    value = {"type": "plain_text_input", "value": text}
    return {
        "callback_id": CheckinIds.HELP_CALLBACK,
        "private_metadata": json.dumps({"checkin": checkin_id}),
        "state": {"values": {CheckinIds.HELP_BLOCK: {CheckinIds.HELP_ACTION: value}}},
    }


def queued_to(deps: Deps, user: str) -> list[OutboxMessage]:
    with deps.sessions() as session:
        return [
            m
            for m in session.scalars(select(OutboxMessage).order_by(OutboxMessage.id))
            if m.payload.get("channel") == user
        ]


def test_need_help_with_no_coordinator_set_up_says_so_instead_of_opening_a_form(
    deps: Deps, client: WebClient, checkin: int
) -> None:
    ack, respond = Recorder(), Recorder()
    click = {"action_id": CheckinIds.HELP, "value": str(checkin)}

    listeners.on_open_form(
        ack=ack,
        body=body(ANA, trigger_id="1.2.3"),
        action=click,
        client=client,
        respond=respond,
        context={DEPS: deps},
    )

    assert ack.calls == [{}]
    assert respond.response is not None and respond.response["text"] == NO_COORDINATORS
    answer = Recorder()
    listeners.on_help_submitted(
        ack=answer, body=body(ANA), view=help_view(checkin, "Stuck"), context={DEPS: deps}
    )
    assert NO_COORDINATORS in json.dumps(answer.response["view"].to_dict())  # type: ignore[index]


def test_a_help_request_reaches_every_coordinator_and_tells_the_asker(
    deps: Deps, checkin: int
) -> None:
    staffed = replace(deps, settings=deps.settings.model_copy(update={"admins": COORDINATORS}))
    ack = Recorder()

    listeners.on_help_submitted(
        ack=ack,
        body=body(ANA),
        view=help_view(checkin, "Ben never answers."),
        context={DEPS: staffed},
    )

    assert ack.calls == [{}]  # the modal closes
    for coordinator in COORDINATORS:
        [alert] = queued_to(deps, coordinator)
        assert "Ben never answers." in json.dumps(alert.payload)
        assert f"<@{BEN}> mentoring <@{ANA}>" in json.dumps(alert.payload)
    [told] = queued_to(deps, ANA)[-1:]
    assert "passed your message on" in told.payload["text"]
    assert [CheckinIds.MET in json.dumps(m.payload) for m in queued_to(deps, BEN)] == [True]


@pytest.mark.parametrize("forged", ["99999999999", "-1", True, None, "1e3"])
def test_a_forged_check_in_id_in_the_help_modal_is_refused_and_audited(
    deps: Deps, checkin: int, forged: object
) -> None:
    ack = Recorder()

    listeners.on_help_submitted(
        ack=ack, body=body(CARA), view=help_view(forged, "hi"), context={DEPS: deps}
    )

    assert ack.response is not None and ack.response["response_action"] == "update"
    assert refusals(deps) == ["refused.checkin.help"]


def log_view(checkin_id: object, rating: str | None) -> dict[str, Any]:
    yesterday = (datetime.now(UTC) - timedelta(days=1)).date()  # a past day on every clock
    picked = {"type": "datepicker", "selected_date": yesterday.isoformat()}
    values: dict[str, Any] = {CheckinIds.DATE_BLOCK: {CheckinIds.DATE_ACTION: picked}}
    if rating is not None:
        chosen = {"type": "static_select", "selected_option": {"value": rating}}
        values[CheckinIds.USEFUL_BLOCK] = {CheckinIds.USEFUL_ACTION: chosen}
    return {
        "callback_id": CheckinIds.LOG_CALLBACK,
        "private_metadata": json.dumps({"checkin": checkin_id}),
        "state": {"values": values},
    }


class StatusAtAck(Recorder):
    """An ack that notes the check-in's status when it is called."""

    def __init__(self, deps: Deps, checkin_id: int) -> None:
        super().__init__()
        self.deps, self.checkin_id = deps, checkin_id
        self.seen: list[CheckInStatus] = []

    def __call__(self, **kwargs: Any) -> None:
        with self.deps.sessions() as session:
            checkin = session.get(CheckIn, self.checkin_id)
            assert checkin is not None
            self.seen.append(checkin.status)
        super().__call__(**kwargs)


def test_we_met_is_answered_before_the_log_is_written_and_the_log_follows_in_the_same_call(
    deps: Deps, checkin: int
) -> None:
    ack = StatusAtAck(deps, checkin)

    listeners.on_log_submitted(
        ack=ack, body=body(ANA), view=log_view(checkin, "4"), context={DEPS: deps}
    )

    assert ack.calls == [{}] and ack.seen == [CheckInStatus.PROMPTED]  # closed, nothing written yet
    [logged] = rows(deps, CheckIn)
    assert (logged.status, logged.usefulness) == (CheckInStatus.MET, 4)


def test_we_met_with_no_rating_is_answered_with_the_error_beside_it_and_nothing_is_written(
    deps: Deps, checkin: int
) -> None:
    ack = Recorder()

    listeners.on_log_submitted(
        ack=ack, body=body(ANA), view=log_view(checkin, None), context={DEPS: deps}
    )

    assert ack.calls == [
        {
            "response_action": "errors",
            "errors": {CheckinIds.USEFUL_BLOCK: "Please choose from 1 to 5."},
        }
    ]
    assert [c.status for c in rows(deps, CheckIn)] == [CheckInStatus.PROMPTED]
