"""users.*: the workspace's directory, as seeded with ``SlackEmulator.add_user``."""

from __future__ import annotations

import re

from bot.emulator.calls import JsonDict, Request, SlackError, flag, invalid_arguments
from bot.emulator.workspace import Workspace

# What Slack takes for an email address: something@domain.tld, no spaces.
EMAIL = re.compile(r"^[^@\s]+@[^@\s]+\.[^@\s]+$")


def users_info(ws: Workspace, req: Request) -> JsonDict:
    user = ws.users.get(str(req.args.get("user") or ""))
    if user is None:
        raise SlackError("user_not_found")
    data = user.to_slack(ws.team_id, ws.clock())
    if flag(req.args.get("include_locale")):
        data["locale"] = "en-US"
    return {"ok": True, "user": data}


def users_lookup_by_email(ws: Workspace, req: Request) -> JsonDict:
    """Tier 3. Slack's answers: ``invalid_email`` for what is not an address,
    ``users_not_found`` for an address nobody in the workspace has (case does not matter)."""
    raw = req.args.get("email")
    if raw in (None, ""):
        raise invalid_arguments("missing required field: email")
    email = str(raw).strip().lower()
    if not EMAIL.match(email):
        raise SlackError("invalid_email")
    for user in ws.users.values():
        if user.email and user.email.lower() == email:
            return {"ok": True, "user": user.to_slack(ws.team_id, ws.clock())}
    raise SlackError("users_not_found")


def users_list(ws: Workspace, req: Request) -> JsonDict:
    now = ws.clock()
    members = [u.to_slack(ws.team_id, now) for u in ws.users.values()]
    return {"ok": True, "members": members, "response_metadata": {"next_cursor": ""}}
