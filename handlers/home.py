"""The App Home tab: publish it when opened; its buttons."""

from __future__ import annotations

import logging
from typing import Any

from slack_bolt import Ack, App
from slack_sdk import WebClient
from slack_sdk.errors import SlackApiError

from bot.deps import Deps
from bot.home import queue_home_publish
from bot.views.home import HomeIds, join_placeholder_modal
from handlers.errors import guarded

log = logging.getLogger(__name__)


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

    @app.action(HomeIds.JOIN)
    @guarded
    def on_join(ack: Ack, body: dict[str, Any], client: WebClient) -> None:
        ack()
        try:
            client.views_open(trigger_id=body["trigger_id"], view=join_placeholder_modal())
        except SlackApiError as exc:
            log.warning("could not open the join modal: %s", exc.response.get("error"))

    @app.view(HomeIds.PLACEHOLDER_MODAL)
    @guarded
    def on_placeholder_closed(ack: Ack) -> None:
        ack()
