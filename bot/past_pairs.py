"""A program's past (mentee, mentor) pairs, indexed by person.

A search needs one mentee's past pairs and a pool update replaces a few people's, but a
program of 50,000 mentors has had 100,000 pairs or more: filtering a plain set of them
costs tens of milliseconds each time. Here each person's pairs are kept under their id,
so both are as cheap as the few people they concern (an update copies the index's dict,
not its pairs). Read as a whole (a round), it is a set of pairs like any other.
"""

from __future__ import annotations

from collections import defaultdict
from collections.abc import Collection, Iterable, Iterator, Set

Pair = tuple[int, int]  # (mentee person id, mentor person id)
_NONE: frozenset[Pair] = frozenset()


class PastPairs(Set[Pair]):
    """An immutable set of (mentee, mentor) pairs, with each person's pairs at hand."""

    __slots__ = ("_count", "_of")
    __hash__ = Set._hash

    def __init__(self, pairs: Iterable[Pair] = ()) -> None:
        self._of = _grouped(set(pairs))
        self._count = sum(1 for person, mine in self._of.items() for p in mine if p[0] == person)

    def of(self, person: int) -> frozenset[Pair]:
        """The pairs this person was in, on either side."""
        return self._of.get(person, _NONE)

    def replaced(self, people: Collection[int], pairs: Iterable[Pair]) -> PastPairs:
        """These people's pairs replaced by `pairs`, each of which names one of them.

        Costs the few people concerned plus one copy of the index's dict."""
        fresh = set(pairs)
        gone = set().union(*(self.of(person) for person in people))
        new = _grouped(fresh)
        of = dict(self._of)
        for person in {p for pair in gone | fresh for p in pair}:
            kept = (of.get(person, _NONE) - gone) | new.get(person, _NONE)
            if kept:
                of[person] = kept
            else:
                of.pop(person, None)
        out = PastPairs.__new__(PastPairs)
        out._of = of
        out._count = self._count - len(gone) + sum(1 for p in fresh if p in gone or p not in self)
        return out

    def __contains__(self, pair: object) -> bool:
        return isinstance(pair, tuple) and len(pair) == 2 and pair in self._of.get(pair[0], _NONE)

    def __iter__(self) -> Iterator[Pair]:
        for person, mine in self._of.items():
            yield from (pair for pair in mine if pair[0] == person)  # once, from its mentee

    def __len__(self) -> int:
        return self._count

    def __repr__(self) -> str:
        return f"PastPairs({sorted(self)!r})"


def _grouped(pairs: set[Pair]) -> dict[int, frozenset[Pair]]:
    by: defaultdict[int, set[Pair]] = defaultdict(set)
    for pair in pairs:
        by[pair[0]].add(pair)
        by[pair[1]].add(pair)
    return {person: frozenset(mine) for person, mine in by.items()}
