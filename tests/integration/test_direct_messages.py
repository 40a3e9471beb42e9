"""The Messages tab: a person who writes to the bot is pointed to `/mentor help`, once.

Slack delivers `message.im` events for every message in the app's DMs, the bot's own
included, and redelivers an event it thinks was missed: the bot answers people only,
and a redelivery must not answer twice.
"""

from __future__ import annotations

import logging
from typing import Any

import pytest

from tests.integration.conftest import Rig

ANA = "U0ANA0001"


def dm(rig: Rig, user: str = ANA, **fields: Any) -> dict[str, Any]:
    """A message event in `user`'s DM with the app, as Slack sends it."""
    return {
        "type": "message",
        "channel": rig.slack._dm_id(user),
        "channel_type": "im",
        "user": user,
        "text": "hi, how do I find a mentor?",
        "ts": "1700000000.000100",
        "team": rig.slack.team_id,
        **fields,
    }


def answers_to(rig: Rig, user: str) -> list[dict[str, Any]]:
    rig.run_due()
    return [c.args for c in rig.emulator.calls("chat.postMessage") if c.args["channel"] == user]


def test_a_dm_to_the_bot_is_answered_with_a_pointer_to_help(
    rig: Rig, caplog: pytest.LogCaptureFixture
) -> None:
    caplog.set_level(logging.INFO)
    response = rig.slack.message(ANA, "hello? how does this work")

    assert response.status == 200
    rig.wait_queued(1)
    [answer] = answers_to(rig, ANA)
    assert "/mentor help" in answer["text"]
    assert not [r for r in caplog.records if r.exc_info or r.levelno >= logging.ERROR]


def test_an_events_api_retry_of_the_same_message_is_answered_once(rig: Rig) -> None:
    event = dm(rig)
    rig.slack.event(event)
    rig.slack.event(event, retry_num=1)
    rig.slack.event(event, retry_num=2, retry_reason="http_error")
    rig.settle()

    assert len(rig.outbox()) == 1
    assert len(answers_to(rig, ANA)) == 1


def test_two_messages_get_two_answers(rig: Rig) -> None:
    rig.slack.event(dm(rig, ts="1700000000.000100"))
    rig.slack.event(dm(rig, ts="1700000001.000200"))
    rig.settle()

    assert len(rig.outbox()) == 2


@pytest.mark.parametrize(
    "fields",
    [
        pytest.param({"user": "U0MENTOR", "bot_id": "B0MENTOR"}, id="its own message"),
        pytest.param({"bot_id": "B0OTHER1", "subtype": "bot_message"}, id="another bot"),
        pytest.param({"bot_id": "B0OTHER1"}, id="a bot_id without a subtype"),
        pytest.param({"subtype": "message_changed"}, id="an edit"),
        pytest.param({"subtype": "message_deleted"}, id="a deletion"),
        pytest.param({"subtype": "channel_join"}, id="a join"),
        pytest.param({"channel_type": "channel", "channel": "C0GENERAL"}, id="a channel"),
        pytest.param({"user": None}, id="no author"),
    ],
)
def test_what_is_not_a_person_writing_in_the_dm_gets_no_answer(
    rig: Rig, fields: dict[str, Any]
) -> None:
    rig.slack.event(dm(rig, **fields))
    rig.settle()

    assert rig.outbox() == []
    assert rig.emulator.calls("chat.postMessage") == []
