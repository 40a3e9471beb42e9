"""Tests of the matching engine (pure: no database, no Slack)."""

from __future__ import annotations

from typing import Any

from bot.db.enums import Cadence, MeetingFormat
from bot.matching import Candidate


def person(key: int, **fields: Any) -> Candidate:
    """A candidate with plain defaults: mid level, UTC, video every two weeks, no team."""
    values: dict[str, Any] = {
        "key": key,
        "user_id": f"U{key}",
        "name": f"Person {key}",
        "topics": frozenset({"NLP"}),
        "text": "I want to get better at NLP and language models",
        "experience": 3,
        "utc_offset_minutes": 0,
        "cadence": Cadence.BIWEEKLY,
        "meeting_format": MeetingFormat.VIDEO,
        "capacity_left": 0,
    }
    values.update(fields)
    return Candidate(**values)


def mentor(key: int, **fields: Any) -> Candidate:
    """A senior mentor with two free slots who knows NLP."""
    values: dict[str, Any] = {
        "experience": 5,
        "capacity_left": 2,
        "text": "I build NLP systems with large language models and retrieval",
    }
    values.update(fields)
    return person(key, **values)
