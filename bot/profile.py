"""A person's mentorship profile as the enrollment form edits it.

The modal, its validation and the enrollment service all speak this one type,
so a field's limits and defaults are stated once, here.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import time

from bot.cadence import DEFAULT_WORKDAY_END, DEFAULT_WORKDAY_START
from bot.db.enums import Cadence, EnrollmentRole, ExperienceLevel, MeetingFormat

GOALS_MAX = 1500
BIO_MAX = 1000
GOALS_MIN = 10  # a few words at least: matching reads them
CAPACITY_RANGE = range(1, 6)
MENTORS_WANTED_RANGE = range(1, 4)
MAX_TOPICS = 10
TOPIC_LABEL_MAX = 75  # a Slack option's text limit

# Who mentors and who looks for a mentor: BOTH is in each.
MENTOR_ROLES: tuple[EnrollmentRole, ...] = (EnrollmentRole.MENTOR, EnrollmentRole.BOTH)
MENTEE_ROLES: tuple[EnrollmentRole, ...] = (EnrollmentRole.MENTEE, EnrollmentRole.BOTH)

# What a new person's form starts with, and what a field left unset in storage reads as.
DEFAULT_ROLE = EnrollmentRole.MENTEE
DEFAULT_EXPERIENCE = ExperienceLevel.MID
DEFAULT_CAPACITY = 2  # mentees a mentor can take
DEFAULT_MENTORS_WANTED = 1  # one primary mentor, optionally more for other topics
DEFAULT_CADENCE = Cadence.BIWEEKLY
DEFAULT_FORMAT = MeetingFormat.VIDEO

# The default topic list: AI careers, as the program's founding articles describe them.
DEFAULT_TOPICS: tuple[str, ...] = (
    "Machine learning engineering",
    "Data science",
    "Research",
    "NLP",
    "Computer vision",
    "Reinforcement learning",
    "MLOps",
    "AI ethics and fairness",
    "AI product management",
    "Career change into AI",
    "Leadership",
    "Interviewing and job search",
)


@dataclass(frozen=True)
class Profile:
    role: EnrollmentRole
    topics: tuple[str, ...]  # topic labels from the program's list
    goals: str  # what they want from the mentorship, in their own words
    bio: str = ""  # for mentors: what they can help with, their path
    experience: ExperienceLevel = DEFAULT_EXPERIENCE
    capacity: int = DEFAULT_CAPACITY
    mentors_wanted: int = DEFAULT_MENTORS_WANTED
    cadence: Cadence = DEFAULT_CADENCE
    meeting_format: MeetingFormat = DEFAULT_FORMAT
    timezone: str = "UTC"
    # Their working day on their own clock (weekdays): check-in prompts land inside it.
    workday_start: time = DEFAULT_WORKDAY_START
    workday_end: time = DEFAULT_WORKDAY_END

    @property
    def mentors(self) -> bool:
        return self.role in MENTOR_ROLES

    @property
    def seeks_mentor(self) -> bool:
        return self.role in MENTEE_ROLES


@dataclass(frozen=True)
class FormDefaults:
    """What a new person's form starts with (time zone from their Slack profile, working
    hours as stored for them: 09:00-17:00 unless they set others)."""

    timezone: str
    topics: tuple[str, ...] = field(default=())
    workday_start: time = DEFAULT_WORKDAY_START
    workday_end: time = DEFAULT_WORKDAY_END
