"""chat.*: posting, editing and deleting messages, and how Slack checks and shows one.

The message helpers also serve what is not a Web API call: replies posted to a
response URL and messages in a slash command's ack (see :func:`post_reply`).
"""

from __future__ import annotations

import copy
from typing import Any

from bot.emulator.blockkit import MAX_MESSAGE_TEXT, validate_blocks
from bot.emulator.calls import JsonDict, Request, SlackError, flag
from bot.emulator.workspace import Message, Workspace

# --- Web API methods -------------------------------------------------------------------


def chat_post_message(ws: Workspace, req: Request) -> JsonDict:
    channel = ws.resolve_channel(req.args.get("channel"))
    if not ws.bot_in(channel):
        # Slack's answers without chat:write.public: a public channel says the bot is not
        # in it; a private one does not exist for the bot at all.
        raise SlackError("channel_not_found" if channel.is_private else "not_in_channel")
    text, blocks = content(ws, req)
    attachments = req.args.get("attachments")
    if attachments is not None and not isinstance(attachments, list):
        raise SlackError("invalid_attachments")
    message = Message(
        channel=channel.id,
        ts=ws.next_ts(),
        text=text,
        blocks=blocks,
        thread_ts=req.args.get("thread_ts") or None,
        attachments=attachments,
        metadata=req.args.get("metadata"),
    )
    ws.messages[(channel.id, message.ts)] = message
    return {
        "ok": True,
        "channel": channel.id,
        "ts": message.ts,
        "message": message_json(ws, message),
    }


def chat_post_ephemeral(ws: Workspace, req: Request) -> JsonDict:
    channel = ws.resolve_channel(req.args.get("channel"))
    user_id = req.args.get("user")
    if not user_id:
        raise SlackError("user_not_found")
    if ws.strict and user_id not in ws.users:
        raise SlackError("user_not_found")
    text, blocks = content(ws, req)
    message = Message(
        channel=channel.id,
        ts=ws.next_ts(),
        text=text,
        blocks=blocks,
        thread_ts=req.args.get("thread_ts") or None,
        ephemeral_to=str(user_id),
    )
    ws.messages[(channel.id, message.ts)] = message
    return {"ok": True, "message_ts": message.ts}


def chat_update(ws: Workspace, req: Request) -> JsonDict:
    message = find_message(ws, req)
    text, blocks = content(ws, req)
    if "text" in req.args:
        message.text = text
    if "blocks" in req.args:
        message.blocks = blocks
    if "attachments" in req.args:
        message.attachments = req.args["attachments"]
    message.edited_ts = ws.next_ts()
    return {
        "ok": True,
        "channel": message.channel,
        "ts": message.ts,
        "text": message.text,
        "message": message_json(ws, message),
    }


def chat_delete(ws: Workspace, req: Request) -> JsonDict:
    message = find_message(ws, req)
    message.deleted = True
    return {"ok": True, "channel": message.channel, "ts": message.ts}


def chat_get_permalink(ws: Workspace, req: Request) -> JsonDict:
    message = find_message(ws, req, "message_ts")
    path = message.ts.replace(".", "")
    return {
        "ok": True,
        "channel": message.channel,
        "permalink": f"https://{ws.team_domain}.slack.com/archives/{message.channel}/p{path}",
    }


# --- messages ----------------------------------------------------------------------------


def content(ws: Workspace, req: Request, *, require: bool = True) -> tuple[str, list[Any] | None]:
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
    return text, ws.with_ids(blocks) if blocks else None


def message_json(ws: Workspace, m: Message) -> JsonDict:
    """A message as Slack's API returns it."""
    data: JsonDict = {
        "type": "message",
        "channel": m.channel,
        "ts": m.ts,
        "text": m.text,
        "user": ws.bot_user_id,
        "bot_id": ws.bot_id,
        "app_id": ws.app_id,
        "team": ws.team_id,
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
        data["edited"] = {"user": ws.bot_user_id, "ts": m.edited_ts}
    if m.ephemeral_to:
        data["is_ephemeral"] = True
        data["visible_to"] = m.ephemeral_to
    if m.deleted:
        data["deleted"] = True
    return data


def sorted_messages(ws: Workspace) -> list[Message]:
    return sorted(ws.messages.values(), key=lambda m: float(m.ts))


def find_message(ws: Workspace, req: Request, ts_key: str = "ts") -> Message:
    channel = ws.resolve_channel(req.args.get("channel"))
    ts = req.args.get(ts_key)
    if not ts:
        raise SlackError("message_not_found")
    found = ws.messages.get((channel.id, str(ts)))
    if found is None or found.deleted or found.ephemeral_to:
        raise SlackError("message_not_found")
    return found


def post_reply(
    ws: Workspace,
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
    original = ws.messages.get((channel_id, message_ts)) if message_ts else None
    if flag(body.get("delete_original")):
        if original is not None:
            original.deleted = True
        return
    req = Request(via, body, None)
    text, blocks = content(ws, req)
    if flag(body.get("replace_original")) and original is not None:
        original.text, original.blocks = text, blocks
        original.edited_ts = ws.next_ts()
        return
    in_channel = body.get("response_type") == "in_channel"
    channel = ws.resolve_channel(channel_id)
    message = Message(
        channel=channel.id,
        ts=ws.next_ts(),
        text=text,
        blocks=blocks,
        thread_ts=body.get("thread_ts"),
        ephemeral_to=None if in_channel else user_id,
        via=via,
    )
    ws.messages[(message.channel, message.ts)] = message
