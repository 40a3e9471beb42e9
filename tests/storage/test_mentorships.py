"""A mentorship's life: ended once (freeing one slot), paused and resumed, check-ins advanced."""

from __future__ import annotations

from datetime import UTC, datetime

from sqlalchemy.orm import Session

from bot import mentorships
from bot.db.enums import Cadence, EndReason, EnrollmentRole, MentorshipStatus
from bot.db.models import Enrollment, Mentorship
from tests.storage import add_enrollment, add_mentorship, add_person, add_program

MONDAY_MORNING = datetime(2026, 12, 7, 9, 0, tzinfo=UTC)


def _pair(session: Session) -> tuple[Mentorship, Enrollment]:
    program = add_program(session)
    mentor, mentee = add_person(session), add_person(session, tz="Europe/Paris")
    slots = add_enrollment(
        session, program, mentor, role=EnrollmentRole.MENTOR, capacity=2, active_mentee_count=1
    )
    mentorship = add_mentorship(
        session, program, mentor, mentee, cadence=Cadence.BIWEEKLY, next_checkin_at=MONDAY_MORNING
    )
    session.commit()
    return mentorship, slots


def test_ending_a_pair_twice_frees_the_mentors_slot_once(session: Session) -> None:
    mentorship, slots = _pair(session)

    first = mentorships.end(session, mentorship, reason=EndReason.REMATCHED, now=MONDAY_MORNING)
    second = mentorships.end(session, mentorship, reason=EndReason.REMATCHED, now=MONDAY_MORNING)
    session.commit()
    session.refresh(mentorship)
    session.refresh(slots)

    assert (first, second) == (True, False)
    assert (mentorship.status, mentorship.end_reason) == (MentorshipStatus.ENDED, "rematched")
    assert mentorship.next_checkin_at is None
    assert slots.active_mentee_count == 0


def test_a_paused_pair_has_no_check_in_until_it_resumes(session: Session) -> None:
    mentorship, slots = _pair(session)

    assert mentorships.pause(session, mentorship)
    assert not mentorships.pause(session, mentorship)  # already paused
    session.commit()
    session.refresh(mentorship)
    assert (mentorship.status, mentorship.next_checkin_at) == (MentorshipStatus.PAUSED, None)
    assert slots.active_mentee_count == 1  # a paused pair keeps its slot

    assert mentorships.resume(session, mentorship, now=MONDAY_MORNING)
    session.commit()
    session.refresh(mentorship)
    assert mentorship.status is MentorshipStatus.ACTIVE
    # Two weeks on, at 10:00 on the mentee's own (Paris) clock.
    assert mentorship.next_checkin_at == datetime(2026, 12, 21, 9, 0, tzinfo=UTC)


def test_advancing_moves_the_next_check_in_once_from_the_one_due(session: Session) -> None:
    mentorship, _ = _pair(session)
    following = datetime(2026, 12, 21, 9, 0, tzinfo=UTC)

    first = mentorships.advance_checkin(
        session, mentorship.id, due=MONDAY_MORNING, following=following
    )
    second = mentorships.advance_checkin(
        session, mentorship.id, due=MONDAY_MORNING, following=following
    )
    session.commit()
    session.refresh(mentorship)

    assert (first, second) == (True, False)  # a second process finds it moved already
    assert mentorship.next_checkin_at == following
