"""Socket Mode as an operator sees it: acks over the socket, and how long reconnects take.

    python bench/socket_mode.py [--commands 50] [--runs 1]

Starts the Slack emulator with Socket Mode and `mentorbot run` with SLACK_APP_TOKEN as
its own process (SQLite). Prints:

- start-up: from exec to the first websocket connection;
- ack latency of `/mentor help` over the socket (median, p95, max of --commands);
- for each way a connection ends (a ``disconnect`` refresh_requested, a close frame, the
  TCP connection ending without one, a TCP reset): seconds until the bot's next connection
  is open, and the CPU seconds the bot used meanwhile (from /proc/PID/stat), to show
  whether it spins.
"""

from __future__ import annotations

import argparse
import os
import shutil
import statistics
import subprocess
import sys
import tempfile
import time
from collections.abc import Callable
from pathlib import Path

from bot.emulator import DEFAULT_APP_TOKEN, SlackEmulator, SocketDriver

TOKEN = "xoxb-bench-token"
TICKS = os.sysconf("SC_CLK_TCK")


def cpu_seconds(pid: int) -> float:
    fields = Path(f"/proc/{pid}/stat").read_text().rsplit(")", 1)[1].split()
    return (int(fields[11]) + int(fields[12])) / TICKS  # utime + stime


def reconnect(
    emulator: SlackEmulator, pid: int, end: Callable[[], None], timeout: float = 120
) -> tuple[float, float]:
    """Seconds until a new connection is open after `end()`, and CPU seconds meanwhile."""
    socket = emulator.socket
    before = socket.connections_opened
    cpu, began = cpu_seconds(pid), time.monotonic()
    end()
    if not socket.wait_connections_opened(before + 1, timeout):
        raise SystemExit(f"no reconnect within {timeout} s")
    return time.monotonic() - began, cpu_seconds(pid) - cpu


def run_once(commands: int, workdir: Path) -> None:
    exe = shutil.which("mentorbot") or str(Path(sys.executable).with_name("mentorbot"))
    with SlackEmulator(tokens=[TOKEN], socket_mode=True) as emulator:
        env = {k: v for k, v in os.environ.items() if not k.startswith(("SLACK_", "MENTORBOT_"))}
        env |= {
            "SLACK_BOT_TOKEN": TOKEN,
            "SLACK_APP_TOKEN": DEFAULT_APP_TOKEN,
            "SLACK_API_URL": emulator.api_url,
            "DATABASE_URL": f"sqlite:///{workdir / 'bench.db'}",
        }
        log = (workdir / "mentorbot.log").open("wb")
        began = time.monotonic()
        process = subprocess.Popen(
            [exe, "run"], env=env, cwd=workdir, stdout=log, stderr=subprocess.STDOUT
        )
        try:
            if not emulator.socket.wait_connections_opened(1, timeout=60):
                raise SystemExit("mentorbot never connected")
            print(f"start-up to first connection: {time.monotonic() - began:.2f} s")
            slack = SocketDriver(emulator)
            slack.slash_command("U0BENCH01", "help")  # the first pays for imports
            latencies = []
            for _ in range(commands):
                answer = slack.slash_command("U0BENCH01", "help")
                assert answer.status == 200, "unacknowledged"
                latencies.append(answer.elapsed * 1000)
            latencies.sort()
            p95 = latencies[max(0, int(len(latencies) * 0.95) - 1)]
            print(
                f"/mentor help ack over the socket, {commands} commands: median "
                f"{statistics.median(latencies):.1f} ms, p95 {p95:.1f} ms, "
                f"max {latencies[-1]:.1f} ms"
            )
            socket = emulator.socket
            for name, end in (
                ("disconnect refresh_requested", lambda: socket.disconnect("refresh_requested")),
                ("close frame (1001)", socket.close),
                ("TCP connection ended (no close frame)", socket.abort),
                ("TCP reset", lambda: socket.abort(reset=True)),
            ):
                seconds, cpu = reconnect(emulator, process.pid, end)
                print(f"reconnect after {name}: {seconds:.2f} s, bot CPU meanwhile {cpu:.2f} s")
                time.sleep(1)
        finally:
            process.terminate()
            process.wait(timeout=30)
            log.close()


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--commands", type=int, default=50)
    parser.add_argument("--runs", type=int, default=1)
    args = parser.parse_args()
    for run in range(args.runs):
        print(f"run {run + 1}")
        with tempfile.TemporaryDirectory() as workdir:
            run_once(args.commands, Path(workdir))


if __name__ == "__main__":
    main()
