"""A DM announcement to 5,000 people, delivered under Slack's posting limits.

    python bench/announce.py [--people 5000] [--databases sqlite,postgresql] [--speed 10]
                             [--per-minute 300] [--burst 300]

A cohort of --people participants is written straight into a fresh database; a
coordinator's announcement to everyone in it is drafted and confirmed ("send now")
through the real services (bot/announcements.py), and the real due-work job
(scheduling/due.run_due) runs on the scheduler's tick, as `mentorbot scheduler` runs it:
it fans the announcement out (one outbox row per person, printed apart in real seconds),
then the outbox sender delivers to the Slack emulator with its rate limits on, and once
every message is out the author gets one report. Printed: the rate achieved against the
rate the limits allow, Slack's 429s, and the counts: delivered, lost (someone never got
it), doubled (someone got it twice), and the report's figures.

Slack's limits (bot/emulator/faults.py): chat.postMessage one a second per channel with
bursts of 5 (each person's DM is its own channel, so this never binds here), and a
workspace-wide limit Slack describes as "several hundred messages per minute" with
"generous burst behavior" (https://api.slack.com/methods/chat.postMessage, "Rate
limiting") and gives no number for: this bench takes 300 a minute with a burst of 300,
the reading bench/fanout.py states (--per-minute and --burst try others). An emulator
with its own workspace-wide limit (RateLimits.post_message_workspace) is given these
figures; one without it gets the same bucket from this bench, in front of its limiter.

The allowed rate: a full bucket when the announcement goes out lets `burst` messages
through at once and the rest at the steady rate, so N messages need (N - burst) / rate
seconds at best: allowed = N / that. The achieved rate is N over the time from the
confirmation to Slack accepting the last message. Both clocks (Slack's and the bot's)
run --speed times faster than the wall clock, so a run takes about (N - burst) / rate
/ speed seconds plus set-up; the bot's own work is not sped up, so the figure is a floor.
"""

from __future__ import annotations

import argparse
import dataclasses
import sys
import threading
import time
from collections import Counter
from datetime import UTC, datetime
from pathlib import Path

from sqlalchemy import insert, select

sys.path.insert(0, str(Path(__file__).resolve().parent))

from population import database  # bench/ is on sys.path (above)

from bot import announcements
from bot.announcements import Actor, ChannelAccess, ChannelCheck, Typed
from bot.config import load_settings
from bot.db.engine import make_engine
from bot.db.enums import AnnouncementStatus, Audience, EnrollmentRole, ProgramStatus
from bot.db.models import Announcement, Enrollment, Person, Program
from bot.emulator import Bucket, RateLimits, SlackEmulator
from bot.emulator.calls import JsonDict
from bot.emulator.faults import RateLimiter
from bot.runtime import Runtime, build_runtime
from scheduling.due import run_due
from scheduling.scheduler import TICK_SECONDS

TEAM, TOKEN, COORDINATOR = "T0BENCH01", "xoxb-bench-token", "U0COORD01"
MARKER = "Bench announcement"
GIVE_UP_FACTOR = 3  # stop waiting after three times the time the limits need


class FastClock:
    """Slack's clock and the bot's, `speed` times the wall clock's pace."""

    def __init__(self, speed: float) -> None:
        self.speed = speed
        self.start = time.time()
        self._real = time.monotonic()
        self._lock = threading.Lock()

    def __call__(self) -> float:
        with self._lock:
            return self.start + (time.monotonic() - self._real) * self.speed

    def now(self) -> datetime:
        return datetime.fromtimestamp(self(), UTC)


class WorkspaceWide(RateLimiter):
    """chat.postMessage across the workspace, for an emulator without that limit of its own."""

    def __init__(self, limits: RateLimits, clock: FastClock, bucket: Bucket) -> None:
        super().__init__(limits, clock)
        self._bucket = bucket
        self._tokens, self._at = float(bucket.burst), clock()
        self._now = clock

    def check(self, method: str, token: str, args: JsonDict) -> int | None:
        if method != "chat.postMessage":
            return super().check(method, token, args)
        now, rate = self._now(), self._bucket.per_minute / 60.0
        tokens = min(float(self._bucket.burst), self._tokens + (now - self._at) * rate)
        self._tokens, self._at = tokens, now
        if tokens < 1.0:
            return max(1, int((1.0 - tokens) / rate + 0.999))
        waited = super().check(method, token, args)
        if waited is None:
            self._tokens -= 1.0
        return waited


def populate(db_url: str, people: int) -> list[str]:
    """One cohort of `people` participants (every other one a mentor); their user ids."""
    users = [f"U{n:09d}" for n in range(1, people + 1)]
    engine = make_engine(db_url)
    with engine.begin() as connection:
        program_id = connection.execute(
            insert(Program)
            .values(
                team_id=TEAM, name="Bench cohort", status=ProgramStatus.ACTIVE, created_by="bench"
            )
            .returning(Program.id)
        ).scalar_one()
        connection.execute(
            insert(Person),
            [{"team_id": TEAM, "slack_user_id": u, "display_name": u} for u in users],
        )
        ids = connection.execute(select(Person.id).order_by(Person.id)).scalars().all()
        roles = (EnrollmentRole.MENTEE, EnrollmentRole.MENTOR)
        connection.execute(
            insert(Enrollment),
            [
                {"program_id": program_id, "person_id": pid, "role": roles[i % 2], "capacity": 1}
                for i, pid in enumerate(ids)
            ],
        )
    engine.dispose()
    return users


def emulator_limits(bucket: Bucket) -> tuple[RateLimits, bool]:
    """Slack's limits with this workspace-wide bucket; False when the emulator has no
    such limit and the bench must add it."""
    known = {f.name for f in dataclasses.fields(RateLimits)}
    if "post_message_workspace" in known:
        return RateLimits(post_message_workspace=bucket), True  # type: ignore[call-arg]
    return RateLimits(), False


@dataclasses.dataclass
class Outcome:
    fan_out_s: float
    achieved: float
    allowed: float
    delivered: int
    lost: int
    doubled: int
    ratelimited: int
    report: str
    status: str


def run(kind: str, people: int, speed: float, bucket: Bucket) -> Outcome:
    with database(kind) as db_url:
        users = populate(db_url, people)
        clock = FastClock(speed)
        limits, built_in = emulator_limits(bucket)
        with SlackEmulator(tokens=[TOKEN], team_id=TEAM, clock=clock, rate_limits=limits) as slack:
            if not built_in:
                slack._endpoints._limiter = WorkspaceWide(limits, clock, bucket)
            settings = load_settings(
                env_file=None,
                slack_bot_token=TOKEN,
                slack_signing_secret="bench",
                slack_api_url=slack.api_url,
                database_url=db_url,
                admins=COORDINATOR,
            )
            runtime = build_runtime(settings, clock=clock.now)
            try:
                return deliver(runtime, slack, clock, users, bucket)
            finally:
                runtime.close()


def deliver(
    runtime: Runtime, slack: SlackEmulator, clock: FastClock, users: list[str], bucket: Bucket
) -> Outcome:
    deps, actor = runtime.deps, Actor(TEAM, COORDINATOR)
    typed = Typed(
        None, Audience.COHORT, None, None, False, f"{MARKER}: hello all", True, None, None
    )
    with deps.uow() as uow:
        answer = announcements.preview(
            uow.session,
            deps.settings,
            actor,
            typed,
            probe=lambda _: ChannelCheck(ChannelAccess.IN),
            slack_zone=lambda: "UTC",
            now=clock.now(),
        )
    assert answer.preview is not None, answer
    started = clock()
    with deps.uow() as uow:
        done = announcements.confirm(
            uow.session,
            deps.settings,
            actor,
            answer.preview.announcement_id,
            probe=lambda _: ChannelCheck(ChannelAccess.IN),
            now=clock.now(),
        )
    assert done.notice and "On its way" in done.notice, done
    real = time.monotonic()
    with deps.uow() as uow:
        queued = announcements.send_next_due(uow.session, clock.now())
    fan_out_s = time.monotonic() - real
    assert queued == len(users), queued
    needed = max(1.0, (len(users) - bucket.burst) / (bucket.per_minute / 60.0))
    while clock() - started < needed * GIVE_UP_FACTOR:
        tick = time.monotonic()
        run_due(runtime, clock.now())
        if _reported(runtime):
            break
        time.sleep(max(0.0, TICK_SECONDS / clock.speed - (time.monotonic() - tick)))
    return _outcome(runtime, slack, users, started, bucket, fan_out_s)


def _reported(runtime: Runtime) -> bool:
    with runtime.deps.sessions() as session:
        return session.scalar(select(Announcement.reported_at)) is not None


def _outcome(
    runtime: Runtime,
    slack: SlackEmulator,
    users: list[str],
    started: float,
    bucket: Bucket,
    fan_out_s: float,
) -> Outcome:
    calls = slack.calls("chat.postMessage")
    accepted = [c for c in calls if c.ok and MARKER in str(c.args.get("text"))]
    per_user = Counter(str(c.args.get("channel")) for c in accepted)
    last = max((c.at for c in accepted), default=started)
    n = len(users)
    allowed = n / max(1e-9, (n - bucket.burst) / (bucket.per_minute / 60.0))
    reports = [
        c.args.get("text", "") for c in calls if c.ok and c.args.get("channel") == COORDINATOR
    ]
    with runtime.deps.sessions() as session:
        status = session.scalar(select(Announcement.status))
    return Outcome(
        fan_out_s=fan_out_s,
        achieved=len(accepted) / max(1e-9, last - started),
        allowed=allowed if n > bucket.burst else float("inf"),
        delivered=len(per_user),
        lost=sum(1 for u in users if per_user[u] == 0),
        doubled=sum(1 for u in users if per_user[u] > 1),
        ratelimited=sum(1 for c in calls if c.status == 429),
        report=" / ".join(r.splitlines()[0] for r in reports) or "(none)",
        status=status.value if isinstance(status, AnnouncementStatus) else str(status),
    )


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--people", type=int, default=5000)
    parser.add_argument("--databases", default="sqlite,postgresql")
    parser.add_argument("--speed", type=float, default=10.0)
    parser.add_argument("--per-minute", type=float, default=300.0)
    parser.add_argument("--burst", type=int, default=300)
    args = parser.parse_args()
    bucket = Bucket(args.per_minute, args.burst)
    print(
        f"DM announcement to {args.people:,} people; chat.postMessage limited to "
        f"{args.per_minute:g}/min across the workspace (burst {args.burst}) and 1/s per "
        f"channel (burst 5); clocks at x{args.speed:g}"
    )
    for kind in args.databases.split(","):
        result = run(kind.strip(), args.people, args.speed, bucket)
        share = result.achieved / result.allowed * 100
        print(
            f"{kind:>10}: fan-out {result.fan_out_s:.2f} s (real); achieved "
            f"{result.achieved:.2f} msg/s of {result.allowed:.2f} allowed ({share:.0f}%, "
            f"target >= 90%); delivered {result.delivered:,}, lost {result.lost}, doubled "
            f"{result.doubled}; Slack answered 429 {result.ratelimited:,} time(s); "
            f"status {result.status}; report: {result.report}"
        )
    sys.stdout.flush()


if __name__ == "__main__":
    main()
