"""conversations.*: opening DMs and group DMs, describing a conversation, joining a channel.

Membership as Slack has it: a DM the bot opened and a group DM it is in are the bot's;
a channel declared with ``SlackEmulator.add_channel(members=...)`` has the bot in it only
when its members list the bot user (``conversations.join`` adds it to a public one). A
private channel the bot is not in does not exist for the bot: Slack answers
``channel_not_found``, never "private". A channel nobody declared (not ``strict``) has
no known members and is open to the bot, as chat.* has always treated it.
"""

from __future__ import annotations

from bot.emulator.calls import JsonDict, Request, SlackError, flag, invalid_arguments
from bot.emulator.workspace import SLACK_ID, Channel, Workspace

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


def conversations_info(ws: Workspace, req: Request) -> JsonDict:
    """A conversation as the bot may see it: a private channel it is not in is not found."""
    channel = _conversation(ws, req)
    if _hidden_from_bot(ws, channel):
        raise SlackError("channel_not_found")
    data = channel.to_slack()
    data["is_member"] = ws.bot_in(channel)
    if flag(req.args.get("include_num_members")) and not channel.is_im:
        data["num_members"] = len(channel.members)
    return {"ok": True, "channel": data}


def conversations_join(ws: Workspace, req: Request) -> JsonDict:
    """The bot joins a public channel; DMs, group DMs and private channels cannot be joined."""
    channel = _conversation(ws, req)
    if _hidden_from_bot(ws, channel):
        raise SlackError("channel_not_found")
    if channel.is_im or channel.is_mpim or channel.is_private:
        raise SlackError("method_not_supported_for_channel_type")
    data: JsonDict = {"ok": True}
    if ws.bot_in(channel):
        data["warning"] = "already_in_channel"
        data["response_metadata"] = {"warnings": ["already_in_channel"]}
    else:
        channel.members = (*channel.members, ws.bot_user_id)
    described = channel.to_slack()
    described["is_member"] = True
    data["channel"] = described
    return data


def _hidden_from_bot(ws: Workspace, channel: Channel) -> bool:
    private_channel = channel.is_private and not (channel.is_im or channel.is_mpim)
    return private_channel and not ws.bot_in(channel)


def _conversation(ws: Workspace, req: Request) -> Channel:
    channel = req.args.get("channel")
    if not channel:
        raise invalid_arguments("missing required field: channel")
    if not isinstance(channel, str) or not SLACK_ID.match(channel) or channel[0] in "UW":
        raise SlackError("channel_not_found")  # an id, never a name or a user
    return ws.resolve_channel(channel)
