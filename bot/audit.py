"""The audit trail: who did what to which row, for coordinators and for debugging."""

from __future__ import annotations

import logging
from datetime import datetime
from typing import Any

from sqlalchemy import select
from sqlalchemy.orm import Session, aliased

from bot.db.models import AuditEntry, Mentorship, Person
from bot.views.coordinators import AuditLine

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


def latest(session: Session, team_id: str, count: int) -> tuple[AuditLine, ...]:
    """The workspace's `count` newest entries, newest first, each pair named by its two
    people (one query over the (team_id, created_at) index, one for the pairs)."""
    entries = session.scalars(
        select(AuditEntry)
        .where(AuditEntry.team_id == team_id)
        .order_by(AuditEntry.created_at.desc(), AuditEntry.id.desc())
        .limit(count)
    ).all()
    pairs = _pairs(session, {e.subject_id for e in entries if e.subject_type == "mentorship"})
    return tuple(
        AuditLine(
            at=e.created_at,
            actor=e.actor_slack_id,
            action=e.action,
            subject_type=e.subject_type,
            subject_id=e.subject_id,
            detail=e.detail,
            pair=pairs.get(e.subject_id or "") if e.subject_type == "mentorship" else None,
        )
        for e in entries
    )


def _pairs(session: Session, subject_ids: set[str | None]) -> dict[str, tuple[str, str]]:
    """{mentorship id as the audit stores it: (mentor, mentee) Slack ids}."""
    ids = [int(s) for s in subject_ids if s and s.isascii() and s.isdigit() and len(s) < 10]
    if not ids:
        return {}
    mentor, mentee = aliased(Person), aliased(Person)
    rows = session.execute(
        select(Mentorship.id, mentor.slack_user_id, mentee.slack_user_id)
        .join(mentor, mentor.id == Mentorship.mentor_id)
        .join(mentee, mentee.id == Mentorship.mentee_id)
        .where(Mentorship.id.in_(ids))
    )
    return {str(pair): (mentor_id, mentee_id) for pair, mentor_id, mentee_id in rows}
