"""conversations.open: a DM with one person, or a group DM with several."""

from __future__ import annotations

from bot.emulator.calls import JsonDict, Request, SlackError, flag
from bot.emulator.workspace import SLACK_ID, Workspace

MAX_MPIM_USERS = 8


def conversations_open(ws: Workspace, req: Request) -> JsonDict:
    users = req.args.get("users")
    if req.args.get("channel"):
        channel = ws.resolve_channel(req.args["channel"])
        return {"ok": True, "channel": channel.to_slack()}
    if isinstance(users, str):
        users = [u.strip() for u in users.split(",") if u.strip()]
    if not users:
        raise SlackError("users_list_not_supplied")
    if len(users) > MAX_MPIM_USERS:
        raise SlackError("too_many_users")
    for user_id in users:
        if not SLACK_ID.match(str(user_id)) or (ws.strict and user_id not in ws.users):
            raise SlackError("user_not_found")
    if len(users) == 1:
        existed = any(c.is_im and c.user == users[0] for c in ws.channels.values())
        channel = ws.open_dm(users[0])
        data: JsonDict = {"ok": True}
        if existed:
            data.update(no_op=True, already_open=True)
        full = flag(req.args.get("return_im"))
        data["channel"] = channel.to_slack() if full else {"id": channel.id}
        return data
    return {"ok": True, "channel": ws.open_mpim(list(users)).to_slack()}
