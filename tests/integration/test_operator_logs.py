"""What an operator reads in the logs: one line per request and per job, naming the
request, team, user, what and how it went, in text or JSON; and never a token, the
signing secret or a word people typed, even at DEBUG.

A whole program runs through the real endpoint (signed HTTP) and the emulator: two
people join through the modal, the mentee runs `/mentor find`, picks a mentor and
writes a note, the mentor accepts, and their first check-in is prompted and logged
through its modal; a message is typed in the bot's DM along the way.
"""

from __future__ import annotations

import io
import json
import logging
from collections.abc import Iterator
from typing import Any

import pytest

from bot import logs
from bot.app import ListenerPool
from bot.logs import configure_logging
from bot.views.checkins import CheckinIds
from bot.views.find import FindIds
from bot.views.requests import RequestIds
from tests.integration.conftest import BOT_TOKEN, SIGNING_SECRET, TEAM, Rig
from tests.integration.whole_program import ANA, BEN, TYPED, MovableClock, run_the_program

APP_TOKEN = "xapp-1-A0MENTOR-4242-d3adb33fc0ffee"
SECRETS = (BOT_TOKEN, SIGNING_SECRET, APP_TOKEN)


@pytest.fixture
def rig_clock() -> MovableClock:
    return MovableClock()


@pytest.fixture
def rig_overrides() -> dict[str, Any]:
    # The app token is in the settings (as in Socket Mode) so a leak of it would show.
    return {"slack_app_token": APP_TOKEN}


@pytest.fixture(params=["text", "json"])
def captured(request: pytest.FixtureRequest, rig: Rig) -> Iterator[io.StringIO]:
    """Everything logged at DEBUG, through the handler `mentorbot` itself installs."""
    root = logging.getLogger()
    saved = root.handlers[:], root.level
    stream = io.StringIO()
    configure_logging(
        request.param, logging.DEBUG, secrets=rig.settings.secret_values, stream=stream
    )
    try:
        yield stream
    finally:
        root.handlers[:], level = saved
        root.setLevel(level)


def test_a_whole_program_at_debug_logs_no_token_secret_or_typed_word(
    rig: Rig, rig_clock: MovableClock, captured: io.StringIO
) -> None:
    run_the_program(rig, rig_clock)

    logged = captured.getvalue()
    assert "request" in logged and len(logged.splitlines()) > 30  # it did log, at length
    for secret in SECRETS:
        assert secret not in logged
    for words in TYPED:
        # The distinctive first word is enough: no part of the phrase may appear.
        assert words.split(":")[0].split(",")[0] not in logged, words


def _lines(captured: io.StringIO) -> list[str]:
    return [line for line in captured.getvalue().splitlines() if line.strip()]


@pytest.mark.parametrize("captured", ["json"], indirect=True)
def test_json_lines_each_request_once_with_its_id_team_user_what_duration_and_outcome(
    rig: Rig, rig_clock: MovableClock, captured: io.StringIO
) -> None:
    run_the_program(rig, rig_clock)

    entries = [json.loads(line) for line in _lines(captured)]  # every line is one object
    requests = [e for e in entries if e["logger"] == "mentorbot.request"]
    whats = [(e["kind"], e["what"]) for e in requests]
    assert ("command", "/mentor join") in whats
    assert ("command", "/mentor find") in whats  # the search words are not named
    assert ("action", FindIds.CHOOSE) in whats
    assert ("action", RequestIds.ACCEPT) in whats
    assert ("action", CheckinIds.MET) in whats
    assert ("event", "message") in whats
    assert any(kind == "view_submission" for kind, _ in whats)
    for entry in requests:
        assert entry["request_id"].startswith("r-")
        assert entry["team"] == TEAM
        assert entry["user"] in (ANA, BEN)
        assert entry["outcome"] == "ok"
        assert isinstance(entry["duration_ms"], float)
    assert len({e["request_id"] for e in requests}) == len(requests)  # one line each


@pytest.mark.parametrize("captured", ["text"], indirect=True)
def test_a_text_line_names_the_request_team_and_user_before_what_happened(
    rig: Rig, captured: io.StringIO
) -> None:
    rig.emulator.add_user(ANA, name="ana", real_name="Ana Lima", tz="UTC")
    rig.slack.slash_command(ANA, "join")
    rig.settle()

    [line] = [ln for ln in _lines(captured) if "mentorbot.request" in ln]
    request_id = line.split("[", 1)[1].split()[0]
    assert request_id.startswith("r-")
    assert f"[{request_id} {TEAM} {ANA}] command /mentor join: ok in " in line
    assert line.endswith(" ms")


def test_a_listener_runs_in_its_requests_logging_context() -> None:
    pool = ListenerPool(2)
    try:
        with logs.bound("r-abc", team=TEAM, user=ANA):
            seen = pool.submit(logs.current).result(5)
        outside = pool.submit(logs.current).result(5)
    finally:
        pool.shutdown()
    assert seen is not None and (seen.request_id, seen.team, seen.user) == ("r-abc", TEAM, ANA)
    assert outside is None
