"""Leaving: slots freed exactly once, open requests closed, and nothing of the person kept."""

from __future__ import annotations

import threading
from datetime import UTC, datetime
from typing import Any

from sqlalchemy import select

from bot.db.enums import EnrollmentRole, EnrollmentStatus, MentorshipStatus
from bot.db.models import Enrollment, Mentorship, Person
from bot.integrity import slot_mismatches
from bot.mentorship_requests import start_mentorship
from bot.programs import current_program
from bot.views.enrollment import EnrollmentIds
from tests.integration import cast
from tests.integration.conftest import TEAM, Rig

MIA = "U0MIA0001"  # mentors


def pair(rig: Rig, mentor: str, mentee: str) -> None:
    now = datetime.now(UTC)
    with rig.runtime.deps.sessions() as session:
        program = current_program(session, TEAM, now)
        people = {p.slack_user_id: p for p in session.scalars(select(Person))}
        made = start_mentorship(
            session, program, people[mentor], people[mentee], score=None, reasons=[], now=now
        )
        assert made is not None
        session.commit()


def leave_view(rig: Rig, user: str) -> dict[str, Any]:
    rig.slack.slash_command(user, "leave")
    [opened] = rig.emulator.wait_for(
        "views.open",
        predicate=lambda c: c.args["view"]["callback_id"] == EnrollmentIds.LEAVE_CALLBACK,
    )
    rig.emulator.clear()
    return opened.args["view"]


def confirm_twice_at_once(rig: Rig, user: str) -> None:
    """A double submit: two confirmations of the same leave modal arrive together."""
    view = leave_view(rig, user)
    barrier = threading.Barrier(2)
    statuses: list[int] = []

    def submit() -> None:
        barrier.wait()
        statuses.append(rig.slack.view_submission(user, view=view).status)

    threads = [threading.Thread(target=submit) for _ in range(2)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join(15)
    assert statuses == [200, 200]


def slots_of(rig: Rig, user: str) -> tuple[int, int]:
    """(the mentor's used-slot count, their open mentorships)."""
    with rig.runtime.deps.sessions() as session:
        person = session.scalar(select(Person).where(Person.slack_user_id == user))
        count = session.scalar(
            select(Enrollment.active_mentee_count).where(Enrollment.person_id == person.id)
        )
        open_pairs = session.scalars(
            select(Mentorship).where(
                Mentorship.mentor_id == person.id,
                Mentorship.status.in_([MentorshipStatus.ACTIVE, MentorshipStatus.PAUSED]),
            )
        ).all()
    return count, len(open_pairs)


def test_a_double_submitted_leave_frees_the_mentors_slot_once(rig: Rig) -> None:
    cast.enroll(rig, MIA, EnrollmentRole.MENTOR, capacity=5, bio="Years of ML work.")
    for round_ in range(5):
        leaver, stayer = f"U0LV{round_:05d}", f"U0ST{round_:05d}"
        cast.enroll(rig, leaver, EnrollmentRole.MENTEE)
        cast.enroll(rig, stayer, EnrollmentRole.MENTEE)
        pair(rig, MIA, leaver)
        pair(rig, MIA, stayer)

        confirm_twice_at_once(rig, leaver)
        rig.settle()

        assert slots_of(rig, MIA) == (1, 1), f"round {round_}"
        with rig.runtime.deps.sessions() as session:
            assert slot_mismatches(session) == []
        confirm_twice_at_once(rig, stayer)
        rig.settle()
        assert slots_of(rig, MIA) == (0, 0)


def test_the_slot_check_names_a_count_that_drifted(rig: Rig) -> None:
    cast.enroll(rig, MIA, EnrollmentRole.MENTOR, capacity=3, bio="Years of ML work.")
    cast.enroll(rig, "U0LV00001", EnrollmentRole.MENTEE)
    pair(rig, MIA, "U0LV00001")
    with rig.runtime.deps.sessions() as session:
        assert slot_mismatches(session) == []
        enrollment = session.scalar(
            select(Enrollment).join(Person).where(Person.slack_user_id == MIA)
        )
        enrollment.active_mentee_count = 2
        session.commit()
        [drift] = slot_mismatches(session)
    assert (drift.slack_user_id, drift.counted, drift.open_mentorships) == (MIA, 2, 1)
    assert enrollment.status is EnrollmentStatus.ACTIVE
