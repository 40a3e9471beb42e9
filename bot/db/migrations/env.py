"""Alembic environment for mentorbot.

Programmatic runs (bot.db.migrate) pass an open connection in
``config.attributes["connection"]``. The alembic CLI (alembic.ini at the repo
root) uses $DATABASE_URL, else ``sqlalchemy.url`` from the ini file.
"""

from __future__ import annotations

import os
from logging.config import fileConfig

import sqlalchemy as sa
from alembic import context

from bot.db.engine import normalize_url
from bot.db.migrate import context_options, migration_connection

config = context.config

if config.config_file_name is not None:
    fileConfig(config.config_file_name, disable_existing_loggers=False)


def _cli_url() -> str:
    url = os.environ.get("DATABASE_URL") or config.get_main_option("sqlalchemy.url")
    if not url:
        raise RuntimeError("set DATABASE_URL or sqlalchemy.url in alembic.ini")
    return url


def _run(connection: sa.Connection) -> None:
    context.configure(connection=connection, **context_options(connection.dialect.name))
    # Inside the caller's transaction this opens none; migration_connection commits.
    with context.begin_transaction():
        context.run_migrations()


def run_migrations_offline() -> None:
    """`alembic upgrade --sql`: print the SQL instead of running it."""
    url = normalize_url(_cli_url())
    options = context_options(url.get_backend_name())
    context.configure(url=url, literal_binds=True, **options)
    with context.begin_transaction():
        context.run_migrations()


def run_migrations_online() -> None:
    connection = config.attributes.get("connection")
    if connection is not None:
        _run(connection)
        return
    with migration_connection(_cli_url()) as connection:
        _run(connection)


if context.is_offline_mode():
    run_migrations_offline()
else:
    run_migrations_online()
