"""oauth.v2.access: a code from the install page, exchanged for the workspace's bot token."""

from __future__ import annotations

import secrets

from bot.emulator.calls import JsonDict, Request, SlackError
from bot.emulator.workspace import Workspace


def oauth_v2_access(ws: Workspace, req: Request) -> JsonDict:
    """As Slack checks it: the app's id and secret (form fields or HTTP Basic), a code
    not used before nor older than ten minutes, and the redirect_uri it was issued for
    (when the install page was given one)."""
    installs = ws.installs
    if installs is None:
        raise SlackError("invalid_client_id")
    args = req.args
    if args.get("client_id") != installs.client_id:
        raise SlackError("invalid_client_id")
    if not secrets.compare_digest(str(args.get("client_secret", "")), installs.client_secret):
        raise SlackError("bad_client_secret")
    grant = installs.redeem(str(args.get("code", "")), ws.clock())
    if grant is None:
        raise SlackError("invalid_code")
    if grant.redirect_uri is not None and args.get("redirect_uri") != grant.redirect_uri:
        raise SlackError("bad_redirect_uri")
    team = installs.workspaces[grant.team_id]
    token = f"xoxb-{team.team_id}-{secrets.token_hex(12)}"
    with team.lock:
        # A new install replaces the workspace's bot token, as Slack's does.
        team.tokens = frozenset({token})
        team.scopes = grant.scopes
    return {
        "ok": True,
        "access_token": token,
        "token_type": "bot",
        "scope": ",".join(sorted(grant.scopes)),
        "bot_user_id": team.bot_user_id,
        "app_id": team.app_id,
        "team": {"id": team.team_id, "name": team.team_name},
        "enterprise": None,
        "is_enterprise_install": False,
        "authed_user": {"id": grant.user_id},
    }
