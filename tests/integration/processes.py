"""`mentorbot` as its own process, the way an operator or a supervisor runs it."""

from __future__ import annotations

import os
import shutil
import socket
import subprocess
import sys
import time
import urllib.request
from pathlib import Path

from bot.emulator import SlackEmulator
from tests.integration.conftest import BOT_TOKEN, SIGNING_SECRET

MENTORBOT = shutil.which("mentorbot") or str(Path(sys.executable).with_name("mentorbot"))


def clean_env(**values: str) -> dict[str, str]:
    """This process's environment without any mentorbot or Slack setting, plus `values`."""
    keep = {k: v for k, v in os.environ.items() if not k.startswith(("SLACK_", "MENTORBOT_"))}
    keep.pop("DATABASE_URL", None)
    keep.pop("PORT", None)
    return keep | values


def free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


def start(
    *args: str, cwd: Path, emulator: SlackEmulator, db_url: str, **env: str
) -> subprocess.Popen[str]:
    """Start `mentorbot ARGS` against the emulator; output goes to one pipe."""
    return subprocess.Popen(
        [MENTORBOT, *args],
        cwd=cwd,
        env=clean_env(
            SLACK_BOT_TOKEN=BOT_TOKEN,
            SLACK_SIGNING_SECRET=SIGNING_SECRET,
            SLACK_API_URL=emulator.api_url,
            DATABASE_URL=db_url,
            **env,
        ),
        stdout=subprocess.PIPE,
        stderr=subprocess.STDOUT,
        text=True,
    )


def wait_healthy(process: subprocess.Popen[str], base_url: str, timeout: float = 30) -> None:
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        if process.poll() is not None:
            raise AssertionError(f"mentorbot exited early: {process.stdout.read()}")  # type: ignore[union-attr]
        try:
            urllib.request.urlopen(f"{base_url}/healthz", timeout=1)
            return
        except OSError:
            time.sleep(0.05)
    raise AssertionError(f"mentorbot did not answer /healthz within {timeout} s")
