"""Text helpers every view shares: Slack's mrkdwn escaping, clipping to a limit, and the
check on what a view carries in private_metadata."""

from __future__ import annotations

MAX_PRIVATE_METADATA = 3000  # Slack's limit on a view's private_metadata


def escape(text: str) -> str:
    """Slack's three control characters in mrkdwn; names, goals and topics are typed by people."""
    return text.replace("&", "&amp;").replace("<", "&lt;").replace(">", "&gt;")


def clip(text: str, limit: int) -> str:
    """`text` cut to at most `limit` characters, with "…" where it was cut."""
    return text if len(text) <= limit else text[: limit - 1] + "…"


def check_metadata(private_metadata: str) -> None:
    """A caller bug, and Slack's answer (invalid_arguments) would not say which field."""
    if len(private_metadata) > MAX_PRIVATE_METADATA:
        raise ValueError(f"private_metadata is over {MAX_PRIVATE_METADATA} characters")
