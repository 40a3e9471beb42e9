"""The check-in prompt as the due-work job queues it (`prompt_payload`, copies of a prompt
slack_sdk rendered once) is the very prompt slack_sdk renders for each person."""

from __future__ import annotations

import pytest

from bot.emulator import validate_blocks
from bot.views.checkins import (
    GOALS_SHOWN,
    CheckinIds,
    Moved,
    PromptState,
    prompt_message,
    prompt_payload,
)

STATES = [
    PromptState(1, "U0BEN0001", True, "Ship my first model", "Monday 18 March"),
    PromptState(987654321, "U0ANA0001", False, "Ship my first model", "Monday 18 March"),
    PromptState(2, "U0ANA0001", False, "", "Tuesday 19 March"),
    PromptState(3, "U0BEN0001", True, "   ", "Tuesday 19 March"),
    # What a person wrote is escaped and clipped, in both ways of rendering.
    PromptState(4, "U0ANA0001", False, "<!channel> & *bold* " + "x" * 2 * GOALS_SHOWN, "Fri"),
    PromptState(5, "U0BEN0001", True, "• one\n• two", "Monday", moved=Moved("Thursday", None)),
    PromptState(6, "U0ANA0001", False, "a", "Monday", moved=Moved("Thursday", "U0BEN0001")),
]


@pytest.mark.parametrize("state", STATES)
def test_the_queued_prompt_is_the_prompt_slack_sdk_renders(state: PromptState) -> None:
    text, blocks = prompt_message(state)

    assert prompt_payload(state) == (text, [block.to_dict() for block in blocks])
    assert validate_blocks(prompt_payload(state)[1]) == []


def test_each_queued_prompt_is_its_own_copy_carrying_its_own_check_in() -> None:
    _, first = prompt_payload(STATES[0])
    _, second = prompt_payload(PromptState(77, "U0CARA001", True, "Other goals", "Monday"))
    first[0]["text"]["text"] = "changed after queueing"

    text, blocks = prompt_message(STATES[0])
    assert prompt_payload(STATES[0]) == (text, [block.to_dict() for block in blocks])
    [actions] = [b for b in second if b["block_id"] == CheckinIds.ACTIONS_BLOCK]
    assert {button["value"] for button in actions["elements"]} == {"77"}
    assert "U0CARA001" in second[0]["text"]["text"] and "Other goals" in str(second)
