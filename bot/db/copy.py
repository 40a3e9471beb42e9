"""`mentorbot db copy --to URL`: every table of one database into another (SQLite to
PostgreSQL, typically), checked.

The target's schema is made by Alembic first (the same migrations as always), and the
target must hold no rows. Tables are copied parents first (foreign-key order), in
primary-key order, a batch at a time, all in one transaction on the target: a failure
leaves it as empty as it was. The source is read in one transaction too, so the copy is
one consistent moment of it. Ids are copied as they are, and each table's id counter is
set past the highest id the source ever gave out (not only the highest still present),
so an id is never reused (they end up in outbox idempotency keys; see bot.db.base).
Before committing, the row count of every table is compared with the source's.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass

import sqlalchemy as sa
from sqlalchemy import func, select

from bot.db.engine import make_engine, normalize_url
from bot.db.migrate import current_revision, head_revision, upgrade
from bot.db.models import Base

BATCH_ROWS = 1000
ALEMBIC_TABLE = "alembic_version"


class CopyError(Exception):
    """Why nothing was copied; str(error) is the line to print."""


@dataclass(frozen=True)
class CopyReport:
    rows: dict[str, int]  # table -> rows copied (and counted on both sides)

    @property
    def total(self) -> int:
        return sum(self.rows.values())


def copy_database(
    source_url: str,
    target_url: str,
    *,
    batch: int = BATCH_ROWS,
    on_table: Callable[[str, int], None] | None = None,
) -> CopyReport:
    """Copy every table from `source_url` (at the newest revision) to `target_url`."""
    source, target = normalize_url(source_url), normalize_url(target_url)
    if source.render_as_string(hide_password=False) == target.render_as_string(hide_password=False):
        raise CopyError("the target is the configured database itself")
    head = head_revision()
    if current_revision(source_url) != head:
        raise CopyError(f"the source database is not at {head}: run `mentorbot db upgrade`")
    source_engine = make_engine(source_url)
    try:
        _refuse_unknown_tables(source_engine)
        upgrade(target_url)
        target_engine = make_engine(target_url)
        try:
            return _copy(source_engine, target_engine, batch, on_table)
        finally:
            target_engine.dispose()
    finally:
        source_engine.dispose()


def _refuse_unknown_tables(engine: sa.Engine) -> None:
    """A table the models do not name would be left behind: say so rather than copy less."""
    known = set(Base.metadata.tables) | {ALEMBIC_TABLE}
    unknown = sorted(set(sa.inspect(engine).get_table_names()) - known)
    if unknown:
        raise CopyError(
            f"the source has table(s) mentorbot does not know: {', '.join(unknown)}; nothing copied"
        )


def _copy(
    source_engine: sa.Engine,
    target_engine: sa.Engine,
    batch: int,
    on_table: Callable[[str, int], None] | None,
) -> CopyReport:
    tables = Base.metadata.sorted_tables
    reading = source_engine.connect()
    if reading.dialect.name == "postgresql":
        # One snapshot for every table, as SQLite's single transaction gives.
        reading = reading.execution_options(isolation_level="REPEATABLE READ")
    with reading, reading.begin(), target_engine.begin() as writing:
        occupied = [t.name for t in tables if _count(writing, t)]
        if occupied:
            raise CopyError(
                f"the target is not empty ({', '.join(occupied)} hold rows); "
                "copy only into a new, empty database"
            )
        rows: dict[str, int] = {}
        for table in tables:
            rows[table.name] = _copy_table(reading, writing, table, batch)
            _carry_id_counter(reading, writing, table)
            if on_table is not None:
                on_table(table.name, rows[table.name])
        for table in tables:
            expected, copied = _count(reading, table), _count(writing, table)
            if expected != copied or copied != rows[table.name]:
                raise CopyError(
                    f"{table.name}: {expected} row(s) in the source, {copied} in the target; "
                    "nothing copied"
                )
    return CopyReport(rows)


def _count(connection: sa.Connection, table: sa.Table) -> int:
    return connection.scalar(select(func.count()).select_from(table)) or 0


def _copy_table(reading: sa.Connection, writing: sa.Connection, table: sa.Table, batch: int) -> int:
    result = reading.execution_options(yield_per=batch).execute(
        select(table).order_by(*table.primary_key.columns)
    )
    copied = 0
    for rows in result.partitions():
        writing.execute(table.insert(), [dict(row._mapping) for row in rows])
        copied += len(rows)
    return copied


def _id_column(table: sa.Table) -> sa.Column[int] | None:
    """The table's generated integer id, if it has one."""
    columns = list(table.primary_key.columns)
    if len(columns) == 1 and isinstance(columns[0].type, sa.Integer):
        return columns[0]
    return None


def _carry_id_counter(reading: sa.Connection, writing: sa.Connection, table: sa.Table) -> None:
    column = _id_column(table)
    if column is None:
        return
    highest = max(_counter(reading, table, column), _max_id(reading, table, column))
    if highest == 0:
        return  # nothing was ever stored: the target's counter starts where it does
    if writing.dialect.name == "postgresql":
        writing.execute(
            sa.text("SELECT setval(pg_get_serial_sequence(:table, :column), :value, true)"),
            {"table": table.name, "column": column.name, "value": highest},
        )
        return
    # SQLite AUTOINCREMENT keeps its counter in sqlite_sequence (a row once ids were given).
    updated = writing.execute(
        sa.text("UPDATE sqlite_sequence SET seq = :value WHERE name = :table"),
        {"table": table.name, "value": highest},
    ).rowcount
    if not updated:
        writing.execute(
            sa.text("INSERT INTO sqlite_sequence (name, seq) VALUES (:table, :value)"),
            {"table": table.name, "value": highest},
        )


def _max_id(connection: sa.Connection, table: sa.Table, column: sa.Column[int]) -> int:
    return connection.scalar(select(func.max(column))) or 0


def _counter(connection: sa.Connection, table: sa.Table, column: sa.Column[int]) -> int:
    """The highest id the database has handed out for `table`, deleted rows included."""
    if connection.dialect.name == "postgresql":
        sequence = connection.scalar(
            sa.text("SELECT pg_get_serial_sequence(:table, :column)"),
            {"table": table.name, "column": column.name},
        )
        if sequence is None:
            return 0
        last, called = connection.execute(
            sa.text(f"SELECT last_value, is_called FROM {sequence}")  # a name from the server
        ).one()
        return int(last) if called else 0
    value = connection.scalar(
        sa.text("SELECT seq FROM sqlite_sequence WHERE name = :table"), {"table": table.name}
    )
    return int(value or 0)
