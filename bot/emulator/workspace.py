"""The state of the one Slack workspace the emulator serves, with the app installed in it.

Who is in it (users, channels, DMs), what was posted (messages, files), what each person
has open (modal stacks, Home tabs), and the short-lived handles Slack gives an app
(trigger ids, response URLs). The Web API methods (:mod:`bot.emulator.methods`) read and
change it under ``lock``; the emulator's inspection API reads it the same way.
"""

from __future__ import annotations

import copy
import hashlib
import itertools
import random
import re
import string
import threading
from collections.abc import Iterator
from dataclasses import InitVar, dataclass, field
from datetime import UTC, datetime
from typing import TYPE_CHECKING, Any
from zoneinfo import ZoneInfo

from bot.emulator.blockkit import iter_elements
from bot.emulator.calls import Clock, JsonDict, SlackError, invalid_arguments

if TYPE_CHECKING:
    from bot.emulator.installs import Installs

DEFAULT_TOKEN = "xoxb-test-token"
# The bot scopes of an app created from manifest.yml (tests/unit/test_doctor.py keeps the
# two equal); Slack names a token's scopes in the x-oauth-scopes header of each answer.
DEFAULT_SCOPES = frozenset(
    {
        "commands",
        "chat:write",
        "mpim:write",
        "im:write",
        "files:write",
        "users:read",
        "users:read.email",
        "files:read",
        "im:history",
        "channels:join",
        "channels:read",
        "groups:read",
    }
)
DEFAULT_APP_TOKEN = "xapp-emulator-app-level-token"  # Socket Mode; plainly not a real one
TRIGGER_ERRORS = frozenset({"invalid_trigger_id", "exchanged_trigger_id", "expired_trigger_id"})
SLACK_ID = re.compile(r"^[A-Z][A-Z0-9]+$")


# --------------------------------------------------------------------------------------
# What the workspace holds
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
    user: str | None = None  # who uploaded it (None: the app itself)


@dataclass
class Trigger:
    user_id: str | None
    issued: float
    used: bool = False


@dataclass
class ResponseURL:
    user_id: str
    channel_id: str
    message_ts: str | None
    created: float
    uses: int = 0


# --------------------------------------------------------------------------------------
# The workspace
# --------------------------------------------------------------------------------------


@dataclass(eq=False)
class Workspace:
    """One workspace and one app; every time-dependent rule reads ``clock``."""

    tokens: frozenset[str]
    team_id: str
    team_name: str
    team_domain: str
    app_id: str
    bot_id: str
    bot_user_id: str
    bot_name: str
    trigger_ttl: float
    response_url_ttl: float
    response_url_max_uses: int
    strict: bool  # unknown channels/users are errors rather than auto-created
    clock: Clock
    seed: InitVar[int]
    base_url: str = ""  # where the emulator listens, while it does
    scopes: frozenset[str] = DEFAULT_SCOPES  # what the app's token was granted
    app_tokens: frozenset[str] = frozenset()  # app-level tokens: apps.connections.open only
    socket_url: str = ""  # the Socket Mode websocket, while it listens
    # The app's OAuth side, shared by every workspace of the emulator (bot.emulator.installs).
    installs: Installs | None = None

    lock: threading.RLock = field(default_factory=threading.RLock, init=False)
    ids: Iterator[int] = field(default_factory=lambda: itertools.count(1), init=False)
    users: dict[str, SlackUser] = field(default_factory=dict, init=False)
    channels: dict[str, Channel] = field(default_factory=dict, init=False)
    messages: dict[tuple[str, str], Message] = field(default_factory=dict, init=False)
    files: dict[str, UploadedFile] = field(default_factory=dict, init=False)
    triggers: dict[str, Trigger] = field(default_factory=dict, init=False)
    response_urls: dict[str, ResponseURL] = field(default_factory=dict, init=False)
    stacks: dict[str, list[JsonDict]] = field(default_factory=dict, init=False)  # root first
    homes: dict[str, JsonDict] = field(default_factory=dict, init=False)
    external_ids: dict[str, str] = field(default_factory=dict, init=False)  # -> view id
    socket_tickets: dict[str, float] = field(default_factory=dict, init=False)  # -> issued at
    _last_micros: int = field(default=0, init=False)

    def __post_init__(self, seed: int) -> None:
        self.rng = random.Random(seed)

    # --- ids ---------------------------------------------------------------------------

    def new_id(self, prefix: str) -> str:
        """A view or file id (``V000000012``), unique in this workspace."""
        return f"{prefix}{next(self.ids):09d}"

    def next_ts(self) -> str:
        # Unique and increasing per emulator, like Slack's "seconds.micros" message ids;
        # integer microseconds so float rounding can never repeat one.
        micros = max(int(self.clock() * 1_000_000), self._last_micros + 1)
        self._last_micros = micros
        return f"{micros // 1_000_000}.{micros % 1_000_000:06d}"

    def random_id(self, length: int = 5) -> str:
        alphabet = string.ascii_letters + string.digits
        return "".join(self.rng.choice(alphabet) for _ in range(length))

    def with_ids(self, blocks: list[Any]) -> list[Any]:
        """Copy of blocks with block_id/action_id filled in where missing, as Slack does."""
        blocks = copy.deepcopy(blocks)
        for block in blocks:
            if isinstance(block, dict) and not block.get("block_id"):
                block["block_id"] = self.random_id()
        for _block, element in iter_elements(blocks):
            if not element.get("action_id"):
                element["action_id"] = self.random_id()
        return blocks

    # --- channels ----------------------------------------------------------------------

    def open_dm(self, user_id: str) -> Channel:
        digest = hashlib.sha1(f"{self.team_id}:{user_id}".encode()).hexdigest()[:10].upper()
        channel_id = f"D{digest}"
        if channel_id not in self.channels:
            self.channels[channel_id] = Channel(
                id=channel_id,
                name=user_id,
                is_im=True,
                members=(user_id,),
                user=user_id,
                created=int(self.clock()),
            )
        return self.channels[channel_id]

    def open_mpim(self, user_ids: list[str]) -> Channel:
        members = tuple(sorted({*user_ids, self.bot_user_id}))
        digest = hashlib.sha1(f"{self.team_id}:{','.join(members)}".encode()).hexdigest()
        channel_id = f"G{digest[:10].upper()}"
        if channel_id not in self.channels:
            name = "mpdm-" + "--".join(u.lower() for u in members) + "-1"
            self.channels[channel_id] = Channel(
                id=channel_id,
                name=name,
                is_mpim=True,
                is_private=True,
                members=members,
                created=int(self.clock()),
            )
        return self.channels[channel_id]

    def bot_in(self, channel: Channel) -> bool:
        """Whether the bot is in ``channel``: a DM it opened, a group DM or channel that
        lists it, or a channel declared with no members (its membership is not modelled)."""
        if channel.is_im:
            return True  # only a DM the bot opened exists here
        return not channel.members or self.bot_user_id in channel.members

    def resolve_channel(self, channel: Any) -> Channel:
        """Map a channel argument (id, #name, or user id for a DM) to a channel."""
        if not isinstance(channel, str) or not channel:
            raise SlackError("channel_not_found")
        if SLACK_ID.match(channel) and channel[0] in "UW":
            if self.strict and channel not in self.users:
                raise SlackError("channel_not_found")
            return self.open_dm(channel)
        if channel in self.channels:
            return self.channels[channel]
        name = channel.removeprefix("#")
        for known in self.channels.values():
            if known.name == name and not known.is_im:
                return known
        if not self.strict and SLACK_ID.match(channel) and channel[0] in "CG":
            # Any well-formed channel id exists unless strict: tests need not declare them.
            self.channels[channel] = Channel(id=channel, name=channel.lower())
            return self.channels[channel]
        raise SlackError("channel_not_found")

    # --- triggers and response URLs ----------------------------------------------------

    def new_trigger(self, user_id: str | None) -> str:
        now = self.clock()
        with self.lock:
            trigger_id = f"{int(now)}.{next(self.ids)}.{self.rng.getrandbits(128):032x}"
            self.triggers[trigger_id] = Trigger(user_id=user_id, issued=now)
        return trigger_id

    def check_trigger(self, trigger_id: Any) -> Trigger:
        if not trigger_id:
            raise invalid_arguments("missing required field: trigger_id")
        trigger = self.triggers.get(str(trigger_id))
        if trigger is None:
            raise SlackError("invalid_trigger_id")
        if trigger.used:
            raise SlackError("exchanged_trigger_id")
        if self.clock() - trigger.issued > self.trigger_ttl:
            raise SlackError("expired_trigger_id")
        return trigger

    def new_response_hook(self, user_id: str, channel_id: str, message_ts: str | None) -> str:
        """The id of a new response URL (served at ``/response/<id>``)."""
        with self.lock:
            hook_id = f"{next(self.ids)}-{self.rng.getrandbits(64):016x}"
            self.response_urls[hook_id] = ResponseURL(user_id, channel_id, message_ts, self.clock())
        return hook_id
