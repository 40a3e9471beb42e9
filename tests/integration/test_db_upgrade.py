"""`mentorbot db upgrade` run by two processes at once (two replicas starting, or an
operator's upgrade beside a start-up): both succeed and the schema is whole.

PostgreSQL: the test holds the migrations' advisory lock itself while both processes
start, and lets go only once both are waiting on it, so they certainly contend; one
then migrates, the other waits and finds nothing to do.
"""

from __future__ import annotations

import subprocess
import time
from pathlib import Path

import pytest
import sqlalchemy as sa

from bot.db.engine import make_engine
from bot.db.migrate import ADVISORY_LOCK_KEY, current_revision, head_revision, pending_changes
from tests.integration import processes

WAIT_S = 60


def _upgrade(db_url: str, cwd: Path) -> subprocess.Popen[str]:
    return subprocess.Popen(
        [processes.MENTORBOT, "db", "upgrade"],
        cwd=cwd,
        env=processes.clean_env(DATABASE_URL=db_url),
        stdout=subprocess.PIPE,
        stderr=subprocess.STDOUT,
        text=True,
    )


def _waiting_for_the_lock(connection: sa.Connection) -> int:
    return connection.scalar(
        sa.text(
            "SELECT count(*) FROM pg_locks WHERE locktype = 'advisory' AND NOT granted "
            "AND database = (SELECT oid FROM pg_database WHERE datname = current_database())"
        )
    )


@pytest.mark.parametrize(
    "empty_db_url", [pytest.param("postgresql", marks=pytest.mark.postgres)], indirect=True
)
def test_two_db_upgrades_at_once_on_a_fresh_postgresql_both_succeed_and_leave_the_schema_at_head(
    tmp_path: Path, empty_db_url: str
) -> None:
    gate = make_engine(empty_db_url, isolation_level="AUTOCOMMIT")
    both: list[subprocess.Popen[str]] = []
    try:
        with gate.connect() as connection:
            connection.execute(sa.select(sa.func.pg_advisory_lock(ADVISORY_LOCK_KEY)))
            both = [_upgrade(empty_db_url, tmp_path) for _ in range(2)]
            deadline = time.monotonic() + WAIT_S
            while _waiting_for_the_lock(connection) < 2:
                assert all(p.poll() is None for p in both), [p.communicate() for p in both]
                assert time.monotonic() < deadline, "the upgrades never reached the lock"
                time.sleep(0.05)
            connection.execute(sa.select(sa.func.pg_advisory_unlock(ADVISORY_LOCK_KEY)))
        outputs = [p.communicate(timeout=WAIT_S)[0] for p in both]
    finally:
        for process in both:
            if process.poll() is None:
                process.kill()
                process.wait()
        gate.dispose()

    assert [p.returncode for p in both] == [0, 0], outputs
    assert all("is at the newest revision" in output for output in outputs)
    assert current_revision(empty_db_url) == head_revision()
    assert pending_changes(empty_db_url) == []  # the models and the schema agree exactly
