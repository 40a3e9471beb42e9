"""Program health in SQL: every number of a small program known by hand, on both databases
(see tests/storage/stats_world.py for the program and why each number is what it is)."""

from __future__ import annotations

import csv
import io
from dataclasses import replace
from datetime import UTC, date, datetime

import pytest
from sqlalchemy.orm import Session

from bot import followups
from bot.stats import (
    AT_RISK_AFTER,
    CohortError,
    Scope,
    chart_series,
    export_for_terminal,
    pair_rows,
    program_health,
)
from bot.views.stats import Health, pairs_csv
from tests.storage import stats_world as w

TODAY = w.NOW.date()

SPRING = Health(
    name="Spring",
    starts_on=date(2030, 3, 1),
    ends_on=date(2030, 8, 31),
    mentors=3,
    mentees=6,
    slots=4,
    slots_used=3,
    matched=3,
    waiting=2,
    waiting_since=datetime(2030, 5, 20, 12, 0, tzinfo=UTC),
    running=2,
    paused=1,
    met_last_period=1,
    at_risk=1,
    flagged=1,
    meetings=5,
    ratings=4,
    rating_total=14,
    thanks=2,
    goals_not_started=1,
    goals_on_track=1,
    goals_done=1,
    goals_dropped=1,
    requests_sent=4,
    requests_accepted=2,
    requests_declined=1,
    requests_expired=1,
)
AUTUMN = Health(
    name="Autumn",
    mentors=1,
    mentees=1,
    slots=1,
    matched=0,
    waiting=1,
    waiting_since=datetime(2030, 6, 10, 12, 0, tzinfo=UTC),
)


@pytest.fixture
def world(session: Session) -> w.World:
    built = w.build(session)
    session.commit()
    return built


def test_every_number_of_each_cohort_and_of_all_together_is_exact(
    session: Session, world: w.World
) -> None:
    report = program_health(session, Scope(w.TEAM), today=TODAY, now=w.NOW)

    assert report.cohorts == (
        replace(AUTUMN, program_id=world.autumn),
        replace(SPRING, program_id=world.spring),
    )  # newest first; the other workspace's cohort is not there
    everyone = report.overall
    assert (everyone.program_id, everyone.name) == (None, "All cohorts")
    assert (everyone.mentors, everyone.mentees, everyone.slots, everyone.slots_used) == (4, 7, 5, 3)
    assert (everyone.matched, everyone.waiting) == (3, 3)
    assert everyone.waiting_since == datetime(2030, 5, 20, 12, 0, tzinfo=UTC)
    assert (everyone.meetings, everyone.rating, everyone.thanks) == (5, 3.5, 2)
    assert everyone.requests_sent == 4 and everyone.goals == 4


def test_one_cohort_alone_gives_the_same_numbers(session: Session, world: w.World) -> None:
    report = program_health(session, Scope(w.TEAM, world.spring), today=TODAY, now=w.NOW)

    assert report.cohorts == (replace(SPRING, program_id=world.spring),)


def test_a_meeting_counts_for_the_last_period_only_within_the_pairs_own_cadence(
    session: Session, world: w.World
) -> None:
    # Eve met Saturday 8 June, weekly: still within a week on the 14th, not on the 15th.
    within = program_health(
        session, Scope(w.TEAM, world.spring), today=date(2030, 6, 14), now=w.NOW
    )
    after = program_health(session, Scope(w.TEAM, world.spring), today=date(2030, 6, 15), now=w.NOW)

    assert within.cohorts[0].met_last_period == 1
    assert after.cohorts[0].met_last_period == 0


def test_at_risk_means_what_the_follow_up_reacts_to() -> None:
    assert AT_RISK_AFTER == followups.FOLLOW_UP_AFTER


def test_an_empty_workspace_has_all_zeros(session: Session) -> None:
    report = program_health(session, Scope("T0EMPTY"), today=TODAY, now=w.NOW)

    assert report.cohorts == () and report.overall == Health()


def test_each_pair_of_the_export_carries_its_health(session: Session, world: w.World) -> None:
    rows = {
        (r.mentor_user_id, r.mentee_user_id): r
        for r in pair_rows(session, Scope(w.TEAM, world.spring))
    }

    assert len(rows) == 4
    ana = rows[(w.MIA, w.ANA)]
    assert (ana.mentor, ana.mentee, ana.status, ana.cadence) == (
        w.MIA_NAME,
        "@Ana",
        "active",
        "biweekly",
    )
    assert (ana.started, ana.ended, ana.meetings, ana.last_met) == (
        date(2030, 3, 4),
        None,
        2,
        date(2030, 4, 1),
    )
    assert (ana.rating, ana.goals_done, ana.goals, ana.without_meeting, ana.at_risk) == (
        4.5,
        1,
        2,
        2,
        True,
    )
    eve = rows[(w.MIA, w.EVE)]
    assert (eve.meetings, eve.last_met, eve.rating, eve.without_meeting, eve.at_risk) == (
        2,
        date(2030, 6, 8),
        3.0,
        0,
        False,
    )
    ian = rows[(w.MAX, w.IAN)]
    assert (ian.status, ian.meetings, ian.rating, ian.without_meeting, ian.at_risk) == (
        "paused",
        0,
        None,
        3,
        False,  # paused on purpose: on the Home's list, not counted as at risk
    )
    ola = rows[(w.MAX, w.OLA)]
    assert (ola.status, ola.ended, ola.goals, ola.goals_done) == ("ended", date(2030, 5, 1), 1, 0)


def test_the_csv_keeps_names_as_text_in_a_spreadsheet(session: Session, world: w.World) -> None:
    text = pairs_csv(pair_rows(session, Scope(w.TEAM, world.spring)))
    table = list(csv.DictReader(io.StringIO(text)))

    first = table[0]  # the oldest pair: Mia and Ana (Max and Ola started the same day, later id)
    assert first["mentor"] == "'" + w.MIA_NAME and first["mentee"] == "'@Ana"
    assert (first["meetings"], first["last_met"], first["average_rating"]) == (
        "2",
        "2030-04-01",
        "4.50",
    )
    assert (first["at_risk"], first["checkins_without_meeting"]) == ("yes", "2")
    assert not any(cell.startswith(("=", "+", "-", "@")) for row in table for cell in row.values())


def test_the_chart_counts_meetings_per_week_and_matched_and_waiting_over_time(
    session: Session, world: w.World
) -> None:
    series = chart_series(session, Scope(w.TEAM, world.spring), name="Spring", today=TODAY)

    assert (series.unit, series.first, series.last) == ("week", date(2030, 3, 1), TODAY)
    assert series.periods[0] == date(2030, 2, 25) and series.periods[-1] == date(2030, 6, 10)
    weeks = dict(zip(series.periods, series.meetings, strict=True))
    assert {day: n for day, n in weeks.items() if n} == {
        date(2030, 3, 18): 1,
        date(2030, 4, 1): 2,  # Ana's and Ola's, on 1 April
        date(2030, 4, 8): 1,
        date(2030, 6, 3): 1,  # Saturday 8 June
    }
    matched = dict(zip(series.periods, series.matched, strict=True))
    waiting = dict(zip(series.periods, series.waiting, strict=True))
    # Week of 4 March: Mia-Ana and Max-Ola started; enrolled mentees: Ana, Eve, Ian, Liv, Ola, Leo.
    assert (matched[date(2030, 3, 4)], waiting[date(2030, 3, 4)]) == (2, 4)
    # Now: Mia-Ana, Mia-Eve, Max-Ian open; Leo left, Bea joined: 6 enrolled, 3 matched.
    assert (matched[date(2030, 6, 10)], waiting[date(2030, 6, 10)]) == (3, 3)


def test_over_half_a_year_the_chart_counts_per_month(session: Session, world: w.World) -> None:
    series = chart_series(session, Scope(w.TEAM), name="All cohorts", today=date(2031, 1, 20))

    assert series.unit == "month"
    assert series.periods[0] == date(2030, 3, 1) and series.periods[-1] == date(2031, 1, 1)
    months = dict(zip(series.periods, series.meetings, strict=True))
    assert (months[date(2030, 3, 1)], months[date(2030, 4, 1)], months[date(2030, 6, 1)]) == (
        1,
        3,
        1,
    )


def test_the_terminals_export_finds_a_cohort_in_any_case_or_says_which_there_are(
    session: Session, world: w.World
) -> None:
    found = export_for_terminal(session, cohort="  SPRING ", team=w.TEAM)
    assert (found.cohort, found.pairs) == ("Spring", 4)
    assert found.csv.splitlines()[0].startswith("cohort,mentor,mentor_slack_id,mentee,")

    with pytest.raises(CohortError) as unknown:
        export_for_terminal(session, cohort="Winter", team=w.TEAM)
    assert str(unknown.value) == "no cohort named 'Winter'; the cohorts are 'Autumn', 'Spring'"
    with pytest.raises(CohortError, match="several workspaces have a cohort named 'Spring'"):
        export_for_terminal(session, cohort="Spring", team=None)
    with pytest.raises(CohortError, match="add --cohort NAME"):
        export_for_terminal(session, cohort=None, team=w.TEAM)
