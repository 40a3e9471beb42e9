"""Events API bookkeeping: Slack re-sends an event it thinks we missed; act once.

The same table remembers request signatures, so a signed request replayed within
Slack's 5-minute window is refused (see bot.server).
"""

from __future__ import annotations

import hashlib
from datetime import datetime, timedelta

from sqlalchemy import delete
from sqlalchemy.orm import Session

from bot.db.inserts import insert_if_absent
from bot.db.models import ProcessedEvent

# Slack retries within minutes; a day of memory is ample and keeps the table small.
KEEP_FOR = timedelta(days=1)
# Event ids look like "Ev0A1B2C3D"; this prefix keeps signature rows apart from them.
SIGNATURE_PREFIX = "sig:"


def first_delivery(session: Session, *, team_id: str, event_id: str, now: datetime) -> bool:
    """Record the event id; False when it was already recorded (a retry)."""
    values = {"event_id": event_id, "team_id": team_id, "received_at": now}
    return insert_if_absent(session, ProcessedEvent, values, unique=["event_id"])


def signature_key(signature: str) -> str:
    """A fixed-length key for a request signature (fits event_id's 64 characters)."""
    return SIGNATURE_PREFIX + hashlib.sha256(signature.encode()).hexdigest()[:60]


def first_sight_of_signature(session: Session, *, signature: str, now: datetime) -> bool:
    """Record the signature; False when it was already recorded (a replay)."""
    values = {"event_id": signature_key(signature), "team_id": None, "received_at": now}
    return insert_if_absent(session, ProcessedEvent, values, unique=["event_id"])


def forget_old(session: Session, now: datetime) -> int:
    result = session.execute(
        delete(ProcessedEvent).where(ProcessedEvent.received_at < now - KEEP_FOR)
    )
    return result.rowcount
