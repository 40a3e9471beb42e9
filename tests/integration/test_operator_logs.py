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
from datetime import UTC, datetime, timedelta
from typing import Any

import pytest
from sqlalchemy import select

from bot import logs
from bot.app import ListenerPool
from bot.db.enums import Cadence, EnrollmentRole, ExperienceLevel
from bot.db.models import Mentorship
from bot.logs import configure_logging
from bot.profile import Profile
from bot.views.checkins import CheckinIds
from bot.views.enrollment import submission_values
from bot.views.find import FindIds
from bot.views.requests import RequestIds
from tests.integration.conftest import BOT_TOKEN, SIGNING_SECRET, TEAM, Rig

ANA, BEN = "U0LOGANA1", "U0LOGBEN1"
APP_TOKEN = "xapp-1-A0MENTOR-4242-d3adb33fc0ffee"
# What people type, each phrase unlike anything the bot itself writes.
ANA_GOALS = "Quokka-lantern: move from backend work into ML engineering within a year."
BEN_BIO = "Marmalade-sextant: moved from web development to ML engineering."
SEARCH = "tangerine-hydrofoil"
NOTE = "Periwinkle-abacus: could we meet every two weeks?"
THANKS = "Ocelot-saxophone: the reading list was just what I needed."
DM_TEXT = "Walrus-trampoline, hello bot"
TYPED = (ANA_GOALS, BEN_BIO, SEARCH, NOTE, THANKS, DM_TEXT)
SECRETS = (BOT_TOKEN, SIGNING_SECRET, APP_TOKEN)


class MovableClock:
    """The bot's clock: now, until the test jumps ahead to the check-in."""

    def __init__(self) -> None:
        self.at: datetime | None = None

    def __call__(self) -> datetime:
        return self.at or datetime.now(UTC)


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


def run_the_program(rig: Rig, clock: MovableClock) -> None:
    slack = rig.slack
    for user, name in ((ANA, "Ana Lima"), (BEN, "Ben Okafor")):
        rig.emulator.add_user(user, name=name.split()[0].lower(), real_name=name, tz="UTC")
    ben = Profile(
        role=EnrollmentRole.MENTOR,
        topics=("Machine learning engineering", "MLOps"),
        goals="Help people grow into ML roles.",
        bio=BEN_BIO,
        experience=ExperienceLevel.STAFF,
        capacity=2,
        timezone="UTC",
    )
    ana = Profile(
        role=EnrollmentRole.MENTEE,
        topics=("Machine learning engineering", "MLOps"),
        goals=ANA_GOALS,
        experience=ExperienceLevel.MID,
        cadence=Cadence.BIWEEKLY,
        timezone="UTC",
    )
    for user, profile in ((BEN, ben), (ANA, ana)):
        assert slack.slash_command(user, "join").status == 200
        rig.settle()
        assert slack.view_submission(user, values=submission_values(profile)).status == 200
    rig.run_due()
    assert slack.message(ANA, DM_TEXT).status == 200
    assert slack.slash_command(ANA, f"find {SEARCH}").status == 200
    rig.settle()
    slack.slash_command(ANA, "find")
    rig.settle()
    pick = next(
        str(b["accessory"]["value"])
        for b in rig.emulator.top_view(ANA)["blocks"]
        if (b.get("accessory") or {}).get("action_id") == FindIds.CHOOSE
    )
    slack.block_action(ANA, FindIds.CHOOSE, value=pick)
    rig.settle()
    slack.view_submission(ANA)  # Next: the note
    slack.view_submission(ANA, values={FindIds.NOTE_BLOCK: {FindIds.NOTE_ACTION: NOTE}})
    rig.run_due()
    assert slack.block_action(BEN, RequestIds.ACCEPT).status == 200
    rig.run_due()
    with rig.runtime.deps.sessions() as session:
        due = session.scalar(select(Mentorship.next_checkin_at))
    assert due is not None
    clock.at = due + timedelta(hours=1)
    rig.run_due(due)
    rig.run_due(clock.at)
    prompt = next(m for m in rig.emulator.messages_for(ANA) if CheckinIds.ACTIONS_BLOCK in str(m))
    slack.block_action(ANA, CheckinIds.MET, message=prompt)
    rig.settle()
    answer = {
        CheckinIds.USEFUL_BLOCK: {CheckinIds.USEFUL_ACTION: "5"},
        CheckinIds.THANKS_BLOCK: {CheckinIds.THANKS_ACTION: THANKS},
    }
    assert slack.view_submission(ANA, values=answer).status == 200
    rig.run_due(clock.at)
    assert all(call.ok for call in rig.emulator.calls()), "the flow itself went wrong"


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
