"""People as Slack describes them: who may enroll, and keeping our row current."""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

from sqlalchemy import select, update
from sqlalchemy.orm import Session

from bot.cadence import Workday
from bot.db.inserts import insert_if_absent
from bot.db.models import Person


@dataclass(frozen=True)
class SlackProfile:
    user_id: str
    display_name: str
    real_name: str | None = None
    title: str | None = None
    tz: str | None = None
    is_bot: bool = False
    deleted: bool = False
    is_guest: bool = False

    @classmethod
    def from_users_info(cls, user: dict[str, Any]) -> SlackProfile:
        profile = user.get("profile") or {}
        # Never `user["name"]`: that is the raw user name (the handle), not what people
        # are called. With no name at all, the id stands in, as for a roster row.
        display = profile.get("display_name") or profile.get("real_name") or user.get("real_name")
        return cls(
            user_id=user["id"],
            display_name=display or user["id"],
            real_name=profile.get("real_name") or user.get("real_name"),
            title=profile.get("title") or None,
            tz=user.get("tz") or None,
            is_bot=bool(user.get("is_bot")) or user.get("id") == "USLACKBOT",
            deleted=bool(user.get("deleted")),
            is_guest=bool(user.get("is_restricted") or user.get("is_ultra_restricted")),
        )

    @property
    def first_name(self) -> str:
        return (self.real_name or self.display_name).split()[0]


def why_not_eligible(profile: SlackProfile) -> str | None:
    """A kind sentence saying why this account cannot enroll, or None if it can."""
    if profile.deleted:
        return "This Slack account is deactivated, so it can't join the mentorship program."
    if profile.is_bot:
        return "Bots can't join the mentorship program, though we appreciate the enthusiasm."
    if profile.is_guest:
        return (
            "The mentorship program is open to full members of this workspace, "
            "and guest accounts can't join. Your program coordinator can tell you more."
        )
    return None


def upsert_person(session: Session, team_id: str, profile: SlackProfile) -> Person:
    """Create or refresh the person's row from their Slack profile."""
    insert_if_absent(
        session,
        Person,
        {"team_id": team_id, "slack_user_id": profile.user_id, "display_name": ""},
        unique=["team_id", "slack_user_id"],
    )
    person = find_person(session, team_id, profile.user_id)
    assert person is not None
    person.display_name = profile.display_name[:255]
    person.real_name = profile.real_name[:255] if profile.real_name else None
    person.title = profile.title[:255] if profile.title else None
    person.tz = profile.tz
    return person


def find_person(session: Session, team_id: str, user_id: str) -> Person | None:
    return session.scalar(
        select(Person).where(Person.team_id == team_id, Person.slack_user_id == user_id)
    )


def workday_of(person: Person, default_tz: str) -> Workday:
    """Their working hours in their own zone (`default_tz` when Slack never told us theirs)."""
    return Workday(person.tz or default_tz, person.workday_start, person.workday_end)


def remember_dm_channel(session: Session, team_id: str, user_id: str, channel_id: str) -> None:
    """Keep the id of the bot's DM with them (D...), so the next file needs no
    conversations.open; the caller commits. Nobody's row: nothing to keep."""
    session.execute(
        update(Person)
        .where(Person.team_id == team_id, Person.slack_user_id == user_id)
        .values(dm_channel_id=channel_id)
    )
