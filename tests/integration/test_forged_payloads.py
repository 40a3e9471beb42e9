"""Forged but signed payloads are refused politely, change nothing, and leave a trace."""

from __future__ import annotations

import logging

import pytest

from tests.integration.conftest import Rig
from tests.integration.forgeries import (
    BEN,
    FORGERIES,
    POLITE,
    World,
    refusals,
    request_status,
    snapshot,
    stage,
)


@pytest.fixture
def world(rig: Rig) -> World:
    return stage(rig)


@pytest.mark.parametrize("name", FORGERIES)
def test_a_forged_payload_is_refused_politely_changes_nothing_and_is_recorded(
    rig: Rig, world: World, name: str, caplog: pytest.LogCaptureFixture
) -> None:
    before = snapshot(rig)
    caplog.set_level(logging.WARNING)

    answer = FORGERIES[name](rig, world)
    rig.settle()

    assert snapshot(rig) == before
    assert any(word in answer for word in POLITE), answer
    assert len(refusals(rig)) == 1
    refused = [r for r in caplog.records if r.getMessage().startswith("refused ")]
    assert len(refused) == 1
    assert not any(r.exc_info for r in caplog.records)  # a log line, not a traceback


def test_a_decline_never_posts_to_a_response_url_from_private_metadata(
    rig: Rig, world: World
) -> None:
    planted = rig.emulator.new_response_url(BEN, "C0ATTACKER")
    view = {
        "id": "VFORGED05",
        "type": "modal",
        "callback_id": "match.decline",
        "private_metadata": f'{{"request": {world.request_id}, "response_url": "{planted}"}}',
        "blocks": [],
    }

    rig.slack.view_submission(BEN, view=view)
    rig.run_due()

    assert request_status(rig, world.request_id) == "declined"
    assert rig.emulator.calls("response_url") == []
    [rewritten] = rig.emulator.calls("chat.update")  # the DM where it was delivered
    assert "You declined" in rewritten.args["text"]
