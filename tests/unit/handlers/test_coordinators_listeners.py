"""`/mentor coordinators` and `/mentor audit` called alone: fake ack/respond, a real
database on both dialects, the Slack emulator for users.info."""

# ruff: noqa: F811 (pytest passes the imported fixtures back in by name)

from __future__ import annotations

from collections.abc import Iterator
from datetime import UTC, datetime

import pytest
from slack_sdk import WebClient
from slack_sdk.models.blocks import Block
from sqlalchemy import select

from bot.config import load_settings
from bot.db.models import AuditEntry, Coordinator
from bot.deps import Deps
from bot.emulator import SlackEmulator, validate_blocks
from bot.runtime import build_runtime
from handlers import coordinators as routes
from tests.engines import Engines
from tests.unit.handlers.enrollment_kit import (  # noqa: F401 (fixtures)
    COORDINATOR,
    TEAM,
    TOKEN,
    client,
    deps,
    emulator,
    invocation,
)

ANA, BEN = "U0ANA0001", "U0BEN0001"


def run(deps: Deps, client: WebClient, user: str, text: str) -> tuple[list[dict], list[dict]]:
    """`/mentor text` by `user`, straight to the flow's route: (acks, responds)."""
    call, ack, respond = invocation(deps, client, user, text)
    routes.COMMANDS[call.parsed.name](call)
    return ack.calls, respond.calls


def as_sent(blocks: list[Block]) -> list[dict]:
    """The blocks as Bolt sends them (it serialises slack_sdk's models itself)."""
    return [block.to_dict() for block in blocks]


def granted(deps: Deps) -> dict[str, str]:
    with deps.sessions() as session:
        return {c.slack_user_id: c.granted_by for c in session.scalars(select(Coordinator))}


def test_adding_answers_at_once_then_says_what_it_did_after_asking_slack_who_they_are(
    deps: Deps, client: WebClient, emulator: SlackEmulator
) -> None:
    emulator.add_user(ANA, name="ana", tz="Europe/Paris")

    acks, responds = run(deps, client, COORDINATOR, f"coordinators add <@{ANA}|ana>")

    assert acks == [{}]  # within Slack's 3 s, whatever users.info takes
    assert [r["response_type"] for r in responds] == ["ephemeral"]
    assert "is now a coordinator" in responds[0]["text"]
    assert [c.args["user"] for c in emulator.calls("users.info")] == [ANA]
    assert granted(deps) == {ANA: COORDINATOR}


def test_a_slack_that_cannot_say_who_someone_is_does_not_stop_the_grant(
    deps: Deps, client: WebClient, emulator: SlackEmulator
) -> None:
    emulator.fail("users.info", error="internal_error")

    _, responds = run(deps, client, COORDINATOR, f"coordinators add <@{ANA}>")

    assert "is now a coordinator" in responds[0]["text"]
    assert granted(deps) == {ANA: COORDINATOR}


def test_the_list_and_a_removal_are_answered_in_the_ack_without_asking_slack(
    deps: Deps, client: WebClient, emulator: SlackEmulator
) -> None:
    emulator.add_user(ANA, name="ana")
    run(deps, client, COORDINATOR, f"coordinators add <@{ANA}|ana>")
    emulator.clear()

    [listed], _ = run(deps, client, COORDINATOR, "coordinators")
    [removed], _ = run(deps, client, COORDINATOR, f"coordinators remove <@{ANA}|ana>")

    assert validate_blocks(as_sent(listed["blocks"]), surface="message") == []
    assert f"<@{ANA}>, added by <@{COORDINATOR}>" in str(as_sent(listed["blocks"]))
    assert "no longer a coordinator" in removed["text"]
    assert emulator.calls("users.info") == []
    assert granted(deps) == {}


def test_unreadable_input_gets_the_usage_and_asks_nothing_of_slack(
    deps: Deps, client: WebClient, emulator: SlackEmulator
) -> None:
    [answer], responds = run(deps, client, COORDINATOR, "coordinators add ana")

    assert "didn't understand `ana`" in answer["text"]
    assert responds == [] and emulator.calls("users.info") == []


@pytest.fixture
def no_admins(db_url: str, emulator: SlackEmulator, shared_engines: Engines) -> Iterator[Deps]:
    """A workspace whose coordinators were all granted in Slack (MENTORBOT_ADMINS empty)."""
    settings = load_settings(
        env_file=None,
        slack_bot_token=TOKEN,
        slack_signing_secret="listener-test-secret",
        slack_api_url=emulator.api_url,
        database_url=db_url,
    )
    runtime = build_runtime(settings, engine=shared_engines.get(db_url))
    yield runtime.deps
    runtime.close()


def test_the_last_coordinator_cannot_step_down_until_someone_else_can_run_the_program(
    no_admins: Deps, client: WebClient, emulator: SlackEmulator
) -> None:
    with no_admins.uow() as uow:
        uow.session.add(Coordinator(team_id=TEAM, slack_user_id=ANA, granted_by="U0FORMER1"))
    emulator.add_user(BEN, name="ben")

    [kept], _ = run(no_admins, client, ANA, f"coordinators remove <@{ANA}|ana>")
    run(no_admins, client, ANA, f"coordinators add <@{BEN}|ben>")
    [stepped], _ = run(no_admins, client, ANA, f"coordinators remove <@{ANA}|ana>")

    assert kept["text"].startswith("You are the only coordinator left, so nothing changed")
    assert stepped["text"] == "You are no longer a coordinator."
    assert granted(no_admins) == {BEN: ANA}


def test_audit_answers_in_the_ack_with_valid_blocks_and_a_bad_count_with_the_usage(
    deps: Deps, client: WebClient
) -> None:
    with deps.uow() as uow:
        uow.session.add(
            AuditEntry(
                team_id=TEAM,
                actor_slack_id=COORDINATOR,
                action="program.expiry_set",
                subject_type="program",
                subject_id="1",
                detail={"days": 5},
                created_at=datetime.now(UTC),
            )
        )

    [shown], _ = run(deps, client, COORDINATOR, "audit 5")
    [bad], _ = run(deps, client, COORDINATOR, "audit many")

    assert shown["response_type"] == "ephemeral"
    blocks = as_sent(shown["blocks"])
    assert validate_blocks(blocks, surface="message") == []
    said = f"<@{COORDINATOR}> set how long mentors have to answer on program 1 (days: 5)"
    assert said in str(blocks)
    assert bad["text"].startswith("Try `/mentor audit`")
