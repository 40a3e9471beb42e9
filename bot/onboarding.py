"""Joining and leaving as a person experiences them: the change plus what they are told."""

from __future__ import annotations

from datetime import datetime

from sqlalchemy.orm import Session

from bot import keys, outbox
from bot.config import Settings
from bot.db.models import Enrollment, Person, Program
from bot.enrollment import Saved, leave, save_profile
from bot.home import queue_home_publish
from bot.keys import Kind
from bot.profile import Profile
from bot.views.guides import welcome_dm

LEFT_TEXT = (
    "You've left the mentorship program. Your profile, goals and notes are deleted. "
    "Thank you for taking part; you're welcome back any time with `/mentor join`."
)


def submit_profile(
    session: Session,
    settings: Settings,
    *,
    program: Program,
    person: Person,
    profile: Profile,
    now: datetime,
) -> Saved:
    """Save the form; a newcomer gets the welcome DM with their role's guide, once."""
    saved = save_profile(session, program=program, person=person, profile=profile, now=now)
    if saved.joined:
        first_name = person.real_name.split()[0] if person.real_name else None
        text, blocks = welcome_dm(profile, first_name=first_name)
        outbox.enqueue(
            session,
            team_id=program.team_id,
            # One welcome per joining, however often the form is submitted.
            key=keys.each(Kind.WELCOME, saved.enrollment.id, at=saved.enrollment.joined_at),
            method="chat.postMessage",
            payload={
                "channel": person.slack_user_id,
                "text": text,
                "blocks": [block.to_dict() for block in blocks],
            },
            not_before=now,
        )
    refresh_home(session, settings, person, cause="profile", now=now)
    return saved


def leave_program(
    session: Session, settings: Settings, enrollment: Enrollment, *, now: datetime
) -> list[str]:
    """Leave, confirm by DM, and show the person a fresh Home; returns partners told.

    The DM says their words are deleted: `leave` blanks them in every table,
    the outbox included (see bot.privacy).
    """
    person = enrollment.person
    told = leave(session, enrollment, now=now)
    if told is None:
        return []  # the other of two confirmations did it, and said so
    outbox.enqueue(
        session,
        team_id=person.team_id,
        key=keys.each(Kind.LEFT, enrollment.id, at=now),
        method="chat.postMessage",
        payload={"channel": person.slack_user_id, "text": LEFT_TEXT},
        not_before=now,
    )
    refresh_home(session, settings, person, cause="left", now=now)
    return told


def refresh_home(
    session: Session, settings: Settings, person: Person, *, cause: str, now: datetime
) -> None:
    queue_home_publish(
        session,
        settings,
        team_id=person.team_id,
        user_id=person.slack_user_id,
        cause=f"{cause}:{now.isoformat()}",
        now=now,
    )
