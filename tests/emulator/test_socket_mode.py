"""The emulator speaks Slack's Socket Mode: apps.connections.open, hello, envelopes, acks.

A plain websocket client plays the app here, so each frame of the protocol is seen as
it is; tests/integration/test_socket_mode.py runs the real bot over the same socket.
"""

from __future__ import annotations

import contextlib
import json
import time
from collections.abc import Callable, Iterator
from concurrent.futures import Future, ThreadPoolExecutor
from typing import Any
from urllib.parse import parse_qs, urlsplit

import pytest
from slack_sdk import WebClient
from slack_sdk.errors import SlackApiError
from websockets.exceptions import ConnectionClosed, InvalidStatus
from websockets.sync.client import ClientConnection, connect

from bot.emulator import DEFAULT_APP_TOKEN, DEFAULT_TOKEN, SlackEmulator, SocketDriver

JsonDict = dict[str, Any]
BUTTON = {
    "type": "actions",
    "block_id": "choice",
    "elements": [
        {"type": "button", "action_id": "pick", "text": {"type": "plain_text", "text": "Pick"}}
    ],
}


@pytest.fixture
def slack() -> Iterator[SlackEmulator]:
    with SlackEmulator(socket_mode=True) as emulator:
        emulator.socket.ack_timeout = 0.5  # what a silent app costs each test
        emulator.socket.retry_delays = (0.0, 0.05)
        yield emulator


@pytest.fixture
def pool() -> Iterator[ThreadPoolExecutor]:
    with ThreadPoolExecutor(4) as executor:
        yield executor


def open_url(slack: SlackEmulator, token: str = DEFAULT_APP_TOKEN) -> str:
    client = WebClient(base_url=slack.api_url)
    return str(client.apps_connections_open(app_token=token)["url"])


@contextlib.contextmanager
def connected(slack: SlackEmulator) -> Iterator[tuple[ClientConnection, JsonDict]]:
    """An app connection and the first message Slack sent on it."""
    with connect(open_url(slack), compression=None) as conn:
        yield conn, json.loads(conn.recv(timeout=5))


def receive(conn: ClientConnection) -> JsonDict:
    return json.loads(conn.recv(timeout=5))


def ack(conn: ClientConnection, envelope: JsonDict, payload: Any = None) -> None:
    message: JsonDict = {"envelope_id": envelope["envelope_id"]}
    if payload is not None:
        message["payload"] = payload
    conn.send(json.dumps(message))


def in_background(pool: ThreadPoolExecutor, call: Callable[[], Any]) -> Future[Any]:
    return pool.submit(call)


# --- apps.connections.open ---------------------------------------------------------------


def test_an_app_level_token_gets_a_websocket_url_with_a_ticket_and_the_app_id(
    slack: SlackEmulator,
) -> None:
    url = urlsplit(open_url(slack))
    query = parse_qs(url.query)

    assert url.scheme == "ws" and url.path == "/link/"
    assert query["app_id"] == [slack.app_id] and query["ticket"][0]


def test_a_bot_token_cannot_open_a_connection_and_an_app_token_can_do_nothing_else(
    slack: SlackEmulator,
) -> None:
    with pytest.raises(SlackApiError) as by_bot:
        open_url(slack, token=DEFAULT_TOKEN)
    with pytest.raises(SlackApiError) as posting:
        WebClient(token=DEFAULT_APP_TOKEN, base_url=slack.api_url).chat_postMessage(
            channel="C0GENERAL", text="hi"
        )
    with pytest.raises(SlackApiError) as unknown:
        open_url(slack, token="xapp-1-unknown")

    assert by_bot.value.response["error"] == "not_allowed_token_type"
    assert posting.value.response["error"] == "not_allowed_token_type"
    assert unknown.value.response["error"] == "invalid_auth"


def test_without_socket_mode_the_emulator_hands_out_no_url() -> None:
    with SlackEmulator() as plain, pytest.raises(SlackApiError) as refused:
        open_url(plain)

    assert refused.value.response["error"] == "socket_mode_not_enabled"


# --- connecting ----------------------------------------------------------------------------


def test_a_connection_is_greeted_with_hello_naming_the_app_and_counting_connections(
    slack: SlackEmulator,
) -> None:
    with connected(slack) as (_, hello), connected(slack) as (_, hello_again):
        assert hello["type"] == "hello"
        assert hello["connection_info"] == {"app_id": slack.app_id}
        assert hello["num_connections"] == 1 and hello_again["num_connections"] == 2
        assert "approximate_connection_time" in hello["debug_info"]
        assert slack.socket.connections == 2


def test_a_ticket_opens_one_connection_only(slack: SlackEmulator) -> None:
    url = open_url(slack)
    with connect(url, compression=None):
        pass
    with pytest.raises(InvalidStatus) as refused:
        connect(url, compression=None)

    assert refused.value.response.status_code == 401
    assert slack.socket.refused() == ["unknown ticket"]


# --- envelopes and acks -------------------------------------------------------------------


def test_a_slash_command_comes_in_an_envelope_and_the_ack_payload_is_the_answer(
    slack: SlackEmulator, pool: ThreadPoolExecutor
) -> None:
    with connected(slack) as (conn, _):
        sent = in_background(pool, lambda: SocketDriver(slack).slash_command("U0ANA0001", "help"))
        envelope = receive(conn)
        ack(conn, envelope, {"text": "Here is what you can do"})
        answer = sent.result(timeout=5)

    assert envelope["type"] == "slash_commands"
    assert envelope["accepts_response_payload"] is True
    assert "retry_attempt" not in envelope  # only events are retried
    assert envelope["payload"]["command"] == "/mentor" and envelope["payload"]["text"] == "help"
    assert answer.status == 200 and answer.in_time
    assert answer.json == {"text": "Here is what you can do"}
    # Slack shows the answer to the person who typed the command, only to them.
    [shown] = slack.messages_for("U0ANA0001")
    assert shown["text"] == "Here is what you can do" and shown["is_ephemeral"]


def test_a_button_click_is_an_interactive_envelope_whose_ack_carries_nothing(
    slack: SlackEmulator, pool: ThreadPoolExecutor
) -> None:
    with connected(slack) as (conn, _):
        message = {"ts": "1700000000.000100", "channel": "C0GENERAL", "blocks": [BUTTON]}
        sent = in_background(
            pool, lambda: SocketDriver(slack).block_action("U0ANA0001", "pick", message=message)
        )
        envelope = receive(conn)
        ack(conn, envelope)
        answer = sent.result(timeout=5)

    assert envelope["type"] == "interactive"
    assert envelope["payload"]["type"] == "block_actions"
    assert envelope["accepts_response_payload"] is False
    assert answer.status == 200 and answer.json is None


def test_an_event_envelope_counts_its_retries(
    slack: SlackEmulator, pool: ThreadPoolExecutor
) -> None:
    with connected(slack) as (conn, _):
        sent = in_background(pool, lambda: SocketDriver(slack).app_home_opened("U0ANA0001"))
        envelope = receive(conn)
        ack(conn, envelope)
        sent.result(timeout=5)

    assert envelope["type"] == "events_api"
    assert envelope["accepts_response_payload"] is False
    assert (envelope["retry_attempt"], envelope["retry_reason"]) == (0, "")
    assert envelope["payload"]["type"] == "event_callback"
    assert envelope["payload"]["event"]["type"] == "app_home_opened"


def test_an_unanswered_event_is_sent_again_with_its_retry_attempt_until_acknowledged(
    slack: SlackEmulator, pool: ThreadPoolExecutor
) -> None:
    with connected(slack) as (conn, _):
        sent = in_background(pool, lambda: SocketDriver(slack).app_home_opened("U0ANA0001"))
        first = receive(conn)  # left unanswered
        second = receive(conn)
        ack(conn, second)
        answer = sent.result(timeout=5)

    assert second["envelope_id"] == first["envelope_id"]
    assert (second["retry_attempt"], second["retry_reason"]) == (1, "timeout")
    assert second["payload"] == first["payload"]
    assert answer.status == 200 and answer.delivery is not None
    assert answer.delivery.attempts == 2


def test_an_unanswered_slash_command_is_not_sent_again_and_reports_no_ack(
    slack: SlackEmulator,
) -> None:
    with connected(slack) as (conn, _):
        answer = SocketDriver(slack).slash_command("U0ANA0001", "help")
        receive(conn)  # left unanswered
        with pytest.raises(TimeoutError):
            conn.recv(timeout=0.3)  # and not sent again

    assert answer.status == 0 and not answer.ok and answer.json is None
    [envelope] = slack.socket.envelopes()
    assert len(envelope.tries) == 1 and envelope.acks == []


def test_an_ack_for_no_envelope_is_kept_apart(slack: SlackEmulator) -> None:
    with connected(slack) as (conn, _):
        conn.send(json.dumps({"envelope_id": "not-one-of-ours"}))
        conn.send("not json")
        deadline = time.monotonic() + 5
        while len(slack.socket.strays()) < 2 and time.monotonic() < deadline:
            time.sleep(0.01)

    assert slack.socket.strays() == [{"envelope_id": "not-one-of-ours"}, "not json"]


def test_an_envelope_waits_for_the_app_to_connect(
    slack: SlackEmulator, pool: ThreadPoolExecutor
) -> None:
    sent = in_background(pool, lambda: SocketDriver(slack).slash_command("U0ANA0001", "help"))
    time.sleep(0.2)  # nobody is connected yet
    with connected(slack) as (conn, _):
        ack(conn, receive(conn), {"text": "late but there"})

    assert sent.result(timeout=5).json == {"text": "late but there"}


# --- disconnects and drops ----------------------------------------------------------------


def test_a_refresh_asks_the_app_to_reconnect_and_closes_the_old_connection_once_it_has(
    slack: SlackEmulator,
) -> None:
    with connected(slack) as (old, _):
        slack.socket.disconnect("refresh_requested")
        asked = receive(old)
        time.sleep(0.2)
        still_open = slack.socket.connections
        with connected(slack):
            with pytest.raises(ConnectionClosed):
                old.recv(timeout=5)

            assert asked["type"] == "disconnect" and asked["reason"] == "refresh_requested"
            assert still_open == 1  # the old one stays until the app has a new one
            assert old.close_code == 1001
            assert slack.socket.wait_open(1, timeout=5)


def test_a_warning_closes_the_connection_after_the_grace_period_if_the_app_stays(
    slack: SlackEmulator,
) -> None:
    with connected(slack) as (conn, _):
        slack.socket.disconnect("warning", grace=0.2)
        asked = receive(conn)
        with pytest.raises(ConnectionClosed):
            conn.recv(timeout=5)

    assert asked["reason"] == "warning"
    assert slack.socket.wait_open(0, timeout=5)


def test_an_envelope_whose_connection_drops_goes_out_again_on_the_next_one(
    slack: SlackEmulator, pool: ThreadPoolExecutor
) -> None:
    with connected(slack) as (first, _):
        slack.socket.drop_next("close")
        sent = in_background(pool, lambda: SocketDriver(slack).app_home_opened("U0ANA0001"))
        lost = receive(first)
        with pytest.raises(ConnectionClosed):
            first.recv(timeout=5)
    with connected(slack) as (second, _):
        again = receive(second)
        ack(second, again)
        answer = sent.result(timeout=5)

    assert again["envelope_id"] == lost["envelope_id"] and again["retry_attempt"] == 1
    assert answer.status == 200
    [envelope] = slack.socket.envelopes()
    assert [connection for connection, _ in envelope.tries] == [1, 2]
    assert [a.connection for a in envelope.acks] == [2]


def test_an_aborted_connection_ends_without_a_close_frame(slack: SlackEmulator) -> None:
    with connected(slack) as (conn, _):
        slack.socket.abort()
        with pytest.raises(ConnectionClosed):
            conn.recv(timeout=5)

        assert conn.close_code in (None, 1006)  # no close frame came (1001 if one had)
    assert slack.socket.wait_open(0, timeout=5)


def test_a_reset_connection_ends_with_a_tcp_reset_and_no_close_frame(slack: SlackEmulator) -> None:
    with connected(slack) as (conn, _):
        slack.socket.abort(reset=True)
        with pytest.raises(ConnectionClosed) as ended:
            conn.recv(timeout=5)

        assert isinstance(ended.value.__cause__, ConnectionResetError)
        assert conn.close_code in (None, 1006)
    assert slack.socket.wait_open(0, timeout=5)


def test_stopping_the_emulator_closes_the_socket_server(slack: SlackEmulator) -> None:
    with connected(slack) as (conn, _):
        slack.stop()
        with pytest.raises(ConnectionClosed):
            conn.recv(timeout=10)

        assert conn.close_code == 1001
