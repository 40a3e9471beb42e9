"""Block Kit validation that rejects what Slack's Web API rejects.

Two layers run over every payload:

1. Explicit checks of the structure and limits Slack enforces (block counts, text
   lengths, option counts, unique ids, ``submit`` required by input blocks, ...).
   Several of these are not checked by ``slack_sdk.models`` at all.
2. ``slack_sdk.models`` parsing + validation of each block (and of the view's own
   fields), so anything the SDK's validators know about is caught too. It runs only
   on blocks that passed layer 1, so one mistake yields one message.

Messages look like Slack's: ``"<what> [json-pointer:/view/title/text]"``. The limits
come from the Block Kit reference (docs.slack.dev/reference/block-kit) and agree with
the constants in ``slack_sdk.models``.
"""

from __future__ import annotations

import copy
import datetime as dt
import json
import re
from collections.abc import Iterator
from typing import Any, Literal

from slack_sdk.errors import SlackObjectFormationError
from slack_sdk.models.blocks import Block
from slack_sdk.models.views import View

Surface = Literal["message", "modal", "home"]
SURFACES: tuple[Surface, ...] = ("message", "modal", "home")

# --- limits (Block Kit reference; slack_sdk.models agrees where it checks them) ---
MAX_MESSAGE_BLOCKS = 50
MAX_VIEW_BLOCKS = 100
MAX_MESSAGE_TEXT = 40_000  # chat.postMessage answers msg_too_long past this
MAX_VIEW_BYTES = 250 * 1024  # views.* answer view_too_large for views "greater than 250kb"
MAX_TITLE = 24  # modal title, submit and close
MAX_CALLBACK_ID = 255
MAX_EXTERNAL_ID = 255
MAX_PRIVATE_METADATA = 3000
MAX_BLOCK_ID = 255
MAX_ACTION_ID = 255
MAX_SECTION_TEXT = 3000
MAX_SECTION_FIELDS = 10
MAX_FIELD_TEXT = 2000
MAX_HEADER_TEXT = 150
MAX_MARKDOWN_TEXT = 12_000
MAX_CONTEXT_ELEMENTS = 10
MAX_ACTIONS_ELEMENTS = 25
MAX_BUTTON_TEXT = 75
MAX_BUTTON_VALUE = 2000
MAX_URL = 3000
MAX_PLACEHOLDER = 150
MAX_SELECT_OPTIONS = 100
MAX_OPTION_GROUPS = 100
MAX_OPTION_TEXT = 75
MAX_OPTION_VALUE = 150
MAX_OPTION_DESCRIPTION = 75
MAX_OPTION_GROUP_LABEL = 75
MAX_CHOICE_OPTIONS = 10  # checkboxes and radio_buttons
MAX_OVERFLOW_OPTIONS = 5
MAX_INPUT_LABEL = 2000
MAX_INPUT_HINT = 2000
MAX_TEXT_INPUT_LENGTH = 3000  # plain_text_input min_length / max_length
MAX_IMAGE_ALT_TEXT = 2000
MAX_IMAGE_TITLE = 2000
MAX_VIDEO_TITLE = 200
MAX_CONFIRM_TITLE = 100
MAX_CONFIRM_TEXT = 300
MAX_CONFIRM_BUTTON = 30

SELECT_TYPES = frozenset(
    {
        "static_select",
        "external_select",
        "users_select",
        "conversations_select",
        "channels_select",
        "multi_static_select",
        "multi_external_select",
        "multi_users_select",
        "multi_conversations_select",
        "multi_channels_select",
    }
)
ACTIONS_ELEMENT_TYPES = SELECT_TYPES | {
    "button",
    "checkboxes",
    "datepicker",
    "datetimepicker",
    "overflow",
    "radio_buttons",
    "timepicker",
    "workflow_button",
    "rich_text_input",
}
ACCESSORY_TYPES = SELECT_TYPES | {
    "button",
    "checkboxes",
    "datepicker",
    "image",
    "overflow",
    "radio_buttons",
    "timepicker",
    "workflow_button",
}
INPUT_ELEMENT_TYPES = SELECT_TYPES | {
    "checkboxes",
    "datepicker",
    "datetimepicker",
    "email_text_input",
    "file_input",
    "number_input",
    "plain_text_input",
    "radio_buttons",
    "rich_text_input",
    "timepicker",
    "url_text_input",
}
TEXT_TYPES = frozenset({"plain_text", "mrkdwn"})
STYLES = frozenset({"primary", "danger"})
# Blocks Slack only renders in messages.
MESSAGE_ONLY_BLOCKS = frozenset({"file", "markdown"})


def _sdk_block_types() -> frozenset[str]:
    """Every block type slack_sdk can parse, so new Slack blocks are not called unknown."""

    def walk(cls: type) -> Iterator[type]:
        for sub in cls.__subclasses__():
            yield sub
            yield from walk(sub)

    return frozenset(t for c in walk(Block) if isinstance(t := getattr(c, "type", None), str))


KNOWN_BLOCK_TYPES = _sdk_block_types() | {
    "section",
    "divider",
    "image",
    "actions",
    "context",
    "input",
    "header",
    "rich_text",
    "video",
    "file",
    "markdown",
}

_DATE = re.compile(r"^\d{4}-\d{2}-\d{2}$")
_TIME = re.compile(r"([01]\d|2[0-3]):[0-5]\d")  # HH:mm, 24-hour


def validate_blocks(
    blocks: Any, surface: Surface = "message", *, pointer: str = "/blocks"
) -> list[str]:
    """Return Slack-style error messages for ``blocks`` on ``surface`` ([] when valid)."""
    if surface not in SURFACES:
        raise ValueError(f"surface must be one of {SURFACES}, not {surface!r}")
    checker = _Checker(surface)
    checker.blocks(blocks, pointer)
    return checker.errors


def validate_view(view: Any, *, pointer: str = "/view") -> list[str]:
    """Return Slack-style error messages for a modal or home ``view`` ([] when valid)."""
    if not isinstance(view, dict):
        return [f"must be an object [json-pointer:{pointer}]"]
    kind = view.get("type")
    if kind not in ("modal", "home"):
        return [f"must be one of: modal, home [json-pointer:{pointer}/type]"]
    checker = _Checker(kind)
    checker.view(view, pointer)
    return checker.errors


def view_size(view: Any) -> int:
    """Size in bytes of the view as Slack receives it (compact JSON)."""
    return len(json.dumps(view, separators=(",", ":"), ensure_ascii=False).encode())


def iter_elements(blocks: Any) -> Iterator[tuple[dict[str, Any], dict[str, Any]]]:
    """Yield (block, element) for every interactive element in a list of blocks."""
    if not isinstance(blocks, list):
        return
    for block in blocks:
        if not isinstance(block, dict):
            continue
        candidates: list[Any] = []
        if block.get("type") == "actions":
            candidates = list(block.get("elements") or [])
        elif block.get("type") == "section":
            candidates = [block.get("accessory")]
        elif block.get("type") == "input":
            candidates = [block.get("element")]
        for element in candidates:
            if isinstance(element, dict) and element.get("type") not in (None, "image"):
                yield block, element


class _Checker:
    """Walks one payload and collects every error (Slack reports them all at once)."""

    def __init__(self, surface: Surface) -> None:
        self.surface = surface
        self.errors: list[str] = []
        self._block_ids: dict[str, str] = {}

    def fail(self, message: str, pointer: str) -> None:
        self.errors.append(f"{message} [json-pointer:{pointer}]")

    # --- generic field helpers -------------------------------------------------------

    def string(
        self,
        parent: dict[str, Any],
        key: str,
        ptr: str,
        *,
        max_len: int | None = None,
        required: bool = False,
        min_len: int = 1,
    ) -> str | None:
        value = parent.get(key)
        if value is None:
            if required:
                self.fail(f"missing required field: {key}", ptr)
            return None
        if not isinstance(value, str):
            self.fail("must be a string", f"{ptr}/{key}")
            return None
        if len(value) < min_len:
            self.fail(f"must be more than {min_len - 1} characters", f"{ptr}/{key}")
        elif max_len is not None and len(value) > max_len:
            self.fail(f"must be less than {max_len + 1} characters", f"{ptr}/{key}")
        return value

    def array(
        self,
        parent: dict[str, Any],
        key: str,
        ptr: str,
        *,
        max_items: int | None = None,
        min_items: int = 1,
        required: bool = False,
    ) -> list[Any] | None:
        value = parent.get(key)
        if value is None:
            if required:
                self.fail(f"missing required field: {key}", ptr)
            return None
        if not isinstance(value, list):
            self.fail("must be an array", f"{ptr}/{key}")
            return None
        if len(value) < min_items:
            self.fail(f"must provide at least {min_items} items", f"{ptr}/{key}")
        elif max_items is not None and len(value) > max_items:
            self.fail(f"no more than {max_items} items allowed", f"{ptr}/{key}")
        return value

    def text(
        self,
        parent: dict[str, Any],
        key: str,
        ptr: str,
        *,
        max_len: int | None = None,
        plain_only: bool = False,
        required: bool = False,
    ) -> None:
        obj = parent.get(key)
        if obj is None:
            if required:
                self.fail(f"missing required field: {key}", ptr)
            return
        self.text_object(obj, f"{ptr}/{key}", max_len=max_len, plain_only=plain_only)

    def text_object(
        self, obj: Any, ptr: str, *, max_len: int | None = None, plain_only: bool = False
    ) -> None:
        if not isinstance(obj, dict):
            self.fail("must be a text object", ptr)
            return
        kind = obj.get("type")
        if kind is None:
            self.fail("missing required field: type", ptr)
        elif kind not in TEXT_TYPES:
            self.fail(f"unsupported type: {kind}", f"{ptr}/type")
        elif plain_only and kind != "plain_text":
            self.fail("must be a plain_text text object", f"{ptr}/type")
        elif kind == "mrkdwn" and "emoji" in obj:
            self.fail("invalid additional property: emoji", ptr)
        self.string(obj, "text", ptr, max_len=max_len, required=True)

    def action_id(self, element: dict[str, Any], ptr: str) -> None:
        self.string(element, "action_id", ptr, max_len=MAX_ACTION_ID)

    def confirm(self, element: dict[str, Any], ptr: str) -> None:
        confirm = element.get("confirm")
        if confirm is None:
            return
        ptr = f"{ptr}/confirm"
        if not isinstance(confirm, dict):
            self.fail("must be an object", ptr)
            return
        self.text(confirm, "title", ptr, max_len=MAX_CONFIRM_TITLE, plain_only=True, required=True)
        self.text(confirm, "text", ptr, max_len=MAX_CONFIRM_TEXT, required=True)
        for key in ("confirm", "deny"):
            self.text(confirm, key, ptr, max_len=MAX_CONFIRM_BUTTON, plain_only=True, required=True)
        self.enum(confirm, "style", ptr, STYLES)

    def enum(self, parent: dict[str, Any], key: str, ptr: str, allowed: frozenset[str]) -> None:
        value = parent.get(key)
        if value is not None and value not in allowed:
            self.fail(f"must be one of: {', '.join(sorted(allowed))}", f"{ptr}/{key}")

    # --- payloads ----------------------------------------------------------------------

    def view(self, view: dict[str, Any], ptr: str) -> None:
        own_errors = len(self.errors)
        if self.surface == "modal":
            self.text(view, "title", ptr, max_len=MAX_TITLE, plain_only=True, required=True)
            self.text(view, "submit", ptr, max_len=MAX_TITLE, plain_only=True)
            self.text(view, "close", ptr, max_len=MAX_TITLE, plain_only=True)
        else:
            self.text(view, "title", ptr, max_len=MAX_TITLE, plain_only=True)
            for key in ("submit", "close"):
                if view.get(key) is not None:
                    self.fail(f"invalid additional property: {key}", ptr)
        self.string(view, "callback_id", ptr, max_len=MAX_CALLBACK_ID, min_len=0)
        self.string(view, "external_id", ptr, max_len=MAX_EXTERNAL_ID, min_len=0)
        self.string(view, "private_metadata", ptr, max_len=MAX_PRIVATE_METADATA, min_len=0)
        if len(self.errors) == own_errors:
            self.sdk_view(view, ptr)
        if "blocks" not in view:
            self.fail("missing required field: blocks", ptr)
            return
        self.blocks(view["blocks"], f"{ptr}/blocks")
        if self.surface == "modal" and view.get("submit") is None:
            for i, block in enumerate(view["blocks"] if isinstance(view["blocks"], list) else []):
                if isinstance(block, dict) and block.get("type") == "input":
                    self.fail(
                        "must define `submit` to use an `input` block in modals",
                        f"{ptr}/blocks/{i}",
                    )
                    break
        size = view_size(view)
        if size > MAX_VIEW_BYTES:
            self.fail(f"view is {size} bytes; must be no more than {MAX_VIEW_BYTES}", ptr)

    def blocks(self, blocks: Any, ptr: str) -> None:
        if not isinstance(blocks, list):
            self.fail("must be an array", ptr)
            return
        limit = MAX_MESSAGE_BLOCKS if self.surface == "message" else MAX_VIEW_BLOCKS
        if len(blocks) > limit:
            self.fail(f"no more than {limit} items allowed", ptr)
        if self.surface != "message" and not blocks:
            self.fail("must provide at least 1 items", ptr)
        for i, block in enumerate(blocks):
            before = len(self.errors)
            self.block(block, f"{ptr}/{i}")
            if len(self.errors) == before and isinstance(block, dict):
                self.sdk_block(block, f"{ptr}/{i}")

    def block(self, block: Any, ptr: str) -> None:
        if not isinstance(block, dict):
            self.fail("must be an object", ptr)
            return
        kind = block.get("type")
        if kind is None:
            self.fail("missing required field: type", ptr)
            return
        if kind not in KNOWN_BLOCK_TYPES:
            self.fail(f"unsupported type: {kind}", f"{ptr}/type")
            return
        if kind in MESSAGE_ONLY_BLOCKS and self.surface != "message":
            self.fail(f"unsupported type: {kind} (only allowed in messages)", f"{ptr}/type")
            return
        block_id = self.string(block, "block_id", ptr, max_len=MAX_BLOCK_ID)
        if block_id:
            if block_id in self._block_ids:
                self.fail(
                    f"duplicate block_id: {block_id!r} is already used at "
                    f"{self._block_ids[block_id]}",
                    f"{ptr}/block_id",
                )
            else:
                self._block_ids[block_id] = ptr
        handler = getattr(self, f"block_{kind}", None)
        if handler is not None:
            handler(block, ptr)

    # --- blocks ------------------------------------------------------------------------

    def block_section(self, block: dict[str, Any], ptr: str) -> None:
        if block.get("text") is None and block.get("fields") is None:
            self.fail("missing required field: text or fields", ptr)
        self.text(block, "text", ptr, max_len=MAX_SECTION_TEXT)
        fields = self.array(block, "fields", ptr, max_items=MAX_SECTION_FIELDS)
        for i, field in enumerate(fields or []):
            self.text_object(field, f"{ptr}/fields/{i}", max_len=MAX_FIELD_TEXT)
        if block.get("accessory") is not None:
            self.element(block["accessory"], f"{ptr}/accessory", ACCESSORY_TYPES)

    def block_actions(self, block: dict[str, Any], ptr: str) -> None:
        elements = self.array(block, "elements", ptr, max_items=MAX_ACTIONS_ELEMENTS, required=True)
        seen: dict[str, int] = {}
        for i, element in enumerate(elements or []):
            self.element(element, f"{ptr}/elements/{i}", ACTIONS_ELEMENT_TYPES)
            action_id = element.get("action_id") if isinstance(element, dict) else None
            if isinstance(action_id, str):
                if action_id in seen:
                    self.fail(
                        f"duplicate action_id: {action_id!r} is already used by element "
                        f"{seen[action_id]} of this block",
                        f"{ptr}/elements/{i}/action_id",
                    )
                seen.setdefault(action_id, i)

    def block_context(self, block: dict[str, Any], ptr: str) -> None:
        elements = self.array(block, "elements", ptr, max_items=MAX_CONTEXT_ELEMENTS, required=True)
        for i, element in enumerate(elements or []):
            eptr = f"{ptr}/elements/{i}"
            if isinstance(element, dict) and element.get("type") == "image":
                self.element_image(element, eptr)
            else:
                self.text_object(element, eptr)

    def block_input(self, block: dict[str, Any], ptr: str) -> None:
        self.text(block, "label", ptr, max_len=MAX_INPUT_LABEL, plain_only=True, required=True)
        self.text(block, "hint", ptr, max_len=MAX_INPUT_HINT, plain_only=True)
        if block.get("element") is None:
            self.fail("missing required field: element", ptr)
        else:
            self.element(block["element"], f"{ptr}/element", INPUT_ELEMENT_TYPES)

    def block_header(self, block: dict[str, Any], ptr: str) -> None:
        self.text(block, "text", ptr, max_len=MAX_HEADER_TEXT, plain_only=True, required=True)

    def block_image(self, block: dict[str, Any], ptr: str) -> None:
        self.element_image(block, ptr)
        self.text(block, "title", ptr, max_len=MAX_IMAGE_TITLE, plain_only=True)

    def block_markdown(self, block: dict[str, Any], ptr: str) -> None:
        self.string(block, "text", ptr, max_len=MAX_MARKDOWN_TEXT, required=True)

    def block_rich_text(self, block: dict[str, Any], ptr: str) -> None:
        self.array(block, "elements", ptr, min_items=0, required=True)

    def block_video(self, block: dict[str, Any], ptr: str) -> None:
        self.string(block, "alt_text", ptr, required=True)
        self.text(block, "title", ptr, max_len=MAX_VIDEO_TITLE, plain_only=True, required=True)
        self.string(block, "thumbnail_url", ptr, max_len=MAX_URL, required=True)
        self.string(block, "video_url", ptr, max_len=MAX_URL, required=True)

    def block_file(self, block: dict[str, Any], ptr: str) -> None:
        self.string(block, "external_id", ptr, required=True)
        self.string(block, "source", ptr, required=True)

    # --- elements ----------------------------------------------------------------------

    def element(self, element: Any, ptr: str, allowed: frozenset[str]) -> None:
        if not isinstance(element, dict):
            self.fail("must be an object", ptr)
            return
        kind = element.get("type")
        if kind is None:
            self.fail("missing required field: type", ptr)
            return
        if kind not in allowed:
            self.fail(f"unsupported type: {kind}", f"{ptr}/type")
            return
        if kind != "image":
            self.action_id(element, ptr)
            self.confirm(element, ptr)
        self.text(element, "placeholder", ptr, max_len=MAX_PLACEHOLDER, plain_only=True)
        if kind in SELECT_TYPES:
            self.element_select(element, ptr)
            return
        handler = getattr(self, f"element_{kind}", None)
        if handler is not None:
            handler(element, ptr)

    def element_button(self, element: dict[str, Any], ptr: str) -> None:
        self.text(element, "text", ptr, max_len=MAX_BUTTON_TEXT, plain_only=True, required=True)
        self.string(element, "value", ptr, max_len=MAX_BUTTON_VALUE)
        self.string(element, "url", ptr, max_len=MAX_URL)
        self.string(element, "accessibility_label", ptr, max_len=MAX_BUTTON_TEXT)
        self.enum(element, "style", ptr, STYLES)

    def element_workflow_button(self, element: dict[str, Any], ptr: str) -> None:
        self.text(element, "text", ptr, max_len=MAX_BUTTON_TEXT, plain_only=True, required=True)
        if element.get("workflow") is None:
            self.fail("missing required field: workflow", ptr)
        self.enum(element, "style", ptr, STYLES)

    def element_image(self, element: dict[str, Any], ptr: str) -> None:
        if element.get("image_url") is None and element.get("slack_file") is None:
            self.fail("missing required field: image_url or slack_file", ptr)
        self.string(element, "image_url", ptr, max_len=MAX_URL)
        self.string(element, "alt_text", ptr, max_len=MAX_IMAGE_ALT_TEXT, required=True)

    def element_select(self, element: dict[str, Any], ptr: str) -> None:
        kind = element["type"]
        if kind in ("static_select", "multi_static_select"):
            options = self.option_list(element, ptr, max_items=MAX_SELECT_OPTIONS, plain_only=True)
            multi = kind.startswith("multi_")
            self.initial_options(element, ptr, options, multi=multi)
        if kind.startswith("multi_"):
            limit = element.get("max_selected_items")
            if limit is not None and (not isinstance(limit, int) or limit < 1):
                self.fail("must be an integer of at least 1", f"{ptr}/max_selected_items")

    def element_overflow(self, element: dict[str, Any], ptr: str) -> None:
        options = self.array(element, "options", ptr, max_items=MAX_OVERFLOW_OPTIONS, required=True)
        for i, option in enumerate(options or []):
            self.option(option, f"{ptr}/options/{i}", plain_only=True)

    def element_checkboxes(self, element: dict[str, Any], ptr: str) -> None:
        options = self.array(element, "options", ptr, max_items=MAX_CHOICE_OPTIONS, required=True)
        for i, option in enumerate(options or []):
            self.option(option, f"{ptr}/options/{i}", plain_only=False)
        self.initial_options(element, ptr, options or [], multi=True)

    def element_radio_buttons(self, element: dict[str, Any], ptr: str) -> None:
        options = self.array(element, "options", ptr, max_items=MAX_CHOICE_OPTIONS, required=True)
        for i, option in enumerate(options or []):
            self.option(option, f"{ptr}/options/{i}", plain_only=False)
        self.initial_options(element, ptr, options or [], multi=False)

    def element_datepicker(self, element: dict[str, Any], ptr: str) -> None:
        value = element.get("initial_date")
        if value is None:
            return
        try:
            valid = isinstance(value, str) and bool(_DATE.match(value))
            valid = valid and bool(dt.date.fromisoformat(value))
        except ValueError:
            valid = False
        if not valid:
            self.fail("must be a date in the format YYYY-MM-DD", f"{ptr}/initial_date")

    def element_timepicker(self, element: dict[str, Any], ptr: str) -> None:
        value = element.get("initial_time")
        if value is not None and not (isinstance(value, str) and _TIME.fullmatch(value)):
            self.fail("must be a time in the format HH:mm", f"{ptr}/initial_time")

    def element_plain_text_input(self, element: dict[str, Any], ptr: str) -> None:
        bounds: dict[str, int] = {}
        for key, low in (("min_length", 0), ("max_length", 1)):
            value = element.get(key)
            if value is None:
                continue
            if not isinstance(value, int) or isinstance(value, bool):
                self.fail("must be an integer", f"{ptr}/{key}")
            elif not low <= value <= MAX_TEXT_INPUT_LENGTH:
                self.fail(f"must be between {low} and {MAX_TEXT_INPUT_LENGTH}", f"{ptr}/{key}")
            else:
                bounds[key] = value
        if bounds.get("min_length", 0) > bounds.get("max_length", MAX_TEXT_INPUT_LENGTH):
            self.fail("min_length must not be greater than max_length", f"{ptr}/min_length")
        initial = element.get("initial_value")
        if initial is not None:
            limit = bounds.get("max_length", MAX_TEXT_INPUT_LENGTH)
            if not isinstance(initial, str):
                self.fail("must be a string", f"{ptr}/initial_value")
            elif len(initial) > limit:
                self.fail(f"must be less than {limit + 1} characters", f"{ptr}/initial_value")

    def element_file_input(self, element: dict[str, Any], ptr: str) -> None:
        # Submitted with the modal that holds it: Slack takes it in modals only.
        if self.surface != "modal":
            self.fail("unsupported type: file_input (only allowed in modals)", f"{ptr}/type")
        limit = element.get("max_files")
        if limit is not None and (
            not isinstance(limit, int) or isinstance(limit, bool) or not 1 <= limit <= 10
        ):
            self.fail("must be an integer between 1 and 10", f"{ptr}/max_files")
        filetypes = self.array(element, "filetypes", ptr)
        for i, kind in enumerate(filetypes or []):
            if not isinstance(kind, str) or not kind:
                self.fail("must be a non-empty string", f"{ptr}/filetypes/{i}")

    def element_number_input(self, element: dict[str, Any], ptr: str) -> None:
        if element.get("is_decimal_allowed") is None:
            self.fail("missing required field: is_decimal_allowed", ptr)

    # --- options -----------------------------------------------------------------------

    def option_list(
        self, element: dict[str, Any], ptr: str, *, max_items: int, plain_only: bool
    ) -> list[Any]:
        has_options = element.get("options") is not None
        has_groups = element.get("option_groups") is not None
        if has_options == has_groups:
            self.fail("must provide exactly one of options or option_groups", ptr)
        options: list[Any] = []
        for i, option in enumerate(self.array(element, "options", ptr, max_items=max_items) or []):
            self.option(option, f"{ptr}/options/{i}", plain_only=plain_only)
            options.append(option)
        groups = self.array(element, "option_groups", ptr, max_items=MAX_OPTION_GROUPS) or []
        for g, group in enumerate(groups):
            gptr = f"{ptr}/option_groups/{g}"
            if not isinstance(group, dict):
                self.fail("must be an object", gptr)
                continue
            self.text(
                group, "label", gptr, max_len=MAX_OPTION_GROUP_LABEL, plain_only=True, required=True
            )
            grouped = self.array(
                group, "options", gptr, max_items=MAX_SELECT_OPTIONS, required=True
            )
            for i, option in enumerate(grouped or []):
                self.option(option, f"{gptr}/options/{i}", plain_only=plain_only)
                options.append(option)
        return options

    def option(self, option: Any, ptr: str, *, plain_only: bool) -> None:
        if not isinstance(option, dict):
            self.fail("must be an object", ptr)
            return
        self.text(
            option, "text", ptr, max_len=MAX_OPTION_TEXT, plain_only=plain_only, required=True
        )
        self.string(option, "value", ptr, max_len=MAX_OPTION_VALUE, required=True)
        self.text(option, "description", ptr, max_len=MAX_OPTION_DESCRIPTION)
        self.string(option, "url", ptr, max_len=MAX_URL)

    def initial_options(
        self, element: dict[str, Any], ptr: str, options: list[Any], *, multi: bool
    ) -> None:
        # Slack refuses an initial option that is not one of the element's options.
        values = {o.get("value") for o in options if isinstance(o, dict)}
        key = "initial_options" if multi else "initial_option"
        initial = element.get(key)
        if initial is None:
            return
        chosen = initial if multi else [initial]
        if not isinstance(chosen, list):
            self.fail("must be an array", f"{ptr}/{key}")
            return
        for i, option in enumerate(chosen):
            optr = f"{ptr}/{key}/{i}" if multi else f"{ptr}/{key}"
            if not isinstance(option, dict) or option.get("value") not in values:
                self.fail("must match one of the provided options", optr)

    # --- slack_sdk second opinion --------------------------------------------------------

    def sdk_block(self, block: dict[str, Any], ptr: str) -> None:
        try:
            parsed = Block.parse(copy.deepcopy(block))
            if parsed is not None:
                parsed.to_dict()  # to_dict() runs every nested validator
        except SlackObjectFormationError as e:
            self.fail(str(e), ptr)
        except (TypeError, ValueError, KeyError, AttributeError) as e:
            self.fail(f"malformed block ({type(e).__name__}: {e})", ptr)

    def sdk_view(self, view: dict[str, Any], ptr: str) -> None:
        # Blocks are checked one by one by sdk_block; here only the view's own fields.
        fields = {k: copy.deepcopy(v) for k, v in view.items() if k != "blocks"}
        try:
            parsed = View(**fields)
            parsed.blocks = None  # counted (with Slack's limits) by blocks()
            parsed.validate_json()
        except SlackObjectFormationError as e:
            self.fail(str(e), ptr)
        except (TypeError, ValueError, KeyError, AttributeError) as e:
            self.fail(f"malformed view ({type(e).__name__}: {e})", ptr)
