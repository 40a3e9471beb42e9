"""Who is in the demo: a dozen people on five continents and two coordinators.

Plain data; the story decides what each of them does. Every name, title and phrase is
made up, and user ids follow Slack's shape (U + capitals and digits).
"""

from __future__ import annotations

from dataclasses import dataclass

from bot.db.enums import Cadence, EnrollmentRole, ExperienceLevel
from bot.profile import Profile

COHORT = "Spring 2030"
CHANNEL = "C0MENTORING"  # #mentoring, where the coordinators post announcements
CHANNEL_NAME = "mentoring"


@dataclass(frozen=True)
class Person:
    user_id: str
    name: str
    title: str
    tz: str
    city: str
    role: EnrollmentRole | None = None  # None: a coordinator, not a participant
    topics: tuple[str, ...] = ()
    words: str = ""  # a mentee's goals, or a mentor's bio

    @property
    def first(self) -> str:
        return self.name.split()[0]

    def profile(self) -> Profile:
        assert self.role is not None, f"{self.name} coordinates and does not join"
        mentor = self.role is EnrollmentRole.MENTOR
        return Profile(
            role=self.role,
            topics=self.topics,
            goals="Help people grow, and learn from them too." if mentor else self.words,
            bio=self.words if mentor else "",
            experience=ExperienceLevel.STAFF if mentor else ExperienceLevel.MID,
            capacity=2 if mentor else 1,
            cadence=Cadence.WEEKLY,
            timezone=self.tz,
        )


MENTOR, MENTEE = EnrollmentRole.MENTOR, EnrollmentRole.MENTEE
ML, MLOPS, CV, NLP = "Machine learning engineering", "MLOps", "Computer vision", "NLP"
RESEARCH, DATA, CAREER, LEAD = "Research", "Data science", "Career change into AI", "Leadership"

COCO = Person("U0DEMOCOCO", "Coco Reyes", "People Programs Lead", "Europe/London", "London")
RAJ = Person("U0DEMORAJ", "Raj Mehta", "Engineering Manager", "America/Toronto", "Toronto")

# Ana and Ben meet through `/mentor find`; the rest are matched in the coordinator's round.
ANA = Person(
    "U0DEMOANA", "Ana Lima", "Backend Engineer", "Europe/Lisbon", "Lisbon", MENTEE,
    (ML, MLOPS), "Move from backend work into ML engineering within a year.",
)  # fmt: skip
BEN = Person(
    "U0DEMOBEN", "Ben Okafor", "Staff ML Engineer", "Africa/Lagos", "Lagos", MENTOR,
    (ML, MLOPS, CAREER), "Moved from web development to ML engineering; happy to help others.",
)  # fmt: skip
MENTORS = (
    BEN,
    Person(
        "U0DEMOKEN", "Kenji Watanabe", "Principal Research Scientist", "Asia/Tokyo", "Tokyo",
        MENTOR, (CV, RESEARCH), "Computer vision research lead; I help people into research.",
    ),
    Person(
        "U0DEMOSOF", "Sofia Rossi", "Head of Data Science", "Europe/Rome", "Rome", MENTOR,
        (DATA, LEAD), "Built two data teams from scratch; glad to talk leading and hiring.",
    ),
    Person(
        "U0DEMOMAR", "Marcus Hale", "Senior NLP Engineer", "America/Los_Angeles",
        "San Francisco", MENTOR, (NLP, ML), "Shipped search and chat models at scale.",
    ),
    Person(
        "U0DEMOLIN", "Lindiwe Dube", "ML Platform Lead", "Africa/Johannesburg", "Johannesburg",
        MENTOR, (MLOPS, ML), "Runs the training platform; loves good pipelines.",
    ),
)  # fmt: skip
MENTEES = (
    ANA,
    Person(
        "U0DEMOPRI", "Priya Nair", "Data Analyst", "Asia/Singapore", "Singapore", MENTEE,
        (DATA, LEAD), "Grow into leading a small analytics team.",
    ),
    Person(
        "U0DEMOTOM", "Tomás García", "Software Engineer", "America/Sao_Paulo", "São Paulo",
        MENTEE, (NLP, ML), "Learn to build and evaluate language models.",
    ),
    Person(
        "U0DEMOMEI", "Mei Chen", "Research Engineer", "Australia/Sydney", "Sydney", MENTEE,
        (CV, RESEARCH), "Publish my first computer vision paper.",
    ),
    Person(
        "U0DEMOOLA", "Ola Nordmann", "DevOps Engineer", "Europe/Oslo", "Oslo", MENTEE,
        (MLOPS, ML), "Take our models from notebooks to production.",
    ),
    Person(
        "U0DEMOJAM", "Jamal Carter", "Product Analyst", "America/New_York", "New York", MENTEE,
        (DATA, CAREER), "Move from product analytics into data science.",
    ),
    Person(
        "U0DEMOLEI", "Leilani Kahale", "QA Engineer", "America/Mexico_City", "Mexico City",
        MENTEE, (ML, CAREER), "Change careers into machine learning.",
    ),
)  # fmt: skip
PARTICIPANTS = (*MENTORS, *MENTEES)
COORDINATORS = (COCO, RAJ)
EVERYONE = (*COORDINATORS, *PARTICIPANTS)
BY_ID = {person.user_id: person for person in EVERYONE}
