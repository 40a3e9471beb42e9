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
