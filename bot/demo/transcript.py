"""The demo's transcript: what happened, in order, as data; written out as text.

The story appends entries; `write_text` prints them as they come, and the HTML page
(`bot/demo/page.py`) draws the same entries once the story is over.
"""

from __future__ import annotations

import textwrap
from collections.abc import Callable
from dataclasses import dataclass, field
from typing import Any

from bot.emulator.render import render_blocks

JsonDict = dict[str, Any]


@dataclass(frozen=True)
class Heading:
    title: str
    subtitle: str = ""


@dataclass(frozen=True)
class Narration:
    text: str


@dataclass(frozen=True)
class Surface:
    """Something a person sees in Slack: a DM, a modal, their Home tab, a channel post."""

    title: str  # who sees it, where and when
    kind: str  # "dm", "modal", "home", "channel", "reply"
    blocks: tuple[JsonDict, ...] = ()
    text: str = ""  # a message's fallback text, shown when it has no blocks
    brief: bool = False  # one of many alike: the text transcript gives its first line
    buttons: tuple[str, ...] = ()  # a modal's title, then its close and submit labels


@dataclass(frozen=True)
class Picture:
    title: str
    filename: str
    png: bytes


Entry = Heading | Narration | Surface | Picture


@dataclass
class Transcript:
    """Entries in story order; `echo` sees each as it is added (the text output)."""

    names: dict[str, str]
    echo: Callable[[Entry], None] | None = None
    entries: list[Entry] = field(default_factory=list)

    def add(self, entry: Entry) -> None:
        self.entries.append(entry)
        if self.echo is not None:
            self.echo(entry)

    def heading(self, title: str, subtitle: str = "") -> None:
        self.add(Heading(title, subtitle))

    def say(self, text: str) -> None:
        self.add(Narration(text))

    def surface(self, title: str, kind: str, message: JsonDict, brief: bool = False) -> None:
        blocks = tuple(message.get("blocks") or ())
        text = str(message.get("text") or "")
        labels = (message.get(part) or {} for part in ("title", "close", "submit"))
        buttons = tuple(str(label.get("text", "")) for label in labels)
        self.add(Surface(title, kind, blocks, text, brief, buttons if any(buttons) else ()))

    def picture(self, title: str, filename: str, png: bytes) -> None:
        self.add(Picture(title, filename, png))


def text_writer(names: dict[str, str], out: Callable[[str], Any]) -> Callable[[Entry], None]:
    """Writes each entry as plain text: headings ruled, surfaces indented with `|`."""

    def write(entry: Entry) -> None:
        if isinstance(entry, Heading):
            out(f"\n{'=' * 72}\n{entry.title}" + (f": {entry.subtitle}" if entry.subtitle else ""))
            out("=" * 72)
        elif isinstance(entry, Narration):
            out(f"\n{textwrap.fill(entry.text, 88)}")
        elif isinstance(entry, Surface):
            body = surface_text(entry, names)
            if entry.brief:
                out(f"- {entry.title}: {body.splitlines()[0] if body else '(nothing)'}")
            else:
                out(f"\n== {entry.title} ==")
                out(textwrap.indent(body or "(nothing)", "  | "))
        else:
            out(f"\n== {entry.title} ==\n  | [{entry.filename}: PNG, {len(entry.png):,} bytes]")

    return write


def surface_text(entry: Surface, names: dict[str, str]) -> str:
    if entry.blocks:
        return render_blocks(list(entry.blocks), names).strip()
    return render_blocks([{"type": "section", "text": {"text": entry.text}}], names).strip()
