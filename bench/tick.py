"""The due-work tick at 100,000 active mentorships: finding nothing, and claiming 1,000.

    python bench/tick.py [--pairs 100000] [--due 1000] [--outbox-rows 200000]
                         [--databases sqlite,postgresql] [--repeat 20]

For each database (SQLite in a temporary directory; PostgreSQL as a throwaway database on
127.0.0.1:5432, dropped afterwards) it bulk-inserts --pairs active two-weekly pairs (with
their people and enrollments; up to four mentees per mentor): --due of them have their
first check-in due at 10:00 UTC on Monday 18 March 2030, the others on a later day of
the next two weeks. The outbox holds --outbox-rows messages sent a fortnight before (the
prompts of the period before, their text already blanked), as it would in steady state.

Then it prints, with the median and the slowest of --repeat runs:

- a tick that finds nothing due (a minute before): the whole due-work job
  (scheduling/due.run_due: requests, waiting list, check-ins, events, outbox retention,
  delivery) and its check-in step alone (bot.checkins.prompt_due, as the job loops it);
- a tick that finds the --due pairs due: the check-in step, as the job loops it, up to
  committed outbox rows. "Claiming them" means all of the tick's own work: claiming each
  pair (the conditional UPDATE of its next check-in, rows locked FOR UPDATE SKIP LOCKED
  on PostgreSQL), closing and opening its period, rendering both prompts and committing
  them to the outbox under their idempotency keys, a batch of checkins.PROMPT_BATCH pairs
  per transaction. Delivering the prompts to Slack is the fan-out bench's subject
  (bench/fanout.py), not timed here. Between repeats the pairs are put back as they were.

Each line also gives the SQL statements one run sent and this process's CPU time (the
machine is shared: wall time moves with the load, and the load average is printed). On
SQLite the database works inside this process, so its CPU time counts the database too.

The targets (issue 10): nothing due under 50 ms; 1,000 due claimed under 1 s.
Takes about a minute per database for the defaults, mostly inserting.
"""

from __future__ import annotations

import argparse
import os
import statistics
import sys
import time
from collections.abc import Callable
from dataclasses import dataclass
from datetime import timedelta
from pathlib import Path

from sqlalchemy import delete, event, func, insert, select, update

from bot import checkins
from bot.config import load_settings
from bot.db.engine import make_engine
from bot.db.enums import OutboxStatus
from bot.db.models import CheckIn, Mentorship, OutboxMessage
from bot.emulator import SlackEmulator
from bot.runtime import Runtime, build_runtime
from scheduling.due import DueReport, run_due

sys.path.insert(0, str(Path(__file__).resolve().parent))
from population import CHUNK, DUE, TEAM, add_pairs, database, kickoff_for

TOKEN = "xoxb-bench-token"
EMPTY = DUE - timedelta(minutes=1)  # nothing is due yet


def later_kickoffs(count: int) -> list:
    """Kickoffs whose first check-in falls on one of the next ten working days (not DUE)."""
    days = [
        DUE + timedelta(days=d) for d in range(1, 15) if (DUE + timedelta(days=d)).weekday() < 5
    ]
    return [kickoff_for(days[i % len(days)]) for i in range(count)]


def add_history(db_url: str, rows: int) -> None:
    """`rows` outbox messages sent a fortnight ago, their bodies blanked by retention."""
    sent = DUE - timedelta(days=14)
    engine = make_engine(db_url)
    try:
        with engine.begin() as connection:
            for start in range(0, rows, CHUNK):
                connection.execute(
                    insert(OutboxMessage.__table__),
                    [
                        {
                            "team_id": TEAM,
                            "idempotency_key": f"history:{i}",
                            "method": "chat.postMessage",
                            "payload": {},
                            "status": OutboxStatus.SENT,
                            "attempts": 1,
                            "not_before": sent,
                            "sent_at": sent,
                            "result": {"channel": "D0HISTORY", "ts": f"{i}.000100"},
                            "created_at": sent,
                        }
                        for i in range(start, min(rows, start + CHUNK))
                    ],
                )
        if engine.dialect.name == "postgresql":
            with engine.connect().execution_options(isolation_level="AUTOCOMMIT") as c:
                c.exec_driver_sql("VACUUM ANALYZE")
    finally:
        engine.dispose()


def prompt_step(runtime: Runtime, now) -> int:
    """The due-work job's check-in step, as scheduling/due.py loops it; pairs prompted."""
    prompted = 0
    while True:
        with runtime.deps.uow() as uow:
            batch = checkins.prompt_due(uow.session, now, default_tz="UTC")
        prompted += batch.prompted
        if batch.seen < checkins.PROMPT_BATCH:
            return prompted


@dataclass
class Runs:
    wall_ms: list[float]  # one per run
    cpu_ms: list[float]  # this process's CPU time, one per run
    statements: int  # SQL statements sent by the last run
    results: list[object]


def timed(
    runtime: Runtime,
    action: Callable[[], object],
    repeat: int,
    reset: Callable[[], None] | None = None,
) -> Runs:
    engine = runtime.engine
    sent = [0]

    def count(*_: object) -> None:
        sent[0] += 1

    runs = Runs([], [], 0, [])
    for _ in range(repeat):
        if reset is not None:
            reset()
        sent[0] = 0
        event.listen(engine, "before_cursor_execute", count)
        started, cpu = time.perf_counter(), time.process_time()
        try:
            runs.results.append(action())
        finally:
            runs.wall_ms.append((time.perf_counter() - started) * 1000)
            runs.cpu_ms.append((time.process_time() - cpu) * 1000)
            event.remove(engine, "before_cursor_execute", count)
        runs.statements = sent[0]
    return runs


def put_back(runtime: Runtime, due_ids: list[int]) -> None:
    """The due pairs as they were before the tick: due, never prompted."""
    with runtime.deps.sessions() as session:
        session.execute(
            delete(OutboxMessage).where(OutboxMessage.idempotency_key.like("checkin-%"))
        )
        session.execute(delete(CheckIn))
        session.execute(
            update(Mentorship).where(Mentorship.id.in_(due_ids)).values(next_checkin_at=DUE)
        )
        session.commit()


def describe(label: str, runs: Runs, target_ms: float) -> None:
    median, slowest = statistics.median(runs.wall_ms), max(runs.wall_ms)
    verdict = "ok" if median < target_ms else "MISSED"
    print(
        f"  {label}: median {median:,.1f} ms, slowest {slowest:,.1f} ms "
        f"over {len(runs.wall_ms)} runs (target < {target_ms:,.0f} ms: {verdict})\n"
        f"    {runs.statements:,} SQL statements a run; this process's CPU time: median "
        f"{statistics.median(runs.cpu_ms):,.1f} ms; load average {os.getloadavg()[0]:.1f} "
        f"on {os.cpu_count()} cores",
        flush=True,
    )


def bench(kind: str, args: argparse.Namespace) -> None:
    with database(kind) as db_url, SlackEmulator(tokens=[TOKEN]) as slack:
        started = time.monotonic()
        add_pairs(db_url, later_kickoffs(args.pairs - args.due) + [kickoff_for(DUE)] * args.due)
        add_history(db_url, args.outbox_rows)
        print(
            f"\n{kind}: {args.pairs:,} active pairs, {args.outbox_rows:,} sent outbox rows "
            f"(inserted in {time.monotonic() - started:.0f} s)",
            flush=True,
        )
        settings = load_settings(
            env_file=None, slack_bot_token=TOKEN, slack_api_url=slack.api_url, database_url=db_url
        )
        runtime = build_runtime(settings)
        try:
            with runtime.deps.sessions() as session:
                due_ids = list(
                    session.scalars(select(Mentorship.id).where(Mentorship.next_checkin_at <= DUE))
                )
            assert len(due_ids) == args.due, (len(due_ids), args.due)

            runs = timed(runtime, lambda: run_due(runtime, EMPTY), args.repeat)
            assert all(
                isinstance(r, DueReport) and r.prompted_pairs == 0 and r.delivered.sent == 0
                for r in runs.results
            )
            describe("nothing due, the whole due-work job", runs, 50)
            runs = timed(runtime, lambda: prompt_step(runtime, EMPTY), args.repeat)
            describe("nothing due, its check-in step", runs, 50)

            repeat = max(1, min(args.repeat, 5))
            runs = timed(
                runtime,
                lambda: prompt_step(runtime, DUE),
                repeat,
                lambda: put_back(runtime, due_ids),
            )
            assert set(runs.results) == {args.due}, runs.results
            label = f"{args.due:,} due, claimed up to committed outbox rows (not delivered)"
            describe(label, runs, 1000)
            with runtime.deps.sessions() as session:
                queued = session.scalar(
                    select(func.count())
                    .select_from(OutboxMessage)
                    .where(OutboxMessage.idempotency_key.like("checkin-prompt:%"))
                )
            print(
                f"    ({args.due:,} pairs prompted, {queued:,} prompts queued each time, "
                f"{checkins.PROMPT_BATCH} pairs per transaction)"
            )
        finally:
            runtime.close()


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--pairs", type=int, default=100_000)
    parser.add_argument("--due", type=int, default=1_000)
    parser.add_argument("--outbox-rows", type=int, default=200_000)
    parser.add_argument("--databases", default="sqlite,postgresql")
    parser.add_argument("--repeat", type=int, default=20)
    args = parser.parse_args()
    for kind in args.databases.split(","):
        bench(kind, args)
    return 0


if __name__ == "__main__":
    sys.exit(main())
