"""The announcements waiting to go out, on a coordinator's App Home: the soonest few at
their fullest within Slack's limits, how many more, and where Cancel is."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta

from bot.db.enums import Audience, Milestone
from bot.emulator import validate_view
from bot.views.announcements import HOME_SHOWN, AnnounceIds, Pending, home_section
from bot.views.home import HomeState, home_view

SOON = datetime(2030, 6, 12, 9, 30, tzinfo=UTC)


def _pending(n: int) -> Pending:
    return Pending(
        announcement_id=1_000_000 + n,
        audience=Audience.COHORT_MENTEES,
        channel_id=None,
        cohort="<&>" * 66,  # a long name, each character escaped to several
        send_at=SOON + timedelta(days=n),
        milestone=Milestone.MIDTERM if n % 2 else None,
        text="*Hello* & welcome " * 200,  # far over what the Home quotes of it
    )


def _texts(pending: list[Pending]) -> list[str]:
    blocks = [b.to_dict() for b in home_section(pending)]
    assert blocks[0]["block_id"] == AnnounceIds.HOME_BLOCK
    return [
        str(b["text"]["text"]) if b["type"] == "section" else str(b["elements"][0]["text"])
        for b in blocks
    ]


def test_with_nothing_waiting_the_home_says_so_and_how_to_write_one() -> None:
    assert _texts([]) == [
        "*Announcements*: none waiting to go out. `/mentor announce` writes one; "
        "`/mentor announce list` shows them all, each with *Cancel*."
    ]


def test_the_soonest_few_are_listed_then_how_many_more_within_slacks_limits() -> None:
    many = [_pending(n) for n in range(HOME_SHOWN + 4)]

    head, *items, tail = _texts(many)
    state = HomeState(user_id="U0COORD1", is_coordinator=True, announcements=tuple(many))

    assert head == f"*Announcements*: {HOME_SHOWN + 4} waiting to go out"
    assert len(items) == HOME_SHOWN
    assert items[0].startswith(f"*<!date^{int(SOON.timestamp())}^")  # each reader's clock
    assert tail.startswith("_and 4 more._ ") and tail.endswith("each with *Cancel*.")
    assert validate_view(home_view(state).to_dict()) == []


def test_a_members_home_has_no_announcements_section() -> None:
    home = home_view(HomeState(user_id="U0MEMBER1")).to_dict()

    assert AnnounceIds.HOME_BLOCK not in {b.get("block_id") for b in home["blocks"]}
