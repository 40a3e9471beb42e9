"""`mentorbot demo`: the whole journey offline, with no workspace and no token."""

from __future__ import annotations

from pathlib import Path

from tests.integration.test_cli import _mentorbot


def test_the_demo_walks_a_pair_from_home_tab_to_introduction_a_logged_check_in_and_a_follow_up(
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
        "Two weeks on, Ana's check-in prompt",
        "Two weeks on, Ben's check-in prompt",
        "Ana clicks We met",
        "Ana saved it; Ben's prompt now says so (one log counts for both)",
        "Ben's Home tab, redrawn",
        "2 check-ins pass with no meeting logged: Ana's follow-up",
        "2 check-ins pass with no meeting logged: Ben's follow-up",
    ):
        assert f"== {step} ==" in out
    assert "[Join the program]" in out
    assert "[Accept]  [Decline]" in out
    assert "kickoff agenda" in out
    assert "Your mentor: @Ben" in out
    prompts = out.split("check-in prompt ==")[1:]
    assert len(prompts) == 2
    assert all("[We met]  [Reschedule]  [Skip this time]  [Need help]" in p for p in prompts)
    assert "When did you meet?" in out  # the modal Ana submitted through the endpoint
    assert "@Ana logged your check-in on" in out and "reading list" in out
    assert "@Ana (your mentee): last met" in out and "1 meeting so far" in out
    # The follow-up: the due-work job's own, after two periods with no meeting logged.
    follow_ups = out.split("follow-up ==")[1:]
    assert len(follow_ups) == 2
    assert "since you and @Ben last logged a meeting" in follow_ups[0]
    assert "since you and @Ana last logged a meeting" in follow_ups[1]
    assert all("[Suggest a 15-minute chat]  [We met]" in f for f in follow_ups)
    # In the order they happen: the prompt, the log, then the follow-up.
    assert (
        out.index("Two weeks on, Ana's check-in prompt")
        < out.index("Ana saved it;")
        < out.index("Ana's follow-up ==")
    )
    assert ", 0 refused." in out
    assert "INFO" not in out + result.stderr  # the walk-through, not server logs
