"""The goals listeners called alone: the form saved and refused, the buttons with forged
ids, `/mentor goals`, and the progress selects read from a payload; fake ack, a real
database on both dialects, and the Slack emulator."""

from __future__ import annotations

import json
from datetime import UTC, datetime, timedelta
from typing import Any

import pytest
from slack_sdk import WebClient
from sqlalchemy import select

from bot import mentorships
from bot.commands import parse
from bot.db.enums import EnrollmentRole, GoalStatus
from bot.db.models import Goal, GoalUpdate, OutboxMessage, Person
from bot.deps import Deps
from bot.emulator import SlackEmulator
from bot.programs import current_program
from bot.views.goals import GONE, NO_PAIR, NOT_YOURS, GoalIds
from handlers import goals as listeners
from handlers.context import DEPS
from handlers.invocation import Invocation
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


@pytest.fixture
def pair(deps: Deps) -> int:
    """Ben mentors Ana since a week ago; Cara is enrolled, alone."""
    enroll(deps, ANA, EnrollmentRole.MENTEE)
    enroll(deps, BEN, EnrollmentRole.MENTOR, bio="ML lead.")
    enroll(deps, CARA, EnrollmentRole.MENTEE)
    kickoff = datetime.now(UTC) - timedelta(days=7)
    with deps.uow() as uow:
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
        return started.id


def form_view(mentorship: object, goals: object, *titles: str) -> dict[str, Any]:
    values = {
        GoalIds.TITLE_BLOCKS[n]: {GoalIds.TITLE_ACTION: {"type": "plain_text_input", "value": t}}
        for n, t in enumerate(titles)
    }
    metadata = json.dumps({"mentorship": mentorship, "goals": goals})
    return {"private_metadata": metadata, "state": {"values": values}}


def progress(goal_id: object, status: object) -> dict[str, Any]:
    option = {"text": {"type": "plain_text", "text": str(status)}, "value": status}
    chosen = {"type": "static_select", "selected_option": option}
    return {f"{GoalIds.PROGRESS_BLOCK}{goal_id}": {GoalIds.PROGRESS_ACTION: chosen}}


def submit(deps: Deps, user: str, view: dict[str, Any]) -> Recorder:
    ack = Recorder()
    listeners.on_submitted(ack=ack, body=body(user), view=view, context={DEPS: deps})
    return ack


def test_a_saved_form_closes_and_queues_the_partners_notice(deps: Deps, pair: int) -> None:
    ack = submit(deps, BEN, form_view(pair, [], "Pair on a code review each week"))

    assert ack.calls == [{}]
    [goal] = rows(deps, Goal)
    assert (goal.title, goal.status) == ("Pair on a code review each week", GoalStatus.NOT_STARTED)
    [told] = [m for m in rows(deps, OutboxMessage) if m.idempotency_key.startswith("goals-set")]
    assert told.payload["channel"] == ANA and f"<@{BEN}>" in told.payload["text"]


@pytest.mark.parametrize(
    ("mentorship", "goals"),
    [
        ("99999999999", []),  # past PostgreSQL's integer
        (-1, []),
        (True, []),
        (None, []),
        ("1e3", []),
        ("PAIR", []),  # replaced by the real id: a good pair with forged goal ids below
        ("PAIR", "not a list"),
        ("PAIR", [1, 2, 3, 4]),
        ("PAIR", ["x"]),
        ("PAIR", [99999]),
    ],
)
def test_a_forged_form_is_refused_audited_and_changes_nothing(
    deps: Deps, pair: int, mentorship: object, goals: object
) -> None:
    forged = pair if mentorship == "PAIR" else mentorship
    user = CARA if mentorship == "PAIR" and goals == [] else ANA

    ack = submit(deps, user, form_view(forged, goals, "Take over this pair"))

    assert ack.response is not None and ack.response["response_action"] == "update"
    said = json.dumps(ack.response["view"].to_dict())
    assert NOT_YOURS in said or GONE in said
    assert rows(deps, Goal) == []
    assert refusals(deps) == ["refused.goals.save"]


def test_errors_go_beside_the_fields_they_are_about(deps: Deps, pair: int) -> None:
    view = form_view(pair, [], "", "y" * 200)

    ack = submit(deps, ANA, view)

    assert ack.response == {
        "response_action": "errors",
        "errors": {
            GoalIds.TITLE_BLOCKS[1]: "Please keep a goal to 150 characters (this one has 200)."
        },
    }
    assert rows(deps, Goal) == []


@pytest.mark.parametrize("value", ["99999999999", "", "1.2", None, "abc"])
def test_a_forged_goals_button_opens_a_polite_notice_and_is_audited(
    deps: Deps, client: WebClient, emulator: SlackEmulator, pair: int, value: object
) -> None:
    ack = Recorder()

    listeners.on_open(
        ack=ack,
        body=body(CARA, trigger_id=emulator.new_trigger_id(CARA)),
        action={"action_id": GoalIds.OPEN, "value": value},
        client=client,
        context={DEPS: deps},
    )

    assert ack.calls == [{}]
    [opened] = emulator.calls("views.open")
    assert opened.ok and opened.args["view"]["callback_id"] == GoalIds.NOTICE_CALLBACK
    assert refusals(deps) == ["refused.goals.open"]


def test_the_monthly_update_saved_from_its_form_records_progress(deps: Deps, pair: int) -> None:
    submit(deps, ANA, form_view(pair, [], "Ship a small model"))
    [goal] = rows(deps, Goal)
    view = {
        "private_metadata": json.dumps({"mentorship": pair, "review": 1}),
        "state": {"values": {**progress(goal.id, "done"), **progress(999, "done")}},
    }
    ack = Recorder()

    listeners.on_review_submitted(ack=ack, body=body(ANA), view=view, context={DEPS: deps})

    assert ack.calls == [{}]
    [saved] = rows(deps, Goal)
    assert saved.status is GoalStatus.DONE
    assert [(u.goal_id, u.status) for u in rows(deps, GoalUpdate)] == [(goal.id, GoalStatus.DONE)]
    assert refusals(deps) == ["refused.goals.progress"]  # goal 999 is not theirs


def test_mentor_goals_answers_privately_and_kindly_without_a_pair(
    deps: Deps, client: WebClient, pair: int
) -> None:
    for user, expected in ((CARA, NO_PAIR), (ANA, "Your goals")):
        ack = Recorder()
        listeners.show_goals(
            Invocation(
                ack=ack,
                respond=Recorder(),
                client=client,
                parsed=parse("goals"),
                team_id=TEAM,
                user_id=user,
                trigger_id="1.2.3",
                deps=deps,
            )
        )
        assert ack.response is not None
        assert (ack.response["response_type"], ack.response["text"]) == ("ephemeral", expected)


def test_progress_selects_are_read_one_per_goal_and_junk_is_left_out() -> None:
    values = {
        **progress(7, "on_track"),
        **progress(8, "finished"),  # not a status
        **progress("x", "done"),  # not an id
        **progress(9, None),
        "goals.progress.10": {"other_action": {"selected_option": {"value": "done"}}},
        **progress(11, "dropped"),
        **progress(12, "done"),
        **progress(13, "done"),  # past what any form shows
    }

    read = listeners.read_progress({"state": {"values": values}})

    assert read == (
        (7, GoalStatus.ON_TRACK),
        (11, GoalStatus.DROPPED),
        (12, GoalStatus.DONE),
    )
    assert listeners.read_progress({"state": {"values": "junk"}}) == ()
