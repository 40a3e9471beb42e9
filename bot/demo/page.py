"""The demo's transcript as one self-contained HTML page: the same entries as the text,
with each Slack surface drawn from its Block Kit (`bot/emulator/html.py`) and the chart
inlined, so the page loads nothing from anywhere else."""

from __future__ import annotations

import base64
import re
from html import escape
from pathlib import Path

from bot.demo.transcript import Entry, Heading, Narration, Picture, Surface, Transcript
from bot.emulator.html import blocks_html, mrkdwn_html

KIND_LABELS = {
    "dm": "Direct message",
    "channel": "Channel",
    "modal": "Modal",
    "home": "Home tab",
    "reply": "Only you can see this",
}
STYLE = """
body { font: 15px/1.45 -apple-system, "Segoe UI", Roboto, "Noto Sans", sans-serif;
  margin: 0; background: #f4ede4; color: #1d1c1d; }
main { max-width: 860px; margin: 0 auto; padding: 24px; }
h1 { margin: 0 0 4px; font-size: 26px; }
nav { margin: 12px 0 24px; display: flex; flex-wrap: wrap; gap: 6px; }
nav a { background: #4a154b; color: #fff; padding: 3px 10px; border-radius: 12px;
  text-decoration: none; font-size: 13px; }
h2.chapter { margin: 36px 0 12px; padding: 10px 14px; background: #4a154b; color: #fff;
  border-radius: 6px; font-size: 20px; }
h2.chapter small { font-weight: normal; opacity: .85; margin-left: 8px; font-size: 15px; }
p.narration { margin: 14px 4px; font-style: italic; color: #444; }
.surface { background: #fff; border: 1px solid #ddd; border-radius: 8px; margin: 12px 0;
  overflow: hidden; box-shadow: 0 1px 2px rgba(0,0,0,.06); }
.surface-title { padding: 6px 12px; background: #f8f8f8; border-bottom: 1px solid #eee;
  font-size: 13px; color: #555; display: flex; justify-content: space-between; gap: 12px; }
.surface-kind { font-size: 11px; text-transform: uppercase; letter-spacing: .05em; color: #888; }
.surface.modal { border-color: #1264a3; max-width: 560px; }
.surface.modal .surface-title { background: #e8f1f8; }
.surface.home { border-color: #2bac76; }
.surface.home .surface-title { background: #e6f5ee; }
.blocks { padding: 10px 14px; }
details.surface > summary { cursor: pointer; padding: 6px 12px; font-size: 13px; color: #555; }
.bk-header { font-weight: 700; font-size: 18px; margin: 8px 0 6px; }
.bk-section { display: flex; gap: 12px; margin: 6px 0; }
.bk-section-body { flex: 1; }
.bk-fields { display: grid; grid-template-columns: 1fr 1fr; gap: 4px 16px; margin-top: 4px; }
.bk-context { color: #616061; font-size: 13px; margin: 4px 0; }
.bk-actions { display: flex; flex-wrap: wrap; gap: 8px; margin: 8px 0; }
.bk-button { font: inherit; font-size: 14px; font-weight: 600; padding: 4px 12px;
  border: 1px solid #bbb; border-radius: 4px; background: #fff; color: #1d1c1d; }
.bk-button.bk-primary { background: #007a5a; border-color: #007a5a; color: #fff; }
.bk-button.bk-danger { background: #fff; border-color: #e01e5a; color: #e01e5a; }
.bk-divider { border: 0; border-top: 1px solid #e5e5e5; margin: 10px 0; }
.bk-input { margin: 10px 0; }
.bk-label { display: block; font-weight: 700; margin-bottom: 4px; }
.bk-optional, .bk-placeholder { color: #888; font-weight: normal; }
.bk-hint { color: #616061; font-size: 12px; margin-top: 3px; }
.bk-textbox, .bk-textarea, .bk-select, .bk-picker { display: inline-block; min-width: 240px;
  border: 1px solid #bbb; border-radius: 4px; padding: 4px 8px; background: #fff; }
.bk-textarea { display: block; min-height: 48px; white-space: pre-wrap; }
.modal-title { font-weight: 700; font-size: 17px; padding: 10px 14px 0; }
.modal-footer { display: flex; justify-content: flex-end; gap: 8px; padding: 8px 14px 12px;
  border-top: 1px solid #eee; }
.bk-choices { list-style: none; padding: 0; margin: 2px 0; }
.bk-mention { background: #e8f5fa; color: #1264a3; border-radius: 3px; padding: 0 2px; }
.bk-link { color: #1264a3; }
code { background: #f6f6f6; border: 1px solid #e5e5e5; border-radius: 3px; padding: 0 3px;
  color: #c01343; font-size: 13px; }
.bk-image-img, figure.picture img { max-width: 100%; border-radius: 4px; }
.bk-accessory-image { width: 72px; height: 72px; object-fit: cover; border-radius: 4px; }
figure.picture { background: #fff; border: 1px solid #ddd; border-radius: 8px; margin: 12px 0;
  padding: 12px; }
figure.picture figcaption { font-size: 13px; color: #555; margin-bottom: 8px; }
pre.closing { white-space: pre-wrap; color: #555; }
"""


def write_page(path: Path, transcript: Transcript, title: str) -> None:
    path.write_text(page_html(transcript, title), encoding="utf-8")


def page_html(transcript: Transcript, title: str) -> str:
    chapters = [e for e in transcript.entries if isinstance(e, Heading)]
    nav = "".join(f'<a href="#{_anchor(h.title)}">{escape(h.title)}</a>' for h in chapters)
    body = "\n".join(_entry(entry, transcript.names) for entry in transcript.entries)
    return (
        '<!DOCTYPE html>\n<html lang="en"><head><meta charset="utf-8">'
        '<meta name="viewport" content="width=device-width, initial-scale=1">'
        f"<title>{escape(title)}</title><style>{STYLE}</style></head>\n"
        f"<body><main><h1>{escape(title)}</h1>"
        "<p>The real bot against a local Slack emulator: what each person saw in Slack, "
        "drawn from the Block Kit the bot sent.</p>"
        f"<nav>{nav}</nav>\n{body}\n</main></body></html>\n"
    )


def _entry(entry: Entry, names: dict[str, str]) -> str:
    if isinstance(entry, Heading):
        small = f"<small>{escape(entry.subtitle)}</small>" if entry.subtitle else ""
        return f'<h2 class="chapter" id="{_anchor(entry.title)}">{escape(entry.title)}{small}</h2>'
    if isinstance(entry, Narration):
        return f'<p class="narration">{escape(entry.text)}</p>'
    if isinstance(entry, Picture):
        data = base64.b64encode(entry.png).decode("ascii")
        return (
            f'<figure class="picture"><figcaption>{escape(entry.title)} '
            f"({escape(entry.filename)})</figcaption>"
            f'<img class="chart" src="data:image/png;base64,{data}" '
            f'alt="{escape(entry.title)}"></figure>'
        )
    return _surface(entry, names)


def _surface(entry: Surface, names: dict[str, str]) -> str:
    blocks = (
        blocks_html(list(entry.blocks), names)
        if entry.blocks
        else f'<div class="bk-text">{mrkdwn_html(entry.text, names)}</div>'
    )
    kind = escape(KIND_LABELS.get(entry.kind, entry.kind))
    css = f"surface {escape(entry.kind)}"
    if entry.brief:  # one of many alike: folded, a click away
        return (
            f'<details class="{css}"><summary>{escape(entry.title)}</summary>'
            f'<div class="blocks">{blocks}</div></details>'
        )
    head, foot = _modal_frame(entry.buttons)
    return (
        f'<section class="{css}"><div class="surface-title"><span>{escape(entry.title)}</span>'
        f'<span class="surface-kind">{kind}</span></div>{head}<div class="blocks">{blocks}</div>'
        f"{foot}</section>"
    )


def _modal_frame(buttons: tuple[str, ...]) -> tuple[str, str]:
    """A modal's title above its blocks and its Cancel / Submit buttons below them."""
    if not buttons:
        return "", ""
    title, close, submit = buttons
    head = f'<div class="modal-title">{escape(title)}</div>' if title else ""
    drawn = [f'<button type="button" class="bk-button">{escape(close)}</button>'] if close else []
    if submit:
        drawn.append(
            f'<button type="button" class="bk-button bk-primary">{escape(submit)}</button>'
        )
    foot = f'<div class="modal-footer">{"".join(drawn)}</div>' if drawn else ""
    return head, foot


def _anchor(title: str) -> str:
    return re.sub(r"[^a-z0-9]+", "-", title.lower()).strip("-")
