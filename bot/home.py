"""Keeping each person's App Home current: read their state, render, queue the publish."""

from __future__ import annotations

from datetime import datetime

from sqlalchemy.orm import Session

from bot import keys, outbox
from bot.config import Settings
from bot.enrollment import active_mentorships, enrollment_of, profile_of
from bot.keys import Kind
from bot.views.home import HomeState, Partner, home_view


def home_state(
    session: Session, settings: Settings, *, team_id: str, user_id: str, now: datetime
) -> HomeState:
    is_coordinator = settings.is_coordinator(user_id)
    enrollment = enrollment_of(session, team_id, user_id, now)
    if enrollment is None:
        return HomeState(user_id=user_id, is_coordinator=is_coordinator)
    person = enrollment.person
    partners = tuple(
        Partner(user_id=m.mentor.slack_user_id, is_my_mentor=True)
        if m.mentee_id == person.id
        else Partner(user_id=m.mentee.slack_user_id, is_my_mentor=False)
        for m in active_mentorships(session, person)
    )
    return HomeState(
        user_id=user_id,
        is_coordinator=is_coordinator,
        profile=profile_of(enrollment, settings.timezone),
        status=enrollment.status,
        partners=partners,
        mentees_now=enrollment.active_mentee_count,
    )


def queue_home_publish(
    session: Session, settings: Settings, *, team_id: str, user_id: str, cause: str, now: datetime
) -> bool:
    """Queue a views.publish of this person's Home; `cause` makes the key unique per trigger."""
    state = home_state(session, settings, team_id=team_id, user_id=user_id, now=now)
    return outbox.enqueue(
        session,
        team_id=team_id,
        key=keys.once(Kind.HOME, team_id, user_id, cause),
        method="views.publish",
        payload={"user_id": user_id, "view": home_view(state).to_dict()},
        not_before=now,
    )
