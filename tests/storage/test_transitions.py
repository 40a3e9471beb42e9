"""Status changes go through one table per noun and one guarded `move()`."""

from __future__ import annotations

import threading
from concurrent.futures import ThreadPoolExecutor

import pytest
from sqlalchemy.orm import Session, sessionmaker

from bot.db.enums import EnrollmentStatus, MentorshipStatus
from bot.db.models import Enrollment, Mentorship
from bot.transitions import ENROLLMENT, MENTORSHIP, ForbiddenTransition, move
from tests.storage import WHEN, add_enrollment, add_mentorship, add_person, add_program


def _pair(session: Session) -> Mentorship:
    program = add_program(session)
    mentorship = add_mentorship(session, program, add_person(session), add_person(session))
    session.commit()
    return mentorship


def test_a_move_from_the_expected_state_happens_once(session: Session) -> None:
    mentorship = _pair(session)

    first = move(
        session,
        Mentorship,
        mentorship.id,
        source=(MentorshipStatus.ACTIVE, MentorshipStatus.PAUSED),
        target=MentorshipStatus.ENDED,
        ended_at=WHEN,
        end_reason="left_program",
    )
    again = move(
        session,
        Mentorship,
        mentorship.id,
        source=(MentorshipStatus.ACTIVE, MentorshipStatus.PAUSED),
        target=MentorshipStatus.ENDED,
        ended_at=WHEN,
    )
    session.commit()

    assert (first, again) == (True, False)
    session.refresh(mentorship)
    assert (mentorship.status, mentorship.end_reason) == (MentorshipStatus.ENDED, "left_program")


def test_a_move_the_table_does_not_allow_raises_and_changes_nothing(session: Session) -> None:
    mentorship = _pair(session)

    with pytest.raises(ForbiddenTransition, match="mentorship: ended -> active"):
        move(
            session,
            Mentorship,
            mentorship.id,
            source=MentorshipStatus.ENDED,
            target=MentorshipStatus.ACTIVE,
        )
    session.rollback()
    session.refresh(mentorship)
    assert mentorship.status is MentorshipStatus.ACTIVE


def test_the_tables_name_every_state_a_row_can_leave() -> None:
    # An ended mentorship is final; a person who left may join again.
    assert MentorshipStatus.ENDED not in MENTORSHIP.allowed
    assert ENROLLMENT.allowed[EnrollmentStatus.LEFT] == {EnrollmentStatus.ACTIVE}


def test_two_processes_moving_the_same_row_at_once_cannot_both_win(
    session: Session, session_factory: sessionmaker[Session]
) -> None:
    program = add_program(session)
    enrollment = add_enrollment(session, program, add_person(session))
    session.commit()
    barrier = threading.Barrier(2, timeout=30)

    def leave() -> bool:
        with session_factory() as mine:
            barrier.wait()
            moved = move(
                mine,
                Enrollment,
                enrollment.id,
                source=(EnrollmentStatus.ACTIVE, EnrollmentStatus.PAUSED),
                target=EnrollmentStatus.LEFT,
                left_at=WHEN,
            )
            mine.commit()
            return moved

    with ThreadPoolExecutor(max_workers=2) as pool:
        outcomes = sorted(pool.map(lambda _: leave(), range(2)))

    assert outcomes == [False, True]
