"""Small readers of Slack payload shapes shared by the flows."""

from __future__ import annotations

from typing import Any


def team_of(body: dict[str, Any]) -> str:
    """The workspace of an interaction payload (block action or view submission)."""
    return (body.get("team") or {}).get("id") or body.get("user", {}).get("team_id", "")
