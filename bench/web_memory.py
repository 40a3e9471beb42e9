"""Memory of one web process under sustained load, as an operator would size it.

    python bench/web_memory.py [--seconds 60] [--clients 8] [--users 300] [--pairs 5000]
                               [--database sqlite|postgresql] [--scheduler] [--log FILE]

Fills a fresh database with --pairs active pairs (bench/population.py), starts the Slack
emulator, `mentorbot run --no-scheduler` (HTTP mode, a web replica) and `mentorbot
scheduler` (it delivers the Home tabs the web process queues; --scheduler runs it in the
web process instead) as their own processes, waits for /readyz and the matcher's
background warm-up, then for --seconds drives the web process from --clients concurrent
threads with signed requests from --users people of those pairs: `/mentor help`,
`/mentor find`, App Home opens and the Home's Pause / Resume buttons (each client has
its own people). Prints the web process's resident memory (VmRSS from /proc) when ready,
at its peak (the larger of the sampled maximum and VmHWM) and at the end, the requests
served by kind, any not acknowledged with a 2xx within 3 s, the ack latency p50 / p95,
and the tracebacks and ERROR lines in its log.
"""

from __future__ import annotations

import argparse
import random
import subprocess
import sys
import tempfile
import threading
import time
import urllib.request
from collections import defaultdict
from collections.abc import Callable
from datetime import timedelta
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent))

from population import DUE, TEAM, add_pairs, database  # bench/ is on sys.path (above)

from bot.emulator import DriverResponse, SlackDriver, SlackEmulator
from bot.views.home import HomeIds
from tests.integration import processes

TOKEN = "xoxb-bench-token"
SECRET = "bench-signing-secret"
SAMPLE_S = 0.2
TIMELINE_S = 10.0
WARMED = "matcher warmed"  # bot/cli.py logs it once the background warm-up is done


def status_kib(pid: int, field: str) -> int:
    for line in Path(f"/proc/{pid}/status").read_text().splitlines():
        if line.startswith(f"{field}:"):
            return int(line.split()[1])
    raise SystemExit(f"no {field} for process {pid}")


def home_click(slack: SlackDriver, emulator: SlackEmulator, user: str) -> DriverResponse:
    """Pause or Resume, whichever the person's Home offers; else the Home is opened."""
    view = emulator.home_view(user) or {}
    offered = {
        element.get("action_id")
        for block in view.get("blocks", [])
        if block.get("type") == "actions"
        for element in block.get("elements", [])
    }
    for action in (HomeIds.PAUSE, HomeIds.RESUME):
        if action in offered:
            return slack.block_action(user, action)
    return slack.app_home_opened(user)


def requests_mix(slack: SlackDriver, emulator: SlackEmulator) -> list[tuple[str, Callable]]:
    """(kind, call(user)), repeated by weight: mostly Home opens and commands."""
    return [
        *[("home opened", slack.app_home_opened)] * 4,
        *[("/mentor help", lambda u: slack.slash_command(u, "help"))] * 2,
        *[("/mentor find", lambda u: slack.slash_command(u, "find"))] * 2,
        *[("home button", lambda u: home_click(slack, emulator, u))] * 2,
    ]


def drive(
    slack: SlackDriver,
    emulator: SlackEmulator,
    users: list[str],
    until: float,
    seed: int,
    latencies: dict[str, list[float]],
    failures: dict[str, int],
    lock: threading.Lock,
) -> None:
    rng = random.Random(seed)
    mix = requests_mix(slack, emulator)
    while time.monotonic() < until:
        kind, call = rng.choice(mix)
        try:
            answer = call(rng.choice(users))
            good = answer.ok and answer.in_time
            elapsed = answer.elapsed
        except OSError:  # refused or timed out: a failure, counted
            good, elapsed = False, float("nan")
        with lock:
            latencies[kind].append(elapsed)
            if not good:
                failures[kind] += 1


def percentile(values: list[float], p: float) -> float:
    ordered = sorted(values)
    return ordered[min(len(ordered) - 1, int(len(ordered) * p))] * 1000


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--seconds", type=float, default=60)
    parser.add_argument("--clients", type=int, default=8)
    parser.add_argument("--users", type=int, default=300)
    parser.add_argument("--pairs", type=int, default=5000)
    parser.add_argument("--database", choices=("sqlite", "postgresql"), default="sqlite")
    parser.add_argument("--scheduler", action="store_true", help="run the scheduler in-process")
    parser.add_argument("--log", type=Path, help="keep the process's log in this file")
    args = parser.parse_args()

    with database(args.database) as db_url, tempfile.TemporaryDirectory() as workdir:
        mentees = add_pairs(db_url, [DUE - timedelta(days=14)] * args.pairs)
        mentors = sorted({f"U2{i // 4:08d}" for i in range(args.pairs)})
        users = (mentees[: args.users // 2] + mentors[: args.users - args.users // 2])[: args.users]
        with SlackEmulator(tokens=[TOKEN], team_id=TEAM) as emulator:
            for user in users:
                emulator.add_user(user)
            port = processes.free_port()
            log = Path(workdir) / "mentorbot.log"
            command = [processes.MENTORBOT, "run", "--port", str(port)]
            if not args.scheduler:
                command.append("--no-scheduler")
            env = processes.clean_env(
                SLACK_BOT_TOKEN=TOKEN,
                SLACK_SIGNING_SECRET=SECRET,
                SLACK_API_URL=emulator.api_url,
                DATABASE_URL=db_url,
            )
            with log.open("wb") as out:  # a file: one log line per request never blocks it
                process = subprocess.Popen(
                    command, cwd=workdir, env=env, stdout=out, stderr=subprocess.STDOUT
                )
                # The Home tabs go out through the outbox: a scheduler delivers them.
                scheduler = None
                if not args.scheduler:
                    scheduler = subprocess.Popen(
                        [processes.MENTORBOT, "scheduler"],
                        cwd=workdir,
                        env=env,
                        stdout=subprocess.DEVNULL,
                        stderr=subprocess.DEVNULL,
                    )
            try:
                wait_ready(process, port, log)
                report(process, port, emulator, users, args)
                logged = log.read_text(errors="replace")
                print(
                    f"log: {logged.count('Traceback')} tracebacks, "
                    f"{logged.count(' ERROR ')} ERROR lines, "
                    f"{len(emulator.calls('views.publish'))} Home tabs published"
                )
                if args.log:
                    args.log.write_text(logged)
            finally:
                for started in (process, scheduler):
                    if started is not None:
                        started.terminate()
                        started.wait(timeout=30)


def wait_ready(
    process: subprocess.Popen[bytes], port: int, log: Path, timeout: float = 120
) -> None:
    """/readyz answers 200 and the matcher has warmed (the steady state, not the start)."""
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        if process.poll() is not None:
            raise SystemExit("mentorbot run exited before it was ready")
        try:
            urllib.request.urlopen(f"http://127.0.0.1:{port}/readyz", timeout=2)
            if WARMED in log.read_text(errors="replace"):
                return
        except OSError:
            pass
        time.sleep(0.1)
    raise SystemExit(f"mentorbot run was not ready and warm within {timeout} s")


def report(
    process: subprocess.Popen[bytes],
    port: int,
    emulator: SlackEmulator,
    users: list[str],
    args: argparse.Namespace,
) -> None:
    pid = process.pid
    at_start = status_kib(pid, "VmRSS")
    slack = SlackDriver(f"http://127.0.0.1:{port}/slack/events", SECRET, emulator)
    latencies: dict[str, list[float]] = defaultdict(list)
    failures: dict[str, int] = defaultdict(int)
    lock = threading.Lock()
    until = time.monotonic() + args.seconds
    clients = [
        threading.Thread(
            target=drive,
            # Each client has its own people: one person does one thing at a time.
            args=(
                slack,
                emulator,
                users[seed :: args.clients],
                until,
                seed,
                latencies,
                failures,
                lock,
            ),
            daemon=True,
        )
        for seed in range(args.clients)
    ]
    began = time.monotonic()
    for client in clients:
        client.start()
    sampled = at_start
    timeline: list[int] = []  # VmRSS every TIMELINE_S: does it level off?
    while any(c.is_alive() for c in clients):
        now = status_kib(pid, "VmRSS")
        sampled = max(sampled, now)
        if time.monotonic() - began >= len(timeline) * TIMELINE_S:
            timeline.append(now)
        time.sleep(SAMPLE_S)
    took = time.monotonic() - began
    peak = max(sampled, status_kib(pid, "VmHWM"))
    at_end = status_kib(pid, "VmRSS")

    everything = [x for values in latencies.values() for x in values if x == x]
    served = sum(len(v) for v in latencies.values())
    print(
        f"{args.database}, {args.pairs:,} pairs, {len(users)} people, {args.clients} clients, "
        f"{took:.0f} s, scheduler {'in-process' if args.scheduler else 'elsewhere'}"
    )
    print(
        f"RSS: {at_start / 1024:.0f} MiB when ready, peak {peak / 1024:.0f} MiB, "
        f"{at_end / 1024:.0f} MiB at the end"
    )
    print(f"RSS every {TIMELINE_S:.0f} s, MiB: " + " ".join(f"{k / 1024:.0f}" for k in timeline))
    late = sum(failures.values())
    print(f"requests: {served:,} ({served / took:.1f}/s), not acked in time: {late}")
    for kind, values in sorted(latencies.items()):
        timed = [x for x in values if x == x]
        print(
            f"  {kind:14} {len(values):6,}  p50 {percentile(timed, 0.5):6.0f} ms  "
            f"p95 {percentile(timed, 0.95):6.0f} ms  failed {failures[kind]}"
        )
    print(
        f"  {'all':14} {served:6,}  p50 {percentile(everything, 0.5):6.0f} ms  "
        f"p95 {percentile(everything, 0.95):6.0f} ms"
    )


if __name__ == "__main__":
    main()
