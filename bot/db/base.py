"""The declarative base, its naming convention and small column helpers."""

from __future__ import annotations

from datetime import datetime
from typing import Any, ClassVar

import sqlalchemy as sa
from sqlalchemy.orm import DeclarativeBase, Mapped, mapped_column

from bot.db.types import UTCDateTime, utcnow

# Deterministic constraint names: autogenerate output is stable, migrations can
# drop constraints by name, and SQLite batch mode can recreate tables.
NAMING_CONVENTION: dict[str, str] = {
    "ix": "ix_%(table_name)s_%(column_0_N_name)s",
    "uq": "uq_%(table_name)s_%(column_0_N_name)s",
    "ck": "ck_%(table_name)s_%(constraint_name)s",
    "fk": "fk_%(table_name)s_%(column_0_name)s_%(referred_table_name)s",
    "pk": "pk_%(table_name)s",
}

# SQLite reuses the highest rowid after a delete unless AUTOINCREMENT is on; ids
# end up in outbox idempotency keys, so a reused id could suppress a real message.
NO_ID_REUSE: dict[str, Any] = {"sqlite_autoincrement": True}

# Slack ids (T…, U…, W…, C…, E…) are short; 32 leaves room for enterprise formats.
SLACK_ID = sa.String(32)


class Base(DeclarativeBase):
    metadata = sa.MetaData(naming_convention=NAMING_CONVENTION)
    # Any Mapped[datetime] is an instant; plain DateTime would lose the zone on SQLite.
    type_annotation_map: ClassVar[dict[Any, Any]] = {datetime: UTCDateTime()}


def created_at_column() -> Mapped[datetime]:
    # The Python default gives the ORM the value without a round trip (sessions
    # use expire_on_commit=False); the server default serves raw SQL inserts.
    return mapped_column(default=utcnow, server_default=sa.func.now())


def updated_at_column() -> Mapped[datetime]:
    return mapped_column(default=utcnow, onupdate=utcnow, server_default=sa.func.now())
