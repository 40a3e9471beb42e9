"""The App Home tab: publish it when opened (its buttons belong to their flows)."""

from __future__ import annotations

from typing import Any

from slack_bolt import BoltContext

from bot.home import queue_home_publish
from handlers.context import deps_of
from handlers.errors import guarded


@guarded
def on_home_opened(body: dict[str, Any], event: dict[str, Any], context: BoltContext) -> None:
    if event.get("tab", "home") != "home":
        return  # the Messages tab needs nothing from us
    deps = deps_of(context)
    with deps.uow() as uow:
        queue_home_publish(
            uow.session,
            deps.settings,
            team_id=body.get("team_id", ""),
            user_id=event["user"],
            cause=body.get("event_id") or f"opened:{deps.clock().isoformat()}",
            now=deps.clock(),
        )
