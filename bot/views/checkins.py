"""Check-ins: the prompt each of the two gets, the "We met" modal, and what replaces a prompt.

Pure builders: state in, Block Kit out. The handlers read clicks and fields by the ids
in `CheckinIds`, so the two change together. Whatever a person wrote (goals, a
thank-you) is escaped and clipped; dates are ours and passed through as given.

The prompt offers only what works today: "We met" (one log counts for the pair) and
"Skip this time". Its agenda follows the advice in the program's reading: come with
topics, your questions, progress on each goal, and one specific challenge.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date

from slack_sdk.models.blocks import (
    ActionsBlock,
    Block,
    ButtonElement,
    ContextBlock,
    DatePickerElement,
    InputBlock,
    MarkdownTextObject,
    Option,
    PlainTextInputElement,
    SectionBlock,
    StaticSelectElement,
)
from slack_sdk.models.views import View

from bot.views.text import check_metadata, clip, escape

GOALS_SHOWN = 600
THANKS_SHOWN = 500
NOTES_MAX = 2000
THANKS_MAX = 500
USEFULNESS = {
    5: "5 - Very useful",
    4: "4 - Useful",
    3: "3 - Somewhat useful",
    2: "2 - A little useful",
    1: "1 - Not useful this time",
}


class CheckinIds:
    # the prompt
    MET = "checkin.met"
    SKIP = "checkin.skip"
    HELLO_BLOCK = "checkin.hello"
    AGENDA_BLOCK = "checkin.agenda"
    GOALS_BLOCK = "checkin.goals"
    HINT_BLOCK = "checkin.hint"
    ACTIONS_BLOCK = "checkin.actions"
    CLOSED_BLOCK = "checkin.closed"
    # the "We met" modal
    LOG_CALLBACK = "checkin.log"
    NOTICE_CALLBACK = "checkin.notice"
    DATE_BLOCK = "checkin.date"
    DATE_ACTION = "checkin.date_input"
    USEFUL_BLOCK = "checkin.useful"
    USEFUL_ACTION = "checkin.useful_input"
    NOTES_BLOCK = "checkin.notes"
    NOTES_ACTION = "checkin.notes_input"
    THANKS_BLOCK = "checkin.thanks"
    THANKS_ACTION = "checkin.thanks_input"
    NOTICE_BLOCK = "checkin.notice_text"


@dataclass(frozen=True)
class PromptState:
    checkin_id: int
    partner_user_id: str
    is_mentee: bool
    goals: str  # the mentee's goals, in their own words
    day: str  # "Monday 3 March" on the reader's calendar


def prompt_message(state: PromptState) -> tuple[str, list[Block]]:
    """(fallback text, blocks) of the DM that asks one of the two how their check-in went."""
    partner = f"<@{state.partner_user_id}>"
    hello = (
        f":wave: It's check-in time with {partner}! If you haven't met yet, now is a good "
        "moment to find half an hour together this week."
    )
    ask = (
        "Questions you'd like your mentor's view on"
        if state.is_mentee
        else "Questions to ask about how things are going, and what would help most"
    )
    items = (
        "A topic or two you each want to talk about",
        ask,
        "Progress on each goal: what moved, what's stuck",
        "One specific challenge to work through together",
    )
    agenda = "*A short agenda, if it helps*\n" + "\n".join(f"• {item}" for item in items)
    goals = state.goals.strip()
    whose = "Your goals" if state.is_mentee else f"{partner}'s goals"
    goals_text = (
        f"*{whose}*\n{clip(escape(goals), GOALS_SHOWN)}"
        if goals
        else "*Goals:* none written down yet. Agreeing on one or two is a fine use of this chat."
    )
    hint = "Once you've met, tell me with one click: it counts for both of you."
    blocks: list[Block] = [
        _section(CheckinIds.HELLO_BLOCK, hello),
        _section(CheckinIds.AGENDA_BLOCK, agenda),
        _section(CheckinIds.GOALS_BLOCK, goals_text),
        ContextBlock(block_id=CheckinIds.HINT_BLOCK, elements=[MarkdownTextObject(text=hint)]),
        ActionsBlock(
            block_id=CheckinIds.ACTIONS_BLOCK,
            elements=[
                ButtonElement(
                    text="We met",
                    action_id=CheckinIds.MET,
                    value=str(state.checkin_id),
                    style="primary",
                ),
                ButtonElement(
                    text="Skip this time", action_id=CheckinIds.SKIP, value=str(state.checkin_id)
                ),
            ],
        ),
    ]
    return f"Check-in time with {partner} ({state.day})", blocks


# --- what replaces a prompt once the period is settled ------------------------------------


def logged_by_you_message(*, partner_user_id: str, met_on: str) -> tuple[str, list[Block]]:
    text = (
        f":white_check_mark: Thanks! Your check-in with <@{partner_user_id}> on {met_on} is "
        "logged for you both. Nothing more to do until the next one."
    )
    return _closed(text)


def logged_by_partner_message(
    *, partner_user_id: str, met_on: str, thanks: str | None
) -> tuple[str, list[Block]]:
    text = (
        f":white_check_mark: <@{partner_user_id}> logged your check-in on {met_on}, "
        "so it counts for you both. Nothing more to do until the next one."
    )
    if thanks and thanks.strip():
        words = clip(escape(thanks.strip()), THANKS_SHOWN)
        text += f"\n:sparkles: They added a thank-you: “{words}”"
    return _closed(text)


def skipped_message(*, by_user_id: str | None, next_day: str | None) -> tuple[str, list[Block]]:
    """The prompt once one of the two skipped this period (`by_user_id` None: the reader)."""
    who = "You skipped" if by_user_id is None else f"<@{by_user_id}> skipped"
    text = f":ok_hand: {who} this check-in, no problem."
    if next_day:
        text += f" I'll check in with you both again around {next_day}."
    return _closed(text)


def _closed(text: str) -> tuple[str, list[Block]]:
    plain = text.replace("*", "")
    return plain, [_section(CheckinIds.CLOSED_BLOCK, text)]


# --- the "We met" modal ------------------------------------------------------------------


@dataclass(frozen=True)
class LogForm:
    checkin_id: int
    partner_user_id: str
    today: date  # on the logger's calendar: the date picker's default
    ask_thanks: bool  # the mentee logs: offer a thank-you to the mentor


def log_modal(form: LogForm, *, private_metadata: str) -> View:
    check_metadata(private_metadata)
    blocks: list[Block] = [
        InputBlock(
            block_id=CheckinIds.DATE_BLOCK,
            label="When did you meet?",
            element=DatePickerElement(
                action_id=CheckinIds.DATE_ACTION, initial_date=form.today.isoformat()
            ),
        ),
        InputBlock(
            block_id=CheckinIds.USEFUL_BLOCK,
            label="How useful was it?",
            element=StaticSelectElement(
                action_id=CheckinIds.USEFUL_ACTION,
                placeholder="Choose 1 to 5",
                options=[Option(value=str(n), label=label) for n, label in USEFULNESS.items()],
            ),
        ),
        InputBlock(
            block_id=CheckinIds.NOTES_BLOCK,
            label="Notes for yourself",
            optional=True,
            hint="Private: only you can ever see these, never your partner.",
            element=PlainTextInputElement(
                action_id=CheckinIds.NOTES_ACTION, multiline=True, max_length=NOTES_MAX
            ),
        ),
    ]
    if form.ask_thanks:
        blocks.append(
            InputBlock(
                block_id=CheckinIds.THANKS_BLOCK,
                label="A thank-you to your mentor",
                optional=True,
                hint="We pass it on to them with your log.",
                element=PlainTextInputElement(
                    action_id=CheckinIds.THANKS_ACTION, multiline=True, max_length=THANKS_MAX
                ),
            )
        )
    return View(
        type="modal",
        callback_id=CheckinIds.LOG_CALLBACK,
        title="Log your check-in",
        submit="Save",
        close="Cancel",
        private_metadata=private_metadata,
        blocks=blocks,
    )


def notice_modal(text: str) -> View:
    """Replaces the modal when the log could not be saved as asked, saying why (our words)."""
    return View(
        type="modal",
        callback_id=CheckinIds.NOTICE_CALLBACK,
        title="Log your check-in",
        close="Close",
        blocks=[_section(CheckinIds.NOTICE_BLOCK, text)],
    )


def _section(block_id: str, text: str) -> SectionBlock:
    return SectionBlock(block_id=block_id, text=MarkdownTextObject(text=text))
