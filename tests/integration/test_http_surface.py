"""What Slack sees of the bot over HTTP: help, signatures, health."""

from __future__ import annotations

import json
import time
import urllib.error
import urllib.request

from bot.app import build_app
from bot.db.models import OutboxMessage, ProcessedEvent
from bot.runtime import build_runtime
from bot.server import build_asgi, serving_in_thread
from tests.integration.conftest import SIGNING_SECRET, Rig, rig_settings


def _get(url: str) -> tuple[int, dict]:
    try:
        with urllib.request.urlopen(url, timeout=5) as response:
            return response.status, json.loads(response.read())
    except urllib.error.HTTPError as error:
        return error.code, json.loads(error.read())


def test_mentor_help_answers_ephemerally_with_the_subcommands(rig: Rig) -> None:
    response = rig.slack.slash_command("U0MEMBER1", "help")

    assert response.status == 200
    body = response.json
    assert body["response_type"] == "ephemeral"
    for usage in ("/mentor join", "/mentor profile", "/mentor pause", "/mentor leave"):
        assert usage in body["text"]
    assert "/mentor help" in body["text"]
    assert any(block.get("block_id") == "help.commands" for block in body["blocks"])
    assert "don't know" not in body["text"]


def test_bare_mentor_is_the_same_help(rig: Rig) -> None:
    bare = rig.slack.slash_command("U0MEMBER1", "").json
    explicit = rig.slack.slash_command("U0MEMBER1", "help").json

    assert bare["text"] == explicit["text"]


def test_an_unknown_subcommand_gets_help_and_what_was_not_understood(rig: Rig) -> None:
    body = rig.slack.slash_command("U0MEMBER1", "frobnicate now").json

    assert "Sorry, I don't know `frobnicate`" in body["text"]
    assert "/mentor help" in body["text"]
    assert body["blocks"][0]["block_id"] == "help.unknown"


def test_a_wrong_signature_gets_401_and_changes_nothing(rig: Rig) -> None:
    forged = rig.slack.using(signing_secret="not-the-secret")

    command = forged.slash_command("U0MEMBER1", "help")
    event = forged.app_home_opened("U0MEMBER1")

    assert command.status == 401
    assert event.status == 401
    assert rig.count(ProcessedEvent) == 0
    assert rig.count(OutboxMessage) == 0
    assert rig.emulator.calls() == []


def test_a_stale_timestamp_is_refused_like_a_bad_signature(rig: Rig) -> None:
    # Slack signs the timestamp; a replay from ten minutes ago must not pass.
    stale = rig.slack.using(timestamp=time.time() - 600)

    response = stale.slash_command("U0MEMBER1", "help")

    assert response.status == 401


def test_healthz_is_200_when_the_database_answers(rig: Rig) -> None:
    status, body = _get(f"{rig.base_url}/healthz")

    assert (status, body) == (200, {"ok": True})


def test_healthz_is_503_when_the_database_does_not_answer(emulator, tmp_path) -> None:
    unreachable = f"sqlite:///{tmp_path}/missing-dir/nothing.db"
    runtime = build_runtime(rig_settings(emulator, unreachable))
    app = build_app(runtime.deps)
    with serving_in_thread(
        build_asgi(app, runtime.engine, signing_secret=SIGNING_SECRET)
    ) as base_url:
        status, body = _get(f"{base_url}/healthz")
    runtime.close()

    assert (status, body) == (503, {"ok": False})
