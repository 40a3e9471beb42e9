"""A pair's pace: how often they check in. The row on each person's Home, the small
form that changes it, and the partner's note.

Pure builders: state in, Block Kit out; the handlers read the form by the ids in
`PaceIds`. Days arrive as labels ("Monday 3 March"), already on the right calendar.
"""

from __future__ import annotations

from dataclasses import dataclass

from slack_sdk.models.blocks import (
    Block,
    ButtonElement,
    InputBlock,
    MarkdownTextObject,
    Option,
    RadioButtonsElement,
    SectionBlock,
)
from slack_sdk.models.views import View

from bot.db.enums import Cadence
from bot.views.text import check_metadata

TITLE = "How often you meet"
PACES = {
    Cadence.WEEKLY: "Every week",
    Cadence.BIWEEKLY: "Every two weeks",
    Cadence.MONTHLY: "Every month",
}
EVERY = {
    Cadence.WEEKLY: "every week",
    Cadence.BIWEEKLY: "every two weeks",
    Cadence.MONTHLY: "every month",
}


class PaceIds:
    OPEN = "pace.open"  # the Home button; its value is the mentorship's id
    ROW_BLOCK = "pace.row"  # one per pair: ROW_BLOCK + "." + mentorship id
    CALLBACK = "pace.form"
    CHOICE_BLOCK = "pace.choice"
    CHOICE_ACTION = "pace.choice_input"
    RULE_BLOCK = "pace.rule"
    NOTICE_CALLBACK = "pace.notice"
    NOTICE_BLOCK = "pace.notice_text"


def pace_row(mentorship_id: int, partner_user_id: str, cadence: Cadence) -> Block:
    """The Home's line for one pair: how often they check in, and a button to change it."""
    return SectionBlock(
        block_id=f"{PaceIds.ROW_BLOCK}.{mentorship_id}",
        text=MarkdownTextObject(
            text=f":calendar: You and <@{partner_user_id}> check in *{EVERY[cadence]}*."
        ),
        accessory=ButtonElement(text="Change", action_id=PaceIds.OPEN, value=str(mentorship_id)),
    )


@dataclass(frozen=True)
class PaceForm:
    mentorship_id: int
    partner_user_id: str
    cadence: Cadence  # the pair's pace now: the choice the form starts on


def pace_modal(form: PaceForm, *, private_metadata: str) -> View:
    check_metadata(private_metadata)
    options = [Option(value=cadence.value, label=label) for cadence, label in PACES.items()]
    current = next(o for o in options if o.value == form.cadence.value)
    return View(
        type="modal",
        callback_id=PaceIds.CALLBACK,
        title=TITLE,
        submit="Save",
        close="Cancel",
        private_metadata=private_metadata,
        blocks=[
            InputBlock(
                block_id=PaceIds.CHOICE_BLOCK,
                label="How often should you two check in?",
                element=RadioButtonsElement(
                    action_id=PaceIds.CHOICE_ACTION, options=options, initial_option=current
                ),
            ),
            SectionBlock(
                block_id=PaceIds.RULE_BLOCK,
                text=MarkdownTextObject(
                    text=(
                        f"It changes for you both, from your next check-in on; I'll let "
                        f"<@{form.partner_user_id}> know. Whatever the pace, a short regular "
                        "chat beats a long rare one."
                    )
                ),
            ),
        ],
    )


def changed_notice(*, cadence: Cadence, next_day: str, partner_user_id: str) -> View:
    """What the form turns into once saved: the new pace and the next check-in's day."""
    return notice_modal(
        f":white_check_mark: Done: you and <@{partner_user_id}> now check in "
        f"*{EVERY[cadence]}*. The next check-in is around *{next_day}*; "
        f"I'll let <@{partner_user_id}> know."
    )


def partner_told(*, by_user_id: str, cadence: Cadence, next_day: str) -> str:
    """The DM to the one who did not change it."""
    return (
        f":calendar: <@{by_user_id}> changed how often you two check in: now "
        f"*{EVERY[cadence]}*, starting with your next check-in around *{next_day}*. "
        "If that doesn't suit you, you can change it from my Home tab."
    )


def notice_modal(text: str) -> View:
    """A form whose change could not be made, or was made: saying so (our words)."""
    return View(
        type="modal",
        callback_id=PaceIds.NOTICE_CALLBACK,
        title=TITLE,
        close="Close",
        blocks=[SectionBlock(block_id=PaceIds.NOTICE_BLOCK, text=MarkdownTextObject(text=text))],
    )
