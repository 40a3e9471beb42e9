"""Check-ins: the prompt each of the two gets, the "We met" modal, and what replaces a prompt.

Pure builders: state in, Block Kit out. The handlers read clicks and fields by the ids
in `CheckinIds`, so the two change together. Whatever a person wrote (goals, a
thank-you) is escaped and clipped; dates are ours and passed through as given.

The prompt offers "We met" (one log counts for the pair), "Reschedule" (a day within the
next period; the partner is told), "Skip this time" and "Need help" (a note to the
program's coordinators, never to the partner). Its agenda follows the advice in the
program's reading: come with topics, your questions, progress on each goal, and one
specific challenge.
"""

from __future__ import annotations

import functools
from dataclasses import dataclass
from datetime import date
from typing import Any

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

from bot.views.calendar import ADD_LABEL, CalendarIds
from bot.views.goals import GoalLine, progress_blocks
from bot.views.text import check_metadata, clip, escape

GOALS_SHOWN = 600
THANKS_SHOWN = 500
NOTES_MAX = 2000
THANKS_MAX = 500
HELP_MAX = 1000  # what the coordinators read in one DM; longer is clipped
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
    RESCHEDULE = "checkin.reschedule"
    SKIP = "checkin.skip"
    HELP = "checkin.help"
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
    # the "Reschedule" modal
    MOVE_CALLBACK = "checkin.move"
    MOVE_DATE_BLOCK = "checkin.move_date"
    MOVE_DATE_ACTION = "checkin.move_date_input"
    MOVE_RULE_BLOCK = "checkin.move_rule"
    # the "Need help" modal
    HELP_CALLBACK = "checkin.help_form"
    HELP_BLOCK = "checkin.help_text"
    HELP_ACTION = "checkin.help_text_input"


@dataclass(frozen=True)
class Moved:
    """The check-in was moved: to `day`, by `by_user_id` (None: by the reader)."""

    day: str
    by_user_id: str | None


@dataclass(frozen=True)
class PromptState:
    checkin_id: int
    partner_user_id: str
    is_mentee: bool
    goals: str  # the mentee's goals, in their own words
    day: str  # "Monday 3 March" on the reader's calendar
    moved: Moved | None = None


def prompt_message(state: PromptState) -> tuple[str, list[Block]]:
    """(fallback text, blocks) of the DM that asks one of the two how their check-in went."""
    partner = f"<@{state.partner_user_id}>"
    blocks: list[Block] = [
        _section(CheckinIds.HELLO_BLOCK, _hello(partner, state.moved)),
        _agenda(state.is_mentee),
        _goals_section(partner, state.is_mentee, state.goals),
        _hint(),
        _actions(state.checkin_id),
    ]
    return _prompt_text(partner, state), blocks


def prompt_payload(state: PromptState) -> tuple[str, list[dict[str, Any]]]:
    """`prompt_message` as chat.postMessage takes it: (text, the blocks as dicts).

    The same dicts as `[b.to_dict() for b in prompt_message(state)[1]]` (a unit test
    holds it to that), made fast for the due-work job, which queues two prompts per due
    pair: slack_sdk's to_dict validates each object by reflection (about 0.2 ms a
    prompt, most of a 1,000-pair tick). So slack_sdk renders a prompt once per role,
    and each prompt copies it with its own words and check-in id put in: the hello and
    the goals (bounded: a user id, and goals clipped to GOALS_SHOWN) and the buttons'
    values. The parts that never change (the agenda, the hint, the buttons' labels) are
    shared by every copy, which the outbox only ever reads (it stores them as JSON).
    """
    partner = f"<@{state.partner_user_id}>"
    hello, agenda, goals, hint, actions = _rendered_once(state.is_mentee)
    value = str(state.checkin_id)
    blocks = [
        {**hello, "text": {**hello["text"], "text": _hello(partner, state.moved)}},
        agenda,
        {
            **goals,
            "text": {**goals["text"], "text": _goals_text(partner, state.is_mentee, state.goals)},
        },
        hint,
        {**actions, "elements": [{**button, "value": value} for button in actions["elements"]]},
    ]
    return _prompt_text(partner, state), blocks


@functools.cache
def _rendered_once(is_mentee: bool) -> tuple[dict[str, Any], ...]:
    """A prompt of this role rendered by slack_sdk; `prompt_payload` fills in copies."""
    _, blocks = prompt_message(PromptState(0, "U0", is_mentee, "", ""))
    return tuple(block.to_dict() for block in blocks)


def _prompt_text(partner: str, state: PromptState) -> str:
    if state.moved is not None:
        return f"Your check-in with {partner} moved to {state.moved.day}"
    return f"Check-in time with {partner} ({state.day})"


def _agenda(is_mentee: bool) -> SectionBlock:
    ask = (
        "Questions you'd like your mentor's view on"
        if is_mentee
        else "Questions to ask about how things are going, and what would help most"
    )
    items = (
        "A topic or two you each want to talk about",
        ask,
        "Progress on each goal: what moved, what's stuck",
        "One specific challenge to work through together",
    )
    agenda = "*A short agenda, if it helps*\n" + "\n".join(f"• {item}" for item in items)
    return _section(CheckinIds.AGENDA_BLOCK, agenda)


def _goals_section(partner: str, is_mentee: bool, goals: str) -> SectionBlock:
    return _section(CheckinIds.GOALS_BLOCK, _goals_text(partner, is_mentee, goals))


def _goals_text(partner: str, is_mentee: bool, goals: str) -> str:
    goals = goals.strip()
    whose = "Your goals" if is_mentee else f"{partner}'s goals"
    if not goals:
        return "*Goals:* none written down yet. Agreeing on one or two is a fine use of this chat."
    return f"*{whose}*\n{clip(escape(goals), GOALS_SHOWN)}"


def _hint() -> ContextBlock:
    hint = "Once you've met, tell me with one click: it counts for both of you."
    return ContextBlock(block_id=CheckinIds.HINT_BLOCK, elements=[MarkdownTextObject(text=hint)])


def _actions(checkin_id: int) -> ActionsBlock:
    """The prompt's buttons; each carries the check-in's id as its value."""
    value = str(checkin_id)
    return ActionsBlock(
        block_id=CheckinIds.ACTIONS_BLOCK,
        elements=[
            ButtonElement(text="We met", action_id=CheckinIds.MET, value=value, style="primary"),
            ButtonElement(text="Reschedule", action_id=CheckinIds.RESCHEDULE, value=value),
            ButtonElement(text="Skip this time", action_id=CheckinIds.SKIP, value=value),
            ButtonElement(text="Need help", action_id=CheckinIds.HELP, value=value),
            # A file per press, not per prompt: see bot/calendar.py on Slack's limits.
            ButtonElement(text=ADD_LABEL, action_id=CalendarIds.ADD, value=value),
        ],
    )


def _hello(partner: str, moved: Moved | None) -> str:
    if moved is None:
        return (
            f":wave: It's check-in time with {partner}! If you haven't met yet, now is a good "
            "moment to find half an hour together this week."
        )
    if moved.by_user_id is None:
        return f":calendar: You moved your check-in with {partner} to *{moved.day}*."
    return f":calendar: <@{moved.by_user_id}> moved your check-in to *{moved.day}*."


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
    goals: tuple[GoalLine, ...] = ()  # the pair's live goals: one progress select each


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
        *progress_blocks(form.goals, prefix="Progress: "),
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


def notice_modal(text: str, *, title: str = "Log your check-in") -> View:
    """Replaces a modal whose answer could not be saved as asked, saying why (our words)."""
    return View(
        type="modal",
        callback_id=CheckinIds.NOTICE_CALLBACK,
        title=title,
        close="Close",
        blocks=[_section(CheckinIds.NOTICE_BLOCK, text)],
    )


NOT_SAVED = (
    "Sorry, your meeting log could not be saved: something went wrong on our side and it "
    "has been logged. The buttons on your check-in message still work: please log it again."
)


def not_logged_notice(why: str, *, notes: str, thanks: str) -> str:
    """The DM for a "We met" form that closed (its log is made after the answer) but whose
    log was not kept: why, and what they wrote, to paste again."""
    typed = [("Your private notes", notes[:NOTES_MAX]), ("Your thank-you", thanks[:THANKS_MAX])]
    quoted = [
        f"{label}, to paste again:\n>" + escape(text.strip()).replace("\n", "\n>")
        for label, text in typed
        if text.strip()
    ]
    return "\n\n".join([why, *quoted])


# --- "Reschedule" ------------------------------------------------------------------------

MOVE_TITLE = "Move your check-in"


@dataclass(frozen=True)
class MoveForm:
    checkin_id: int
    partner_user_id: str
    latest: str  # the last day they may pick: one period from today, on their calendar
    every: str  # the pair's period in words: "two weeks"


def move_modal(form: MoveForm, *, private_metadata: str) -> View:
    check_metadata(private_metadata)
    rule = (
        f"Pick a day from today to {form.latest} (within {form.every}). "
        f"I'll tell <@{form.partner_user_id}>, and your next check-in will follow "
        f"{form.every} after the new day."
    )
    return View(
        type="modal",
        callback_id=CheckinIds.MOVE_CALLBACK,
        title=MOVE_TITLE,
        submit="Move it",
        close="Cancel",
        private_metadata=private_metadata,
        blocks=[
            InputBlock(
                block_id=CheckinIds.MOVE_DATE_BLOCK,
                label="Which day will you meet?",
                element=DatePickerElement(
                    action_id=CheckinIds.MOVE_DATE_ACTION, placeholder="Pick a day"
                ),
            ),
            ContextBlock(
                block_id=CheckinIds.MOVE_RULE_BLOCK, elements=[MarkdownTextObject(text=rule)]
            ),
        ],
    )


def moved_notice(*, by_user_id: str, day: str, next_day: str) -> str:
    """The DM that tells the partner their check-in moved."""
    return (
        f":calendar: <@{by_user_id}> moved your check-in to *{day}*. Your check-in message "
        f"says so too, and I'll check in with you both again around {next_day}."
    )


# --- "Need help" --------------------------------------------------------------------------

HELP_TITLE = "Ask for help"


@dataclass(frozen=True)
class HelpForm:
    checkin_id: int
    partner_user_id: str


def help_modal(form: HelpForm, *, private_metadata: str) -> View:
    check_metadata(private_metadata)
    return View(
        type="modal",
        callback_id=CheckinIds.HELP_CALLBACK,
        title=HELP_TITLE,
        submit="Send",
        close="Cancel",
        private_metadata=private_metadata,
        blocks=[
            InputBlock(
                block_id=CheckinIds.HELP_BLOCK,
                label="What's wrong? (optional)",
                optional=True,
                hint=(
                    "This goes to the program's coordinators only; "
                    f"<@{form.partner_user_id}> isn't told. Up to {HELP_MAX:,} characters."
                ),
                element=PlainTextInputElement(
                    action_id=CheckinIds.HELP_ACTION, multiline=True, max_length=HELP_MAX
                ),
            )
        ],
    )


@dataclass(frozen=True)
class HelpAlert:
    asker_user_id: str
    partner_user_id: str
    asker_is_mentee: bool
    day: str  # the check-in's day
    text: str  # what they wrote (may be empty), ours to escape


def help_alert(alert: HelpAlert) -> tuple[str, list[Block]]:
    """The DM each coordinator gets when someone in a pair asks for help."""
    asker, partner = f"<@{alert.asker_user_id}>", f"<@{alert.partner_user_id}>"
    mentor, mentee = (partner, asker) if alert.asker_is_mentee else (asker, partner)
    head = (
        f":sos: {asker} asked for help with their mentorship "
        f"({mentor} mentoring {mentee}), from their check-in of {alert.day}."
    )
    words = clip(escape(alert.text.strip()), HELP_MAX)
    quoted = "\n".join(f">{line}" for line in words.splitlines())
    said = (
        f"They wrote:\n{quoted}"
        if quoted
        else "They didn't say more: a short message to them is the best start."
    )
    blocks: list[Block] = [
        _section(CheckinIds.HELLO_BLOCK, head),
        _section(CheckinIds.HELP_BLOCK, said),
    ]
    return f"{asker} asked for help with their mentorship with {partner}", blocks


def help_sent_notice(coordinators: list[str]) -> str:
    """The DM that tells the person who asked that the coordinators were told."""
    names = ", ".join(f"<@{user}>" for user in coordinators)
    return (
        f":raising_hand: I've passed your message on to the program's coordinators ({names}). "
        "One of them will be in touch. Your partner hasn't been told."
    )


NO_COORDINATORS = (
    "I couldn't pass this on: no coordinator is set up for this workspace yet. "
    "Please tell whoever runs the mentorship program."
)


def _section(block_id: str, text: str) -> SectionBlock:
    return SectionBlock(block_id=block_id, text=MarkdownTextObject(text=text))
