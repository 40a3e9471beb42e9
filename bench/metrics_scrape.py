"""What one `GET /metrics` scrape costs the database, at a large program's size.

    python bench/metrics_scrape.py [--runs 20] [--databases sqlite,postgresql]
                                   [--sqlite PATH] [--postgres URL]

Builds (each run afresh) 40,000 people, 20,000 mentorships (a quarter of them with
their check-in overdue, so the lag has something to find), 200,000 sent outbox messages
and 2,000 pending ones, then times the database part of a scrape (the collector that
reads outbox depth, oldest pending age, due-work lag by kind and the lease holder) and a
whole page rendered by prometheus-client: median and worst of --runs, after a warm-up.
"""

from __future__ import annotations

import argparse
import statistics
import tempfile
import time
import uuid
from collections.abc import Iterator
from datetime import UTC, datetime, timedelta
from pathlib import Path

from prometheus_client import generate_latest
from sqlalchemy import insert

from bot.db.engine import make_engine
from bot.db.enums import Cadence, MentorshipStatus, OutboxStatus, ProgramStatus
from bot.db.migrate import upgrade
from bot.db.models import Mentorship, OutboxMessage, Person, Program
from bot.metrics import DatabaseCollector, registry_for

PEOPLE = 40_000
PAIRS = 20_000
SENT = 200_000
PENDING = 2_000
NOW = datetime(2030, 6, 3, 12, 0, tzinfo=UTC)


def build(url: str) -> None:
    upgrade(url)
    engine = make_engine(url)
    with engine.begin() as connection:
        program = connection.execute(
            insert(Program).values(
                team_id="T1", name="Bench", status=ProgramStatus.ACTIVE, created_by="U0BENCH"
            )
        ).inserted_primary_key[0]
        connection.execute(
            insert(Person),
            [
                {"team_id": "T1", "slack_user_id": f"U{i:08d}", "display_name": f"p{i}"}
                for i in range(PEOPLE)
            ],
        )
        connection.execute(
            insert(Mentorship),
            [
                {
                    "team_id": "T1",
                    "program_id": program,
                    "cadence": Cadence.BIWEEKLY,
                    "mentor_id": 2 * i + 1,
                    "mentee_id": 2 * i + 2,
                    "status": MentorshipStatus.ACTIVE,
                    "match_reasons": [],
                    # A quarter overdue by up to a day, the rest due in the coming weeks.
                    "next_checkin_at": NOW
                    + (-timedelta(minutes=i % 1440) if i % 4 == 0 else timedelta(hours=i % 500)),
                }
                for i in range(PAIRS)
            ],
        )
        rows = [
            {
                "team_id": "T1",
                "idempotency_key": f"bench:{i}",
                "method": "chat.postMessage",
                "payload": {},
                "status": OutboxStatus.SENT if i < SENT else OutboxStatus.PENDING,
                "not_before": NOW - timedelta(seconds=SENT + PENDING - i),
                "sent_at": NOW if i < SENT else None,
                "created_at": NOW - timedelta(seconds=SENT + PENDING - i),
            }
            for i in range(SENT + PENDING)
        ]
        for start in range(0, len(rows), 20_000):
            connection.execute(insert(OutboxMessage), rows[start : start + 20_000])
    with engine.connect() as connection:
        if connection.dialect.name == "postgresql":
            connection.execution_options(isolation_level="AUTOCOMMIT").exec_driver_sql("ANALYZE")
        else:
            connection.exec_driver_sql("ANALYZE")
    engine.dispose()


def timed(runs: int, action) -> tuple[float, float]:
    action()  # warm-up
    took = []
    for _ in range(runs):
        started = time.perf_counter()
        action()
        took.append(time.perf_counter() - started)
    return statistics.median(took) * 1000, max(took) * 1000


def databases(args: argparse.Namespace) -> Iterator[tuple[str, str]]:
    wanted = args.databases.split(",")
    if "sqlite" in wanted:
        with tempfile.TemporaryDirectory() as workdir:
            yield "SQLite", args.sqlite or f"sqlite:///{Path(workdir) / 'scrape.db'}"
    if "postgresql" in wanted:
        admin = make_engine(args.postgres, isolation_level="AUTOCOMMIT")
        name = f"mentorbot_bench_scrape_{uuid.uuid4().hex[:8]}"
        with admin.connect() as connection:
            connection.exec_driver_sql(f'CREATE DATABASE "{name}"')
        try:
            url = admin.url.set(database=name).render_as_string(hide_password=False)
            yield "PostgreSQL", url
        finally:
            with admin.connect() as connection:
                connection.exec_driver_sql(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)')
            admin.dispose()


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--runs", type=int, default=20)
    parser.add_argument("--databases", default="sqlite,postgresql")
    parser.add_argument("--sqlite", help="a SQLite URL to build in (default: a temporary file)")
    parser.add_argument("--postgres", default="postgresql://postgres@127.0.0.1:5432/postgres")
    args = parser.parse_args()
    print(
        f"{PEOPLE:,} people, {PAIRS:,} pairs ({PAIRS // 4:,} overdue), outbox {SENT:,} sent "
        f"+ {PENDING:,} pending; median / worst of {args.runs} runs"
    )
    for label, url in databases(args):
        started = time.perf_counter()
        build(url)
        print(f"{label}: built in {time.perf_counter() - started:.1f} s")
        engine = make_engine(url)
        collector = DatabaseCollector(engine, lambda: NOW)
        registry = registry_for(engine, lambda: NOW)
        figures = {m.name: m.samples for m in collector.collect()}
        depth = {s.labels["status"]: s.value for s in figures["mentorbot_outbox_depth"]}
        lag = {s.labels["work"]: s.value for s in figures["mentorbot_due_lag_seconds"]}
        print(f"  read: outbox depth {depth}, lag {lag}")
        median, worst = timed(args.runs, lambda c=collector: list(c.collect()))
        print(f"  database figures (collector): {median:.1f} ms median, {worst:.1f} ms worst")
        median, worst = timed(args.runs, lambda r=registry: generate_latest(r))
        print(f"  whole /metrics page:          {median:.1f} ms median, {worst:.1f} ms worst")
        engine.dispose()


if __name__ == "__main__":
    main()
