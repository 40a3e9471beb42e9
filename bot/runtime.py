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
from bot.installs import Stores, make_stores
from bot.slack import OutboxSender, make_delivery_client
from bot.workers import worker_id


@dataclass
class Runtime:
    deps: Deps
    engine: Engine
    sender: OutboxSender
    # slack_sdk's installation and state stores when installs come through OAuth.
    stores: Stores | None = None
    # The instant the due-work job last blanked old outbox bodies (scheduling/due.py).
    purged_at: datetime | None = None

    def close(self) -> None:
        self.engine.dispose()


def build_runtime(
    settings: Settings,
    clock: Callable[[], datetime] = utcnow,
    delivery_client: WebClient | None = None,
    engine: Engine | None = None,
) -> Runtime:
    """`engine`: one already made for `settings.database_url` (the tests keep one per
    database across tests, its compiled statements warm); closing the runtime disposes
    its connections."""
    if engine is None:
        engine = make_engine(settings.database_url)
    sessions = make_session_factory(engine)
    # The stores share the bot's engine: one pool, one database (bot/installs.py).
    stores = make_stores(settings, engine)
    installs = stores.installations if stores else None
    deps = Deps(settings=settings, sessions=sessions, clock=clock, installs=installs)
    client = delivery_client or make_delivery_client(settings)
    sender = OutboxSender(client, sessions, worker_id(), installs=installs)
    return Runtime(deps=deps, engine=engine, sender=sender, stores=stores)
