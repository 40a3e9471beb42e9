"""What the handlers and jobs are given: settings, storage and the clock, nothing of Bolt."""

from __future__ import annotations

import threading
from collections.abc import Callable
from dataclasses import dataclass, field, replace
from datetime import UTC, datetime

from slack_sdk.oauth.installation_store.sqlalchemy import SQLAlchemyInstallationStore
from sqlalchemy import Engine
from sqlalchemy.orm import Session, sessionmaker

from bot.background import Background
from bot.config import Settings
from bot.matchmaking import PoolCache
from bot.uow import UnitOfWork


def utcnow() -> datetime:
    return datetime.now(UTC)


class Wakeup:
    """Lets a request ask the scheduler to deliver the outbox now, not at its next tick."""

    def __init__(self) -> None:
        self._listener: Callable[[], None] | None = None
        self._lock = threading.Lock()

    def connect(self, listener: Callable[[], None] | None) -> None:
        with self._lock:
            self._listener = listener

    def __call__(self) -> None:
        with self._lock:
            listener = self._listener
        if listener is not None:
            listener()


@dataclass(frozen=True)
class Deps:
    settings: Settings
    sessions: sessionmaker[Session]
    clock: Callable[[], datetime] = utcnow
    wake: Wakeup = field(default_factory=Wakeup)
    pools: PoolCache = field(default_factory=PoolCache)
    # Work a listener hands off to run after its answer (a roster import from Slack).
    background: Background = field(default_factory=Background)
    # Units of work serve a person's request: their messages go ahead of bulk work.
    interactive: bool = False
    # Installs in several workspaces (OAuth): where each one's bot token is kept; None
    # with one workspace and SLACK_BOT_TOKEN (bot/installs.py).
    installs: SQLAlchemyInstallationStore | None = None

    @property
    def engine(self) -> Engine:
        """The database the sessions are bound to (for work on a session of its own)."""
        bind = self.sessions.kw["bind"]
        assert isinstance(bind, Engine)
        return bind

    def uow(self) -> UnitOfWork:
        """A unit of work: one transaction that commits on success and wakes the sender."""
        return UnitOfWork(self.sessions, self.wake, interactive=self.interactive)

    def for_requests(self) -> Deps:
        """The same storage, clock and wake-up, for the listeners (bot.outbox priority)."""
        return replace(self, interactive=True)
