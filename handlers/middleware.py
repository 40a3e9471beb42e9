"""Global middleware: Slack's retries of an event must not repeat its side effects."""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

from slack_bolt import App, BoltResponse

from bot import events
from bot.deps import Deps


def register(app: App, deps: Deps) -> None:
    @app.middleware
    def act_once_per_event(body: dict[str, Any], next: Callable[[], Any]) -> Any:
        event_id = body.get("event_id") if body.get("type") == "event_callback" else None
        if event_id:
            with deps.sessions() as session:
                first = events.first_delivery(
                    session, team_id=body.get("team_id", ""), event_id=event_id, now=deps.clock()
                )
                session.commit()
            if not first:
                return BoltResponse(status=200, body="")
        return next()
