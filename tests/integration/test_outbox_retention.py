"""Sent messages keep no body beyond the retention, for everyone; the row itself stays."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta

from sqlalchemy import select

from bot import outbox
from bot.db.enums import EnrollmentRole, OutboxStatus
from bot.db.models import OutboxMessage
from bot.home import queue_home_publish
from tests.integration import cast
from tests.integration.conftest import Rig

ANA = "U0ANA0001"


def rows(rig: Rig) -> list[OutboxMessage]:
    with rig.runtime.deps.sessions() as session:
        return list(session.scalars(select(OutboxMessage).order_by(OutboxMessage.id)))


def test_a_sent_message_body_is_blanked_after_the_retention_and_its_row_kept(rig: Rig) -> None:
    assert rig.settings.outbox_retention_days == 7
    cast.enroll(rig, ANA, EnrollmentRole.MENTEE, goals="I want to learn quasicrystal tessellation.")
    sent_at = datetime.now(UTC)
    with rig.runtime.deps.sessions() as session:
        queue_home_publish(
            session, rig.settings, team_id="T0001", user_id=ANA, cause="t", now=sent_at
        )
        session.commit()
    rig.run_due(sent_at)
    [home] = rows(rig)
    assert home.status is OutboxStatus.SENT and "quasicrystal" in str(home.payload)

    rig.run_due(sent_at + timedelta(days=6))
    assert "quasicrystal" in str(rows(rig)[0].payload)  # within the retention

    rig.run_due(sent_at + timedelta(days=7, minutes=1))
    [home] = rows(rig)
    assert home.payload == {}
    assert home.status is OutboxStatus.SENT and home.idempotency_key.startswith("home:")
    with rig.runtime.deps.sessions() as session:  # the key still stops a repeat
        again = outbox.enqueue(
            session,
            team_id="T0001",
            key=home.idempotency_key,
            method="views.publish",
            payload={"user_id": ANA},
            not_before=sent_at,
        )
    assert again is False


def test_a_pending_message_keeps_its_body_however_old(rig: Rig) -> None:
    long_ago = datetime.now(UTC) - timedelta(days=30)
    with rig.runtime.deps.sessions() as session:
        outbox.enqueue(
            session,
            team_id="T0001",
            key="later",
            method="chat.postMessage",
            payload={"channel": ANA, "text": "Still to come"},
            not_before=datetime.now(UTC) + timedelta(days=365),
        )
        session.commit()
    rig.run_due(long_ago + timedelta(days=60))
    [row] = rows(rig)
    assert row.status is OutboxStatus.PENDING and row.payload["text"] == "Still to come"
