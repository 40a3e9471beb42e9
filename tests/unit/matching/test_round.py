"""Coordinator rounds: optimal, not greedy; capacities kept; deterministic; explained."""

from __future__ import annotations

import random

import pytest

from bot.db.enums import Cadence, MeetingFormat
from bot.matching import Candidate, Pool, exact_round, greedy_round, solve_round
from tests.unit.matching import mentor, person

# Hobbies: texts that share nothing with each other, so only topics decide.
QUIET = ("gardening", "sailing", "chess", "pottery")


def test_optimal_beats_best_pair_first() -> None:
    # A suits mentee 1 a bit better than B does, but A is mentee 2's only fit. Greedy gives
    # A to mentee 1 and strands mentee 2; the optimum gives each a mentor.
    pool = Pool(
        [
            mentor(10, topics={"NLP", "MLOps"}, text=QUIET[0], capacity_left=1),
            mentor(11, topics={"NLP"}, text=QUIET[1], capacity_left=1),
        ]
    )
    mentees = [
        person(1, topics={"NLP", "MLOps"}, text=QUIET[2]),
        person(2, topics={"MLOps"}, text=QUIET[3]),
    ]
    greedy = greedy_round(mentees, pool)
    best = solve_round(mentees, pool)
    assert {(p.mentee_key, p.mentor_key) for p in greedy.pairs} == {(1, 10)}
    assert {(p.mentee_key, p.mentor_key) for p in best.pairs} == {(1, 11), (2, 10)}
    assert best.total_points == exact_round(mentees, pool).total_points > greedy.total_points
    assert best.stats.certified and best.stats.solver == "optimal"


def test_capacities_hold_and_everyone_else_is_told_why() -> None:
    pool = Pool([mentor(10, capacity_left=2), mentor(11, capacity_left=1)])
    mentees = [person(i, utc_offset_minutes=60 * i) for i in range(1, 6)]
    result = solve_round(mentees, pool)
    loads = {10: 0, 11: 0}
    for pair in result.pairs:
        loads[pair.mentor_key] += 1
        assert pair.reasons and 0 < pair.score <= 1
    assert loads == {10: 2, 11: 1}
    assert len(result.unmatched) == 2 and all(u.reason for u in result.unmatched)
    assert result.total_score == pytest.approx(sum(p.score for p in result.pairs))
    assert [p.mentee_key for p in result.pairs] == sorted(p.mentee_key for p in result.pairs)


def random_people(seed: int, n: int, m: int) -> tuple[list[Candidate], list[Candidate]]:
    rng = random.Random(seed)
    topics = ["NLP", "MLOps", "Research", "Leadership", "Data science"]
    texts = [
        "deploy language models to production",
        "publish research papers",
        "grow into a manager of data scientists",
        "move from backend work into ML engineering",
        "statistics and experiments",
    ]

    def fields() -> dict:
        return {
            "topics": frozenset(rng.sample(topics, rng.randint(1, 3))),
            "text": rng.choice(texts),
            "utc_offset_minutes": rng.choice([-300, 0, 60, 330]),
            "cadence": rng.choice(list(Cadence)),
            "meeting_format": rng.choice(list(MeetingFormat)),
            "team": rng.choice([None, "a", "b", "c"]),
        }

    mentors = [
        mentor(100 + j, experience=rng.randint(3, 6), capacity_left=rng.randint(0, 3), **fields())
        for j in range(m)
    ]
    mentees = [person(i, experience=rng.randint(1, 4), **fields()) for i in range(n)]
    return mentees, mentors


@pytest.mark.parametrize("seed", range(3))
def test_a_tiny_k_still_gives_the_exact_optimum_thanks_to_the_certificate(seed: int) -> None:
    mentees, mentors = random_people(seed, 60, 20)
    pool = Pool(mentors)
    result = solve_round(mentees, pool, k=1)
    assert result.stats.certified
    assert result.total_points == exact_round(mentees, pool).total_points
    assert result.total_points >= greedy_round(mentees, pool, k=1).total_points


def test_same_input_same_round_whatever_the_order() -> None:
    mentees, mentors = random_people(7, 40, 12)
    first = solve_round(mentees, Pool(mentors))
    rng = random.Random(1)
    rng.shuffle(mentees)
    rng.shuffle(mentors)
    again = solve_round(mentees, Pool(mentors))
    assert first.pairs == again.pairs and first.unmatched == again.unmatched


def test_empty_sides() -> None:
    assert solve_round([], Pool([mentor(10)])).pairs == ()
    alone = solve_round([person(1)], Pool([]))
    assert alone.pairs == () and len(alone.unmatched) == 1
    with pytest.raises(ValueError):
        solve_round([person(1)], Pool([mentor(10)]), k=0)


def test_duplicate_keys_are_refused() -> None:
    with pytest.raises(ValueError, match="duplicate"):
        Pool([mentor(10), mentor(10)])
    with pytest.raises(ValueError, match="duplicate"):
        solve_round([person(1), person(1)], Pool([mentor(10)]))
