"""The audit trail: who did what to which row, for coordinators and for debugging."""

from __future__ import annotations

from datetime import datetime
from typing import Any

from sqlalchemy.orm import Session

from bot.db.models import AuditEntry


def record(
    session: Session,
    *,
    team_id: str,
    actor: str | None,
    action: str,
    subject_type: str,
    subject_id: int | str | None,
    now: datetime,
    detail: dict[str, Any] | None = None,
) -> None:
    session.add(
        AuditEntry(
            team_id=team_id,
            actor_slack_id=actor,
            action=action,
            subject_type=subject_type,
            subject_id=None if subject_id is None else str(subject_id),
            detail=detail or {},
            created_at=now,
        )
    )
