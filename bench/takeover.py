"""Scheduler lease takeover: SIGKILL the holder of two `mentorbot scheduler`s, time the survivor.

    python bench/takeover.py [--kills 3] [--databases postgresql,sqlite]
                             [--lease-seconds 30] [--tick-seconds 2]

For each database (a throwaway PostgreSQL database on 127.0.0.1:5432, dropped
afterwards; SQLite in a temporary directory) it runs two `mentorbot scheduler`
processes against the in-package Slack emulator with the given lease and tick (the
defaults are the settings' own), and K times: waits until one holds the lease,
SIGKILLs it, starts a fresh scheduler so two run again, and measures how long until
another process holds the lease (polled every 50 ms in the `leases` table). Prints
each takeover and the largest; the bound is lease + tick. Every wait is bounded.
"""

from __future__ import annotations

import argparse
import os
import shutil
import signal
import subprocess
import sys
import tempfile
import time
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent))

from population import database  # bench/ is not a package: found through sys.path above

from bot.db.engine import make_engine, make_session_factory
from bot.db.models import Lease
from bot.emulator import SlackEmulator
from scheduling.lease import SCHEDULER

TOKEN = "xoxb-bench-token"
POLL_S = 0.05


def start(
    db_url: str, emulator: SlackEmulator, workdir: str, lease: float, tick: float
) -> subprocess.Popen[bytes]:
    env = {k: v for k, v in os.environ.items() if not k.startswith(("SLACK_", "MENTORBOT_"))}
    env |= {
        "SLACK_BOT_TOKEN": TOKEN,
        "SLACK_API_URL": emulator.api_url,
        "DATABASE_URL": db_url,
        "MENTORBOT_SCHEDULER_LEASE_SECONDS": str(lease),
        "MENTORBOT_SCHEDULER_TICK_SECONDS": str(tick),
    }
    exe = shutil.which("mentorbot") or str(Path(sys.executable).with_name("mentorbot"))
    return subprocess.Popen(
        [exe, "scheduler"],
        env=env,
        cwd=workdir,
        stdout=subprocess.DEVNULL,
        stderr=subprocess.DEVNULL,
    )


def holder_pid(db_url: str) -> int | None:
    engine = make_engine(db_url)
    try:
        with make_session_factory(engine)() as session:
            lease = session.get(Lease, SCHEDULER)
            return int(lease.holder.split(":")[-2]) if lease is not None else None
    finally:
        engine.dispose()


def wait_for_holder(db_url: str, among: set[int], timeout: float) -> int:
    deadline = time.monotonic() + timeout
    while (pid := holder_pid(db_url)) not in among:
        if time.monotonic() > deadline:
            raise SystemExit(
                f"no scheduler among {sorted(among)} took the lease in {timeout:.0f} s"
            )
        time.sleep(POLL_S)
    assert pid is not None
    return pid


def run(kind: str, kills: int, lease: float, tick: float) -> list[float]:
    takeovers: list[float] = []
    bound = 3 * (lease + tick) + 60  # start-up of a fresh process included
    with database(kind) as db_url, SlackEmulator(tokens=[TOKEN]) as emulator:
        workdir = tempfile.mkdtemp()
        running = {
            p.pid: p for p in (start(db_url, emulator, workdir, lease, tick) for _ in range(2))
        }
        try:
            for _ in range(kills):
                victim = running.pop(wait_for_holder(db_url, set(running), bound))
                victim.send_signal(signal.SIGKILL)
                killed = time.monotonic()
                victim.wait(30)
                wait_for_holder(db_url, set(running), bound)
                takeovers.append(time.monotonic() - killed)
                fresh = start(db_url, emulator, workdir, lease, tick)
                running[fresh.pid] = fresh
        finally:
            for process in running.values():
                process.send_signal(signal.SIGTERM)
            for process in running.values():
                process.wait(30)
            shutil.rmtree(workdir, ignore_errors=True)
    return takeovers


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--kills", type=int, default=3)
    parser.add_argument("--databases", default="postgresql,sqlite")
    parser.add_argument("--lease-seconds", type=float, default=30.0)
    parser.add_argument("--tick-seconds", type=float, default=2.0)
    args = parser.parse_args()
    for kind in args.databases.split(","):
        takeovers = run(kind, args.kills, args.lease_seconds, args.tick_seconds)
        each = ", ".join(f"{t:.1f}" for t in takeovers)
        print(
            f"{kind}: lease {args.lease_seconds:g} s, tick {args.tick_seconds:g} s; "
            f"takeover after SIGKILL of the holder: {each} s (max {max(takeovers):.1f} s, "
            f"bound {args.lease_seconds + args.tick_seconds:g} s)",
            flush=True,
        )
    return 0


if __name__ == "__main__":
    sys.exit(main())
