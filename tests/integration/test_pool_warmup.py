"""After a start, the matcher's pools are built in the background, and a search waits.

`mentorbot run` (every web replica: with or without the scheduler) answers /healthz at
once and then builds the pools of the open programs in a background thread, without any
search (tests/integration/test_cli.py starts one and reads its log). A `/mentor find`
that comes during that build keeps its "finding" modal until the build is done and shows
the suggestions from it (no second build); one that would wait longer than FILL_WAIT_S
is told the mentors are still being made ready, and a submission Slack waits on is
answered within its 3 s, saying so. A build that fails is logged, and the next
`/mentor find` builds the pool.
"""

from __future__ import annotations

import logging
import threading
import time

import pytest

import handlers.find
from bot import matching
from bot.db.enums import EnrollmentRole
from bot.views.find import POOL_NOT_READY, FindIds
from tests.integration.cast import enroll
from tests.integration.conftest import Rig
from tests.integration.test_find import ANA, MANAGER, RESEARCHER, SWITCHER, cards, person_id
from tests.pool_gate import Gate

MENTORS = {
    SWITCHER: (("Machine learning engineering",), "Moved from web development to ML."),
    RESEARCHER: (("Computer vision",), "Computer vision research on medical images."),
    MANAGER: (("Leadership",), "Leading data teams and hiring."),
}
GOALS = "I want to move from backend work into ML engineering."


@pytest.fixture(autouse=True)
def program(rig: Rig) -> None:
    enroll(rig, ANA, EnrollmentRole.MENTEE, topics=("Machine learning engineering",), goals=GOALS)
    for user, (topics, bio) in MENTORS.items():
        enroll(rig, user, EnrollmentRole.MENTOR, topics=topics, goals="", bio=bio)


def started(rig: Rig) -> threading.Thread:
    """What a served process does once it answers requests (bot/cli.py)."""
    deps = rig.runtime.deps
    thread = threading.Thread(
        target=deps.pools.build_open_programs, args=(rig.runtime.engine, deps.clock)
    )
    thread.start()
    return thread


def find(rig: Rig) -> None:
    rig.slack.slash_command(ANA, "find")
    [opened] = rig.emulator.wait_for("views.open")
    assert opened.args["view"]["callback_id"] == FindIds.FINDING_CALLBACK


def test_a_find_during_the_build_keeps_its_modal_until_the_build_is_done(
    rig: Rig, gate: Gate
) -> None:
    builder = started(rig)
    assert gate.entered.wait(30)

    find(rig)
    time.sleep(0.3)
    assert rig.emulator.calls("views.update") == []  # still "finding", waiting for the build
    gate.opened.set()
    [filled] = rig.emulator.wait_for("views.update", timeout=30)
    builder.join(30)

    assert filled.args["view"]["callback_id"] == FindIds.SUGGESTIONS_CALLBACK
    assert cards(filled.args["view"])[0] == SWITCHER
    assert gate.made == 1  # the search built nothing of its own


def test_a_find_that_would_outwait_the_build_is_told_the_mentors_are_being_made_ready(
    rig: Rig, gate: Gate, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setattr(handlers.find, "FILL_WAIT_S", 0.2)
    builder = started(rig)
    assert gate.entered.wait(30)

    find(rig)
    [told] = rig.emulator.wait_for("views.update", timeout=10)
    gate.opened.set()
    builder.join(30)
    rig.emulator.clear()
    find(rig)
    [filled] = rig.emulator.wait_for("views.update", timeout=30)

    assert POOL_NOT_READY in str(told.args["view"]["blocks"])
    assert filled.args["view"]["callback_id"] == FindIds.SUGGESTIONS_CALLBACK
    assert gate.made == 1


def test_a_failed_build_is_logged_and_the_next_find_builds_the_pool(
    rig: Rig, failing_gate: Gate, caplog: pytest.LogCaptureFixture
) -> None:
    gate = failing_gate
    gate.opened.set()

    with caplog.at_level(logging.ERROR, logger="bot.matchmaking"):
        started(rig).join(30)
    find(rig)
    [filled] = rig.emulator.wait_for("views.update", timeout=30)

    assert any("matching pool of program" in r.getMessage() for r in caplog.records)
    assert filled.args["view"]["callback_id"] == FindIds.SUGGESTIONS_CALLBACK
    assert cards(filled.args["view"])[0] == SWITCHER
    assert gate.made == 2


def test_a_submission_during_the_build_is_answered_within_slack_s_3_s_and_keeps_the_picks(
    rig: Rig, monkeypatch: pytest.MonkeyPatch
) -> None:
    rig.slack.slash_command(ANA, "find")
    rig.emulator.wait_for("views.update", timeout=30)
    rig.slack.block_action(ANA, FindIds.CHOOSE, value=str(person_id(rig, SWITCHER)))
    rig.settle()
    rig.runtime.deps.pools._pools.clear()  # as after a restart: this process has no pool yet
    gate = Gate()
    monkeypatch.setattr(matching, "Pool", gate)
    builder = started(rig)
    assert gate.entered.wait(30)

    began = time.monotonic()
    answered = rig.slack.view_submission(ANA)  # Next, with her pick
    took = time.monotonic() - began
    gate.opened.set()
    builder.join(30)
    again = rig.slack.view_submission(ANA)

    assert took < 3
    assert answered.json == {
        "response_action": "errors",
        "errors": {FindIds.QUERY_BLOCK: POOL_NOT_READY[:150]},
    }
    assert again.json["response_action"] == "push"  # on to the note, her pick kept
    assert gate.made == 1
