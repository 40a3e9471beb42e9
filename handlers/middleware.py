"""Global middleware: Slack's retries of an event must not repeat its side effects."""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

from slack_bolt import BoltContext, BoltResponse

from bot import events
from handlers.context import deps_of


def act_once_per_event(body: dict[str, Any], context: BoltContext, next: Callable[[], Any]) -> Any:
    event_id = body.get("event_id") if body.get("type") == "event_callback" else None
    if event_id:
        deps = deps_of(context)
        with deps.uow() as uow:
            first = events.first_delivery(
                uow.session, team_id=body.get("team_id", ""), event_id=event_id, now=deps.clock()
            )
        if not first:
            return BoltResponse(status=200, body="")
    return next()
