"""A world staged once per module, for tests that leave it as they found it.

Staging a world through the real endpoint (people enrolled, requests sent, a round
proposed) costs far more than a test that then sends one refused payload and checks
that nothing changed. `Standing` keeps one bot, emulator and database per module (per
backend) with the world staged in them, and mounts that bot on the rig's HTTP server
for each test in turn, so each test still talks to the real endpoint and reads the
real emulator.

Each test starts from the world exactly as staged:
- the rows a test may add (`scratch` tables: the outbox, the audit trail) are removed
  after it, so each test sees only its own;
- everything else is compared with the staged world before each test, and a world a
  test did change (a test that failed) is staged afresh, on a new database, rather
  than handed on.
"""

from __future__ import annotations

import contextlib
from collections.abc import Callable, Iterator
from typing import Any, Generic, TypeVar

from sqlalchemy import delete, func, select

from bot.emulator import SlackEmulator
from tests.conftest import ModuleDatabases
from tests.integration.conftest import BOT_TOKEN, Bot, Rig, _Mount, mounted, start_bot

World = TypeVar("World")


class Standing(Generic[World]):
    def __init__(
        self,
        databases: ModuleDatabases,
        http: tuple[_Mount, str],
        *,
        stage: Callable[[Rig], World],
        watched: Callable[[Rig], Any],
        scratch: tuple[Any, ...],
    ) -> None:
        self._databases = databases
        self._http = http
        self._stage = stage
        self._watched = watched  # what a test must leave as it was staged
        self._scratch = scratch  # ORM models with an integer `id`
        self._emulator: SlackEmulator | None = None
        self._bot: Bot | None = None
        self._world: World | None = None
        self._as_staged: Any = None
        self._marks: dict[Any, int] = {}
        self.stagings = 0

    @contextlib.contextmanager
    def rig(self) -> Iterator[tuple[Rig, World]]:
        """The standing bot mounted for one test, and the world as it was staged."""
        if not self._as_it_was_staged():
            self._restage()
        assert self._bot is not None and self._emulator is not None
        assert self._world is not None
        try:
            with mounted(self._bot, self._emulator, self._http) as rig:
                yield rig, self._world
        finally:
            self._drop_scratch()

    def _as_it_was_staged(self) -> bool:
        if self._bot is None or self._emulator is None:
            return False
        with mounted(self._bot, self._emulator, self._http) as rig:
            return bool(self._watched(rig) == self._as_staged)

    def close(self) -> None:
        if self._bot is not None:
            self._bot.close()
        if self._emulator is not None:
            self._emulator.stop()
        self._bot = self._emulator = self._world = None

    def _restage(self) -> None:
        self.close()
        self._emulator = SlackEmulator(tokens=[BOT_TOKEN]).start()
        self._bot = start_bot(self._emulator, self._databases.new())
        with mounted(self._bot, self._emulator, self._http) as rig:
            self._world = self._stage(rig)
            self._as_staged = self._watched(rig)
        with self._bot.runtime.deps.sessions() as session:
            self._marks = {
                model: session.scalar(select(func.coalesce(func.max(model.id), 0)))
                for model in self._scratch
            }
        self.stagings += 1

    def _drop_scratch(self) -> None:
        assert self._bot is not None
        with self._bot.runtime.deps.sessions() as session:
            for model, mark in self._marks.items():
                session.execute(delete(model).where(model.id > mark))
            session.commit()
