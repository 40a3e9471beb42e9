"""Parse and validate an enrollment modal submission into a `Profile`.

Input is Slack's `view.state.values`: {block_id: {action_id: {"type": ..., "value" |
"selected_option" | "selected_options": ...}}}. Slack leaves out (or nulls) a field
the person left empty, so every lookup here tolerates a missing or malformed entry.

Errors come back as {block_id: message} for `response_action: "errors"`, which Slack
shows beside each field; every message is short, specific and under 150 characters.
"""

from __future__ import annotations

import difflib
import functools
import re
import zoneinfo
from collections.abc import Mapping, Sequence
from datetime import time
from typing import Any, TypeVar

from bot.db.enums import Cadence, EnrollmentRole, ExperienceLevel, MeetingFormat
from bot.profile import (
    BIO_MAX,
    CAPACITY_RANGE,
    DEFAULT_CAPACITY,
    DEFAULT_MENTORS_WANTED,
    GOALS_MAX,
    GOALS_MIN,
    MAX_TOPICS,
    MENTEE_ROLES,
    MENTOR_ROLES,
    MENTORS_WANTED_RANGE,
    Profile,
)
from bot.text_input import UnreadableText, clean_text
from bot.views.enrollment import EnrollmentIds
from bot.views.text import clip

Ids = EnrollmentIds
MAX_ERROR = 150  # keeps each message readable beside its field
# Present in tz databases but not places a person lives in.
_NOT_PERSONAL_ZONES = frozenset({"localtime", "Factory", "posixrules"})
_DIGITS = re.compile(r"[0-9]{1,3}")
_CLOCK = re.compile(r"([01][0-9]|2[0-3]):([0-5][0-9])")  # HH:mm, as Slack's timepicker sends
# The typed fields, read (and checked for unreadable text) in this order.
_TYPED = (
    (Ids.GOALS_BLOCK, Ids.GOALS_ACTION),
    (Ids.BIO_BLOCK, Ids.BIO_ACTION),
    (Ids.TIMEZONE_BLOCK, Ids.TIMEZONE_ACTION),
)

E = TypeVar("E", EnrollmentRole, ExperienceLevel, Cadence, MeetingFormat)


def parse_submission(
    values: Mapping[str, Mapping[str, Any]], topics: Sequence[str]
) -> Profile | dict[str, str]:
    """A Profile when the submission is valid, else {block_id: friendly error message}.

    `topics` is the program's current topic list. When it is empty the modal shows no
    topic field, so no topic is required (and any submitted topic is unknown).
    """
    errors: dict[str, str] = {}

    role = _enum(values, Ids.ROLE_BLOCK, Ids.ROLE_ACTION, EnrollmentRole)
    if role is None:
        errors[Ids.ROLE_BLOCK] = (
            "Choose whether you're looking for a mentor, want to mentor, or both."
        )

    chosen, topics_error = _topics(
        _selected_many(values, Ids.TOPICS_BLOCK, Ids.TOPICS_ACTION), topics
    )
    if topics_error:
        errors[Ids.TOPICS_BLOCK] = topics_error

    goals, bio, tz_text = (_text(values, block, action, errors) for block, action in _TYPED)
    goals_error = _goals_error(goals)
    if goals_error and Ids.GOALS_BLOCK not in errors:
        errors[Ids.GOALS_BLOCK] = goals_error
    if len(bio) > BIO_MAX:
        errors[Ids.BIO_BLOCK] = (
            f"Please keep this under {BIO_MAX} characters (it's {len(bio)} now)."
        )

    experience = _enum(values, Ids.EXPERIENCE_BLOCK, Ids.EXPERIENCE_ACTION, ExperienceLevel)
    if experience is None:
        errors[Ids.EXPERIENCE_BLOCK] = "Choose where you are in your career."

    raw_capacity = _selected(values, Ids.CAPACITY_BLOCK, Ids.CAPACITY_ACTION)
    # Unused unless they mentor: a missing one must not block them (a bad one still does).
    missing = raw_capacity is None and role not in MENTOR_ROLES
    capacity = DEFAULT_CAPACITY if missing else _count(raw_capacity)
    if capacity not in CAPACITY_RANGE:
        errors[Ids.CAPACITY_BLOCK] = (
            f"Choose between {CAPACITY_RANGE[0]} and {CAPACITY_RANGE[-1]} mentees."
        )

    raw_wanted = _selected(values, Ids.MENTORS_WANTED_BLOCK, Ids.MENTORS_WANTED_ACTION)
    missing = raw_wanted is None and role not in MENTEE_ROLES  # unused unless they seek one
    mentors_wanted = DEFAULT_MENTORS_WANTED if missing else _count(raw_wanted)
    if mentors_wanted not in MENTORS_WANTED_RANGE:
        errors[Ids.MENTORS_WANTED_BLOCK] = (
            f"Choose between {MENTORS_WANTED_RANGE[0]} and {MENTORS_WANTED_RANGE[-1]} mentors."
        )

    cadence = _enum(values, Ids.CADENCE_BLOCK, Ids.CADENCE_ACTION, Cadence)
    if cadence is None:
        errors[Ids.CADENCE_BLOCK] = "Choose how often you'd like to meet."

    meeting_format = _enum(values, Ids.FORMAT_BLOCK, Ids.FORMAT_ACTION, MeetingFormat)
    if meeting_format is None:
        errors[Ids.FORMAT_BLOCK] = "Choose how you'd like to meet."

    timezone = canonical_timezone(tz_text)
    if timezone is None:
        errors.setdefault(Ids.TIMEZONE_BLOCK, _timezone_error(tz_text))

    start, end = _workday(values, errors)

    if errors:
        return {block: _limit(message) for block, message in errors.items()}
    # Every None above produced an error; the asserts tell the type checker so.
    assert role is not None and experience is not None and timezone is not None
    assert cadence is not None and meeting_format is not None
    assert capacity is not None and mentors_wanted is not None
    assert start is not None and end is not None
    return Profile(
        role=role,
        topics=chosen,
        goals=goals,
        bio=bio,
        experience=experience,
        capacity=capacity,
        mentors_wanted=mentors_wanted,
        cadence=cadence,
        meeting_format=meeting_format,
        timezone=timezone,
        workday_start=start,
        workday_end=end,
    )


def canonical_timezone(text: str) -> str | None:
    """The IANA name for `text` ("europe/paris", "America/New York"), or None if unknown."""
    key = _tz_key(text)
    return _zones_by_key().get(key) if key else None


# --- reading Slack's state ------------------------------------------------------------------


def _state(values: Mapping[str, Any], block_id: str, action_id: str) -> Mapping[str, Any]:
    block = values.get(block_id) if isinstance(values, Mapping) else None
    state = block.get(action_id) if isinstance(block, Mapping) else None
    return state if isinstance(state, Mapping) else {}


def _text(values: Mapping[str, Any], block_id: str, action_id: str, errors: dict[str, str]) -> str:
    """The field's text ready to store; "" and an error beside it when it cannot be read."""
    value = _state(values, block_id, action_id).get("value")
    if not isinstance(value, str):
        return ""
    try:
        return clean_text(value).strip()
    except UnreadableText as exc:
        errors[block_id] = str(exc)
        return ""


def _selected(values: Mapping[str, Any], block_id: str, action_id: str) -> str | None:
    option = _state(values, block_id, action_id).get("selected_option")
    value = option.get("value") if isinstance(option, Mapping) else None
    return value if isinstance(value, str) else None


def _selected_many(values: Mapping[str, Any], block_id: str, action_id: str) -> list[str]:
    options = _state(values, block_id, action_id).get("selected_options")
    if not isinstance(options, list):
        return []
    picked = (o.get("value") for o in options if isinstance(o, Mapping))
    return list(dict.fromkeys(v for v in picked if isinstance(v, str)))  # unique, in order


def _clock(values: Mapping[str, Any], block_id: str, action_id: str) -> time | str | None:
    """The picked time; the raw value when it is not HH:mm; None when nothing was picked."""
    value = _state(values, block_id, action_id).get("selected_time")
    if value is None or value == "":
        return None
    match = _CLOCK.fullmatch(value) if isinstance(value, str) else None
    return time(int(match[1]), int(match[2])) if match else str(value)


def _enum(values: Mapping[str, Any], block_id: str, action_id: str, kind: type[E]) -> E | None:
    value = _selected(values, block_id, action_id)
    try:
        return kind(value) if value is not None else None
    except ValueError:
        return None


def _count(value: str | None) -> int | None:
    # fullmatch on ASCII digits: int() would also take " 3" or Arabic-Indic digits.
    return int(value) if value is not None and _DIGITS.fullmatch(value) else None


# --- rules ----------------------------------------------------------------------------------


def _goals_error(goals: str) -> str | None:
    # Slack's max_length counts characters; we count Python code points (len), which is
    # never more than the UTF-16 units a browser counts, so text Slack let through passes.
    if not goals:
        return "Tell us your goals: a sentence or two is plenty."
    if len(goals) < GOALS_MIN:
        return f"A little more, please: at least {GOALS_MIN} characters helps us match you well."
    if len(goals) > GOALS_MAX:
        return f"Please keep your goals under {GOALS_MAX} characters (they're {len(goals)} now)."
    return None


def _workday(values: Mapping[str, Any], errors: dict[str, str]) -> tuple[time | None, time | None]:
    """The working day's start and end; an error beside each that is missing or wrong."""
    start = _clock(values, Ids.WORKDAY_START_BLOCK, Ids.WORKDAY_START_ACTION)
    end = _clock(values, Ids.WORKDAY_END_BLOCK, Ids.WORKDAY_END_ACTION)
    for block, value, what in (
        (Ids.WORKDAY_START_BLOCK, start, "starts"),
        (Ids.WORKDAY_END_BLOCK, end, "ends"),
    ):
        if value is None:
            errors[block] = f"Choose when your working day {what}, such as 09:00."
        elif not isinstance(value, time):
            errors[block] = f"“{clip(value, 20)}” isn't a time: choose one such as 09:00."
    if isinstance(start, time) and isinstance(end, time) and end <= start:
        errors[Ids.WORKDAY_END_BLOCK] = (
            f"Choose an end later than your start ({start:%H:%M}), on the same day."
        )
    if not (isinstance(start, time) and isinstance(end, time)):
        return None, None
    return start, end


def _topics(chosen: list[str], offered: Sequence[str]) -> tuple[tuple[str, ...], str | None]:
    listed = set(offered)
    unknown = [t for t in chosen if t not in listed]
    if len(unknown) == 1:
        return (), f"“{clip(unknown[0], 60)}” is no longer on the list. Please remove it."
    if unknown:
        return (), f"{len(unknown)} of your topics are no longer on the list. Please pick again."
    if not chosen and offered:
        return (), "Pick at least one topic so we can find good matches."
    if len(chosen) > MAX_TOPICS:
        return (), f"Pick at most {MAX_TOPICS} topics (you chose {len(chosen)})."
    return tuple(chosen), None


def _timezone_error(text: str) -> str:
    if not text:
        return "Add your time zone, such as Europe/Paris."
    shown = clip(text, 40)
    suggestion = _suggest_timezone(text)
    if suggestion:
        return f"We don't know the time zone “{shown}”. Did you mean {suggestion}?"
    return (
        f"We don't know the time zone “{shown}”. "
        "Use an IANA name such as Europe/Paris or America/New_York."
    )


def _suggest_timezone(text: str) -> str | None:
    key = _tz_key(text)
    if not key:
        return None
    zones = _zones_by_key()
    # "paris" or "new york": a city on its own names exactly one zone.
    cities = [name for k, name in zones.items() if k.rsplit("/", 1)[-1] == key]
    if len(cities) == 1:
        return cities[0]
    close = difflib.get_close_matches(key, list(zones), n=1, cutoff=0.8)
    return zones[close[0]] if close else None


def _tz_key(text: str) -> str:
    # Case-insensitive, and spaces stand for the underscores in "New_York".
    return "_".join(text.split()).casefold()


@functools.cache
def _zones_by_key() -> dict[str, str]:
    return {
        name.casefold(): name
        for name in zoneinfo.available_timezones()
        if name not in _NOT_PERSONAL_ZONES
    }


def _limit(message: str) -> str:
    return clip(message, MAX_ERROR)
