"""Messages from the bot to people, through the outbox: plain DMs and Block Kit ones."""

from __future__ import annotations

import base64
from collections.abc import Sequence
from datetime import datetime
from zoneinfo import ZoneInfo

from slack_sdk.models.blocks import Block
from sqlalchemy.orm import Session

from bot import audit, keys, outbox
from bot.keys import Kind


def notify(
    session: Session, *, team_id: str, user_id: str, text: str, key: str, now: datetime
) -> bool:
    """Queue `text` as a DM to `user_id` under `key` (see bot.keys); True when queued."""
    return outbox.enqueue(
        session,
        team_id=team_id,
        key=key,
        method="chat.postMessage",
        payload={"channel": user_id, "text": text},
        not_before=now,
    )


def refuse(
    session: Session,
    *,
    team_id: str,
    user_id: str,
    action: str,
    subject_type: str,
    subject_id: int | str | None,
    why: str,
    answer: str,
    now: datetime,
) -> None:
    """Turn down `action` (e.g. "cohort.edit") for `user_id`: logged and audited, and
    `answer` sent by DM, since a click or a submission has no reply to carry a sentence."""
    audit.refused(
        session,
        team_id=team_id,
        actor=user_id,
        action=action,
        subject_type=subject_type,
        subject_id=subject_id,
        now=now,
        why=why,
    )
    notify(
        session,
        team_id=team_id,
        user_id=user_id,
        text=answer,
        key=keys.each(Kind.REFUSED, action, user_id, at=now),
        now=now,
    )


def queue_message(
    session: Session,
    team_id: str,
    key: str,
    method: str,
    where: dict[str, object],
    text: str,
    blocks: Sequence[Block],
    now: datetime,
) -> None:
    """Queue a Block Kit message: `where` says where (a channel, users, a channel and ts)."""
    payload = {**where, "text": text, "blocks": [block.to_dict() for block in blocks]}
    outbox.enqueue(
        session, team_id=team_id, key=key, method=method, payload=payload, not_before=now
    )


def dm(
    session: Session,
    team_id: str,
    user_id: str,
    key: str,
    text: str,
    blocks: Sequence[Block],
    now: datetime,
) -> None:
    """A Block Kit DM to one person."""
    where = {"channel": user_id}
    queue_message(session, team_id, key, "chat.postMessage", where, text, blocks, now)


def file_dm(
    session: Session,
    *,
    team_id: str,
    user_id: str,
    channel: str | None,
    key: str,
    filename: str,
    title: str,
    content: str | bytes,
    comment: str,
    now: datetime,
) -> bool:
    """Queue a file (and the words it comes with) for `user_id`'s DM with the bot; True
    when queued. Text is kept as it is; bytes (an image) travel base64-encoded in the
    JSON payload, under outbox.FILE_BYTES.

    `channel` is that DM's id when we know it (people.dm_channel_id): the sender then
    uploads straight into it, and only opens the conversation when it is not known.
    """
    payload = {"user": user_id, "filename": filename, "title": title, "comment": comment}
    if isinstance(content, bytes):
        payload[outbox.FILE_BYTES] = base64.b64encode(content).decode("ascii")
    else:
        payload["content"] = content
    if channel:
        payload["channel"] = channel
    return outbox.enqueue(
        session, team_id=team_id, key=key, method=outbox.FILE_DM, payload=payload, not_before=now
    )


def local_day(instant: datetime, tz: str | None) -> str:
    """ "Monday 3 March" on the person's own calendar."""
    local = instant.astimezone(ZoneInfo(tz or "UTC"))
    return f"{local:%A} {local.day} {local:%B}"
