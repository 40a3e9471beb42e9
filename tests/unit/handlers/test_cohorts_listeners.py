"""The cohort listeners called alone, on both databases: each bad field answered beside
it, a member's forged submission or click refused and audited, the subcommand's usage."""

# ruff: noqa: F811 (pytest passes the imported fixtures back in by name)

from __future__ import annotations

from typing import Any

import pytest
from slack_sdk import WebClient
from sqlalchemy import select

from bot.db.models import AuditEntry, Program
from bot.deps import Deps
from bot.emulator import SlackEmulator
from bot.views.cohorts import USAGE, CohortIds
from handlers import cohorts as listeners
from tests.unit.handlers.enrollment_kit import (  # noqa: F401 (fixtures)
    COORDINATOR,
    Recorder,
    click,
    client,
    context,
    deps,
    emulator,
    invocation,
)

Ids = CohortIds
MEMBER = "U0ANA0001"


def form(metadata: str = "", **fields: Any) -> dict[str, Any]:
    """A submitted cohort form: the fields given, as Slack's view.state carries them."""
    shapes = {
        "name": (Ids.NAME_BLOCK, Ids.NAME_ACTION, "value"),
        "other": (Ids.OTHER_BLOCK, Ids.OTHER_ACTION, "value"),
        "starts": (Ids.STARTS_BLOCK, Ids.STARTS_ACTION, "selected_date"),
        "ends": (Ids.ENDS_BLOCK, Ids.ENDS_ACTION, "selected_date"),
        "channel": (Ids.CHANNEL_BLOCK, Ids.CHANNEL_ACTION, "selected_conversation"),
        "topics": (Ids.TOPICS_BLOCK, Ids.TOPICS_ACTION, "value"),
        "objective": (Ids.OBJECTIVE_BLOCK, Ids.OBJECTIVE_ACTION, "option"),
        "cadence": (Ids.CADENCE_BLOCK, Ids.CADENCE_ACTION, "option"),
        "enrollment": (Ids.ENROLLMENT_BLOCK, Ids.ENROLLMENT_ACTION, "option"),
    }
    fields = {"name": "Spring", "objective": "skills", "cadence": "biweekly"} | fields
    fields.setdefault("enrollment", "open")
    values: dict[str, Any] = {}
    for name, value in fields.items():
        block, action, key = shapes[name]
        state = {"selected_option": {"value": value}} if key == "option" else {key: value}
        values[block] = {action: state}
    return {
        "id": "V0COHORT",
        "callback_id": Ids.CALLBACK,
        "private_metadata": metadata,
        "state": {"values": values},
    }


def members_form(metadata: str = "", **chosen: Any) -> dict[str, Any]:
    values = {
        Ids.ADD_BLOCK: {Ids.ADD_ACTION: {"selected_users": chosen.get("add", [])}},
        Ids.REMOVE_BLOCK: {Ids.REMOVE_ACTION: {"selected_users": chosen.get("remove", [])}},
        Ids.ROLE_BLOCK: {Ids.ROLE_ACTION: {"selected_option": {"value": chosen.get("role")}}},
    }
    return {
        "id": "V0MEMBERS",
        "callback_id": Ids.MEMBERS_CALLBACK,
        "private_metadata": metadata,
        "state": {"values": values},
    }


def submit(context: dict[str, Any], view: dict[str, Any], user: str = COORDINATOR) -> Recorder:
    ack = Recorder()
    listener = (
        listeners.on_cohort_submitted
        if view["callback_id"] == Ids.CALLBACK
        else listeners.on_members_submitted
    )
    listener(ack=ack, body=click(user), view=view, context=context)
    assert len(ack.calls) == 1
    return ack


def refusals(deps: Deps) -> list[str]:
    with deps.sessions() as session:
        actions = session.scalars(select(AuditEntry.action)).all()
    return [a for a in actions if a.startswith("refused.")]


def cohorts(deps: Deps) -> list[str]:
    with deps.sessions() as session:
        return list(session.scalars(select(Program.name).order_by(Program.id)))


@pytest.mark.parametrize(
    ("fields", "block", "says"),
    [
        ({"name": "   "}, Ids.NAME_BLOCK, "Give the cohort a name"),
        ({"name": "x" * 81}, Ids.NAME_BLOCK, "under 80 characters"),
        ({"objective": "other"}, Ids.OTHER_BLOCK, "what the cohort is for"),
        ({"objective": "fun"}, Ids.OBJECTIVE_BLOCK, "Choose what the cohort is for"),
        ({"starts": "2030-05-01", "ends": "2030-05-01"}, Ids.ENDS_BLOCK, "after the start"),
        ({"ends": "2030-02-30"}, Ids.ENDS_BLOCK, "from the calendar"),
        ({"cadence": "daily"}, Ids.CADENCE_BLOCK, "how often"),
        ({"enrollment": "maybe"}, Ids.ENROLLMENT_BLOCK, "can join"),
        ({"channel": "U0NOTACHAN"}, Ids.CHANNEL_BLOCK, "channel from the list"),
        ({"topics": "NLP\nnlp"}, Ids.TOPICS_BLOCK, "listed twice"),
        ({"topics": "y" * 80}, Ids.TOPICS_BLOCK, "at most 75 characters"),
        ({"topics": "Bad \ud800 topic"}, Ids.TOPICS_BLOCK, "can't be read"),
    ],
)
def test_a_bad_cohort_field_is_answered_beside_it_and_nothing_is_saved(
    context: dict[str, Any], deps: Deps, fields: dict[str, Any], block: str, says: str
) -> None:
    ack = submit(context, form(**fields))

    assert ack.response is not None and ack.response["response_action"] == "errors"
    assert list(ack.response["errors"]) == [block]
    assert says in ack.response["errors"][block]
    assert cohorts(deps) == []


def test_a_good_cohort_is_saved_and_the_form_says_so(context: dict[str, Any], deps: Deps) -> None:
    ack = submit(context, form(name="  Spring   2030 ", topics="NLP\n\nMLOps\n"))

    assert ack.response is not None and ack.response["response_action"] == "update"
    assert cohorts(deps) == ["Spring 2030"]


def test_a_members_cohort_submission_is_refused_and_audited(
    context: dict[str, Any], deps: Deps
) -> None:
    ack = submit(context, form(), user=MEMBER)

    assert ack.calls == [{}]  # the modal closes; the answer comes by DM
    assert cohorts(deps) == []
    assert refusals(deps) == ["refused.cohort.save"]


def test_an_unreadable_cohort_id_is_refused_not_taken_for_a_new_cohort(
    context: dict[str, Any], deps: Deps
) -> None:
    submit(context, form(metadata="9" * 40))

    assert cohorts(deps) == []
    assert refusals(deps) == ["refused.cohort.save"]


@pytest.mark.parametrize(
    ("chosen", "block", "says"),
    [
        ({}, Ids.ADD_BLOCK, "Choose someone"),
        ({"add": [MEMBER], "remove": [MEMBER]}, Ids.REMOVE_BLOCK, "both lists"),
        ({"add": ["<script>"]}, Ids.ADD_BLOCK, "from the list"),
        ({"add": [f"U{i:08d}" for i in range(31)]}, Ids.ADD_BLOCK, "at most 30"),
        ({"add": [MEMBER], "role": "boss"}, Ids.ROLE_BLOCK, "role"),
    ],
)
def test_a_members_form_that_cannot_be_done_is_answered_beside_the_field(
    context: dict[str, Any], deps: Deps, chosen: dict[str, Any], block: str, says: str
) -> None:
    submit(context, form(name="Spring"))
    spring = _id(deps, "Spring")

    ack = submit(context, members_form(str(spring), **chosen))

    assert ack.response is not None and ack.response["response_action"] == "errors"
    assert list(ack.response["errors"]) == [block]
    assert says in ack.response["errors"][block]


def test_a_members_form_without_a_cohort_asks_for_one(context: dict[str, Any]) -> None:
    ack = submit(context, members_form(add=[MEMBER], role="mentee"))

    assert ack.response is not None
    assert ack.response["errors"] == {Ids.MEMBERS_COHORT_BLOCK: "Choose the cohort."}


def test_a_members_pick_of_a_cohort_to_edit_is_refused_and_redraws_nothing(
    context: dict[str, Any], deps: Deps, client: WebClient, emulator: SlackEmulator
) -> None:
    submit(context, form(name="Spring"))
    ack = Recorder()

    listeners.on_pick(
        ack=ack,
        body=click(MEMBER) | {"view": {"id": "V0COHORT"}},
        action={"selected_option": {"value": str(_id(deps, "Spring"))}},
        client=client,
        context=context,
    )

    assert ack.calls == [{}]
    assert emulator.calls("views.update") == []
    assert refusals(deps) == ["refused.cohort.form"]


@pytest.mark.parametrize("text", ["cohort frobnicate", "cohort edit", "cohort edit   "])
def test_an_unknown_cohort_subcommand_shows_the_usage(
    deps: Deps, client: WebClient, text: str
) -> None:
    call, ack, _ = invocation(deps, client, COORDINATOR, text)

    listeners.cohort(call)

    assert ack.calls == [{"response_type": "ephemeral", "text": USAGE}]


def test_members_with_no_cohort_yet_says_how_to_make_one(deps: Deps, client: WebClient) -> None:
    call, ack, _ = invocation(deps, client, COORDINATOR, "cohort members")

    listeners.cohort(call)

    assert "There's no cohort yet" in ack.calls[0]["text"]


def _id(deps: Deps, name: str) -> int:
    with deps.sessions() as session:
        found = session.scalar(select(Program.id).where(Program.name == name))
    assert found is not None
    return found
