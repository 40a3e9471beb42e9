"""What matching returns: plain frozen data, ready to show or store."""

from __future__ import annotations

from dataclasses import dataclass

from bot.matching.scoring import POINTS


@dataclass(frozen=True, slots=True)
class Pair:
    mentee_key: int
    mentor_key: int
    score: float  # 0..1, rounded to the 4 decimals the solver optimised
    reasons: tuple[str, ...]


@dataclass(frozen=True, slots=True)
class Unmatched:
    mentee_key: int
    reason: str


@dataclass(frozen=True, slots=True)
class RoundStats:
    solver: str  # "optimal" (certified top-k graph), "greedy" or "exact"
    seconds: float
    mentees: int
    mentors: int
    k: int  # candidate mentors kept per mentee (0: every pair, as exact_round does)
    edges: int  # pairs the solver saw (after any certificate additions)
    certified: bool  # proven optimal over every pair, not only the kept ones
    iterations: int  # solves needed until the certificate held
    added_edges: int  # dropped pairs the certificate brought back
    # Wall seconds per step (encode, scoring, candidates, solve, certificate, reasons),
    # for bench/matching.py; empty for the yardsticks.
    steps: tuple[tuple[str, float], ...] = ()
    # Pairs whose reasons were written after the last solve; the others were written
    # while a solve ran (they were pairs of an earlier solve too).
    explained_late: int = 0


@dataclass(frozen=True, slots=True)
class Round:
    pairs: tuple[Pair, ...]  # by mentee key
    unmatched: tuple[Unmatched, ...]  # by mentee key
    total_points: int  # sum of the pairs' scores x POINTS (10,000), exact: compare by this
    stats: RoundStats

    @property
    def total_score(self) -> float:
        return self.total_points / POINTS

    def mentor_of(self, mentee_key: int) -> int | None:
        for pair in self.pairs:
            if pair.mentee_key == mentee_key:
                return pair.mentor_key
        return None


@dataclass(frozen=True, slots=True)
class Suggestion:
    mentor_key: int
    user_id: str
    name: str
    score: float
    reasons: tuple[str, ...]
    # Load spreading: every free slot is already spoken for by open suggestions or
    # requests, so this mentor was ranked after those who still have room.
    crowded: bool


@dataclass(frozen=True, slots=True)
class SuggestionPage:
    items: tuple[Suggestion, ...]
    offset: int
    total: int  # acceptable mentors in all; "see more" while offset + len(items) < total

    @property
    def has_more(self) -> bool:
        return self.offset + len(self.items) < self.total
