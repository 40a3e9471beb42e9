"""From the database to the matcher: who is in the program, as Candidates and a Pool.

Building a Pool fits the text model and precomputes arrays, which costs far more
than one search, so pools are cached per program and rebuilt when the program's
enrollments or mentorships change (a cheap stamp query says when).
"""

from __future__ import annotations

import threading
from collections import Counter
from collections.abc import Collection, Mapping, Sequence
from dataclasses import dataclass
from datetime import datetime
from typing import TYPE_CHECKING
from zoneinfo import ZoneInfo, ZoneInfoNotFoundError

from sqlalchemy import func, select
from sqlalchemy.orm import Session, selectinload

from bot import matching
from bot.db.enums import EndReason, EnrollmentStatus, ExperienceLevel, RequestStatus
from bot.db.models import Enrollment, Mentorship, MentorshipRequest, Person, Program
from bot.matching import Candidate, Weights, reporting_chain
from bot.profile import MENTEE_ROLES, MENTOR_ROLES

if TYPE_CHECKING:  # numpy and scipy load with the first pool, not at start-up
    from bot.matching import Pool, Round, SuggestionPage


@dataclass(frozen=True)
class ProgramPeople:
    mentees: dict[int, Candidate]  # by person id
    mentors: dict[int, Candidate]
    history: frozenset[tuple[int, int]]  # (mentee person id, mentor person id) ever paired
    pending_asks: Counter[int]  # mentor person id -> open requests waiting on them
    # (mentee, mentor) pairs that ended by a rematch: never proposed again, even where the
    # program allows repeat pairs (one of the two asked to part).
    parted: frozenset[tuple[int, int]] = frozenset()


def utc_offset_minutes(tz: str | None, now: datetime) -> int:
    try:
        offset = now.astimezone(ZoneInfo(tz or "UTC")).utcoffset()
    except (ZoneInfoNotFoundError, ValueError):
        return 0
    return int(offset.total_seconds() // 60) if offset else 0


def load_people(session: Session, program: Program, now: datetime) -> ProgramPeople:
    enrollments = session.scalars(
        select(Enrollment)
        .where(Enrollment.program_id == program.id, Enrollment.status != EnrollmentStatus.LEFT)
        .options(selectinload(Enrollment.topics), selectinload(Enrollment.person))
    ).all()
    rows = session.execute(
        select(Mentorship.mentee_id, Mentorship.mentor_id, Mentorship.end_reason).where(
            Mentorship.program_id == program.id
        )
    ).all()
    pairs = [(mentee, mentor) for mentee, mentor, _ in rows]
    history = frozenset(pairs)
    parted = frozenset(
        (mentee, mentor) for mentee, mentor, why in rows if why == EndReason.REMATCHED
    )
    mentored = Counter(mentor for _, mentor in set(pairs))
    pending = Counter(
        session.scalars(
            select(MentorshipRequest.mentor_id).where(
                MentorshipRequest.program_id == program.id,
                MentorshipRequest.status == RequestStatus.PENDING,
            )
        ).all()
    )
    # The org chart as far as we know it, for skip-level reporting lines.
    manager_of = dict(
        session.execute(
            select(Person.slack_user_id, Person.manager_slack_id).where(
                Person.team_id == program.team_id, Person.manager_slack_id.is_not(None)
            )
        ).all()
    )
    mentees: dict[int, Candidate] = {}
    mentors: dict[int, Candidate] = {}
    for enrollment in enrollments:
        person = enrollment.person
        base = {
            "key": person.id,
            "user_id": person.slack_user_id,
            "name": person.display_name or person.real_name or person.slack_user_id,
            "topics": frozenset(t.label for t in enrollment.topics),
            "experience": (enrollment.experience_level or ExperienceLevel.MID).rank,
            "utc_offset_minutes": utc_offset_minutes(person.tz, now),
            "cadence": enrollment.cadence or program.default_cadence,
            "meeting_format": enrollment.meeting_format or Candidate.meeting_format,
            "team": person.org_team,
            "manager_user_id": person.manager_slack_id,
            "skip_level_managers": reporting_chain(person.slack_user_id, manager_of)[1:],
        }
        # Pausing is about taking mentees; a paused "both" may still look for a mentor.
        if enrollment.role in MENTEE_ROLES:
            mentees[person.id] = Candidate(text=enrollment.goals or "", **base)
        if enrollment.role in MENTOR_ROLES:
            mentors[person.id] = Candidate(
                text=" ".join(filter(None, [enrollment.bio, enrollment.goals])),
                capacity_left=max(0, enrollment.capacity - enrollment.active_mentee_count),
                paused=enrollment.status is EnrollmentStatus.PAUSED,
                mentees_mentored=mentored[person.id],
                **base,
            )
    return ProgramPeople(mentees, mentors, history, pending, parted)


@dataclass(frozen=True)
class MatcherSettings:
    """What a program sets for the matcher: may past pairs meet again, and the weights."""

    allow_repeats: bool
    weights: Weights

    @classmethod
    def of(cls, program: Program) -> MatcherSettings:
        return cls(program.allow_repeat_pairs, Weights.from_overrides(program.match_weights))

    def never_again(
        self, history: Collection[tuple[int, int]], parted: Collection[tuple[int, int]]
    ) -> set[tuple[int, int]]:
        """The past pairs the matcher may not propose: all of them, unless the program
        allows repeats; those that parted by a rematch in any case."""
        return set(parted) if self.allow_repeats else {*history, *parted}


def suggest_in(
    program: Program,
    mentee: Candidate,
    pool: Pool,
    k: int,
    *,
    offset: int = 0,
    exclude: Collection[int] = (),
    shown_counts: Mapping[int, int] | None = None,
    query: str | None = None,
    history: Collection[tuple[int, int]] = (),
    parted: Collection[tuple[int, int]] = (),
) -> SuggestionPage:
    """`suggest` under this program's matching settings (`parted`: see ProgramPeople)."""
    settings = MatcherSettings.of(program)
    return matching.suggest(
        mentee,
        pool,
        k,
        offset=offset,
        exclude=exclude,
        shown_counts=shown_counts,
        query=query,
        history=settings.never_again(history, parted),
        allow_repeats=False,  # never_again already applied the program's rule
        weights=settings.weights,
    )


def solve_in(
    program: Program,
    mentees: Sequence[Candidate],
    pool: Pool,
    *,
    history: Collection[tuple[int, int]] = (),
    parted: Collection[tuple[int, int]] = (),
) -> Round:
    """`solve_round` under this program's matching settings (`parted`: see ProgramPeople)."""
    settings = MatcherSettings.of(program)
    return matching.solve_round(
        mentees,
        pool,
        history=settings.never_again(history, parted),
        allow_repeats=False,  # never_again already applied the program's rule
        weights=settings.weights,
    )


class PoolCache:
    """One Pool per program, rebuilt when the program's people change."""

    def __init__(self) -> None:
        self._lock = threading.Lock()
        self._pools: dict[int, tuple[tuple[object, ...], ProgramPeople, Pool]] = {}
        self._looked: dict[tuple[str, int], tuple[object, ...]] = {}

    def changed_since_last_look(self, session: Session, program: Program, watcher: str) -> bool:
        """True the first time `watcher` looks after the program's people changed."""
        stamp = _stamp(session, program.id)
        with self._lock:
            seen = self._looked.get((watcher, program.id))
            self._looked[(watcher, program.id)] = stamp
        return seen != stamp

    def get(self, session: Session, program: Program, now: datetime) -> tuple[ProgramPeople, Pool]:
        stamp = _stamp(session, program.id)
        with self._lock:
            cached = self._pools.get(program.id)
        if cached is not None and cached[0] == stamp:
            return cached[1], cached[2]
        people = load_people(session, program, now)
        pool = matching.Pool(people.mentors.values())
        with self._lock:
            self._pools[program.id] = (stamp, people, pool)
        return people, pool


def _stamp(session: Session, program_id: int) -> tuple[object, ...]:
    """Changes whenever a profile, a slot count, a pair or an open request changes."""
    enrollments = session.execute(
        select(
            func.count(), func.max(Enrollment.updated_at), func.sum(Enrollment.active_mentee_count)
        ).where(Enrollment.program_id == program_id)
    ).one()
    mentorships = session.execute(
        # ended_at: a pair that ends (a rematch, above all) changes who may meet whom.
        select(func.count(), func.max(Mentorship.id), func.max(Mentorship.ended_at)).where(
            Mentorship.program_id == program_id
        )
    ).one()
    people = session.execute(
        select(func.max(Person.updated_at))
        .join(Enrollment, Enrollment.person_id == Person.id)
        .where(Enrollment.program_id == program_id)
    ).one()
    requests = session.execute(
        select(func.count(), func.max(MentorshipRequest.responded_at)).where(
            MentorshipRequest.program_id == program_id,
        )
    ).one()
    return (*enrollments, *mentorships, *requests, *people)
