"""Block Kit as HTML: what a person would see on a surface, drawn for a browser.

The visual twin of `render.py`: headers, sections (text, fields, accessories), context,
actions, dividers, images and inputs become plain HTML with `bk-` classes, for a page
that has its own stylesheet. Every piece of text is escaped; Slack's mrkdwn (*bold*,
_italic_, ~strike~, `code`, mentions, channel and link references) is drawn as such.
Only `data:` images are drawn (a page that loads nothing from elsewhere); any other
image shows its alt text. Pure: blocks in, a string out.
"""

from __future__ import annotations

import re
from collections.abc import Callable, Mapping
from html import escape
from typing import Any

JsonDict = dict[str, Any]
Names = Mapping[str, str]

# Slack's <...> references: users, channels, special mentions, links.
_REFERENCE = re.compile(r"<([@#!]?)([^|>]+)(?:\|([^>]*))?>")
_PLACEHOLDER = re.compile("\x00(\\d+)\x00")
# Formatting marks, each bounded so `a*b` or snake_case words stay as typed.
_FORMATS = (
    (re.compile(r"`([^`\n]+)`"), "code"),
    (re.compile(r"(?<![\w*])\*([^*\n]+)\*(?![\w*])"), "b"),
    (re.compile(r"(?<![\w_])_([^_\n]+)_(?![\w_])"), "i"),
    (re.compile(r"(?<![\w~])~([^~\n]+)~(?![\w~])"), "s"),
)
_EMOJI_NAME = re.compile(r":([a-z0-9_+-]+):")
EMOJI = {
    "tada": "🎉",
    "wave": "👋",
    "calendar": "📅",
    "warning": "⚠️",
    "white_check_mark": "✅",
    "seedling": "🌱",
    "sparkles": "✨",
    "star": "⭐",
    "dart": "🎯",
    "envelope": "✉️",
    "envelope_with_arrow": "📩",
    "handshake": "🤝",
    "busts_in_silhouette": "👥",
    "compass": "🧭",
    "mega": "📣",
    "hourglass_flowing_sand": "⏳",
    "bulb": "💡",
    "chart_with_upwards_trend": "📈",
    "bar_chart": "📊",
    "pushpin": "📌",
    "memo": "📝",
    "x": "❌",
    "information_source": "ℹ️",
}


def blocks_html(blocks: list[JsonDict], names: Names | None = None) -> str:
    """The HTML of a surface's `blocks`, one element per block, in order."""
    names = names or {}
    drawn = []
    for block in blocks:
        draw = _BLOCKS.get(block.get("type", ""), _unknown_block)
        drawn.append(draw(block, names))
    return "\n".join(drawn)


def text_html(obj: JsonDict | None, names: Names | None = None) -> str:
    """A text object: mrkdwn drawn, plain_text escaped (its emoji names too)."""
    if not obj:
        return ""
    text = str(obj.get("text", ""))
    if obj.get("type") == "mrkdwn":
        return mrkdwn_html(text, names or {})
    return _emoji(escape(text)).replace("\n", "<br>")


def mrkdwn_html(text: str, names: Names) -> str:
    """Slack's mrkdwn as HTML. References are set aside first so that formatting marks
    inside a link never break it, then the rest is unescaped from Slack's &lt; &gt;
    &amp;, escaped for HTML and formatted."""
    kept: list[str] = []

    def keep(match: re.Match[str]) -> str:
        kept.append(_reference(match, names))
        return f"\x00{len(kept) - 1}\x00"

    text = _REFERENCE.sub(keep, text)
    text = text.replace("&lt;", "<").replace("&gt;", ">").replace("&amp;", "&")
    html = escape(text, quote=False)
    for pattern, tag in _FORMATS:
        html = pattern.sub(lambda m, tag=tag: f"<{tag}>{m.group(1)}</{tag}>", html)
    html = _emoji(html).replace("\n", "<br>")
    return _PLACEHOLDER.sub(lambda m: kept[int(m.group(1))], html)


def _reference(match: re.Match[str], names: Names) -> str:
    sigil, target, label = match.group(1), match.group(2), match.group(3)
    if sigil == "@":
        shown = names.get(target) or label or target
        return f'<span class="bk-mention">@{escape(shown)}</span>'
    if sigil == "#":
        return f'<span class="bk-mention">#{escape(label or target.lower())}</span>'
    if sigil == "!" and target.startswith("date^"):
        return escape(label or target)  # <!date^...|fallback>: a date in the reader's zone
    if sigil == "!":
        return f'<span class="bk-mention">@{escape(label or target)}</span>'
    shown = escape(label or target)
    if target.startswith(("http://", "https://", "mailto:")):
        return f'<a class="bk-link" href="{escape(target)}" rel="noreferrer">{shown}</a>'
    return shown


def _emoji(html: str) -> str:
    return _EMOJI_NAME.sub(lambda m: EMOJI.get(m.group(1), m.group(0)), html)


# --- blocks --------------------------------------------------------------------------------


def _header(block: JsonDict, names: Names) -> str:
    return f'<div class="bk-header">{text_html(block.get("text"), names)}</div>'


def _section(block: JsonDict, names: Names) -> str:
    parts = []
    if block.get("text"):
        parts.append(f'<div class="bk-text">{text_html(block["text"], names)}</div>')
    if block.get("fields"):
        fields = "".join(
            f'<div class="bk-field">{text_html(f, names)}</div>' for f in block["fields"]
        )
        parts.append(f'<div class="bk-fields">{fields}</div>')
    body = f'<div class="bk-section-body">{"".join(parts)}</div>'
    accessory = block.get("accessory")
    side = f'<div class="bk-accessory">{element_html(accessory, names)}</div>' if accessory else ""
    return f'<div class="bk-section">{body}{side}</div>'


def _context(block: JsonDict, names: Names) -> str:
    parts = [
        _image_tag(e, "bk-context-image") if e.get("type") == "image" else text_html(e, names)
        for e in block.get("elements", [])
    ]
    return f'<div class="bk-context">{" ".join(parts)}</div>'


def _actions(block: JsonDict, names: Names) -> str:
    elements = "".join(element_html(e, names) for e in block.get("elements", []))
    return f'<div class="bk-actions">{elements}</div>'


def _divider(block: JsonDict, names: Names) -> str:
    return '<hr class="bk-divider">'


def _image(block: JsonDict, names: Names) -> str:
    title = block.get("title")
    caption = f"<figcaption>{text_html(title, names)}</figcaption>" if title else ""
    return f'<figure class="bk-image">{_image_tag(block, "bk-image-img")}{caption}</figure>'


def _input(block: JsonDict, names: Names) -> str:
    label = text_html(block.get("label"), names)
    optional = ' <span class="bk-optional">(optional)</span>' if block.get("optional") else ""
    hint = block.get("hint")
    hint_html = f'<div class="bk-hint">{text_html(hint, names)}</div>' if hint else ""
    element = element_html(block.get("element") or {}, names)
    return (
        f'<div class="bk-input"><label class="bk-label">{label}{optional}</label>'
        f"{element}{hint_html}</div>"
    )


def _unknown_block(block: JsonDict, names: Names) -> str:
    # rich_text, video, file...: their plain words, so nothing a person saw goes missing
    return f'<div class="bk-other">{escape(_plain_words(block))}</div>'


_BLOCKS: dict[str, Callable[[JsonDict, Names], str]] = {
    "header": _header,
    "section": _section,
    "context": _context,
    "actions": _actions,
    "divider": _divider,
    "image": _image,
    "input": _input,
}


# --- elements ------------------------------------------------------------------------------


def element_html(element: JsonDict, names: Names | None = None) -> str:
    """An interactive element (or an image accessory) as it looks, not as it works."""
    names = names or {}
    kind = element.get("type", "")
    if kind == "button":
        style = element.get("style")
        classes = "bk-button" + (f" bk-{style}" if style in ("primary", "danger") else "")
        label = text_html(element.get("text"), names)
        return f'<button type="button" class="{classes}">{label}</button>'
    if kind == "image":
        return _image_tag(element, "bk-accessory-image")
    if kind in ("radio_buttons", "checkboxes"):
        return _choices(element, names)
    if kind == "plain_text_input":
        return _typed(element)
    if kind in ("datepicker", "timepicker"):
        value = element.get("initial_date") or element.get("initial_time") or ""
        shown = escape(value) or _placeholder(element, "Pick")
        return f'<span class="bk-picker">{shown}</span>'
    if kind == "overflow":
        return '<span class="bk-overflow">⋯</span>'
    return _select(element, names)


def _choices(element: JsonDict, names: Names) -> str:
    chosen = {o.get("value") for o in element.get("initial_options") or []}
    if element.get("initial_option"):
        chosen.add(element["initial_option"].get("value"))
    mark = "◉" if element.get("type") == "radio_buttons" else "☑"
    empty = "○" if element.get("type") == "radio_buttons" else "☐"
    items = "".join(
        f"<li>{mark if o.get('value') in chosen else empty} {text_html(o.get('text'), names)}</li>"
        for o in element.get("options", [])
    )
    return f'<ul class="bk-choices">{items}</ul>'


def _typed(element: JsonDict) -> str:
    value = element.get("initial_value")
    shown = escape(value) if value else _placeholder(element, "")
    tag = "bk-textarea" if element.get("multiline") else "bk-textbox"
    return f'<div class="{tag}">{shown or "&nbsp;"}</div>'


def _select(element: JsonDict, names: Names) -> str:
    """Selects of every kind: what they show chosen, else their placeholder."""
    picked = element.get("initial_option")
    several = element.get("initial_options") or []
    if picked:
        shown = text_html(picked.get("text"), names)
    elif several:
        shown = ", ".join(text_html(o.get("text"), names) for o in several)
    else:
        initial = (
            element.get("initial_user")
            or element.get("initial_conversation")
            or element.get("initial_channel")
        )
        shown = escape(names.get(initial, initial)) if initial else _placeholder(element, "Choose")
    return f'<span class="bk-select">{shown} ▾</span>'


def _placeholder(element: JsonDict, fallback: str) -> str:
    text = (element.get("placeholder") or {}).get("text") or fallback
    return f'<span class="bk-placeholder">{escape(text)}</span>' if text else ""


def _image_tag(obj: JsonDict, css: str) -> str:
    url, alt = str(obj.get("image_url", "")), escape(str(obj.get("alt_text", "")))
    if url.startswith("data:image/"):
        return f'<img class="{css}" src="{escape(url)}" alt="{alt}">'
    return f'<span class="{css} bk-missing-image">[{alt or "image"}]</span>'


def _plain_words(value: Any) -> str:
    if isinstance(value, dict):
        own = [str(value["text"])] if isinstance(value.get("text"), str) else []
        return " ".join(own + [_plain_words(v) for k, v in value.items() if k != "text"]).strip()
    if isinstance(value, list):
        return " ".join(_plain_words(v) for v in value).strip()
    return ""
