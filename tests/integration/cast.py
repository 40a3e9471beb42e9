"""Putting people into the program directly, for tests whose subject comes after joining."""

from __future__ import annotations

from datetime import UTC, datetime

from bot.db.enums import EnrollmentRole
from bot.enrollment import save_profile
from bot.people import SlackProfile, upsert_person
from bot.profile import Profile
from bot.programs import current_program
from tests.integration.conftest import TEAM, Rig


def enroll(
    rig: Rig,
    user: str,
    role: EnrollmentRole,
    *,
    topics: tuple[str, ...] = ("NLP", "MLOps"),
    goals: str = "I want to move from backend work into ML engineering within a year.",
    bio: str = "",
    capacity: int = 2,
    tz: str = "Europe/Paris",
) -> None:
    """Enroll `user` as if they had filled the form; their name is letters 3-5 of the id."""
    name = user[2:5].title()
    rig.emulator.add_user(user, name=user.lower(), real_name=name, tz=tz)
    now = datetime.now(UTC)
    with rig.runtime.deps.sessions() as session:
        program = current_program(session, TEAM, now)
        person = upsert_person(
            session, TEAM, SlackProfile(user, display_name=name, real_name=name, tz=tz)
        )
        profile = Profile(
            role=role, topics=topics, goals=goals, bio=bio, capacity=capacity, timezone=tz
        )
        save_profile(session, program=program, person=person, profile=profile, now=now)
        session.commit()
