"""One SQLAlchemy Engine per database URL for the whole test process.

An Engine keeps the SQL it has compiled (SQLAlchemy's statement cache, keyed by the
engine's own dialect). A test that builds a new engine compiles every statement it runs
anew, and that compiling was the largest single part of the suite's CPU (about an eighth
of it, profiled). The bot keeps one engine for its process's life; the tests keep one per
database URL, used by each test of that URL in turn. `db_url` hands each test the same
URL (a symlink to its own SQLite file, or the worker's emptied PostgreSQL database) and
disposes the engine's connections between tests, so no connection outlives its test.
"""

from __future__ import annotations

from sqlalchemy import Engine

from bot.db.engine import make_engine


class Engines:
    def __init__(self) -> None:
        self._made: dict[str, Engine] = {}

    def get(self, url: str) -> Engine:
        """The engine of `url`, made the first time."""
        engine = self._made.get(url)
        if engine is None:
            engine = self._made[url] = make_engine(url)
        return engine

    def release(self, url: str) -> None:
        """Close the connections of `url`'s engine; what it compiled stays."""
        if (engine := self._made.get(url)) is not None:
            engine.dispose()

    def dispose_all(self) -> None:
        for engine in self._made.values():
            engine.dispose()
        self._made.clear()
