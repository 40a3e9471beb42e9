"""Past pairs indexed by person read as the plain set of pairs they stand for."""

from __future__ import annotations

import random

from bot.past_pairs import PastPairs


def some_pairs(seed: int, n: int = 300) -> set[tuple[int, int]]:
    rng = random.Random(seed)
    return {(rng.randrange(60), 100 + rng.randrange(40)) for _ in range(n)}


def test_past_pairs_are_the_set_they_were_made_from() -> None:
    pairs = some_pairs(1)
    past = PastPairs(pairs)
    assert past == pairs and len(past) == len(pairs) and set(past) == pairs
    assert all(p in past for p in pairs) and (999, 999) not in past and "x" not in past
    assert past.of(7) == {p for p in pairs if 7 in p}
    assert past.of(123) == {p for p in pairs if 123 in p}
    assert PastPairs() == set() and not PastPairs()


def test_replacing_some_peoples_pairs_is_filtering_and_adding_to_the_whole_set() -> None:
    rng = random.Random(5)
    pairs = some_pairs(2)
    past = PastPairs(pairs)
    for _ in range(40):
        people = set(rng.sample(range(140), rng.randint(1, 4)))
        gained = {(a, b) for a, b in some_pairs(rng.randrange(1000), 20) if {a, b} & people}
        expected = {p for p in pairs if not set(p) & people} | gained
        old, before = past, set(past)
        past, pairs = past.replaced(people, gained), expected
        assert past == expected and len(past) == len(expected) and set(past) == expected
        assert all(past.of(x) == {p for p in expected if x in p} for x in range(140))
        assert old == before and len(old) == len(before)  # the one it came from is untouched
