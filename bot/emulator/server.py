"""A local Slack Web API emulator served over real HTTP: ``SlackEmulator``.

The bot talks to it exactly as it talks to Slack: ``WebClient(base_url=emulator.api_url)``.
The emulator answers with Slack's response shapes and error names, validates Block Kit
the way Slack does (see :mod:`bot.emulator.blockkit`), records every call for tests to
inspect, and can inject faults (429s, 5xx, application errors, latency).

It also keeps just enough state to say what each person would see: messages per
channel, ephemeral messages, modal stacks and Home tabs.

``SlackEmulator`` is the facade tests, benches and the demo use; the parts it composes:

- :mod:`~bot.emulator.workspace`: the workspace's state (people, channels, messages, views);
- :mod:`~bot.emulator.methods`: the Web API methods, one module per family, in one table;
- :mod:`~bot.emulator.endpoints`: what each URL answers, through faults, auth and limits;
- :mod:`~bot.emulator.transport`: the HTTP server and how it reads Slack's arguments;
- :mod:`~bot.emulator.faults`: the fault-injection API and Slack's rate limits;
- :mod:`~bot.emulator.calls`: requests, replies and the log of recorded calls.
"""

from __future__ import annotations

import copy
import dataclasses
import threading
import time
from collections.abc import Callable, Iterable
from typing import Any, Generic, Self, TypeVar, overload
from zoneinfo import ZoneInfo

from bot.emulator.calls import Call, CallLog, Clock, JsonDict
from bot.emulator.endpoints import Endpoints
from bot.emulator.faults import FaultInjection, Faults, RateLimiter, RateLimits
from bot.emulator.installs import DEFAULT_CLIENT_ID, DEFAULT_CLIENT_SECRET, Installs
from bot.emulator.methods.chat import message_json, sorted_messages
from bot.emulator.methods.files import file_json
from bot.emulator.methods.views import close_view, find_view
from bot.emulator.socket_mode import SocketMode
from bot.emulator.transport import Server
from bot.emulator.workspace import (
    DEFAULT_APP_TOKEN,
    DEFAULT_SCOPES,
    DEFAULT_TOKEN,
    SLACK_ID,
    Channel,
    SlackUser,
    UploadedFile,
    Workspace,
)

T = TypeVar("T")


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
    - Seeding: ``add_user()``, ``add_channel()``, ``add_to_channel()``, ``add_file()``,
      ``new_trigger_id()``, ``new_response_url()``.
    - Faults: ``rate_limit()``, ``fail()``, ``slow()``, ``hold()``, ``reset_faults()`` (from
      :class:`~bot.emulator.faults.FaultInjection`); Slack-like rate limits with
      ``rate_limits=True`` (or a :class:`RateLimits`).
    - What people see: ``messages()``, ``messages_for()``, ``home_view()``,
      ``modal_stack()``, ``top_view()``, ``open_views()``, ``files()``, ``files_for()``.

    - Socket Mode (``socket_mode=True``): ``apps.connections.open`` answers the app-level
      ``app_tokens`` with a websocket URL, and ``socket`` (a
      :class:`~bot.emulator.socket_mode.SocketMode`) sends envelopes and fault-injects.

    - Several workspaces (``add_team``, ``team``): the app is installed in more through
      ``authorize_url`` and ``oauth.v2.access`` with ``client_id``/``client_secret``
      (:mod:`~bot.emulator.installs`); a call acts in the workspace its token is of.

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
    # The token's scopes (x-oauth-scopes); set it to take one away or add one.
    scopes: _OnWorkspace[frozenset[str]] = _OnWorkspace()

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
        app_tokens: str | Iterable[str] = DEFAULT_APP_TOKEN,
        socket_mode: bool = False,
        scopes: Iterable[str] = DEFAULT_SCOPES,
        client_id: str = DEFAULT_CLIENT_ID,
        client_secret: str = DEFAULT_CLIENT_SECRET,
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
            app_tokens=frozenset([app_tokens] if isinstance(app_tokens, str) else app_tokens),
            scopes=frozenset(scopes),
        )
        self._clock = clock
        self._address = (host, port)
        self._lock = self._workspace.lock  # guards the workspace state
        self._log = CallLog()
        self._faults = Faults()
        limits = RateLimits() if rate_limits is True else rate_limits or None
        limiter = RateLimiter(limits, clock) if limits else None
        self._installs = Installs(client_id, client_secret, {team_id: self._workspace})
        self._workspace.installs = self._installs
        self._endpoints = Endpoints(
            self._workspace, self._log, self._faults, limiter, self._installs
        )
        self._server: Server | None = None
        self._thread: threading.Thread | None = None
        self._socket = SocketMode(self._workspace, host) if socket_mode else None

    # --- lifecycle -------------------------------------------------------------------

    def start(self) -> Self:
        if self._server is not None:
            return self
        self._server = Server(self._address, self._endpoints)
        for ws in self._installs.workspaces.values():
            ws.base_url = self.base_url
        self._thread = threading.Thread(
            target=self._server.serve, name="slack-emulator", daemon=True
        )
        self._thread.start()
        if self._socket is not None:
            self._workspace.socket_url = self._socket.start()
        return self

    def stop(self) -> None:
        server, thread = self._server, self._thread
        self._server = self._thread = None
        if self._socket is not None and self._workspace.socket_url:
            self._workspace.socket_url = ""
            self._socket.stop()
        if server is not None:
            server.stop()
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
        return self._server.base_url

    @property
    def socket(self) -> SocketMode:
        """The Socket Mode side (envelopes, acks, disconnects); needs ``socket_mode=True``."""
        if self._socket is None:
            raise RuntimeError("this SlackEmulator was made without socket_mode=True")
        return self._socket

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

    def add_to_channel(self, channel_id: str, user_id: str) -> None:
        """``user_id`` joins (or is invited to) a declared channel: ``/invite @bot`` is
        ``add_to_channel(channel, bot_user_id)``."""
        with self._lock:
            channel = self._workspace.channels[channel_id]
            if user_id not in channel.members:
                channel.members = (*channel.members, user_id)

    def channel_members(self, channel_id: str) -> tuple[str, ...]:
        with self._lock:
            return self._workspace.channels[channel_id].members

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

    def add_file(
        self, user_id: str, filename: str, content: bytes | str, *, share_in_dm: bool = False
    ) -> JsonDict:
        """A file ``user_id`` uploaded (from a modal's file input, or, with ``share_in_dm``,
        dropped into their DM with the app); returns it as Slack describes it in events
        and payloads, url_private included (served to the app's token)."""
        data = content.encode() if isinstance(content, str) else content
        ws = self._workspace
        with self._lock:
            upload = UploadedFile(
                id=ws.new_id("F"),
                filename=filename,
                length=len(data),
                title=filename,
                content=data,
                completed=True,
                created=int(self._clock()),
                user=user_id,
            )
            ws.files[upload.id] = upload
            if share_in_dm:  # the message carrying it is the person's: the event tells the app
                upload.channels = [ws.open_dm(user_id).id]
            return file_json(ws, upload)

    def files(self) -> list[UploadedFile]:
        with self._lock:
            return list(self._workspace.files.values())

    def file(self, file_id: str) -> UploadedFile | None:
        with self._lock:
            return self._workspace.files.get(file_id)

    def files_for(self, user_id: str) -> list[UploadedFile]:
        """Files shared where ``user_id`` can see them (their DM with the app, group DMs
        and channels they are in), oldest first; ``content`` holds the bytes uploaded."""
        ws = self._workspace
        with self._lock:
            return [
                upload
                for upload in ws.files.values()
                if upload.completed
                and any(
                    user_id in channel.members
                    for channel in (ws.channels.get(c) for c in upload.channels)
                    if channel is not None
                )
            ]

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
        return self._endpoints.ack(
            payload_type, user_id, body, channel_id, view_id, self._workspace
        )

    # --- several workspaces, and installing the app through OAuth -----------------------

    @property
    def authorize_url(self) -> str:
        """Slack's install page (``oauth/v2/authorize``), beside ``api_url``."""
        return f"{self.base_url}/oauth/v2/authorize"

    @property
    def redirect_urls(self) -> list[str]:
        """The app config's "Redirect URLs": where the install page may send people back."""
        return self._installs.redirect_urls

    @redirect_urls.setter
    def redirect_urls(self, urls: list[str]) -> None:
        self._installs.redirect_urls = list(urls)

    def add_team(
        self,
        team_id: str,
        team_name: str,
        *,
        bot_id: str,
        bot_user_id: str,
        team_domain: str | None = None,
    ) -> SlackEmulator:
        """Another workspace the app can be installed in (through ``authorize_url`` and
        ``oauth.v2.access``); returns the emulator as seen from it (see ``team``)."""
        first = self._workspace
        # The same app and Slack-wide rules, in a workspace of its own with no token yet.
        ws = dataclasses.replace(
            first,
            tokens=frozenset(),
            team_id=team_id,
            team_name=team_name,
            team_domain=team_domain or team_name.lower().replace(" ", "-"),
            bot_id=bot_id,
            bot_user_id=bot_user_id,
            seed=0,
            scopes=frozenset(),
            app_tokens=frozenset(),
            socket_url="",
        )
        ws.ids = first.ids  # view, file and hook ids stay unique across workspaces
        self._installs.workspaces[team_id] = ws
        return self.team(team_id)

    def team(self, team_id: str) -> SlackEmulator:
        """This emulator as seen from one of its workspaces: seeding, what people see and
        the driver's hooks act there; calls and faults are the emulator's, shared."""
        view = copy.copy(self)
        view._workspace = self._installs.workspaces[team_id]
        view._lock = view._workspace.lock
        return view

    def uninstall(self, team_id: str) -> None:
        """The workspace removes the app: its bot token stops working (Slack then sends
        the app ``app_uninstalled``, which the test does through the driver)."""
        ws = self._installs.workspaces[team_id]
        with ws.lock:
            ws.tokens = frozenset()
