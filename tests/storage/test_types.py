"""UTCDateTime and JSON columns behave the same on both databases."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta, timezone

import pytest
import sqlalchemy as sa
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st
from sqlalchemy.exc import StatementError
from sqlalchemy.orm import Session

from bot.db.models import AuditEntry, Mentorship, OutboxMessage, Person
from tests.storage import TEAM, WHEN, add_mentorship, add_person, add_program

BERLIN_WINTER = timezone(timedelta(hours=1))
NEW_YORK_WINTER = timezone(timedelta(hours=-5))


def _outbox(key: str, not_before: datetime) -> OutboxMessage:
    return OutboxMessage(
        team_id=TEAM,
        idempotency_key=key,
        method="chat.postMessage",
        payload={},
        not_before=not_before,
    )


def test_an_aware_datetime_comes_back_as_the_same_instant_in_utc(session: Session) -> None:
    local = datetime(2025, 1, 15, 10, 0, 0, 123456, tzinfo=BERLIN_WINTER)
    session.add(_outbox("a", local))
    session.commit()
    session.expunge_all()

    loaded = session.scalar(sa.select(OutboxMessage.not_before))

    assert loaded == local
    assert loaded is not None and loaded.tzinfo is UTC
    assert loaded == datetime(2025, 1, 15, 9, 0, 0, 123456, tzinfo=UTC)


def test_a_naive_datetime_is_refused(session: Session) -> None:
    session.add(_outbox("a", datetime(2025, 1, 15, 10, 0)))  # naive on purpose

    with pytest.raises(StatementError, match="refuses naive datetime 2025-01-15T10:00:00"):
        session.flush()
    session.rollback()


def test_a_naive_datetime_is_refused_in_a_query_too(session: Session) -> None:
    naive = datetime(2025, 1, 15, 10, 0)

    with pytest.raises(StatementError, match="naive"):
        session.scalars(sa.select(OutboxMessage).where(OutboxMessage.not_before <= naive)).all()


def test_range_queries_compare_instants_not_wall_clock_text(session: Session) -> None:
    # 09:30 in New York is later than 12:00 in Berlin; on SQLite this only holds
    # because every value is stored converted to UTC.
    session.add(_outbox("berlin", datetime(2025, 1, 15, 12, 0, tzinfo=BERLIN_WINTER)))
    session.add(_outbox("new-york", datetime(2025, 1, 15, 9, 30, tzinfo=NEW_YORK_WINTER)))
    session.commit()

    cutoff = datetime(2025, 1, 15, 12, 0, tzinfo=UTC)
    due = session.scalars(
        sa.select(OutboxMessage.idempotency_key).where(OutboxMessage.not_before <= cutoff)
    ).all()
    in_order = session.scalars(
        sa.select(OutboxMessage.idempotency_key).order_by(OutboxMessage.not_before)
    ).all()

    assert due == ["berlin"]
    assert in_order == ["berlin", "new-york"]


def test_server_default_timestamps_are_aware_utc(session: Session) -> None:
    # A raw insert takes created_at from the database clock (CURRENT_TIMESTAMP / now()).
    before = datetime.now(UTC).replace(microsecond=0) - timedelta(seconds=1)
    session.execute(
        sa.text(
            "INSERT INTO people (team_id, slack_user_id, display_name) VALUES ('T1', 'U1', 'x')"
        )
    )
    session.commit()

    created = session.scalar(sa.select(Person.created_at))

    assert created is not None and created.tzinfo is UTC
    assert before <= created <= datetime.now(UTC) + timedelta(seconds=1)


@settings(
    max_examples=40,
    deadline=None,
    # One database per test is fine here: every example writes its own row.
    suppress_health_check=[HealthCheck.function_scoped_fixture],
)
@given(
    instant=st.datetimes(
        min_value=datetime(1970, 1, 2),  # hypothesis takes naive bounds
        max_value=datetime(2200, 1, 1),
        timezones=st.timezones(),
    )
)
def test_any_aware_datetime_round_trips(session: Session, instant: datetime) -> None:
    session.add(AuditEntry(team_id=TEAM, action="test.round_trip", created_at=instant))
    session.commit()
    session.expunge_all()

    loaded = session.scalar(sa.select(AuditEntry.created_at).order_by(AuditEntry.id.desc()))

    # Compared as UTC: Python never calls a time in a DST fold or gap equal to
    # one in another zone (PEP 495), even when utcoffset() says they are.
    assert loaded == instant.astimezone(UTC)
    assert loaded is not None and loaded.tzinfo is UTC


def test_json_round_trips_and_none_is_sql_null(session: Session) -> None:
    mentorship = add_mentorship(
        session,
        add_program(session, match_weights={"topics": 2.0, "timezone": 0.5}),
        add_person(session),
        add_person(session),
        match_reasons=["both into Rust", "3 hours apart"],
        next_checkin_at=WHEN,
    )
    session.add(AuditEntry(team_id=TEAM, action="x", detail=None))
    session.commit()
    session.expunge_all()

    loaded = session.get_one(Mentorship, mentorship.id)
    assert loaded.match_reasons == ["both into Rust", "3 hours apart"]
    assert loaded.program.match_weights == {"topics": 2.0, "timezone": 0.5}
    # None must be SQL NULL, not the JSON literal null, or IS NULL would miss it.
    assert (
        session.scalar(
            sa.select(sa.func.count()).select_from(AuditEntry).where(AuditEntry.detail.is_(None))
        )
        == 1
    )
