"""The integration rig: the real bot over HTTP, a Slack emulator, a real database.

Tests speak to the bot as Slack does (signed requests to /slack/events) and read
what the bot sent from the emulator, which it reaches over real HTTP.
"""

from __future__ import annotations

import contextlib
import threading
import time
from collections.abc import Callable, Iterator
from dataclasses import dataclass
from datetime import datetime
from typing import Any

import pytest
from slack_sdk.http_retry.builtin_interval_calculators import FixedValueRetryIntervalCalculator
from sqlalchemy import Engine, func, select
from starlette.types import ASGIApp, Receive, Scope, Send

from bot.app import ListenerPool, build_app
from bot.config import Settings, load_settings
from bot.db.models import OutboxMessage
from bot.deps import utcnow
from bot.emulator import SlackDriver, SlackEmulator
from bot.runtime import Runtime, build_runtime
from bot.server import build_asgi, serving_in_thread
from bot.slack import make_delivery_client
from scheduling.due import DueReport, run_due
from tests.engines import Engines

BOT_TOKEN = "xoxb-test-token"
SIGNING_SECRET = "test-signing-secret"
COORDINATOR = "U0COORD1"
TEAM = "T0001"


@dataclass
class Rig:
    emulator: SlackEmulator
    slack: SlackDriver
    runtime: Runtime
    base_url: str
    listeners: ListenerPool

    @property
    def settings(self) -> Settings:
        return self.runtime.deps.settings

    def settle(self) -> None:
        """Wait for listeners still at work after their ack (events, button clicks)."""
        assert self.listeners.wait_idle(10), "listeners still busy after 10 s"

    def run_due(self, now: datetime | None = None) -> DueReport:
        self.settle()
        return run_due(self.runtime, now or self.runtime.deps.clock())

    def count(self, model: Any) -> int:
        with self.runtime.deps.sessions() as session:
            return session.scalar(select(func.count()).select_from(model)) or 0

    def wait_queued(self, count: int, timeout: float = 5.0) -> list[OutboxMessage]:
        """Events are acknowledged before their listener runs; wait for its effect."""
        deadline = time.monotonic() + timeout
        while len(queued := self.outbox()) < count:
            if time.monotonic() > deadline:
                raise AssertionError(f"{len(queued)} message(s) queued, expected {count}")
            time.sleep(0.01)
        return queued

    def outbox(self) -> list[OutboxMessage]:
        with self.runtime.deps.sessions() as session:
            return list(session.scalars(select(OutboxMessage).order_by(OutboxMessage.id)))


def rig_settings(emulator: SlackEmulator, db_url: str, **overrides: Any) -> Settings:
    values: dict[str, Any] = {
        "slack_bot_token": BOT_TOKEN,
        "slack_signing_secret": SIGNING_SECRET,
        "slack_api_url": emulator.api_url,
        "database_url": db_url,
        "admins": COORDINATOR,
    }
    return load_settings(env_file=None, **(values | overrides))


class _Mount:
    """One HTTP server for the whole run, serving each test's own bot in turn.

    Starting uvicorn is quick but stopping it is not (it polls for the exit flag and
    then waits a fixed 0.1 s), about 0.2 s per test; so the server stays up and each
    test mounts its freshly built app. Unmounting waits for the requests still in
    flight, as stopping the server would.
    """

    def __init__(self) -> None:
        self._app: ASGIApp | None = None
        self._in_flight = 0
        self._idle = threading.Condition()

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        app = self._app
        assert app is not None, "a request reached the rig's server between tests"
        with self._idle:
            self._in_flight += 1
        try:
            await app(scope, receive, send)
        finally:
            with self._idle:
                self._in_flight -= 1
                self._idle.notify_all()

    def mount(self, app: ASGIApp) -> None:
        self._app = app

    def unmount(self, timeout: float = 10.0) -> None:
        with self._idle:
            self._idle.wait_for(lambda: self._in_flight == 0, timeout)
        self._app = None


@pytest.fixture(scope="session")
def _http() -> Iterator[tuple[_Mount, str]]:
    mount = _Mount()
    with serving_in_thread(mount) as base_url:  # type: ignore[arg-type]
        yield mount, base_url


# The delivery client's own retries of a 5xx keep their count, not their real-time
# wait (0.5 s, then 1 s): the outbox's backoff under test is its own, in `not_before`.
FAST_RETRIES = FixedValueRetryIntervalCalculator(0.01)


def rig_runtime(
    settings: Settings, clock: Callable[[], datetime] = utcnow, engine: Engine | None = None
) -> Runtime:
    return build_runtime(
        settings,
        clock=clock,
        delivery_client=make_delivery_client(settings, retry_interval=FAST_RETRIES),
        engine=engine,
    )


@pytest.fixture
def rig_overrides() -> dict[str, Any]:
    """Settings the rig's bot runs with beyond `rig_settings`' own; a test module that
    needs others (a MENTORBOT_TIMEZONE, say) overrides this fixture."""
    return {}


@pytest.fixture
def rig_clock() -> Callable[[], datetime]:
    """The bot's clock in the rig (what handlers read as now); a module may pin it."""
    return utcnow


@pytest.fixture
def emulator() -> Iterator[SlackEmulator]:
    with SlackEmulator(tokens=[BOT_TOKEN]) as running:
        yield running


@dataclass
class Bot:
    """The bot as the rig runs it: its runtime, its Bolt app served over ASGI, and the
    pool its listeners run on (so a test can wait for them)."""

    runtime: Runtime
    asgi: ASGIApp
    listeners: ListenerPool

    def close(self) -> None:
        self.listeners.wait_idle(10)
        self.listeners.shutdown(wait=True)
        self.runtime.close()


def start_bot(
    emulator: SlackEmulator,
    db_url: str,
    overrides: dict[str, Any] | None = None,
    clock: Callable[[], datetime] = utcnow,
    engine: Engine | None = None,
) -> Bot:
    """`engine`: the process's own for `db_url` (`shared_engines`), else a new one."""
    runtime = rig_runtime(rig_settings(emulator, db_url, **(overrides or {})), clock, engine)
    app = build_app(runtime.deps)
    asgi = build_asgi(app, runtime.engine, signing_secret=SIGNING_SECRET)
    return Bot(runtime, asgi, app.listener_runner.listener_executor)


@contextlib.contextmanager
def mounted(bot: Bot, emulator: SlackEmulator, http: tuple[_Mount, str]) -> Iterator[Rig]:
    """`bot` serving the rig's HTTP server for one test."""
    mount, base_url = http
    mount.mount(bot.asgi)
    driver = SlackDriver(
        f"{base_url}/slack/events", SIGNING_SECRET, emulator=emulator, team_id=TEAM
    )
    emulator.clear()  # start each test from what the test itself caused
    try:
        yield Rig(
            emulator=emulator,
            slack=driver,
            runtime=bot.runtime,
            base_url=base_url,
            listeners=bot.listeners,
        )
    finally:
        mount.unmount()
        # No listener of this test may write into the next test's database.
        bot.listeners.wait_idle(10)


@pytest.fixture
def rig(
    emulator: SlackEmulator,
    db_url: str,
    _http: tuple[_Mount, str],
    rig_overrides: dict[str, Any],
    rig_clock: Callable[[], datetime],
    shared_engines: Engines,
) -> Iterator[Rig]:
    bot = start_bot(emulator, db_url, rig_overrides, rig_clock, shared_engines.get(db_url))
    try:
        with mounted(bot, emulator, _http) as rig:
            yield rig
    finally:
        bot.close()
