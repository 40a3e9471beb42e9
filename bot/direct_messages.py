"""What a person typed in the app's Messages tab gets: a pointer to `/mentor help`."""

from __future__ import annotations

from datetime import datetime

from sqlalchemy.orm import Session

from bot import keys, outbox
from bot.commands import COMMAND
from bot.keys import Kind

HELP_POINTER = (
    ":wave: Hi! I don't read messages here, but I'm glad to help: "
    f"type `{COMMAND} help` to see what you can do with mentorbot."
)


def answer_direct_message(
    session: Session, *, team_id: str, user_id: str, message_ts: str, now: datetime
) -> bool:
    """Queue the pointer to help; False when this message was already answered.

    The key is the message's own ts, so Slack's redelivery of the event answers once.
    """
    return outbox.enqueue(
        session,
        team_id=team_id,
        key=keys.once(Kind.DM_HELP, team_id, user_id, message_ts),
        method="chat.postMessage",
        payload={"channel": user_id, "text": HELP_POINTER},
        not_before=now,
    )
