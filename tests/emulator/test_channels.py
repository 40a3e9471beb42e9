"""Channels as the bot meets them: posting needs membership, a public channel can be joined,
a private one the bot is not in does not exist for it (conversations.info, join, post)."""

from __future__ import annotations

from collections.abc import Callable, Iterator
from typing import Any

import pytest
from slack_sdk import WebClient
from slack_sdk.errors import SlackApiError

from bot.emulator import DEFAULT_TOKEN, ManualClock, SlackEmulator

BOT = "U0MENTOR"


@pytest.fixture
def slack() -> Iterator[SlackEmulator]:
    with SlackEmulator(clock=ManualClock()) as emulator:
        emulator.add_channel("C0PUBLIC01", "general", members=["U0ANA0001"])
        emulator.add_channel("C0SECRET01", "leads", members=["U0ANA0001"], is_private=True)
        emulator.add_channel("C0WITHBOT1", "program", members=["U0ANA0001", BOT])
        yield emulator


@pytest.fixture
def client(slack: SlackEmulator) -> WebClient:
    return WebClient(token=DEFAULT_TOKEN, base_url=slack.api_url)


def error(method: Callable[..., Any], **kwargs: Any) -> str:
    with pytest.raises(SlackApiError) as caught:
        method(**kwargs)
    return str(caught.value.response["error"])


def test_posting_needs_the_bot_in_the_channel_and_a_private_one_is_not_found(
    client: WebClient, slack: SlackEmulator
) -> None:
    assert error(client.chat_postMessage, channel="C0PUBLIC01", text="hi") == "not_in_channel"
    assert error(client.chat_postMessage, channel="C0SECRET01", text="hi") == "channel_not_found"
    assert client.chat_postMessage(channel="C0WITHBOT1", text="hi")["ok"]
    assert client.chat_postMessage(channel="C0UNDECLARED", text="hi")["ok"]  # not modelled
    assert [m["text"] for m in slack.messages()] == ["hi", "hi"]


def test_conversations_info_says_whether_the_bot_is_in_and_hides_private_channels(
    client: WebClient,
) -> None:
    public = client.conversations_info(channel="C0PUBLIC01", include_num_members=True)["channel"]
    assert public["is_member"] is False and public["num_members"] == 1
    assert public["is_channel"] and not public["is_private"] and public["name"] == "general"
    joined = client.conversations_info(channel="C0WITHBOT1")["channel"]
    assert joined["is_member"] is True and "num_members" not in joined
    assert error(client.conversations_info, channel="C0SECRET01") == "channel_not_found"
    assert error(client.conversations_info, channel="U0ANA0001") == "channel_not_found"


def test_the_bot_joins_a_public_channel_once_and_can_then_post(
    client: WebClient, slack: SlackEmulator
) -> None:
    joined = client.conversations_join(channel="C0PUBLIC01")
    assert joined["channel"]["is_member"] is True and "warning" not in joined.data
    again = client.conversations_join(channel="C0PUBLIC01")
    assert again["warning"] == "already_in_channel"
    assert slack.channel_members("C0PUBLIC01") == ("U0ANA0001", BOT)
    assert client.chat_postMessage(channel="C0PUBLIC01", text="Welcome")["ok"]


def test_a_private_channel_cannot_be_joined_until_someone_invites_the_bot(
    client: WebClient, slack: SlackEmulator
) -> None:
    assert error(client.conversations_join, channel="C0SECRET01") == "channel_not_found"
    dm = client.conversations_open(users="U0ANA0001")["channel"]["id"]
    assert error(client.conversations_join, channel=dm) == "method_not_supported_for_channel_type"

    slack.add_to_channel("C0SECRET01", BOT)  # someone typed /invite @mentorbot

    assert client.conversations_info(channel="C0SECRET01")["channel"]["is_member"] is True
    assert error(client.conversations_join, channel="C0SECRET01") == (
        "method_not_supported_for_channel_type"
    )
    assert client.chat_postMessage(channel="C0SECRET01", text="hi")["ok"]
