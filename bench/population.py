"""Throwaway databases full of active pairs, for the delivery benches (fanout.py, tick.py).

Rows go in with Core multi-row inserts, not through the services: 100,000 pairs take
seconds. Everyone is in UTC with the default working day (09:00-17:00), so a pair's
check-in prompts both fall at 10:00 UTC on its check-in day; each mentor has up to
four mentees. Every person has an enrollment, as real pairs do (the due-work job reads
that table too).
"""

from __future__ import annotations

import itertools
import tempfile
import uuid
from collections.abc import Iterator, Mapping, Sequence
from contextlib import contextmanager
from datetime import UTC, datetime, timedelta
from pathlib import Path
from typing import Any

import sqlalchemy as sa
from sqlalchemy import insert, select

from bot.cadence import Workday, pair_due
from bot.db.engine import make_engine, make_session_factory
from bot.db.enums import Cadence, EnrollmentRole, MentorshipStatus
from bot.db.migrate import upgrade
from bot.db.models import Enrollment, Mentorship, Person
from bot.mentorships import first_term_end
from bot.programs import current_program

POSTGRES_ADMIN_URL = "postgresql+psycopg://postgres@127.0.0.1:5432/postgres"
TEAM = "T0001"
MENTEES_PER_MENTOR = 4  # the default; the fan-out gives each mentor one
CHUNK = 5_000  # rows per INSERT statement batch
UTC_DAY = Workday("UTC")
# A Monday, 10:00 UTC: the instant the benches' prompts are due (every person's prompt time).
DUE = datetime(2030, 3, 18, 10, 0, tzinfo=UTC)


@contextmanager
def database(kind: str) -> Iterator[str]:
    """A migrated, empty database: SQLite in a temporary directory, or a PostgreSQL
    database on 127.0.0.1:5432, dropped afterwards."""
    if kind == "sqlite":
        with tempfile.TemporaryDirectory() as workdir:
            url = f"sqlite:///{Path(workdir) / 'bench.db'}"
            upgrade(url)
            yield url
        return
    if kind != "postgresql":
        raise SystemExit(f"unknown database {kind!r}: use sqlite or postgresql")
    admin = make_engine(POSTGRES_ADMIN_URL, isolation_level="AUTOCOMMIT")
    name = f"mentorbot_bench_{uuid.uuid4().hex[:10]}"
    with admin.connect() as connection:
        connection.exec_driver_sql(f'CREATE DATABASE "{name}"')
    url = admin.url.set(database=name).render_as_string(hide_password=False)
    try:
        upgrade(url)
        yield url
    finally:
        with admin.connect() as connection:
            connection.execute(
                sa.text(
                    "SELECT pg_terminate_backend(pid) FROM pg_stat_activity "
                    "WHERE datname = :name AND pid <> pg_backend_pid()"
                ),
                {"name": name},
            )
            connection.exec_driver_sql(f'DROP DATABASE IF EXISTS "{name}"')
        admin.dispose()


def add_pairs(
    db_url: str, kickoffs: Sequence[datetime], mentees_per_mentor: int = MENTEES_PER_MENTOR
) -> list[str]:
    """One active two-weekly pair per kickoff instant (period 1 falls two weeks later, at
    10:00 UTC, off weekends), with its people and enrollments; the mentees' user ids."""
    count = len(kickoffs)
    per = mentees_per_mentor
    mentors = -(-count // per)
    mentee_ids = [f"U1{i:08d}" for i in range(count)]
    mentor_ids = [f"U2{i:08d}" for i in range(mentors)]
    engine = make_engine(db_url)
    try:
        with make_session_factory(engine)() as session:
            program = current_program(session, TEAM, kickoffs[0])
            session.commit()
            program_id = program.id
        with engine.begin() as connection:
            people = [
                {"team_id": TEAM, "slack_user_id": u, "display_name": u, "tz": "UTC"}
                for u in mentor_ids + mentee_ids
            ]
            _insert(connection, Person, people)
            ids = dict(connection.execute(select(Person.slack_user_id, Person.id)).all())
            enrollments = [
                {
                    "program_id": program_id,
                    "person_id": ids[u],
                    "role": EnrollmentRole.MENTOR,
                    "capacity": max(per, 1),
                    "active_mentee_count": min(per, count - n * per),
                }
                for n, u in enumerate(mentor_ids)
            ] + [
                {
                    "program_id": program_id,
                    "person_id": ids[u],
                    "role": EnrollmentRole.MENTEE,
                    "capacity": 0,
                    "active_mentee_count": 0,
                }
                for u in mentee_ids
            ]
            _insert(connection, Enrollment, enrollments)
            pairs = [
                {
                    "team_id": TEAM,
                    "program_id": program_id,
                    "mentor_id": ids[mentor_ids[n // per]],
                    "mentee_id": ids[mentee],
                    "status": MentorshipStatus.ACTIVE,
                    "cadence": Cadence.BIWEEKLY,
                    "started_at": kickoff,
                    "created_at": kickoff,
                    "match_reasons": [],
                    "next_checkin_at": first_checkin(kickoff),
                    # As mentorships.start sets it: without one, the first due-work run
                    # would fill in 100,000 term ends (term.fill_term_ends) and time that.
                    "term_ends_on": first_term_end(kickoff, None, "UTC"),
                }
                for n, (mentee, kickoff) in enumerate(zip(mentee_ids, kickoffs, strict=True))
            ]
            _insert(connection, Mentorship, pairs)
        if engine.dialect.name == "postgresql":
            with engine.connect().execution_options(isolation_level="AUTOCOMMIT") as c:
                c.exec_driver_sql("VACUUM ANALYZE")  # as autovacuum would, soon after
    finally:
        engine.dispose()
    return mentee_ids


def first_checkin(kickoff: datetime) -> datetime:
    return pair_due(kickoff, Cadence.BIWEEKLY, 1, "UTC", [UTC_DAY, UTC_DAY])


def kickoff_for(due: datetime) -> datetime:
    """A kickoff whose first check-in is due at `due` (10:00 UTC on a weekday)."""
    kickoff = due - timedelta(days=14)
    assert first_checkin(kickoff) == due, "pick a weekday 10:00 UTC instant"
    return kickoff


def bulk_insert(
    connection: sa.Connection, table: sa.Table, rows: Sequence[Mapping[str, Any]]
) -> None:
    """Rows in by the driver's own bulk path, in the connection's transaction: COPY on
    PostgreSQL (psycopg's executemany is one statement per row), one C-level executemany
    on SQLite. Each value goes through its column's bind processing, as an INSERT's
    would; a column no row names takes its server default, else its Python default
    (worked out once for all rows), else NULL. A key some rows lack is NULL in those."""
    if not rows:
        return
    dialect = connection.dialect
    named = list(dict.fromkeys(itertools.chain.from_iterable(rows)))
    fixed: dict[str, Any] = {}
    for column in table.columns:
        default = column.default
        if column.key in named or column.server_default is not None or default is None:
            continue
        if not (default.is_scalar or default.is_callable):
            raise ValueError(f"{table.name}.{column.key}: a SQL default bulk_insert cannot apply")
        fixed[column.key] = default.arg(None) if default.is_callable else default.arg
    keys = named + list(fixed)
    process = [table.c[k].type.dialect_impl(dialect).bind_processor(dialect) for k in keys]
    converted = [(n, p) for n, p in enumerate(process[: len(named)]) if p is not None]
    tail = [
        v if p is None else p(v) for p, v in zip(process[len(named) :], fixed.values(), strict=True)
    ]
    values = []
    for row in rows:
        line = [row.get(k) for k in named]
        for n, convert in converted:
            line[n] = convert(line[n])
        values.append((*line, *tail))
    quote = dialect.identifier_preparer
    target = f"{quote.format_table(table)} ({', '.join(quote.quote(k) for k in keys)})"
    if dialect.name == "postgresql":
        raw = connection.connection.driver_connection
        with raw.cursor() as cursor, cursor.copy(f"COPY {target} FROM STDIN") as copy:  # type: ignore[union-attr]
            for row in values:
                copy.write_row(row)
    else:
        connection.exec_driver_sql(
            f"INSERT INTO {target} VALUES ({', '.join('?' * len(keys))})", values
        )


def _insert(connection: sa.Connection, model: type, rows: list[dict[str, object]]) -> None:
    table = model.__table__  # type: ignore[attr-defined]
    for start in range(0, len(rows), CHUNK):
        connection.execute(insert(table), rows[start : start + CHUNK])
