"""Fan-out: 10,000 check-in prompts due at once, delivered under Slack's posting limits.

    python bench/fanout.py [--prompts 10000] [--databases postgresql] [--speed 5]
                           [--per-minute 300] [--burst 300] [--latency-ms 100]

Half as many pairs as prompts are due at the same instant (both of a pair are prompted
at 10:00 UTC). The real due-work job (scheduling/due.run_due) runs on the scheduler's
tick, as `mentorbot scheduler` runs it: it prompts every pair, then the outbox sender
delivers the prompts to the Slack emulator with its rate limits switched on. Printed:
the rate achieved against the rate the limits allow, the 429s Slack answered, and the
counts: prompts delivered, lost (someone never prompted) and doubled (someone prompted
twice).

Slack's limits, as the emulator enforces them (bot/emulator/faults.py):

- per channel: "chat.postMessage generally allows posting one message per second per
  channel, while also maintaining a workspace-wide limit" and "Posting messages: 1 per
  second. Short bursts >1 allowed." (https://api.slack.com/apis/rate-limits): one a
  second, bursts of 5. Each prompt goes to its own person's DM, so this one never binds;
- across the workspace: "It will generally allow an app to post 1 message per second to
  a specific channel. There are limits governing your app's relationship with the entire
  workspace above that, limiting posting to several hundred messages per minute.
  Generous burst behavior is also granted." (https://api.slack.com/methods/chat.postMessage,
  "Rate limiting"). Slack publishes no exact number, so this bench takes the low end of
  "several hundred", 300 a minute (5 a second), with a burst of a minute's worth (300,
  the emulator's reading of "generous burst behavior" for tier 4 too). --per-minute and
  --burst try other readings; the sender assumes none of them: it follows Retry-After.

The allowed rate: from a full bucket, the fastest Slack lets N messages through is the
burst at once and the rest at the steady rate, so the allowed rate over the fan-out is
N / ((N - burst) / rate). The achieved rate is N over the time from the first prompt
Slack accepted to the last (the bucket is full when the first goes: nothing was sent
while the pairs were prompted). The time from due to the last prompt, at real speed, is
printed too: prompting (real seconds) plus that window. Slack's answer time
is --latency-ms (100 ms: a nearby region's round trip; an assumption, not a Slack
figure). The sender sends one message at a time (so a crash repeats at most the one in
flight), so it cannot beat 1000 / latency-ms a second whatever Slack allows.

Time: at the real rate 10,000 prompts take over half an hour. The emulator keeps its own
clock (its rate limits and Retry-After read it), so the bench runs that clock --speed
times faster, and the bot with it: the due-work job's tick, the instants it is given and
the sender's waits on Retry-After (OutboxSender.time_scale) all follow the same clock.
Only the bot's own work (database, HTTP) is not sped up: it weighs --speed times more
than it would, so the figure is a floor, not flattered. --speed 1 runs in real time.
Takes about (N - burst) / rate / speed seconds plus prompting the pairs: 8-9 minutes by
default here (2 shared cores), per database.
"""

from __future__ import annotations

import argparse
import sys
import threading
import time
from collections import Counter
from dataclasses import dataclass
from datetime import datetime, timedelta
from pathlib import Path

from sqlalchemy import func, select

sys.path.insert(0, str(Path(__file__).resolve().parent))
from population import DUE, add_pairs, database, kickoff_for

from bot.config import load_settings
from bot.db.enums import OutboxStatus
from bot.db.models import Mentorship, OutboxMessage, Person
from bot.emulator import Bucket, RateLimits, SlackEmulator
from bot.runtime import Runtime, build_runtime
from bot.slack import OutboxSender, make_delivery_client
from bot.views.checkins import CheckinIds
from bot.workers import worker_id
from scheduling.due import run_due
from scheduling.scheduler import TICK_SECONDS

TOKEN = "xoxb-bench-token"
GIVE_UP_FACTOR = 3  # stop waiting after three times the time the limits need
PROGRESS_S = 15.0


class FastClock:
    """Slack's clock and the bot's, `speed` times faster than the wall clock, from `start`."""

    def __init__(self, start: datetime, speed: float) -> None:
        self.start, self.speed = start, speed
        self._origin = time.monotonic()

    def now(self) -> datetime:
        return self.start + timedelta(seconds=self.seconds())

    def seconds(self) -> float:
        """Seconds of this clock since `start`."""
        return (time.monotonic() - self._origin) * self.speed

    def epoch(self) -> float:
        return self.start.timestamp() + self.seconds()

    def sleep_until(self, instant: datetime) -> None:
        ahead = (instant - self.now()).total_seconds()
        if ahead > 0:
            time.sleep(ahead / self.speed)


@dataclass
class Outcome:
    prompts: int
    people: set[str]  # everyone who should have had a prompt
    first_at: float  # Slack-clock seconds from due to the first prompt accepted
    last_at: float  # ... to the last
    per_person: Counter[str]  # prompts accepted, per person
    refused: int  # 429s answered
    unsent_rows: int  # outbox rows not sent at the end
    real_s: float


def fanout(kind: str, args: argparse.Namespace) -> Outcome:
    pairs = args.prompts // 2
    with database(kind) as db_url:
        started = time.monotonic()
        mentees = add_pairs(db_url, [kickoff_for(DUE)] * pairs, mentees_per_mentor=1)
        print(f"  {pairs:,} pairs inserted in {time.monotonic() - started:.1f} s", flush=True)
        clock = FastClock(DUE, args.speed)
        limits = RateLimits(post_message_workspace=Bucket(args.per_minute, args.burst))
        with SlackEmulator(tokens=[TOKEN], clock=clock.epoch, rate_limits=limits) as slack:
            if args.latency_ms:
                slack.slow("chat.postMessage", seconds=args.latency_ms / 1000 / args.speed)
            settings = load_settings(
                env_file=None,
                slack_bot_token=TOKEN,
                slack_api_url=slack.api_url,
                database_url=db_url,
            )
            runtime = build_runtime(settings, clock=clock.now)
            runtime.sender = OutboxSender(
                make_delivery_client(settings),
                runtime.deps.sessions,
                worker_id(),
                time_scale=args.speed,
            )
            try:
                _tick_until_delivered(runtime, clock, slack, args)
                unsent = _unsent(runtime)
                mentors = _mentors(runtime)
            finally:
                runtime.close()
            calls = slack.calls("chat.postMessage")
        real_s = time.monotonic() - started
    accepted = [c for c in calls if c.ok and CheckinIds.MET in str(c.args.get("blocks"))]
    return Outcome(
        prompts=args.prompts,
        people=set(mentees) | set(mentors),
        first_at=min((c.at for c in accepted), default=0.0) - DUE.timestamp(),
        last_at=max((c.at for c in accepted), default=0.0) - DUE.timestamp(),
        per_person=Counter(str(c.args["channel"]) for c in accepted),
        refused=sum(1 for c in calls if c.status == 429),
        unsent_rows=unsent,
        real_s=real_s,
    )


def _tick_until_delivered(
    runtime: Runtime, clock: FastClock, slack: SlackEmulator, args: argparse.Namespace
) -> None:
    """The scheduler's tick (one run at a time, every TICK_SECONDS of the clock, a late
    one at once), until every prompt is accepted or the wait is hopeless."""
    needed = max(0, args.prompts - args.burst) / (args.per_minute / 60)
    give_up = DUE + timedelta(seconds=GIVE_UP_FACTOR * needed + 600)
    progress = _Progress(slack, clock, args.prompts)
    progress.start()
    try:
        tick = clock.now()
        while clock.now() < give_up:
            clock.sleep_until(tick)
            tick = clock.now()
            run_due(runtime, tick)
            if progress.count() >= args.prompts and _unsent(runtime) == 0:
                break
            tick += timedelta(seconds=TICK_SECONDS)
    finally:
        progress.stop()


def _unsent(runtime: Runtime) -> int:
    with runtime.deps.sessions() as session:
        return (
            session.scalar(
                select(func.count())
                .select_from(OutboxMessage)
                .where(OutboxMessage.status != OutboxStatus.SENT)
            )
            or 0
        )


def _mentors(runtime: Runtime) -> list[str]:
    with runtime.deps.sessions() as session:
        return list(
            session.scalars(
                select(Person.slack_user_id).join(Mentorship, Mentorship.mentor_id == Person.id)
            )
        )


class _Progress(threading.Thread):
    """Prints how many messages Slack accepted, every PROGRESS_S of real time."""

    def __init__(self, slack: SlackEmulator, clock: FastClock, total: int) -> None:
        super().__init__(daemon=True)
        self.slack, self.clock, self.total = slack, clock, total
        self._done = threading.Event()

    def count(self) -> int:
        return sum(1 for c in self.slack.calls("chat.postMessage") if c.ok)

    def run(self) -> None:
        while not self._done.wait(PROGRESS_S):
            print(
                f"  ... {self.count():,}/{self.total:,} accepted after "
                f"{self.clock.seconds():,.0f} s of Slack time",
                flush=True,
            )

    def stop(self) -> None:
        self._done.set()
        self.join()


def report(kind: str, outcome: Outcome, args: argparse.Namespace) -> float:
    """Print the figures; returns achieved / allowed."""
    n, rate = outcome.prompts, args.per_minute / 60
    allowed_s = max(0, n - args.burst) / rate
    window = outcome.last_at - outcome.first_at
    ratio = allowed_s / window if window > 0 else float("inf")
    delivered = len(outcome.per_person)
    lost = len(outcome.people - set(outcome.per_person))
    doubled = sum(1 for count in outcome.per_person.values() if count > 1)
    prompting_real = outcome.first_at / args.speed
    print(f"\n{kind}: {n:,} prompts due at once ({n // 2:,} pairs)")
    print(
        f"  limits: chat.postMessage {args.per_minute:g}/min across the workspace "
        f"(burst {args.burst}), 1/s per channel (burst 5); Slack answers in "
        f"{args.latency_ms:g} ms; clock x{args.speed:g}"
    )
    print(
        f"  allowed: {n:,} in {allowed_s:,.0f} s at best "
        f"({n / allowed_s if allowed_s else float('inf'):.2f}/s: the burst, then {rate:.2f}/s)"
    )
    print(
        f"  achieved: {n:,} in {window:,.0f} s from the first to the last "
        f"({delivered / window if window else 0:.2f}/s) = {ratio:.1%} of the allowed rate"
    )
    print(
        f"  prompting {n // 2:,} pairs before the first message: {prompting_real:.1f} s "
        f"(real); from due to the last prompt at real speed: "
        f"{prompting_real + window:,.0f} s"
    )
    print(f"  429s answered by Slack: {outcome.refused:,}")
    print(
        f"  delivered: {delivered:,} people; lost: {lost}; doubled: {doubled}; "
        f"outbox rows not sent: {outcome.unsent_rows}"
    )
    print(f"  bench took {outcome.real_s:,.0f} s")
    return ratio


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--prompts", type=int, default=10_000, help="even: two per pair")
    parser.add_argument("--databases", default="postgresql", help="sqlite,postgresql")
    parser.add_argument("--speed", type=float, default=5.0, help="Slack clock / wall clock")
    parser.add_argument("--per-minute", type=float, default=300, help="workspace-wide limit")
    parser.add_argument("--burst", type=int, default=300, help="workspace-wide burst")
    parser.add_argument("--latency-ms", type=float, default=100, help="Slack's answer time")
    args = parser.parse_args()
    if args.prompts < 2 or args.prompts % 2:
        parser.error("--prompts: an even number, two per pair")
    for kind in args.databases.split(","):
        print(f"{kind}: setting up", flush=True)
        report(kind, fanout(kind, args), args)
    return 0


if __name__ == "__main__":
    sys.exit(main())
