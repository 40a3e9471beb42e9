"""Program health's views alone: within Slack's limits at their fullest, the words for one
and for many, all cohorts added up, and CSV cells a spreadsheet cannot run."""

from __future__ import annotations

import csv
import io
import json
from datetime import UTC, date, datetime

import pytest

from bot.emulator import validate_blocks, validate_view
from bot.views.followups import Board
from bot.views.home import HomeState, home_view
from bot.views.stats import (
    COMMAND_COHORTS,
    HOME_COHORTS,
    Health,
    PairRow,
    ProgramHealth,
    command_blocks,
    health_text,
    overall,
    pairs_csv,
    safe_cell,
)

NOW = datetime(2030, 6, 12, 12, 0, tzinfo=UTC)
BIG = 9_999_999


def _cohort(n: int) -> Health:
    return Health(
        program_id=1_000_000 + n,
        name="<&>" * 66 + "🌱",  # 200 characters, each escaped to several
        starts_on=date(2030, 1, 1),
        ends_on=date(2030, 12, 31),
        mentors=BIG,
        mentees=BIG,
        slots=BIG,
        slots_used=BIG,
        matched=BIG,
        waiting=BIG,
        waiting_since=datetime(2001, 1, 1, tzinfo=UTC),
        running=BIG,
        paused=BIG,
        met_last_period=BIG,
        at_risk=BIG,
        flagged=BIG,
        meetings=BIG,
        ratings=BIG,
        rating_total=5 * BIG,
        thanks=BIG,
        goals_not_started=BIG,
        goals_on_track=BIG,
        goals_done=BIG,
        goals_dropped=BIG,
        requests_sent=BIG,
        requests_accepted=BIG,
        requests_declined=BIG,
        requests_expired=BIG,
    )


def _report(cohorts: int) -> ProgramHealth:
    every = tuple(_cohort(n) for n in range(cohorts))
    return ProgramHealth(overall=overall(every), cohorts=every, now=NOW)


def test_a_coordinators_home_with_many_cohorts_is_valid_block_kit() -> None:
    state = HomeState(
        user_id="U0COORD1", is_coordinator=True, board=Board(), health=_report(HOME_COHORTS + 9)
    )

    view = home_view(state).to_dict()

    assert validate_view(view) == []
    shown = json.dumps(view)
    assert "and 9 more cohorts" in shown
    assert shown.count('"stats.chart"') == HOME_COHORTS + 1  # all together, and each shown


@pytest.mark.parametrize("cohorts", [0, 1, COMMAND_COHORTS + 5])
def test_mentor_stats_fits_in_one_message_however_many_cohorts(cohorts: int) -> None:
    blocks = [block.to_dict() for block in command_blocks(_report(cohorts))]

    assert validate_blocks(blocks, surface="message") == []
    overall_shown = any(b.get("block_id") == "stats.overall" for b in blocks)
    assert overall_shown is (cohorts != 1)  # one cohort is its own total


def test_the_words_agree_with_one_and_with_many() -> None:
    one = Health(name="Solo", mentors=1, mentees=1, slots=1, running=1, at_risk=1, ratings=1)
    text = health_text(one, NOW)

    assert "1 mentor, 1 mentee" in text and "of 1 running pair met" in text
    assert "1 pair at risk" in text and "no usefulness rating yet" not in text
    assert "no usefulness rating yet" in health_text(Health(name="New"), NOW)


def test_all_cohorts_add_up_and_keep_the_longest_wait() -> None:
    a = Health(program_id=1, mentors=2, ratings=2, rating_total=9, waiting_since=NOW)
    b = Health(program_id=2, mentors=3, ratings=1, rating_total=1, waiting_since=None)

    total = overall([a, b])

    assert (total.program_id, total.mentors, total.rating, total.waiting_since) == (
        None,
        5,
        10 / 3,
        NOW,
    )


@pytest.mark.parametrize("cell", ["=1+1", "+1", "-1", "@SUM(A1)", "\t=1", "\r=1"])
def test_a_cell_a_spreadsheet_would_run_is_kept_as_text(cell: str) -> None:
    assert safe_cell(cell) == "'" + cell
    assert safe_cell("Ana") == "Ana" and safe_cell(None) == ""


def test_the_csv_has_one_row_per_pair_under_a_header() -> None:
    row = PairRow(
        cohort="Spring",
        mentor="=cmd|' /C calc'!A0",
        mentor_user_id="U0MIA0001",
        mentee='Ana "the bold", Jr.',
        mentee_user_id="U0ANA0001",
        status="active",
        cadence="weekly",
        started=date(2030, 3, 4),
        ended=None,
        meetings=3,
        last_met=date(2030, 6, 1),
        rating=None,
        goals_done=0,
        goals=0,
        without_meeting=0,
        at_risk=False,
    )

    [header, *rows] = list(csv.reader(io.StringIO(pairs_csv([row]))))

    assert header[:3] == ["cohort", "mentor", "mentor_slack_id"]
    assert rows == [
        [
            "Spring",
            "'=cmd|' /C calc'!A0",
            "U0MIA0001",
            'Ana "the bold", Jr.',
            "U0ANA0001",
            "active",
            "weekly",
            "2030-03-04",
            "",
            "3",
            "2030-06-01",
            "",
            "0",
            "0",
            "0",
            "no",
        ]
    ]
