"""The follow-up views alone: a follow-up's sentence names exactly the buttons it carries,
and a coordinator's Home at its fullest is still valid Block Kit."""

from __future__ import annotations

import json
from datetime import UTC, date, datetime

import pytest

from bot.emulator import validate_blocks, validate_view
from bot.views.checkins import CheckinIds
from bot.views.followups import (
    ASKS_LISTED,
    PAIRS_LISTED,
    AtRiskPair,
    Board,
    FollowUp,
    FollowupIds,
    OpenAsk,
    Options,
    board_blocks,
    follow_up_message,
)
from bot.views.home import HomeState, home_view

# Each offer in the sentence, and the button that keeps it.
OFFERS = {
    "15-minute chat": FollowupIds.SUGGEST_CHAT,
    "tell me if you did meet": CheckinIds.MET,
    "pick a new day": CheckinIds.RESCHEDULE,
    "coordinators for a hand": CheckinIds.HELP,
}


@pytest.mark.parametrize(
    "options",
    [Options(7), Options(7, open_checkin=3), Options(7, open_checkin=3, current_checkin=3)],
)
@pytest.mark.parametrize("nudged_by", [None, "U0COORD1"])
def test_a_follow_up_offers_in_words_exactly_what_its_buttons_do(
    options: Options, nudged_by: str | None
) -> None:
    _, blocks = follow_up_message(FollowUp("U0BEN0001", 2, options, nudged_by=nudged_by))

    assert validate_blocks([b.to_dict() for b in blocks], surface="message") == []
    [actions] = [b.to_dict() for b in blocks if b.to_dict()["type"] == "actions"]
    buttons = {element["action_id"] for element in actions["elements"]}
    words = json.dumps([b.to_dict() for b in blocks if b.to_dict()["type"] != "actions"])
    assert {OFFERS[offer] for offer in OFFERS if offer in words} == buttons
    assert "scolding" not in words and "failed" not in words


def test_a_coordinators_home_at_its_fullest_is_valid_block_kit() -> None:
    flagged = datetime(2030, 5, 6, 9, 30, tzinfo=UTC)
    pairs = tuple(
        AtRiskPair(
            mentorship_id=10_000_000 + n,
            mentor_user_id=f"U0MTR{n:04d}",
            mentee_user_id=f"U0MTE{n:04d}",
            periods=99,
            last_met=date(2030, 1, 1) if n % 2 else None,
            started=date(2029, 12, 1),
            flagged_at=flagged,
            paused=n % 3 == 0,
        )
        for n in range(PAIRS_LISTED)
    )
    asks = tuple(
        OpenAsk(
            request_id=20_000_000 + n,
            asker_user_id=None if n == 0 else f"U0MTE{n:04d}",
            mentor_user_id=f"U0MTR{n:04d}",
            mentee_user_id=f"U0MTE{n:04d}",
            text="<&>" * 333 + "🆘",
            asked_at=flagged,
        )
        for n in range(ASKS_LISTED)
    )
    board = Board(pairs=pairs, pairs_count=500, asks=asks, asks_count=700)

    view = home_view(HomeState(user_id="U0COORD1", is_coordinator=True, board=board)).to_dict()

    assert validate_view(view) == []
    shown = json.dumps(view)
    assert "and 490 more" in shown and "and 690 more" in shown
    assert "Someone who has since left" in shown
    empty = json.dumps([block.to_dict() for block in board_blocks(Board())])
    assert "No pair has gone three check-ins" in empty and "No open asks" in empty
