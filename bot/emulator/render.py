"""Block Kit as plain text: what a person would read on a surface, for the offline demo."""

from __future__ import annotations

import re
from typing import Any

_MENTION = re.compile(r"<@([A-Z0-9]+)>")
_LINK = re.compile(r"<([^|>]+)\|([^>]+)>")


def render_blocks(blocks: list[dict[str, Any]], names: dict[str, str] | None = None) -> str:
    """Readable text of `blocks`: headers, sections, fields, context, and [buttons]."""
    lines: list[str] = []
    for block in blocks:
        kind = block.get("type")
        if kind == "header":
            lines.append(_text(block["text"], names).upper())
        elif kind == "section":
            if "text" in block:
                lines.append(_text(block["text"], names))
            lines += [_text(field, names) for field in block.get("fields", [])]
            accessory = block.get("accessory")
            if accessory and accessory.get("type") == "button":
                lines.append(f"[{_text(accessory['text'], names)}]")
        elif kind == "context":
            lines.append(" ".join(_text(e, names) for e in block["elements"] if "text" in e))
        elif kind == "actions":
            buttons = [e for e in block["elements"] if e.get("type") == "button"]
            lines.append("  ".join(f"[{_text(b['text'], names)}]" for b in buttons))
        elif kind == "input":
            lines.append(f"{_text(block['label'], names)}: ____")
        elif kind == "divider":
            lines.append("-" * 40)
    return "\n".join(line for line in lines if line.strip())


def _text(obj: dict[str, Any], names: dict[str, str] | None) -> str:
    text = obj.get("text", "")
    text = _MENTION.sub(lambda m: "@" + (names or {}).get(m.group(1), m.group(1)), text)
    text = _LINK.sub(lambda m: m.group(2), text)
    return text.replace("&lt;", "<").replace("&gt;", ">").replace("&amp;", "&")
