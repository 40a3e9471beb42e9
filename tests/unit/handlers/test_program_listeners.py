"""The coordinators' `/mentor topics` and `/mentor expiry` called alone, on both databases."""

# ruff: noqa: F811 (pytest passes the imported fixtures back in by name)

from __future__ import annotations

from datetime import UTC, datetime

import pytest
from slack_sdk import WebClient

from bot.deps import Deps
from bot.programs import ExpiryError, TopicError, current_program, expiry_command
from handlers import program as routes
from tests.unit.handlers.enrollment_kit import (  # noqa: F401 (fixtures)
    COORDINATOR,
    TEAM,
    client,
    deps,
    emulator,
    invocation,
)


def say(deps: Deps, client: WebClient, text: str) -> str:
    call, ack, _ = invocation(deps, client, COORDINATOR, text)
    {"topics": routes.topics, "expiry": routes.expiry}[call.parsed.name or ""](call)
    [answer] = ack.calls
    assert answer["response_type"] == "ephemeral"
    return answer["text"]


def test_topics_are_listed_added_once_and_a_bad_one_is_explained(
    deps: Deps, client: WebClient
) -> None:
    assert say(deps, client, "topics").startswith("Topics of *Mentorship program*:\n• ")
    assert say(deps, client, "topics add Speech recognition") == (
        "Added *Speech recognition*. People see it in the join form from now on."
    )
    assert say(deps, client, "topics add speech Recognition") == (
        "*Speech recognition* is already on the list."
    )
    assert say(deps, client, "topics remove NLP") == (
        "Try `/mentor topics` to list them or `/mentor topics add NAME`."
    )
    assert "• Speech recognition\n" in say(deps, client, "topics")


def test_the_expiry_is_shown_set_and_a_bad_one_is_explained(deps: Deps, client: WebClient) -> None:
    assert say(deps, client, "expiry") == (
        "Mentors have 3 day(s) to answer a request in *Mentorship program*. "
        "Change it with `/mentor expiry DAYS`."
    )
    assert say(deps, client, "expiry 5") == (
        "Mentors now have 5 day(s) to answer a request in *Mentorship program*."
    )
    assert say(deps, client, "expiry 99") == (
        "Give a whole number of days from 1 to 14, e.g. `/mentor expiry 3`."
    )
    with deps.sessions() as session:
        assert current_program(session, TEAM, datetime.now(UTC)).request_expiry_hours == 5 * 24


def test_a_bad_expiry_is_an_expiry_error_not_a_topic_error(deps: Deps) -> None:
    with deps.uow() as uow, pytest.raises(ExpiryError) as raised:
        expiry_command(uow.session, TEAM, "soon", datetime.now(UTC), actor=COORDINATOR)
    assert not isinstance(raised.value, TopicError)
