"""Column types that behave the same on SQLite and PostgreSQL."""

from __future__ import annotations

from datetime import UTC, datetime
from enum import StrEnum
from typing import Any

import sqlalchemy as sa
from sqlalchemy.dialects.postgresql import JSONB
from sqlalchemy.engine import Dialect

# Every enum column is VARCHAR(ENUM_LENGTH) + CHECK, so a new value needs only the
# CHECK changed, never the column widened.
ENUM_LENGTH = 32


def utcnow() -> datetime:
    """The current time as an aware UTC datetime (the only kind UTCDateTime accepts)."""
    return datetime.now(UTC)


class UTCDateTime(sa.types.TypeDecorator[datetime]):
    """An instant: accepts aware datetimes only and always returns aware UTC ones.

    PostgreSQL stores `timestamptz`. SQLite has no time zones, so the value is
    converted to UTC and stored naive in SQLAlchemy's fixed-width text format,
    which keeps string order equal to time order for range queries.
    """

    impl = sa.DateTime(timezone=True)
    cache_ok = True

    def process_bind_param(self, value: Any, dialect: Dialect) -> datetime | None:
        if value is None:
            return None
        if not isinstance(value, datetime):
            raise TypeError(
                f"UTCDateTime expects a datetime, got {type(value).__name__}: {value!r}"
            )
        if value.tzinfo is None or value.tzinfo.utcoffset(value) is None:
            # A naive value has no defined instant; guessing local time or UTC hides bugs.
            raise ValueError(
                f"UTCDateTime refuses naive datetime {value.isoformat()}: "
                "pass an aware datetime, e.g. datetime.now(UTC)"
            )
        value = value.astimezone(UTC)
        if dialect.name == "sqlite":
            return value.replace(tzinfo=None)
        return value

    def process_result_value(self, value: Any, dialect: Dialect) -> datetime | None:
        if value is None:
            return None
        if value.tzinfo is None:
            # SQLite hands back what we stored: naive, and UTC by construction.
            return value.replace(tzinfo=UTC)
        return value.astimezone(UTC)

    @property
    def python_type(self) -> type[datetime]:
        return datetime


def json_type() -> sa.types.TypeEngine[Any]:
    """JSON on SQLite, JSONB on PostgreSQL; Python None is stored as SQL NULL.

    none_as_null matters: by default None becomes the JSON literal 'null', which
    `IS NULL` does not match.
    """
    return sa.JSON(none_as_null=True).with_variant(JSONB(none_as_null=True), "postgresql")


def enum_type(enum_cls: type[StrEnum], name: str) -> sa.Enum:
    """A StrEnum stored by value as VARCHAR + CHECK on both dialects.

    `name` names the CHECK constraint (via the naming convention:
    ck_<table>_<name>), so pass the column name to keep names unique per table.
    """
    return sa.Enum(
        enum_cls,
        name=name,
        native_enum=False,
        create_constraint=True,
        length=ENUM_LENGTH,
        values_callable=lambda e: [member.value for member in e],
        validate_strings=True,
    )
