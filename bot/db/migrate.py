"""Run Alembic from code: the app upgrades at start-up, tests build databases.

The migration scripts live inside the package (bot/db/migrations), so this
works from an installed wheel as well as from a checkout.
"""

from __future__ import annotations

import contextlib
import functools
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import sqlalchemy as sa
from alembic import command
from alembic.autogenerate import compare_metadata
from alembic.autogenerate.api import AutogenContext
from alembic.config import Config
from alembic.runtime.migration import MigrationContext
from alembic.script import ScriptDirectory

from bot.db.engine import make_engine, sqlite_foreign_keys_off
from bot.db.models import Base
from bot.db.types import UTCDateTime

MIGRATIONS_DIR = Path(__file__).resolve().parent / "migrations"

# Any fixed 64-bit number works; it only has to be the same in every process.
# (The bytes spell "mentorbt".)
ADVISORY_LOCK_KEY = 0x6D656E746F726274


def alembic_config(connection: sa.Connection | None = None) -> Config:
    """An Alembic Config pointing at the packaged scripts, no alembic.ini needed.

    With `connection`, env.py migrates on it (inside the caller's transaction).
    """
    config = Config()
    config.set_main_option("script_location", str(MIGRATIONS_DIR))
    if connection is not None:
        config.attributes["connection"] = connection
    return config


def context_options(dialect_name: str) -> dict[str, Any]:
    """MigrationContext options shared by env.py and `pending_changes`."""
    return {
        "target_metadata": Base.metadata,
        "compare_type": True,
        # SQLite cannot ALTER most things; batch mode rebuilds the table instead.
        "render_as_batch": dialect_name == "sqlite",
        "render_item": _render_item,
    }


def _render_item(type_: str, obj: Any, autogen_context: AutogenContext) -> str | bool:
    # Migrations must not import app types (they may move or change later), so
    # ours are written as what the database actually has.
    if type_ == "server_default":
        return _render_server_default(obj)
    if type_ != "type":
        return False
    if isinstance(obj, UTCDateTime):
        return "sa.DateTime(timezone=True)"
    if isinstance(obj, sa.JSON) and "postgresql" in obj._variant_mapping:
        # Alembic's default rendering of the JSONB variant references an
        # unimported Text(); spell out what json_type() builds.
        autogen_context.imports.add("from sqlalchemy.dialects import postgresql")
        none_as_null = obj.none_as_null
        return (
            f"sa.JSON(none_as_null={none_as_null}).with_variant("
            f"postgresql.JSONB(none_as_null={none_as_null}), 'postgresql')"
        )
    return False


def _render_server_default(default: Any) -> str | bool:
    # Autogenerate would compile these for the dialect it compared against
    # (e.g. "(CURRENT_TIMESTAMP)", "0"), and a boolean 0 breaks PostgreSQL;
    # keep the portable spellings the models use.
    arg = getattr(default, "arg", None)
    if isinstance(arg, sa.sql.functions.now):
        return "sa.func.now()"
    if isinstance(arg, sa.sql.elements.False_):
        return "sa.false()"
    if isinstance(arg, sa.sql.elements.True_):
        return "sa.true()"
    return False


@contextlib.contextmanager
def migration_connection(url: str) -> Iterator[sa.Connection]:
    """A connection in a transaction, safe for running migrations on `url`.

    PostgreSQL: holds a session advisory lock, so of two processes starting at
    once the second waits and then finds nothing to do. SQLite: BEGIN IMMEDIATE
    (see engine.py) already serialises migrators; foreign keys are OFF so batch
    table rebuilds cannot cascade, and are checked before commit instead.
    """
    engine = make_engine(url)
    dialect = engine.dialect.name
    if dialect == "sqlite":
        sqlite_foreign_keys_off(engine)
    try:
        with engine.connect() as connection:
            if dialect == "postgresql":
                # A session lock (not a transaction lock) so a future migration
                # that commits part-way (autocommit_block) still runs under it.
                connection.execute(sa.select(sa.func.pg_advisory_lock(ADVISORY_LOCK_KEY)))
                connection.commit()
            try:
                with connection.begin():
                    yield connection
                    if dialect == "sqlite":
                        _check_foreign_keys(connection)
            finally:
                if dialect == "postgresql":
                    # If the connection broke, the server already dropped the lock.
                    with contextlib.suppress(sa.exc.DBAPIError):
                        connection.execute(sa.select(sa.func.pg_advisory_unlock(ADVISORY_LOCK_KEY)))
                        connection.commit()
    finally:
        engine.dispose()


def _check_foreign_keys(connection: sa.Connection) -> None:
    problems = connection.exec_driver_sql("PRAGMA foreign_key_check").fetchall()
    if problems:
        sample = ", ".join(f"{row[0]} rowid {row[1]} -> {row[2]}" for row in problems[:5])
        raise RuntimeError(f"migration left {len(problems)} foreign key violation(s): {sample}")


def upgrade(url: str, revision: str = "head") -> None:
    """Migrate the database at `url` to `revision`; a no-op when already there."""
    with migration_connection(url) as connection:
        command.upgrade(alembic_config(connection), revision)


def downgrade(url: str, revision: str) -> None:
    """Migrate down to `revision` ("base" = empty); for development and tests."""
    with migration_connection(url) as connection:
        command.downgrade(alembic_config(connection), revision)


def current_revision(url: str) -> str | None:
    """The revision the database is at; None for a database never migrated."""
    engine = make_engine(url)
    try:
        with engine.connect() as connection:
            return MigrationContext.configure(connection).get_current_revision()
    finally:
        engine.dispose()


@functools.cache  # the scripts ship with the code: reading them once per process is enough
def head_revision() -> str:
    """The newest revision among the packaged migration scripts."""
    head = ScriptDirectory.from_config(alembic_config()).get_current_head()
    if head is None:  # only possible with no scripts at all
        raise RuntimeError(f"no migration scripts found in {MIGRATIONS_DIR}")
    return head


def pending_changes(url: str) -> list[Any]:
    """What `alembic revision --autogenerate` would put in a new migration.

    Empty when the models and the migrated database agree. Each item is one of
    Alembic's diff tuples, e.g. ("add_column", None, "people", Column(...)).
    """
    engine = make_engine(url)
    try:
        with engine.connect() as connection:
            context = MigrationContext.configure(
                connection, opts=context_options(connection.dialect.name)
            )
            return list(compare_metadata(context, Base.metadata))
    finally:
        engine.dispose()
