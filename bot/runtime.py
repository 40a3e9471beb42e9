"""Assembling a running bot from Settings: storage, clock, outbox sender."""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass
from datetime import datetime

from slack_sdk import WebClient
from sqlalchemy import Engine

from bot.config import Settings
from bot.db.engine import make_engine, make_session_factory
from bot.deps import Deps, utcnow
from bot.slack import OutboxSender, make_delivery_client
from bot.workers import worker_id


@dataclass
class Runtime:
    deps: Deps
    engine: Engine
    sender: OutboxSender
    # The instant the due-work job last blanked old outbox bodies (scheduling/due.py).
    purged_at: datetime | None = None

    def close(self) -> None:
        self.engine.dispose()


def build_runtime(
    settings: Settings,
    clock: Callable[[], datetime] = utcnow,
    delivery_client: WebClient | None = None,
) -> Runtime:
    engine = make_engine(settings.database_url)
    sessions = make_session_factory(engine)
    deps = Deps(settings=settings, sessions=sessions, clock=clock)
    client = delivery_client or make_delivery_client(settings)
    sender = OutboxSender(client, sessions, worker_id())
    return Runtime(deps=deps, engine=engine, sender=sender)
