"""`mentorbot doctor` as an operator runs it: against the emulator and a real database,
one line per check, a fix for each failure, non-zero when one failed. A real process when
every check passes; the failures run its main() in this process (processes.in_process)."""

from __future__ import annotations

from pathlib import Path

import pytest

from bot.db.migrate import head_revision, upgrade
from bot.doctor import DEFAULT_MANIFEST, manifest_scopes
from bot.emulator import SlackEmulator
from bot.emulator.workspace import DEFAULT_SCOPES
from tests.integration.conftest import BOT_TOKEN, SIGNING_SECRET
from tests.integration.processes import in_process
from tests.integration.test_cli import _mentorbot


def doctor(emulator: SlackEmulator, db_url: str, cwd: Path, *, process: bool = False, **env: str):
    """`mentorbot doctor`: its main() in this process, or (`process`) as its own process."""
    values = {
        "SLACK_BOT_TOKEN": BOT_TOKEN,
        "SLACK_SIGNING_SECRET": SIGNING_SECRET,
        "SLACK_API_URL": emulator.api_url,
        "DATABASE_URL": db_url,
    } | env
    return (_mentorbot if process else in_process)("doctor", cwd=cwd, **values)


def lines(result) -> dict[str, str]:
    """check name -> its line, for the lines that are checks."""
    found = {}
    for line in result.stdout.splitlines():
        status, _, rest = line.partition("  ")
        if status in ("ok", "FAIL"):
            found[rest.strip().split(":")[0]] = line
    return found


def test_the_emulators_token_has_the_scopes_of_an_app_made_from_the_manifest() -> None:
    assert manifest_scopes(DEFAULT_MANIFEST) == DEFAULT_SCOPES


def test_all_checks_pass_for_a_good_token_and_a_migrated_database(
    emulator: SlackEmulator, db_url: str, tmp_path: Path
) -> None:
    result = doctor(emulator, db_url, tmp_path, process=True)

    assert result.returncode == 0, result.stdout + result.stderr
    checks = lines(result)
    assert list(checks) == ["settings", "slack token", "slack scopes", "database", "schema"]
    assert all(line.startswith("ok") for line in checks.values())
    assert "HTTP mode on port 3000" in checks["settings"]
    assert "(U0MENTOR) in workspace" in checks["slack token"]
    assert f"all {len(DEFAULT_SCOPES)} scopes" in checks["slack scopes"]
    assert head_revision() in checks["schema"]
    assert result.stdout.rstrip().endswith("all checks passed")
    assert [c.method for c in emulator.calls()] == ["auth.test"]  # it changes nothing


def test_a_missing_scope_fails_naming_it_and_how_to_grant_it(
    emulator: SlackEmulator, db_url: str, tmp_path: Path
) -> None:
    emulator.scopes = DEFAULT_SCOPES - {"users:read.email", "im:history"}

    result = doctor(emulator, db_url, tmp_path)

    assert result.returncode == 1
    scopes = lines(result)["slack scopes"]
    assert scopes.startswith("FAIL")
    assert "lacks im:history, users:read.email" in scopes
    assert "fix: add them under OAuth & Permissions" in scopes and "reinstall" in scopes
    assert lines(result)["database"].startswith("ok")  # the other checks still ran


def test_a_wrong_token_fails_with_what_slack_said_and_where_to_find_the_right_one(
    emulator: SlackEmulator, db_url: str, tmp_path: Path
) -> None:
    result = doctor(emulator, db_url, tmp_path, SLACK_BOT_TOKEN="xoxb-not-the-token")

    assert result.returncode == 1
    slack = lines(result)["slack token"]
    assert slack.startswith("FAIL") and "invalid_auth" in slack
    assert "fix: set SLACK_BOT_TOKEN to the Bot User OAuth Token" in slack
    assert "xoxb-not-the-token" not in result.stdout + result.stderr
    assert "slack scopes" not in lines(result)  # nothing to compare without a token


def test_a_database_behind_the_newest_revision_fails_saying_to_upgrade(
    emulator: SlackEmulator, empty_db_url: str, tmp_path: Path
) -> None:
    upgrade(empty_db_url, "0005_pair_life")

    result = doctor(emulator, empty_db_url, tmp_path)

    assert result.returncode == 1
    schema = lines(result)["schema"]
    assert schema.startswith("FAIL")
    assert f"at 0005_pair_life, behind the newest revision {head_revision()}" in schema
    assert schema.endswith("fix: run `mentorbot db upgrade`")
    assert lines(result)["slack scopes"].startswith("ok")


def test_a_never_migrated_database_and_a_missing_sqlite_file_fail_with_their_fix(
    emulator: SlackEmulator, empty_db_url: str, tmp_path: Path
) -> None:
    never = lines(doctor(emulator, empty_db_url, tmp_path))
    missing = lines(doctor(emulator, f"sqlite:///{tmp_path}/nope.db", tmp_path))

    if empty_db_url.startswith("sqlite"):  # an SQLite file that does not exist yet
        assert "no SQLite file" in never["database"]
    else:
        assert "never migrated" in never["schema"]
    assert missing["database"].startswith("FAIL  database: no SQLite file")
    assert "run `mentorbot db upgrade` to create it" in missing["database"]
    assert not (tmp_path / "nope.db").exists()  # the doctor created nothing


@pytest.mark.parametrize(
    ("env", "expected"),
    [
        ({"SLACK_SIGNING_SECRET": ""}, "SLACK_SIGNING_SECRET is required in HTTP mode"),
        ({"MENTORBOT_TIMEZONE": "Mars/Olympus"}, "MENTORBOT_TIMEZONE is invalid"),
    ],
)
def test_a_bad_setting_is_reported_as_a_failed_check_not_a_crash(
    emulator: SlackEmulator, db_url: str, tmp_path: Path, env: dict[str, str], expected: str
) -> None:
    result = doctor(emulator, db_url, tmp_path, **env)

    assert result.returncode == 1
    assert lines(result)["settings"].startswith(f"FAIL  settings: {expected}")
