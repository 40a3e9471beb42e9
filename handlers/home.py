"""The App Home tab: publish it when opened (its buttons belong to their flows)."""

from __future__ import annotations

from typing import Any

from slack_bolt import App

from bot.deps import Deps
from bot.home import queue_home_publish
from handlers.errors import guarded


def register(app: App, deps: Deps) -> None:
    @app.event("app_home_opened")
    @guarded
    def on_home_opened(body: dict[str, Any], event: dict[str, Any]) -> None:
        if event.get("tab", "home") != "home":
            return  # the Messages tab needs nothing from us
        with deps.sessions() as session:
            queue_home_publish(
                session,
                deps.settings,
                team_id=body.get("team_id", ""),
                user_id=event["user"],
                cause=body.get("event_id") or f"opened:{deps.clock().isoformat()}",
                now=deps.clock(),
            )
            session.commit()
        deps.wake()
