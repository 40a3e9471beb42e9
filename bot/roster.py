"""Roster import: who takes part (role, topics, cohort), who reports to whom and who works
in which team, from an HR export: `mentorbot roster import` or a CSV a coordinator shares
with the bot in Slack (bot.roster_uploads). The same file twice changes nothing.

Matching never pairs a mentee with someone in their own reporting line or team; this is
where that knowledge comes from when profiles do not carry it.

Steps: read the rows (bot.roster_rows); find each email in Slack (users.lookupByEmail,
outside any transaction: at Tier 3 a long file takes minutes); then apply every row in
one short unit of work, with one audit entry of counts. Emails are never stored: people
are kept by their Slack id, and a report names an address only masked.
"""

from __future__ import annotations

from collections.abc import Callable, Iterable, Mapping
from dataclasses import dataclass, field
from datetime import datetime
from typing import Protocol

from slack_sdk import WebClient
from slack_sdk.errors import SlackApiError
from sqlalchemy import select
from sqlalchemy.exc import IntegrityError
from sqlalchemy.orm import Session

from bot import audit
from bot.db.enums import EnrollmentRole, EnrollmentStatus, ProgramStatus
from bot.db.models import Enrollment, Person, Program, Topic
from bot.enrollment import enrollment_in
from bot.people import SlackProfile, find_person, upsert_person
from bot.profile import DEFAULT_CAPACITY, MENTOR_ROLES
from bot.programs import current_program, program_named, program_names, topic_labels
from bot.roster_rows import Form, Parsed, Problem, Row, mask_email, parse
from bot.uow import UnitOfWork

ACTION = "roster.imported"
# What users.lookupByEmail answers for an address it cannot match to a person.
NOT_A_PERSON = {"users_not_found": "no Slack account uses", "invalid_email": "Slack can't read"}


class RosterError(Exception):
    """The import cannot run at all (Slack refused the lookups, no token...); str says why."""


@dataclass
class RosterReport:
    form: Form | None = None
    added: int = 0  # a person or an enrollment new to the program
    updated: int = 0
    unchanged: int = 0
    problems: list[Problem] = field(default_factory=list)  # the rows skipped, and why
    ignored_columns: tuple[str, ...] = ()

    @property
    def skipped(self) -> int:
        return len(self.problems)

    @property
    def imported(self) -> int:
        return self.added + self.updated + self.unchanged

    def counts(self) -> dict[str, int]:
        return {
            "added": self.added,
            "updated": self.updated,
            "unchanged": self.unchanged,
            "skipped": self.skipped,
        }


def workspaces(session: Session) -> list[str]:
    """The Slack teams that use mentorbot (each has a program), in order."""
    return sorted(set(session.scalars(select(Program.team_id))))


# --- finding people in Slack --------------------------------------------------------------

Found = SlackProfile | str  # the person, or Slack's reason it found nobody


class Directory(Protocol):
    def lookup(self, email: str) -> Found: ...


class SlackDirectory:
    """users.lookupByEmail (Tier 3, about 50 a minute). Give it a patient client
    (bot.slack.make_patient_client): a 429 is waited out per Retry-After and asked again."""

    def __init__(self, client: WebClient) -> None:
        self.client = client

    def lookup(self, email: str) -> Found:
        try:
            # In the body, not the URL (slack_sdk's method uses GET): slack_sdk logs the
            # URL of every retry, and an address must not reach the log.
            user = self.client.api_call("users.lookupByEmail", data={"email": email})["user"]
        except SlackApiError as exc:
            error = str(exc.response.get("error") or f"http_{exc.response.status_code}")
            if error in NOT_A_PERSON:
                return error
            raise RosterError(f"Slack refused to look people up by email ({error})") from exc
        return SlackProfile.from_users_info(user)


def resolve(
    emails: Iterable[str],
    directory: Directory,
    on_lookup: Callable[[int, int], None] | None = None,
) -> dict[str, Found]:
    """Each address looked up once; `on_lookup(done, total)` after each (a progress bar)."""
    wanted = list(emails)
    found: dict[str, Found] = {}
    for done, email in enumerate(wanted, start=1):
        found[email] = directory.lookup(email)
        if on_lookup is not None:
            on_lookup(done, len(wanted))
    return found


# --- the import ---------------------------------------------------------------------------


def import_roster(
    units: Callable[[], UnitOfWork],
    *,
    team_id: str,
    text: str,
    directory: Directory | None,
    actor: str | None,
    via: str,
    now: datetime,
    on_lookup: Callable[[int, int], None] | None = None,
    then: Callable[[Session, RosterReport], None] | None = None,
) -> RosterReport:
    """Read, look up, apply and audit one roster file; returns what happened to each row.

    `then` runs in the same transaction as the rows, once they are applied (an import
    from Slack marks itself done and queues its report there: all of it or none).
    Raises RosterError when it cannot run at all (then nothing is changed).
    """
    parsed = parse(text)
    found: dict[str, Found] = {}
    if parsed.form is Form.EMAILS and parsed.rows:
        if directory is None:
            raise RosterError(
                "the email form needs Slack to find people: set SLACK_BOT_TOKEN "
                "(with the users:read.email scope)"
            )
        found = resolve(parsed.emails, directory, on_lookup)

    def run() -> RosterReport:
        with units() as uow:
            report = apply(uow.session, team_id, parsed, found, now=now)
            audit.record(
                uow.session,
                team_id=team_id,
                actor=actor,
                action=ACTION,
                subject_type="roster",
                subject_id=None,
                now=now,
                detail={"via": via, "form": str(parsed.form), **report.counts()},
            )
            if then is not None:
                then(uow.session, report)
            return report

    try:
        return run()
    except IntegrityError:
        # Someone joined while we applied (a unique enrollment): again, in a fresh
        # transaction that sees their row.
        return run()


def apply(
    session: Session, team_id: str, parsed: Parsed, found: Mapping[str, Found], *, now: datetime
) -> RosterReport:
    report = RosterReport(
        form=parsed.form, problems=list(parsed.problems), ignored_columns=parsed.ignored_columns
    )
    rows = _Rows(session, team_id, found, now)
    for row in parsed.rows:
        outcome = rows.apply(row)
        if isinstance(outcome, Problem):
            report.problems.append(outcome)
        elif outcome == "added":
            report.added += 1
        elif outcome == "updated":
            report.updated += 1
        else:
            report.unchanged += 1
    report.problems.sort(key=lambda p: p.line)
    return report


class _Skip(Exception):
    """This row cannot be imported; str says why."""


class _Rows:
    """Applies rows one by one; a row is checked whole before anything of it is written."""

    def __init__(
        self, session: Session, team_id: str, found: Mapping[str, Found], now: datetime
    ) -> None:
        self.session = session
        self.team_id = team_id
        self.found = found
        self.now = now
        self.seen: dict[tuple[str, int | None], int] = {}  # (person, program) -> line
        self.programs: dict[str, Program | str] = {}

    def apply(self, row: Row) -> str | Problem:
        """Added, updated or unchanged (as a word); or the Problem that skipped it."""
        try:
            return self._apply(row)
        except _Skip as skip:
            return Problem(row.line, str(skip))

    def _apply(self, row: Row) -> str:
        user_id, profile = self._person_of(row)
        manager = self._manager_of(row)
        if manager == user_id:
            raise _Skip("someone cannot be their own manager")
        program = self._program(row.cohort) if row.role is not None else None
        topics = _topics_of(program, row.topics) if program is not None else None
        key = (user_id, program.id if program else None)
        if key in self.seen:
            raise _Skip(f"duplicate row (the same person as line {self.seen[key]})")
        person = find_person(self.session, self.team_id, user_id)
        enrollment = None
        if person is not None and program is not None and row.role is not None:
            enrollment = enrollment_in(self.session, program.id, person.id, for_update=True)
            if enrollment is not None:
                _check_can_enroll(enrollment, row.role)
        self.seen[key] = row.line
        added = person is None
        if person is None or (profile and person.display_name == person.slack_user_id):
            # New, or known only by the id an older roster gave: Slack's names and zone.
            person = upsert_person(
                self.session, self.team_id, profile or SlackProfile(user_id, display_name=user_id)
            )
        changed = _set(person, manager_slack_id=manager, org_team=row.team)
        if program is not None and row.role is not None:
            joined, enrolled = self._enroll(program, person, enrollment, row.role, topics)
            added, changed = added or joined, changed or enrolled
        return "added" if added else "updated" if changed else "unchanged"

    def _person_of(self, row: Row) -> tuple[str, SlackProfile | None]:
        """Their Slack id, and their profile when Slack was asked."""
        if row.person not in self.found:
            return row.person, None  # the Slack-id form: the id is in the file
        found = self.found[row.person]
        if isinstance(found, str):
            raise _Skip(f"{NOT_A_PERSON.get(found, found)} {mask_email(row.person)}")
        if found.deleted:
            raise _Skip("that Slack account is deactivated")
        if found.is_bot:
            raise _Skip("that is a bot's account")
        if found.is_guest:
            raise _Skip("that is a guest account, and guests can't join the program")
        return found.user_id, found

    def _manager_of(self, row: Row) -> str | None:
        if row.manager is None or row.manager not in self.found:
            return row.manager  # none, or a Slack id from the file
        found = self.found[row.manager]
        if isinstance(found, str):
            raise _Skip(f"manager: {NOT_A_PERSON.get(found, found)} {mask_email(row.manager)}")
        return found.user_id

    def _program(self, cohort: str | None) -> Program:
        name = (cohort or "").lower()
        if name not in self.programs:
            self.programs[name] = _cohort(self.session, self.team_id, cohort, self.now)
        program = self.programs[name]
        if isinstance(program, str):
            raise _Skip(program)
        return program

    def _enroll(
        self,
        program: Program,
        person: Person,
        enrollment: Enrollment | None,
        role: EnrollmentRole,
        topics: list[Topic] | None,
    ) -> tuple[bool, bool]:
        """(joined, changed): a new enrollment in the program, or one with a change."""
        capacity = DEFAULT_CAPACITY if role in MENTOR_ROLES else 0
        if enrollment is None:
            self.session.add(
                Enrollment(
                    program_id=program.id,
                    person_id=person.id,
                    role=role,
                    capacity=capacity,
                    active_mentee_count=0,
                    joined_at=self.now,
                    topics=topics or [],
                )
            )
            self.session.flush()
            return True, True
        if role in MENTOR_ROLES and enrollment.capacity:
            capacity = enrollment.capacity  # a mentor keeps the capacity they chose
        changed = _set(enrollment, role=role, capacity=capacity)
        # An empty topics cell keeps theirs (chosen in the form, perhaps).
        if topics and {t.id for t in topics} != {t.id for t in enrollment.topics}:
            enrollment.topics = topics
            changed = True
        if changed:
            enrollment.updated_at = self.now
        return False, changed


def _set(row: object, **values: object) -> bool:
    """Write the values that differ; True when one did."""
    changed = False
    for name, value in values.items():
        if getattr(row, name) != value:
            setattr(row, name, value)
            changed = True
    return changed


def _cohort(session: Session, team_id: str, name: str | None, now: datetime) -> Program | str:
    if name is None:
        return current_program(session, team_id, now)
    program = program_named(session, team_id, name)
    if program is None:
        known = ", ".join(program_names(session, team_id)) or "none yet"
        return f"unknown cohort {name!r} (cohorts: {known})"
    if program.status is ProgramStatus.CLOSED:
        return f"the cohort {program.name!r} is closed"
    return program


def _topics_of(program: Program, labels: tuple[str, ...]) -> list[Topic]:
    known = {topic.label.lower(): topic for topic in program.topics}
    unknown = [label for label in labels if label.lower() not in known]
    if unknown:
        listed = ", ".join(repr(label) for label in unknown)
        raise _Skip(
            f"unknown topic {listed} in {program.name} (known: {', '.join(topic_labels(program))})"
        )
    return [known[label.lower()] for label in labels]


def _check_can_enroll(enrollment: Enrollment, role: EnrollmentRole) -> None:
    if enrollment.status is EnrollmentStatus.LEFT:
        raise _Skip("they left the program; they can come back with `/mentor join`")
    mentees = enrollment.active_mentee_count
    if mentees and role not in MENTOR_ROLES:
        raise _Skip(
            f"they mentor {mentees} people now, so keep mentor or both until those pairs end"
        )
