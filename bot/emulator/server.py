"""A local Slack Web API emulator served over real HTTP.

The bot talks to it exactly as it talks to Slack: ``WebClient(base_url=emulator.api_url)``.
The emulator answers with Slack's response shapes and error names, validates Block Kit
the way Slack does (see :mod:`bot.emulator.blockkit`), records every call for tests to
inspect, and can inject faults (429s, 5xx, application errors, latency).

It also keeps just enough state to say what each person would see: messages per
channel, ephemeral messages, modal stacks and Home tabs.
"""

from __future__ import annotations

import contextlib
import copy
import hashlib
import itertools
import json
import logging
import random
import re
import string
import threading
import time
from collections.abc import Callable, Iterable
from dataclasses import dataclass, field
from datetime import UTC, datetime
from email.message import Message as HeaderMap
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from typing import Any, Self
from urllib.parse import parse_qs, urlsplit
from zoneinfo import ZoneInfo

from bot.emulator.blockkit import (
    MAX_MESSAGE_TEXT,
    MAX_VIEW_BYTES,
    iter_elements,
    validate_blocks,
    validate_view,
    view_size,
)
from bot.emulator.calls import (
    Call,
    CallLog,
    Clock,
    JsonDict,
    Reply,
    Request,
    SlackError,
    flag,
    invalid_arguments,
)
from bot.emulator.faults import FaultInjection, Faults, RateLimiter, RateLimits

log = logging.getLogger(__name__)

DEFAULT_TOKEN = "xoxb-test-token"
# Arguments Slack accepts as JSON-encoded strings in form bodies.
JSON_ARGS = ("blocks", "view", "attachments", "files", "metadata")
NO_AUTH_METHODS = frozenset({"api.test"})
MAX_MODAL_STACK = 3  # views.open + two views.push
MAX_MPIM_USERS = 8
TRIGGER_ERRORS = frozenset({"invalid_trigger_id", "exchanged_trigger_id", "expired_trigger_id"})
_ID = re.compile(r"^[A-Z][A-Z0-9]+$")


# --------------------------------------------------------------------------------------
# Records and small value types
# --------------------------------------------------------------------------------------


@dataclass
class SlackUser:
    """An entry of the emulator's user directory (what users.info answers)."""

    id: str
    name: str
    real_name: str
    tz: str = "UTC"
    tz_offset: int | None = None  # None: computed from tz at the time of the call
    tz_label: str | None = None
    title: str = ""
    email: str | None = None
    is_bot: bool = False
    is_admin: bool = False
    deleted: bool = False
    is_restricted: bool = False
    is_ultra_restricted: bool = False

    def to_slack(self, team_id: str, now: float) -> JsonDict:
        moment = datetime.fromtimestamp(now, tz=UTC).astimezone(ZoneInfo(self.tz))
        offset = moment.utcoffset()
        tz_offset = self.tz_offset
        if tz_offset is None:
            tz_offset = int(offset.total_seconds()) if offset is not None else 0
        profile: JsonDict = {
            "title": self.title,
            "real_name": self.real_name,
            "real_name_normalized": self.real_name,
            "display_name": self.name,
            "display_name_normalized": self.name,
            "team": team_id,
        }
        if self.email:
            profile["email"] = self.email
        return {
            "id": self.id,
            "team_id": team_id,
            "name": self.name,
            "deleted": self.deleted,
            "real_name": self.real_name,
            "tz": self.tz,
            "tz_label": self.tz_label or moment.tzname() or self.tz,
            "tz_offset": tz_offset,
            "profile": profile,
            "is_admin": self.is_admin,
            "is_owner": False,
            "is_primary_owner": False,
            "is_restricted": self.is_restricted,
            "is_ultra_restricted": self.is_ultra_restricted,
            "is_bot": self.is_bot,
            "is_app_user": False,
            "updated": int(now),
        }


@dataclass
class Channel:
    id: str
    name: str
    is_private: bool = False
    is_im: bool = False
    is_mpim: bool = False
    members: tuple[str, ...] = ()
    user: str | None = None  # the other party of a DM
    created: int = 0

    def to_slack(self) -> JsonDict:
        data: JsonDict = {
            "id": self.id,
            "created": self.created,
            "is_im": self.is_im,
            "is_mpim": self.is_mpim,
            "is_private": self.is_private or self.is_im or self.is_mpim,
            "is_channel": not (self.is_im or self.is_mpim or self.is_private),
            "is_group": self.is_private and not self.is_mpim,
            "is_open": True,
        }
        if self.is_im:
            data["user"] = self.user
        else:
            data["name"] = self.name
        return data


@dataclass
class Message:
    channel: str
    ts: str
    text: str
    blocks: list[Any] | None = None
    thread_ts: str | None = None
    ephemeral_to: str | None = None
    attachments: list[Any] | None = None
    files: list[JsonDict] | None = None
    metadata: Any = None
    edited_ts: str | None = None
    deleted: bool = False
    via: str = "api"  # "api", "response_url" or "ack"


@dataclass
class UploadedFile:
    id: str
    filename: str
    length: int
    title: str | None = None
    alt_txt: str | None = None
    snippet_type: str | None = None
    content: bytes | None = None
    channels: list[str] = field(default_factory=list)
    initial_comment: str | None = None
    thread_ts: str | None = None
    completed: bool = False
    created: int = 0


@dataclass
class _Trigger:
    user_id: str | None
    issued: float
    used: bool = False


@dataclass
class _ResponseURL:
    user_id: str
    channel_id: str
    message_ts: str | None
    created: float
    uses: int = 0


# --------------------------------------------------------------------------------------
# HTTP plumbing
# --------------------------------------------------------------------------------------


class _Server(ThreadingHTTPServer):
    daemon_threads = True
    request_queue_size = 128  # tests fire dozens of concurrent requests
    allow_reuse_address = True

    def __init__(self, address: tuple[str, int], emulator: SlackEmulator) -> None:
        super().__init__(address, _Handler)
        self.emulator = emulator


class _Handler(BaseHTTPRequestHandler):
    server: _Server
    server_version = "SlackEmulator/1.0"

    def do_POST(self) -> None:
        self.server.emulator._serve(self)

    def do_GET(self) -> None:
        self.server.emulator._serve(self)

    def log_message(self, format: str, *args: Any) -> None:
        log.debug("%s " + format, self.address_string(), *args)


def _parse_args(query: str, headers: HeaderMap, raw: bytes) -> JsonDict:
    """Merge query string and body (JSON or form) the way Slack reads arguments."""
    args: JsonDict = {k: v[-1] for k, v in parse_qs(query, keep_blank_values=True).items()}
    if not raw:
        return args
    content_type = headers.get_content_type()
    if content_type == "application/json":
        try:
            body = json.loads(raw)
        except ValueError as e:
            raise SlackError("invalid_json") from e
        if not isinstance(body, dict):
            raise SlackError("invalid_json")
        args.update(body)
    elif content_type in ("application/x-www-form-urlencoded", "text/plain"):
        form = parse_qs(raw.decode("utf-8", "replace"), keep_blank_values=True)
        args.update({k: v[-1] for k, v in form.items()})
    else:
        raise SlackError("invalid_form_data")
    for key in JSON_ARGS:
        value = args.get(key)
        if isinstance(value, str) and value[:1] in ("[", "{"):
            # Undecodable JSON stays a string; the method answers with its own format error.
            with contextlib.suppress(ValueError):
                args[key] = json.loads(value)
    return args


# --------------------------------------------------------------------------------------
# The emulator
# --------------------------------------------------------------------------------------


class SlackEmulator(FaultInjection):
    """Slack's Web API on 127.0.0.1, for one workspace and one app.

    - HTTP: ``start()``/``stop()`` or ``with``; ``api_url`` for ``WebClient(base_url=...)``.
    - Recording: ``calls()``, ``last()``, ``clear()``, ``wait_for()``.
    - Seeding: ``add_user()``, ``add_channel()``, ``new_trigger_id()``, ``new_response_url()``.
    - Faults: ``rate_limit()``, ``fail()``, ``slow()``, ``reset_faults()``; Slack-like rate
      limits with ``rate_limits=True`` (or a :class:`RateLimits`).
    - What people see: ``messages()``, ``messages_for()``, ``home_view()``,
      ``modal_stack()``, ``top_view()``, ``open_views()``, ``files()``.

    ``strict=True`` makes unknown channels and users errors instead of auto-created.
    Every time-dependent rule (trigger expiry, rate limits, tz offsets) reads ``clock``.
    """

    def __init__(
        self,
        tokens: str | Iterable[str] = DEFAULT_TOKEN,
        *,
        team_id: str = "T0001",
        team_name: str = "Mentorbot Test",
        team_domain: str = "mentorbot-test",
        app_id: str = "A0MENTOR",
        bot_id: str = "B0MENTOR",
        bot_user_id: str = "U0MENTOR",
        bot_name: str = "mentorbot",
        trigger_ttl: float = 3.0,
        response_url_ttl: float = 30 * 60,
        response_url_max_uses: int = 5,
        clock: Clock = time.time,
        rate_limits: bool | RateLimits = False,
        strict: bool = False,
        host: str = "127.0.0.1",
        port: int = 0,
        seed: int = 0,
    ) -> None:
        self.tokens = frozenset([tokens] if isinstance(tokens, str) else tokens)
        self.team_id = team_id
        self.team_name = team_name
        self.team_domain = team_domain
        self.app_id = app_id
        self.bot_id = bot_id
        self.bot_user_id = bot_user_id
        self.bot_name = bot_name
        self.trigger_ttl = trigger_ttl
        self.response_url_ttl = response_url_ttl
        self.response_url_max_uses = response_url_max_uses
        self.strict = strict  # unknown channels/users are errors rather than auto-created
        self._clock = clock
        self._address = (host, port)
        self._rng = random.Random(seed)
        self._ids = itertools.count(1)

        self._lock = threading.RLock()  # guards the workspace state below
        self._log = CallLog()
        self._faults = Faults()
        limits = RateLimits() if rate_limits is True else rate_limits or None
        self._limiter = RateLimiter(limits, clock) if limits else None

        self._users: dict[str, SlackUser] = {}
        self._channels: dict[str, Channel] = {}
        self._messages: dict[tuple[str, str], Message] = {}
        self._last_micros = 0
        self._triggers: dict[str, _Trigger] = {}
        self._response_urls: dict[str, _ResponseURL] = {}
        self._stacks: dict[str, list[JsonDict]] = {}  # user -> modal views, root first
        self._homes: dict[str, JsonDict] = {}
        self._external_ids: dict[str, str] = {}  # external_id -> view id
        self._files: dict[str, UploadedFile] = {}

        self._server: _Server | None = None
        self._thread: threading.Thread | None = None
        self._methods: dict[str, Callable[[Request], JsonDict]] = {
            "api.test": self._api_test,
            "auth.test": self._auth_test,
            "chat.delete": self._chat_delete,
            "chat.getPermalink": self._chat_get_permalink,
            "chat.postEphemeral": self._chat_post_ephemeral,
            "chat.postMessage": self._chat_post_message,
            "chat.update": self._chat_update,
            "conversations.open": self._conversations_open,
            "files.completeUploadExternal": self._files_complete_upload_external,
            "files.getUploadURLExternal": self._files_get_upload_url_external,
            "team.info": self._team_info,
            "users.info": self._users_info,
            "users.list": self._users_list,
            "users.lookupByEmail": self._users_lookup_by_email,
            "views.open": self._views_open,
            "views.publish": self._views_publish,
            "views.push": self._views_push,
            "views.update": self._views_update,
        }

    # --- lifecycle -------------------------------------------------------------------

    def start(self) -> Self:
        if self._server is not None:
            return self
        self._server = _Server(self._address, self)
        self._thread = threading.Thread(
            target=self._server.serve_forever,
            kwargs={"poll_interval": 0.01},  # stop() waits up to one poll interval
            name="slack-emulator",
            daemon=True,
        )
        self._thread.start()
        return self

    def stop(self) -> None:
        server, thread = self._server, self._thread
        self._server = self._thread = None
        if server is not None:
            server.shutdown()
            server.server_close()
        if thread is not None:
            thread.join(timeout=5)

    def __enter__(self) -> Self:
        return self.start()

    def __exit__(self, *exc: object) -> None:
        self.stop()

    @property
    def running(self) -> bool:
        return self._server is not None

    @property
    def base_url(self) -> str:
        if self._server is None:
            raise RuntimeError("SlackEmulator is not started")
        host, port = self._server.server_address[:2]
        return f"http://{host}:{port}"

    @property
    def api_url(self) -> str:
        """What to pass as ``WebClient(base_url=...)``."""
        return f"{self.base_url}/api/"

    # --- recorded calls --------------------------------------------------------------

    def calls(self, method: str | None = None) -> list[Call]:
        """Recorded calls, oldest first (all of them, or those of one method)."""
        return self._log.calls(method)

    def last(self, method: str | None = None) -> Call | None:
        found = self._log.calls(method)
        return found[-1] if found else None

    def clear(self) -> None:
        """Forget recorded calls (state such as messages and views is kept)."""
        self._log.clear()

    def wait_for(
        self,
        method: str | None,
        count: int = 1,
        timeout: float = 5.0,
        predicate: Callable[[Call], bool] | None = None,
    ) -> list[Call]:
        """Block until ``count`` matching calls are recorded; return all matching calls.

        The bot often calls from background threads, after it has acked the request.
        """
        return self._log.wait_for(method, count, timeout, predicate)

    # --- directory -------------------------------------------------------------------

    def add_user(
        self,
        id: str,
        name: str | None = None,
        real_name: str | None = None,
        tz: str = "UTC",
        tz_offset: int | None = None,
        **attrs: Any,
    ) -> SlackUser:
        """Seed the user directory. ``attrs``: any other :class:`SlackUser` field."""
        if not _ID.match(id) or id[0] not in "UW":
            raise ValueError(f"user ids look like U0123ABC, not {id!r}")
        ZoneInfo(tz)  # fail early on a bad zone name
        name = name or id.lower()
        user = SlackUser(
            id=id, name=name, real_name=real_name or name, tz=tz, tz_offset=tz_offset, **attrs
        )
        with self._lock:
            self._users[id] = user
        return user

    def user(self, user_id: str) -> SlackUser | None:
        with self._lock:
            return self._users.get(user_id)

    def add_channel(
        self, id: str, name: str, members: Iterable[str] = (), is_private: bool = False
    ) -> Channel:
        if not _ID.match(id) or id[0] not in "CG":
            raise ValueError(f"channel ids look like C0123ABC, not {id!r}")
        channel = Channel(
            id=id,
            name=name,
            is_private=is_private,
            members=tuple(members),
            created=int(self._clock()),
        )
        with self._lock:
            self._channels[id] = channel
        return channel

    def dm_channel_id(self, user_id: str) -> str:
        """The app's DM channel with ``user_id`` (stable; opened if needed)."""
        with self._lock:
            return self._open_dm(user_id).id

    def _open_dm(self, user_id: str) -> Channel:
        digest = hashlib.sha1(f"{self.team_id}:{user_id}".encode()).hexdigest()[:10].upper()
        channel_id = f"D{digest}"
        if channel_id not in self._channels:
            self._channels[channel_id] = Channel(
                id=channel_id,
                name=user_id,
                is_im=True,
                members=(user_id,),
                user=user_id,
                created=int(self._clock()),
            )
        return self._channels[channel_id]

    def _open_mpim(self, user_ids: list[str]) -> Channel:
        members = tuple(sorted({*user_ids, self.bot_user_id}))
        digest = hashlib.sha1(f"{self.team_id}:{','.join(members)}".encode()).hexdigest()
        channel_id = f"G{digest[:10].upper()}"
        if channel_id not in self._channels:
            name = "mpdm-" + "--".join(u.lower() for u in members) + "-1"
            self._channels[channel_id] = Channel(
                id=channel_id,
                name=name,
                is_mpim=True,
                is_private=True,
                members=members,
                created=int(self._clock()),
            )
        return self._channels[channel_id]

    def _resolve_channel(self, channel: Any) -> Channel:
        """Map a channel argument (id, #name, or user id for a DM) to a channel."""
        if not isinstance(channel, str) or not channel:
            raise SlackError("channel_not_found")
        if _ID.match(channel) and channel[0] in "UW":
            if self.strict and channel not in self._users:
                raise SlackError("channel_not_found")
            return self._open_dm(channel)
        if channel in self._channels:
            return self._channels[channel]
        name = channel.removeprefix("#")
        for known in self._channels.values():
            if known.name == name and not known.is_im:
                return known
        if not self.strict and _ID.match(channel) and channel[0] in "CG":
            # Any well-formed channel id exists unless strict: tests need not declare them.
            self._channels[channel] = Channel(id=channel, name=channel.lower())
            return self._channels[channel]
        raise SlackError("channel_not_found")

    # --- triggers and response URLs ----------------------------------------------------

    def new_trigger_id(self, user_id: str | None = None) -> str:
        """Mint a trigger id as Slack does for an interaction by ``user_id``."""
        now = self._clock()
        with self._lock:
            trigger_id = f"{int(now)}.{next(self._ids)}.{self._rng.getrandbits(128):032x}"
            self._triggers[trigger_id] = _Trigger(user_id=user_id, issued=now)
        return trigger_id

    def new_response_url(self, user_id: str, channel_id: str, message_ts: str | None = None) -> str:
        """A response_url served by this emulator for an interaction in ``channel_id``."""
        with self._lock:
            hook_id = f"{next(self._ids)}-{self._rng.getrandbits(64):016x}"
            self._response_urls[hook_id] = _ResponseURL(
                user_id, channel_id, message_ts, self._clock()
            )
        return f"{self.base_url}/response/{hook_id}"

    def _check_trigger(self, trigger_id: Any) -> _Trigger:
        if not trigger_id:
            raise invalid_arguments("missing required field: trigger_id")
        trigger = self._triggers.get(str(trigger_id))
        if trigger is None:
            raise SlackError("invalid_trigger_id")
        if trigger.used:
            raise SlackError("exchanged_trigger_id")
        if self._clock() - trigger.issued > self.trigger_ttl:
            raise SlackError("expired_trigger_id")
        return trigger

    # --- what people see -------------------------------------------------------------

    def messages(self, channel: str | None = None, include_deleted: bool = False) -> list[JsonDict]:
        """Messages as Slack would return them, oldest first (ephemeral ones included)."""
        with self._lock:
            return [
                self._message_json(m)
                for m in self._sorted_messages()
                if (channel is None or m.channel == channel) and (include_deleted or not m.deleted)
            ]

    def messages_for(self, user_id: str) -> list[JsonDict]:
        """What ``user_id`` can see: DMs, group DMs and channels they are in, ephemerals."""
        with self._lock:
            visible = []
            for m in self._sorted_messages():
                if m.deleted:
                    continue
                channel = self._channels.get(m.channel)
                member = channel is not None and user_id in channel.members
                if m.ephemeral_to == user_id or (m.ephemeral_to is None and member):
                    visible.append(self._message_json(m))
            return visible

    def message(self, channel: str, ts: str) -> JsonDict | None:
        with self._lock:
            found = self._messages.get((channel, ts))
            return self._message_json(found) if found else None

    def home_view(self, user_id: str) -> JsonDict | None:
        """The Home tab last published for ``user_id``."""
        with self._lock:
            return copy.deepcopy(self._homes.get(user_id))

    def modal_stack(self, user_id: str) -> list[JsonDict]:
        """The modal views open for ``user_id``, root first."""
        with self._lock:
            return copy.deepcopy(self._stacks.get(user_id, []))

    def top_view(self, user_id: str) -> JsonDict | None:
        """The modal view ``user_id`` is looking at, if any."""
        stack = self.modal_stack(user_id)
        return stack[-1] if stack else None

    def open_views(self) -> dict[str, list[JsonDict]]:
        """Every user's modal stack, root first."""
        with self._lock:
            return {u: copy.deepcopy(s) for u, s in self._stacks.items() if s}

    def view(self, view_id: str) -> JsonDict | None:
        """A modal or Home view by id."""
        with self._lock:
            found = self._find_view(view_id)
            return copy.deepcopy(found[2]) if found else None

    def files(self) -> list[UploadedFile]:
        with self._lock:
            return list(self._files.values())

    def file(self, file_id: str) -> UploadedFile | None:
        with self._lock:
            return self._files.get(file_id)

    def user_name(self, user_id: str) -> str:
        found = self.user(user_id)
        return found.name if found else user_id.lower()

    def channel_name(self, channel_id: str) -> str:
        with self._lock:
            channel = self._channels.get(channel_id)
        if channel is None:
            return channel_id.lower()
        if channel.is_im:
            return "directmessage"
        return "privategroup" if channel.is_private else channel.name

    def close_view(self, user_id: str, view_id: str | None = None, clear: bool = False) -> None:
        """Close ``view_id`` (and views pushed above it), the top view, or all (``clear``)."""
        with self._lock:
            stack = self._stacks.get(user_id, [])
            index = len(stack) - 1
            if view_id is not None:
                index = next((i for i, v in enumerate(stack) if v["id"] == view_id), -1)
            if clear:
                index = 0
            if index < 0:
                return
            for view in stack[index:]:
                self._external_ids.pop(view.get("external_id") or "", None)
            del stack[index:]

    def record_ack(
        self,
        payload_type: str,
        user_id: str,
        body: Any,
        *,
        channel_id: str | None = None,
        view_id: str | None = None,
    ) -> Call | None:
        """Apply what the bot answered in its HTTP ack, as Slack would (used by the driver).

        Slash commands: a body with text/blocks is shown to the user. View submissions:
        an empty body closes the view; ``response_action`` errors/update/push/clear apply.
        Recorded as a ``"ack"`` call when the body is not empty.
        """
        if isinstance(body, str) and body.strip():
            body = {"text": body}
        with self._lock:
            if not body:
                if payload_type == "view_submission":
                    self.close_view(user_id, view_id)
                return None
            try:
                if payload_type == "view_submission":
                    self._apply_response_action(user_id, view_id, body)
                elif payload_type == "slash_command" and channel_id:
                    self._post_reply(body, user_id, channel_id, None, via="ack")
                response: JsonDict = {"ok": True}
            except SlackError as e:
                response = e.body
            call = Call(
                method="ack",
                args={"type": payload_type, "user_id": user_id, "body": copy.deepcopy(body)},
                token=None,
                at=self._clock(),
                response=response,
            )
            self._log.record(call)
            return call

    # --- HTTP entry points -----------------------------------------------------------

    def _serve(self, handler: BaseHTTPRequestHandler) -> None:
        url = urlsplit(handler.path)
        length = int(handler.headers.get("Content-Length") or 0)
        raw = handler.rfile.read(length) if length > 0 else b""
        parts = url.path.strip("/").split("/")
        try:
            if len(parts) == 2 and parts[0] == "api":
                reply = self._api_request(parts[1], url.query, handler.headers, raw)
            elif len(parts) == 2 and parts[0] == "response":
                reply = self._response_url_request(parts[1], raw)
            elif len(parts) == 2 and parts[0] == "upload":
                reply = self._upload_request(parts[1], raw)
            elif len(parts) == 3 and parts[0] == "files":
                reply = self._download(parts[1])
            else:
                reply = Reply(404, {"ok": False, "error": "not_found"})
        except Exception as e:  # an emulator bug must not look like a network failure
            log.exception("SlackEmulator failed on %s", handler.path)
            reply = Reply(500, {"ok": False, "error": "emulator_error", "detail": repr(e)})
        if isinstance(reply.body, bytes):
            payload, content_type = reply.body, "application/octet-stream"
        elif isinstance(reply.body, str):
            payload, content_type = reply.body.encode(), "text/plain; charset=utf-8"
        else:
            payload, content_type = (
                json.dumps(reply.body).encode(),
                "application/json; charset=utf-8",
            )
        try:
            handler.send_response(reply.status)
            handler.send_header("Content-Type", content_type)
            handler.send_header("Content-Length", str(len(payload)))
            for name, value in reply.headers.items():
                handler.send_header(name, value)
            handler.end_headers()
            handler.wfile.write(payload)
        except (BrokenPipeError, ConnectionResetError):
            log.debug("client went away before the reply to %s", handler.path)

    def _answer(
        self,
        method: str,
        args: JsonDict,
        token: str | None,
        respond: Callable[[Request], Reply],
    ) -> Reply:
        """Answer one call: injected latency and faults first, then ``respond``; record it."""
        arrival = self._clock()
        delay = self._faults.delay(method)
        if delay:
            time.sleep(delay)
        with self._lock:
            req = Request(method, args, token)
            reply = self._faults.reply(method) or respond(req)
            self._log.record(
                Call(
                    method=method,
                    args=copy.deepcopy(args),
                    token=token,
                    at=arrival,
                    status=reply.status,
                    response=copy.deepcopy(reply.body) if isinstance(reply.body, dict) else {},
                    fault=reply.fault,
                    delay=delay,
                    warnings=tuple(req.warnings),
                )
            )
        return reply

    def _api_request(self, method: str, query: str, headers: HeaderMap, raw: bytes) -> Reply:
        parse_error: SlackError | None = None
        try:
            args = _parse_args(query, headers, raw)
        except SlackError as e:
            args, parse_error = {}, e
        auth = headers.get("Authorization", "")
        body_token = args.pop("token", None)  # Slack also takes the token as a parameter
        token = auth[7:].strip() if auth.lower().startswith("bearer ") else body_token
        return self._answer(method, args, token, lambda req: self._api_reply(req, parse_error))

    def _api_reply(self, req: Request, parse_error: SlackError | None) -> Reply:
        handler = self._methods.get(req.method)
        if handler is None:
            return Reply(200, {"ok": False, "error": "unknown_method", "req_method": req.method})
        if parse_error is not None:
            return Reply(200, parse_error.body)
        if req.method not in NO_AUTH_METHODS:
            if not req.token:
                return Reply(200, {"ok": False, "error": "not_authed"})
            if req.token not in self.tokens:
                return Reply(200, {"ok": False, "error": "invalid_auth"})
        if self._limiter is not None:
            limited = self._limiter.reply(req.method, req.token or "", req.args)
            if limited is not None:
                return limited
        try:
            return Reply(200, handler(req))
        except SlackError as e:
            return Reply(200, e.body)

    def _response_url_request(self, hook_id: str, raw: bytes) -> Reply:
        body: Any = None
        try:
            body = json.loads(raw or b"{}")
        except ValueError:  # Slack also accepts a form with a JSON payload field
            form = parse_qs(raw.decode("utf-8", "replace"))
            with contextlib.suppress(ValueError, KeyError):
                body = json.loads(form["payload"][-1])
        args = body if isinstance(body, dict) else {"raw": raw.decode("utf-8", "replace")}
        return self._answer(
            "response_url", args, None, lambda _: self._response_url_reply(hook_id, body)
        )

    def _response_url_reply(self, hook_id: str, body: Any) -> Reply:
        hook = self._response_urls.get(hook_id)
        if hook is None:
            return Reply(404, {"ok": False, "error": "invalid_url"})
        if self._clock() - hook.created > self.response_url_ttl:
            return Reply(404, {"ok": False, "error": "expired_url"})
        if hook.uses >= self.response_url_max_uses:
            return Reply(404, {"ok": False, "error": "used_url"})
        if not isinstance(body, dict):
            return Reply(400, {"ok": False, "error": "invalid_payload"})
        hook.uses += 1
        try:
            self._post_reply(
                body, hook.user_id, hook.channel_id, hook.message_ts, via="response_url"
            )
        except SlackError as e:
            return Reply(400, e.body)
        return Reply(200, {"ok": True})

    def _upload_request(self, file_id: str, raw: bytes) -> Reply:
        """The upload URL handed out by files.getUploadURLExternal receives the bytes."""

        def store(_: Request) -> Reply:
            upload = self._files.get(file_id)
            if upload is None or upload.completed:
                return Reply(404, "file not found")
            upload.content = raw
            return Reply(200, f"OK - {len(raw)}")

        return self._answer("upload", {"file_id": file_id, "bytes": len(raw)}, None, store)

    def _download(self, file_id: str) -> Reply:
        """A shared file's url_private (no auth check: the emulator is local)."""
        with self._lock:
            upload = self._files.get(file_id)
        if upload is None or not upload.completed or upload.content is None:
            return Reply(404, "file not found")
        return Reply(200, upload.content)

    # --- message helpers -------------------------------------------------------------

    def _next_ts(self) -> str:
        # Unique and increasing per emulator, like Slack's "seconds.micros" message ids;
        # integer microseconds so float rounding can never repeat one.
        micros = max(int(self._clock() * 1_000_000), self._last_micros + 1)
        self._last_micros = micros
        return f"{micros // 1_000_000}.{micros % 1_000_000:06d}"

    def _sorted_messages(self) -> list[Message]:
        return sorted(self._messages.values(), key=lambda m: float(m.ts))

    def _message_json(self, m: Message) -> JsonDict:
        data: JsonDict = {
            "type": "message",
            "channel": m.channel,
            "ts": m.ts,
            "text": m.text,
            "user": self.bot_user_id,
            "bot_id": self.bot_id,
            "app_id": self.app_id,
            "team": self.team_id,
        }
        optional = {
            "blocks": m.blocks,
            "thread_ts": m.thread_ts,
            "attachments": m.attachments,
            "files": m.files,
            "metadata": m.metadata,
        }
        data.update({k: copy.deepcopy(v) for k, v in optional.items() if v is not None})
        if m.edited_ts:
            data["edited"] = {"user": self.bot_user_id, "ts": m.edited_ts}
        if m.ephemeral_to:
            data["is_ephemeral"] = True
            data["visible_to"] = m.ephemeral_to
        if m.deleted:
            data["deleted"] = True
        return data

    def _content(self, req: Request, *, require: bool = True) -> tuple[str, list[Any] | None]:
        """Check text/blocks of a message as chat.postMessage does."""
        args = req.args
        text, blocks = args.get("text"), args.get("blocks")
        if blocks is not None and not isinstance(blocks, list):
            raise SlackError("invalid_blocks_format")
        if require and not text and not blocks and not args.get("attachments"):
            raise SlackError("no_text")
        text = "" if text is None else str(text)
        if len(text) > MAX_MESSAGE_TEXT:
            raise SlackError("msg_too_long")
        if blocks:
            errors = validate_blocks(blocks, "message")
            if errors:
                raise SlackError(
                    "invalid_blocks",
                    errors=errors,
                    response_metadata={"messages": [f"[ERROR] {e}" for e in errors]},
                )
            if not text:
                req.warnings.append(
                    "missing_text: blocks without a top-level text fallback "
                    "(notifications and screen readers show nothing)"
                )
        return text, self._with_ids(blocks) if blocks else None

    def _with_ids(self, blocks: list[Any]) -> list[Any]:
        """Copy of blocks with block_id/action_id filled in where missing, as Slack does."""
        blocks = copy.deepcopy(blocks)
        for block in blocks:
            if isinstance(block, dict) and not block.get("block_id"):
                block["block_id"] = self._random_id()
        for _block, element in iter_elements(blocks):
            if not element.get("action_id"):
                element["action_id"] = self._random_id()
        return blocks

    def _random_id(self, length: int = 5) -> str:
        alphabet = string.ascii_letters + string.digits
        return "".join(self._rng.choice(alphabet) for _ in range(length))

    def _post_reply(
        self,
        body: JsonDict,
        user_id: str,
        channel_id: str,
        message_ts: str | None,
        *,
        via: str,
    ) -> None:
        """Apply a response_url / ack message the way Slack shows it.

        Ephemeral to ``user_id`` unless ``response_type`` is ``in_channel``;
        ``replace_original`` / ``delete_original`` act on the message the interaction
        came from (ephemeral ones included), when there is one.
        """
        original = self._messages.get((channel_id, message_ts)) if message_ts else None
        if flag(body.get("delete_original")):
            if original is not None:
                original.deleted = True
            return
        req = Request(via, body, None)
        text, blocks = self._content(req)
        if flag(body.get("replace_original")) and original is not None:
            original.text, original.blocks = text, blocks
            original.edited_ts = self._next_ts()
            return
        in_channel = body.get("response_type") == "in_channel"
        channel = self._resolve_channel(channel_id)
        message = Message(
            channel=channel.id,
            ts=self._next_ts(),
            text=text,
            blocks=blocks,
            thread_ts=body.get("thread_ts"),
            ephemeral_to=None if in_channel else user_id,
            via=via,
        )
        self._messages[(message.channel, message.ts)] = message

    def _find_message(self, req: Request, ts_key: str = "ts") -> Message:
        channel = self._resolve_channel(req.args.get("channel"))
        ts = req.args.get(ts_key)
        if not ts:
            raise SlackError("message_not_found")
        found = self._messages.get((channel.id, str(ts)))
        if found is None or found.deleted or found.ephemeral_to:
            raise SlackError("message_not_found")
        return found

    # --- view helpers ----------------------------------------------------------------

    def _checked_view(
        self, req: Request, expected: str, replacing: JsonDict | None = None
    ) -> JsonDict:
        """The request's view if Slack would accept it (``replacing``: the view it updates)."""
        view = req.args.get("view")
        if view is None:
            raise invalid_arguments("missing required field: view")
        if not isinstance(view, dict):
            raise invalid_arguments("must be a JSON object [json-pointer:/view]")
        if view.get("type") != expected:
            raise invalid_arguments(f"must be `{expected}` [json-pointer:/view/type]")
        if view_size(view) > MAX_VIEW_BYTES:
            raise SlackError("view_too_large")
        errors = validate_view(view)
        if errors:
            raise invalid_arguments(*errors)
        owner = self._external_ids.get(view.get("external_id") or "")
        if owner is not None and (replacing is None or owner != replacing["id"]):
            raise SlackError("duplicate_external_id")
        return view

    def _replacement(self, current: JsonDict, view: JsonDict) -> JsonDict:
        """``view`` built to take ``current``'s place (same id; keeps its external_id)."""
        old_external_id = current.get("external_id") or ""
        view = {**view, "external_id": view.get("external_id") or old_external_id}
        if old_external_id != view["external_id"]:
            self._external_ids.pop(old_external_id, None)
        return self._new_view(
            view,
            view_id=current["id"],
            root_view_id=current["root_view_id"],
            previous_view_id=current["previous_view_id"],
        )

    def _new_view(
        self,
        view: JsonDict,
        *,
        view_id: str | None = None,
        root_view_id: str | None = None,
        previous_view_id: str | None = None,
    ) -> JsonDict:
        view_id = view_id or f"V{next(self._ids):09d}"
        built = copy.deepcopy(view)
        built["blocks"] = self._with_ids(view.get("blocks", []))
        built.update(
            id=view_id,
            team_id=self.team_id,
            app_id=self.app_id,
            app_installed_team_id=self.team_id,
            bot_id=self.bot_id,
            private_metadata=view.get("private_metadata", ""),
            callback_id=view.get("callback_id", ""),
            external_id=view.get("external_id", ""),
            state={"values": {}},
            hash=f"{int(self._clock())}.{self._rng.getrandbits(32):08x}",
            clear_on_close=flag(view.get("clear_on_close", False)),
            notify_on_close=flag(view.get("notify_on_close", False)),
            root_view_id=root_view_id or view_id,
            previous_view_id=previous_view_id,
        )
        for key in ("title", "submit", "close"):
            built.setdefault(key, None)
        if built["external_id"]:
            self._external_ids[built["external_id"]] = view_id
        return built

    def _find_view(self, view_id: str) -> tuple[str, list[JsonDict] | None, JsonDict] | None:
        """(user, stack or None for home, view) for a view id."""
        for user_id, stack in self._stacks.items():
            for view in stack:
                if view["id"] == view_id:
                    return user_id, stack, view
        for user_id, view in self._homes.items():
            if view["id"] == view_id:
                return user_id, None, view
        return None

    def _apply_response_action(self, user_id: str, view_id: str | None, body: JsonDict) -> None:
        action = body.get("response_action")
        stack = self._stacks.get(user_id, [])
        current = next((v for v in stack if v["id"] == view_id), stack[-1] if stack else None)
        if current is None:
            raise SlackError("not_found")
        if action == "clear":
            self.close_view(user_id, clear=True)
        elif action == "errors":
            errors = body.get("errors")
            inputs = {
                b.get("block_id") for b in current["blocks"] if b.get("type") == "input"
            }  # Slack shows errors only next to input blocks
            if not isinstance(errors, dict) or not errors:
                raise invalid_arguments("missing required field: errors")
            unknown = sorted(k for k in errors if k not in inputs)
            if unknown:
                raise invalid_arguments(
                    f"errors name blocks that are not input blocks of the view: {unknown}"
                )
        elif action == "update":
            req = Request("response_action", {"view": body.get("view")}, None)
            view = self._checked_view(req, "modal", replacing=current)
            stack[stack.index(current)] = self._replacement(current, view)
        elif action == "push":
            req = Request("response_action", {"view": body.get("view")}, None)
            view = self._checked_view(req, "modal")
            if len(stack) >= MAX_MODAL_STACK:
                raise SlackError("push_limit_reached")
            stack.append(
                self._new_view(view, root_view_id=stack[0]["id"], previous_view_id=stack[-1]["id"])
            )
        else:
            raise invalid_arguments(f"unsupported response_action: {action!r}")

    # --- Web API methods -------------------------------------------------------------

    def _api_test(self, req: Request) -> JsonDict:
        args = {k: v for k, v in req.args.items() if k != "error"}
        if req.args.get("error"):
            return {"ok": False, "error": str(req.args["error"]), "args": args}
        return {"ok": True, "args": args}

    def _auth_test(self, req: Request) -> JsonDict:
        return {
            "ok": True,
            "url": f"https://{self.team_domain}.slack.com/",
            "team": self.team_name,
            "user": self.bot_name,
            "team_id": self.team_id,
            "user_id": self.bot_user_id,
            "bot_id": self.bot_id,
            "is_enterprise_install": False,
        }

    def _team_info(self, req: Request) -> JsonDict:
        return {
            "ok": True,
            "team": {
                "id": self.team_id,
                "name": self.team_name,
                "domain": self.team_domain,
                "email_domain": "",
                "icon": {"image_default": True},
            },
        }

    def _chat_post_message(self, req: Request) -> JsonDict:
        channel = self._resolve_channel(req.args.get("channel"))
        text, blocks = self._content(req)
        attachments = req.args.get("attachments")
        if attachments is not None and not isinstance(attachments, list):
            raise SlackError("invalid_attachments")
        message = Message(
            channel=channel.id,
            ts=self._next_ts(),
            text=text,
            blocks=blocks,
            thread_ts=req.args.get("thread_ts") or None,
            attachments=attachments,
            metadata=req.args.get("metadata"),
        )
        self._messages[(channel.id, message.ts)] = message
        return {
            "ok": True,
            "channel": channel.id,
            "ts": message.ts,
            "message": self._message_json(message),
        }

    def _chat_post_ephemeral(self, req: Request) -> JsonDict:
        channel = self._resolve_channel(req.args.get("channel"))
        user_id = req.args.get("user")
        if not user_id:
            raise SlackError("user_not_found")
        if self.strict and user_id not in self._users:
            raise SlackError("user_not_found")
        text, blocks = self._content(req)
        message = Message(
            channel=channel.id,
            ts=self._next_ts(),
            text=text,
            blocks=blocks,
            thread_ts=req.args.get("thread_ts") or None,
            ephemeral_to=str(user_id),
        )
        self._messages[(channel.id, message.ts)] = message
        return {"ok": True, "message_ts": message.ts}

    def _chat_update(self, req: Request) -> JsonDict:
        message = self._find_message(req)
        text, blocks = self._content(req)
        if "text" in req.args:
            message.text = text
        if "blocks" in req.args:
            message.blocks = blocks
        if "attachments" in req.args:
            message.attachments = req.args["attachments"]
        message.edited_ts = self._next_ts()
        return {
            "ok": True,
            "channel": message.channel,
            "ts": message.ts,
            "text": message.text,
            "message": self._message_json(message),
        }

    def _chat_delete(self, req: Request) -> JsonDict:
        message = self._find_message(req)
        message.deleted = True
        return {"ok": True, "channel": message.channel, "ts": message.ts}

    def _chat_get_permalink(self, req: Request) -> JsonDict:
        message = self._find_message(req, "message_ts")
        path = message.ts.replace(".", "")
        return {
            "ok": True,
            "channel": message.channel,
            "permalink": f"https://{self.team_domain}.slack.com/archives/{message.channel}/p{path}",
        }

    def _conversations_open(self, req: Request) -> JsonDict:
        users = req.args.get("users")
        if req.args.get("channel"):
            channel = self._resolve_channel(req.args["channel"])
            return {"ok": True, "channel": channel.to_slack()}
        if isinstance(users, str):
            users = [u.strip() for u in users.split(",") if u.strip()]
        if not users:
            raise SlackError("users_list_not_supplied")
        if len(users) > MAX_MPIM_USERS:
            raise SlackError("too_many_users")
        for user_id in users:
            if not _ID.match(str(user_id)) or (self.strict and user_id not in self._users):
                raise SlackError("user_not_found")
        if len(users) == 1:
            existed = any(c.is_im and c.user == users[0] for c in self._channels.values())
            channel = self._open_dm(users[0])
            data: JsonDict = {"ok": True}
            if existed:
                data.update(no_op=True, already_open=True)
            full = flag(req.args.get("return_im"))
            data["channel"] = channel.to_slack() if full else {"id": channel.id}
            return data
        return {"ok": True, "channel": self._open_mpim(list(users)).to_slack()}

    def _users_info(self, req: Request) -> JsonDict:
        user = self._users.get(str(req.args.get("user") or ""))
        if user is None:
            raise SlackError("user_not_found")
        data = user.to_slack(self.team_id, self._clock())
        if flag(req.args.get("include_locale")):
            data["locale"] = "en-US"
        return {"ok": True, "user": data}

    def _users_lookup_by_email(self, req: Request) -> JsonDict:
        email = str(req.args.get("email") or "").lower()
        for user in self._users.values():
            if user.email and user.email.lower() == email:
                return {"ok": True, "user": user.to_slack(self.team_id, self._clock())}
        raise SlackError("users_not_found")

    def _users_list(self, req: Request) -> JsonDict:
        now = self._clock()
        members = [u.to_slack(self.team_id, now) for u in self._users.values()]
        return {"ok": True, "members": members, "response_metadata": {"next_cursor": ""}}

    def _views_open(self, req: Request) -> JsonDict:
        view = self._checked_view(req, "modal")
        trigger = self._check_trigger(
            req.args.get("trigger_id") or req.args.get("interactivity_pointer")
        )
        trigger.used = True
        user_id = trigger.user_id or ""
        self.close_view(user_id, clear=True)  # a new modal replaces whatever was open
        built = self._new_view(view)
        self._stacks[user_id] = [built]
        return {"ok": True, "view": copy.deepcopy(built)}

    def _views_push(self, req: Request) -> JsonDict:
        view = self._checked_view(req, "modal")
        trigger = self._check_trigger(
            req.args.get("trigger_id") or req.args.get("interactivity_pointer")
        )
        stack = self._stacks.get(trigger.user_id or "")
        if not stack:
            raise invalid_arguments("no modal is open to push onto [json-pointer:/view]")
        if len(stack) >= MAX_MODAL_STACK:
            raise SlackError("push_limit_reached")
        trigger.used = True
        built = self._new_view(view, root_view_id=stack[0]["id"], previous_view_id=stack[-1]["id"])
        stack.append(built)
        return {"ok": True, "view": copy.deepcopy(built)}

    def _views_update(self, req: Request) -> JsonDict:
        view_id, external_id = req.args.get("view_id"), req.args.get("external_id")
        if not view_id and not external_id:
            raise invalid_arguments("must provide either view_id or external_id")
        found = self._find_view(str(view_id or self._external_ids.get(str(external_id), "")))
        if found is None:
            raise SlackError("not_found")
        user_id, stack, current = found
        if req.args.get("hash") and req.args["hash"] != current["hash"]:
            raise SlackError("hash_conflict")
        view = self._checked_view(req, current["type"], replacing=current)
        updated = self._replacement(current, view)
        if stack is None:
            self._homes[user_id] = updated
        else:
            stack[stack.index(current)] = updated
        return {"ok": True, "view": copy.deepcopy(updated)}

    def _views_publish(self, req: Request) -> JsonDict:
        user_id = req.args.get("user_id")
        if not user_id:
            raise invalid_arguments("missing required field: user_id")
        if self.strict and user_id not in self._users:
            raise SlackError("user_not_found")
        current = self._homes.get(user_id)
        if current and req.args.get("hash") and req.args["hash"] != current["hash"]:
            raise SlackError("hash_conflict")
        view = self._checked_view(req, "home", replacing=current)
        built = self._replacement(current, view) if current else self._new_view(view)
        self._homes[user_id] = built
        return {"ok": True, "view": copy.deepcopy(built)}

    def _files_get_upload_url_external(self, req: Request) -> JsonDict:
        filename, length = req.args.get("filename"), req.args.get("length")
        missing = [k for k, v in (("filename", filename), ("length", length)) if not v]
        if missing:
            raise invalid_arguments(*(f"missing required field: {k}" for k in missing))
        try:
            size = int(length)  # type: ignore[arg-type]
        except (TypeError, ValueError):
            raise invalid_arguments("must be an integer [json-pointer:/length]") from None
        file_id = f"F{next(self._ids):09d}"
        self._files[file_id] = UploadedFile(
            id=file_id,
            filename=str(filename),
            length=size,
            alt_txt=req.args.get("alt_txt"),
            snippet_type=req.args.get("snippet_type"),
            created=int(self._clock()),
        )
        return {"ok": True, "upload_url": f"{self.base_url}/upload/{file_id}", "file_id": file_id}

    def _files_complete_upload_external(self, req: Request) -> JsonDict:
        files = req.args.get("files")
        if not isinstance(files, list) or not files:
            raise invalid_arguments("missing required field: files")
        uploads = []
        for entry in files:
            upload = self._files.get(entry.get("id", "")) if isinstance(entry, dict) else None
            if upload is None or upload.content is None:
                raise SlackError("file_not_found")
            uploads.append((upload, entry))
        channels = [c for c in str(req.args.get("channels") or "").split(",") if c]
        if req.args.get("channel_id"):
            channels.insert(0, str(req.args["channel_id"]))
        resolved = [self._resolve_channel(c).id for c in channels]
        for upload, entry in uploads:
            upload.title = entry.get("title") or upload.filename
            upload.channels = resolved
            upload.initial_comment = req.args.get("initial_comment")
            upload.thread_ts = req.args.get("thread_ts")
            upload.completed = True
        described = [self._file_json(u) for u, _ in uploads]
        for channel_id in resolved:
            message = Message(
                channel=channel_id,
                ts=self._next_ts(),
                text=str(req.args.get("initial_comment") or ""),
                thread_ts=req.args.get("thread_ts"),
                files=copy.deepcopy(described),
            )
            self._messages[(channel_id, message.ts)] = message
        return {"ok": True, "files": described}

    def _file_json(self, upload: UploadedFile) -> JsonDict:
        extension = upload.filename.rsplit(".", 1)[-1].lower() if "." in upload.filename else ""
        mimetypes = {"csv": "text/csv", "txt": "text/plain", "json": "application/json"}
        return {
            "id": upload.id,
            "created": upload.created,
            "name": upload.filename,
            "title": upload.title,
            "mimetype": mimetypes.get(extension, "application/octet-stream"),
            "filetype": extension or "binary",
            "user": self.bot_user_id,
            "size": len(upload.content or b""),
            "channels": [c for c in upload.channels if c[0] == "C"],
            "groups": [c for c in upload.channels if c[0] == "G"],
            "ims": [c for c in upload.channels if c[0] == "D"],
            "url_private": f"{self.base_url}/files/{upload.id}/{upload.filename}",
        }
