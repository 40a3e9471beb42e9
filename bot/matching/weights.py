"""How much each part of a match counts: the one place the scoring weights live.

A program may override any of them (stored as JSON); `Weights.from_overrides` validates
the override so a typo fails loudly instead of silently scoring with the default.
"""

from __future__ import annotations

import math
from collections.abc import Mapping
from dataclasses import dataclass, fields, replace
from typing import Any


@dataclass(frozen=True, slots=True)
class Weights:
    """Relative weights of the score's parts, and the floors a pair must clear.

    The score is the weighted mean of the parts (each in 0..1), so it stays in 0..1
    whatever the weights, and `min_score` means the same thing in every program.
    """

    topics: float = 0.30  # shared topics (Ochiai overlap of the two topic sets)
    text: float = 0.30  # the mentee's goals against the mentor's topics and description
    experience: float = 0.15  # mentor ahead by a useful gap
    timezone: float = 0.12  # shared working hours
    capacity: float = 0.03  # a small nudge toward mentors with free slots
    meeting_format: float = 0.05  # video / in person / chat agreement
    cadence: float = 0.05  # weekly / biweekly / monthly agreement
    # Floors: a pair below either is never proposed.
    min_score: float = 0.25
    # A pair must share a topic or have at least this text cosine to be relevant at all.
    min_text_similarity: float = 0.12

    def __post_init__(self) -> None:
        bad = [f.name for f in fields(self) if not _non_negative(getattr(self, f.name))]
        if bad:
            raise ValueError(f"weights must be finite numbers >= 0: {', '.join(bad)}")
        if self.total == 0:
            raise ValueError("at least one weight must be positive")
        if self.min_score > 1:
            raise ValueError("min_score is a score in 0..1")

    @property
    def total(self) -> float:
        return sum(getattr(self, name) for name in PART_NAMES)

    @classmethod
    def from_overrides(cls, overrides: Mapping[str, Any] | None) -> Weights:
        """The defaults with a program's overrides applied (e.g. parsed from JSON).

        Unknown keys and negative or non-numeric values raise ValueError naming them.
        """
        if not overrides:
            return cls()
        known = {f.name for f in fields(cls)}
        unknown = sorted(set(overrides) - known)
        if unknown:
            raise ValueError(f"unknown weight(s): {', '.join(unknown)}")
        bad = sorted(k for k, v in overrides.items() if not _non_negative(v))
        if bad:
            raise ValueError(f"weights must be finite numbers >= 0: {', '.join(bad)}")
        return replace(cls(), **{k: float(v) for k, v in overrides.items()})


# The parts of the score, in the order scoring.py stacks them.
PART_NAMES: tuple[str, ...] = (
    "topics",
    "text",
    "experience",
    "timezone",
    "capacity",
    "meeting_format",
    "cadence",
)


def _non_negative(value: object) -> bool:
    # bool is an int subclass; `true` in a JSON override is a mistake, not a weight of 1.
    if isinstance(value, bool) or not isinstance(value, int | float):
        return False
    return math.isfinite(value) and value >= 0
