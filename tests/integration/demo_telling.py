"""The demo told twice with the same seed, side by side: once keeping its database and
writing its page, once in an environment full of broken settings (the demo brings its
own: an operator's neither stop nor change it). What test_demo.py reads."""

from __future__ import annotations

import json
import subprocess
from pathlib import Path

from tests.integration.test_cli import MENTORBOT, _env

SEED = 7
# A loaded machine can stretch the demo's minute; this only stops a hung one.
DEMO_TIMEOUT_S = 600
PAGE, DATABASE, RECORD = "demo.html", "kept.db", "told.json"


def tell(*args: str, cwd: Path, **env: str) -> subprocess.Popen[str]:
    return subprocess.Popen(
        [MENTORBOT, "demo", *args],
        cwd=cwd,
        env=_env(**env),
        stdout=subprocess.PIPE,
        stderr=subprocess.PIPE,
        text=True,
    )


def heard(telling: subprocess.Popen[str]) -> tuple[str, str]:
    out, err = telling.communicate(timeout=DEMO_TIMEOUT_S)
    assert telling.returncode == 0, out[-3000:] + err[-3000:]
    return out, err


def tell_twice(where: Path) -> None:
    first = tell(
        "--seed", str(SEED), "--html", str(where / PAGE),
        "--database", f"sqlite:///{where / DATABASE}", cwd=where,
    )  # fmt: skip
    (elsewhere := where / "again").mkdir(exist_ok=True)
    again = tell(
        "--seed", str(SEED), cwd=elsewhere,
        MENTORBOT_ADMINS="alice,bob", MENTORBOT_TIMEZONE="Mars/Olympus",
        DATABASE_URL="not a url", SLACK_BOT_TOKEN="not-a-token",
    )  # fmt: skip
    try:
        (out, err), (again_out, _) = heard(first), heard(again)
    finally:
        for telling in (first, again):  # one failed: do not leave the other running
            if telling.poll() is None:
                telling.kill()
    (where / RECORD).write_text(json.dumps({"out": out, "err": err, "again": again_out}))
