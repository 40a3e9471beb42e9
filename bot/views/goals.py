"""Goals: the pair's 1-3 goals, the form that sets them, progress selects, and the
messages that show them (the partner's notice, the monthly update, `/mentor goals`, Home).

Pure builders: state in, Block Kit out. The handlers read clicks and fields by the ids in
`GoalIds`, so the two change together. Titles are the person's words: escaped and cut to
a budget wherever they are shown. Every message that quotes titles is addressed to one of
the pair and names the other by mention, so `/mentor leave` finds it by either of them
(bot/privacy.py), whatever the goal is called by then.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass
from datetime import date

from slack_sdk.models.blocks import (
    ActionsBlock,
    Block,
    ButtonElement,
    DatePickerElement,
    InputBlock,
    Option,
    PlainTextInputElement,
    SectionBlock,
    StaticSelectElement,
)
from slack_sdk.models.views import View

from bot.commands import COMMAND
from bot.db.enums import GoalStatus
from bot.views.text import check_metadata, clip, context, excerpt, section

GOALS_MAX = 3
TITLE_MAX = 150  # what a goal's title may hold, typed
TITLE_SHOWN = 200  # of a title, escaped, in UTF-16 units
STATUS_LABELS = {
    GoalStatus.NOT_STARTED: "Not started",
    GoalStatus.ON_TRACK: "On track",
    GoalStatus.DONE: "Done",
    GoalStatus.DROPPED: "Dropped",
}
_MARKS = {
    GoalStatus.NOT_STARTED: ":white_circle:",
    GoalStatus.ON_TRACK: ":large_blue_circle:",
    GoalStatus.DONE: ":white_check_mark:",
    GoalStatus.DROPPED: ":heavy_minus_sign:",
}
_PLACEHOLDERS = (
    "e.g. Ship a small model to production",
    "e.g. Review two ML pull requests a week",
    "e.g. Present our results at a team demo",
)


class GoalIds:
    # buttons: on the intro, the partner's notice, the monthly DM, /mentor goals, Home
    OPEN = "goals.open"  # value: the mentorship's id
    REVIEW_OPEN = "goals.review_open"  # value: "<mentorship id>.<review number>"
    INTRO_BLOCK = "goals.intro"
    PAIR_BLOCK = "goals.pair."  # + the mentorship's id: one section per pair
    HEADER_BLOCK = "goals.header"
    TIP_BLOCK = "goals.tip"
    NOTICE_BLOCK = "goals.notice_text"
    REVIEW_BLOCK = "goals.review_text"
    ACTIONS_BLOCK = "goals.actions"
    # the goals form
    FORM_CALLBACK = "goals.form"
    HELP_BLOCK = "goals.help"
    TITLE_BLOCKS = ("goals.title.1", "goals.title.2", "goals.title.3")
    DUE_BLOCKS = ("goals.due.1", "goals.due.2", "goals.due.3")
    TITLE_ACTION = "goals.title_input"
    DUE_ACTION = "goals.due_input"
    # progress: one select per goal, in the monthly update's form and in "We met"
    REVIEW_CALLBACK = "goals.review"
    PROGRESS_BLOCK = "goals.progress."  # + the goal's id
    PROGRESS_ACTION = "goals.progress_input"
    NOTICE_CALLBACK = "goals.notice"


@dataclass(frozen=True)
class GoalLine:
    id: int
    title: str
    status: GoalStatus
    due_on: date | None = None


@dataclass(frozen=True)
class PairGoals:
    """One of the reader's pairs and its live goals (oldest first)."""

    mentorship_id: int
    partner_user_id: str
    is_my_mentor: bool  # False: I mentor them
    goals: tuple[GoalLine, ...] = ()
    paused: bool = False


def goal_line(goal: GoalLine) -> str:
    """One goal in mrkdwn: its mark, title, status and target date."""
    line = f"{_MARKS[goal.status]} {excerpt(goal.title, TITLE_SHOWN, one_line=True)}"
    line += f" · _{STATUS_LABELS[goal.status].lower()}_"
    return line + (f" · by {_day(goal.due_on)}" if goal.due_on else "")


def goals_plain(goals: Sequence[GoalLine]) -> str:
    """The goals as plain text, for a view that escapes and clips what it is given."""
    lines = []
    for goal in goals:
        when = f", by {_day(goal.due_on)}" if goal.due_on else ""
        lines.append(f"• {goal.title} ({STATUS_LABELS[goal.status].lower()}{when})")
    return "\n".join(lines)


def _lines(goals: Sequence[GoalLine]) -> str:
    return "\n".join(goal_line(goal) for goal in goals)


def _day(day: date) -> str:
    return f"{day.day} {day:%B %Y}"


def open_button(mentorship_id: int, *, editing: bool, style: str | None = None) -> ButtonElement:
    return ButtonElement(
        text="Edit our goals" if editing else "Set our goals",
        action_id=GoalIds.OPEN,
        value=str(mentorship_id),
        style=style,
    )


def intro_goals_block(mentorship_id: int) -> ActionsBlock:
    """The intro's button: either of the two may set the pair's first goals."""
    return ActionsBlock(
        block_id=GoalIds.INTRO_BLOCK,
        elements=[open_button(mentorship_id, editing=False, style="primary")],
    )


# --- the goals form -----------------------------------------------------------------------


@dataclass(frozen=True)
class GoalsForm:
    mentorship_id: int
    partner_user_id: str
    goals: tuple[GoalLine, ...]  # live ones, oldest first: the rows they fill


def goals_modal(form: GoalsForm, *, private_metadata: str) -> View:
    check_metadata(private_metadata)
    help_text = (
        f"Up to {GOALS_MAX} goals you and <@{form.partner_user_id}> agree on, small enough to "
        "start on this month. A target date is optional. Clear a goal's title to drop it; "
        "I'll tell your partner what changed."
    )
    blocks: list[Block] = [context(GoalIds.HELP_BLOCK, help_text)]
    for row in range(GOALS_MAX):
        goal = form.goals[row] if row < len(form.goals) else None
        due = goal.due_on.isoformat() if goal and goal.due_on else None
        blocks += [
            InputBlock(
                block_id=GoalIds.TITLE_BLOCKS[row],
                label=f"Goal {row + 1}",
                optional=True,
                element=PlainTextInputElement(
                    action_id=GoalIds.TITLE_ACTION,
                    max_length=TITLE_MAX,
                    initial_value=goal.title if goal else None,
                    placeholder=_PLACEHOLDERS[row],
                ),
            ),
            InputBlock(
                block_id=GoalIds.DUE_BLOCKS[row],
                label=f"Goal {row + 1}: target date",
                optional=True,
                element=DatePickerElement(
                    action_id=GoalIds.DUE_ACTION, initial_date=due, placeholder="No date"
                ),
            ),
        ]
    return View(
        type="modal",
        callback_id=GoalIds.FORM_CALLBACK,
        title="Edit our goals" if form.goals else "Set our goals",
        submit="Save",
        close="Cancel",
        private_metadata=private_metadata,
        blocks=blocks,
    )


def notice_modal(text: str, *, title: str = "Our goals") -> View:
    """Says why a goals form did not open or could not be saved (our words)."""
    return View(
        type="modal",
        callback_id=GoalIds.NOTICE_CALLBACK,
        title=title,
        close="Close",
        blocks=[section(GoalIds.NOTICE_BLOCK, text)],
    )


NOT_YOURS = "These goals belong to another pair, so I can't change them for you."
GONE = "This mentorship has ended, so its goals can't change any more."
CHANGED = (
    "Your partner changed your goals a moment ago. Close this and open the form again "
    "to see theirs, then add yours."
)
NO_PAIR = (
    "Goals belong to a mentorship, and you're not in one yet. When you'd like a mentor, "
    f"`{COMMAND} find` shows who fits what you want to learn, with the reasons."
)
NO_GOALS_TO_UPDATE = "There are no goals to update here any more: they're all dropped."


# --- progress: one select per goal ---------------------------------------------------------


def _option(status: GoalStatus) -> Option:
    return Option(value=status.value, label=STATUS_LABELS[status])


def progress_blocks(goals: Sequence[GoalLine], *, prefix: str = "") -> list[InputBlock]:
    """One optional select per goal, set to where it stands now."""
    return [
        InputBlock(
            block_id=f"{GoalIds.PROGRESS_BLOCK}{goal.id}",
            label=clip(f"{prefix}{' '.join(goal.title.split())}", 2000),
            optional=True,
            element=StaticSelectElement(
                action_id=GoalIds.PROGRESS_ACTION,
                placeholder="How is it going?",
                options=[_option(status) for status in GoalStatus],
                initial_option=_option(goal.status),
            ),
        )
        for goal in goals
    ]


@dataclass(frozen=True)
class ReviewForm:
    mentorship_id: int
    partner_user_id: str
    goals: tuple[GoalLine, ...]


def review_modal(form: ReviewForm, *, private_metadata: str) -> View:
    check_metadata(private_metadata)
    hint = (
        f"Where does each goal stand? <@{form.partner_user_id}> sees the same progress on "
        "their Home tab; nobody is messaged about it."
    )
    return View(
        type="modal",
        callback_id=GoalIds.REVIEW_CALLBACK,
        title="Update your goals",
        submit="Save",
        close="Cancel",
        private_metadata=private_metadata,
        blocks=[context(GoalIds.HELP_BLOCK, hint), *progress_blocks(form.goals)],
    )


# --- messages ------------------------------------------------------------------------------


def goals_set_message(
    *, by_user_id: str, goals: Sequence[GoalLine], first: bool, mentorship_id: int
) -> tuple[str, list[Block]]:
    """The DM that tells the partner their goals were set or changed, and by whom."""
    did = "set your goals" if first else "updated your goals"
    head = f":dart: <@{by_user_id}> {did} together:"
    blocks: list[Block] = [
        section(GoalIds.NOTICE_BLOCK, f"{head}\n{_lines(goals)}"),
        ActionsBlock(
            block_id=GoalIds.ACTIONS_BLOCK, elements=[open_button(mentorship_id, editing=True)]
        ),
    ]
    return f"<@{by_user_id}> {did} together", blocks


@dataclass(frozen=True)
class ReviewState:
    mentorship_id: int
    review: int  # the how-manyth month of the pair: names this update
    mentor_user_id: str
    goals: tuple[GoalLine, ...]


def review_message(state: ReviewState) -> tuple[str, list[Block]]:
    """The mentee's monthly DM: where do your goals stand?"""
    mentor = f"<@{state.mentor_user_id}>"
    hello = (
        f":seedling: A month has gone by: how are your goals with {mentor} going? "
        "Tell me in a few clicks; it's a good moment to look at them together too."
    )
    blocks: list[Block] = [
        section(GoalIds.REVIEW_BLOCK, f"{hello}\n{_lines(state.goals)}"),
        ActionsBlock(
            block_id=GoalIds.ACTIONS_BLOCK,
            elements=[
                ButtonElement(
                    text="Update progress",
                    action_id=GoalIds.REVIEW_OPEN,
                    value=f"{state.mentorship_id}.{state.review}",
                    style="primary",
                ),
                open_button(state.mentorship_id, editing=True),
            ],
        ),
    ]
    return f"How are your goals with {mentor} going?", blocks


def review_done_message(
    *, mentor_user_id: str, goals: Sequence[GoalLine], next_day: str | None
) -> tuple[str, list[Block]]:
    """The monthly DM once its answer is saved: thanks, and when the next one comes."""
    head = f":white_check_mark: Thanks! Your goals with <@{mentor_user_id}> are up to date:"
    tail = (
        f"I'll ask again around {next_day}."
        if next_day
        else f"Every goal is done or dropped: set new ones any time with `{COMMAND} goals`."
    )
    text = f"{head}\n{_lines(goals)}\n{tail}"
    return f"Thanks! Your goals with <@{mentor_user_id}> are up to date.", [
        section(GoalIds.REVIEW_BLOCK, text)
    ]


def pair_goals_section(pair: PairGoals) -> SectionBlock:
    """One pair's goals with their status, and a button to set or edit them."""
    role = "mentor" if pair.is_my_mentor else "mentee"
    head = f"*Goals with <@{pair.partner_user_id}>* (your {role})"
    if pair.paused:
        head += " · _paused_"
    if pair.goals:
        done = sum(goal.status is GoalStatus.DONE for goal in pair.goals)
        body = f"{_lines(pair.goals)}\n_{done} of {len(pair.goals)} done_"
    else:
        body = "None set yet: two or three small goals give your meetings a direction."
    return SectionBlock(
        block_id=f"{GoalIds.PAIR_BLOCK}{pair.mentorship_id}",
        text=f"{head}\n{body}",
        accessory=open_button(pair.mentorship_id, editing=bool(pair.goals)),
    )


def my_goals_message(pairs: Sequence[PairGoals]) -> tuple[str, list[Block]]:
    """`/mentor goals`: each of the reader's pairs with its goals and progress."""
    if not pairs:
        return NO_PAIR, [section(GoalIds.NOTICE_BLOCK, NO_PAIR)]
    tip = (
        "Either of you can edit a pair's goals. Progress is updated when you log a meeting "
        "(*We met*), and mentees get a short goal check once a month."
    )
    blocks: list[Block] = [
        section(GoalIds.HEADER_BLOCK, ":dart: *Your goals*"),
        *(pair_goals_section(pair) for pair in pairs),
        context(GoalIds.TIP_BLOCK, tip),
    ]
    return "Your goals", blocks
