"""A local Slack Web API emulator served over real HTTP: ``SlackEmulator``.

The bot talks to it exactly as it talks to Slack: ``WebClient(base_url=emulator.api_url)``.
The emulator answers with Slack's response shapes and error names, validates Block Kit
the way Slack does (see :mod:`bot.emulator.blockkit`), records every call for tests to
inspect, and can inject faults (429s, 5xx, application errors, latency).

It also keeps just enough state to say what each person would see: messages per
channel, ephemeral messages, modal stacks and Home tabs.

This module is the facade tests use; the parts it composes:

- :mod:`~bot.emulator.workspace`: the workspace's state (people, channels, messages, views);
- :mod:`~bot.emulator.methods`: the Web API methods, one module per family;
- :mod:`~bot.emulator.faults`: the fault-injection API and Slack's rate limits;
- :mod:`~bot.emulator.calls`: requests, replies and the log of recorded calls.
"""

from __future__ import annotations

import contextlib
import copy
import json
import logging
import threading
import time
from collections.abc import Callable, Iterable
from email.message import Message as HeaderMap
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from typing import Any, Generic, Self, TypeVar, overload
from urllib.parse import parse_qs, urlsplit
from zoneinfo import ZoneInfo

from bot.emulator.calls import Call, CallLog, Clock, JsonDict, Reply, Request, SlackError
from bot.emulator.faults import FaultInjection, Faults, RateLimiter, RateLimits
from bot.emulator.methods import METHODS
from bot.emulator.methods.chat import message_json, post_reply, sorted_messages
from bot.emulator.methods.views import apply_response_action, close_view, find_view
from bot.emulator.workspace import (
    DEFAULT_TOKEN,
    SLACK_ID,
    TRIGGER_ERRORS,
    Channel,
    SlackUser,
    UploadedFile,
    Workspace,
)

__all__ = [
    "DEFAULT_TOKEN",
    "TRIGGER_ERRORS",
    "Channel",
    "SlackEmulator",
    "SlackUser",
    "UploadedFile",
]

log = logging.getLogger(__name__)

# Arguments Slack accepts as JSON-encoded strings in form bodies.
JSON_ARGS = ("blocks", "view", "attachments", "files", "metadata")
NO_AUTH_METHODS = frozenset({"api.test"})

T = TypeVar("T")

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


class _OnWorkspace(Generic[T]):
    """An attribute of the emulator that lives on its workspace (read and set through it)."""

    def __set_name__(self, owner: type, name: str) -> None:
        self._name = name

    @overload
    def __get__(self, emulator: None, owner: type) -> Self: ...
    @overload
    def __get__(self, emulator: SlackEmulator, owner: type) -> T: ...
    def __get__(self, emulator: SlackEmulator | None, owner: type) -> T | Self:
        return self if emulator is None else getattr(emulator._workspace, self._name)

    def __set__(self, emulator: SlackEmulator, value: T) -> None:
        setattr(emulator._workspace, self._name, value)


class SlackEmulator(FaultInjection):
    """Slack's Web API on 127.0.0.1, for one workspace and one app.

    - HTTP: ``start()``/``stop()`` or ``with``; ``api_url`` for ``WebClient(base_url=...)``.
    - Recording: ``calls()``, ``last()``, ``clear()``, ``wait_for()``.
    - Seeding: ``add_user()``, ``add_channel()``, ``new_trigger_id()``, ``new_response_url()``.
    - Faults: ``rate_limit()``, ``fail()``, ``slow()``, ``reset_faults()`` (from
      :class:`~bot.emulator.faults.FaultInjection`); Slack-like rate limits with
      ``rate_limits=True`` (or a :class:`RateLimits`).
    - What people see: ``messages()``, ``messages_for()``, ``home_view()``,
      ``modal_stack()``, ``top_view()``, ``open_views()``, ``files()``.

    ``strict=True`` makes unknown channels and users errors instead of auto-created.
    Every time-dependent rule (trigger expiry, rate limits, tz offsets) reads ``clock``.
    """

    tokens: _OnWorkspace[frozenset[str]] = _OnWorkspace()
    team_id: _OnWorkspace[str] = _OnWorkspace()
    team_name: _OnWorkspace[str] = _OnWorkspace()
    team_domain: _OnWorkspace[str] = _OnWorkspace()
    app_id: _OnWorkspace[str] = _OnWorkspace()
    bot_id: _OnWorkspace[str] = _OnWorkspace()
    bot_user_id: _OnWorkspace[str] = _OnWorkspace()
    bot_name: _OnWorkspace[str] = _OnWorkspace()
    trigger_ttl: _OnWorkspace[float] = _OnWorkspace()
    response_url_ttl: _OnWorkspace[float] = _OnWorkspace()
    response_url_max_uses: _OnWorkspace[int] = _OnWorkspace()
    strict: _OnWorkspace[bool] = _OnWorkspace()

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
        self._workspace = Workspace(
            tokens=frozenset([tokens] if isinstance(tokens, str) else tokens),
            team_id=team_id,
            team_name=team_name,
            team_domain=team_domain,
            app_id=app_id,
            bot_id=bot_id,
            bot_user_id=bot_user_id,
            bot_name=bot_name,
            trigger_ttl=trigger_ttl,
            response_url_ttl=response_url_ttl,
            response_url_max_uses=response_url_max_uses,
            strict=strict,
            clock=clock,
            seed=seed,
        )
        self._clock = clock
        self._address = (host, port)
        self._lock = self._workspace.lock  # guards the workspace state
        self._log = CallLog()
        self._faults = Faults()
        limits = RateLimits() if rate_limits is True else rate_limits or None
        self._limiter = RateLimiter(limits, clock) if limits else None
        self._server: _Server | None = None
        self._thread: threading.Thread | None = None

    # --- lifecycle -------------------------------------------------------------------

    def start(self) -> Self:
        if self._server is not None:
            return self
        self._server = _Server(self._address, self)
        self._workspace.base_url = self.base_url
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
        if not SLACK_ID.match(id) or id[0] not in "UW":
            raise ValueError(f"user ids look like U0123ABC, not {id!r}")
        ZoneInfo(tz)  # fail early on a bad zone name
        name = name or id.lower()
        user = SlackUser(
            id=id, name=name, real_name=real_name or name, tz=tz, tz_offset=tz_offset, **attrs
        )
        with self._lock:
            self._workspace.users[id] = user
        return user

    def user(self, user_id: str) -> SlackUser | None:
        with self._lock:
            return self._workspace.users.get(user_id)

    def add_channel(
        self, id: str, name: str, members: Iterable[str] = (), is_private: bool = False
    ) -> Channel:
        if not SLACK_ID.match(id) or id[0] not in "CG":
            raise ValueError(f"channel ids look like C0123ABC, not {id!r}")
        channel = Channel(
            id=id,
            name=name,
            is_private=is_private,
            members=tuple(members),
            created=int(self._clock()),
        )
        with self._lock:
            self._workspace.channels[id] = channel
        return channel

    def dm_channel_id(self, user_id: str) -> str:
        """The app's DM channel with ``user_id`` (stable; opened if needed)."""
        with self._lock:
            return self._workspace.open_dm(user_id).id

    # --- triggers and response URLs ----------------------------------------------------

    def new_trigger_id(self, user_id: str | None = None) -> str:
        """Mint a trigger id as Slack does for an interaction by ``user_id``."""
        return self._workspace.new_trigger(user_id)

    def new_response_url(self, user_id: str, channel_id: str, message_ts: str | None = None) -> str:
        """A response_url served by this emulator for an interaction in ``channel_id``."""
        hook_id = self._workspace.new_response_hook(user_id, channel_id, message_ts)
        return f"{self.base_url}/response/{hook_id}"

    # --- what people see -------------------------------------------------------------

    def messages(self, channel: str | None = None, include_deleted: bool = False) -> list[JsonDict]:
        """Messages as Slack would return them, oldest first (ephemeral ones included)."""
        ws = self._workspace
        with self._lock:
            return [
                message_json(ws, m)
                for m in sorted_messages(ws)
                if (channel is None or m.channel == channel) and (include_deleted or not m.deleted)
            ]

    def messages_for(self, user_id: str) -> list[JsonDict]:
        """What ``user_id`` can see: DMs, group DMs and channels they are in, ephemerals."""
        ws = self._workspace
        with self._lock:
            visible = []
            for m in sorted_messages(ws):
                if m.deleted:
                    continue
                channel = ws.channels.get(m.channel)
                member = channel is not None and user_id in channel.members
                if m.ephemeral_to == user_id or (m.ephemeral_to is None and member):
                    visible.append(message_json(ws, m))
            return visible

    def message(self, channel: str, ts: str) -> JsonDict | None:
        with self._lock:
            found = self._workspace.messages.get((channel, ts))
            return message_json(self._workspace, found) if found else None

    def home_view(self, user_id: str) -> JsonDict | None:
        """The Home tab last published for ``user_id``."""
        with self._lock:
            return copy.deepcopy(self._workspace.homes.get(user_id))

    def modal_stack(self, user_id: str) -> list[JsonDict]:
        """The modal views open for ``user_id``, root first."""
        with self._lock:
            return copy.deepcopy(self._workspace.stacks.get(user_id, []))

    def top_view(self, user_id: str) -> JsonDict | None:
        """The modal view ``user_id`` is looking at, if any."""
        stack = self.modal_stack(user_id)
        return stack[-1] if stack else None

    def open_views(self) -> dict[str, list[JsonDict]]:
        """Every user's modal stack, root first."""
        with self._lock:
            return {u: copy.deepcopy(s) for u, s in self._workspace.stacks.items() if s}

    def view(self, view_id: str) -> JsonDict | None:
        """A modal or Home view by id."""
        with self._lock:
            found = find_view(self._workspace, view_id)
            return copy.deepcopy(found[2]) if found else None

    def files(self) -> list[UploadedFile]:
        with self._lock:
            return list(self._workspace.files.values())

    def file(self, file_id: str) -> UploadedFile | None:
        with self._lock:
            return self._workspace.files.get(file_id)

    def user_name(self, user_id: str) -> str:
        found = self.user(user_id)
        return found.name if found else user_id.lower()

    def channel_name(self, channel_id: str) -> str:
        with self._lock:
            channel = self._workspace.channels.get(channel_id)
        if channel is None:
            return channel_id.lower()
        if channel.is_im:
            return "directmessage"
        return "privategroup" if channel.is_private else channel.name

    # --- what people do, as the driver reports it --------------------------------------

    def close_view(self, user_id: str, view_id: str | None = None, clear: bool = False) -> None:
        """Close ``view_id`` (and views pushed above it), the top view, or all (``clear``)."""
        with self._lock:
            close_view(self._workspace, user_id, view_id, clear)

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
        ws = self._workspace
        if isinstance(body, str) and body.strip():
            body = {"text": body}
        with self._lock:
            if not body:
                if payload_type == "view_submission":
                    close_view(ws, user_id, view_id)
                return None
            try:
                if payload_type == "view_submission":
                    apply_response_action(ws, user_id, view_id, body)
                elif payload_type == "slash_command" and channel_id:
                    post_reply(ws, body, user_id, channel_id, None, via="ack")
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
        handler = METHODS.get(req.method)
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
            return Reply(200, handler(self._workspace, req))
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
        hook = self._workspace.response_urls.get(hook_id)
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
            post_reply(
                self._workspace,
                body,
                hook.user_id,
                hook.channel_id,
                hook.message_ts,
                via="response_url",
            )
        except SlackError as e:
            return Reply(400, e.body)
        return Reply(200, {"ok": True})

    def _upload_request(self, file_id: str, raw: bytes) -> Reply:
        """The upload URL handed out by files.getUploadURLExternal receives the bytes."""

        def store(_: Request) -> Reply:
            upload = self._workspace.files.get(file_id)
            if upload is None or upload.completed:
                return Reply(404, "file not found")
            upload.content = raw
            return Reply(200, f"OK - {len(raw)}")

        return self._answer("upload", {"file_id": file_id, "bytes": len(raw)}, None, store)

    def _download(self, file_id: str) -> Reply:
        """A shared file's url_private (no auth check: the emulator is local)."""
        with self._lock:
            upload = self._workspace.files.get(file_id)
        if upload is None or not upload.completed or upload.content is None:
            return Reply(404, "file not found")
        return Reply(200, upload.content)
