"""The `mentorbot` command as an operator runs it: a real process, real HTTP.

What only a process shows (it stops at start-up, it serves, it logs as it starts) runs
`mentorbot` as its own process. What a command does with its arguments, settings and
database runs its `main` in this process (`processes.in_process`: the same environment,
working directory, output and exit status, without a second of interpreter start-up).
"""

from __future__ import annotations

import os
import shutil
import socket
import subprocess
import sys
import time
import urllib.request
from collections.abc import Iterator
from dataclasses import dataclass
from pathlib import Path

import pytest
from sqlalchemy.engine import make_url

from bot.db.migrate import current_revision, head_revision
from bot.emulator import SlackDriver, SlackEmulator
from tests.conftest import ModuleDatabases
from tests.integration import processes
from tests.integration.conftest import BOT_TOKEN, COORDINATOR, SIGNING_SECRET, TEAM
from tests.integration.processes import in_process

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
    result = in_process(
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

    result = in_process("db", "upgrade", cwd=tmp_path)

    assert result.returncode == 2
    assert "MENTORBOT_ADMINS" in result.stderr


def test_db_upgrade_builds_the_schema(tmp_path: Path, db_url: str) -> None:
    result = in_process("db", "upgrade", cwd=tmp_path, DATABASE_URL=db_url)

    assert result.returncode == 0, result.stderr
    assert current_revision(db_url) == head_revision()


@pytest.mark.postgres
def test_db_upgrade_never_prints_the_database_password(tmp_path: Path, db_url: str) -> None:
    if not db_url.startswith("postgresql"):
        pytest.skip("only a server database has a password")
    # Trust auth ignores the password, so the URL still connects.
    with_password = make_url(db_url).set(password="hunter2")

    result = in_process(
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
        assert in_process(*args, cwd=tmp_path).returncode == 0
    same = subprocess.run(  # the module's entry point, as its own process
        [sys.executable, "-m", "bot", "--help"], capture_output=True, text=True, cwd=tmp_path
    )
    assert same.returncode == 0 and "run-due" in same.stdout


def test_run_due_rejects_a_malformed_instant(tmp_path: Path) -> None:
    result = in_process("run-due", "--as-of", "next tuesday", cwd=tmp_path)

    assert result.returncode == 2
    assert "ISO-8601" in result.stderr


@dataclass
class Served:
    """`mentorbot run` in HTTP mode as its own process, talking to the emulator; its log."""

    base: str
    emulator: SlackEmulator
    log: Path
    start: str  # what it had logged when it first answered /healthz, before any request

    def output(self) -> str:
        return self.log.read_text(errors="replace")


@pytest.fixture(scope="module")
def served(
    module_databases: ModuleDatabases, tmp_path_factory: pytest.TempPathFactory
) -> Iterator[Served]:
    """One process per backend for the tests below: each looks at a different side of
    the same start (it serves, it delivers, what it logged, the matcher warmed after)."""
    cwd = tmp_path_factory.mktemp("served")
    with SlackEmulator(tokens=[BOT_TOKEN]) as emulator:
        port = _free_port()
        log = cwd / "run.log"
        with log.open("w") as out:  # a file, not a pipe nobody reads: it never fills up
            process = subprocess.Popen(
                [MENTORBOT, "run"],
                cwd=cwd,
                env=_env(
                    SLACK_BOT_TOKEN=BOT_TOKEN,
                    SLACK_SIGNING_SECRET=SIGNING_SECRET,
                    SLACK_API_URL=emulator.api_url,
                    DATABASE_URL=module_databases.new(),
                    PORT=str(port),
                ),
                stdout=out,
                stderr=subprocess.STDOUT,
            )
        try:
            processes.wait_healthy(process, f"http://127.0.0.1:{port}", log=log)
            yield Served(f"http://127.0.0.1:{port}", emulator, log, log.read_text())
        finally:
            process.terminate()
            process.wait(20)


def test_mentorbot_run_serves_slack_over_http(served: Served) -> None:
    base, emulator = served.base, served.emulator
    slack = SlackDriver(f"{base}/slack/events", SIGNING_SECRET, emulator=emulator)

    help_response = slack.slash_command("U0MEMBER1", "help")
    forged = slack.using(signing_secret="wrong").slash_command("U0MEMBER1", "help")
    with urllib.request.urlopen(f"{base}/healthz", timeout=5) as health:
        health_status = health.status

    assert help_response.status == 200 and "/mentor help" in help_response.json["text"]
    assert forged.status == 401
    assert health_status == 200
    assert emulator.calls("auth.test")  # the token was checked at start


def test_the_in_process_scheduler_delivers_what_the_bot_queued(served: Served) -> None:
    slack = SlackDriver(f"{served.base}/slack/events", SIGNING_SECRET, emulator=served.emulator)

    slack.app_home_opened("U0MEMBER2")

    [publish] = served.emulator.wait_for(
        "views.publish", timeout=10, predicate=lambda c: c.args.get("user_id") == "U0MEMBER2"
    )
    assert publish.ok


def test_a_start_logs_no_warning_about_the_bot_token(served: Served) -> None:
    assert "serving Slack over HTTP" in served.start
    assert "WARNING" not in served.start  # (the forged request above is warned about)


def test_mentorbot_run_serves_first_and_warms_the_matcher_afterwards(served: Served) -> None:
    deadline = time.monotonic() + 60
    while "matcher warmed" not in served.output() and time.monotonic() < deadline:
        time.sleep(0.1)

    lines = served.output().splitlines()
    serving = next(i for i, line in enumerate(lines) if "serving Slack over HTTP" in line)
    warmed = next(i for i, line in enumerate(lines) if "matcher warmed" in line)
    assert serving < warmed


def _seed_program(db_url: str) -> int:
    """A program with two mentors and a mentee, in the database before the bot starts."""
    from datetime import UTC, datetime

    from bot.db.engine import make_engine, make_session_factory
    from bot.db.enums import EnrollmentRole
    from bot.db.migrate import upgrade
    from bot.enrollment import save_profile
    from bot.people import SlackProfile, upsert_person
    from bot.profile import Profile
    from bot.programs import current_program

    upgrade(db_url)
    engine = make_engine(db_url)
    now = datetime.now(UTC)
    try:
        with make_session_factory(engine)() as session:
            program = current_program(session, TEAM, now)
            for user, role in (
                ("U0MENTOR1", EnrollmentRole.MENTOR),
                ("U0MENTOR2", EnrollmentRole.MENTOR),
                ("U0MENTEE1", EnrollmentRole.MENTEE),
            ):
                person = upsert_person(session, TEAM, SlackProfile(user, display_name=user))
                profile = Profile(role=role, topics=("NLP",), goals="NLP", bio="NLP", capacity=1)
                save_profile(session, program=program, person=person, profile=profile, now=now)
            session.commit()
            return program.id
    finally:
        engine.dispose()


def test_a_web_replica_builds_the_open_programs_pools_in_the_background_without_a_search(
    tmp_path: Path, db_url: str
) -> None:
    program_id = _seed_program(db_url)
    built = f"matching pool of program {program_id} built in the background: 2 mentors"
    with SlackEmulator(tokens=[BOT_TOKEN]) as emulator:
        port = _free_port()
        log = tmp_path / "run.log"
        with log.open("w") as out:
            process = subprocess.Popen(
                [MENTORBOT, "run", "--no-scheduler"],
                cwd=tmp_path,
                env=_env(
                    SLACK_BOT_TOKEN=BOT_TOKEN,
                    SLACK_SIGNING_SECRET=SIGNING_SECRET,
                    SLACK_API_URL=emulator.api_url,
                    DATABASE_URL=db_url,
                    PORT=str(port),
                ),
                stdout=out,
                stderr=subprocess.STDOUT,
            )
        try:
            processes.wait_healthy(process, f"http://127.0.0.1:{port}", log=log)
            deadline = time.monotonic() + 60
            while built not in log.read_text() and time.monotonic() < deadline:
                time.sleep(0.1)
        finally:
            process.terminate()
            process.wait(20)

    lines = log.read_text().splitlines()
    serving = next(i for i, line in enumerate(lines) if "serving Slack over HTTP" in line)
    pool = next(i for i, line in enumerate(lines) if built in line)
    assert serving < pool
    assert not emulator.calls("views.open")  # nobody searched
    assert "Traceback" not in "\n".join(lines)


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

        early = in_process("run-due", "--as-of", "2026-12-01T08:59:00Z", cwd=tmp_path, **env)
        due = in_process("run-due", "--as-of", "2026-12-01T09:00:00Z", cwd=tmp_path, **env)
        again = in_process("run-due", "--as-of", "2026-12-01T09:00:00Z", cwd=tmp_path, **env)

    assert (early.returncode, due.returncode, again.returncode) == (0, 0, 0), due.stderr
    assert "sent 0 message(s)" in early.stdout
    assert "sent 1 message(s)" in due.stdout
    assert "sent 0 message(s)" in again.stdout
    assert [c.args["text"] for c in emulator.calls("chat.postMessage")] == ["due at nine"]


def test_run_with_an_unreachable_slack_api_stops_with_one_line(tmp_path: Path) -> None:
    nowhere = f"http://127.0.0.1:{_free_port()}/api/"

    result = _mentorbot(
        "run",
        cwd=tmp_path,
        SLACK_BOT_TOKEN=BOT_TOKEN,
        SLACK_SIGNING_SECRET=SIGNING_SECRET,
        SLACK_API_URL=nowhere,
        DATABASE_URL=f"sqlite:///{tmp_path / 'bot.db'}",
    )

    assert result.returncode == 1
    assert "Traceback" not in result.stderr
    assert [line for line in result.stderr.splitlines() if "Slack" in line] == [
        f"mentorbot: could not reach Slack at {nowhere}: Connection refused"
    ]


def _cohorts(db_url: str, *names: str, team: str = TEAM) -> None:
    from datetime import UTC, datetime

    from bot.db.engine import make_engine, make_session_factory
    from bot.db.enums import ProgramStatus
    from bot.db.models import Program
    from bot.programs import current_program

    engine = make_engine(db_url)
    with make_session_factory(engine)() as session:
        current_program(session, team, datetime.now(UTC))  # the default cohort
        for name in names:
            session.add(
                Program(
                    team_id=team,
                    name=name,
                    status=ProgramStatus.ACTIVE,
                    created_by=COORDINATOR,
                    created_at=datetime.now(UTC),
                )
            )
        session.commit()
    engine.dispose()


def test_match_dry_run_previews_the_only_cohort_without_naming_it(
    tmp_path: Path, db_url: str
) -> None:
    _cohorts(db_url)

    result = in_process("match", "--dry-run", cwd=tmp_path, DATABASE_URL=db_url)

    assert result.returncode == 0, result.stderr
    assert "Mentorship program" in result.stdout


def test_match_dry_run_finds_a_cohort_in_any_case_and_lists_them_when_unsure(
    tmp_path: Path, db_url: str
) -> None:
    _cohorts(db_url, "Spring 2027")

    any_case = in_process(
        "match", "--dry-run", "--cohort", "spring 2027", cwd=tmp_path, DATABASE_URL=db_url
    )
    unknown = in_process(
        "match", "--dry-run", "--cohort", "Autumn", cwd=tmp_path, DATABASE_URL=db_url
    )
    unnamed = in_process("match", "--dry-run", cwd=tmp_path, DATABASE_URL=db_url)

    assert any_case.returncode == 0, any_case.stderr
    assert "Spring 2027" in any_case.stdout
    listed = "the cohorts are 'Mentorship program', 'Spring 2027'"
    assert unknown.returncode == 1
    assert unknown.stderr.strip().splitlines()[-1] == (
        f"mentorbot: no cohort named 'Autumn'; {listed}"
    )
    assert unnamed.returncode == 1
    assert unnamed.stderr.strip().splitlines()[-1] == f"mentorbot: add --cohort NAME; {listed}"


def test_roster_import_before_anyone_used_the_bot_asks_slack_which_workspace(
    tmp_path: Path, db_url: str
) -> None:
    roster = tmp_path / "roster.csv"
    roster.write_text("slack_user_id,manager_slack_id,team\nU0ANA,U0BOSS,Platform\n")
    with SlackEmulator(tokens=[BOT_TOKEN], team_id="T0NEWTEAM") as emulator:
        result = in_process(
            "roster",
            "import",
            str(roster),
            cwd=tmp_path,
            DATABASE_URL=db_url,
            SLACK_BOT_TOKEN=BOT_TOKEN,
            SLACK_API_URL=emulator.api_url,
        )
        asked = emulator.calls("auth.test")

    assert result.returncode == 0, result.stderr
    assert result.stdout.startswith("roster for T0NEWTEAM: 0 updated, 1 added")
    assert len(asked) == 1
