"""Events API bookkeeping: Slack re-sends an event it thinks we missed; act once."""

from __future__ import annotations

from datetime import datetime, timedelta

from sqlalchemy import delete
from sqlalchemy.orm import Session

from bot.db.inserts import insert_if_absent
from bot.db.models import ProcessedEvent

# Slack retries within minutes; a day of memory is ample and keeps the table small.
KEEP_FOR = timedelta(days=1)


def first_delivery(session: Session, *, team_id: str, event_id: str, now: datetime) -> bool:
    """Record the event id; False when it was already recorded (a retry)."""
    values = {"event_id": event_id, "team_id": team_id, "received_at": now}
    return insert_if_absent(session, ProcessedEvent, values, unique=["event_id"])


def forget_old(session: Session, now: datetime) -> int:
    result = session.execute(
        delete(ProcessedEvent).where(ProcessedEvent.received_at < now - KEEP_FOR)
    )
    return result.rowcount
