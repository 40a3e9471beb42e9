"""make_engine: URL checks, and the connection settings each dialect relies on."""

from __future__ import annotations

import re
from typing import Any

import pytest
import sqlalchemy as sa
from sqlalchemy.engine import Engine

from bot.db.engine import make_engine, normalize_url
from bot.db.models import Person


@pytest.mark.parametrize(
    ("given", "expected"),
    [
        ("postgresql://u:p@db:5432/mentor", "postgresql+psycopg://u:p@db:5432/mentor"),
        ("postgres://u@db/mentor", "postgresql+psycopg://u@db/mentor"),
        ("postgresql+psycopg://u@db/mentor", "postgresql+psycopg://u@db/mentor"),
        ("sqlite:///mentorbot.db", "sqlite:///mentorbot.db"),
        ("sqlite://", "sqlite://"),
    ],
)
def test_urls_are_normalised_to_the_installed_drivers(given: str, expected: str) -> None:
    assert normalize_url(given).render_as_string(hide_password=False) == expected


@pytest.mark.parametrize(
    ("given", "complaint"),
    [
        ("not a url", "malformed database URL"),
        ("postgresql://u@db:port/x", "malformed database URL"),
        ("mysql://u@db/mentor", "unsupported database 'mysql'"),
        ("postgresql+psycopg2://u@db/mentor", "unsupported database 'postgresql+psycopg2'"),
    ],
)
def test_a_bad_url_is_a_value_error_that_says_why(given: str, complaint: str) -> None:
    with pytest.raises(ValueError, match=re.escape(complaint)):
        make_engine(given)


def test_a_bad_url_error_does_not_echo_the_password() -> None:
    with pytest.raises(ValueError) as caught:
        make_engine("mysql://user:s3cret@db/mentor")
    assert "s3cret" not in str(caught.value)


def test_connection_settings(engine: Engine) -> None:
    with engine.connect() as connection:
        if engine.dialect.name == "sqlite":
            pragma = connection.exec_driver_sql
            assert pragma("PRAGMA foreign_keys").scalar() == 1
            assert pragma("PRAGMA journal_mode").scalar() == "wal"
            assert pragma("PRAGMA busy_timeout").scalar() > 0
        else:
            assert engine.dialect.driver == "psycopg"
            assert engine.pool._pre_ping  # type: ignore[attr-defined]
            assert connection.scalar(sa.text("SELECT 1")) == 1


def test_a_transaction_that_read_for_update_keeps_other_writers_out(engine: Engine) -> None:
    # "SELECT, then UPDATE based on what was read" must not interleave with
    # another writer. PostgreSQL: SELECT ... FOR UPDATE locks the row. SQLite
    # ignores FOR UPDATE, but make_engine begins every transaction IMMEDIATE,
    # so the first statement already holds the database's write lock.
    with engine.begin() as connection:
        connection.execute(
            sa.text(
                "INSERT INTO people (team_id, slack_user_id, display_name) VALUES ('T', 'U', 'x')"
            )
        )
    read_for_update = sa.select(Person.id).with_for_update(nowait=True)
    impatient = make_engine(engine.url)

    @sa.event.listens_for(impatient, "connect")
    def _do_not_wait(dbapi_connection: Any, _record: Any) -> None:
        if impatient.dialect.name == "sqlite":
            dbapi_connection.execute("PRAGMA busy_timeout = 0")

    try:
        with engine.connect() as first, impatient.connect() as second:
            first.execute(read_for_update)
            with pytest.raises(sa.exc.OperationalError, match=r"locked|could not obtain lock"):
                second.execute(read_for_update)
    finally:
        impatient.dispose()
