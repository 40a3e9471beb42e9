"""The `mentorbot` command as an operator runs it: a real process, real HTTP."""

from __future__ import annotations

import os
import shutil
import socket
import subprocess
import sys
import time
import urllib.request
from collections.abc import Iterator
from pathlib import Path

import pytest
from sqlalchemy.engine import make_url

from bot.db.migrate import current_revision, head_revision
from bot.emulator import SlackDriver, SlackEmulator
from tests.integration.conftest import BOT_TOKEN, SIGNING_SECRET

MENTORBOT = shutil.which("mentorbot") or str(Path(sys.executable).with_name("mentorbot"))


def _env(**values: str) -> dict[str, str]:
    keep = {k: v for k, v in os.environ.items() if not k.startswith(("SLACK_", "MENTORBOT_"))}
    keep.pop("DATABASE_URL", None)
    keep.pop("PORT", None)
    return keep | values


def _mentorbot(*args: str, cwd: Path, **env: str) -> subprocess.CompletedProcess[str]:
    return subprocess.run(
        [MENTORBOT, *args], cwd=cwd, env=_env(**env), capture_output=True, text=True, timeout=60
    )


def _free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


def test_run_without_a_bot_token_stops_with_one_line_naming_it(tmp_path: Path) -> None:
    result = _mentorbot("run", cwd=tmp_path)

    assert result.returncode == 2
    assert result.stderr.strip().count("\n") == 0
    assert "SLACK_BOT_TOKEN" in result.stderr


@pytest.mark.parametrize(
    ("variable", "value"),
    [
        ("DATABASE_URL", "not a url"),
        ("MENTORBOT_ADMINS", "alice,bob"),
        ("SLACK_API_URL", "ftp://example"),
        ("PORT", "eighty"),
        ("MENTORBOT_TIMEZONE", "Mars/Olympus"),
        ("MENTORBOT_LOG_FORMAT", "xml"),
    ],
)
def test_a_malformed_setting_stops_start_up_naming_the_variable(
    tmp_path: Path, variable: str, value: str
) -> None:
    result = _mentorbot(
        "run",
        cwd=tmp_path,
        SLACK_BOT_TOKEN=BOT_TOKEN,
        SLACK_SIGNING_SECRET="s",
        **{variable: value},
    )

    assert result.returncode == 2
    assert result.stderr.startswith(f"mentorbot: {variable} is invalid")
    assert result.stderr.strip().count("\n") == 0


def test_settings_come_from_a_dot_env_file_too(tmp_path: Path) -> None:
    (tmp_path / ".env").write_text("MENTORBOT_ADMINS=nobody\n")

    result = _mentorbot("db", "upgrade", cwd=tmp_path)

    assert result.returncode == 2
    assert "MENTORBOT_ADMINS" in result.stderr


def test_db_upgrade_builds_the_schema(tmp_path: Path, db_url: str) -> None:
    result = _mentorbot("db", "upgrade", cwd=tmp_path, DATABASE_URL=db_url)

    assert result.returncode == 0, result.stderr
    assert current_revision(db_url) == head_revision()


@pytest.mark.postgres
def test_db_upgrade_never_prints_the_database_password(tmp_path: Path, db_url: str) -> None:
    if not db_url.startswith("postgresql"):
        pytest.skip("only a server database has a password")
    # Trust auth ignores the password, so the URL still connects.
    with_password = make_url(db_url).set(password="hunter2")

    result = _mentorbot(
        "db",
        "upgrade",
        cwd=tmp_path,
        DATABASE_URL=with_password.render_as_string(hide_password=False),
    )

    assert result.returncode == 0, result.stderr
    assert "hunter2" not in result.stdout + result.stderr
    assert "***" in result.stdout


def test_every_command_explains_itself(tmp_path: Path) -> None:
    for args in (["--help"], ["run", "--help"], ["run-due", "--help"], ["db", "upgrade", "--help"]):
        assert _mentorbot(*args, cwd=tmp_path).returncode == 0
    same = subprocess.run(
        [sys.executable, "-m", "bot", "--help"], capture_output=True, text=True, cwd=tmp_path
    )
    assert same.returncode == 0 and "run-due" in same.stdout


def test_run_due_rejects_a_malformed_instant(tmp_path: Path) -> None:
    result = _mentorbot("run-due", "--as-of", "next tuesday", cwd=tmp_path)

    assert result.returncode == 2
    assert "ISO-8601" in result.stderr


@pytest.fixture
def served(tmp_path: Path, db_url: str) -> Iterator[tuple[str, SlackEmulator]]:
    """`mentorbot run` in HTTP mode as its own process, talking to the emulator."""
    with SlackEmulator(tokens=[BOT_TOKEN]) as emulator:
        port = _free_port()
        process = subprocess.Popen(
            [MENTORBOT, "run"],
            cwd=tmp_path,
            env=_env(
                SLACK_BOT_TOKEN=BOT_TOKEN,
                SLACK_SIGNING_SECRET=SIGNING_SECRET,
                SLACK_API_URL=emulator.api_url,
                DATABASE_URL=db_url,
                PORT=str(port),
            ),
            stdout=subprocess.PIPE,
            stderr=subprocess.STDOUT,
            text=True,
        )
        base = f"http://127.0.0.1:{port}"
        deadline = time.monotonic() + 30
        while time.monotonic() < deadline:
            if process.poll() is not None:
                pytest.fail(f"mentorbot run exited: {process.stdout.read()}")
            try:
                urllib.request.urlopen(f"{base}/healthz", timeout=1)
                break
            except OSError:
                time.sleep(0.05)
        try:
            yield base, emulator
        finally:
            process.terminate()
            process.wait(10)


def test_mentorbot_run_serves_slack_over_http(served: tuple[str, SlackEmulator]) -> None:
    base, emulator = served
    slack = SlackDriver(f"{base}/slack/events", SIGNING_SECRET, emulator=emulator)

    help_response = slack.slash_command("U0MEMBER1", "help")
    forged = slack.using(signing_secret="wrong").slash_command("U0MEMBER1", "help")
    with urllib.request.urlopen(f"{base}/healthz", timeout=5) as health:
        health_status = health.status

    assert help_response.status == 200 and "/mentor help" in help_response.json["text"]
    assert forged.status == 401
    assert health_status == 200
    assert emulator.calls("auth.test")  # the token was checked at start


def test_the_in_process_scheduler_delivers_what_the_bot_queued(
    served: tuple[str, SlackEmulator],
) -> None:
    base, emulator = served
    slack = SlackDriver(f"{base}/slack/events", SIGNING_SECRET, emulator=emulator)

    slack.app_home_opened("U0MEMBER1")

    [publish] = emulator.wait_for("views.publish", timeout=10)
    assert publish.args["user_id"] == "U0MEMBER1"


def test_run_due_delivers_what_is_due_and_exits(tmp_path: Path, db_url: str) -> None:
    with SlackEmulator(tokens=[BOT_TOKEN]) as emulator:
        from bot import outbox
        from bot.db.engine import make_engine, make_session_factory
        from bot.db.migrate import upgrade

        upgrade(db_url)
        engine = make_engine(db_url)
        with make_session_factory(engine)() as session:
            from datetime import UTC, datetime

            outbox.enqueue(
                session,
                team_id="T0001",
                key="k",
                method="chat.postMessage",
                payload={"channel": "U0MEMBER1", "text": "due at nine"},
                not_before=datetime(2026, 12, 1, 9, 0, tzinfo=UTC),
            )
            session.commit()
        engine.dispose()
        env = {
            "SLACK_BOT_TOKEN": BOT_TOKEN,
            "SLACK_API_URL": emulator.api_url,
            "DATABASE_URL": db_url,
        }

        early = _mentorbot("run-due", "--as-of", "2026-12-01T08:59:00Z", cwd=tmp_path, **env)
        due = _mentorbot("run-due", "--as-of", "2026-12-01T09:00:00Z", cwd=tmp_path, **env)
        again = _mentorbot("run-due", "--as-of", "2026-12-01T09:00:00Z", cwd=tmp_path, **env)

    assert (early.returncode, due.returncode, again.returncode) == (0, 0, 0), due.stderr
    assert "sent 0 message(s)" in early.stdout
    assert "sent 1 message(s)" in due.stdout
    assert "sent 0 message(s)" in again.stdout
    assert [c.args["text"] for c in emulator.calls("chat.postMessage")] == ["due at nine"]
