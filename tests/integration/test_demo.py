"""`mentorbot demo`: the whole journey offline, with no workspace and no token."""

from __future__ import annotations

from pathlib import Path

from tests.integration.test_cli import _mentorbot


def test_the_demo_walks_a_mentee_from_home_tab_to_introduction_without_slack(
    tmp_path: Path,
) -> None:
    result = _mentorbot("demo", cwd=tmp_path)

    assert result.returncode == 0, result.stdout + result.stderr
    out = result.stdout
    for step in (
        "Ana opens mentorbot's Home tab",
        "Ana types /mentor find",
        "Ben receives Ana's request",
        "Ben accepts; Ana and Ben get an introduction",
        "Ana's Home tab now",
    ):
        assert f"== {step} ==" in out
    assert "[Join the program]" in out
    assert "[Accept]  [Decline]" in out
    assert "kickoff agenda" in out
    assert "Your mentor: @Ben" in out
    assert ", 0 refused." in out
    assert "INFO" not in out + result.stderr  # the walk-through, not server logs
