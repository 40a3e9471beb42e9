"""Plays Slack toward the bot: signed slash commands, interactions and events over HTTP.

Requests are shaped and signed as Slack sends them (form-encoded slash commands,
``payload=<json>`` interactions, JSON Events API envelopes), so Bolt verifies and routes
them exactly as in production. With an emulator attached, trigger ids and response URLs
are minted by the emulator and what the bot answers in its ack is applied to the
emulator's state (ephemeral replies, modal stack changes), the way Slack would.
"""

from __future__ import annotations

import copy
import hashlib
import hmac
import itertools
import json
import threading
import time
import urllib.error
import urllib.request
import uuid
from collections.abc import Callable, Mapping
from dataclasses import dataclass, field
from typing import Any
from urllib.parse import urlencode

from bot.emulator.blockkit import INPUT_ELEMENT_TYPES, iter_elements
from bot.emulator.server import SlackEmulator

JsonDict = dict[str, Any]

ACK_TIMEOUT = 3.0  # Slack gives up on an HTTP ack after 3 seconds

# The key of each stateful element's initial value, and of its value in view.state.
_INITIAL_KEY = {
    "plain_text_input": "initial_value",
    "email_text_input": "initial_value",
    "url_text_input": "initial_value",
    "number_input": "initial_value",
    "rich_text_input": "initial_value",
    "static_select": "initial_option",
    "external_select": "initial_option",
    "radio_buttons": "initial_option",
    "multi_static_select": "initial_options",
    "multi_external_select": "initial_options",
    "checkboxes": "initial_options",
    "users_select": "initial_user",
    "multi_users_select": "initial_users",
    "conversations_select": "initial_conversation",
    "multi_conversations_select": "initial_conversations",
    "channels_select": "initial_channel",
    "multi_channels_select": "initial_channels",
    "datepicker": "initial_date",
    "timepicker": "initial_time",
    "datetimepicker": "initial_date_time",
}
_SELECTED_KEY = {
    "users_select": "selected_user",
    "multi_users_select": "selected_users",
    "conversations_select": "selected_conversation",
    "multi_conversations_select": "selected_conversations",
    "channels_select": "selected_channel",
    "multi_channels_select": "selected_channels",
    "datepicker": "selected_date",
    "timepicker": "selected_time",
    "datetimepicker": "selected_date_time",
}
_SINGLE_OPTION = frozenset({"static_select", "external_select", "radio_buttons", "overflow"})
_MULTI_OPTION = frozenset({"multi_static_select", "multi_external_select", "checkboxes"})
_TEXT_VALUE = frozenset({"plain_text_input", "email_text_input", "url_text_input", "number_input"})
_STATE_KEYS = frozenset({"type", "rich_text_value", "files", *_SELECTED_KEY.values()}) | {
    "selected_option",
    "selected_options",
}


# The bot runs locally: never route its requests through an *_proxy of the environment.
_OPENER = urllib.request.build_opener(urllib.request.ProxyHandler({}))
# Keys the emulator adds to messages for tests; Slack's message payloads lack them.
_EMULATOR_KEYS = frozenset({"channel", "visible_to", "is_ephemeral", "deleted"})


@dataclass(frozen=True)
class DriverResponse:
    """The bot's answer to one request Slack would have sent."""

    status: int
    text: str
    json: Any  # the body parsed as JSON, or None
    headers: dict[str, str]
    elapsed: float  # seconds until the bot answered
    payload: JsonDict = field(default_factory=dict)  # what was sent (decoded)
    ack_timeout: float = ACK_TIMEOUT

    @property
    def ok(self) -> bool:
        return 200 <= self.status < 300

    @property
    def in_time(self) -> bool:
        """Whether Slack would have accepted this ack (it waits 3 seconds)."""
        return self.elapsed <= self.ack_timeout


@dataclass(frozen=True)
class _Target:
    """Where an interactive element lives: a view or a message, and the element itself."""

    block: JsonDict
    element: JsonDict
    view: JsonDict | None = None
    message: JsonDict | None = None


class SlackDriver:
    """Sends the bot what Slack sends it. Thread-safe: share one across threads."""

    def __init__(
        self,
        bot_url: str,
        signing_secret: str,
        emulator: SlackEmulator | None = None,
        team_id: str | None = None,
        *,
        team_domain: str | None = None,
        api_app_id: str | None = None,
        verification_token: str = "legacy-verification-token",
        timeout: float = 10.0,
        ack_timeout: float = ACK_TIMEOUT,
        clock: Callable[[], float] = time.time,
    ) -> None:
        self.bot_url = bot_url
        self.signing_secret = signing_secret
        self.emulator = emulator
        self.team_id = team_id or (emulator.team_id if emulator else "T0001")
        self.team_domain = team_domain or (emulator.team_domain if emulator else "mentorbot-test")
        self.api_app_id = api_app_id or (emulator.app_id if emulator else "A0MENTOR")
        self.bot_user_id = emulator.bot_user_id if emulator else "U0MENTOR"
        self.verification_token = verification_token
        self.timeout = timeout
        self.ack_timeout = ack_timeout
        self.clock = clock
        self._timestamp: int | None = None  # fixed X-Slack-Request-Timestamp, for bad-sig tests
        self._ids = itertools.count(1)  # next() on a count is atomic under the GIL
        # Like Slack, a view remembers what was chosen in its inputs (selects in actions
        # blocks included) and sends all of it with every later action and the submission.
        self._chosen: dict[str, dict[str, dict[str, Any]]] = {}
        self._chosen_lock = threading.Lock()

    def using(
        self, *, signing_secret: str | None = None, timestamp: float | None = None
    ) -> SlackDriver:
        """A copy that signs with another secret or a fixed timestamp (e.g. a stale one)."""
        clone = copy.copy(self)
        if signing_secret is not None:
            clone.signing_secret = signing_secret
        if timestamp is not None:
            clone._timestamp = int(timestamp)
        return clone

    # --- signing and transport ---------------------------------------------------------

    def sign(self, body: bytes, timestamp: int | None = None) -> dict[str, str]:
        """Slack's v0 signature headers for ``body``."""
        if timestamp is None:
            timestamp = self._timestamp if self._timestamp is not None else int(self.clock())
        base = f"v0:{timestamp}:".encode() + body
        digest = hmac.new(self.signing_secret.encode(), base, hashlib.sha256).hexdigest()
        return {"X-Slack-Request-Timestamp": str(timestamp), "X-Slack-Signature": f"v0={digest}"}

    def post(
        self,
        body: bytes,
        content_type: str,
        headers: Mapping[str, str] | None = None,
        payload: JsonDict | None = None,
    ) -> DriverResponse:
        """POST a signed raw body to the bot; HTTP errors come back as responses."""
        all_headers = {"Content-Type": content_type, "User-Agent": "Slackbot 1.0"}
        all_headers |= self.sign(body)
        all_headers |= dict(headers or {})
        request = urllib.request.Request(
            self.bot_url, data=body, headers=all_headers, method="POST"
        )
        started = time.monotonic()
        try:
            with _OPENER.open(request, timeout=self.timeout) as reply:
                status, raw, reply_headers = reply.status, reply.read(), dict(reply.headers)
        except urllib.error.HTTPError as e:
            status, raw, reply_headers = e.code, e.read(), dict(e.headers)
        elapsed = time.monotonic() - started
        text = raw.decode("utf-8", "replace")
        try:
            parsed = json.loads(text) if text.strip() else None
        except ValueError:
            parsed = None
        return DriverResponse(
            status, text, parsed, reply_headers, elapsed, payload or {}, self.ack_timeout
        )

    def _post_form(self, fields: JsonDict) -> DriverResponse:
        body = urlencode(fields).encode()
        return self.post(body, "application/x-www-form-urlencoded", payload=fields)

    def _post_interaction(self, payload: JsonDict) -> DriverResponse:
        body = urlencode({"payload": json.dumps(payload)}).encode()
        return self.post(body, "application/x-www-form-urlencoded", payload=payload)

    def _post_json(
        self, payload: JsonDict, headers: Mapping[str, str] | None = None
    ) -> DriverResponse:
        body = json.dumps(payload).encode()
        return self.post(body, "application/json", headers=headers, payload=payload)

    # --- shared payload parts ----------------------------------------------------------

    def _user(self, user_id: str) -> JsonDict:
        name = self.emulator.user_name(user_id) if self.emulator else user_id.lower()
        return {"id": user_id, "username": name, "name": name, "team_id": self.team_id}

    def _team(self) -> JsonDict:
        return {"id": self.team_id, "domain": self.team_domain}

    def _trigger_id(self, user_id: str) -> str:
        if self.emulator is not None:
            return self.emulator.new_trigger_id(user_id)
        return f"{int(self.clock())}.{next(self._ids)}.{uuid.uuid4().hex}"

    def _response_url(self, user_id: str, channel_id: str, message_ts: str | None = None) -> str:
        if self.emulator is not None:
            return self.emulator.new_response_url(user_id, channel_id, message_ts)
        return (
            f"https://hooks.slack.com/actions/{self.team_id}/{next(self._ids)}/{uuid.uuid4().hex}"
        )

    def _channel_name(self, channel_id: str) -> str:
        return self.emulator.channel_name(channel_id) if self.emulator else channel_id.lower()

    def _dm_id(self, user_id: str) -> str:
        return self.emulator.dm_channel_id(user_id) if self.emulator else f"D{user_id[1:]}"

    # --- slash commands ----------------------------------------------------------------

    def slash_command(
        self,
        user_id: str,
        text: str = "",
        command: str = "/mentor",
        channel_id: str = "C0GENERAL",
        *,
        trigger_id: str | None = None,
        response_url: str | None = None,
    ) -> DriverResponse:
        """Run ``command text`` as ``user_id`` in ``channel_id``."""
        fields = {
            "token": self.verification_token,
            "team_id": self.team_id,
            "team_domain": self.team_domain,
            "channel_id": channel_id,
            "channel_name": self._channel_name(channel_id),
            "user_id": user_id,
            "user_name": self._user(user_id)["name"],
            "command": command,
            "text": text,
            "api_app_id": self.api_app_id,
            "is_enterprise_install": "false",
            "response_url": response_url or self._response_url(user_id, channel_id),
            "trigger_id": trigger_id or self._trigger_id(user_id),
        }
        response = self._post_form(fields)
        if self.emulator is not None and response.status == 200 and response.in_time:
            body = response.json if response.json is not None else response.text
            self.emulator.record_ack("slash_command", user_id, body, channel_id=channel_id)
        return response

    # --- interactions ------------------------------------------------------------------

    def block_action(
        self,
        user_id: str,
        action_id: str,
        value: Any = None,
        *,
        block_id: str | None = None,
        view: JsonDict | str | None = None,
        message: JsonDict | None = None,
        channel_id: str = "C0GENERAL",
        action_type: str = "button",
    ) -> DriverResponse:
        """Click / choose ``action_id`` as ``user_id``.

        The element is looked up in ``view`` (dict or view id) or ``message`` when given,
        else, with an emulator, in what the user sees: their open modal, their Home tab,
        then their messages, newest first. ``value`` is the option value(s), user id,
        date... to choose; for a button it defaults to the button's own value. Without an
        emulator or surface, a bare ``action_type`` element in ``channel_id`` is used.
        """
        target = self._locate(user_id, action_id, block_id, view, message)
        if target is None:
            element = {"type": action_type, "action_id": action_id}
            if action_type == "button":
                element["text"] = {"type": "plain_text", "text": action_id}
            target = _Target(block={"block_id": block_id or "actions"}, element=element)
        payload: JsonDict = {
            "type": "block_actions",
            "user": self._user(user_id),
            "api_app_id": self.api_app_id,
            "token": self.verification_token,
            "trigger_id": self._trigger_id(user_id),
            "team": self._team(),
            "enterprise": None,
            "is_enterprise_install": False,
            "actions": [self._action(target, value)],
        }
        acted = (target.block.get("block_id"), target.element.get("action_id"), value)
        if target.view is not None:
            if target.element.get("type") in INPUT_ELEMENT_TYPES:
                self._remember(target.view, acted)
            payload |= self._view_context(target.view, acted)
        else:
            message = target.message or {
                "type": "message",
                "ts": f"{self.clock():.6f}",
                "channel": channel_id,
                "blocks": [{**target.block, "type": "actions", "elements": [target.element]}],
            }
            payload |= self._message_context(user_id, message, channel_id, acted)
        return self._post_interaction(payload)

    def _remember(self, view: JsonDict, acted: tuple[Any, Any, Any]) -> None:
        block_id, action_id, value = acted
        with self._chosen_lock:
            chosen = self._chosen.setdefault(str(view.get("id")), {})
            chosen.setdefault(block_id, {})[action_id] = value

    def _remembered(self, view: JsonDict) -> dict[str, dict[str, Any]]:
        with self._chosen_lock:
            chosen = self._chosen.get(str(view.get("id")), {})
            return {block: dict(actions) for block, actions in chosen.items()}

    def _view_context(self, view: JsonDict, acted: tuple[Any, Any, Any]) -> JsonDict:
        """Payload fields of an interaction inside a modal or Home tab."""
        shown = copy.deepcopy(view)
        shown["state"] = {
            "values": _state(shown.get("blocks"), self._remembered(view), acted=acted)
        }
        return {"container": {"type": "view", "view_id": shown.get("id")}, "view": shown}

    def _message_context(
        self, user_id: str, message: JsonDict, channel_id: str, acted: tuple[Any, Any, Any]
    ) -> JsonDict:
        """Payload fields of an interaction with a message (a response_url among them)."""
        channel = message.get("channel", channel_id)
        ephemeral = bool(message.get("is_ephemeral"))
        context: JsonDict = {
            "container": {
                "type": "message",
                "message_ts": message["ts"],
                "channel_id": channel,
                "is_ephemeral": ephemeral,
            },
            "channel": {"id": channel, "name": self._channel_name(channel)},
            "state": {"values": _state(message.get("blocks"), {}, acted=acted)},
            "response_url": self._response_url(user_id, channel, message["ts"]),
        }
        if not ephemeral:  # Slack does not send the body of ephemeral messages back
            context["message"] = {k: v for k, v in message.items() if k not in _EMULATOR_KEYS}
        return context

    def view_submission(
        self,
        user_id: str,
        view: JsonDict | str | None = None,
        values: Mapping[str, Mapping[str, Any]] | None = None,
    ) -> DriverResponse:
        """Submit a modal as ``user_id`` (default: the modal they have open).

        ``values`` is ``{block_id: {action_id: value}}``; a value is what the user typed
        or chose (text, option value(s), user id, date ...) or a full state dict such as
        ``{"type": "static_select", "selected_option": {...}}``. Elements not mentioned keep
        their initial values, as in Slack. Unknown block/action ids raise ValueError.
        """
        shown = self._resolve_view(user_id, view)
        submitted = copy.deepcopy(shown)
        chosen = self._remembered(shown)
        for block_id, actions in (values or {}).items():
            chosen.setdefault(block_id, {}).update(actions)
        submitted["state"] = {"values": _state(shown.get("blocks"), chosen)}
        payload = {
            "type": "view_submission",
            "team": self._team(),
            "user": self._user(user_id),
            "api_app_id": self.api_app_id,
            "token": self.verification_token,
            "trigger_id": self._trigger_id(user_id),
            "view": submitted,
            "response_urls": [],
            "is_enterprise_install": False,
            "enterprise": None,
        }
        response = self._post_interaction(payload)
        if self.emulator is not None and response.status == 200 and response.in_time:
            body = response.json if response.json is not None else response.text
            self.emulator.record_ack("view_submission", user_id, body, view_id=shown.get("id"))
        return response

    def view_closed(
        self,
        user_id: str,
        view: JsonDict | str | None = None,
        *,
        is_cleared: bool = False,
        force: bool = False,
    ) -> DriverResponse | None:
        """The user closes a modal (default: the one they have open).

        Slack only tells the app when the view has ``notify_on_close``; otherwise nothing
        is sent and None is returned (``force=True`` sends it anyway).
        """
        shown = self._resolve_view(user_id, view)
        cleared = is_cleared or bool(shown.get("clear_on_close"))
        if self.emulator is not None:
            self.emulator.close_view(user_id, shown.get("id"), clear=cleared)
        if not (shown.get("notify_on_close") or force):
            return None
        payload = {
            "type": "view_closed",
            "team": self._team(),
            "user": self._user(user_id),
            "api_app_id": self.api_app_id,
            "token": self.verification_token,
            "view": shown,
            "is_cleared": cleared,
            "is_enterprise_install": False,
            "enterprise": None,
        }
        return self._post_interaction(payload)

    def _resolve_view(self, user_id: str, view: JsonDict | str | None) -> JsonDict:
        if isinstance(view, dict):
            return view
        if self.emulator is None:
            raise ValueError("pass the view dict: there is no emulator to look it up in")
        found = self.emulator.view(view) if view else self.emulator.top_view(user_id)
        if found is None:
            raise ValueError(f"no such view for {user_id}: {view or 'no modal is open'}")
        return found

    def _locate(
        self,
        user_id: str,
        action_id: str,
        block_id: str | None,
        view: JsonDict | str | None,
        message: JsonDict | None,
    ) -> _Target | None:
        def search(blocks: Any) -> tuple[JsonDict, JsonDict] | None:
            for block, element in iter_elements(blocks):
                if element.get("action_id") == action_id and block_id in (
                    None,
                    block.get("block_id"),
                ):
                    return block, element
            return None

        if view is not None or message is not None:
            surface = self._resolve_view(user_id, view) if view is not None else message or {}
            found = search(surface.get("blocks"))
            if found is None:
                raise ValueError(f"action_id {action_id!r} is not in the given view/message")
            if view is not None:
                return _Target(found[0], found[1], view=surface)
            return _Target(found[0], found[1], message=surface)
        if self.emulator is None:
            return None
        for shown in (self.emulator.top_view(user_id), self.emulator.home_view(user_id)):
            if shown is not None and (found := search(shown.get("blocks"))):
                return _Target(found[0], found[1], view=shown)
        for seen in reversed(self.emulator.messages_for(user_id)):
            if found := search(seen.get("blocks")):
                return _Target(found[0], found[1], message=seen)
        raise ValueError(f"nothing {user_id} can see has action_id {action_id!r}")

    def _action(self, target: _Target, value: Any) -> JsonDict:
        element = target.element
        kind = element.get("type", "button")
        action: JsonDict = {
            "type": kind,
            "action_id": element.get("action_id"),
            "block_id": target.block.get("block_id"),
            "action_ts": f"{self.clock():.6f}",
        }
        if kind in ("button", "workflow_button"):
            action["text"] = element.get("text")
            chosen = value if value is not None else element.get("value")
            if chosen is not None:
                action["value"] = chosen
            if element.get("style"):
                action["style"] = element["style"]
        elif kind == "overflow":
            if value is None:
                raise ValueError("an overflow action needs the value of the chosen option")
            action["selected_option"] = _option(element, value)
        elif kind in INPUT_ELEMENT_TYPES:
            action |= {k: v for k, v in _state_value(element, value).items() if k != "type"}
        elif value is not None:
            action["value"] = value
        return action

    # --- Events API --------------------------------------------------------------------

    def event(
        self,
        event: JsonDict,
        *,
        event_id: str | None = None,
        retry_num: int | None = None,
        retry_reason: str = "http_timeout",
        event_time: int | None = None,
    ) -> DriverResponse:
        """Deliver an Events API ``event_callback``; pass ``retry_num`` to redeliver."""
        now = self.clock()
        event = {**event, "event_ts": event.get("event_ts", f"{now:.6f}")}
        envelope = {
            "token": self.verification_token,
            "team_id": self.team_id,
            "api_app_id": self.api_app_id,
            "event": event,
            "type": "event_callback",
            "event_id": event_id or f"Ev{next(self._ids):08d}{uuid.uuid4().hex[:4].upper()}",
            "event_time": int(event_time if event_time is not None else now),
            "authorizations": [
                {
                    "enterprise_id": None,
                    "team_id": self.team_id,
                    "user_id": self.bot_user_id,
                    "is_bot": True,
                    "is_enterprise_install": False,
                }
            ],
            "is_ext_shared_channel": False,
            "event_context": f"4-{uuid.uuid4().hex}",
        }
        headers = {}
        if retry_num is not None:
            headers = {"X-Slack-Retry-Num": str(retry_num), "X-Slack-Retry-Reason": retry_reason}
        return self._post_json(envelope, headers)

    def app_home_opened(self, user_id: str, tab: str = "home") -> DriverResponse:
        event: JsonDict = {
            "type": "app_home_opened",
            "user": user_id,
            "channel": self._dm_id(user_id),
            "tab": tab,
        }
        home = self.emulator.home_view(user_id) if self.emulator else None
        if home is not None:
            event["view"] = home
        return self.event(event)

    def message(self, user_id: str, text: str, channel_id: str | None = None) -> DriverResponse:
        """``user_id`` writes ``text`` (by default in their DM with the app)."""
        channel = channel_id or self._dm_id(user_id)
        kinds = {"D": "im", "G": "group"}
        return self.event(
            {
                "type": "message",
                "channel": channel,
                "user": user_id,
                "text": text,
                "ts": f"{self.clock():.6f}",
                "team": self.team_id,
                "client_msg_id": str(uuid.uuid4()),
                "channel_type": kinds.get(channel[:1], "channel"),
            }
        )

    def file_share(
        self, user_id: str, files: list[JsonDict], text: str = "", channel_id: str | None = None
    ) -> DriverResponse:
        """``user_id`` drops ``files`` (from ``SlackEmulator.add_file``) into their DM with the
        app: a ``message`` event of subtype ``file_share``, as Slack sends it."""
        channel = channel_id or self._dm_id(user_id)
        kinds = {"D": "im", "G": "group"}
        return self.event(
            {
                "type": "message",
                "subtype": "file_share",
                "channel": channel,
                "user": user_id,
                "text": text,
                "files": copy.deepcopy(files),
                "upload": True,
                "display_as_bot": False,
                "ts": f"{self.clock():.6f}",
                "team": self.team_id,
                "channel_type": kinds.get(channel[:1], "channel"),
            }
        )

    def url_verification(self, challenge: str | None = None) -> DriverResponse:
        payload = {
            "token": self.verification_token,
            "challenge": challenge or uuid.uuid4().hex,
            "type": "url_verification",
        }
        return self._post_json(payload)


# --- view.state helpers (pure) -----------------------------------------------------------


def _options(element: JsonDict) -> list[JsonDict]:
    found = list(element.get("options") or [])
    for group in element.get("option_groups") or []:
        found.extend(group.get("options") or [])
    return found


def _option(element: JsonDict, value: Any) -> JsonDict | None:
    """The option of ``element`` whose value is ``value`` (an option dict passes through)."""
    if value is None or isinstance(value, dict):
        return value
    for option in _options(element):
        if option.get("value") == value:
            return option
    if element.get("type", "").endswith("external_select"):
        return {"text": {"type": "plain_text", "text": str(value)}, "value": str(value)}
    known = [o.get("value") for o in _options(element)]
    raise ValueError(f"{value!r} is not an option of {element.get('action_id')!r}: {known}")


def _state_value(element: JsonDict, value: Any) -> JsonDict:
    """What view.state holds for ``element`` when the user entered ``value``."""
    kind = element["type"]
    state: JsonDict = {"type": kind}
    many = value if isinstance(value, list | tuple) else ([] if value is None else [value])
    if kind in _TEXT_VALUE:
        state["value"] = None if value is None else str(value)
    elif kind in _SINGLE_OPTION:
        state["selected_option"] = _option(element, value)
    elif kind in _MULTI_OPTION:
        state["selected_options"] = [_option(element, v) for v in many]
    elif kind in _SELECTED_KEY:
        multi = kind.startswith("multi_")
        state[_SELECTED_KEY[kind]] = list(many) if multi else value
    elif kind == "rich_text_input":
        if isinstance(value, str):
            section = {"type": "rich_text_section", "elements": [{"type": "text", "text": value}]}
            value = {"type": "rich_text", "elements": [section]}
        state["rich_text_value"] = value
    elif kind == "file_input":
        state["files"] = list(many)
    else:
        state["value"] = value
    return state


def _is_state_entry(value: Any) -> bool:
    """A full state dict (vs. an option dict, which has text + value)."""
    return isinstance(value, dict) and (
        bool(_STATE_KEYS & value.keys()) or ("value" in value and "text" not in value)
    )


def _state(
    blocks: Any,
    values: Mapping[str, Mapping[str, Any]],
    acted: tuple[Any, Any, Any] | None = None,
) -> JsonDict:
    """view.state.values for ``blocks``: initial values, then ``values`` / the acted element."""
    state: JsonDict = {}
    elements: dict[tuple[Any, Any], JsonDict] = {}
    for block, element in iter_elements(blocks):
        if element.get("type") not in INPUT_ELEMENT_TYPES:
            continue
        key = (block.get("block_id"), element.get("action_id"))
        elements[key] = element
        initial = element.get(_INITIAL_KEY.get(element["type"], ""))
        state.setdefault(key[0], {})[key[1]] = _state_value(element, initial)
    for block_id, actions in values.items():
        for action_id, value in actions.items():
            element = elements.get((block_id, action_id))
            if element is None:
                raise ValueError(
                    f"the view has no input {block_id}/{action_id}; inputs: {sorted(elements)}"
                )
            entry = dict(value) if _is_state_entry(value) else _state_value(element, value)
            entry.setdefault("type", element["type"])
            state[block_id][action_id] = entry
    if acted is not None and (acted[0], acted[1]) in elements and acted[2] is not None:
        element = elements[(acted[0], acted[1])]
        state[acted[0]][acted[1]] = _state_value(element, acted[2])
    return state
