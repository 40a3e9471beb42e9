"""The audit trail: who did what to which row, for coordinators and for debugging."""

from __future__ import annotations

import logging
from datetime import datetime
from typing import Any

from sqlalchemy.orm import Session

from bot.db.models import AuditEntry

log = logging.getLogger("mentorbot.audit")


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


def refused(
    session: Session,
    *,
    team_id: str,
    actor: str | None,
    action: str,
    subject_type: str,
    subject_id: int | str | None,
    now: datetime,
    why: str,
) -> None:
    """A request the bot turned down on purpose (a forged or not-allowed payload).

    One log line and one audit entry, so a probe is visible without flooding the log.
    """
    log.warning(
        "refused %s by %s on %s %s: %s", action, actor, subject_type, subject_id or "-", why
    )
    record(
        session,
        team_id=team_id,
        actor=actor,
        action=f"refused.{action}",
        subject_type=subject_type,
        subject_id=None if subject_id is None else str(subject_id)[:64],  # forged ids can be long
        now=now,
        detail={"why": why},
    )
