"""The integration rig: the real bot over HTTP, a Slack emulator, a real database.

Tests speak to the bot as Slack does (signed requests to /slack/events) and read
what the bot sent from the emulator, which it reaches over real HTTP.
"""

from __future__ import annotations

import time
from collections.abc import Iterator
from dataclasses import dataclass
from datetime import UTC, datetime
from typing import Any

import pytest
from sqlalchemy import func, select

from bot.app import ListenerPool, build_app
from bot.config import Settings, load_settings
from bot.db.models import OutboxMessage
from bot.emulator import SlackDriver, SlackEmulator
from bot.runtime import Runtime, build_runtime
from bot.server import build_asgi, serving_in_thread
from scheduling.due import DueReport, run_due

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
        return run_due(self.runtime, now or datetime.now(UTC))

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


@pytest.fixture
def emulator() -> Iterator[SlackEmulator]:
    with SlackEmulator(tokens=[BOT_TOKEN]) as running:
        yield running


@pytest.fixture
def rig(emulator: SlackEmulator, db_url: str) -> Iterator[Rig]:
    runtime = build_runtime(rig_settings(emulator, db_url))
    app = build_app(runtime.deps)
    with serving_in_thread(
        build_asgi(app, runtime.engine, signing_secret=SIGNING_SECRET)
    ) as base_url:
        driver = SlackDriver(
            f"{base_url}/slack/events", SIGNING_SECRET, emulator=emulator, team_id=TEAM
        )
        emulator.clear()  # start each test from what the test itself caused
        yield Rig(
            emulator=emulator,
            slack=driver,
            runtime=runtime,
            base_url=base_url,
            listeners=app.listener_runner.listener_executor,
        )
    runtime.close()
