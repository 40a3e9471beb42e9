"""A small program whose health is known by hand, for the stats tests (storage and rig).

Today is Wednesday 12 June 2030 (MENTORBOT_TIMEZONE is UTC in the tests).

Spring (1 March - 31 August 2030), the older cohort:
- mentors: Mia (2 slots, both used), Max (1 slot, held by a paused pair), Bea (mentor and
  mentee, 1 slot free). Mentees: Ana, Eve, Ian, Liv, Ola, and Bea; Leo left.
- pairs: Mia-Ana (active, every two weeks): met 18 Mar (4, thanks) and 1 Apr (5), then
  period 3 missed and 4 skipped, period 5 under way: two without a meeting, at risk.
  Mia-Eve (active, weekly): met 8 Apr (3), missed, met Saturday 8 June (no rating, an
  empty thank-you): met in the last week. Max-Ian (paused, on the at-risk list): three
  missed. Max-Ola: ended 1 May, met 1 Apr (2, thanks).
- waiting: Liv since 1 June (never paired) and Bea (never paired, joined 20 May, not on
  the list: counted from joining), so the longest has waited 23 days. Ola's pair ended
  and she did not ask again: not waiting.
- goals: Mia-Ana: one done, one on track; Mia-Eve: one not started; Max-Ola: one dropped.
- requests: Ana->Mia accepted, Liv->Max declined, Liv->Bea expired, Liv->Mia cancelled
  before it was asked (not sent), Eve->Mia accepted.

Autumn (created later, no dates): Zed mentors (1 slot), Kim has waited since 10 June.
Another workspace has a cohort of its own, which no number here may include.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import UTC, date, datetime
from typing import Any

from sqlalchemy.orm import Session

from bot.db.enums import (
    Cadence,
    CheckInStatus,
    EnrollmentRole,
    EnrollmentStatus,
    GoalStatus,
    MentorshipStatus,
    ProgramStatus,
    RequestStatus,
)
from bot.db.models import (
    CheckIn,
    Enrollment,
    Goal,
    Mentorship,
    MentorshipRequest,
    Person,
    Program,
)

TEAM = "T0001"
OTHER_TEAM = "T0OTHER1"
NOW = datetime(2030, 6, 12, 12, 0, tzinfo=UTC)
MARCH = datetime(2030, 3, 1, 9, 0, tzinfo=UTC)
MIA, MAX, BEA = "U0MIA0001", "U0MAX0001", "U0BEA0001"
ANA, EVE, IAN, LIV, OLA, LEO = (
    "U0ANA0001",
    "U0EVE0001",
    "U0IAN0001",
    "U0LIV0001",
    "U0OLA0001",
    "U0LEO0001",
)
ZED, KIM = "U0ZED0001", "U0KIM0001"
# Names people chose, fed to a spreadsheet: the export must keep them text.
MIA_NAME = '=HYPERLINK("http://evil.example","Mia")'
ANA_NAME = "@Ana"


@dataclass(frozen=True)
class World:
    spring: int
    autumn: int
    pairs: dict[str, int]  # "mia-ana" -> mentorship id


def _at(day: date, hour: int = 9) -> datetime:
    return datetime(day.year, day.month, day.day, hour, tzinfo=UTC)


def _person(session: Session, user: str, name: str | None = None, team: str = TEAM) -> Person:
    person = Person(team_id=team, slack_user_id=user, display_name=name or user[2:5].title())
    session.add(person)
    session.flush()
    return person


def _enroll(
    session: Session, program: Program, person: Person, role: EnrollmentRole, **fields: Any
) -> Enrollment:
    values: dict[str, Any] = {"joined_at": MARCH}
    enrollment = Enrollment(
        program_id=program.id, person_id=person.id, role=role, **(values | fields)
    )
    session.add(enrollment)
    return enrollment


def _pair(
    session: Session,
    program: Program,
    mentor: Person,
    mentee: Person,
    started: date,
    cadence: Cadence = Cadence.BIWEEKLY,
    **fields: Any,
) -> Mentorship:
    pair = Mentorship(
        team_id=program.team_id,
        program_id=program.id,
        mentor_id=mentor.id,
        mentee_id=mentee.id,
        cadence=cadence,
        started_at=_at(started, 12),
        created_at=_at(started, 12),
        **fields,
    )
    session.add(pair)
    session.flush()
    return pair


def _checkins(session: Session, pair: Mentorship, *periods: tuple[Any, ...]) -> None:
    """(status, met_on, usefulness, thanks) per period, from 1."""
    for number, (status, met_on, usefulness, thanks) in enumerate(periods, start=1):
        session.add(
            CheckIn(
                mentorship_id=pair.id,
                period=number,
                due_at=_at(date(2030, 3, 1), 9),
                status=status,
                met_on=met_on,
                usefulness=usefulness,
                thanks=thanks,
            )
        )


def _request(
    session: Session,
    program: Program,
    mentee: Person,
    mentor: Person,
    status: RequestStatus,
    asked: bool = True,
) -> None:
    session.add(
        MentorshipRequest(
            team_id=program.team_id,
            program_id=program.id,
            mentee_id=mentee.id,
            mentor_id=mentor.id,
            chain=f"chain-{mentee.id}-{mentor.id}",
            rank=1,
            status=status,
            asked_at=MARCH if asked else None,
        )
    )


def build(session: Session) -> World:
    spring = Program(
        team_id=TEAM,
        name="Spring",
        status=ProgramStatus.ACTIVE,
        created_by="U0COORD1",
        starts_on=date(2030, 3, 1),
        ends_on=date(2030, 8, 31),
        created_at=MARCH,
    )
    autumn = Program(
        team_id=TEAM,
        name="Autumn",
        status=ProgramStatus.ENROLLING,
        created_by="U0COORD1",
        created_at=_at(date(2030, 6, 1)),
    )
    elsewhere = Program(team_id=OTHER_TEAM, name="Spring", created_by="U0X", created_at=MARCH)
    session.add_all([spring, autumn, elsewhere])
    session.flush()

    p = {u: _person(session, u) for u in (MAX, BEA, EVE, IAN, LIV, OLA, LEO, ZED, KIM)}
    p[MIA] = _person(session, MIA, MIA_NAME)
    p[ANA] = _person(session, ANA, ANA_NAME)
    mentor, mentee, both = EnrollmentRole.MENTOR, EnrollmentRole.MENTEE, EnrollmentRole.BOTH
    _enroll(session, spring, p[MIA], mentor, capacity=2, active_mentee_count=2)
    _enroll(session, spring, p[MAX], mentor, capacity=1, active_mentee_count=1)
    _enroll(session, spring, p[BEA], both, capacity=1, joined_at=_at(date(2030, 5, 20), 12))
    for user in (ANA, EVE, IAN, OLA):
        _enroll(session, spring, p[user], mentee)
    _enroll(session, spring, p[LIV], mentee, waiting_since=_at(date(2030, 6, 1), 12))
    _enroll(
        session,
        spring,
        p[LEO],
        mentee,
        status=EnrollmentStatus.LEFT,
        left_at=_at(date(2030, 4, 15)),
        waiting_since=_at(date(2030, 3, 2)),
    )
    _enroll(session, autumn, p[ZED], mentor, capacity=1, joined_at=_at(date(2030, 6, 1)))
    _enroll(
        session,
        autumn,
        p[KIM],
        mentee,
        joined_at=_at(date(2030, 6, 1)),
        waiting_since=_at(date(2030, 6, 10), 12),
    )
    stranger = _person(session, "U0STR0001", team=OTHER_TEAM)
    _enroll(session, elsewhere, stranger, mentor, capacity=3)

    met, missed, skipped = CheckInStatus.MET, CheckInStatus.MISSED, CheckInStatus.SKIPPED
    prompted = CheckInStatus.PROMPTED
    mia_ana = _pair(session, spring, p[MIA], p[ANA], date(2030, 3, 4))
    _checkins(
        session,
        mia_ana,
        (met, date(2030, 3, 18), 4, "Thank you, this helped a lot!"),
        (met, date(2030, 4, 1), 5, None),
        (missed, None, None, None),
        (skipped, None, None, None),
        (prompted, None, None, None),
    )
    mia_eve = _pair(session, spring, p[MIA], p[EVE], date(2030, 4, 1), Cadence.WEEKLY)
    _checkins(
        session,
        mia_eve,
        (met, date(2030, 4, 8), 3, None),
        (missed, None, None, None),
        (met, date(2030, 6, 8), None, ""),
    )
    max_ian = _pair(
        session,
        spring,
        p[MAX],
        p[IAN],
        date(2030, 3, 11),
        status=MentorshipStatus.PAUSED,
        at_risk_since=_at(date(2030, 5, 1)),
    )
    _checkins(session, max_ian, *[(missed, None, None, None)] * 3)
    max_ola = _pair(
        session,
        spring,
        p[MAX],
        p[OLA],
        date(2030, 3, 4),
        status=MentorshipStatus.ENDED,
        ended_at=_at(date(2030, 5, 1)),
        end_reason="completed",
    )
    _checkins(session, max_ola, (met, date(2030, 4, 1), 2, "Merci"))
    session.add_all(
        [
            Goal(mentorship_id=mia_ana.id, title="Ship a model", status=GoalStatus.DONE),
            Goal(mentorship_id=mia_ana.id, title="Review ML code", status=GoalStatus.ON_TRACK),
            Goal(mentorship_id=mia_eve.id, title="Give a talk", status=GoalStatus.NOT_STARTED),
            Goal(mentorship_id=max_ola.id, title="Learn Rust", status=GoalStatus.DROPPED),
        ]
    )
    _request(session, spring, p[ANA], p[MIA], RequestStatus.ACCEPTED)
    _request(session, spring, p[LIV], p[MAX], RequestStatus.DECLINED)
    _request(session, spring, p[LIV], p[BEA], RequestStatus.EXPIRED)
    _request(session, spring, p[LIV], p[MIA], RequestStatus.CANCELLED, asked=False)
    _request(session, spring, p[EVE], p[MIA], RequestStatus.ACCEPTED)
    session.flush()
    return World(
        spring=spring.id,
        autumn=autumn.id,
        pairs={
            "mia-ana": mia_ana.id,
            "mia-eve": mia_eve.id,
            "max-ian": max_ian.id,
            "max-ola": max_ola.id,
        },
    )
