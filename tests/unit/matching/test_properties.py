"""Invariants of a round on random small instances (hypothesis).

The rules are restated here from the Candidate fields, independently of the engine's
masks: a pair is forbidden for the same user, a manager (either way, any known level),
the same known team, and a past pair unless repeats are allowed.
"""

from __future__ import annotations

import random
from dataclasses import dataclass

from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from bot.db.enums import Cadence, MeetingFormat
from bot.matching import Candidate, Pool, Round, Weights, exact_round, solve_round

TOPICS = ("NLP", "MLOps", "Research", "Leadership")
TEXTS = (
    "I want to learn NLP and language models",
    "deploy models to production with MLOps",
    "publish research papers",
    "grow as a manager of a data team",
    "move from backend work into ML engineering",
    "gardening",
    "",
)
USERS = tuple(f"U{i}" for i in range(8))  # few ids: "both" roles and managers collide often


@dataclass(frozen=True)
class Instance:
    mentees: list[Candidate]
    mentors: list[Candidate]
    history: frozenset[tuple[int, int]]
    allow_repeats: bool
    k: int


@st.composite
def people(draw: st.DrawFn, keys: list[int], mentors: bool) -> list[Candidate]:
    out = []
    for key in keys:
        manager = draw(st.sampled_from((None, *USERS)))
        out.append(
            Candidate(
                key=key,
                user_id=draw(st.sampled_from(USERS)) if draw(st.booleans()) else f"X{key}",
                name=f"P{key}",
                topics=draw(st.frozensets(st.sampled_from(TOPICS), max_size=3)),
                text=draw(st.sampled_from(TEXTS)),
                experience=draw(st.integers(1, 6)),
                utc_offset_minutes=draw(st.sampled_from((-480, -300, 0, 60, 330, 540))),
                cadence=draw(st.sampled_from(tuple(Cadence))),
                meeting_format=draw(st.sampled_from(tuple(MeetingFormat))),
                team=draw(st.sampled_from((None, "a", "b"))),
                manager_user_id=manager,
                skip_level_managers=(draw(st.sampled_from(USERS)),) if manager else (),
                capacity_left=draw(st.integers(0, 3)) if mentors else 0,
                paused=draw(st.booleans()) and draw(st.booleans()) if mentors else False,
            )
        )
    return out


@st.composite
def instances(draw: st.DrawFn) -> Instance:
    n = draw(st.integers(0, 9))
    m = draw(st.integers(0, 5))
    mentees = draw(people(list(range(n)), mentors=False))
    mentors = draw(people(list(range(100, 100 + m)), mentors=True))
    pairs = [(a.key, b.key) for a in mentees for b in mentors]
    history = draw(st.frozensets(st.sampled_from(pairs), max_size=4)) if pairs else frozenset()
    return Instance(mentees, mentors, history, draw(st.booleans()), draw(st.integers(1, 3)))


def forbidden(a: Candidate, b: Candidate) -> bool:
    return (
        a.user_id == b.user_id
        or b.user_id in a.reporting_line
        or a.user_id in b.reporting_line
        or (a.team is not None and a.team == b.team)
    )


def solve(case: Instance, *, shuffle: int | None = None) -> Round:
    mentees, mentors = list(case.mentees), list(case.mentors)
    if shuffle is not None:
        random.Random(shuffle).shuffle(mentees)
        random.Random(shuffle).shuffle(mentors)
    return solve_round(
        mentees,
        Pool(mentors),
        k=case.k,
        history=case.history,
        allow_repeats=case.allow_repeats,
    )


SETTINGS = settings(max_examples=60, deadline=None, suppress_health_check=[HealthCheck.too_slow])


@SETTINGS
@given(instances())
def test_a_round_keeps_every_rule_and_capacity(case: Instance) -> None:
    result = solve(case)
    mentee_of = {p.key: p for p in case.mentees}
    mentor_of = {p.key: p for p in case.mentors}
    load: dict[int, int] = {}
    for pair in result.pairs:
        a, b = mentee_of[pair.mentee_key], mentor_of[pair.mentor_key]
        load[b.key] = load.get(b.key, 0) + 1
        assert not forbidden(a, b)
        assert not b.paused and not b.left
        assert case.allow_repeats or (a.key, b.key) not in case.history
        assert pair.score >= Weights().min_score
    assert all(load[key] <= mentor_of[key].capacity_left for key in load)
    matched = [p.mentee_key for p in result.pairs]
    unmatched = [u.mentee_key for u in result.unmatched]
    assert len(set(matched)) == len(matched)
    assert sorted(matched + unmatched) == sorted(mentee_of)


@SETTINGS
@given(instances())
def test_the_round_is_the_exact_optimum_and_deterministic(case: Instance) -> None:
    result = solve(case)
    assert result.stats.certified
    exact = exact_round(
        case.mentees,
        Pool(case.mentors),
        history=case.history,
        allow_repeats=case.allow_repeats,
    )
    assert result.total_points == exact.total_points
    again = solve(case, shuffle=1)
    assert (again.pairs, again.unmatched, again.total_points) == (
        result.pairs,
        result.unmatched,
        result.total_points,
    )
