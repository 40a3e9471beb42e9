"""End of term: the survey DM each of the two gets, its modal, and what each outcome says.

Pure builders: state in, Block Kit out. The handlers read clicks and fields by the ids in
`TermIds`, so the two change together.

The comment a person writes is for the program's coordinators only: no builder here
takes it except the author's own modal (their earlier answer, pre-filled), so no message
to the partner can carry it. Endings are told without blame and with a thank-you; the
mentee's ending message offers the search for a new mentor ("Find a mentor").
"""

from __future__ import annotations

from dataclasses import dataclass
from enum import StrEnum

from slack_sdk.models.blocks import (
    ActionsBlock,
    Block,
    ButtonElement,
    InputBlock,
    Option,
    PlainTextInputElement,
    RadioButtonsElement,
    StaticSelectElement,
)
from slack_sdk.models.views import View

from bot.commands import COMMAND
from bot.views.find import find_again_actions
from bot.views.text import check_metadata, context, section

COMMENT_MAX = 1000  # what coordinators read of one comment; longer is clipped
TITLE = "How did it go?"
USEFULNESS = {
    5: "5 - Very useful",
    4: "4 - Useful",
    3: "3 - Somewhat useful",
    2: "2 - A little useful",
    1: "1 - Not useful",
}
FIT = {
    5: "5 - A great fit",
    4: "4 - A good fit",
    3: "3 - An OK fit",
    2: "2 - Not quite",
    1: "1 - Not a fit",
}


class Choice(StrEnum):
    CONTINUE = "continue"
    END = "end"


CHOICES = {
    Choice.CONTINUE: "Carry on for another term",
    Choice.END: "Close our mentorship here",
}


class TermIds:
    # the survey DM
    OPEN = "term.open"
    SURVEY_BLOCK = "term.survey"
    ASK_BLOCK = "term.ask"
    ACTIONS_BLOCK = "term.actions"
    # the modal
    SURVEY_CALLBACK = "term.answer"
    NOTICE_CALLBACK = "term.notice"
    PAIR_BLOCK = "term.pair"
    USEFUL_BLOCK = "term.useful"
    USEFUL_ACTION = "term.useful_input"
    FIT_BLOCK = "term.fit"
    FIT_ACTION = "term.fit_input"
    COMMENT_BLOCK = "term.comment"
    COMMENT_ACTION = "term.comment_input"
    CHOICE_BLOCK = "term.choice"
    CHOICE_ACTION = "term.choice_input"
    NOTICE_BLOCK = "term.notice_text"
    # what the outcomes say
    ENDED_BLOCK = "term.ended"
    RENEWED_BLOCK = "term.renewed"
    # the coordinators' Home
    HOME_BLOCK = "home.term_answers"


# --- the survey DM ------------------------------------------------------------------------


def survey_message(
    *, mentorship_id: int, partner_user_id: str, ends_on: str
) -> tuple[str, list[Block]]:
    """The DM that thanks one of the two for the term and asks how it went."""
    partner = f"<@{partner_user_id}>"
    hello = (
        f":tada: You've reached the end of your mentorship term with {partner} ({ends_on}). "
        "Thank you for the time and care you've both given it!"
    )
    ask = (
        "Would you take two minutes to tell us how it went? Rate it, add a word for the "
        "program's coordinators if you like, and choose what's next: carry on for another "
        "term, or close it here. Unless one of you chooses to close it, your mentorship "
        "carries on into a new term."
    )
    blocks: list[Block] = [
        section(TermIds.SURVEY_BLOCK, hello),
        section(TermIds.ASK_BLOCK, ask),
        _survey_button(mentorship_id),
    ]
    return f"The end of your mentorship term with {partner} ({ends_on}): how did it go?", blocks


def _survey_button(mentorship_id: int) -> ActionsBlock:
    button = ButtonElement(
        text="Share how it went", action_id=TermIds.OPEN, value=str(mentorship_id), style="primary"
    )
    return ActionsBlock(block_id=TermIds.ACTIONS_BLOCK, elements=[button])


# --- the modal ----------------------------------------------------------------------------


@dataclass(frozen=True)
class Earlier:
    """The person's own answer this term, to start a second submission from."""

    usefulness: int | None
    fit: int | None
    comment: str
    choice: Choice | None


@dataclass(frozen=True)
class SurveyForm:
    mentorship_id: int
    term: int
    partner_user_id: str
    partner_is_mentor: bool
    ask_choice: bool  # False once the pair has ended: only the ratings are asked
    earlier: Earlier | None = None


def survey_modal(form: SurveyForm, *, private_metadata: str) -> View:
    check_metadata(private_metadata)
    earlier = form.earlier or Earlier(None, None, "", None)
    partner_role = "mentor" if form.partner_is_mentor else "mentee"
    intro = f"Your term with <@{form.partner_user_id}>. Thank you for taking part!"
    blocks: list[Block] = [
        context(TermIds.PAIR_BLOCK, intro),
        _rating(
            TermIds.USEFUL_BLOCK,
            TermIds.USEFUL_ACTION,
            "How useful was this mentorship for you?",
            USEFULNESS,
            earlier.usefulness,
        ),
        _rating(
            TermIds.FIT_BLOCK, TermIds.FIT_ACTION, "How well did you two fit?", FIT, earlier.fit
        ),
        InputBlock(
            block_id=TermIds.COMMENT_BLOCK,
            label="Anything the coordinators should know?",
            optional=True,
            hint=(
                "Seen only by the program coordinators, never by your "
                f"{partner_role}. Up to {COMMENT_MAX:,} characters."
            ),
            element=PlainTextInputElement(
                action_id=TermIds.COMMENT_ACTION,
                multiline=True,
                max_length=COMMENT_MAX,
                initial_value=earlier.comment or None,
            ),
        ),
    ]
    if form.ask_choice:
        options = [Option(value=choice.value, label=label) for choice, label in CHOICES.items()]
        chosen = [o for o in options if earlier.choice is not None and o.value == earlier.choice]
        blocks.append(
            InputBlock(
                block_id=TermIds.CHOICE_BLOCK,
                label="What next?",
                element=RadioButtonsElement(
                    action_id=TermIds.CHOICE_ACTION,
                    options=options,
                    initial_option=chosen[0] if chosen else None,
                ),
            )
        )
    return View(
        type="modal",
        callback_id=TermIds.SURVEY_CALLBACK,
        title=TITLE,
        submit="Send",
        close="Cancel",
        private_metadata=private_metadata,
        blocks=blocks,
    )


def _rating(
    block_id: str, action_id: str, label: str, labels: dict[int, str], chosen: int | None
) -> InputBlock:
    options = [Option(value=str(n), label=text) for n, text in labels.items()]
    initial = [o for o in options if chosen is not None and o.value == str(chosen)]
    return InputBlock(
        block_id=block_id,
        label=label,
        element=StaticSelectElement(
            action_id=action_id,
            placeholder="Choose 1 to 5",
            options=options,
            initial_option=initial[0] if initial else None,
        ),
    )


def notice_modal(text: str) -> View:
    """Replaces the survey once it is sent, or when it could not be kept (our words)."""
    return View(
        type="modal",
        callback_id=TermIds.NOTICE_CALLBACK,
        title=TITLE,
        close="Close",
        blocks=[section(TermIds.NOTICE_BLOCK, text)],
    )


def waiting_notice(*, partner_user_id: str, decide_by: str) -> str:
    """One chose to carry on; the other has not answered yet."""
    return (
        f":white_check_mark: Thanks, your answers are kept. <@{partner_user_id}> hasn't "
        f"answered yet. If they'd like to carry on too, or haven't answered by {decide_by}, "
        "your mentorship continues into a new term. If they'd rather close it, I'll let you know."
    )


NOTED = ":white_check_mark: Thanks, your answers are kept for the program's coordinators."
CLOSED = (
    "This survey has closed: your mentorship has carried on into a new term, or its term "
    "hasn't ended yet. Nothing more to do!"
)
NOT_YOURS = "This survey belongs to another pair, so I can't record it for you."
GONE = "I couldn't find this mentorship any more, so there's nothing to record."


# --- what the outcomes say ----------------------------------------------------------------


def ended_message(
    *, partner_user_id: str, by_user_id: str | None, is_mentee: bool, survey_of: int | None = None
) -> tuple[str, list[Block]]:
    """The pair closed at the end of the term. `by_user_id` None: the reader chose it.
    `survey_of`: a mentorship id, when the reader has not answered the survey yet."""
    partner = f"<@{partner_user_id}>"
    if by_user_id is None:
        text = (
            f":handshake: Thanks for your answers. Your mentorship with {partner} is now "
            "closed. Thank you for everything you put into it this term!"
        )
    else:
        text = (
            f":handshake: <@{by_user_id}> chose to close your mentorship as this term ends. "
            "Thank you for the time and care you gave it: it made a difference."
        )
    if is_mentee:
        text += (
            " Whenever you're ready for what's next, press *Find a mentor* "
            f"(or type `{COMMAND} find`) to see who fits your goals now."
        )
    else:
        text += " Your mentoring slot is free again for someone new."
    blocks: list[Block] = [section(TermIds.ENDED_BLOCK, text)]
    if survey_of is not None:
        blocks.append(
            context(
                TermIds.ASK_BLOCK,
                "If you'd like, tell the program's coordinators how it went: "
                "only they see your answers.",
            )
        )
        blocks.append(_survey_button(survey_of))
    if is_mentee:
        blocks.append(find_again_actions())
    return text.replace("*", ""), blocks


def renewed_message(
    *, partner_user_id: str, term: int, ends_on: str, both_chose: bool
) -> tuple[str, list[Block]]:
    """A new term begins: both chose to carry on, or nobody chose to close it in time."""
    partner = f"<@{partner_user_id}>"
    if both_chose:
        text = f":seedling: You and {partner} both chose to carry on: here's to term {term}!"
    else:
        text = f":seedling: Your mentorship with {partner} carries on into term {term}."
    text += f" It runs until {ends_on}, and your check-ins continue as before."
    return text, [section(TermIds.RENEWED_BLOCK, text)]


# --- the coordinators' Home ---------------------------------------------------------------


@dataclass(frozen=True)
class TermCounts:
    answers: int
    carry_on: int
    close: int


def coordinator_block(counts: TermCounts) -> Block:
    """One line on a coordinator's Home: how the end-of-term answers stand."""
    return section(
        TermIds.HOME_BLOCK,
        f":bar_chart: *End-of-term answers:* {counts.answers} "
        f"({counts.carry_on} to carry on, {counts.close} to close)",
    )
