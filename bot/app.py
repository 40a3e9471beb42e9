"""The Bolt App factory."""

from __future__ import annotations

import logging
from concurrent.futures import ThreadPoolExecutor

from slack_bolt import App
from slack_sdk import WebClient

from bot.deps import Deps
from bot.slack import make_interactive_client

# Bolt's default pool has 5 threads; a few slow listeners would then delay every ack.
LISTENER_THREADS = 32


def build_app(deps: Deps, client: WebClient | None = None) -> App:
    """One Bolt App with every listener registered.

    `auth.test` runs once here (Bolt verifies the token), so a wrong token stops
    start-up with a clear error instead of failing on the first request.
    """
    import handlers  # the Slack layer sits on top of bot/, so it is loaded late

    settings = deps.settings
    secret = settings.slack_signing_secret
    app = App(
        client=client or make_interactive_client(settings),
        signing_secret=secret.get_secret_value() if secret else "",
        # Socket Mode requests come over an authenticated websocket, unsigned.
        request_verification_enabled=not settings.socket_mode,
        listener_executor=ThreadPoolExecutor(
            max_workers=LISTENER_THREADS, thread_name_prefix="listener"
        ),
        logger=logging.getLogger("mentorbot.bolt"),
    )
    handlers.register(app, deps)
    return app
