"""Figures of keeping matching pools current (prints; not a test).

    python bench/pool.py                                  # 5,000 and 50,000 mentors, both databases
    python bench/pool.py --mentors 5000 --db postgresql   # one size, one database
    python bench/pool.py --mentors 50000 --db sqlite --runs 10 --skip-pure

Prints:
- Pool.with_changes per change kind (pause, resume, leave, slot taken/freed, a profile
  edit, a text edit, a new mentor) among each --mentors size: the array work alone.
- On each database (--db) holding each size: a program populated with Core rows in one
  transaction (the mentors, 300 searching mentees, and unless --no-history a past of
  ended pairs, about two per mentor); the first search (the lazy build), with its time
  reading the people from the database apart from making the Pool; the start of a served
  process: from "ready" (the pools' background build starts, bot/cli.py) to the pool
  built, and how long a /mentor find sent right at "ready" waits for it; then per change
  kind, a change committed through the services' own code and (a) the pool update a
  process does on its next look (version read, the changed people read again, their
  rows updated) and (b) `/mentor find` right after such a change (bot.find.suggestions:
  the update, the search, its reads): p50/p95.
- Staleness across two processes: two Engines and two PoolCaches on one database; one
  commits a pause, the other searches every 5 ms until it no longer offers her: how
  long after the commit, with a check on every search and with a 2 s check interval.
- A summary table of all of it, with the machine's load average.

Works on an older checkout too (no with_changes, no check_every): then what it measures
is the rebuild that each change cost before.
"""

from __future__ import annotations

import argparse
import functools
import inspect
import os
import random
import statistics
import sys
import threading
import time
from collections.abc import Callable
from dataclasses import dataclass, field, replace
from datetime import UTC, datetime
from pathlib import Path

from sqlalchemy import Engine, select, update
from sqlalchemy.orm import Session, sessionmaker

sys.path.insert(0, str(Path(__file__).resolve().parent))
from matching import synthetic
from population import bulk_insert, database

from bot import find
from bot.db.engine import make_engine, make_session_factory
from bot.db.enums import (
    Cadence,
    EndReason,
    EnrollmentRole,
    EnrollmentStatus,
    ExperienceLevel,
    MentorshipStatus,
)
from bot.db.models import Enrollment, Mentorship, Person, Program, Topic, enrollment_topics
from bot.matching import Candidate, Pool
from bot.matchmaking import PoolCache
from bot.programs import current_program

TEAM = "T0BENCH"
NOW = datetime(2026, 12, 7, 9, 0, tzinfo=UTC)
PAST_START, PAST_END = datetime(2025, 3, 3, tzinfo=UTC), datetime(2025, 9, 1, tzinfo=UTC)
LEVELS = {level.rank: level for level in ExperienceLevel}
KINDS = ("pause", "resume", "slot taken", "slot freed", "profile edit", "text edit", "leave")


@functools.cache
def people(m: int, seed: int) -> tuple[list[Candidate], list[Candidate], set[tuple[int, int]]]:
    """300 mentees and `m` mentors (bench/matching.py's data), made once per size: both
    databases and the arrays-only figures use the same people."""
    return synthetic(300, m, seed)


def ms(seconds: float) -> str:
    return f"{seconds * 1000:.1f} ms"


def quantiles(samples: list[float]) -> str:
    ordered = sorted(samples)
    p95 = ordered[min(len(ordered) - 1, round(0.95 * (len(ordered) - 1)))]
    return f"p50 {ms(statistics.median(ordered))}, p95 {ms(p95)}, max {ms(ordered[-1])}"


# -- the array work alone ---------------------------------------------------------------


def bench_pure(m: int, runs: int, seed: int) -> None:
    print(f"\n== Pool update per change kind, arrays only: {m:,} mentors ==")
    _, mentors, _ = people(m, seed)
    started = time.perf_counter()
    pool = Pool(mentors)
    print(f"  full build (fit text model, encode everyone): {time.perf_counter() - started:.2f} s")
    if not hasattr(pool, "with_changes"):
        print("  (no Pool.with_changes here: every change rebuilds, as the line above)")
        return
    rng = random.Random(seed)
    changes: dict[str, Callable[[Candidate], Candidate]] = {
        "pause": lambda p: replace(p, paused=True),
        "resume": lambda p: replace(p, paused=False),
        "leave": lambda p: replace(p, left=True),
        "slot taken": lambda p: replace(p, capacity_left=max(0, p.capacity_left - 1)),
        "slot freed": lambda p: replace(p, capacity_left=p.capacity_left + 1),
        "profile edit": lambda p: replace(
            p, topics=frozenset({"NLP", "Leadership"}), experience=6, utc_offset_minutes=-480
        ),
        "text edit": lambda p: replace(
            p, text=p.text + ". Lately I mentor people moving into MLOps and model serving"
        ),
    }
    for kind, change in changes.items():
        times = []
        for _ in range(runs):
            target = pool.mentors[rng.randrange(len(pool))]
            started = time.perf_counter()
            pool.with_changes([change(target)])
            times.append(time.perf_counter() - started)
        print(f"  {kind}: {quantiles(times)}")
    times = []
    for n in range(runs):
        newcomer = replace(mentors[n], key=10_000_000 + n, user_id=f"UNEW{n}")
        started = time.perf_counter()
        pool.with_changes([newcomer])
        times.append(time.perf_counter() - started)
    print(f"  new mentor joins: {quantiles(times)}")


# -- on a database -----------------------------------------------------------------------


def populate(url: str, m: int, seed: int, history: bool = True) -> tuple[int, list[str], list[int]]:
    """`m` mentors and some mentees, as Core rows in one transaction (not through the
    services: 50,000 mentors take seconds); with `history`, a past as well: as many past
    mentees as mentors and each mentor's `mentees_mentored` ended pairs with them, and one
    or two ended pairs for each searching mentee, some parted by a rematch. The program
    id, the searching mentees' user ids, and the mentors with a free slot."""
    mentees, mentors, _ = people(m, seed)
    engine = make_engine(url)
    try:
        with make_session_factory(engine)() as session:
            program_id = current_program(session, TEAM, NOW).id
            session.commit()
        mentor_users = {c.user_id for c in mentors}
        mentees = [c for c in mentees if c.user_id not in mentor_users]
        past = [f"UPAST{i}" for i in range(m if history else 0)]
        with engine.begin() as connection:
            topic_id = dict(
                connection.execute(
                    select(Topic.label, Topic.id).where(Topic.program_id == program_id)
                ).all()
            )
            rows = [
                {
                    "team_id": TEAM,
                    "slack_user_id": c.user_id,
                    "display_name": c.name,
                    "tz": "UTC",
                    "org_team": c.team,
                    "manager_slack_id": c.manager_user_id,
                }
                for c in [*mentors, *mentees]
            ] + [
                {"team_id": TEAM, "slack_user_id": u, "display_name": u, "tz": "UTC"} for u in past
            ]
            bulk_insert(connection, Person.__table__, rows)
            ids = dict(connection.execute(select(Person.slack_user_id, Person.id)).all())
            enrollments = [_enrollment(program_id, ids[c.user_id], c, True) for c in mentors]
            enrollments += [_enrollment(program_id, ids[c.user_id], c, False) for c in mentees]
            enrollments += [
                {
                    "program_id": program_id,
                    "person_id": ids[u],
                    "role": EnrollmentRole.MENTEE,
                    "status": EnrollmentStatus.ACTIVE,
                    "capacity": 0,
                    "active_mentee_count": 0,
                }
                for u in past
            ]
            bulk_insert(connection, Enrollment.__table__, enrollments)
            enrollment_id = dict(
                connection.execute(
                    select(Enrollment.person_id, Enrollment.id).where(
                        Enrollment.program_id == program_id
                    )
                ).all()
            )
            links = [
                {"enrollment_id": enrollment_id[ids[c.user_id]], "topic_id": topic_id[t]}
                for c in [*mentors, *mentees]
                for t in c.topics
            ]
            bulk_insert(connection, enrollment_topics, links)
            if history:
                pairs = _past_pairs(
                    random.Random(seed),
                    [(ids[c.user_id], c.mentees_mentored) for c in mentors],
                    [ids[u] for u in past],
                    [ids[c.user_id] for c in mentees],
                )
                bulk_insert(connection, Mentorship.__table__, [
                    _ended(program_id, mentee, mentor, why) for mentee, mentor, why in pairs
                ])  # fmt: skip
        if engine.dialect.name == "postgresql":
            with engine.connect().execution_options(isolation_level="AUTOCOMMIT") as c:
                c.exec_driver_sql("VACUUM ANALYZE")
        # Mentors with a slot to take, so every timed change changes something.
        open_ = [ids[c.user_id] for c in mentors if c.capacity_left > 0]
        return program_id, [c.user_id for c in mentees], open_
    finally:
        engine.dispose()


def _enrollment(program_id: int, person_id: int, c: Candidate, mentor: bool) -> dict[str, object]:
    return {
        "program_id": program_id,
        "person_id": person_id,
        "role": EnrollmentRole.MENTOR if mentor else EnrollmentRole.MENTEE,
        "status": EnrollmentStatus.PAUSED if c.paused else EnrollmentStatus.ACTIVE,
        "bio": c.text if mentor else None,
        "goals": None if mentor else c.text,
        "experience_level": LEVELS[c.experience],
        "capacity": c.capacity_left if mentor else 0,
        "active_mentee_count": 0,
        "cadence": c.cadence,
        "meeting_format": c.meeting_format,
    }


def _past_pairs(
    rng: random.Random,
    mentored: list[tuple[int, int]],
    past: list[int],
    searching: list[int],
) -> list[tuple[int, int, EndReason]]:
    """(mentee, mentor, end reason) of ended pairs: each mentor's count with distinct past
    mentees; one or two per searching mentee, one in ten parted by a rematch."""
    pairs = [
        (mentee, mentor, EndReason.COMPLETED)
        for mentor, count in mentored
        for mentee in rng.sample(past, min(count, len(past)))
    ]
    mentors = [mentor for mentor, _ in mentored]
    for mentee in searching:
        for mentor in rng.sample(mentors, min(rng.randint(1, 2), len(mentors))):
            why = EndReason.REMATCHED if rng.random() < 0.1 else EndReason.COMPLETED
            pairs.append((mentee, mentor, why))
    return pairs


def _ended(program_id: int, mentee: int, mentor: int, why: EndReason) -> dict[str, object]:
    return {
        "team_id": TEAM,
        "program_id": program_id,
        "mentor_id": mentor,
        "mentee_id": mentee,
        "status": MentorshipStatus.ENDED,
        "cadence": Cadence.BIWEEKLY,
        "started_at": PAST_START,
        "ended_at": PAST_END,
        "end_reason": why,
        "match_reasons": [],
        "created_at": PAST_START,
    }


def make_change(session: Session, kind: str, program_id: int, person_id: int) -> None:
    """One change to one mentor, as the services write it."""
    from bot import onboarding
    from bot.enrollment import set_paused

    enrollment = session.scalar(
        select(Enrollment).where(
            Enrollment.program_id == program_id, Enrollment.person_id == person_id
        )
    )
    assert enrollment is not None
    where = (Enrollment.program_id == program_id, Enrollment.person_id == person_id)
    if kind in ("pause", "resume"):
        if (enrollment.status is EnrollmentStatus.PAUSED) == (kind == "pause"):
            set_paused(session, enrollment, paused=kind != "pause", now=NOW)  # make it moveable
            session.flush()
        set_paused(session, enrollment, paused=kind == "pause", now=NOW)
    elif kind == "slot taken":  # as bot.mentorships.start counts it
        session.execute(
            update(Enrollment)
            .where(*where, Enrollment.active_mentee_count < Enrollment.capacity)
            .values(active_mentee_count=Enrollment.active_mentee_count + 1)
        )
    elif kind == "slot freed":  # as bot.mentorships.end counts it
        session.execute(
            update(Enrollment)
            .where(*where, Enrollment.active_mentee_count > 0)
            .values(active_mentee_count=Enrollment.active_mentee_count - 1)
        )
    elif kind == "profile edit":
        enrollment.experience_level = ExperienceLevel.PRINCIPAL
        enrollment.topics = list(
            session.scalars(
                select(Topic).where(
                    Topic.program_id == program_id, Topic.label.in_(["NLP", "Leadership"])
                )
            )
        )
    elif kind == "text edit":
        enrollment.bio = (enrollment.bio or "") + ". Lately I mentor people moving into MLOps"
    elif kind == "leave":
        onboarding.leave(session, enrollment, now=NOW)


@dataclass
class Figures:
    """One database and pool size: what the summary table shows (seconds)."""

    database: str
    mentors: int
    populated: float = 0.0
    built: float = 0.0  # the first /mentor find: the pool built lazily
    read: float = 0.0  # of which reading the people from the database
    made: float = 0.0  # and making the Pool (the text model's fit, the arrays)
    ready: float = 0.0  # from "process ready" to the pool built in the background
    waited: float = 0.0  # a /mentor find sent at "ready": its answer came after this
    update: dict[str, list[float]] = field(default_factory=dict)  # by change kind
    find: dict[str, list[float]] = field(default_factory=dict)
    stale: dict[float, list[float]] = field(default_factory=dict)  # by check interval


def bench_database(
    kind: str, m: int, runs: int, seed: int, kinds: tuple[str, ...] = KINDS, history: bool = True
) -> Figures:
    print(f"\n== {kind}: {m:,} mentors, a change then the next look / the next find ==")
    figures = Figures(kind, m)
    with database(kind) as url:
        started = time.perf_counter()
        program_id, mentee_users, mentor_ids = populate(url, m, seed, history)
        figures.populated = time.perf_counter() - started
        print(f"  (populated in {figures.populated:.1f} s)")
        engine = make_engine(url)
        sessions = make_session_factory(engine)
        cache = PoolCache()
        rng = random.Random(seed)
        targets = iter(rng.sample(mentor_ids, min(len(mentor_ids), 4 * runs * len(KINDS))))
        try:
            started = time.perf_counter()
            search(sessions, cache, program_id, mentee_users[0])
            figures.built = time.perf_counter() - started
            print(f"  first /mentor find (builds the pool lazily): {figures.built:.2f} s")
            if hasattr(cache, "build_times"):
                times = cache.build_times(program_id)
                assert times is not None
                figures.read, figures.made = times.read, times.pool
                print(
                    f"    of which reading the people {times.read:.2f} s, "
                    f"making the Pool {times.pool:.2f} s"
                )
            if hasattr(PoolCache, "build_open_programs"):
                bench_start(engine, sessions, program_id, mentee_users[0], figures)
            for change in kinds:
                looks, finds = (
                    figures.update.setdefault(change, []),
                    figures.find.setdefault(change, []),
                )
                for n in range(runs):
                    target = next(targets)
                    if change == "slot freed":  # a slot to free: taken first, not timed
                        with sessions() as session:
                            make_change(session, "slot taken", program_id, target)
                            session.commit()
                        search(sessions, cache, program_id, mentee_users[0])
                    with sessions() as session:
                        make_change(session, change, program_id, target)
                        session.commit()
                    started = time.perf_counter()
                    if n % 2 == 0:  # the update alone: what the next look costs
                        with sessions() as session:
                            program = session.get(Program, program_id)
                            assert program is not None
                            cache.get(session, program, NOW)
                        looks.append(time.perf_counter() - started)
                    else:
                        search(sessions, cache, program_id, rng.choice(mentee_users))
                        finds.append(time.perf_counter() - started)
                print(f"  {change}: pool update {quantiles(looks)}")
                print(f"  {'':{len(change)}}  /mentor find right after: {quantiles(finds)}")
            if "check_every" in inspect.signature(PoolCache).parameters:
                for every in (0.0, 2.0):
                    figures.stale[every] = bench_staleness(
                        url, program_id, mentee_users[0], mentor_ids, every, seed
                    )
        finally:
            engine.dispose()
    return figures


def bench_start(
    engine: Engine,
    sessions: sessionmaker[Session],
    program_id: int,
    user: str,
    figures: Figures,
) -> None:
    """A served process at "ready": its pools' build starts in the background (as
    bot/cli.py starts it, the matcher's imports already loaded) and a /mentor find
    arrives at once; it waits for that build, which is not made twice."""
    cache = PoolCache()
    done = threading.Event()
    finished: list[tuple[int, float]] = []

    def build() -> None:
        built = cache.build_open_programs(engine, lambda: NOW)
        finished.append((built, time.perf_counter()))
        done.set()

    ready = time.perf_counter()
    threading.Thread(target=build, daemon=True).start()
    search(sessions, cache, program_id, user)
    answered = time.perf_counter()
    figures.waited = answered - ready
    done.wait()
    times = cache.build_times(program_id)
    assert times is not None
    # Whichever started first built the pool, once: the background thread, or the search
    # (the other then waited for it, or found it built).
    built, ended = finished[0]
    figures.ready = (ended if built else answered) - ready
    print(
        f"  from ready, the pool built in {figures.ready:.2f} s by "
        f"{'the background thread' if built else 'the search, which came first'} "
        f"(reading {times.read:.2f} s, the Pool {times.pool:.2f} s); "
        f"a /mentor find sent at ready answered after {figures.waited:.2f} s"
    )


def search(sessions: sessionmaker[Session], cache: PoolCache, program_id: int, user: str) -> None:
    with sessions() as session:  # not committed: the impressions it writes are dropped
        find.suggestions(session, cache, find.Search(program_id), user_id=user, now=NOW)


def bench_staleness(
    url: str, program_id: int, mentee: str, mentor_ids: list[int], every: float, seed: int
) -> list[float]:
    """Process A pauses a mentor; process B (own Engine, own PoolCache) searches in a loop."""
    a_engine, b_engine = make_engine(url), make_engine(url)
    a, b = make_session_factory(a_engine), make_session_factory(b_engine)
    b_cache = PoolCache(check_every=every)
    rng = random.Random(seed + 1)
    windows = []
    try:
        for _ in range(5):
            with b() as session:
                program = session.get(Program, program_id)
                assert program is not None
                _, pool = b_cache.get(session, program, NOW)
                target = rng.choice(
                    [k for k in mentor_ids if k in pool.index and pool.available[pool.index[k]]]
                )
            seen = threading.Event()
            committed: list[float] = []

            def watch(
                target: int = target,
                seen: threading.Event = seen,
                committed: list[float] = committed,
            ) -> None:
                while not seen.is_set():
                    with b() as session:
                        program = session.get(Program, program_id)
                        assert program is not None
                        _, pool = b_cache.get(session, program, NOW)
                        row = pool.index.get(target)
                        if committed and (row is None or not pool.available[row]):
                            windows.append(time.perf_counter() - committed[0])
                            seen.set()
                    time.sleep(0.005)

            watcher = threading.Thread(target=watch)
            watcher.start()
            with a() as session:
                make_change(session, "pause", program_id, target)
                session.commit()
            committed.append(time.perf_counter())
            seen.wait(timeout=30)
            seen.set()
            watcher.join()
        label = "every search" if every == 0 else f"every {every:g} s"
        print(
            f"  staleness in a second process (checks {label}): "
            f"median {ms(statistics.median(windows))}, max {ms(max(windows))} over {len(windows)}"
        )
        return windows
    finally:
        a_engine.dispose()
        b_engine.dispose()


def percentile(samples: list[float], share: float) -> float:
    ordered = sorted(samples)
    return ordered[min(len(ordered) - 1, round(share * (len(ordered) - 1)))]


def summary(all_figures: list[Figures]) -> None:
    """The figures of every run as two Markdown tables, with the machine's load."""
    print("\n== Summary (milliseconds unless said) ==")
    print(f"  load average when done: {' '.join(f'{x:.2f}' for x in os.getloadavg())}")
    print("  targets: update < 50 ms at 5,000 mentors; find right after a change p95 < 100 ms")
    print("  at 5,000 and < 300 ms at 50,000; another process stale for at most a few seconds\n")
    print("| database | mentors | change | update p50 | update p95 | find p50 | find p95 |")
    print("| --- | ---: | --- | ---: | ---: | ---: | ---: |")
    for f in all_figures:
        for change in f.update:
            update, find = f.update[change], f.find[change]
            print(
                f"| {f.database} | {f.mentors:,} | {change} "
                f"| {statistics.median(update) * 1000:.1f} | {percentile(update, 0.95) * 1000:.1f} "
                f"| {statistics.median(find) * 1000:.1f} | {percentile(find, 0.95) * 1000:.1f} |"
            )
    print("\n| database | mentors | populated | first find (lazy build) | of which DB read "
          "| of which Pool | ready to pool built | find sent at ready waits "
          "| stale, check every search: median / max "
          "| stale, check every 2 s: median / max |")  # fmt: skip
    print("| --- | ---: | ---: | ---: | ---: | ---: | ---: | ---: | ---: | ---: |")
    for f in all_figures:
        stale = [
            f"{statistics.median(w) * 1000:.0f} / {max(w) * 1000:.0f}" if w else "-"
            for w in (f.stale.get(0.0, []), f.stale.get(2.0, []))
        ]
        print(
            f"| {f.database} | {f.mentors:,} | {f.populated:.1f} s | {f.built:.2f} s "
            f"| {f.read:.2f} s | {f.made:.2f} s | {f.ready:.2f} s | {f.waited:.2f} s "
            f"| {stale[0]} | {stale[1]} |"
        )


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    parser.add_argument(
        "--mentors", default="5000,50000", help="comma-separated pool sizes (default 5000,50000)"
    )
    parser.add_argument(
        "--db", default="postgresql,sqlite", help="comma-separated: postgresql, sqlite"
    )
    parser.add_argument("--runs", type=int, default=20, help="changes per kind (half looks)")
    parser.add_argument("--seed", type=int, default=7)
    parser.add_argument("--skip-pure", action="store_true")
    parser.add_argument(
        "--history",
        action=argparse.BooleanOptionalAction,
        default=True,
        help="a past of ended pairs, ~2 per mentor (--no-history: none, as before)",
    )
    parser.add_argument(
        "--kinds", default=",".join(KINDS), help=f"comma-separated, of: {', '.join(KINDS)}"
    )
    args = parser.parse_args()
    sizes = [int(x.replace("_", "")) for x in args.mentors.split(",") if x.strip()]
    databases = [x.strip() for x in args.db.split(",") if x.strip()]
    kinds = tuple(k.strip() for k in args.kinds.split(",") if k.strip())
    if unknown := set(kinds) - set(KINDS):
        raise SystemExit(f"unknown change kinds: {', '.join(sorted(unknown))}")
    if not args.skip_pure:
        for m in sizes:
            bench_pure(m, args.runs, args.seed)
    figures = [
        bench_database(db, m, args.runs, args.seed, kinds, args.history)
        for db in databases
        for m in sizes
    ]
    summary(figures)


if __name__ == "__main__":
    main()
