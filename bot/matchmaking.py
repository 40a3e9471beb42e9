"""From the database to the matcher: who is in the program, as Candidates and a Pool.

Building a Pool fits the text model and precomputes arrays, which costs far more
than one search, so pools are cached per program (`PoolCache`) and kept current by
deltas: every commit that changes who the matcher sees bumps the program's pool version
and logs who changed (bot/db/pool_changes.py); a cache that finds the version moved
reads those people again and updates their rows only.
"""

from __future__ import annotations

import logging
import threading
import time
from collections import Counter
from collections.abc import Callable, Collection, Mapping, Sequence
from dataclasses import dataclass, field, replace
from datetime import datetime
from typing import TYPE_CHECKING, NamedTuple
from zoneinfo import ZoneInfo, ZoneInfoNotFoundError

from sqlalchemy import func, select
from sqlalchemy.orm import Session

from bot import matching
from bot.db import pool_changes
from bot.db.enums import (
    Cadence,
    EndReason,
    EnrollmentRole,
    EnrollmentStatus,
    ExperienceLevel,
    MeetingFormat,
    RequestStatus,
)
from bot.db.models import (
    Enrollment,
    Mentorship,
    MentorshipRequest,
    Person,
    Program,
    Topic,
    enrollment_topics,
)
from bot.matching import Candidate, Weights, reporting_chain
from bot.past_pairs import PastPairs
from bot.profile import MENTEE_ROLES, MENTOR_ROLES

if TYPE_CHECKING:  # numpy and scipy load with the first pool, not at start-up
    from bot.matching import Pool, Round, SuggestionPage

log = logging.getLogger(__name__)
REPORTING_DEPTH = 4  # managers above a person that reporting_chain looks at


@dataclass(frozen=True)
class ProgramPeople:
    mentees: dict[int, Candidate]  # by person id
    mentors: dict[int, Candidate]
    history: PastPairs  # (mentee person id, mentor person id) ever paired
    pending_asks: Counter[int]  # mentor person id -> open requests waiting on them
    # (mentee, mentor) pairs that ended by a rematch: never proposed again, even where the
    # program allows repeat pairs (one of the two asked to part).
    parted: PastPairs = field(default_factory=PastPairs)


def utc_offset_minutes(tz: str | None, now: datetime) -> int:
    try:
        offset = now.astimezone(ZoneInfo(tz or "UTC")).utcoffset()
    except (ZoneInfoNotFoundError, ValueError):
        return 0
    return int(offset.total_seconds() // 60) if offset else 0


def load_people(session: Session, program: Program, now: datetime) -> ProgramPeople:
    return _load_people(session, program, now)[0]


def _load_people(
    session: Session, program: Program, now: datetime
) -> tuple[ProgramPeople, dict[str, str]]:
    """Everyone in the program, and the workspace's org chart (user id -> manager)."""
    enrollments = _enrollment_rows(session, program.id)
    rows = session.execute(
        select(Mentorship.mentee_id, Mentorship.mentor_id, Mentorship.end_reason).where(
            Mentorship.program_id == program.id
        )
    ).all()
    pairs = [(mentee, mentor) for mentee, mentor, _ in rows]
    history = PastPairs(pairs)
    parted = PastPairs(
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
    offsets = _Offsets(now)
    for enrollment in enrollments:
        mentee, mentor = _candidates(enrollment, program, offsets, manager_of, mentored)
        if mentee is not None:
            mentees[mentee.key] = mentee
        if mentor is not None:
            mentors[mentor.key] = mentor
    return ProgramPeople(mentees, mentors, history, pending, parted), manager_of


class _EnrollmentRow(NamedTuple):
    """One enrollment and its person: the columns the matcher reads, nothing more."""

    person_id: int
    role: EnrollmentRole
    status: EnrollmentStatus
    goals: str | None
    bio: str | None
    experience_level: ExperienceLevel | None
    capacity: int
    active_mentee_count: int
    cadence: Cadence | None
    meeting_format: MeetingFormat | None
    slack_user_id: str
    display_name: str
    real_name: str | None
    tz: str | None
    org_team: str | None
    manager_slack_id: str | None
    topics: frozenset[str]


_ENROLLMENT_COLUMNS = (
    Enrollment.person_id,
    Enrollment.role,
    Enrollment.status,
    Enrollment.goals,
    Enrollment.bio,
    Enrollment.experience_level,
    Enrollment.capacity,
    Enrollment.active_mentee_count,
    Enrollment.cadence,
    Enrollment.meeting_format,
    Person.slack_user_id,
    Person.display_name,
    Person.real_name,
    Person.tz,
    Person.org_team,
    Person.manager_slack_id,
)


def _enrollment_rows(
    session: Session, program_id: int, people: Collection[int] | None = None
) -> list[_EnrollmentRow]:
    """The program's enrollments (not left) with their persons and topic labels, as
    plain rows in two queries: ORM objects with their relationships cost ~10 s of CPU
    at 100,000 enrollments where these cost well under two. `people`: only theirs."""
    where = [Enrollment.program_id == program_id, Enrollment.status != EnrollmentStatus.LEFT]
    if people is not None:
        where.append(Enrollment.person_id.in_(people))
    labels: dict[int, set[str]] = {}
    for person_id, label in session.execute(
        select(Enrollment.person_id, Topic.label)
        .select_from(enrollment_topics)
        .join(Enrollment, Enrollment.id == enrollment_topics.c.enrollment_id)
        .join(Topic, Topic.id == enrollment_topics.c.topic_id)
        .where(*where)
    ):
        labels.setdefault(person_id, set()).add(label)
    return [
        _EnrollmentRow._make((*row, frozenset(labels.get(row[0], ()))))
        for row in session.execute(
            select(*_ENROLLMENT_COLUMNS)
            .join(Person, Person.id == Enrollment.person_id)
            .where(*where)
        )
    ]


class _Offsets:
    """Each zone's UTC offset at `now`, worked out once per zone, not once per person."""

    def __init__(self, now: datetime) -> None:
        self.now = now
        self._minutes: dict[str | None, int] = {}

    def __call__(self, tz: str | None) -> int:
        minutes = self._minutes.get(tz)
        if minutes is None:
            minutes = self._minutes[tz] = utc_offset_minutes(tz, self.now)
        return minutes


def _candidates(
    enrollment: _EnrollmentRow,
    program: Program,
    offsets: _Offsets,
    manager_of: Mapping[str, str],
    mentored: Mapping[int, int],
) -> tuple[Candidate | None, Candidate | None]:
    """The person as a mentee and as a mentor (None for a side they are not on)."""
    user_id = enrollment.slack_user_id
    base = {
        "key": enrollment.person_id,
        "user_id": user_id,
        "name": enrollment.display_name or enrollment.real_name or user_id,
        "topics": enrollment.topics,
        "experience": (enrollment.experience_level or ExperienceLevel.MID).rank,
        "utc_offset_minutes": offsets(enrollment.tz),
        "cadence": enrollment.cadence or program.default_cadence,
        "meeting_format": enrollment.meeting_format or Candidate.meeting_format,
        "team": enrollment.org_team,
        "manager_user_id": enrollment.manager_slack_id,
        "skip_level_managers": reporting_chain(user_id, manager_of, REPORTING_DEPTH)[1:],
    }
    mentee = mentor = None
    # Pausing is about taking mentees; a paused "both" may still look for a mentor.
    if enrollment.role in MENTEE_ROLES:
        mentee = Candidate(text=enrollment.goals or "", **base)
    if enrollment.role in MENTOR_ROLES:
        mentor = Candidate(
            text=" ".join(filter(None, [enrollment.bio, enrollment.goals])),
            capacity_left=max(0, enrollment.capacity - enrollment.active_mentee_count),
            paused=enrollment.status is EnrollmentStatus.PAUSED,
            mentees_mentored=mentored.get(enrollment.person_id, 0),
            **base,
        )
    return mentee, mentor


def reload_people(
    session: Session,
    program: Program,
    people: ProgramPeople,
    pool: Pool,
    changed: Collection[int],
    now: datetime,
    manager_of: Mapping[str, str],
) -> tuple[ProgramPeople, Pool, dict[str, str]]:
    """`people` and `pool` with these persons read again: their enrollment, their pairs,
    the open requests waiting on them. Everyone else is kept as is; a mentor who left
    (or stopped mentoring) stays in the pool as a row that is never available.

    `manager_of` is the org chart the pool was built with: a change of anyone's manager
    reloads the whole program (bot/db/pool_changes.py), so only the changed people's
    own lines need reading again, and they come with their rows."""
    ids = sorted(changed)
    # Read as the full build reads them (_enrollment_rows), so a delta and a build agree.
    enrollments = {row.person_id: row for row in _enrollment_rows(session, program.id, ids)}
    # These people's pairs in every program (a person is in few), this program's kept
    # here: with the program in the WHERE, SQLite walks the program's every pair by its
    # program_id index instead of the two person indexes (58 ms at 100,000 pairs).
    rows = [
        (mentee, mentor, why)
        for mentee, mentor, why, program_id in session.execute(
            select(
                Mentorship.mentee_id,
                Mentorship.mentor_id,
                Mentorship.end_reason,
                Mentorship.program_id,
            ).where(Mentorship.mentee_id.in_(ids) | Mentorship.mentor_id.in_(ids))
        )
        if program_id == program.id
    ]
    mine = {(mentee, mentor) for mentee, mentor, _ in rows}
    history = people.history.replaced(ids, mine)
    parted = people.parted.replaced(
        ids, {(mentee, mentor) for mentee, mentor, why in rows if why == EndReason.REMATCHED}
    )
    mentored = Counter(mentor for _, mentor in mine)
    pending = Counter(people.pending_asks)
    for person_id in ids:
        pending.pop(person_id, None)
    pending.update(
        dict(
            session.execute(
                select(MentorshipRequest.mentor_id, func.count())
                .where(
                    MentorshipRequest.program_id == program.id,
                    MentorshipRequest.status == RequestStatus.PENDING,
                    MentorshipRequest.mentor_id.in_(ids),
                )
                .group_by(MentorshipRequest.mentor_id)
            ).all()
        )
    )
    chart = dict(manager_of)
    for enrollment in enrollments.values():
        chart.pop(enrollment.slack_user_id, None)
        if enrollment.manager_slack_id is not None:
            chart[enrollment.slack_user_id] = enrollment.manager_slack_id
    mentees, mentors = dict(people.mentees), dict(people.mentors)
    rows_changed: list[Candidate] = []
    offsets = _Offsets(now)
    for person_id in ids:
        mentees.pop(person_id, None)
        mentors.pop(person_id, None)
        enrollment = enrollments.get(person_id)
        mentee, mentor = (
            _candidates(enrollment, program, offsets, chart, mentored)
            if enrollment is not None
            else (None, None)
        )
        if mentee is not None:
            mentees[person_id] = mentee
        if mentor is not None:
            mentors[person_id] = mentor
            rows_changed.append(mentor)
        elif person_id in pool.index:
            # Gone from the mentors: a row that is never available and fits nobody, so
            # no reason given to a mentee ("all full") counts her until the next build.
            gone_row = pool.mentors[pool.index[person_id]]
            rows_changed.append(replace(gone_row, left=True, topics=frozenset(), text=""))
    return (
        ProgramPeople(mentees, mentors, history, pending, parted),
        pool.with_changes(rows_changed),
        chart,
    )


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
    # Only this mentee's past pairs count: read from the index, not filtered from all.
    history, parted = _of_mentee(history, mentee.key), _of_mentee(parted, mentee.key)
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


def _of_mentee(pairs: Collection[tuple[int, int]], key: int) -> set[tuple[int, int]]:
    mine = pairs.of(key) if isinstance(pairs, PastPairs) else pairs
    return {pair for pair in mine if pair[0] == key}


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


@dataclass(frozen=True)
class _Cached:
    version: int  # the program's pool version these were built from (or brought up to)
    people: ProgramPeople
    pool: Pool
    checked: float  # when the version was last compared (monotonic seconds)
    manager_of: dict[str, str]  # the org chart the people were read with


class PoolCache:
    """One Pool per program, kept current by deltas (bot/db/pool_changes.py).

    Built lazily, by the first search of a program (start-up builds nothing). Then, at
    most every `check_every` seconds (0: on every use), the program's pool version is
    read (a primary-key lookup); when another commit (here or in another process) moved
    it, only the people logged since are read again and their rows updated. When the
    whole program changed (a topic removed, the org chart, a long log gap) or more than
    `delta_limit` people did, the pool is rebuilt: in the background when it has at least
    `background_from` mentors, serving the previous pool meanwhile; in line when smaller.
    """

    def __init__(
        self,
        *,
        check_every: float = 0.0,
        delta_limit: int = 500,
        background_from: int = 2_000,
        clock: Callable[[], float] = time.monotonic,
    ) -> None:
        self.check_every = check_every
        self.delta_limit = delta_limit
        self.background_from = background_from
        self._clock = clock
        self._lock = threading.Lock()
        self._pools: dict[int, _Cached] = {}
        self._rebuilding: dict[int, threading.Thread] = {}
        self._looked: dict[tuple[str, int], int] = {}

    def changed_since_last_look(self, session: Session, program: Program, watcher: str) -> bool:
        """True the first time `watcher` looks after the program's people changed."""
        stamp = pool_changes.version(session, program.id)
        with self._lock:
            seen = self._looked.get((watcher, program.id))
            self._looked[(watcher, program.id)] = stamp
        return seen != stamp

    def get(self, session: Session, program: Program, now: datetime) -> tuple[ProgramPeople, Pool]:
        with self._lock:
            cached = self._pools.get(program.id)
        if cached is not None and self._clock() - cached.checked < self.check_every:
            return cached.people, cached.pool
        version = pool_changes.version(session, program.id)
        if cached is None:
            return self._build(session, program, version, now)
        if cached.version == version:
            self._store(program.id, replace(cached, checked=self._clock()))
            return cached.people, cached.pool
        delta = pool_changes.changes(session, program.id, cached.version, version)
        if delta.everyone or len(delta.people) > self.delta_limit:
            if len(cached.pool) < self.background_from:
                return self._build(session, program, version, now)
            self._rebuild_in_background(session, program, now)
            return cached.people, cached.pool
        people, pool, chart = reload_people(
            session, program, cached.people, cached.pool, delta.people, now, cached.manager_of
        )
        self._store(program.id, _Cached(version, people, pool, self._clock(), chart))
        return people, pool

    def rebuilding(self, program_id: int) -> threading.Thread | None:
        """The background rebuild of this program's pool under way, if any (for tests)."""
        with self._lock:
            return self._rebuilding.get(program_id)

    def _build(
        self, session: Session, program: Program, version: int, now: datetime
    ) -> tuple[ProgramPeople, Pool]:
        # The version is read before the rows: a change committed in between is applied
        # again at the next look, which is harmless (it reads the same rows).
        people, chart = _load_people(session, program, now)
        pool = matching.Pool(people.mentors.values())
        self._store(program.id, _Cached(version, people, pool, self._clock(), chart))
        return people, pool

    def _store(self, program_id: int, cached: _Cached) -> None:
        with self._lock:
            current = self._pools.get(program_id)
            if current is None or current.version <= cached.version:
                self._pools[program_id] = cached

    def _rebuild_in_background(self, session: Session, program: Program, now: datetime) -> None:
        bind = session.get_bind()
        program_id = program.id

        def rebuild() -> None:
            try:
                with Session(bind) as own:
                    fresh = own.get(Program, program_id)
                    if fresh is not None:
                        self._build(own, fresh, pool_changes.version(own, program_id), now)
            except Exception:
                log.exception("rebuilding the matching pool of program %s failed", program_id)
            finally:
                with self._lock:
                    self._rebuilding.pop(program_id, None)

        with self._lock:
            if program_id in self._rebuilding:
                return
            worker = threading.Thread(target=rebuild, name=f"pool-{program_id}", daemon=True)
            self._rebuilding[program_id] = worker
        worker.start()
