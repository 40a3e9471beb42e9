"""Migrations build the schema the models describe, on both databases."""

from __future__ import annotations

import subprocess
import sys
from pathlib import Path

import sqlalchemy as sa

from bot.db.engine import make_engine
from bot.db.migrate import (
    current_revision,
    downgrade,
    head_revision,
    pending_changes,
    upgrade,
)
from bot.db.models import Base

REPO_ROOT = Path(__file__).resolve().parents[2]


def _tables(url: str) -> set[str]:
    engine = make_engine(url)
    try:
        return set(sa.inspect(engine).get_table_names())
    finally:
        engine.dispose()


def test_upgrade_builds_a_fresh_database_at_head(empty_db_url: str) -> None:
    assert current_revision(empty_db_url) is None

    upgrade(empty_db_url)

    assert current_revision(empty_db_url) == head_revision()
    assert _tables(empty_db_url) == set(Base.metadata.tables) | {"alembic_version"}


def test_upgrade_twice_is_a_no_op(empty_db_url: str) -> None:
    upgrade(empty_db_url)
    engine = make_engine(empty_db_url)
    try:
        with engine.begin() as connection:
            connection.execute(
                sa.text("INSERT INTO processed_events (event_id, team_id) VALUES ('Ev1', 'T1')")
            )

        upgrade(empty_db_url)

        with engine.connect() as connection:
            kept = connection.scalars(sa.text("SELECT event_id FROM processed_events")).all()
            versions = connection.scalars(sa.text("SELECT version_num FROM alembic_version")).all()
    finally:
        engine.dispose()
    assert kept == ["Ev1"]
    assert versions == [head_revision()]


# Run in separate processes, as at a real start-up: Alembic keeps its migration
# context in a module global, so threads of one process would not be a fair test.
_START_UP = """
import sys
from bot.db.migrate import upgrade
print("ready", flush=True)
sys.stdin.readline()  # the go signal: both processes are loaded and waiting
upgrade(sys.argv[1])
"""


def test_two_processes_upgrading_at_once_do_not_race(empty_db_url: str) -> None:
    # PostgreSQL: the advisory lock makes the second wait and then find nothing
    # to do; SQLite: BEGIN IMMEDIATE does the same. Without them one would fail
    # with "table already exists" (or deadlock).
    processes = [
        subprocess.Popen(
            [sys.executable, "-c", _START_UP, empty_db_url],
            stdin=subprocess.PIPE,
            stdout=subprocess.PIPE,
            stderr=subprocess.PIPE,
            text=True,
            cwd=REPO_ROOT,
        )
        for _ in range(2)
    ]
    try:
        for process in processes:
            assert process.stdout is not None
            assert process.stdout.readline() == "ready\n", process.communicate()[1]
        for process in processes:
            assert process.stdin is not None
            process.stdin.write("go\n")
            process.stdin.flush()
        for process in processes:
            _, errors = process.communicate(timeout=60)
            assert process.returncode == 0, errors
    finally:
        for process in processes:
            if process.poll() is None:
                process.kill()
                process.wait()

    assert current_revision(empty_db_url) == head_revision()


def test_models_and_newest_migration_agree(db_url: str) -> None:
    # What `alembic revision --autogenerate` would emit: must be nothing, or a
    # model change is missing its migration. (Alembic does not compare CHECK
    # constraints or partial-index predicates; test_integrity covers those.)
    assert pending_changes(db_url) == []


def test_downgrade_to_base_and_back(empty_db_url: str) -> None:
    upgrade(empty_db_url)

    downgrade(empty_db_url, "base")
    assert current_revision(empty_db_url) is None
    assert _tables(empty_db_url) <= {"alembic_version"}

    upgrade(empty_db_url)
    assert pending_changes(empty_db_url) == []
