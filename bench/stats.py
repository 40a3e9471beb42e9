"""Program health at scale: a coordinator's App Home and `/mentor stats`, timed.

    python bench/stats.py [--rebuild] [--runs 5] [--databases sqlite,postgresql]
                          [--sqlite PATH] [--postgres URL] [--postgres-database NAME]

Builds once, then reuses, a program of 50,000 participants in five cohorts (15,000
mentors, 35,000 mentees), 20,000 pairs (17,000 active, 1,000 paused, 2,000 ended) started
about a year ago with a year of check-ins at their cadences (about 560,000 rows: most met
with a rating, some missed or skipped, the current period prompted), 1-3 goals per pair
and 30,000 requests. Rows go in with Core executemany, into a SQLite file and a
PostgreSQL database (`mentorbot_bench_stats` on the server of --postgres, or
--postgres-database); a later run finds them there and skips the build (--rebuild builds
again; a schema change rebuilds: checkouts at different schemas keep their own with
--sqlite and --postgres-database).

It then times, on each database, what the bot does for a coordinator (median of --runs,
after one warm-up; "today" is pinned to the data's):
- the App Home: `home_state` (the at-risk board, the end-of-term answers and program
  health together) and the view built and serialised;
- `/mentor stats` (every cohort) and `/mentor stats COHORT`: the numbers and the blocks;
- and, for scale, a chart of one cohort (SQL and the PNG) and the CSV of its 4,000 pairs.
The target for the first two: under 1 s.
"""

from __future__ import annotations

import argparse
import random
import statistics
import sys
import time
from collections.abc import Callable, Iterator
from datetime import UTC, datetime, timedelta
from pathlib import Path
from typing import Any

import sqlalchemy as sa
from sqlalchemy import insert, select
from sqlalchemy.engine import make_url
from sqlalchemy.orm import Session

from bot.config import load_settings
from bot.db.engine import make_engine, make_session_factory
from bot.db.enums import (
    Cadence,
    CheckInStatus,
    EnrollmentRole,
    GoalStatus,
    MentorshipStatus,
    ProgramStatus,
    RequestStatus,
)
from bot.db.migrate import current_revision, head_revision, upgrade
from bot.db.models import (
    CheckIn,
    Enrollment,
    Goal,
    Mentorship,
    MentorshipRequest,
    Person,
    Program,
)
from bot.home import home_state
from bot.stats import Asker, Scope, chart_series, health_report, pair_rows, today_of
from bot.stats import Target as StatsTarget
from bot.views.home import home_view
from bot.views.stats import command_blocks, pairs_csv
from bot.views.stats_chart import render_png

TEAM = "T0BENCH01"
COORDINATOR = "U0COORD1"
NOW = datetime(2030, 6, 12, 12, 0, tzinfo=UTC)
COHORTS = 5
MENTORS, MENTEES = 3_000, 7_000  # per cohort: 50,000 participants in all
PAIRS = 4_000  # per cohort: 20,000 in all
ENDED, PAUSED = 400, 200  # per cohort, among the pairs
REQUESTS_DECLINED = 2_000  # per cohort, besides each pair's accepted request
DAYS = {Cadence.WEEKLY: 7, Cadence.BIWEEKLY: 14, Cadence.MONTHLY: 30}
CHUNK = 20_000
MARKER = "Bench cohort 1"


def _chunks(rows: list[dict[str, Any]]) -> Iterator[list[dict[str, Any]]]:
    for start in range(0, len(rows), CHUNK):
        yield rows[start : start + CHUNK]


def _insert(session: Session, table: Any, rows: list[dict[str, Any]]) -> None:
    for chunk in _chunks(rows):
        session.execute(insert(table), chunk)


def _ids(session: Session, column: Any, where: Any) -> list[int]:
    return list(session.scalars(select(column).where(where).order_by(column)))


def build(session: Session, seed: int = 11) -> None:
    rng = random.Random(seed)
    year_ago = NOW - timedelta(days=365)
    _insert(
        session,
        Program,
        [
            {
                "team_id": TEAM,
                "name": f"Bench cohort {n}",
                "status": ProgramStatus.ACTIVE,
                "created_by": COORDINATOR,
                "starts_on": (year_ago - timedelta(days=10)).date(),
                "ends_on": (NOW + timedelta(days=60)).date(),
                "created_at": year_ago - timedelta(days=30 - n),
            }
            for n in range(1, COHORTS + 1)
        ],
    )
    programs = _ids(session, Program.id, Program.team_id == TEAM)
    people_per = MENTORS + MENTEES
    _insert(
        session,
        Person,
        [
            {
                "team_id": TEAM,
                "slack_user_id": f"U{n:08d}",
                "display_name": f"Person {n}",
                "tz": "Europe/Paris",
            }
            for n in range(COHORTS * people_per)
        ],
    )
    people = _ids(session, Person.id, Person.team_id == TEAM)
    for index, program_id in enumerate(programs):
        cohort = people[index * people_per : (index + 1) * people_per]
        _build_cohort(session, rng, program_id, cohort[:MENTORS], cohort[MENTORS:], year_ago)
        print(f"  cohort {index + 1} of {COHORTS} built", file=sys.stderr, flush=True)


def _build_cohort(
    session: Session,
    rng: random.Random,
    program_id: int,
    mentors: list[int],
    mentees: list[int],
    year_ago: datetime,
) -> None:
    # Mentor k takes pairs k and k + MENTORS: the first PAIRS - MENTORS mentors have two.
    pairs = [(mentors[n % MENTORS], mentees[n]) for n in range(PAIRS)]
    statuses = (
        [MentorshipStatus.ENDED] * ENDED
        + [MentorshipStatus.PAUSED] * PAUSED
        + [MentorshipStatus.ACTIVE] * (PAIRS - ENDED - PAUSED)
    )
    rng.shuffle(statuses)
    held: dict[int, int] = {}
    for (mentor, _), status in zip(pairs, statuses, strict=True):
        if status is not MentorshipStatus.ENDED:
            held[mentor] = held.get(mentor, 0) + 1
    joined = year_ago - timedelta(days=20)
    enrollments = [
        {
            "program_id": program_id,
            "person_id": person,
            "role": EnrollmentRole.MENTOR,
            "capacity": 2,
            "active_mentee_count": held.get(person, 0),
            "joined_at": joined,
        }
        for person in mentors
    ] + [
        {
            "program_id": program_id,
            "person_id": person,
            "role": EnrollmentRole.MENTEE,
            "joined_at": joined + timedelta(days=rng.randrange(300)),
            "waiting_since": (
                NOW - timedelta(days=rng.randrange(1, 90)) if n >= PAIRS and n % 3 == 0 else None
            ),
        }
        for n, person in enumerate(mentees)
    ]
    _insert(session, Enrollment, enrollments)
    cadences = [Cadence.BIWEEKLY] * 12 + [Cadence.WEEKLY] * 5 + [Cadence.MONTHLY] * 3
    rows = []
    for (mentor, mentee), status in zip(pairs, statuses, strict=True):
        started = year_ago + timedelta(days=rng.randrange(60), hours=rng.randrange(8, 17))
        ended = started + timedelta(days=rng.randrange(100, 280))
        rows.append(
            {
                "team_id": TEAM,
                "program_id": program_id,
                "mentor_id": mentor,
                "mentee_id": mentee,
                "status": status,
                "cadence": rng.choice(cadences),
                "started_at": started,
                "created_at": started,
                "ended_at": ended if status is MentorshipStatus.ENDED else None,
                "end_reason": "completed" if status is MentorshipStatus.ENDED else None,
                "at_risk_since": NOW - timedelta(days=5) if rng.random() < 0.02 else None,
                "match_reasons": [],
            }
        )
    _insert(session, Mentorship, rows)
    pair_rows_ = session.execute(
        select(
            Mentorship.id,
            Mentorship.mentor_id,
            Mentorship.mentee_id,
            Mentorship.cadence,
            Mentorship.started_at,
            Mentorship.ended_at,
            Mentorship.status,
        ).where(Mentorship.program_id == program_id)
    ).all()
    _insert(session, CheckIn, [c for pair in pair_rows_ for c in _checkins(rng, pair)])
    _insert(session, Goal, [g for pair in pair_rows_ for g in _goals(rng, pair.id)])
    _insert(session, MentorshipRequest, _requests(rng, program_id, pair_rows_, mentors, mentees))


def _checkins(rng: random.Random, pair: Any) -> Iterator[dict[str, Any]]:
    step = timedelta(days=DAYS[pair.cadence])
    until = pair.ended_at or (NOW - timedelta(days=45) if pair.status == "paused" else NOW)
    period, due = 1, pair.started_at + step
    while due <= until:
        current = due + step > NOW
        roll = rng.random()
        status = (
            CheckInStatus.PROMPTED
            if current and pair.ended_at is None
            else CheckInStatus.MET
            if roll < 0.7
            else CheckInStatus.MISSED
            if roll < 0.9
            else CheckInStatus.SKIPPED
        )
        met = status is CheckInStatus.MET
        met_on = min((due + timedelta(days=rng.randrange(3))).date(), NOW.date())
        yield {
            "mentorship_id": pair.id,
            "period": period,
            "due_at": due,
            "status": status,
            "prompted_at": due,
            "met_on": met_on if met else None,
            "usefulness": rng.randrange(1, 6) if met and rng.random() < 0.8 else None,
            "thanks": "Thank you, this helped!" if met and rng.random() < 0.15 else None,
            "responded_at": due + timedelta(days=1) if met else None,
        }
        period, due = period + 1, due + step


def _goals(rng: random.Random, pair_id: int) -> Iterator[dict[str, Any]]:
    for n in range(rng.randrange(1, 4)):
        yield {
            "mentorship_id": pair_id,
            "title": f"Goal {n + 1}",
            "status": rng.choice(list(GoalStatus)),
        }


def _requests(
    rng: random.Random, program_id: int, pairs: list[Any], mentors: list[int], mentees: list[int]
) -> list[dict[str, Any]]:
    asked = NOW - timedelta(days=300)
    rows = [
        {
            "team_id": TEAM,
            "program_id": program_id,
            "mentee_id": pair.mentee_id,
            "mentor_id": pair.mentor_id,
            "chain": f"c{pair.id}",
            "rank": 1,
            "status": RequestStatus.ACCEPTED,
            "asked_at": asked,
            "mentorship_id": pair.id,
        }
        for pair in pairs
    ]
    for n in range(REQUESTS_DECLINED):
        rows.append(
            {
                "team_id": TEAM,
                "program_id": program_id,
                "mentee_id": mentees[rng.randrange(len(mentees))],
                "mentor_id": mentors[rng.randrange(len(mentors))],
                "chain": f"d{program_id}-{n}",
                "rank": 1,
                "status": rng.choice([RequestStatus.DECLINED, RequestStatus.EXPIRED]),
                "asked_at": asked,
            }
        )
    return rows


# --- the databases --------------------------------------------------------------------------


def _ready(url: str) -> bool:
    """The database holds the bench's program at the newest schema."""
    if current_revision(url) != head_revision():
        return False
    engine = make_engine(url)
    try:
        with engine.connect() as connection:
            return bool(connection.scalar(select(sa.func.count()).where(Program.name == MARKER)))
    finally:
        engine.dispose()


def prepare_sqlite(path: Path, rebuild: bool) -> str:
    url = f"sqlite:///{path}"
    if path.exists() and not rebuild and _ready(url):
        return url
    for leftover in (path, Path(f"{path}-wal"), Path(f"{path}-shm")):
        leftover.unlink(missing_ok=True)
    _build_into(url)
    return url


def prepare_postgres(server_url: str, rebuild: bool, name: str = "mentorbot_bench_stats") -> str:
    admin = sa.create_engine(server_url, isolation_level="AUTOCOMMIT")
    url = make_url(server_url).set(database=name)
    rendered = url.render_as_string(hide_password=False)
    with admin.connect() as connection:
        exists = connection.scalar(
            sa.text("SELECT 1 FROM pg_database WHERE datname = :name"), {"name": name}
        )
        if exists and not rebuild and _ready(rendered):
            admin.dispose()
            return rendered
        if exists:
            connection.exec_driver_sql(f'DROP DATABASE "{name}"')
        connection.exec_driver_sql(f'CREATE DATABASE "{name}"')
    admin.dispose()
    _build_into(rendered)
    engine = make_engine(rendered)
    with engine.connect().execution_options(isolation_level="AUTOCOMMIT") as connection:
        connection.exec_driver_sql("VACUUM ANALYZE")  # what autovacuum does after a bulk load
    engine.dispose()
    return rendered


def _build_into(url: str) -> None:
    began = time.perf_counter()
    upgrade(url)
    engine = make_engine(url)
    with make_session_factory(engine)() as session:
        build(session)
        session.commit()
    engine.dispose()
    print(f"  built in {time.perf_counter() - began:.0f} s", file=sys.stderr, flush=True)


# --- the timings ----------------------------------------------------------------------------


def _median(runs: int, action: Callable[[], object]) -> float:
    action()  # warm-up: caches, prepared plans, lazy imports
    times = []
    for _ in range(runs):
        began = time.perf_counter()
        action()
        times.append(time.perf_counter() - began)
    return statistics.median(times)


def measure(url: str, runs: int) -> dict[str, float]:
    settings = load_settings(env_file=None, database_url=url, admins=COORDINATOR)
    engine = make_engine(url)
    sessions = make_session_factory(engine)
    asker = Asker(TEAM, COORDINATOR)
    with sessions() as session:
        cohort = session.scalar(select(Program.id).where(Program.name == MARKER))
        counts = {
            name: session.scalar(select(sa.func.count()).select_from(model))
            for name, model in (("people", Person), ("pairs", Mentorship), ("check-ins", CheckIn))
        }
    print("  " + ", ".join(f"{n:,} {name}" for name, n in counts.items()))
    one = StatsTarget(cohort, MARKER)
    every = StatsTarget(None, "All cohorts")

    def home() -> object:
        with sessions() as session:
            state = home_state(session, settings, team_id=TEAM, user_id=COORDINATOR, now=NOW)
            return home_view(state).to_dict()

    def stats(target: StatsTarget) -> Callable[[], object]:
        def run() -> object:
            with sessions() as session:
                report = health_report(session, settings, asker, target, now=NOW)
                assert report is not None
                blocks = [b.to_dict() for b in command_blocks(report)]
                session.rollback()  # the audit entry: leave the bench's data as it was
                return blocks

        return run

    def chart() -> object:
        with sessions() as session:
            today = today_of(settings, NOW)
            return render_png(chart_series(session, Scope(TEAM, cohort), name=MARKER, today=today))

    def export() -> object:
        with sessions() as session:
            return pairs_csv(pair_rows(session, Scope(TEAM, cohort)))

    figures = {
        "App Home (coordinator)": _median(runs, home),
        "/mentor stats": _median(runs, stats(every)),
        "/mentor stats COHORT": _median(runs, stats(one)),
        "chart of a cohort (PNG)": _median(max(1, runs // 2), chart),
        "CSV of a cohort's 4,000 pairs": _median(max(1, runs // 2), export),
    }
    engine.dispose()
    return figures


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--rebuild", action="store_true", help="build the data again")
    parser.add_argument("--runs", type=int, default=5)
    parser.add_argument("--databases", default="sqlite,postgresql")
    parser.add_argument("--sqlite", type=Path, default=Path("/tmp/mentorbot-bench-stats.sqlite3"))
    parser.add_argument(
        "--postgres", default="postgresql+psycopg://postgres@127.0.0.1:5432/postgres"
    )
    parser.add_argument("--postgres-database", default="mentorbot_bench_stats")
    args = parser.parse_args()
    results: dict[str, dict[str, float]] = {}
    for kind in args.databases.split(","):
        print(f"{kind}: preparing", file=sys.stderr, flush=True)
        url = (
            prepare_sqlite(args.sqlite, args.rebuild)
            if kind == "sqlite"
            else prepare_postgres(args.postgres, args.rebuild, args.postgres_database)
        )
        print(kind)
        results[kind] = measure(url, args.runs)
        for name, seconds in results[kind].items():
            print(f"  {name:32s} {seconds * 1000:8.0f} ms")
    within = all(
        figures[name] < 1.0
        for figures in results.values()
        for name in ("App Home (coordinator)", "/mentor stats", "/mentor stats COHORT")
    )
    print(f"App Home and /mentor stats under 1 s on every database: {'yes' if within else 'NO'}")
    return 0 if within else 1


if __name__ == "__main__":
    raise SystemExit(main())
