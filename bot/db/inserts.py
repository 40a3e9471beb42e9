"""Insert-if-absent, the building block of idempotency on both dialects."""

from __future__ import annotations

from typing import Any

from sqlalchemy import Row
from sqlalchemy.dialects.postgresql import insert as pg_insert
from sqlalchemy.dialects.sqlite import insert as sqlite_insert
from sqlalchemy.orm import DeclarativeBase, Session


def insert_if_absent(
    session: Session, model: type[DeclarativeBase], values: dict[str, Any], *, unique: list[str]
) -> bool:
    """Insert the row unless one with the same `unique` columns exists; True when inserted.

    RETURNING tells us what happened: psycopg reports no rowcount for ON CONFLICT.
    """
    insert = pg_insert if session.get_bind().dialect.name == "postgresql" else sqlite_insert
    statement = (
        insert(model)
        .values(**values)
        .on_conflict_do_nothing(index_elements=unique)
        .returning(*(getattr(model, column) for column in unique))
    )
    return session.execute(statement).first() is not None


def insert_many_if_absent(
    session: Session,
    model: type[DeclarativeBase],
    rows: list[dict[str, Any]],
    *,
    unique: list[str],
    chunk: int = 500,
) -> int:
    """`insert_if_absent` for many rows, a multi-row INSERT per `chunk`; how many inserted.

    Chunks keep each statement well under SQLite's limit on bound parameters.
    """
    returning = [getattr(model, unique[0])]
    return len(insert_many_returning(session, model, rows, unique=unique, returning=returning))


def insert_many_returning(
    session: Session,
    model: type[DeclarativeBase],
    rows: list[dict[str, Any]],
    *,
    unique: list[str],
    returning: list[Any],
    chunk: int = 500,
) -> list[Row[Any]]:
    """`insert_many_if_absent` that says which rows went in: the `returning` columns of
    each inserted row (in no particular order); rows that existed already are left out.

    One statement with the rows as parameters: SQLAlchemy sends it as multi-row INSERTs
    ("insertmanyvalues") and compiles it once, where `.values(rows)` would be compiled
    anew, row by row, for every chunk (a quarter of the due-work job's batch time).
    """
    insert = pg_insert if session.get_bind().dialect.name == "postgresql" else sqlite_insert
    table = model.__table__  # type: ignore[attr-defined]
    statement = (
        insert(table)
        .on_conflict_do_nothing(index_elements=unique)
        .returning(*(table.c[column.key] for column in returning))
    )
    inserted: list[Row[Any]] = []
    for start in range(0, len(rows), chunk):
        inserted.extend(session.execute(statement, rows[start : start + chunk]).all())
    return inserted
