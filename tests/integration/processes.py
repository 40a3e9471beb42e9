"""`mentorbot` as its own process, the way an operator or a supervisor runs it."""

from __future__ import annotations

import contextlib
import io
import logging
import os
import shutil
import socket
import subprocess
import sys
import time
import urllib.request
from pathlib import Path
from typing import Any

from bot.cli import main
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


def wait_healthy(
    process: subprocess.Popen[Any], base_url: str, timeout: float = 30, log: Path | None = None
) -> None:
    """Until /healthz answers; `log`: where the process writes, if not to its stdout pipe."""
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        if process.poll() is not None:
            output = log.read_text() if log else process.stdout.read()  # type: ignore[union-attr]
            raise AssertionError(f"mentorbot exited early: {output}")
        try:
            urllib.request.urlopen(f"{base_url}/healthz", timeout=1)
            return
        except OSError:
            time.sleep(0.05)
    raise AssertionError(f"mentorbot did not answer /healthz within {timeout} s")


def in_process(*args: str, cwd: Path, **env: str) -> subprocess.CompletedProcess[str]:
    """`mentorbot ARGS` run by the command's own `main` in this process, with the
    environment (`clean_env(**env)`) and working directory the real command would get,
    its output and exit status returned as from `subprocess.run`.

    The same code from the parsed arguments to the exit status, without a new
    interpreter's start-up (about a second of imports): for checks of what a command
    does. What only a process shows (its exit on a signal, a terminal, a server that
    keeps running) is checked with real processes (`start`, tests/integration/test_cli.py).
    """
    root = logging.getLogger()
    quieted = [logging.getLogger(name) for name in ("apscheduler", "alembic.runtime.plugins")]
    saved_logging = (root.handlers[:], root.level, [logger.level for logger in quieted])
    saved_env, saved_cwd = dict(os.environ), Path.cwd()
    out, err = io.StringIO(), io.StringIO()
    try:
        os.environ.clear()
        os.environ.update(clean_env(**env))
        os.chdir(cwd)
        # Logging as a fresh interpreter has it until the command configures its own:
        # warnings and worse to standard error (logging.lastResort), here the captured one.
        root.handlers[:] = []
        root.setLevel(logging.WARNING)
        with contextlib.redirect_stdout(out), contextlib.redirect_stderr(err):
            try:
                status = main(list(args))
            except SystemExit as exit:  # argparse's usage errors
                status = exit.code if isinstance(exit.code, int) else 1
    finally:
        os.chdir(saved_cwd)
        os.environ.clear()
        os.environ.update(saved_env)
        root.handlers[:] = saved_logging[0]
        root.setLevel(saved_logging[1])
        for logger, level in zip(quieted, saved_logging[2], strict=True):
            logger.setLevel(level)
    return subprocess.CompletedProcess([MENTORBOT, *args], status, out.getvalue(), err.getvalue())
