"""Small readers of Slack payload shapes shared by the flows."""

from __future__ import annotations

from typing import Any


def team_of(body: dict[str, Any]) -> str:
    """The workspace of an interaction payload (block action or view submission)."""
    return (body.get("team") or {}).get("id") or body.get("user", {}).get("team_id", "")


MAX_ID_DIGITS = 18  # a row id; longer is a forged payload, and PostgreSQL would overflow


def row_id(value: object) -> int | None:
    """A row id from a payload field (a button value, private_metadata), or None."""
    raw = str(value) if isinstance(value, int | str) and not isinstance(value, bool) else ""
    if raw.isascii() and raw.isdigit() and len(raw) <= MAX_ID_DIGITS and int(raw) > 0:
        return int(raw)
    return None
