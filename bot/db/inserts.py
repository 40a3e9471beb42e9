"""Insert-if-absent, the building block of idempotency on both dialects."""

from __future__ import annotations

from typing import Any

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
    insert = pg_insert if session.get_bind().dialect.name == "postgresql" else sqlite_insert
    inserted = 0
    for start in range(0, len(rows), chunk):
        statement = (
            insert(model)
            .values(rows[start : start + chunk])
            .on_conflict_do_nothing(index_elements=unique)
            .returning(getattr(model, unique[0]))
        )
        inserted += len(session.execute(statement).all())
    return inserted
