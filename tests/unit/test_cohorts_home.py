"""The cohorts on a coordinator's App Home: each with its numbers, within Slack's limits
however long the names, and how many more there are."""

from __future__ import annotations

from bot.emulator import validate_blocks
from bot.views.cohorts import HOME_SHOWN, CohortIds, CohortLine, CohortPanel, home_section


def _text(panel: CohortPanel) -> str:
    blocks = [b.to_dict() for b in home_section(panel)]
    assert validate_blocks(blocks) == []
    [text] = [b["text"]["text"] for b in blocks if b["block_id"] == CohortIds.HOME_BLOCK]
    return str(text)


def test_each_cohort_shows_whether_it_is_open_and_its_numbers() -> None:
    panel = CohortPanel(
        (
            CohortLine("Spring", True, mentors=3, mentees=6, pairs=3, waiting=2),
            CohortLine("Autumn", False, mentors=1, mentees=1, pairs=1, waiting=0),
            CohortLine("Fresh", True),  # not counted yet: its name alone
        ),
        total=3,
    )

    assert _text(panel) == (
        "*Cohorts*\n"
        "• *Spring* (open): 3 mentors, 6 mentees, 3 pairs, 2 waiting\n"
        "• *Autumn* (closed): 1 mentor, 1 mentee, 1 pair, 0 waiting\n"
        "• *Fresh* (open)"
    )


def test_long_names_escaped_still_fit_with_how_many_more_there_are() -> None:
    name = "<&>" * 66  # 198 characters, each escaped to four or five
    lines = tuple(
        CohortLine(f"{name}{n}", True, mentors=99_999, mentees=99_999, pairs=99_999, waiting=9)
        for n in range(HOME_SHOWN)
    )

    text = _text(CohortPanel(lines, total=HOME_SHOWN + 5))

    assert len(text) <= 3000
    shown = text.count("\n• ")
    assert 0 < shown <= HOME_SHOWN
    more = HOME_SHOWN + 5 - shown
    assert text.endswith(f"_and {more} more: `/mentor cohort list` shows every one._")


def test_with_no_cohort_the_home_says_how_to_start() -> None:
    assert _text(CohortPanel((), 0)) == (
        "*Cohorts*: none yet. Create the first one to open enrollment."
    )
