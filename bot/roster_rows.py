"""Reading a roster CSV: which of its two forms it is (told by the header row), and each
row's cells checked on their own. Nothing here talks to Slack or to the database.

- The Slack-id form: `slack_user_id,manager_slack_id,team` (an HR export mapped to ids).
- The email form: a header naming `email` and any of `role` (mentee, mentor, both),
  `topics` (separated by `;` or `|`), `team`, `manager_email` and `cohort`; people and
  managers are found in Slack by email later (bot.roster).

A row that cannot be read becomes a `Problem` with its line number and why; the rows
around it are still read. A file is only refused whole when its header says nothing usable.
"""

from __future__ import annotations

import csv
import io
import re
from dataclasses import dataclass, field
from enum import StrEnum

from bot.config import SLACK_USER_ID
from bot.db.enums import EnrollmentRole

SLACK_ID_COLUMNS = ("slack_user_id", "manager_slack_id", "team")
EMAIL_COLUMNS = ("email", "role", "topics", "team", "manager_email", "cohort")
ROLES = ", ".join(role.value for role in EnrollmentRole)
TEAM_MAX = 255  # people.org_team
# Enough to catch a shifted column or a name in the email cell; Slack has the last word.
EMAIL_SHAPE = re.compile(r"^[^@\s]+@[^@\s]+\.[^@\s]+$")
TOPIC_SEPARATORS = re.compile(r"[;|]")


class Form(StrEnum):
    SLACK_IDS = "slack_ids"
    EMAILS = "emails"


@dataclass(frozen=True)
class Problem:
    line: int
    why: str

    def __str__(self) -> str:
        return f"line {self.line}: {self.why}"


@dataclass(frozen=True)
class Row:
    """One readable row. `person` and `manager` are Slack ids in the Slack-id form and
    email addresses (lower case) in the email form."""

    line: int
    person: str
    manager: str | None
    team: str | None
    role: EnrollmentRole | None = None  # None: the row enrolls nobody
    topics: tuple[str, ...] = ()
    cohort: str | None = None


@dataclass
class Parsed:
    form: Form | None  # None: the header names neither form
    rows: list[Row] = field(default_factory=list)
    problems: list[Problem] = field(default_factory=list)
    ignored_columns: tuple[str, ...] = ()

    @property
    def emails(self) -> list[str]:
        """Every address to look up (people and managers), each once, in file order."""
        seen = dict.fromkeys(e for row in self.rows for e in (row.person, row.manager) if e)
        return list(seen)


def mask_email(email: str) -> str:
    """`a…@example.com`: enough for a coordinator to recognise, not a copy to keep."""
    local, at, domain = email.partition("@")
    return f"{local[:1]}…{at}{domain}" if at else f"{email[:1]}…"


def parse(text: str) -> Parsed:
    reader = csv.DictReader(io.StringIO(text), delimiter=_delimiter(text))
    header = [_column(name) for name in reader.fieldnames or []]
    reader.fieldnames = header
    if "email" in header:
        parsed = Parsed(Form.EMAILS, ignored_columns=_unknown(header, EMAIL_COLUMNS))
        read_row = _email_row
    elif "slack_user_id" in header:
        parsed = Parsed(Form.SLACK_IDS, ignored_columns=_unknown(header, SLACK_ID_COLUMNS))
        missing = [c for c in SLACK_ID_COLUMNS if c not in header]
        if missing:
            parsed.problems.append(Problem(1, f"missing column(s) {', '.join(missing)}"))
            return parsed
        read_row = _slack_id_row
    else:
        why = (
            "the header row names no `email` column (nor `slack_user_id`); "
            f"name the columns {', '.join(EMAIL_COLUMNS)}"
        )
        return Parsed(None, problems=[Problem(1, why)])
    seen: dict[tuple[str, str], int] = {}
    for record in reader:
        cells = {k: (v or "").strip() for k, v in record.items() if isinstance(k, str)}
        if not any(cells.values()):
            continue  # a blank line in a spreadsheet export
        line = reader.line_num
        outcome = read_row(line, cells)
        if isinstance(outcome, Row):
            key = (outcome.person, (outcome.cohort or "").lower())
            if key in seen:
                outcome = Problem(line, f"duplicate row (the same person as line {seen[key]})")
            else:
                seen[key] = line
        if isinstance(outcome, Problem):
            parsed.problems.append(outcome)
        else:
            parsed.rows.append(outcome)
    return parsed


def _delimiter(text: str) -> str:
    """`,` unless the header row is plainly split by `;` or tabs (a spreadsheet saved in a
    locale whose decimal mark is the comma)."""
    header = text.split("\n", 1)[0]
    return max((",", ";", "\t"), key=header.count) if header.count(",") == 0 else ","


def _column(name: str | None) -> str:
    """`Manager Email` and `manager-email` name `manager_email`."""
    return re.sub(r"[\s-]+", "_", (name or "").strip().lower())


def _unknown(header: list[str], known: tuple[str, ...]) -> tuple[str, ...]:
    return tuple(name for name in header if name and name not in known)


def _slack_id_row(line: int, cells: dict[str, str]) -> Row | Problem:
    user = cells.get("slack_user_id", "")
    manager = cells.get("manager_slack_id") or None
    if not SLACK_USER_ID.match(user):
        return Problem(line, f"{user!r} is not a Slack user id")
    if manager is not None and not SLACK_USER_ID.match(manager):
        return Problem(line, f"manager {manager!r} is not a Slack user id")
    if manager == user:
        return Problem(line, f"{user} cannot be their own manager")
    return Row(line, user, manager, cells.get("team", "")[:TEAM_MAX] or None)


def _email_row(line: int, cells: dict[str, str]) -> Row | Problem:
    email = cells.get("email", "").lower()
    manager = cells.get("manager_email", "").lower() or None
    if not email:
        return Problem(line, "no email")
    if not EMAIL_SHAPE.match(email):
        return Problem(line, "the email cell does not hold an email address")
    if manager is not None and not EMAIL_SHAPE.match(manager):
        return Problem(line, "the manager_email cell does not hold an email address")
    if manager == email:
        return Problem(line, "someone cannot be their own manager")
    role_text = cells.get("role", "").lower()
    topics = _topics(cells.get("topics", ""))
    cohort = " ".join(cells.get("cohort", "").split()) or None
    role = None
    if role_text:
        try:
            role = EnrollmentRole(role_text)
        except ValueError:
            return Problem(line, f"unknown role {cells['role']!r} (use {ROLES})")
    elif topics or cohort:
        return Problem(line, f"topics or a cohort but no role (use {ROLES})")
    team = cells.get("team", "")[:TEAM_MAX] or None
    return Row(line, email, manager, team, role=role, topics=topics, cohort=cohort)


def _topics(cell: str) -> tuple[str, ...]:
    """Labels as written, each once (whatever its case)."""
    unique: dict[str, str] = {}
    for part in TOPIC_SEPARATORS.split(cell):
        label = " ".join(part.split())
        if label:
            unique.setdefault(label.lower(), label)
    return tuple(unique.values())
