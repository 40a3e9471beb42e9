"""Hard rules: pairs that are never proposed, by suggestions or by a round."""

from __future__ import annotations

from typing import Any

import pytest

from bot.matching import Candidate, Pool, reporting_chain, solve_round, suggest
from tests.unit.matching import mentor, person

MENTEE = person(1, user_id="UME", team="search", manager_user_id="UBOSS")


def proposed(mentee: Candidate, mentors: list[Candidate], **options: Any) -> dict[str, set[int]]:
    """The mentor keys each entry point would propose to this mentee."""
    pool = Pool(mentors)
    shown = {s.mentor_key for s in suggest(mentee, pool, k=10, **options).items}
    chosen = solve_round([mentee], pool, k=2, **options).mentor_of(mentee.key)
    return {"suggest": shown, "round": set() if chosen is None else {chosen}}


def assert_never(mentee: Candidate, bad: Candidate, **options: Any) -> None:
    # A weaker but allowed mentor is there too: the rule, not a lack of options, decides.
    fallback = mentor(99, experience=4, utc_offset_minutes=180)
    got = proposed(mentee, [bad, fallback], **options)
    assert got == {"suggest": {99}, "round": {99}}


def test_the_fallback_mentor_alone_is_acceptable_and_the_ideal_one_wins() -> None:
    ideal = mentor(10)
    got = proposed(MENTEE, [ideal, mentor(99, experience=4, utc_offset_minutes=180)])
    assert got["round"] == {10} and 10 in got["suggest"]


def test_never_yourself() -> None:
    assert_never(MENTEE, mentor(10, user_id="UME"))


@pytest.mark.parametrize("state", [{"paused": True}, {"left": True}, {"capacity_left": 0}], ids=str)
def test_never_a_paused_left_or_full_mentor(state: dict[str, Any]) -> None:
    assert_never(MENTEE, mentor(10, **state))


def test_never_a_repeat_pair_unless_allowed() -> None:
    past = {(1, 10)}
    assert_never(MENTEE, mentor(10), history=past)
    got = proposed(MENTEE, [mentor(10), mentor(99, experience=4)], history=past, allow_repeats=True)
    assert got["round"] == {10}


def test_never_your_manager() -> None:
    assert_never(MENTEE, mentor(10, user_id="UBOSS"))


def test_never_someone_you_manage() -> None:
    assert_never(MENTEE, mentor(10, manager_user_id="UME"))


def test_never_across_a_skip_level_in_either_direction() -> None:
    org = {"UME": "UBOSS", "UBOSS": "UVP", "U10": "UME", "U11": "U10"}
    grand_boss = mentor(10, user_id="UVP")
    mentee = person(
        1,
        user_id="UME",
        manager_user_id="UBOSS",
        skip_level_managers=reporting_chain("UME", org)[1:],
    )
    assert_never(mentee, grand_boss)
    report_of_report = mentor(11, manager_user_id="U10", skip_level_managers=("UME",))
    assert_never(mentee, report_of_report)


def test_never_the_same_team_but_an_unknown_team_is_no_team() -> None:
    assert_never(MENTEE, mentor(10, team="search"))
    got = proposed(MENTEE, [mentor(10, team=None), mentor(99, experience=4)])
    assert got["round"] == {10}


def test_reporting_chain_walks_up_and_stops_at_cycles_and_depth() -> None:
    org = {"a": "b", "b": "c", "c": "a", "x": "y"}
    assert reporting_chain("a", org) == ("b", "c")
    assert reporting_chain("x", org) == ("y",)
    assert reporting_chain("nobody", org) == ()
    long = {f"u{i}": f"u{i + 1}" for i in range(10)}
    assert reporting_chain("u0", long, depth=3) == ("u1", "u2", "u3")
