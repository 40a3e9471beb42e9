"""The Bolt App factory."""

from __future__ import annotations

import contextvars
import logging
import threading
from collections.abc import Callable
from concurrent.futures import Future, ThreadPoolExecutor
from typing import Any

from slack_bolt import App, BoltRequest, BoltResponse
from slack_bolt.logger.messages import warning_client_prioritized_and_token_skipped
from slack_bolt.oauth.oauth_settings import OAuthSettings
from slack_sdk import WebClient

from bot.config import Settings
from bot.deps import Deps
from bot.installs import Stores
from bot.slack import make_interactive_client

# Bolt's default pool has 5 threads; a few slow listeners would then delay every ack.
LISTENER_THREADS = 32


class ListenerPool(ThreadPoolExecutor):
    """Bolt's listener threads, counting work in flight so shutdown (and tests) can drain it."""

    def __init__(self, max_workers: int) -> None:
        super().__init__(max_workers=max_workers, thread_name_prefix="listener")
        self._in_flight = 0
        self._idle = threading.Condition()

    def submit(self, fn: Callable[..., Any], /, *args: Any, **kwargs: Any) -> Future[Any]:
        with self._idle:
            self._in_flight += 1
        # The listener runs in the request's logging context (its request id, team, user).
        context = contextvars.copy_context()
        future = super().submit(context.run, fn, *args, **kwargs)
        future.add_done_callback(self._done)
        return future

    def _done(self, _: Future[Any]) -> None:
        with self._idle:
            self._in_flight -= 1
            self._idle.notify_all()

    def wait_idle(self, timeout: float = 10.0) -> bool:
        """Block until no listener runs; False if `timeout` passed first."""
        with self._idle:
            return self._idle.wait_for(lambda: self._in_flight == 0, timeout)


class ObservedApp(App):
    """Bolt's App, with one log line and a latency figure per request (handlers.observe)."""

    def dispatch(self, req: BoltRequest) -> BoltResponse:
        from handlers.observe import observed_dispatch

        return observed_dispatch(super().dispatch, req)


def build_app(deps: Deps, client: WebClient | None = None, stores: Stores | None = None) -> App:
    """One Bolt App with every listener registered.

    One workspace: `auth.test` runs once here (Bolt verifies the token), so a wrong
    token stops start-up with a clear error instead of failing on the first request.
    Several (`stores`, from bot.installs): Bolt's OAuth flow installs the app and finds
    each request's token in the installation store.
    """
    import handlers  # the Slack layer sits on top of bot/, so it is loaded late

    settings = deps.settings
    secret = settings.slack_signing_secret
    logger = logging.getLogger("mentorbot.bolt")
    quiet = _WithoutTokenNote()
    logger.addFilter(quiet)
    try:
        app = ObservedApp(
            # Named (Bolt would read the whole call stack to name it after a file); the
            # name is its listeners' logger's, kept under ours so logs.py filters it too.
            name="mentorbot.bolt.app",
            client=client or make_interactive_client(settings),
            signing_secret=secret.get_secret_value() if secret else "",
            # Socket Mode requests come over an authenticated websocket, unsigned.
            request_verification_enabled=not settings.socket_mode,
            listener_executor=ListenerPool(LISTENER_THREADS),
            logger=logger,
            oauth_settings=oauth_settings(settings, stores) if stores else None,
        )
    finally:
        logger.removeFilter(quiet)
    handlers.register(app, deps)
    return app


# Where Slack's install page is, beside its Web API (so the emulator's is found too).
AUTHORIZE_PATH = "oauth/v2/authorize"


def oauth_settings(settings: Settings, stores: Stores) -> OAuthSettings:
    """Bolt's OAuth flow at /slack/install and /slack/oauth_redirect, asking for the
    scopes manifest.yml asks for, with slack_sdk's stores in the bot's database."""
    from bot.doctor import DEFAULT_MANIFEST, manifest_scopes

    secret = settings.slack_client_secret
    assert secret is not None  # settings.oauth says so
    api = settings.slack_api_url
    return OAuthSettings(
        client_id=settings.slack_client_id,
        client_secret=secret.get_secret_value(),
        scopes=sorted(manifest_scopes(DEFAULT_MANIFEST)),
        installation_store=stores.installations,
        state_store=stores.states,
        # https://slack.com/api/ -> https://slack.com/oauth/v2/authorize
        authorization_url=api.removesuffix("api/") + AUTHORIZE_PATH,
    )


class _WithoutTokenNote(logging.Filter):
    """Drops Bolt's "As you gave `client` as well, `token` will be unused".

    Bolt reads SLACK_BOT_TOKEN from the environment by itself, with no way to say
    "not from there", and warns when a client is given too; ours carries that same
    token (with our timeouts and retries), so the line only worries operators.
    """

    def filter(self, record: logging.LogRecord) -> bool:
        return record.getMessage() != warning_client_prioritized_and_token_skipped()
