"""Storage tests: the rules the database enforces, on SQLite and PostgreSQL.

The builders below add minimal valid rows (flushed, not committed) so each test
states only what it is about.
"""

from __future__ import annotations

from datetime import UTC, datetime
from itertools import count
from typing import Any

from sqlalchemy.orm import Session

from bot.db.enums import Cadence, EnrollmentRole
from bot.db.models import Enrollment, Mentorship, Person, Program

TEAM = "T0001"
OTHER_TEAM = "T0002"
WHEN = datetime(2025, 3, 1, 9, 30, tzinfo=UTC)

_serial = count(1)


def add_person(session: Session, *, team_id: str = TEAM, **fields: Any) -> Person:
    n = next(_serial)
    values: dict[str, Any] = {"slack_user_id": f"U{n:06d}", "display_name": f"person {n}"}
    person = Person(team_id=team_id, **(values | fields))
    session.add(person)
    session.flush()
    return person


def add_program(session: Session, *, team_id: str = TEAM, **fields: Any) -> Program:
    values: dict[str, Any] = {"name": f"program {next(_serial)}", "created_by": "U0ADMIN"}
    program = Program(team_id=team_id, **(values | fields))
    session.add(program)
    session.flush()
    return program


def add_enrollment(session: Session, program: Program, person: Person, **fields: Any) -> Enrollment:
    values: dict[str, Any] = {"role": EnrollmentRole.MENTEE}
    enrollment = Enrollment(program_id=program.id, person_id=person.id, **(values | fields))
    session.add(enrollment)
    session.flush()
    return enrollment


def add_mentorship(
    session: Session, program: Program, mentor: Person, mentee: Person, **fields: Any
) -> Mentorship:
    values: dict[str, Any] = {"cadence": Cadence.BIWEEKLY, "team_id": program.team_id}
    mentorship = Mentorship(
        program_id=program.id, mentor_id=mentor.id, mentee_id=mentee.id, **(values | fields)
    )
    session.add(mentorship)
    session.flush()
    return mentorship
