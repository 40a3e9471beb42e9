"""Text and numbers a person typed, made safe to store: one rule for every place.

Slack sends JSON, whose `\\ud800` escape decodes to a lone surrogate that no database
can encode, and nothing stops a crafted request from carrying NUL, which PostgreSQL
text refuses (SQLite stores it). NUL is never meant: it is dropped. A lone surrogate
cannot be read back as anything: the person is asked to retype.

Numbers: `str.isdigit()` also accepts "²" and "٣", and `int()` refuses more than
4,300 digits, so whole numbers are read from at most a few ASCII digits.
"""

from __future__ import annotations

import re

UNREADABLE = (
    "Some characters here can't be read. Please retype this (plain text and emoji are fine)."
)
# PostgreSQL's integer, which every id column is: a larger id cannot name a row.
MAX_ID = 2**31 - 1

_SURROGATE = re.compile("[\ud800-\udfff]")  # json.loads joins real pairs, so any left is lone
_ID = re.compile(r"[0-9]{1,10}")
_WHOLE = re.compile(r"[0-9]{1,9}")


class UnreadableText(ValueError):
    """Text that cannot be stored as typed; str(error) asks the person to retype it."""

    def __init__(self) -> None:
        super().__init__(UNREADABLE)


def clean_text(text: str) -> str:
    """`text` ready to store: NUL bytes dropped. Raises UnreadableText on a lone surrogate."""
    if _SURROGATE.search(text):
        raise UnreadableText()
    return text.replace("\x00", "")


def whole_number(text: str) -> int | None:
    """The whole number `text` spells in ASCII digits (spaces around allowed), else None."""
    stripped = text.strip()
    return int(stripped) if _WHOLE.fullmatch(stripped) else None


def row_id(text: object) -> int | None:
    """The database id a client-sent string names, or None if it cannot name a row."""
    if not isinstance(text, str) or not _ID.fullmatch(text):
        return None
    number = int(text)
    return number if 0 < number <= MAX_ID else None
