"""Small readers of Slack payload shapes shared by the flows."""

from __future__ import annotations

from typing import Any

from bot.text_input import row_id


def team_of(body: dict[str, Any]) -> str:
    """The workspace of an interaction payload (block action or view submission)."""
    return (body.get("team") or {}).get("id") or body.get("user", {}).get("team_id", "")


def metadata_id(value: object) -> int | None:
    """A row id from our own JSON private_metadata (a number there), bounded like any id
    a client sends: the metadata comes back through the client."""
    is_number = isinstance(value, int) and not isinstance(value, bool)
    return row_id(str(value) if is_number else value)


def selected_value(view: dict[str, Any], block_id: str, action_id: str) -> str | None:
    """The value of the option chosen in a select of a submitted view; None when there is
    none (left empty, or a forged view without that field)."""
    values = (view.get("state") or {}).get("values") or {}
    state = (values.get(block_id) or {}).get(action_id) if isinstance(values, dict) else None
    option = state.get("selected_option") if isinstance(state, dict) else None
    value = option.get("value") if isinstance(option, dict) else None
    return value if isinstance(value, str) else None
