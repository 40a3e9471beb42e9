"""The `/mentor` subcommands: what exists, who may use it, and how text is parsed."""

from __future__ import annotations

from dataclasses import dataclass
from enum import StrEnum

COMMAND = "/mentor"


class Audience(StrEnum):
    EVERYONE = "everyone"
    COORDINATORS = "coordinators"


@dataclass(frozen=True)
class Subcommand:
    name: str
    summary: str
    audience: Audience = Audience.EVERYONE
    arguments: str = ""

    @property
    def usage(self) -> str:
        return f"{COMMAND} {self.name}" + (f" {self.arguments}" if self.arguments else "")


# Listed in the order help shows them. A subcommand appears here only once it works.
SUBCOMMANDS: tuple[Subcommand, ...] = (
    Subcommand(
        "find",
        "See mentors who fit your goals, with the reasons, and ask one",
        arguments="[what you look for]",
    ),
    Subcommand("join", "Join the mentorship program as a mentee, a mentor, or both"),
    Subcommand("profile", "See and edit your mentorship profile"),
    Subcommand("goals", "See your goals and progress with each mentor or mentee, and edit them"),
    Subcommand("pause", "Mentors: stop new requests for a while (your mentees stay)"),
    Subcommand("resume", "Mentors: take new requests again"),
    Subcommand("rematch", "End a mentorship kindly and start afresh; no reason needed"),
    Subcommand(
        "snooze",
        "Away for a while? Hold your check-in prompts (up to 3 months)",
        arguments="2w | 3d | until YYYY-MM-DD | off",
    ),
    Subcommand("leave", "Leave the program; your profile and notes are deleted"),
    Subcommand(
        "match",
        "Propose the best pairs for everyone waiting; you review and approve",
        Audience.COORDINATORS,
        arguments="[cohort]",
    ),
    Subcommand(
        "cohort",
        "Create a cohort, edit one, list them with their counts, or add and remove people",
        Audience.COORDINATORS,
        arguments="[list | edit NAME | members [NAME]]",
    ),
    Subcommand(
        "topics",
        "List the program's topics, or add one",
        Audience.COORDINATORS,
        arguments="[add NAME]",
    ),
    Subcommand(
        "expiry",
        "How many days mentors have to answer a request (default 3)",
        Audience.COORDINATORS,
        arguments="[days]",
    ),
    Subcommand(
        "coordinators",
        "List the program's coordinators, or add or remove one",
        Audience.COORDINATORS,
        arguments="[add|remove @someone]",
    ),
    Subcommand(
        "audit",
        "The latest entries of the audit trail: who did what, and what was refused",
        Audience.COORDINATORS,
        arguments="[N]",
    ),
    Subcommand(
        "announce",
        "Write an announcement for a channel or a cohort; list or cancel pending ones; "
        "set a cohort's kickoff, mid-term and closing messages",
        Audience.COORDINATORS,
        arguments="[list | milestones [cohort]]",
    ),
    Subcommand(
        "stats",
        "Program health per cohort; a chart or a CSV of the pairs, sent to your DM",
        Audience.COORDINATORS,
        arguments="[chart|export] [cohort]",
    ),
    Subcommand("help", "Show what you can do with mentorbot"),
)
_BY_NAME = {sub.name: sub for sub in SUBCOMMANDS}


@dataclass(frozen=True)
class ParsedCommand:
    name: str  # "" when the text was empty
    rest: str
    subcommand: Subcommand | None


def parse(text: str) -> ParsedCommand:
    words = text.strip().split(maxsplit=1)
    if not words:
        return ParsedCommand("", "", _BY_NAME["help"])
    name = words[0].lower()
    rest = words[1] if len(words) > 1 else ""
    return ParsedCommand(name, rest, _BY_NAME.get(name))


def available_to(is_coordinator: bool) -> list[Subcommand]:
    return [sub for sub in SUBCOMMANDS if sub.audience is Audience.EVERYONE or is_coordinator]
