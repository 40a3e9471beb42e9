"""Block Kit validation rejects what Slack rejects, with Slack-shaped messages."""

from __future__ import annotations

from typing import Any

import pytest
from hypothesis import given
from hypothesis import strategies as st
from slack_sdk.models.blocks import (
    ActionsBlock,
    ButtonElement,
    CheckboxesElement,
    ConfirmObject,
    ContextBlock,
    DatePickerElement,
    DividerBlock,
    HeaderBlock,
    ImageElement,
    InputBlock,
    MarkdownTextObject,
    Option,
    OptionGroup,
    OverflowMenuElement,
    PlainTextInputElement,
    SectionBlock,
    StaticSelectElement,
    UserMultiSelectElement,
)
from slack_sdk.models.views import View

from bot.emulator import validate_blocks, validate_view, view_size


def plain(text: str) -> dict[str, Any]:
    return {"type": "plain_text", "text": text}


def section(text: str = "hi", **extra: Any) -> dict[str, Any]:
    return {"type": "section", "text": {"type": "mrkdwn", "text": text}, **extra}


def button(action_id: str = "go", text: str = "Go", **extra: Any) -> dict[str, Any]:
    return {"type": "button", "action_id": action_id, "text": plain(text), **extra}


def modal(blocks: list[Any], **extra: Any) -> dict[str, Any]:
    return {"type": "modal", "title": plain("Mentoring"), "blocks": blocks, **extra}


def option(value: str = "v", text: str = "Text") -> dict[str, Any]:
    return {"text": plain(text), "value": value}


# --- valid payloads pass ------------------------------------------------------------------


def test_a_rich_modal_built_with_slack_sdk_models_is_valid() -> None:
    view = View(
        type="modal",
        callback_id="signup",
        title="Find a mentor",
        submit="Submit",
        close="Cancel",
        private_metadata='{"cohort": 7}',
        blocks=[
            HeaderBlock(text="Tell us about you"),
            SectionBlock(text="*Hi!*", accessory=ButtonElement(text="Help", action_id="help")),
            InputBlock(
                block_id="goal",
                label="Your goal",
                element=PlainTextInputElement(action_id="value", multiline=True, max_length=500),
            ),
            InputBlock(
                block_id="topic",
                label="Topic",
                element=StaticSelectElement(
                    action_id="value",
                    placeholder="Pick one",
                    option_groups=[
                        OptionGroup(label="Tech", options=[Option(text="Py", value="py")])
                    ],
                ),
            ),
            InputBlock(
                block_id="peers",
                label="Peers",
                optional=True,
                element=UserMultiSelectElement(action_id="value", placeholder="Who?"),
            ),
            InputBlock(
                block_id="days",
                label="Days",
                element=CheckboxesElement(
                    action_id="value",
                    options=[Option(text="Mon", value="mon"), Option(text="Tue", value="tue")],
                    initial_options=[Option(text="Mon", value="mon")],
                ),
            ),
            InputBlock(
                block_id="start",
                label="Start",
                element=DatePickerElement(action_id="value", initial_date="2025-02-28"),
            ),
            ActionsBlock(
                elements=[
                    ButtonElement(
                        text="Leave",
                        action_id="leave",
                        style="danger",
                        confirm=ConfirmObject(title="Sure?", text="You will leave."),
                    ),
                    OverflowMenuElement(action_id="more", options=[Option(text="A", value="a")]),
                ]
            ),
            ContextBlock(
                elements=[
                    MarkdownTextObject(text="_psst_"),
                    ImageElement(image_url="https://example.com/a.png", alt_text="a"),
                ]
            ),
            DividerBlock(),
        ],
    ).to_dict()
    assert validate_view(view) == []


def test_a_home_view_and_a_plain_message_are_valid() -> None:
    home = View(type="home", blocks=[SectionBlock(text="Welcome", fields=["a", "b"])]).to_dict()
    assert validate_view(home) == []
    message = [section(), {"type": "divider"}, {"type": "markdown", "text": "**Hi**"}]
    assert validate_blocks(message) == []


# --- limits Slack enforces ------------------------------------------------------------------


def test_a_message_holds_at_most_50_blocks_and_a_view_100() -> None:
    assert validate_blocks([section()] * 50) == []
    assert validate_blocks([section()] * 51) == [
        "no more than 50 items allowed [json-pointer:/blocks]"
    ]
    assert validate_view(modal([section()] * 100)) == []
    assert validate_view(modal([section()] * 101)) == [
        "no more than 100 items allowed [json-pointer:/view/blocks]"
    ]


def test_a_modal_title_is_at_most_24_characters() -> None:
    assert validate_view(modal([section()], title=plain("x" * 24))) == []
    assert validate_view(modal([section()], title=plain("x" * 25))) == [
        "must be less than 25 characters [json-pointer:/view/title/text]"
    ]


@pytest.mark.parametrize(
    ("field", "value", "pointer"),
    [
        ("submit", plain("s" * 25), "/view/submit/text"),
        ("close", plain("c" * 25), "/view/close/text"),
        ("callback_id", "c" * 256, "/view/callback_id"),
        ("private_metadata", "m" * 3001, "/view/private_metadata"),
        ("external_id", "e" * 256, "/view/external_id"),
    ],
)
def test_modal_fields_have_length_limits(field: str, value: Any, pointer: str) -> None:
    errors = validate_view(modal([section()], **{field: value}))
    assert len(errors) == 1
    assert errors[0].endswith(f"[json-pointer:{pointer}]")
    assert errors[0].startswith("must be less than")


def test_block_ids_are_unique_within_a_surface() -> None:
    errors = validate_view(modal([section(block_id="a"), {"type": "divider", "block_id": "a"}]))
    assert errors == [
        "duplicate block_id: 'a' is already used at /view/blocks/0 "
        "[json-pointer:/view/blocks/1/block_id]"
    ]
    assert validate_blocks([section(block_id="x" * 256)]) == [
        "must be less than 256 characters [json-pointer:/blocks/0/block_id]"
    ]


def test_action_ids_are_unique_within_a_block_and_at_most_255_characters() -> None:
    duplicate = {"type": "actions", "elements": [button("a"), button("a", "Again")]}
    assert validate_blocks([duplicate]) == [
        "duplicate action_id: 'a' is already used by element 0 of this block "
        "[json-pointer:/blocks/0/elements/1/action_id]"
    ]
    # The same action_id in two different blocks is fine.
    two_blocks = [{"type": "actions", "elements": [button("a")]}] * 2
    assert validate_blocks([{**b, "block_id": str(i)} for i, b in enumerate(two_blocks)]) == []
    long_id = {"type": "actions", "elements": [button("a" * 256)]}
    assert validate_blocks([long_id]) == [
        "must be less than 256 characters [json-pointer:/blocks/0/elements/0/action_id]"
    ]


def test_select_options_are_limited_in_number_and_size() -> None:
    def select(options: list[Any]) -> list[Any]:
        element = {"type": "static_select", "action_id": "s", "options": options}
        return [{"type": "actions", "elements": [element]}]

    assert validate_blocks(select([option(str(i)) for i in range(100)])) == []
    assert validate_blocks(select([option(str(i)) for i in range(101)])) == [
        "no more than 100 items allowed [json-pointer:/blocks/0/elements/0/options]"
    ]
    assert validate_blocks(select([option("v" * 151, "t" * 76)])) == [
        "must be less than 76 characters [json-pointer:/blocks/0/elements/0/options/0/text/text]",
        "must be less than 151 characters [json-pointer:/blocks/0/elements/0/options/0/value]",
    ]


@pytest.mark.parametrize(
    ("blocks", "expected"),
    [
        (
            [section("x" * 3001)],
            "must be less than 3001 characters [json-pointer:/blocks/0/text/text]",
        ),
        (
            [{"type": "header", "text": plain("h" * 151)}],
            "must be less than 151 characters [json-pointer:/blocks/0/text/text]",
        ),
        (
            [{"type": "context", "elements": [plain("c")] * 11}],
            "no more than 10 items allowed [json-pointer:/blocks/0/elements]",
        ),
        (
            [{"type": "actions", "elements": [button(str(i)) for i in range(26)]}],
            "no more than 25 items allowed [json-pointer:/blocks/0/elements]",
        ),
        (
            [{"type": "actions", "elements": [button(text="b" * 76)]}],
            "must be less than 76 characters [json-pointer:/blocks/0/elements/0/text/text]",
        ),
        (
            [{"type": "actions", "elements": [button(value="v" * 2001)]}],
            "must be less than 2001 characters [json-pointer:/blocks/0/elements/0/value]",
        ),
        (
            [section(fields=[{"type": "mrkdwn", "text": "f"}] * 11)],
            "no more than 10 items allowed [json-pointer:/blocks/0/fields]",
        ),
        (
            [{"type": "section", "text": {"type": "mrkdwn", "text": ""}}],
            "must be more than 0 characters [json-pointer:/blocks/0/text/text]",
        ),
        (
            [{"type": "header", "text": {"type": "mrkdwn", "text": "h"}}],
            "must be a plain_text text object [json-pointer:/blocks/0/text/type]",
        ),
        (
            [{"type": "carousel_of_doom"}],
            "unsupported type: carousel_of_doom [json-pointer:/blocks/0/type]",
        ),
        ([{"type": "section"}], "missing required field: text or fields [json-pointer:/blocks/0]"),
    ],
)
def test_message_block_limits(blocks: list[Any], expected: str) -> None:
    assert validate_blocks(blocks) == [expected]


def test_input_blocks_check_label_and_text_input_lengths() -> None:
    def text_input(**element: Any) -> dict[str, Any]:
        return {
            "type": "input",
            "label": plain("Goal"),
            "element": {"type": "plain_text_input", "action_id": "v", **element},
        }

    def form(block: dict[str, Any]) -> dict[str, Any]:
        return modal([block], submit=plain("Ok"))

    assert validate_view(form(text_input(max_length=5, initial_value="12345"))) == []
    assert validate_view(form(text_input(max_length=5, initial_value="123456"))) == [
        "must be less than 6 characters [json-pointer:/view/blocks/0/element/initial_value]"
    ]
    assert validate_view(form(text_input(max_length=3001))) == [
        "must be between 1 and 3000 [json-pointer:/view/blocks/0/element/max_length]"
    ]
    assert validate_view(form({**text_input(), "label": plain("l" * 2001)})) == [
        "must be less than 2001 characters [json-pointer:/view/blocks/0/label/text]"
    ]


def test_a_modal_with_inputs_must_define_submit() -> None:
    block = {"type": "input", "label": plain("Goal"), "element": {"type": "plain_text_input"}}
    assert validate_view(modal([block])) == [
        "must define `submit` to use an `input` block in modals [json-pointer:/view/blocks/0]"
    ]


def test_a_home_view_has_no_submit_or_close_and_no_message_only_blocks() -> None:
    home = {
        "type": "home",
        "submit": plain("Go"),
        "blocks": [{"type": "file", "external_id": "x", "source": "remote"}],
    }
    assert validate_view(home) == [
        "invalid additional property: submit [json-pointer:/view]",
        "unsupported type: file (only allowed in messages) [json-pointer:/view/blocks/0/type]",
    ]


def test_an_initial_option_must_be_one_of_the_options() -> None:
    element = {
        "type": "radio_buttons",
        "action_id": "r",
        "options": [option("a"), option("b")],
        "initial_option": option("c"),
    }
    assert validate_blocks([{"type": "actions", "elements": [element]}]) == [
        "must match one of the provided options [json-pointer:/blocks/0/elements/0/initial_option]"
    ]


def test_every_error_is_reported_at_once() -> None:
    view = modal([section(block_id="a"), section("", block_id="a")], title=plain("t" * 30))
    assert len(validate_view(view)) == 3


def test_one_mistake_gives_one_message() -> None:
    # slack_sdk also limits confirm titles; it only runs on blocks we found valid.
    confirm = {"title": plain("t" * 101), "text": plain("x"), "confirm": plain("y")}
    errors = validate_blocks([{"type": "actions", "elements": [button(confirm=confirm)]}])
    assert errors == [
        "must be less than 101 characters [json-pointer:/blocks/0/elements/0/confirm/title/text]",
        "missing required field: deny [json-pointer:/blocks/0/elements/0/confirm]",
    ]


def test_slack_sdk_validates_blocks_we_do_not_check_ourselves() -> None:
    def icon_buttons(count: int) -> list[dict[str, Any]]:
        return [
            {"type": "icon_button", "icon": "trash", "text": plain("Delete"), "action_id": str(i)}
            for i in range(count)
        ]

    assert validate_blocks([{"type": "context_actions", "elements": icon_buttons(5)}]) == []
    assert validate_blocks([{"type": "context_actions", "elements": icon_buttons(6)}]) == [
        "elements attribute cannot exceed 5 elements [json-pointer:/blocks/0]"
    ]


def test_view_size_is_compact_json_bytes() -> None:
    assert view_size({"a": "é"}) == len('{"a":"é"}'.encode())


def test_surface_must_be_known() -> None:
    with pytest.raises(ValueError):
        validate_blocks([], surface="dialog")  # type: ignore[arg-type]


@given(st.text(min_size=1, max_size=3100))
def test_section_text_is_valid_exactly_up_to_3000_characters(text: str) -> None:
    assert (validate_blocks([section(text)]) == []) == (len(text) <= 3000)


def _timepicker(initial_time: Any) -> list[dict[str, Any]]:
    element = {"type": "timepicker", "action_id": "start", "initial_time": initial_time}
    label = {"type": "plain_text", "text": "Your working day starts at"}
    return [{"type": "input", "block_id": "start", "label": label, "element": element}]


@pytest.mark.parametrize("value", ["00:00", "09:00", "23:59"])
def test_a_timepicker_takes_a_24_hour_hh_mm_initial_time(value: str) -> None:
    view = {"type": "modal", "title": {"type": "plain_text", "text": "Hours"}}
    view |= {"submit": {"type": "plain_text", "text": "Save"}, "blocks": _timepicker(value)}
    assert validate_view(view) == []


@pytest.mark.parametrize("value", ["9:00", "24:00", "09:60", "09:00:00", "09:00\n", "9am", 900])
def test_a_timepicker_refuses_any_other_initial_time(value: Any) -> None:
    errors = validate_blocks(_timepicker(value), surface="modal")
    assert errors and "initial_time" in errors[0]


def test_a_file_input_lives_in_a_modal_and_takes_1_to_10_files() -> None:
    def with_input(**element: Any) -> dict[str, Any]:
        block = {
            "type": "input",
            "block_id": "f",
            "label": plain("CSV"),
            "element": {"type": "file_input", "action_id": "f", **element},
        }
        return {"type": "modal", "title": plain("Import"), "submit": plain("Go"), "blocks": [block]}

    assert validate_view(with_input(filetypes=["csv"], max_files=1)) == []
    assert validate_view(with_input(max_files=11)) == [
        "must be an integer between 1 and 10 [json-pointer:/view/blocks/0/element/max_files]"
    ]
    assert validate_view(with_input(filetypes=[""])) == [
        "must be a non-empty string [json-pointer:/view/blocks/0/element/filetypes/0]"
    ]
    home = with_input() | {"type": "home"}
    del home["submit"]
    assert validate_view(home) == [
        "unsupported type: file_input (only allowed in modals) "
        "[json-pointer:/view/blocks/0/element/type]"
    ]
