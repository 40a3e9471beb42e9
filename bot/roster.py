"""Roster import: who reports to whom and who works in which team, from an HR export.

Matching never pairs a mentee with someone in their own reporting line or team;
this is where that knowledge comes from when profiles do not carry it.
"""

from __future__ import annotations

import csv
import io
from dataclasses import dataclass, field

from sqlalchemy import select
from sqlalchemy.orm import Session

from bot.config import SLACK_USER_ID
from bot.db.models import Program
from bot.people import SlackProfile, find_person, upsert_person

COLUMNS = ("slack_user_id", "manager_slack_id", "team")


@dataclass
class RosterReport:
    updated: int = 0
    created: int = 0
    problems: list[str] = field(default_factory=list)  # "line N: why"


def workspaces(session: Session) -> list[str]:
    """The Slack teams that use mentorbot (each has a program), in order."""
    return sorted(set(session.scalars(select(Program.team_id))))


def import_roster(session: Session, team_id: str, text: str) -> RosterReport:
    """Apply a CSV of slack_user_id, manager_slack_id, team (the last two may be empty)."""
    report = RosterReport()
    reader = csv.DictReader(io.StringIO(text))
    missing = [c for c in COLUMNS if c not in (reader.fieldnames or [])]
    if missing:
        report.problems.append(f"line 1: missing column(s) {', '.join(missing)}")
        return report
    for line, row in enumerate(reader, start=2):
        user = (row["slack_user_id"] or "").strip()
        manager = (row["manager_slack_id"] or "").strip() or None
        team = (row["team"] or "").strip()[:255] or None
        if not SLACK_USER_ID.match(user):
            report.problems.append(f"line {line}: {user!r} is not a Slack user id")
            continue
        if manager is not None and not SLACK_USER_ID.match(manager):
            report.problems.append(f"line {line}: manager {manager!r} is not a Slack user id")
            continue
        if manager == user:
            report.problems.append(f"line {line}: {user} cannot be their own manager")
            continue
        person = find_person(session, team_id, user)
        if person is None:
            person = upsert_person(session, team_id, SlackProfile(user, display_name=user))
            report.created += 1
        else:
            report.updated += 1
        person.manager_slack_id = manager
        person.org_team = team
    return report
