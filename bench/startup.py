"""Start-up time and idle memory of `mentorbot run` (HTTP mode, SQLite), as an operator sees them.

    python bench/startup.py [--runs 5]

Starts the Slack emulator, launches `mentorbot run` as its own process, and measures
the time from exec to the first 200 from /healthz, then the resident memory after a
few seconds idle (the scheduler ticking), from /proc/PID/status.
"""

from __future__ import annotations

import argparse
import os
import shutil
import socket
import statistics
import subprocess
import sys
import tempfile
import time
import urllib.request
from pathlib import Path

from bot.emulator import SlackEmulator

TOKEN = "xoxb-bench-token"


def free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


def rss_mib(pid: int) -> float:
    for line in Path(f"/proc/{pid}/status").read_text().splitlines():
        if line.startswith("VmRSS:"):
            return int(line.split()[1]) / 1024
    return float("nan")


def one_run(emulator: SlackEmulator, idle_seconds: float) -> tuple[float, float]:
    port = free_port()
    workdir = tempfile.mkdtemp()
    env = {k: v for k, v in os.environ.items() if not k.startswith(("SLACK_", "MENTORBOT_"))}
    env |= {
        "SLACK_BOT_TOKEN": TOKEN,
        "SLACK_SIGNING_SECRET": "bench",
        "SLACK_API_URL": emulator.api_url,
        "DATABASE_URL": f"sqlite:///{workdir}/bench.db",
        "PORT": str(port),
    }
    exe = shutil.which("mentorbot") or str(Path(sys.executable).with_name("mentorbot"))
    started = time.perf_counter()
    process = subprocess.Popen([exe, "run"], env=env, cwd=workdir, stderr=subprocess.DEVNULL)
    try:
        while True:
            try:
                urllib.request.urlopen(f"http://127.0.0.1:{port}/healthz", timeout=1)
                break
            except OSError:
                if process.poll() is not None:
                    raise SystemExit("mentorbot run exited early") from None
                time.sleep(0.01)
        ready = time.perf_counter() - started
        time.sleep(idle_seconds)
        return ready, rss_mib(process.pid)
    finally:
        process.terminate()
        process.wait(10)
        shutil.rmtree(workdir, ignore_errors=True)


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--runs", type=int, default=5)
    parser.add_argument("--idle", type=float, default=5.0, help="seconds idle before measuring")
    args = parser.parse_args()
    with SlackEmulator(tokens=[TOKEN]) as emulator:
        results = [one_run(emulator, args.idle) for _ in range(args.runs)]
    ready = [r for r, _ in results]
    rss = [m for _, m in results]
    print(f"runs: {args.runs} (fresh SQLite database each, schema upgrade included)")
    print(
        f"start-up to first /healthz 200: median {statistics.median(ready):.2f} s, "
        f"min {min(ready):.2f} s, max {max(ready):.2f} s"
    )
    print(f"idle resident memory after {args.idle:.0f} s: median {statistics.median(rss):.1f} MiB")


if __name__ == "__main__":
    main()
