"""Coordinators keep the program's settings (topics, request expiry); others are refused."""

from __future__ import annotations

from datetime import UTC, datetime

from bot.coordinators import is_coordinator
from bot.db.models import Coordinator
from bot.profile import DEFAULT_TOPICS
from bot.programs import current_program
from tests.integration.conftest import COORDINATOR, TEAM, Rig

NEW_TOPIC = "Speech recognition"
GRANTED = "U0GRANTED"


def test_a_coordinator_lists_the_topics(rig: Rig) -> None:
    text = rig.slack.slash_command(COORDINATOR, "topics").json["text"]

    assert all(topic in text for topic in DEFAULT_TOPICS)


def test_a_topic_a_coordinator_adds_appears_in_the_join_form(rig: Rig) -> None:
    added = rig.slack.slash_command(COORDINATOR, f"topics add  {NEW_TOPIC} ").json
    rig.emulator.add_user("U0ANA0001", name="ana")
    rig.slack.slash_command("U0ANA0001", "join")
    [opened] = rig.emulator.wait_for("views.open")

    assert f"Added *{NEW_TOPIC}*" in added["text"]
    assert NEW_TOPIC in str(opened.args["view"])


def test_a_duplicate_or_overlong_topic_is_refused_with_the_reason(rig: Rig) -> None:
    duplicate = rig.slack.slash_command(COORDINATOR, "topics add nlp").json["text"]
    too_long = rig.slack.slash_command(COORDINATOR, "topics add " + "x" * 80).json["text"]
    empty = rig.slack.slash_command(COORDINATOR, "topics add").json["text"]

    assert "already on the list" in duplicate
    assert "at most 75 characters" in too_long
    assert "Give the topic a name" in empty


def test_someone_who_is_not_a_coordinator_is_refused_politely(rig: Rig) -> None:
    response = rig.slack.slash_command("U0MEMBER1", f"topics add {NEW_TOPIC}").json

    assert "for program coordinators" in response["text"]
    listed = rig.slack.slash_command(COORDINATOR, "topics").json["text"]
    assert NEW_TOPIC not in listed


def test_help_shows_coordinator_commands_only_to_coordinators(rig: Rig) -> None:
    member = rig.slack.slash_command("U0MEMBER1", "help").json["text"]
    coordinator = rig.slack.slash_command(COORDINATOR, "help").json["text"]

    assert "/mentor topics" not in member
    assert "/mentor topics" in coordinator


def test_a_coordinator_sets_how_long_mentors_have_to_answer(rig: Rig) -> None:
    shown = rig.slack.slash_command(COORDINATOR, "expiry").json["text"]
    changed = rig.slack.slash_command(COORDINATOR, "expiry 5").json["text"]
    refused = rig.slack.slash_command(COORDINATOR, "expiry forever").json["text"]
    member = rig.slack.slash_command("U0MEMBER1", "expiry 1").json["text"]

    assert "3 day(s)" in shown
    assert "5 day(s)" in changed
    assert "from 1 to 14" in refused
    assert "for program coordinators" in member
    with rig.runtime.deps.sessions() as session:
        program = current_program(session, "T0001", datetime.now(UTC))
        assert program.request_expiry_hours == 5 * 24


def test_someone_granted_the_right_in_the_database_is_a_coordinator_in_that_workspace_only(
    rig: Rig,
) -> None:
    with rig.runtime.deps.uow() as uow:
        uow.session.add(Coordinator(team_id=TEAM, slack_user_id=GRANTED, granted_by=COORDINATOR))

    helped = rig.slack.slash_command(GRANTED, "help").json["text"]
    added = rig.slack.slash_command(GRANTED, f"topics add {NEW_TOPIC}").json["text"]

    assert "/mentor topics" in helped
    assert f"Added *{NEW_TOPIC}*" in added
    with rig.runtime.deps.sessions() as session:
        assert is_coordinator(session, rig.settings, TEAM, GRANTED)
        assert not is_coordinator(session, rig.settings, "T0ELSEWHERE", GRANTED)
