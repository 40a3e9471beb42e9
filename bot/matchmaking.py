"""From the database to the matcher: who is in the program, as Candidates and a Pool.

Building a Pool fits the text model and precomputes arrays, which costs far more
than one search, so pools are cached per program (`PoolCache`) and kept current by
deltas: every commit that changes who the matcher sees bumps the program's pool version
and logs who changed (bot/db/pool_changes.py); a cache that finds the version moved
reads those people again and updates their rows only.
"""

from __future__ import annotations

import contextlib
import contextvars
import logging
import threading
import time
from collections import Counter
from collections.abc import Callable, Collection, Iterator, Mapping, Sequence
from dataclasses import dataclass, field, replace
from datetime import datetime
from typing import TYPE_CHECKING, NamedTuple
from zoneinfo import ZoneInfo, ZoneInfoNotFoundError

from sqlalchemy import Engine, func, select
from sqlalchemy.orm import Session

from bot import matching
from bot.db import pool_changes
from bot.db.engine import read_only
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


@dataclass(frozen=True)
class BuildTimes:
    """What a full build of a program's pool took, in seconds: reading the people from
    the database, and making the Pool (fitting the text model, the arrays)."""

    read: float
    pool: float
    mentors: int


class PoolNotReady(Exception):
    """The program's first pool is still being built; it is there when asked again later."""


class PoolBuildFailed(Exception):
    """The build a caller waited for failed (logged where it ran); the next one tries again."""


# The bound of `PoolCache.waiting_at_most` in the thread (context) that set it.
_WAIT_AT_MOST: contextvars.ContextVar[float | None] = contextvars.ContextVar(
    "pool_wait_at_most", default=None
)


@dataclass
class _Build:
    """A first build of a program's pool under way: who waits for it, and how it ended."""

    done: threading.Event = field(default_factory=threading.Event)
    waiting: int = 0  # listeners waiting for it with a bound (`PoolCache.wait_ready`)
    failed: BaseException | None = None


class PoolCache:
    """One Pool per program, kept current by deltas (bot/db/pool_changes.py).

    A process that serves Slack builds the pools of the open programs in a background
    thread once it answers requests (`build_open_programs`, from bot/cli.py); any other
    program's pool is built by its first search. A program's first pool is built once:
    whoever needs it while it is being built waits for that build (a listener with a
    bound: `wait_ready`); if that build fails, it is logged and the next use builds it.

    Then, at most every `check_every` seconds (0: on every use), the program's pool
    version is read (a primary-key lookup); when another commit (here or in another
    process) moved it, only the people logged since are read again and their rows
    updated. When the whole program changed (a topic removed, the org chart, a long log
    gap) or more than `delta_limit` people did, the pool is rebuilt: in the background
    when it has at least `background_from` mentors, serving the previous pool meanwhile;
    in line when smaller.
    """

    def __init__(
        self,
        *,
        check_every: float = 0.0,
        delta_limit: int = 500,
        background_from: int = 2_000,
        max_waiting: int = 8,
        clock: Callable[[], float] = time.monotonic,
    ) -> None:
        self.check_every = check_every
        self.delta_limit = delta_limit
        self.background_from = background_from
        # Listeners that may wait for one build at once: Bolt has 32 threads (bot/app.py),
        # and those must stay free to acknowledge everyone else within Slack's 3 s.
        self.max_waiting = max_waiting
        self._clock = clock
        self._lock = threading.Lock()
        self._pools: dict[int, _Cached] = {}
        self._building: dict[int, _Build] = {}  # first builds under way
        self._rebuilding: dict[int, threading.Thread] = {}
        self._looked: dict[tuple[str, int], int] = {}
        self._times: dict[int, BuildTimes] = {}

    def changed_since_last_look(self, session: Session, program: Program, watcher: str) -> bool:
        """True the first time `watcher` looks after the program's people changed."""
        stamp = pool_changes.version(session, program.id)
        with self._lock:
            seen = self._looked.get((watcher, program.id))
            self._looked[(watcher, program.id)] = stamp
        return seen != stamp

    def get(self, session: Session, program: Program, now: datetime) -> tuple[ProgramPeople, Pool]:
        """The program's people and pool, current as of the last check. The first use
        waits for the build under way, or builds the pool here (in `session`)."""
        with self._lock:
            cached = self._pools.get(program.id)
        if cached is None:
            bound, bind = _WAIT_AT_MOST.get(), session.get_bind()
            if bound is not None and isinstance(bind, Engine):
                self.wait_ready(bind, program.id, now, timeout=bound)
                with self._lock:
                    cached = self._pools.get(program.id)
            if cached is None:  # no bound; or a program the build's own session did not see
                cached = self._first(session, program, now)
        if self._clock() - cached.checked < self.check_every:
            return cached.people, cached.pool
        version = pool_changes.version(session, program.id)
        if cached.version == version:
            self._store(program.id, replace(cached, checked=self._clock()))
            return cached.people, cached.pool
        delta = pool_changes.changes(session, program.id, cached.version, version)
        if delta.everyone or len(delta.people) > self.delta_limit:
            if len(cached.pool) < self.background_from:
                fresh = self._fitted(program.id, *self._read(session, program, now))
                return fresh.people, fresh.pool
            self._rebuild_in_background(session, program, now)
            return cached.people, cached.pool
        people, pool, chart = reload_people(
            session, program, cached.people, cached.pool, delta.people, now, cached.manager_of
        )
        self._store(program.id, _Cached(version, people, pool, self._clock(), chart))
        return people, pool

    @contextlib.contextmanager
    def waiting_at_most(self, seconds: float) -> Iterator[None]:
        """Within it, in this thread, a `get` that finds no pool waits for its build at
        most `seconds` (`wait_ready`: PoolNotReady after that), instead of building it or
        waiting for as long as a build takes: for a listener inside Slack's 3 s."""
        token = _WAIT_AT_MOST.set(seconds)
        try:
            yield
        finally:
            _WAIT_AT_MOST.reset(token)

    def ready(self, program_id: int) -> bool:
        """Whether the program has a pool (perhaps not yet brought up to date)."""
        with self._lock:
            return program_id in self._pools

    def wait_ready(self, bind: Engine, program_id: int, now: datetime, *, timeout: float) -> None:
        """Return once the program has a pool, waiting at most `timeout` seconds for the
        build under way, which is started in the background (on `bind`) if none is.

        PoolNotReady when it is not done by then, or at once when `max_waiting` callers
        already wait for it; PoolBuildFailed when it failed. The build goes on either way.
        For listeners: they must not hold Slack's answer, nor many of Bolt's threads."""
        with self._lock:
            if program_id in self._pools:
                return
            build = self._building.get(program_id)
            if build is None:
                build = self._start(bind, program_id, now)
            if timeout > 0 and build.waiting >= self.max_waiting:
                raise PoolNotReady(f"{build.waiting} already wait for the pool of {program_id}")
            build.waiting += 1
        try:
            finished = build.done.wait(timeout) if timeout > 0 else build.done.is_set()
        finally:
            with self._lock:
                build.waiting -= 1
        if not finished:
            raise PoolNotReady(f"the pool of program {program_id} is still being built")
        if build.failed is not None:
            raise PoolBuildFailed(f"building the pool of program {program_id} failed")

    def build_open_programs(self, bind: Engine, clock: Callable[[], datetime]) -> int:
        """Build the pools of the open programs that have none, one after another, here
        (a serving process calls it in a background thread once it answers requests).
        A failure is logged and left to that program's next search. How many were built."""
        from bot.programs import OPEN_STATUSES

        began = time.perf_counter()
        try:
            with Session(read_only(bind)) as session:
                ids = session.scalars(
                    select(Program.id).where(Program.status.in_(OPEN_STATUSES)).order_by(Program.id)
                ).all()
        except Exception:
            log.exception("could not list the open programs: each first search builds its pool")
            return 0
        built = 0
        for program_id in ids:
            with self._lock:
                if program_id in self._pools or program_id in self._building:
                    continue  # built already, or by a search right now
                build = self._building[program_id] = _Build()
            built += self._build_apart(build, bind, program_id, clock())
        log.info(
            "matching pools of %d open programs built in the background in %.2f s",
            built,
            time.perf_counter() - began,
        )
        return built

    def largest_round(self) -> int:
        """Pairs in the biggest round the held pools could be asked for (their mentees x
        mentors), to tell whether a round will want the compiled code."""
        with self._lock:
            held = list(self._pools.values())
        return max((len(c.people.mentees) * len(c.people.mentors) for c in held), default=0)

    def build_times(self, program_id: int) -> BuildTimes | None:
        """What the program's last full build took (for the log and bench/pool.py)."""
        with self._lock:
            return self._times.get(program_id)

    def rebuilding(self, program_id: int) -> threading.Thread | None:
        """The background rebuild of this program's pool under way, if any (for tests)."""
        with self._lock:
            return self._rebuilding.get(program_id)

    def _first(self, session: Session, program: Program, now: datetime) -> _Cached:
        """The program's first pool: the build under way, waited for; else built here."""
        while True:
            with self._lock:
                cached = self._pools.get(program.id)
                if cached is not None:
                    return cached
                build = self._building.get(program.id)
                mine = build is None
                if build is None:
                    build = self._building[program.id] = _Build()
            if not mine:
                # When that build failed (it logged why), the next turn builds it here.
                build.done.wait()
                continue
            try:
                return self._fitted(program.id, *self._read(session, program, now))
            except BaseException as exc:
                build.failed = exc
                raise
            finally:
                self._finish(program.id, build)

    def _read(
        self, session: Session, program: Program, now: datetime
    ) -> tuple[int, ProgramPeople, dict[str, str], float]:
        """The version, then the people and the org chart, and how long reading took."""
        began = time.perf_counter()
        # The version is read before the rows: a change committed in between is applied
        # again at the next look, which is harmless (it reads the same rows).
        version = pool_changes.version(session, program.id)
        people, chart = _load_people(session, program, now)
        return version, people, chart, time.perf_counter() - began

    def _fitted(
        self,
        program_id: int,
        version: int,
        people: ProgramPeople,
        chart: dict[str, str],
        read: float,
    ) -> _Cached:
        """The Pool of these people (the text model's fit: CPU, no database), stored."""
        began = time.perf_counter()
        pool = matching.Pool(people.mentors.values())
        times = BuildTimes(read, time.perf_counter() - began, len(pool))
        cached = _Cached(version, people, pool, self._clock(), chart)
        self._store(program_id, cached)
        with self._lock:
            self._times[program_id] = times
        return cached

    def _start(self, bind: Engine, program_id: int, now: datetime) -> _Build:
        """A first build of the program's pool in a thread of its own (lock held)."""
        build = self._building[program_id] = _Build()
        threading.Thread(
            target=self._build_apart,
            args=(build, bind, program_id, now),
            name=f"pool-{program_id}",
            daemon=True,
        ).start()
        return build

    def _build_apart(self, build: _Build, bind: Engine, program_id: int, now: datetime) -> bool:
        """Build on a session of its own that only reads (no write lock on SQLite) and
        is closed before the text model is fitted; a failure is logged, not raised."""
        try:
            with Session(read_only(bind)) as own:
                program = own.get(Program, program_id)
                if program is None:  # not committed (yet), or gone: nothing to build
                    return False
                read = self._read(own, program, now)
            self._fitted(program_id, *read)
            times = self.build_times(program_id)
            assert times is not None
            log.info(
                "matching pool of program %s built in the background: %d mentors, "
                "read in %.2f s, pool made in %.2f s",
                program_id,
                times.mentors,
                times.read,
                times.pool,
            )
            return True
        except Exception as exc:
            build.failed = exc
            log.exception(
                "building the matching pool of program %s failed; its next search builds it",
                program_id,
            )
            return False
        finally:
            self._finish(program_id, build)

    def _finish(self, program_id: int, build: _Build) -> None:
        with self._lock:
            if self._building.get(program_id) is build:
                del self._building[program_id]
        build.done.set()

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
                with Session(read_only(bind) if isinstance(bind, Engine) else bind) as own:
                    fresh = own.get(Program, program_id)
                    if fresh is None:
                        return
                    read = self._read(own, fresh, now)
                self._fitted(program_id, *read)  # out of the transaction: CPU only
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
