"""A roster import tells matching who reports to whom; those pairs are never suggested."""

from __future__ import annotations

from pathlib import Path

from bot.db.enums import EnrollmentRole
from tests.integration.cast import enroll
from tests.integration.conftest import Rig
from tests.integration.test_cli import _mentorbot
from tests.integration.test_find import cards, open_find

ANA, BOSS, GRAND_BOSS, OTHER = "U0ANA0001", "U0BOS0001", "U0GRA0001", "U0OTH0001"


def test_managers_and_teammates_from_the_roster_are_never_suggested(
    rig: Rig, tmp_path: Path
) -> None:
    enroll(rig, ANA, EnrollmentRole.MENTEE, topics=("NLP",))
    for mentor in (BOSS, GRAND_BOSS, OTHER):
        enroll(rig, mentor, EnrollmentRole.MENTOR, topics=("NLP",), bio="NLP in production.")
    before = open_find(rig)
    assert set(cards(before)) == {BOSS, GRAND_BOSS, OTHER}

    roster = tmp_path / "roster.csv"
    roster.write_text(
        "slack_user_id,manager_slack_id,team\n"
        f"{ANA},{BOSS},Search\n"
        f"{BOSS},{GRAND_BOSS},Search\n"
        f"{OTHER},,Search\n"
        "not-an-id,,Search\n"
    )
    result = _mentorbot(
        "roster", "import", str(roster), cwd=tmp_path, DATABASE_URL=rig.settings.database_url
    )
    rig.emulator.clear()
    after = open_find(rig)

    assert result.returncode == 0, result.stderr
    assert "3 updated" in result.stdout and "line 5" in result.stdout
    assert cards(after) == []  # direct manager, skip-level manager, same team
