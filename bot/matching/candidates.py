"""What the matcher knows about one enrolled person: the input type of every matching call.

Pure data, built by the caller from enrollment rows; nothing here touches the database.
One type serves both sides: the mentor-only fields are ignored for mentees.
"""

from __future__ import annotations

from collections.abc import Iterable, Mapping
from dataclasses import dataclass, field

from bot.db.enums import Cadence, ExperienceLevel, MeetingFormat

MIN_RANK = 1
MAX_RANK = len(ExperienceLevel)


# No slots: callers read defaults off the class (`Candidate.meeting_format`).
@dataclass(frozen=True)
class Candidate:
    """One enrolled person as the matcher sees them.

    `text` is the person's own description: a mentee's goals; a mentor's bio and goals.
    `experience` is `ExperienceLevel.rank` (1 student .. 6 principal); an
    `ExperienceLevel` is accepted and converted. `skip_level_managers` lists the managers
    above `manager_user_id`, nearest first (see `reporting_chain`); empty when unknown.
    """

    key: int
    user_id: str
    name: str
    topics: frozenset[str]
    text: str
    experience: int
    utc_offset_minutes: int = 0
    cadence: Cadence = Cadence.BIWEEKLY
    meeting_format: MeetingFormat = MeetingFormat.VIDEO
    team: str | None = None
    manager_user_id: str | None = None
    skip_level_managers: tuple[str, ...] = ()
    # Mentor side only.
    capacity_left: int = 0
    paused: bool = False
    left: bool = False
    mentees_mentored: int = 0
    # Past mentorships per topic label, e.g. (("NLP", 2),): only used to explain.
    topic_history: tuple[tuple[str, int], ...] = field(default=())

    def __post_init__(self) -> None:
        # Frozen: normalise through object.__setattr__ so callers may pass lists / enums.
        if not isinstance(self.topics, frozenset):
            object.__setattr__(self, "topics", frozenset(self.topics))
        # Enum values as stored ("video", "weekly") are accepted and checked here.
        object.__setattr__(self, "cadence", Cadence(self.cadence))
        object.__setattr__(self, "meeting_format", MeetingFormat(self.meeting_format))
        if isinstance(self.experience, ExperienceLevel):
            object.__setattr__(self, "experience", self.experience.rank)
        if not MIN_RANK <= self.experience <= MAX_RANK:
            raise ValueError(f"experience rank must be {MIN_RANK}..{MAX_RANK}: {self.experience}")
        if self.capacity_left < 0:
            raise ValueError(f"capacity_left must be >= 0: {self.capacity_left}")
        if not -14 * 60 <= self.utc_offset_minutes <= 14 * 60:
            raise ValueError(f"utc_offset_minutes out of range: {self.utc_offset_minutes}")

    @property
    def available(self) -> bool:
        """Can take a new mentee now (as a mentor)."""
        return not (self.paused or self.left) and self.capacity_left > 0

    @property
    def reporting_line(self) -> tuple[str, ...]:
        """Managers above this person, nearest first."""
        if self.manager_user_id is None:
            return ()
        return (self.manager_user_id, *self.skip_level_managers)


def reporting_chain(user_id: str, manager_of: Mapping[str, str], depth: int = 4) -> tuple[str, ...]:
    """Managers above `user_id` from an org-chart map, nearest first, at most `depth`.

    Stops at a cycle (bad org data must not loop forever). The first element is the
    direct manager; pass the rest as `Candidate.skip_level_managers`.
    """
    chain: list[str] = []
    seen = {user_id}
    current = user_id
    while len(chain) < depth:
        manager = manager_of.get(current)
        if manager is None or manager in seen:
            break
        chain.append(manager)
        seen.add(manager)
        current = manager
    return tuple(chain)


def keys_unique(people: Iterable[Candidate]) -> None:
    """Raise ValueError when two candidates share a key (results are keyed by it)."""
    seen: set[int] = set()
    for person in people:
        if person.key in seen:
            raise ValueError(f"duplicate candidate key: {person.key}")
        seen.add(person.key)
