"""Crash recovery of the outbox: SIGKILL `mentorbot scheduler` mid-delivery, restart it.

    python bench/crash.py [--messages 500] [--kills 3] [--databases sqlite,postgresql]

For each database (SQLite in a temporary directory; PostgreSQL as a throwaway
database on 127.0.0.1:5432, dropped afterwards) it queues N messages with a unique
text each, runs `mentorbot scheduler` against the in-package Slack emulator, kills
it with SIGKILL K times during delivery (restarting it at once each time), and
prints: messages lost, messages posted more than once, and for each restart how
long until the last message the killed process had claimed was delivered, and
until everything was. Loopback only; every wait is bounded.
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
from collections import Counter
from dataclasses import dataclass, field
from datetime import UTC, datetime, timedelta
from pathlib import Path

from sqlalchemy import select

sys.path.insert(0, str(Path(__file__).resolve().parent))

from population import database  # bench/ is on sys.path (above)

from bot import outbox
from bot.db.engine import make_engine, make_session_factory
from bot.db.enums import OutboxStatus
from bot.db.models import OutboxMessage
from bot.emulator import SlackEmulator

TOKEN = "xoxb-bench-token"
PHASE_TIMEOUT_S = 120.0  # no single wait in the bench lasts longer
PACE_S = 0.02  # Slack's answer time per post, so a kill lands mid-delivery


@dataclass
class Restart:
    at: float
    stranded: set[str]  # claimed by the killed process, not recorded as sent


@dataclass
class Outcome:
    messages: int
    posted: Counter[str] = field(default_factory=Counter)
    first_posted: dict[str, float] = field(default_factory=dict)
    restarts: list[Restart] = field(default_factory=list)
    calls_read: int = 0  # emulator calls already counted

    @property
    def lost(self) -> int:
        return self.messages - len(self.posted)

    @property
    def repeated(self) -> int:
        return sum(count - 1 for count in self.posted.values())

    def wait_for(self, texts: set[str], since: float) -> float:
        times = [self.first_posted[t] for t in texts if t in self.first_posted]
        return max(times, default=since) - since


def queue(db_url: str, count: int) -> list[str]:
    texts = [f"crash bench {i:04d}" for i in range(count)]
    engine = make_engine(db_url)
    with make_session_factory(engine)() as session:
        for text in texts:
            outbox.enqueue(
                session,
                team_id="T0001",
                key=f"bench:{text}",
                method="chat.postMessage",
                payload={"channel": "U0MEMBER1", "text": text},
                not_before=datetime.now(UTC) - timedelta(seconds=1),
            )
        session.commit()
    engine.dispose()
    return texts


def stranded(db_url: str) -> set[str]:
    engine = make_engine(db_url)
    with make_session_factory(engine)() as session:
        rows = session.scalars(
            select(OutboxMessage).where(OutboxMessage.status == OutboxStatus.SENDING)
        ).all()
        texts = {row.payload["text"] for row in rows}
    engine.dispose()
    return texts


def start_scheduler(db_url: str, emulator: SlackEmulator, workdir: str) -> subprocess.Popen[bytes]:
    env = {k: v for k, v in os.environ.items() if not k.startswith(("SLACK_", "MENTORBOT_"))}
    env |= {"SLACK_BOT_TOKEN": TOKEN, "SLACK_API_URL": emulator.api_url, "DATABASE_URL": db_url}
    exe = shutil.which("mentorbot") or str(Path(sys.executable).with_name("mentorbot"))
    return subprocess.Popen(
        [exe, "scheduler"],
        env=env,
        cwd=workdir,
        stdout=subprocess.DEVNULL,
        stderr=subprocess.DEVNULL,
    )


def watch(emulator: SlackEmulator, outcome: Outcome, until: int, timeout: float) -> None:
    """Record when each text is first posted, until `until` distinct texts are."""
    deadline = time.monotonic() + timeout
    while True:
        calls = emulator.calls("chat.postMessage")
        for call in calls[outcome.calls_read :]:
            if call.ok:
                text = call.args["text"]
                outcome.posted[text] += 1
                outcome.first_posted.setdefault(text, time.monotonic())
        outcome.calls_read = len(calls)
        if len(outcome.posted) >= until or time.monotonic() >= deadline:
            return
        time.sleep(0.005)


def crash_run(kind: str, messages: int, kills: int) -> Outcome:
    with database(kind) as db_url, SlackEmulator(tokens=[TOKEN]) as emulator:
        texts = queue(db_url, messages)
        emulator.slow("chat.postMessage", seconds=PACE_S)
        outcome = Outcome(messages=len(texts))
        workdir = tempfile.mkdtemp()
        process = start_scheduler(db_url, emulator, workdir)
        try:
            for k in range(1, kills + 1):
                watch(emulator, outcome, messages * k // (kills + 1), PHASE_TIMEOUT_S)
                process.send_signal(signal.SIGKILL)
                process.wait(30)
                held = stranded(db_url)
                process = start_scheduler(db_url, emulator, workdir)
                outcome.restarts.append(Restart(at=time.monotonic(), stranded=held))
            watch(emulator, outcome, messages, PHASE_TIMEOUT_S)
            time.sleep(1.0)  # a late repeat would show here
            watch(emulator, outcome, messages + 1, 0)
        finally:
            process.send_signal(signal.SIGTERM)
            process.wait(30)
            shutil.rmtree(workdir, ignore_errors=True)
        return outcome


def report(kind: str, outcome: Outcome) -> None:
    print(f"\n{kind}: {outcome.messages} messages, {len(outcome.restarts)} SIGKILLs mid-delivery")
    print(f"  lost:     {outcome.lost}")
    print(f"  repeated: {outcome.repeated} (at most one per kill is allowed)")
    waits = []
    for n, restart in enumerate(outcome.restarts, start=1):
        wait = outcome.wait_for(restart.stranded, restart.at)
        waits.append(wait)
        print(
            f"  restart {n}: {len(restart.stranded)} message(s) held by the killed process, "
            f"the last of them delivered {wait:.1f} s after the restart"
        )
    last = outcome.restarts[-1].at if outcome.restarts else 0.0
    everything = outcome.wait_for(set(outcome.posted), last)
    print(f"  longest wait from a restart to a held message: {max(waits, default=0):.1f} s")
    print(f"  from the last restart to the last message delivered: {everything:.1f} s")


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--messages", type=int, default=500)
    parser.add_argument("--kills", type=int, default=3)
    parser.add_argument("--databases", default="sqlite,postgresql")
    args = parser.parse_args()
    for kind in args.databases.split(","):
        report(kind, crash_run(kind, args.messages, args.kills))
    return 0


if __name__ == "__main__":
    sys.exit(main())
