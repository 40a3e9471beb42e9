"""Text helpers every view shares: Slack's mrkdwn escaping, clipping to a limit, the
check on what a view carries in private_metadata, and the mrkdwn pieces that show what
people wrote (excerpts, topics, reasons) the same way in every flow."""

from __future__ import annotations

from collections.abc import Sequence

from slack_sdk.models.blocks import ContextBlock, MarkdownTextObject, SectionBlock

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


BUTTON_LABEL_MAX = 75  # Slack's limit for a button's accessibility label


def utf16_units(text: str) -> int:
    """Length in UTF-16 code units: never fewer than the characters Slack may count instead."""
    return len(text.encode("utf-16-le")) // 2


def excerpt(text: str, limit: int, *, one_line: bool = False) -> str:
    """`text` escaped for mrkdwn, cut with "…" so the result is at most `limit` units.

    Cutting the escaped text would split an entity ("&am…"), so it is cut character by
    character of the original, preferring a word boundary near the end.
    """
    text = " ".join(text.split()) if one_line else text.strip()
    escaped = escape(text)
    if utf16_units(escaped) <= limit:
        return escaped
    kept: list[str] = []
    size = 0
    for char in text:
        piece = escape(char)
        if size + utf16_units(piece) > limit - 1:  # room for the "…"
            break
        kept.append(piece)
        size += utf16_units(piece)
    cut = "".join(kept).rstrip()
    space = max(cut.rfind(" "), cut.rfind("\n"))
    if space > len(cut) * 3 // 4:  # a whole last word, unless that loses too much
        cut = cut[:space].rstrip()
    return cut + "…"


def button_label(text: str) -> str:
    """An accessibility label: a plain string attribute, not mrkdwn, so clipped, never escaped."""
    return clip(text, BUTTON_LABEL_MAX)


# What is shown (escaped, in UTF-16 units) of what people wrote, wherever it is shown.
TITLE_SHOWN = 120
TOPIC_SHOWN = 75  # a topic label's own limit
TOPICS_SHOWN = 5  # the rest become "+N more"
REASONS_SHOWN = 4
REASON_SHOWN = 200  # reasons are at most 150 characters; room for escaped "&"
GOALS_SHOWN = 600


def topics_line(topics: Sequence[str]) -> str:
    shown = " · ".join(excerpt(t, TOPIC_SHOWN, one_line=True) for t in topics[:TOPICS_SHOWN])
    hidden = len(topics) - TOPICS_SHOWN
    return f"{shown} +{hidden} more" if hidden > 0 else shown


def shown_reasons(reasons: Sequence[str]) -> list[str]:
    """The matcher's reasons worth a line, strongest first, at most REASONS_SHOWN."""
    return [r for r in reasons if r.strip()][:REASONS_SHOWN]


def reason_bullets(reasons: Sequence[str]) -> str:
    return "\n".join(f"• {excerpt(r, REASON_SHOWN, one_line=True)}" for r in reasons)


def section(block_id: str, text: str) -> SectionBlock:
    return SectionBlock(block_id=block_id, text=MarkdownTextObject(text=text))


def context(block_id: str, text: str) -> ContextBlock:
    return ContextBlock(block_id=block_id, elements=[MarkdownTextObject(text=text)])
