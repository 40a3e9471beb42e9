"""A mentorship's life: ended once (freeing one slot), paused and resumed, check-ins advanced."""

from __future__ import annotations

from datetime import UTC, date, datetime

from sqlalchemy.orm import Session

from bot import checkins, mentorships
from bot.db.enums import Cadence, CheckInStatus, EndReason, EnrollmentRole, MentorshipStatus
from bot.db.models import CheckIn, Enrollment, Mentorship
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

    assert mentorships.resume(session, mentorship, now=MONDAY_MORNING, default_tz="UTC")
    session.commit()
    session.refresh(mentorship)
    assert mentorship.status is MentorshipStatus.ACTIVE
    assert mentorship.next_checkin_at is not None


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


# --- resuming: the next check-in keeps the pair's own rhythm -------------------------------


def _paused_pair(
    session: Session,
    *,
    started_at: datetime,
    cadence: Cadence,
    mentor_tz: str | None,
    mentee_tz: str | None,
    **fields: object,
) -> Mentorship:
    program = add_program(session)
    mentor, mentee = add_person(session, tz=mentor_tz), add_person(session, tz=mentee_tz)
    add_enrollment(
        session, program, mentor, role=EnrollmentRole.MENTOR, capacity=2, active_mentee_count=1
    )
    mentorship = add_mentorship(
        session,
        program,
        mentor,
        mentee,
        cadence=cadence,
        started_at=started_at,
        status=MentorshipStatus.PAUSED,
        next_checkin_at=None,
        **fields,
    )
    session.commit()
    return mentorship


def _prompted(session: Session, mentorship: Mentorship, period: int, **fields: object) -> None:
    session.add(
        CheckIn(
            mentorship_id=mentorship.id,
            period=period,
            due_at=datetime(2026, 1, 1, tzinfo=UTC),
            status=CheckInStatus.MISSED,
            **fields,
        )
    )
    session.commit()


def _resumed(session: Session, mentorship: Mentorship, now: datetime, default_tz: str) -> datetime:
    assert mentorships.resume(session, mentorship, now=now, default_tz=default_tz)
    session.commit()
    session.refresh(mentorship)
    assert mentorship.status is MentorshipStatus.ACTIVE
    assert mentorship.next_checkin_at is not None
    return mentorship.next_checkin_at


def test_a_resumed_pair_whose_zones_are_unknown_is_prompted_on_the_default_zones_clock(
    session: Session,
) -> None:
    # Kicked off Monday 30 November at 10:00 in New York; every two weeks: 14, 28 December.
    kickoff = datetime(2026, 11, 30, 15, 0, tzinfo=UTC)
    mentorship = _paused_pair(
        session, started_at=kickoff, cadence=Cadence.BIWEEKLY, mentor_tz=None, mentee_tz=None
    )

    resumed_on_wednesday = datetime(2026, 12, 16, 15, 0, tzinfo=UTC)
    due = _resumed(session, mentorship, resumed_on_wednesday, "America/New_York")

    # The first check-in day still to come, Monday 28 December, at 10:00 MENTORBOT_TIMEZONE
    # (not UTC): where the due-work job counts it.
    assert due == datetime(2026, 12, 28, 15, 0, tzinfo=UTC)
    schedule = checkins.schedule(session, mentorship, default_tz="America/New_York")
    assert due == schedule.due(2)


def test_a_resumed_pair_keeps_the_rhythm_its_pace_change_set(session: Session) -> None:
    # Every two weeks from Monday 2 November, then weekly from period 2 (Monday 30 November)
    # on: period 3 on 7 December, 4 on 14 December, 5 on 21 December.
    mentorship = _paused_pair(
        session,
        started_at=datetime(2026, 11, 2, 9, 0, tzinfo=UTC),
        cadence=Cadence.WEEKLY,
        mentor_tz="Europe/Paris",
        mentee_tz="Europe/Paris",
        anchor_period=2,
        anchor_on=date(2026, 11, 30),
    )
    _prompted(session, mentorship, 1)
    _prompted(session, mentorship, 2)

    due = _resumed(session, mentorship, datetime(2026, 12, 9, 12, 0, tzinfo=UTC), "UTC")

    # Resumed on Wednesday 9 December: period 4, Monday 14 December at 10:00 in Paris (a
    # fresh week from the resume would have been Wednesday 16 December).
    assert due == datetime(2026, 12, 14, 9, 0, tzinfo=UTC)
    assert due == checkins.schedule(session, mentorship, default_tz="UTC").due(4)


def test_a_resumed_pair_keeps_the_day_a_moved_check_in_set(session: Session) -> None:
    # Weekly from Monday 2 November; period 2 moved to Wednesday 11 November, so the
    # periods after it fall on Wednesdays.
    mentorship = _paused_pair(
        session,
        started_at=datetime(2026, 11, 2, 9, 0, tzinfo=UTC),
        cadence=Cadence.WEEKLY,
        mentor_tz="Asia/Tokyo",
        mentee_tz="Europe/Paris",
    )
    _prompted(session, mentorship, 1)
    _prompted(session, mentorship, 2, moved_to=date(2026, 11, 11))

    due = _resumed(session, mentorship, datetime(2026, 11, 20, 12, 0, tzinfo=UTC), "UTC")

    # Resumed Friday 20 November: period 4, Wednesday 25 November, first at 10:00 in Tokyo.
    assert due == datetime(2026, 11, 25, 1, 0, tzinfo=UTC)
    assert due == checkins.schedule(session, mentorship, default_tz="UTC").due(4)


def test_a_pair_resumed_on_the_morning_of_a_check_in_day_is_prompted_on_the_next_one(
    session: Session,
) -> None:
    # A resume never makes a prompt fall due at once (as a change of pace does not).
    mentorship = _paused_pair(
        session,
        started_at=datetime(2026, 11, 30, 9, 0, tzinfo=UTC),
        cadence=Cadence.WEEKLY,
        mentor_tz="Europe/Paris",
        mentee_tz="Europe/Paris",
    )

    due = _resumed(session, mentorship, datetime(2026, 12, 7, 7, 0, tzinfo=UTC), "UTC")

    assert due == datetime(2026, 12, 14, 9, 0, tzinfo=UTC)
