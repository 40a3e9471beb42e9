"""Messages people type in the app's DM (the Messages tab): answered with a pointer to help."""

from __future__ import annotations

from typing import Any

from slack_bolt import BoltContext

from bot.direct_messages import answer_direct_message
from handlers.context import deps_of
from handlers.errors import guarded


@guarded
def on_message(body: dict[str, Any], event: dict[str, Any], context: BoltContext) -> None:
    if not _from_a_person_in_a_dm(event, context.bot_user_id):
        return
    deps = deps_of(context)
    with deps.uow() as uow:
        answer_direct_message(
            uow.session,
            team_id=body.get("team_id") or event.get("team") or "",
            user_id=event["user"],
            message_ts=str(event.get("ts") or body.get("event_id") or ""),
            now=deps.clock(),
        )


def _from_a_person_in_a_dm(event: dict[str, Any], bot_user_id: str | None) -> bool:
    """A plain message a person wrote in their DM with the app; never the bot's own words.

    Edits, deletions and joins come as subtypes, other bots' posts carry a bot_id: none
    is someone asking for something, and answering a bot could start a loop.
    """
    user = event.get("user")
    return (
        event.get("channel_type") == "im"
        and not event.get("subtype")
        and not event.get("bot_id")
        and isinstance(user, str)
        and bool(user)
        and user != bot_user_id
    )
