"""The app's side of Slack's OAuth: its credentials, the workspaces it can be installed
in, and the one-use codes the install page hands out.

``/oauth/v2/authorize`` plays the person who is signed in to a workspace (the
``emulator_session`` cookie, ``TEAM:USER``, as a browser's Slack session) clicking
"Allow": it sends them back to the app's ``redirect_uri`` with a code and the app's
``state``. The ``redirect_uri`` asked for must be one of the app's configured
``redirect_urls`` (or under one); without one, the first is used.
``oauth.v2.access`` (:mod:`bot.emulator.methods.oauth`) then exchanges the code, once
and within ten minutes, for a bot token of that workspace, which the emulator accepts
from then on: calls made with it act in that workspace.
"""

from __future__ import annotations

import secrets
import threading
from dataclasses import dataclass, field
from urllib.parse import parse_qs, urlencode, urlsplit

from bot.emulator.calls import Reply
from bot.emulator.workspace import Workspace

DEFAULT_CLIENT_ID = "1000000000.2000000000"  # the app's, as Slack shows it (digits.digits)
DEFAULT_CLIENT_SECRET = "emulator-client-secret"  # plainly not a real one
SESSION_COOKIE = "emulator_session"
CODE_TTL_S = 600.0  # Slack's codes live ten minutes


@dataclass
class Grant:
    """What an installer allowed: exchanged once for a token."""

    team_id: str
    user_id: str
    redirect_uri: str | None
    scopes: frozenset[str]
    issued: float
    used: bool = False


@dataclass(eq=False)
class Installs:
    """The app's credentials and every workspace of the emulator, by team id."""

    client_id: str
    client_secret: str
    workspaces: dict[str, Workspace] = field(default_factory=dict)
    # The app config's "Redirect URLs" (OAuth & Permissions).
    redirect_urls: list[str] = field(default_factory=list)
    codes: dict[str, Grant] = field(default_factory=dict)
    lock: threading.Lock = field(default_factory=threading.Lock)

    def owner_of(self, token: str | None) -> Workspace | None:
        """The workspace a bot or app-level token belongs to, if any."""
        if not token:
            return None
        for ws in list(self.workspaces.values()):
            if token in ws.tokens or token in ws.app_tokens:
                return ws
        return None

    def authorize(self, query: str, cookie: str) -> Reply:
        """``GET /oauth/v2/authorize``: the signed-in person clicks "Allow"."""
        args = {k: v[-1] for k, v in parse_qs(query).items()}
        if args.get("client_id") != self.client_id:
            return Reply(400, "invalid_client_id: no app has that client id")
        session = _cookie(cookie, SESSION_COOKIE)
        team_id, _, user_id = (session or "").partition(":")
        ws = self.workspaces.get(team_id)
        if ws is None or not user_id:
            return Reply(401, "not signed in to a workspace of this emulator")
        asked = args.get("redirect_uri")
        if asked is not None and not any(asked.startswith(url) for url in self.redirect_urls):
            return Reply(400, "bad_redirect_uri: not among the app's redirect URLs")
        if asked is None and not self.redirect_urls:
            return Reply(400, "bad_redirect_uri: the app has no redirect URL configured")
        redirect_uri = asked or self.redirect_urls[0]
        code = f"{team_id}.{secrets.token_hex(12)}"
        scopes = frozenset(s for s in args.get("scope", "").split(",") if s)
        with self.lock:
            self.codes[code] = Grant(team_id, user_id, asked, scopes, ws.clock())
        back = {"code": code, **({"state": args["state"]} if "state" in args else {})}
        joiner = "&" if urlsplit(redirect_uri).query else "?"
        return Reply(302, "", headers={"Location": f"{redirect_uri}{joiner}{urlencode(back)}"})

    def redeem(self, code: str, now: float) -> Grant | None:
        """The grant behind a code not used nor expired (and now used), else None."""
        with self.lock:
            grant = self.codes.get(code)
            if grant is None or grant.used or now - grant.issued > CODE_TTL_S:
                return None
            grant.used = True
            return grant


def _cookie(header: str, name: str) -> str | None:
    for part in header.split(";"):
        key, _, value = part.strip().partition("=")
        if key == name:
            return value
    return None
