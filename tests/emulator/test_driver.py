"""The driver sends the bot what Slack sends, signed as Slack signs it; Bolt routes it."""

from __future__ import annotations

import json
import threading
import time
from collections.abc import Iterator
from concurrent.futures import ThreadPoolExecutor
from dataclasses import dataclass, field
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from socketserver import ThreadingMixIn
from typing import Any
from urllib.parse import parse_qs
from wsgiref.simple_server import WSGIRequestHandler, WSGIServer, make_server

import pytest
from slack_bolt import App
from slack_bolt.adapter.wsgi import SlackRequestHandler
from slack_sdk import WebClient
from slack_sdk.signature import SignatureVerifier

from bot.emulator import DEFAULT_TOKEN, SlackDriver, SlackEmulator

SECRET = "8f742231b10e8888abcd99yyyzzz85a5"
SLASH_COMMAND_FIELDS = {
    "token",
    "team_id",
    "team_domain",
    "channel_id",
    "channel_name",
    "user_id",
    "user_name",
    "command",
    "text",
    "api_app_id",
    "is_enterprise_install",
    "response_url",
    "trigger_id",
}


def plain(text: str) -> dict[str, str]:
    return {"type": "plain_text", "text": text}


def button(action_id: str, text: str, **extra: Any) -> dict[str, Any]:
    return {"type": "button", "action_id": action_id, "text": plain(text), **extra}


def input_block(block_id: str, element: dict[str, Any]) -> dict[str, Any]:
    element = {"action_id": "v", **element}
    return {"type": "input", "block_id": block_id, "label": plain(block_id), "element": element}


@pytest.fixture
def slack() -> Iterator[SlackEmulator]:
    with SlackEmulator() as emulator:
        emulator.add_user("U1", name="alice", real_name="Alice")
        yield emulator


# --- a stand-in bot that records raw requests --------------------------------------------


@dataclass
class Recorded:
    headers: dict[str, str]
    body: bytes

    @property
    def form(self) -> dict[str, str]:
        return {k: v[-1] for k, v in parse_qs(self.body.decode(), keep_blank_values=True).items()}

    @property
    def payload(self) -> dict[str, Any]:
        return json.loads(self.form["payload"])


@dataclass
class Recorder:
    url: str
    requests: list[Recorded] = field(default_factory=list)
    answer: bytes = b""
    delay: float = 0.0


@pytest.fixture
def recorder() -> Iterator[Recorder]:
    state = Recorder(url="")

    class Handler(BaseHTTPRequestHandler):
        def do_POST(self) -> None:
            body = self.rfile.read(int(self.headers["Content-Length"]))
            state.requests.append(Recorded(dict(self.headers), body))
            time.sleep(state.delay)
            self.send_response(200)
            self.send_header("Content-Length", str(len(state.answer)))
            self.end_headers()
            self.wfile.write(state.answer)

        def log_message(self, *args: Any) -> None:
            pass

    server = ThreadingHTTPServer(("127.0.0.1", 0), Handler)
    threading.Thread(
        target=server.serve_forever, kwargs={"poll_interval": 0.01}, daemon=True
    ).start()
    state.url = f"http://127.0.0.1:{server.server_port}/slack/events"
    yield state
    server.shutdown()
    server.server_close()


def test_every_request_is_signed_like_slack(recorder: Recorder, slack: SlackEmulator) -> None:
    driver = SlackDriver(recorder.url, SECRET, slack)
    driver.slash_command("U1", "help")
    driver.event({"type": "app_mention", "user": "U1", "text": "hi", "channel": "C1"})
    SlackDriver(recorder.url, SECRET).block_action("U1", "approve", "yes")  # a bare button
    verifier = SignatureVerifier(SECRET)
    for request in recorder.requests:
        assert verifier.is_valid_request(request.body, request.headers)
        assert request.headers["X-Slack-Signature"].startswith("v0=")


def test_signatures_can_be_broken_on_purpose(recorder: Recorder) -> None:
    driver = SlackDriver(recorder.url, SECRET)
    driver.using(signing_secret="not-the-secret").slash_command("U1")
    driver.using(timestamp=time.time() - 10 * 60).slash_command("U1")
    verifier = SignatureVerifier(SECRET)
    assert [verifier.is_valid_request(r.body, r.headers) for r in recorder.requests] == [
        False,
        False,
    ]


def test_slash_commands_are_form_encoded_like_slack(
    recorder: Recorder, slack: SlackEmulator
) -> None:
    SlackDriver(recorder.url, SECRET, slack).slash_command(
        "U1", "find a mentor", channel_id="C0GENERAL"
    )
    (request,) = recorder.requests
    assert request.headers["Content-Type"] == "application/x-www-form-urlencoded"
    form = request.form
    assert set(form) == SLASH_COMMAND_FIELDS
    assert form["command"] == "/mentor" and form["text"] == "find a mentor"
    assert form["user_name"] == "alice"
    assert form["response_url"].startswith(f"{slack.base_url}/response/")
    # The trigger id was minted by the emulator, for the user who ran the command.
    client = WebClient(token=DEFAULT_TOKEN, base_url=slack.api_url)
    modal = {"type": "modal", "title": plain("Hi"), "blocks": [{"type": "divider"}]}
    opened = client.views_open(trigger_id=form["trigger_id"], view=modal)
    assert slack.modal_stack("U1") == [opened["view"]]


def test_a_button_in_a_message_carries_the_message_and_a_response_url(
    recorder: Recorder, slack: SlackEmulator
) -> None:
    client = WebClient(token=DEFAULT_TOKEN, base_url=slack.api_url)
    blocks = [{"type": "actions", "elements": [button("accept", "Accept", value="match-42")]}]
    posted = client.chat_postMessage(channel="U1", text="New match", blocks=blocks)
    SlackDriver(recorder.url, SECRET, slack).block_action("U1", "accept")
    payload = recorder.requests[0].payload
    assert payload["type"] == "block_actions"
    assert payload["user"] == {"id": "U1", "username": "alice", "name": "alice", "team_id": "T0001"}
    assert payload["container"] == {
        "type": "message",
        "message_ts": posted["ts"],
        "channel_id": posted["channel"],
        "is_ephemeral": False,
    }
    (action,) = payload["actions"]
    assert (action["action_id"], action["value"], action["type"]) == (
        "accept",
        "match-42",
        "button",
    )
    assert action["block_id"] == posted["message"]["blocks"][0]["block_id"]
    assert payload["message"]["ts"] == posted["ts"] and payload["trigger_id"]
    assert payload["response_url"].startswith(f"{slack.base_url}/response/")


def test_selects_send_the_chosen_option(recorder: Recorder, slack: SlackEmulator) -> None:
    options = [
        {"text": {"type": "plain_text", "text": t}, "value": t.lower()} for t in ("Python", "Go")
    ]
    select = {"type": "static_select", "action_id": "topic", "options": options}
    message = {
        "ts": "1.000001",
        "channel": "C1",
        "blocks": [{"type": "actions", "block_id": "b", "elements": [select]}],
    }
    driver = SlackDriver(recorder.url, SECRET, slack)
    driver.block_action("U1", "topic", "go", message=message)
    (action,) = recorder.requests[0].payload["actions"]
    assert action["selected_option"] == options[1]
    with pytest.raises(ValueError, match="rust"):
        driver.block_action("U1", "topic", "rust", message=message)


def test_an_action_nobody_can_see_is_a_test_bug(recorder: Recorder, slack: SlackEmulator) -> None:
    with pytest.raises(ValueError, match="no_such_button"):
        SlackDriver(recorder.url, SECRET, slack).block_action("U1", "no_such_button")
    assert recorder.requests == []


def test_view_submission_sends_state_with_initial_values(
    recorder: Recorder, slack: SlackEmulator
) -> None:
    days = [{"text": plain(d.title()), "value": d} for d in ("mon", "tue")]
    view = {
        "id": "V1",
        "type": "modal",
        "callback_id": "profile",
        "private_metadata": "cohort-7",
        "blocks": [
            input_block("bio", {"type": "plain_text_input", "initial_value": "Hi"}),
            input_block("mentor", {"type": "users_select"}),
            input_block("days", {"type": "checkboxes", "options": days}),
        ],
    }
    driver = SlackDriver(recorder.url, SECRET, slack)
    driver.view_submission("U1", view, {"mentor": {"v": "U2"}, "days": {"v": ["mon", "tue"]}})
    payload = recorder.requests[0].payload
    assert payload["type"] == "view_submission"
    assert (payload["view"]["callback_id"], payload["view"]["private_metadata"]) == (
        "profile",
        "cohort-7",
    )
    values = payload["view"]["state"]["values"]
    assert values["bio"]["v"] == {"type": "plain_text_input", "value": "Hi"}
    assert values["mentor"]["v"] == {"type": "users_select", "selected_user": "U2"}
    assert [o["value"] for o in values["days"]["v"]["selected_options"]] == ["mon", "tue"]
    with pytest.raises(ValueError, match="nickname"):
        driver.view_submission("U1", view, {"nickname": {"v": "Al"}})


def test_events_come_in_an_envelope_and_retries_say_so(recorder: Recorder) -> None:
    driver = SlackDriver(recorder.url, SECRET)
    driver.event({"type": "team_join", "user": {"id": "U9"}}, event_id="Ev123")
    driver.event({"type": "team_join", "user": {"id": "U9"}}, event_id="Ev123", retry_num=1)
    first, retry = recorder.requests
    envelope = json.loads(first.body)
    assert envelope["type"] == "event_callback" and envelope["event_id"] == "Ev123"
    assert {"token", "team_id", "api_app_id", "event", "event_time", "authorizations"} <= set(
        envelope
    )
    assert "X-Slack-Retry-Num" not in first.headers
    assert (retry.headers["X-Slack-Retry-Num"], retry.headers["X-Slack-Retry-Reason"]) == (
        "1",
        "http_timeout",
    )


def test_a_late_ack_is_not_applied(recorder: Recorder, slack: SlackEmulator) -> None:
    recorder.delay, recorder.answer = 0.2, b'{"text": "too late"}'
    response = SlackDriver(recorder.url, SECRET, slack, ack_timeout=0.1).slash_command("U1")
    assert response.json == {"text": "too late"} and not response.in_time
    assert slack.messages_for("U1") == []


# --- against a real Bolt app ----------------------------------------------------------------


def signup_modal() -> dict[str, Any]:
    return {
        "type": "modal",
        "callback_id": "signup",
        "title": plain("Sign up"),
        "submit": plain("Join"),
        "blocks": [
            input_block("goal", {"type": "plain_text_input"}),
            {"type": "actions", "elements": [button("help", "Help")]},
        ],
    }


def build_app(slack: SlackEmulator) -> App:
    app = App(client=WebClient(token=DEFAULT_TOKEN, base_url=slack.api_url), signing_secret=SECRET)

    @app.command("/mentor")
    def mentor(ack: Any, body: dict[str, Any], client: WebClient) -> None:
        ack("Opening the sign-up form…")
        client.views_open(trigger_id=body["trigger_id"], view=signup_modal())

    @app.action("help")
    def show_help(ack: Any, body: dict[str, Any], client: WebClient) -> None:
        ack()
        help_view = {
            "type": "modal",
            "callback_id": "help",
            "title": plain("Help"),
            "notify_on_close": True,
            "blocks": [{"type": "section", "text": {"type": "mrkdwn", "text": "Be specific."}}],
        }
        client.views_push(trigger_id=body["trigger_id"], view=help_view)

    @app.view_closed("help")
    def closed(ack: Any) -> None:
        ack()

    @app.view("signup")
    def signup(ack: Any, view: dict[str, Any], body: dict[str, Any], client: WebClient) -> None:
        goal = view["state"]["values"]["goal"]["v"]["value"]
        if not goal:
            ack(response_action="errors", errors={"goal": "Tell us your goal"})
            return
        ack()
        client.chat_postMessage(
            channel=body["user"]["id"],
            text=f"Goal: {goal}",
            blocks=[{"type": "actions", "elements": [button("confirm", "Confirm")]}],
        )

    @app.action("confirm")
    def confirm(ack: Any, respond: Any) -> None:
        ack()
        respond(replace_original=True, text="Confirmed ✅")

    @app.event("app_home_opened")
    def home(event: dict[str, Any], client: WebClient) -> None:
        blocks = [{"type": "section", "text": {"type": "mrkdwn", "text": "Your mentoring"}}]
        client.views_publish(user_id=event["user"], view={"type": "home", "blocks": blocks})

    return app


class _ThreadingWSGIServer(ThreadingMixIn, WSGIServer):
    daemon_threads = True
    request_queue_size = 128  # 50 concurrent connects must not overflow the listen backlog


class _QuietHandler(WSGIRequestHandler):
    def log_message(self, *args: Any) -> None:
        pass


@pytest.fixture
def bot_url(slack: SlackEmulator) -> Iterator[str]:
    handler = SlackRequestHandler(build_app(slack))
    server = make_server(
        "127.0.0.1", 0, handler, server_class=_ThreadingWSGIServer, handler_class=_QuietHandler
    )
    threading.Thread(
        target=server.serve_forever, kwargs={"poll_interval": 0.01}, daemon=True
    ).start()
    yield f"http://127.0.0.1:{server.server_port}/slack/events"
    server.shutdown()
    server.server_close()


def test_a_whole_conversation_with_a_bolt_app(bot_url: str, slack: SlackEmulator) -> None:
    driver = SlackDriver(bot_url, SECRET, slack)

    response = driver.slash_command("U1", "signup")
    assert response.status == 200 and response.in_time
    (opened,) = slack.wait_for("views.open")
    assert opened.ok and slack.top_view("U1")["callback_id"] == "signup"
    assert (
        slack.messages_for("U1")[0]["text"] == "Opening the sign-up form…"
    )  # the ack, shown to U1

    driver.block_action("U1", "help")  # found in the open modal
    slack.wait_for("views.push", predicate=lambda c: c.ok)
    assert [v["title"]["text"] for v in slack.modal_stack("U1")] == ["Sign up", "Help"]
    assert driver.view_closed("U1").status == 200  # notify_on_close: Bolt is told
    assert [v["title"]["text"] for v in slack.modal_stack("U1")] == ["Sign up"]

    refused = driver.view_submission("U1")  # the goal left empty
    assert refused.json == {"response_action": "errors", "errors": {"goal": "Tell us your goal"}}
    assert slack.last("ack").ok and slack.top_view("U1") is not None  # the modal stays open

    driver.view_submission("U1", values={"goal": {"v": "Learn Rust"}})
    assert slack.top_view("U1") is None  # an empty ack closes it
    slack.wait_for("chat.postMessage")
    assert slack.messages_for("U1")[-1]["text"] == "Goal: Learn Rust"

    driver.block_action("U1", "confirm")  # the button in the DM
    slack.wait_for("response_url")
    assert slack.messages_for("U1")[-1]["text"] == "Confirmed ✅"

    driver.app_home_opened("U1")
    slack.wait_for("views.publish")
    assert slack.home_view("U1")["blocks"][0]["text"]["text"] == "Your mentoring"


def test_bolt_rejects_bad_signatures(bot_url: str, slack: SlackEmulator) -> None:
    driver = SlackDriver(bot_url, SECRET, slack)
    assert driver.using(signing_secret="wrong").slash_command("U1").status == 401
    assert driver.using(timestamp=time.time() - 600).slash_command("U1").status == 401
    assert driver.url_verification("xyz").json == {"challenge": "xyz"}


def test_fifty_concurrent_slash_commands(bot_url: str, slack: SlackEmulator) -> None:
    driver = SlackDriver(bot_url, SECRET, slack)
    users = [f"U{i:03d}" for i in range(50)]
    with ThreadPoolExecutor(max_workers=50) as pool:
        responses = list(pool.map(lambda user: driver.slash_command(user, "signup"), users))
    assert all(r.status == 200 for r in responses)
    calls = slack.wait_for("views.open", count=50, timeout=10)
    assert all(c.ok for c in calls)
    assert sorted(slack.open_views()) == users


def test_actions_on_the_home_tab_come_from_a_view(recorder: Recorder, slack: SlackEmulator) -> None:
    client = WebClient(token=DEFAULT_TOKEN, base_url=slack.api_url)
    blocks = [{"type": "actions", "elements": [button("find", "Find a mentor")]}]
    home = client.views_publish(user_id="U1", view={"type": "home", "blocks": blocks})["view"]
    SlackDriver(recorder.url, SECRET, slack).block_action("U1", "find")
    payload = recorder.requests[0].payload
    assert payload["container"] == {"type": "view", "view_id": home["id"]}
    assert payload["view"]["id"] == home["id"] and "response_url" not in payload


def test_actions_on_ephemeral_messages_omit_the_message(
    recorder: Recorder, slack: SlackEmulator
) -> None:
    client = WebClient(token=DEFAULT_TOKEN, base_url=slack.api_url)
    blocks = [{"type": "actions", "elements": [button("undo", "Undo")]}]
    client.chat_postEphemeral(channel="C1", user="U1", text="Saved", blocks=blocks)
    SlackDriver(recorder.url, SECRET, slack).block_action("U1", "undo")
    payload = recorder.requests[0].payload
    assert payload["container"]["is_ephemeral"] is True and "message" not in payload


def test_closing_a_modal_tells_the_app_only_if_it_asked(
    recorder: Recorder, slack: SlackEmulator
) -> None:
    client = WebClient(token=DEFAULT_TOKEN, base_url=slack.api_url)
    view = {"type": "modal", "title": plain("Hi"), "blocks": [{"type": "divider"}]}
    client.views_open(trigger_id=slack.new_trigger_id("U1"), view=view)
    driver = SlackDriver(recorder.url, SECRET, slack)
    assert driver.view_closed("U1") is None and recorder.requests == []
    assert slack.top_view("U1") is None
    client.views_open(trigger_id=slack.new_trigger_id("U1"), view={**view, "notify_on_close": True})
    assert driver.view_closed("U1").status == 200
    assert recorder.requests[0].payload["type"] == "view_closed"
