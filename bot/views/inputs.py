"""The form pieces the modals build the same way: options, a text input, a select.

Each one holds a rule Slack enforces when it opens a view (an option's text at most 75
characters, no initial value longer than max_length, no initial option that is not
among the options), so a form cannot forget one.
"""

from __future__ import annotations

from collections.abc import Iterable, Mapping, Sequence

from slack_sdk.models.blocks import InputBlock, Option, PlainTextInputElement, StaticSelectElement

from bot.db.enums import Cadence
from bot.views.text import clip

OPTION_TEXT = 75  # Slack's limit on an option's text

# How often a pair meets, as the forms offer it (the profile's and a cohort's default).
CADENCE_LABELS: Mapping[Cadence, str] = {
    Cadence.WEEKLY: "Weekly",
    Cadence.BIWEEKLY: "Every two weeks",
    Cadence.MONTHLY: "Monthly",
}


def option(value: str, text: str, description: str | None = None) -> Option:
    return Option(value=value, text=clip(text, OPTION_TEXT), description=description)


def find_option(options: Sequence[Option], value: str | None) -> Option | None:
    return next((o for o in options if o.value == value), None)


def text_input(
    block_id: str,
    action_id: str,
    label: str,
    value: str,
    max_length: int,
    *,
    optional: bool,
    multiline: bool = False,
    placeholder: str | None = None,
    hint: str | None = None,
) -> InputBlock:
    """A plain-text input showing `value`; a value stored before its limit existed shows
    its start (Slack rejects an initial_value over max_length: the form would not open)."""
    return InputBlock(
        block_id=block_id,
        label=label,
        hint=hint,
        optional=optional or None,
        element=PlainTextInputElement(
            action_id=action_id,
            placeholder=placeholder,
            initial_value=value[:max_length] or None,  # Slack wants none rather than ""
            multiline=multiline or None,
            max_length=max_length,
        ),
    )


def select_input(
    block_id: str,
    action_id: str,
    label: str,
    choices: Iterable[tuple[str, str]],
    selected: str | None,
    *,
    fallback: str | None = None,
    hint: str | None = None,
) -> InputBlock:
    """A single select of (value, text) `choices` with `selected` chosen; a stored value no
    longer offered (say a capacity of 7) shows `fallback` instead, or nothing."""
    options = [option(value, text) for value, text in choices]
    return InputBlock(
        block_id=block_id,
        label=label,
        hint=hint,
        element=StaticSelectElement(
            action_id=action_id,
            placeholder="Choose one",
            options=options,
            initial_option=find_option(options, selected) or find_option(options, fallback),
        ),
    )
