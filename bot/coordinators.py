"""Who coordinates the program: MENTORBOT_ADMINS, plus those a coordinator granted in Slack.

Every coordinator action asks `is_coordinator` on the server for each request, whatever
the entry point (a button is only shown to coordinators, but anyone can forge its payload).
The ones from the setting have no row and cannot be removed in Slack.
"""

from __future__ import annotations

from sqlalchemy import select
from sqlalchemy.orm import Session

from bot.config import Settings
from bot.db.models import Coordinator


def is_coordinator(session: Session, settings: Settings, team_id: str, user_id: str) -> bool:
    if settings.is_coordinator(user_id):
        return True
    granted = session.scalar(
        select(Coordinator.id).where(
            Coordinator.team_id == team_id, Coordinator.slack_user_id == user_id
        )
    )
    return granted is not None


def coordinators_of(session: Session, settings: Settings, team_id: str) -> frozenset[str]:
    """Everyone who coordinates in this workspace: the setting's and the granted ones."""
    granted = session.scalars(
        select(Coordinator.slack_user_id).where(Coordinator.team_id == team_id)
    )
    return frozenset(settings.admins) | frozenset(granted)
