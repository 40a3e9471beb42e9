"""Capacity holds when two processes match the same mentor at the same moment.

Each thread has its own session and connection, as two bot processes would.
PostgreSQL: the second UPDATE waits for the first's row lock, then re-checks
the row and fails the CHECK. SQLite: BEGIN IMMEDIATE makes the second
transaction wait for the first to commit; its UPDATE then fails the CHECK.
Either way the outcome does not depend on timing, so there are no sleeps.
"""

from __future__ import annotations

import threading
from concurrent.futures import ThreadPoolExecutor

import sqlalchemy as sa
from sqlalchemy.exc import IntegrityError
from sqlalchemy.orm import Session, sessionmaker

from bot.db.enums import Cadence, EnrollmentRole
from bot.db.models import Enrollment, Mentorship
from tests.storage import add_enrollment, add_person, add_program


def _open_mentorship(
    session_factory: sessionmaker[Session],
    barrier: threading.Barrier,
    *,
    program_id: int,
    mentor_id: int,
    mentee_id: int,
) -> str:
    """What the matcher does: take a slot (in SQL, not read-modify-write) and pair up."""
    with session_factory() as session:
        barrier.wait()  # both threads are ready; go at once
        try:
            session.execute(
                sa.update(Enrollment)
                .where(Enrollment.program_id == program_id, Enrollment.person_id == mentor_id)
                .values(active_mentee_count=Enrollment.active_mentee_count + 1)
            )
            session.add(
                Mentorship(
                    team_id="T0001",
                    program_id=program_id,
                    mentor_id=mentor_id,
                    mentee_id=mentee_id,
                    cadence=Cadence.WEEKLY,
                )
            )
            session.commit()
        except IntegrityError:
            session.rollback()
            return "rejected"
        return "committed"


def test_two_matches_racing_for_a_mentors_last_slot(
    session: Session, session_factory: sessionmaker[Session]
) -> None:
    program = add_program(session)
    mentor = add_person(session)
    add_enrollment(session, program, mentor, role=EnrollmentRole.MENTOR, capacity=1)
    mentees = [add_person(session), add_person(session)]
    session.commit()

    barrier = threading.Barrier(2, timeout=30)
    with ThreadPoolExecutor(max_workers=2) as pool:
        futures = [
            pool.submit(
                _open_mentorship,
                session_factory,
                barrier,
                program_id=program.id,
                mentor_id=mentor.id,
                mentee_id=mentee.id,
            )
            for mentee in mentees
        ]
        outcomes = sorted(future.result(timeout=60) for future in futures)

    assert outcomes == ["committed", "rejected"]
    session.expire_all()
    taken = session.scalar(
        sa.select(Enrollment.active_mentee_count).where(Enrollment.person_id == mentor.id)
    )
    assert taken == 1
    assert session.scalar(sa.select(sa.func.count()).select_from(Mentorship)) == 1
