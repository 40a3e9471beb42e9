"""Engines and sessions configured the same way for the app, migrations and tests."""

from __future__ import annotations

import sqlite3
import time
from typing import Any

import sqlalchemy as sa
from sqlalchemy import event
from sqlalchemy.engine import URL, Engine, make_url
from sqlalchemy.exc import ArgumentError
from sqlalchemy.orm import Session, sessionmaker

from bot.db import pool_changes

# Drivers that are installed and tested; a plain "postgresql" means psycopg 3.
_SUPPORTED_DRIVERS = ("sqlite", "sqlite+pysqlite", "postgresql", "postgresql+psycopg")

# The execution option of transactions that only read (`read_only`).
READ_ONLY = "mentorbot_read_only"

# How long a SQLite writer waits for another's lock before "database is locked".
SQLITE_BUSY_TIMEOUT_MS = 15_000


def normalize_url(url: str | URL) -> URL:
    """Parse and check a database URL; a bad one raises ValueError saying why.

    ``postgresql://`` (and Heroku-style ``postgres://``) select psycopg 3, the
    driver we ship; psycopg2 is not installed.
    """
    if isinstance(url, str):
        if url.startswith("postgres://"):
            url = "postgresql://" + url.removeprefix("postgres://")
        try:
            parsed = make_url(url)
        except (ArgumentError, ValueError) as error:  # ValueError: e.g. a bad port
            raise ValueError(
                f"malformed database URL ({error}); expected e.g. sqlite:///mentorbot.db "
                "or postgresql://user@host:5432/dbname"
            ) from None
    else:
        parsed = url
    if parsed.drivername not in _SUPPORTED_DRIVERS:
        raise ValueError(
            f"unsupported database {parsed.drivername!r} in URL; "
            "use sqlite:///path or postgresql://user@host/dbname"
        )
    if parsed.drivername == "postgresql":
        parsed = parsed.set(drivername="postgresql+psycopg")
    return parsed


def make_engine(url: str | URL, **kwargs: Any) -> Engine:
    """An Engine for a SQLite or PostgreSQL URL; raises ValueError for a bad URL.

    SQLite: foreign keys ON, WAL, a busy timeout, and BEGIN IMMEDIATE for every
    transaction. PostgreSQL: psycopg 3 with pool_pre_ping. Extra keyword
    arguments go to `sqlalchemy.create_engine`.
    """
    parsed = normalize_url(url)
    if parsed.get_backend_name() == "postgresql":
        # Connections idle in the pool die with server restarts and proxies.
        kwargs.setdefault("pool_pre_ping", True)
        return sa.create_engine(parsed, **kwargs)
    engine = sa.create_engine(parsed, **kwargs)
    _configure_sqlite(engine)
    return engine


def _configure_sqlite(engine: Engine) -> None:
    @event.listens_for(engine, "connect")
    def _on_connect(dbapi_connection: Any, _record: Any) -> None:
        # Take transaction control away from the sqlite3 module: left alone it
        # starts transactions only at the first write, so a SELECT followed by an
        # UPDATE is not one transaction. _on_begin below issues BEGIN instead.
        dbapi_connection.isolation_level = None
        cursor = dbapi_connection.cursor()
        try:
            cursor.execute(f"PRAGMA busy_timeout = {SQLITE_BUSY_TIMEOUT_MS}")
            # SQLite ships with foreign keys off, per connection.
            cursor.execute("PRAGMA foreign_keys = ON")
            _use_wal(cursor)
            cursor.execute("PRAGMA synchronous = NORMAL")  # durable enough under WAL
        finally:
            cursor.close()

    @event.listens_for(engine, "begin")
    def _on_begin(connection: sa.Connection) -> None:
        options = connection.get_execution_options()
        if options.get("isolation_level") == "AUTOCOMMIT":
            return
        if options.get(READ_ONLY):
            # A reader needs no write lock: under WAL it sees one snapshot and blocks
            # no writer, however long it reads (a 50,000-mentor pool takes seconds).
            connection.exec_driver_sql("BEGIN")
            return
        # IMMEDIATE takes the write lock up front, so read-then-write transactions
        # queue behind each other (busy_timeout) instead of one failing at its
        # first write with "database is locked"; this is what makes SELECT ...
        # then UPDATE serialised, as FOR UPDATE would on PostgreSQL.
        connection.exec_driver_sql("BEGIN IMMEDIATE")


def read_only(engine: Engine) -> Engine:
    """The engine (the same connection pool) for transactions that only read. On SQLite
    they begin with a plain BEGIN instead of BEGIN IMMEDIATE, so they take no write lock;
    on PostgreSQL nothing changes. Writing in one is a mistake SQLite may not catch."""
    return engine.execution_options(**{READ_ONLY: True})


def _use_wal(cursor: Any) -> None:
    """Switch the file to WAL: readers then block neither the writer nor each other.

    The mode is stored in the file, so this usually finds WAL already set. The
    switch needs an exclusive lock, and SQLite may refuse it at once rather than
    wait out busy_timeout: two processes opening a new database together (both
    migrating at start-up) failed that way in testing, so retry until the timeout.
    """
    deadline = time.monotonic() + SQLITE_BUSY_TIMEOUT_MS / 1000
    while True:
        try:
            (mode,) = cursor.execute("PRAGMA journal_mode").fetchone()
            if mode in ("wal", "memory"):  # in-memory databases cannot use WAL
                return
            cursor.execute("PRAGMA journal_mode = WAL").fetchone()
            return
        except sqlite3.OperationalError as error:
            if "locked" not in str(error) or time.monotonic() > deadline:
                raise
            time.sleep(0.02)


def sqlite_foreign_keys_off(engine: Engine) -> None:
    """Make every new connection of a SQLite `engine` run with foreign keys OFF.

    For migrations only: batch mode rebuilds a table by DROP and re-CREATE, and
    with foreign keys ON the DROP would cascade into the rows that point at it.
    Registered after make_engine's listener, so it runs last and wins.
    """

    @event.listens_for(engine, "connect")
    def _fk_off(dbapi_connection: Any, _record: Any) -> None:
        dbapi_connection.execute("PRAGMA foreign_keys = OFF")


def make_session_factory(engine: Engine) -> sessionmaker[Session]:
    """Sessions whose objects stay readable after commit (handlers render them)."""
    sessions = sessionmaker(bind=engine, expire_on_commit=False)
    pool_changes.track(sessions)  # matching pools in every process learn what changed
    return sessions
