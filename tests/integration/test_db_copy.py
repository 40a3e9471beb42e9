"""`mentorbot db copy --to URL`: moving a live program from SQLite to PostgreSQL.

A whole program is run on SQLite through the real endpoint, copied by the real command
into a new PostgreSQL database, and the bot then serves from the copy.
"""

from __future__ import annotations

from collections.abc import Iterator
from pathlib import Path

import pytest
import sqlalchemy as sa
from sqlalchemy import delete, func, select
from sqlalchemy.engine import URL

from bot.app import build_app
from bot.db.engine import make_engine
from bot.db.models import AuditEntry, Base, Mentorship, Person
from bot.emulator import SlackDriver
from bot.runtime import build_runtime
from bot.server import build_asgi, serving_in_thread
from scheduling.due import run_due
from tests.conftest import PostgresServer
from tests.integration.conftest import SIGNING_SECRET, TEAM, Rig, rig_settings
from tests.integration.processes import in_process
from tests.integration.test_cli import _mentorbot
from tests.integration.whole_program import ANA, BEN, MovableClock, run_the_program

pytestmark = pytest.mark.postgres


@pytest.fixture
def rig_clock() -> MovableClock:
    return MovableClock()


@pytest.fixture
def target(_postgres_server: PostgresServer) -> Iterator[str]:
    url: URL = _postgres_server.create_database("mentorbot_test_copy")
    try:
        yield url.render_as_string(hide_password=False)
    finally:
        _postgres_server.drop_database(url)


def counts(url: str) -> dict[str, int]:
    engine = make_engine(url)
    try:
        with engine.connect() as connection:
            return {
                t.name: connection.scalar(select(func.count()).select_from(t)) or 0
                for t in Base.metadata.sorted_tables
            }
    finally:
        engine.dispose()


def copy_to(rig: Rig, target: str, cwd: Path, *, process: bool = False):
    """`mentorbot db copy`: its main() in this process, or (`process`) its own process."""
    run = _mentorbot if process else in_process
    return run("db", "copy", "--to", target, cwd=cwd, DATABASE_URL=rig.settings.database_url)


@pytest.mark.parametrize("db_url", ["sqlite"], indirect=True)
def test_a_running_program_copied_from_sqlite_to_postgresql_is_served_from_the_copy(
    rig: Rig, rig_clock: MovableClock, target: str, tmp_path: Path
) -> None:
    run_the_program(rig, rig_clock)
    with rig.runtime.deps.sessions() as session:  # an id given out, then deleted
        highest_audit = session.scalar(select(func.max(AuditEntry.id)))
        session.execute(delete(AuditEntry).where(AuditEntry.id == highest_audit))
        session.commit()
    rig.settle()
    source = counts(rig.settings.database_url)

    result = copy_to(rig, target, tmp_path, process=True)

    assert result.returncode == 0, result.stderr
    assert "every table's count matches" in result.stdout
    assert counts(target) == source
    assert source["people"] == 2 and source["mentorships"] == 1 and source["checkins"] >= 1
    assert source["outbox_messages"] > 5 and source["audit_entries"] > 0

    # The bot, on the copy: Ana's Home renders her mentorship with Ben.
    runtime = build_runtime(rig_settings(rig.emulator, target))
    try:
        with runtime.deps.sessions() as session:
            pair = session.scalar(select(Mentorship))
            assert pair is not None and pair.next_checkin_at is not None
            assert pair.next_checkin_at.tzinfo is not None  # instants stay instants
            # New rows continue past every id the source gave out, deleted ones included.
            person = session.scalar(select(Person).where(Person.slack_user_id == ANA))
            assert person is not None
            session.add(AuditEntry(team_id=TEAM, actor_slack_id=ANA, action="test.copy"))
            session.commit()
            newest = session.scalar(select(func.max(AuditEntry.id)))
            assert newest == highest_audit + 1
        app = build_app(runtime.deps)
        asgi = build_asgi(app, runtime.engine, signing_secret=SIGNING_SECRET)
        rig.emulator.clear()
        with serving_in_thread(asgi) as base_url:
            driver = SlackDriver(f"{base_url}/slack/events", SIGNING_SECRET, rig.emulator)
            assert driver.app_home_opened(ANA).status == 200
            app.listener_runner.listener_executor.wait_idle(10)  # type: ignore[attr-defined]
        run_due(runtime, runtime.deps.clock())  # what the listener queued goes out
    finally:
        runtime.close()
    home = str(rig.emulator.home_view(ANA))
    assert BEN in home or "Ben" in home


@pytest.mark.parametrize("db_url", ["sqlite"], indirect=True)
def test_a_target_that_holds_rows_is_refused_and_left_as_it_was(
    rig: Rig, rig_clock: MovableClock, target: str, tmp_path: Path
) -> None:
    rig.emulator.add_user(ANA, name="ana", real_name="Ana Lima", tz="UTC")
    rig.slack.app_home_opened(ANA)
    rig.settle()
    assert copy_to(rig, target, tmp_path).returncode == 0
    before = counts(target)

    again = copy_to(rig, target, tmp_path)

    assert again.returncode == 1
    assert "nothing copied: the target is not empty" in again.stderr
    assert counts(target) == before


@pytest.mark.parametrize("db_url", ["sqlite"], indirect=True)
def test_a_table_the_models_do_not_know_stops_the_copy_before_anything_is_written(
    rig: Rig, target: str, tmp_path: Path
) -> None:
    engine = make_engine(rig.settings.database_url)
    with engine.begin() as connection:
        connection.execute(sa.text("CREATE TABLE stray_notes (id INTEGER PRIMARY KEY)"))
    engine.dispose()

    result = copy_to(rig, target, tmp_path)

    assert result.returncode == 1
    assert "stray_notes" in result.stderr
    assert sa.inspect(make_engine(target)).get_table_names() == []
