"""The follow-up listeners called alone: the coordinators' Home buttons and the "End and
rematch" confirmation, by a coordinator and by a member forging them, with forged ids;
"Suggest a 15-minute chat" by a stranger. Fake ack/respond, a real database on both
dialects, and the Slack emulator for the modal."""

from __future__ import annotations

import json
from dataclasses import replace
from datetime import UTC, datetime, timedelta
from typing import Any

import pytest
from slack_sdk import WebClient
from sqlalchemy import select

from bot import checkins, mentorships
from bot.checkins import Actor as CheckinActor
from bot.db.enums import EnrollmentRole, MentorshipStatus
from bot.db.models import CheckIn, HelpRequest, Mentorship, OutboxMessage, Person
from bot.deps import Deps
from bot.emulator import SlackEmulator
from bot.programs import current_program
from bot.views.followups import (
    ASK_GONE,
    CHAT_NOT_YOURS,
    COORDINATORS_ONLY,
    PAIR_GONE,
    FollowupIds,
)
from handlers import followups as listeners
from handlers.context import DEPS
from tests.unit.handlers.conftest import ANA, BEN, CARA, TEAM, Recorder, body, enroll, refusals

COORDINATOR = "U0COORD01"


@pytest.fixture
def staffed(deps: Deps) -> Deps:
    return replace(
        deps, settings=deps.settings.model_copy(update={"admins": frozenset({COORDINATOR})})
    )


@pytest.fixture
def pair(staffed: Deps) -> int:
    """Ben mentors Ana since three weeks ago; both prompted for period 1; Ana asked for help."""
    enroll(staffed, ANA, EnrollmentRole.MENTEE)
    enroll(staffed, BEN, EnrollmentRole.MENTOR, bio="ML lead.")
    kickoff = datetime.now(UTC) - timedelta(days=21)
    with staffed.uow() as uow:
        people = {p.slack_user_id: p for p in uow.session.scalars(select(Person))}
        program = current_program(uow.session, TEAM, kickoff)
        made = mentorships.start(
            uow.session,
            program,
            people[BEN],
            people[ANA],
            score=None,
            reasons=[],
            now=kickoff,
            default_tz="UTC",
        )
        assert made is not None
        mentorship_id = made.id
    now = datetime.now(UTC)
    with staffed.uow() as uow:
        checkins.prompt_due(uow.session, now, default_tz="UTC")
        checkin_id = uow.session.scalar(select(CheckIn.id))
        checkins.ask_help(
            uow.session,
            checkin_id,
            "We never find a time.",
            actor=CheckinActor(TEAM, ANA),
            now=now,
            default_tz="UTC",
            coordinators=frozenset({COORDINATOR}),
        )
    return mentorship_id


def click(action_id: str, value: object) -> dict[str, Any]:
    return {"action_id": action_id, "value": value}


def end_view(mentorship_id: object) -> dict[str, Any]:
    return {
        "callback_id": FollowupIds.END_CALLBACK,
        "private_metadata": json.dumps({"mentorship": mentorship_id}),
        "state": {"values": {}},
    }


def dms_to(deps: Deps, user: str) -> list[str]:
    with deps.sessions() as session:
        return [
            m.payload.get("text", "")
            for m in session.scalars(select(OutboxMessage).order_by(OutboxMessage.id))
            if m.payload.get("channel") == user
        ]


def status(deps: Deps) -> MentorshipStatus:
    with deps.sessions() as session:
        [mentorship] = session.scalars(select(Mentorship))
    return mentorship.status


@pytest.mark.parametrize(
    ("action_id", "audited"),
    [(FollowupIds.NUDGE, "refused.followup.nudge"), (FollowupIds.PAUSE, "refused.followup.pause")],
)
def test_a_member_clicking_a_coordinators_button_is_refused_told_and_audited(
    staffed: Deps, pair: int, action_id: str, audited: str
) -> None:
    ack = Recorder()

    listeners.on_board_click(
        ack=ack, body=body(CARA), action=click(action_id, str(pair)), context={DEPS: staffed}
    )

    assert ack.calls == [{}]
    assert dms_to(staffed, CARA) == [COORDINATORS_ONLY]
    assert refusals(staffed) == [audited]
    assert status(staffed) is MentorshipStatus.ACTIVE


@pytest.mark.parametrize("forged", ["99999999999", "-1", None, "1e3", "abc"])
def test_a_forged_ask_id_is_refused_and_nothing_is_marked(
    staffed: Deps, pair: int, forged: object
) -> None:
    listeners.on_board_click(
        ack=Recorder(),
        body=body(COORDINATOR),
        action=click(FollowupIds.HANDLED, forged),
        context={DEPS: staffed},
    )

    assert dms_to(staffed, COORDINATOR)[-1] == ASK_GONE
    assert refusals(staffed) == ["refused.followup.handled"]
    with staffed.sessions() as session:
        [ask] = session.scalars(select(HelpRequest))
    assert ask.handled_at is None


def test_a_coordinator_marks_an_ask_handled_once(staffed: Deps, pair: int) -> None:
    with staffed.sessions() as session:
        ask_id = session.scalar(select(HelpRequest.id))

    for _ in range(2):
        listeners.on_board_click(
            ack=Recorder(),
            body=body(COORDINATOR),
            action=click(FollowupIds.HANDLED, str(ask_id)),
            context={DEPS: staffed},
        )

    with staffed.sessions() as session:
        ask = session.get(HelpRequest, ask_id)
    assert ask is not None and ask.handled_by == COORDINATOR
    assert "already marked" in dms_to(staffed, COORDINATOR)[-1]
    assert refusals(staffed) == []


def test_end_and_rematch_opens_a_confirmation_for_a_coordinator_only(
    staffed: Deps, pair: int, client: WebClient, emulator: SlackEmulator
) -> None:
    for user in (CARA, COORDINATOR):
        listeners.on_end_click(
            ack=Recorder(),
            body=body(user, trigger_id=emulator.new_trigger_id(user)),
            action=click(FollowupIds.END, str(pair)),
            client=client,
            context={DEPS: staffed},
        )

    [opened] = emulator.calls("views.open")
    assert opened.args["view"]["callback_id"] == FollowupIds.END_CALLBACK
    assert json.loads(opened.args["view"]["private_metadata"]) == {"mentorship": pair}
    assert refusals(staffed) == ["refused.followup.end"]
    assert status(staffed) is MentorshipStatus.ACTIVE


def test_the_confirmation_forged_by_a_member_or_with_a_forged_id_changes_nothing(
    staffed: Deps, pair: int
) -> None:
    answers = []
    for user, mentorship_id in ((CARA, pair), (COORDINATOR, 99999999999), (COORDINATOR, "x")):
        ack = Recorder()
        listeners.on_end_submitted(
            ack=ack, body=body(user), view=end_view(mentorship_id), context={DEPS: staffed}
        )
        assert ack.response is not None and ack.response["response_action"] == "update"
        answers.append(json.dumps(ack.response["view"].to_dict()))

    assert COORDINATORS_ONLY in answers[0]
    assert PAIR_GONE in answers[1] and PAIR_GONE in answers[2]
    assert refusals(staffed) == ["refused.followup.end"] * 3
    assert status(staffed) is MentorshipStatus.ACTIVE


def test_the_confirmation_submitted_by_a_coordinator_ends_the_pair_once(
    staffed: Deps, pair: int
) -> None:
    first, second = Recorder(), Recorder()
    for ack in (first, second):
        listeners.on_end_submitted(
            ack=ack, body=body(COORDINATOR), view=end_view(pair), context={DEPS: staffed}
        )

    assert first.calls == [{}]
    assert PAIR_GONE in json.dumps(second.response["view"].to_dict())  # type: ignore[index]
    assert status(staffed) is MentorshipStatus.ENDED
    assert len([t for t in dms_to(staffed, ANA) if "has ended" in t]) == 1


def test_suggest_a_chat_from_a_stranger_is_refused_politely(staffed: Deps, pair: int) -> None:
    respond = Recorder()

    listeners.on_suggest_chat(
        ack=Recorder(),
        body=body(CARA),
        action=click(FollowupIds.SUGGEST_CHAT, str(pair)),
        respond=respond,
        context={DEPS: staffed},
    )

    assert respond.response is not None and respond.response["text"] == CHAT_NOT_YOURS
    assert refusals(staffed) == ["refused.followup.chat"]
    assert not any("15-minute chat with you" in text for text in dms_to(staffed, BEN))
