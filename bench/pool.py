"""Figures of keeping matching pools current (prints; not a test).

    python bench/pool.py [--mentors 5000] [--large 50000] [--db postgresql] [--runs 20]

Prints:
- Pool.with_changes per change kind (pause, resume, leave, slot taken/freed, a profile
  edit, a text edit, a new mentor) among --mentors mentors: the array work alone.
- On a real database (--db) holding --mentors mentors, then --large: the first search
  (the lazy build), then per change kind, a change committed through the services'
  own code and (a) the pool update a process does on its next look (version read,
  the changed people read again, their rows updated) and (b) `/mentor find` right
  after such a change (bot.find.suggestions: the update, the search, its reads): p50/p95.
- Staleness across two processes: two Engines and two PoolCaches on one database; one
  commits a pause, the other searches every 5 ms until it no longer offers her: how
  long after the commit, with a check on every search and with a 2 s check interval.

Works on an older checkout too (no with_changes, no check_every): then what it measures
is the rebuild that each change cost before.
"""

from __future__ import annotations

import argparse
import inspect
import random
import statistics
import sys
import threading
import time
from collections.abc import Callable
from dataclasses import replace
from datetime import UTC, datetime
from pathlib import Path

import sqlalchemy as sa
from sqlalchemy import insert, select, update
from sqlalchemy.orm import Session, sessionmaker

sys.path.insert(0, str(Path(__file__).resolve().parent))
from matching import synthetic
from population import database

from bot import find
from bot.db.engine import make_engine, make_session_factory
from bot.db.enums import EnrollmentRole, EnrollmentStatus, ExperienceLevel
from bot.db.models import Enrollment, Person, Program, Topic, enrollment_topics
from bot.matching import Candidate, Pool
from bot.matchmaking import PoolCache
from bot.programs import current_program

TEAM = "T0BENCH"
NOW = datetime(2026, 12, 7, 9, 0, tzinfo=UTC)
LEVELS = {level.rank: level for level in ExperienceLevel}
CHUNK = 5_000
KINDS = ("pause", "resume", "slot taken", "slot freed", "profile edit", "text edit", "leave")


def ms(seconds: float) -> str:
    return f"{seconds * 1000:.1f} ms"


def quantiles(samples: list[float]) -> str:
    ordered = sorted(samples)
    p95 = ordered[min(len(ordered) - 1, round(0.95 * (len(ordered) - 1)))]
    return f"p50 {ms(statistics.median(ordered))}, p95 {ms(p95)}, max {ms(ordered[-1])}"


# -- the array work alone ---------------------------------------------------------------


def bench_pure(m: int, runs: int, seed: int) -> None:
    print(f"\n== Pool update per change kind, arrays only: {m:,} mentors ==")
    _, mentors, _ = synthetic(200, m, seed)
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


def populate(url: str, m: int, seed: int) -> tuple[int, list[str], list[int]]:
    """`m` mentors and some mentees, as Core rows; the program id, mentee user ids,
    mentor person ids."""
    mentees, mentors, _ = synthetic(300, m, seed)
    engine = make_engine(url)
    try:
        with make_session_factory(engine)() as session:
            program_id = current_program(session, TEAM, NOW).id
            session.commit()
        mentor_users = {c.user_id for c in mentors}
        mentees = [c for c in mentees if c.user_id not in mentor_users]
        people = mentors + mentees
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
                for c in people
            ]
            _insert(connection, Person.__table__, rows)
            ids = dict(connection.execute(select(Person.slack_user_id, Person.id)).all())
            enrollments = []
            for c in people:
                mentor = c in mentors
                enrollments.append(
                    {
                        "program_id": program_id,
                        "person_id": ids[c.user_id],
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
                )
            _insert(connection, Enrollment.__table__, enrollments)
            enrollment_id = dict(
                connection.execute(
                    select(Enrollment.person_id, Enrollment.id).where(
                        Enrollment.program_id == program_id
                    )
                ).all()
            )
            links = [
                {"enrollment_id": enrollment_id[ids[c.user_id]], "topic_id": topic_id[t]}
                for c in people
                for t in c.topics
            ]
            _insert(connection, enrollment_topics, links)
        if engine.dialect.name == "postgresql":
            with engine.connect().execution_options(isolation_level="AUTOCOMMIT") as c:
                c.exec_driver_sql("VACUUM ANALYZE")
        # Mentors with a slot to take, so every timed change changes something.
        open_ = [ids[c.user_id] for c in mentors if c.capacity_left > 0]
        return program_id, [c.user_id for c in mentees], open_
    finally:
        engine.dispose()


def _insert(connection: sa.Connection, table: sa.Table, rows: list[dict[str, object]]) -> None:
    for start in range(0, len(rows), CHUNK):
        connection.execute(insert(table), rows[start : start + CHUNK])


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


def bench_database(kind: str, m: int, runs: int, seed: int, kinds: tuple[str, ...] = KINDS) -> None:
    print(f"\n== {kind}: {m:,} mentors, a change then the next look / the next find ==")
    with database(kind) as url:
        started = time.perf_counter()
        program_id, mentee_users, mentor_ids = populate(url, m, seed)
        print(f"  (populated in {time.perf_counter() - started:.1f} s)")
        engine = make_engine(url)
        sessions = make_session_factory(engine)
        cache = PoolCache()
        rng = random.Random(seed)
        targets = iter(rng.sample(mentor_ids, min(len(mentor_ids), 4 * runs * len(KINDS))))
        try:
            started = time.perf_counter()
            search(sessions, cache, program_id, mentee_users[0])
            took = time.perf_counter() - started
            print(f"  first /mentor find (builds the pool lazily): {took:.2f} s")
            for change in kinds:
                looks, finds = [], []
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
                    bench_staleness(url, program_id, mentee_users[0], mentor_ids, every, seed)
        finally:
            engine.dispose()


def search(sessions: sessionmaker[Session], cache: PoolCache, program_id: int, user: str) -> None:
    with sessions() as session:  # not committed: the impressions it writes are dropped
        find.suggestions(session, cache, find.Search(program_id), user_id=user, now=NOW)


def bench_staleness(
    url: str, program_id: int, mentee: str, mentor_ids: list[int], every: float, seed: int
) -> None:
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
    finally:
        a_engine.dispose()
        b_engine.dispose()


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    parser.add_argument("--mentors", type=int, default=5_000)
    parser.add_argument("--large", type=int, default=50_000, help="0 to skip")
    parser.add_argument("--db", choices=("postgresql", "sqlite"), default="postgresql")
    parser.add_argument("--runs", type=int, default=20)
    parser.add_argument("--seed", type=int, default=7)
    parser.add_argument("--skip-pure", action="store_true")
    parser.add_argument(
        "--kinds", default=",".join(KINDS), help=f"comma-separated, of: {', '.join(KINDS)}"
    )
    args = parser.parse_args()
    if not args.skip_pure:
        bench_pure(args.mentors, args.runs, args.seed)
    kinds = tuple(k.strip() for k in args.kinds.split(",") if k.strip())
    if unknown := set(kinds) - set(KINDS):
        raise SystemExit(f"unknown change kinds: {', '.join(sorted(unknown))}")
    bench_database(args.db, args.mentors, args.runs, args.seed, kinds)
    if args.large:
        bench_database(args.db, args.large, max(6, args.runs // 2), args.seed, kinds)


if __name__ == "__main__":
    main()
