"""Follow-ups and escalation: the kind DM to a pair that stopped meeting, the coordinators'
alert, their App Home's at-risk pairs and asks for help, and what each action tells people.

Pure builders: state in, Block Kit out. The handlers read clicks by the ids in
`FollowupIds`. A follow-up or a nudge offers only what works at that moment: "Suggest a
15-minute chat" always; "We met", "Reschedule" and "Need help" (the check-in flow's own
buttons) when the pair has a check-in they can still act on, and the sentence above the
buttons names exactly those. Whatever a person wrote (a request for help) is escaped and
clipped; instants are Slack `<!date>` tokens, so each reader sees their own clock.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass
from datetime import date, datetime

from slack_sdk.models.blocks import (
    ActionsBlock,
    Block,
    ButtonElement,
    DividerBlock,
    HeaderBlock,
)
from slack_sdk.models.views import View

from bot.views.checkins import CheckinIds
from bot.views.find import find_again_actions
from bot.views.text import check_metadata, context, excerpt, section

HELP_SHOWN = 300  # of each ask for help on the Home, escaped; the DM had all of it
PAIRS_LISTED = 10  # at-risk pairs on a coordinator's Home (two blocks each)
ASKS_LISTED = 10  # open asks for help on a coordinator's Home (two blocks each)
_NUMBERS = {2: "two", 3: "three", 4: "four", 5: "five"}


class FollowupIds:
    # the follow-up and nudge DMs
    SUGGEST_CHAT = "followups.chat"
    MESSAGE_BLOCK = "followups.message"
    HINT_BLOCK = "followups.hint"
    ACTIONS_BLOCK = "followups.actions"
    # the coordinators' alert
    ALERT_BLOCK = "followups.alert"
    # the coordinators' App Home
    NUDGE = "followups.nudge"
    PAUSE = "followups.pause"
    RESUME = "followups.resume"
    END = "followups.end"
    HANDLED = "followups.handled"
    AT_RISK_HEADER = "followups.at_risk"
    PAIR_BLOCK = "followups.pair."  # + the mentorship id
    PAIR_ACTIONS = "followups.pair_actions."  # + the mentorship id
    AT_RISK_MORE = "followups.at_risk_more"
    HELP_HEADER = "followups.help"
    ASK_BLOCK = "followups.ask."  # + the help request id
    ASK_ACTIONS = "followups.ask_actions."  # + the help request id
    HELP_MORE = "followups.help_more"
    # "End and rematch": the confirmation modal, and what replaces it when it can't be done
    END_CALLBACK = "followups.end_form"
    END_TEXT_BLOCK = "followups.end_text"
    NOTICE_CALLBACK = "followups.notice"
    NOTICE_BLOCK = "followups.notice_text"
    # what the two are told
    TOLD_BLOCK = "followups.told"


# --- the follow-up (and a coordinator's nudge) --------------------------------------------


@dataclass(frozen=True)
class Options:
    """What a follow-up may offer: each check-in id is None when nothing can be done with it."""

    mentorship_id: int
    open_checkin: int | None = None  # not settled yet: "We met" and "Need help" work on it
    current_checkin: int | None = None  # the period under way: "Reschedule" works on it


@dataclass(frozen=True)
class FollowUp:
    partner_user_id: str
    periods: int  # check-ins in a row without a meeting
    options: Options
    nudged_by: str | None = None  # a coordinator's "Nudge again"; None: the bot's follow-up


def follow_up_message(state: FollowUp) -> tuple[str, list[Block]]:
    """(fallback text, blocks) of the kind DM to one of a pair that stopped meeting."""
    partner = f"<@{state.partner_user_id}>"
    if state.nudged_by is None:
        hello = (
            f":seedling: It's been {_periods(state.periods)} since you and {partner} last "
            "logged a meeting. Life gets busy, and that's completely normal: nobody's "
            "keeping score."
        )
        fallback = f"A friendly hello about your mentorship with {partner}"
    else:
        hello = (
            f":wave: A friendly hello from <@{state.nudged_by}>, who helps run the mentorship "
            f"program: it's been a little while since you and {partner} met. No pressure, "
            "and nothing's wrong: we'd just love for it to keep going."
        )
        fallback = f"A friendly nudge about your mentorship with {partner}"
    offers = ["suggest a quick 15-minute chat"]
    options = state.options
    if options.open_checkin is not None:
        offers.append("tell me if you did meet")
    if options.current_checkin is not None:
        offers.append("pick a new day for your check-in")
    if options.open_checkin is not None:
        offers.append("ask the program's coordinators for a hand")
    hint = "A short catch-up is often all it takes to get going again. If it helps, " + _or(offers)
    blocks: list[Block] = [
        section(FollowupIds.MESSAGE_BLOCK, hello),
        context(FollowupIds.HINT_BLOCK, hint + "."),
        ActionsBlock(block_id=FollowupIds.ACTIONS_BLOCK, elements=_buttons(options)),
    ]
    return fallback, blocks


def _buttons(options: Options) -> list[ButtonElement]:
    buttons = [
        ButtonElement(
            text="Suggest a 15-minute chat",
            action_id=FollowupIds.SUGGEST_CHAT,
            value=str(options.mentorship_id),
            style="primary",
        )
    ]
    if options.open_checkin is not None:
        buttons.append(
            ButtonElement(text="We met", action_id=CheckinIds.MET, value=str(options.open_checkin))
        )
    if options.current_checkin is not None:
        buttons.append(
            ButtonElement(
                text="Reschedule",
                action_id=CheckinIds.RESCHEDULE,
                value=str(options.current_checkin),
            )
        )
    if options.open_checkin is not None:
        buttons.append(
            ButtonElement(
                text="Need help", action_id=CheckinIds.HELP, value=str(options.open_checkin)
            )
        )
    return buttons


def chat_suggested_notice(*, by_user_id: str) -> str:
    """The partner's DM when one of the two pressed "Suggest a 15-minute chat"."""
    return (
        f":coffee: <@{by_user_id}> would like a quick 15-minute chat with you sometime this "
        "week, just to catch up. Send them a message to find a time that suits you both."
    )


def chat_sent_text(partner_user_id: str) -> str:
    return (
        f"Done: I've let <@{partner_user_id}> know you'd like a 15-minute chat. "
        "Send them a message to pick a time."
    )


def chat_already_text(partner_user_id: str) -> str:
    return (
        f"You've already suggested a chat to <@{partner_user_id}> for this check-in, "
        "so I haven't sent it twice. A message to them directly works well too."
    )


CHAT_NOT_YOURS = "This message is about another pair, so I can't pass anything on for you."
CHAT_GONE = "This mentorship isn't running right now, so there's nothing to pass on."


# --- the coordinators' alert --------------------------------------------------------------


@dataclass(frozen=True)
class AtRiskAlert:
    mentor_user_id: str
    mentee_user_id: str
    periods: int
    last_met: date | None  # None: no meeting logged since they were paired
    started: date


def at_risk_alert(alert: AtRiskAlert) -> tuple[str, list[Block]]:
    """The DM each coordinator gets, once, when a pair misses three check-ins in a row."""
    mentor, mentee = f"<@{alert.mentor_user_id}>", f"<@{alert.mentee_user_id}>"
    last = _last_met(alert.last_met, alert.started)
    head = (
        f":warning: {mentor} and {mentee} ({mentor} mentoring {mentee}) haven't logged a "
        f"meeting for {_periods(alert.periods)} in a row; {last}."
    )
    more = (
        "Both have had a friendly follow-up from me. They're on your App Home's "
        "*At-risk pairs* list, where one click nudges them again, pauses the pair, or ends it "
        f"and offers {mentee} a new match."
    )
    blocks: list[Block] = [section(FollowupIds.ALERT_BLOCK, f"{head}\n{more}")]
    return f"{mentor} and {mentee} haven't logged a meeting for a while", blocks


# --- the coordinators' App Home -----------------------------------------------------------


@dataclass(frozen=True)
class AtRiskPair:
    mentorship_id: int
    mentor_user_id: str
    mentee_user_id: str
    periods: int  # check-ins in a row without a meeting, as of now
    last_met: date | None
    started: date
    flagged_at: datetime
    paused: bool = False


@dataclass(frozen=True)
class OpenAsk:
    request_id: int
    asker_user_id: str | None  # None: they have left the program
    mentor_user_id: str
    mentee_user_id: str
    text: str  # what they wrote; may be empty (or forgotten after they left)
    asked_at: datetime


@dataclass(frozen=True)
class Board:
    """What a coordinator's Home lists: the newest first, at most PAIRS_LISTED and
    ASKS_LISTED, with how many there are in all."""

    pairs: tuple[AtRiskPair, ...] = ()
    pairs_count: int = 0
    asks: tuple[OpenAsk, ...] = ()
    asks_count: int = 0


def board_blocks(board: Board) -> list[Block]:
    """The coordinator's sections of the App Home: at-risk pairs, then open asks for help."""
    blocks: list[Block] = [
        DividerBlock(),
        HeaderBlock(block_id=FollowupIds.AT_RISK_HEADER, text="At-risk pairs"),
    ]
    if not board.pairs:
        blocks.append(
            context(
                FollowupIds.AT_RISK_MORE,
                "No pair has gone three check-ins without a meeting. :tada:",
            )
        )
    for pair in board.pairs[:PAIRS_LISTED]:
        blocks += _pair_blocks(pair)
    if board.pairs_count > len(board.pairs[:PAIRS_LISTED]):
        more = board.pairs_count - len(board.pairs[:PAIRS_LISTED])
        blocks.append(
            context(FollowupIds.AT_RISK_MORE, f"_and {more} more, longest waiting first_")
        )
    blocks.append(HeaderBlock(block_id=FollowupIds.HELP_HEADER, text="Asks for help"))
    if not board.asks:
        blocks.append(context(FollowupIds.HELP_MORE, "No open asks for help right now."))
    for ask in board.asks[:ASKS_LISTED]:
        blocks += _ask_blocks(ask)
    if board.asks_count > len(board.asks[:ASKS_LISTED]):
        more = board.asks_count - len(board.asks[:ASKS_LISTED])
        blocks.append(context(FollowupIds.HELP_MORE, f"_and {more} more, oldest first_"))
    return blocks


def _pair_blocks(pair: AtRiskPair) -> list[Block]:
    mentor, mentee = f"<@{pair.mentor_user_id}>", f"<@{pair.mentee_user_id}>"
    lines = [
        f"*{mentor} mentoring {mentee}*" + (" · _paused_" if pair.paused else ""),
        f"{_periods(pair.periods).capitalize()} without a meeting; "
        f"{_last_met(pair.last_met, pair.started)}. On this list since {_when(pair.flagged_at)}.",
    ]
    value = str(pair.mentorship_id)
    buttons = []
    if pair.paused:
        buttons.append(ButtonElement(text="Resume pair", action_id=FollowupIds.RESUME, value=value))
    else:
        buttons += [
            ButtonElement(text="Nudge again", action_id=FollowupIds.NUDGE, value=value),
            ButtonElement(text="Pause pair", action_id=FollowupIds.PAUSE, value=value),
        ]
    buttons.append(
        ButtonElement(
            text="End and rematch", action_id=FollowupIds.END, value=value, style="danger"
        )
    )
    return [
        section(f"{FollowupIds.PAIR_BLOCK}{value}", "\n".join(lines)),
        ActionsBlock(block_id=f"{FollowupIds.PAIR_ACTIONS}{value}", elements=buttons),
    ]


def _ask_blocks(ask: OpenAsk) -> list[Block]:
    who = f"<@{ask.asker_user_id}>" if ask.asker_user_id else "Someone who has since left"
    pair = f"<@{ask.mentor_user_id}> mentoring <@{ask.mentee_user_id}>"
    words = excerpt(ask.text, HELP_SHOWN, one_line=True) if ask.text.strip() else ""
    said = f"\n>{words}" if words else "\n_They didn't say more._"
    value = str(ask.request_id)
    button = ButtonElement(
        text="Mark handled",
        action_id=FollowupIds.HANDLED,
        value=value,
        style="primary",
    )
    return [
        section(
            f"{FollowupIds.ASK_BLOCK}{value}",
            f"*{who}* ({pair}), {_when(ask.asked_at)}:{said}",
        ),
        ActionsBlock(block_id=f"{FollowupIds.ASK_ACTIONS}{value}", elements=[button]),
    ]


# --- "End and rematch" --------------------------------------------------------------------

END_TITLE = "End and rematch"


@dataclass(frozen=True)
class EndForm:
    mentorship_id: int
    mentor_user_id: str
    mentee_user_id: str


def end_modal(form: EndForm, *, private_metadata: str) -> View:
    """Asks a coordinator to confirm ending a pair, and says what each of the two hears."""
    check_metadata(private_metadata)
    mentor, mentee = f"<@{form.mentor_user_id}>", f"<@{form.mentee_user_id}>"
    text = (
        f"End {mentor}'s mentorship of {mentee}?\n\n"
        f"• Both are told kindly that the pairing has ended, without blame.\n"
        f"• {mentor}'s mentee slot is freed for someone new.\n"
        f"• {mentee} gets a *Find a mentor* button to see who fits their goals now.\n\n"
        "This can't be undone, though they can always be paired again."
    )
    return View(
        type="modal",
        callback_id=FollowupIds.END_CALLBACK,
        title=END_TITLE,
        submit="End the pair",
        close="Cancel",
        private_metadata=private_metadata,
        blocks=[section(FollowupIds.END_TEXT_BLOCK, text)],
    )


def notice_modal(text: str) -> View:
    """Replaces the confirmation when the pair could not be ended, saying why (our words)."""
    return View(
        type="modal",
        callback_id=FollowupIds.NOTICE_CALLBACK,
        title=END_TITLE,
        close="Close",
        blocks=[section(FollowupIds.NOTICE_BLOCK, text)],
    )


def ended_for_mentor(mentee_user_id: str) -> tuple[str, list[Block]]:
    text = (
        f"Your mentorship with <@{mentee_user_id}> has ended: the program's coordinators "
        "are helping them find a new match. Pairings change for all kinds of reasons, mostly "
        "timing, and it says nothing about either of you. Thank you for the time you gave; "
        "your mentee slot is free again for someone new."
    )
    return text, [section(FollowupIds.TOLD_BLOCK, text)]


def ended_for_mentee(mentor_user_id: str) -> tuple[str, list[Block]]:
    text = (
        f"Your mentorship with <@{mentor_user_id}> has ended: the program's coordinators "
        "thought a fresh start would serve you better. Pairings change for all kinds of "
        "reasons, mostly timing, and it says nothing about either of you. Press *Find a "
        "mentor* to see who fits your goals now."
    )
    return text.replace("*", ""), [section(FollowupIds.TOLD_BLOCK, text), find_again_actions()]


def paused_notice(*, partner_user_id: str, by_user_id: str) -> str:
    return (
        f":double_vertical_bar: <@{by_user_id}>, one of the program's coordinators, has paused "
        f"check-ins for your mentorship with <@{partner_user_id}> for now, so I won't send "
        f"check-in messages while it's paused. <@{by_user_id}> can resume it whenever you're "
        "both ready; nothing else changes."
    )


def resumed_notice(*, partner_user_id: str, by_user_id: str) -> str:
    return (
        f":arrow_forward: <@{by_user_id}> has resumed your mentorship with "
        f"<@{partner_user_id}>. Your check-ins pick up again from today."
    )


# --- what a coordinator's click did, by DM (a Home click has nowhere else to answer) ------

COORDINATORS_ONLY = (
    "Sorry, that's for the program's coordinators, so nothing was changed. "
    "If you think you should be one, ask whoever runs the mentorship program."
)
PAIR_GONE = "That pair has ended already, so there was nothing to do. Your Home tab is up to date."
ASK_GONE = "I couldn't find that ask for help, so nothing was changed."


def nudged_text(mentor_user_id: str, mentee_user_id: str) -> str:
    return (
        f"Nudged <@{mentor_user_id}> and <@{mentee_user_id}> again: each gets a friendly "
        "note in their own working hours, with a 15-minute-chat button."
    )


def not_active_text(action: str) -> str:
    return f"That pair is paused right now, so I didn't {action}. Resume it first if you'd like."


def already_paused_text() -> str:
    return "That pair was already paused a moment ago. Your Home tab is up to date."


def already_active_text() -> str:
    return "That pair is running already. Your Home tab is up to date."


def already_handled_text(by_user_id: str | None) -> str:
    who = f"<@{by_user_id}>" if by_user_id else "Another coordinator"
    return f"{who} already marked that ask for help as handled. Your Home tab is up to date."


# --- helpers ------------------------------------------------------------------------------


def _periods(count: int) -> str:
    return f"{_NUMBERS.get(count, str(count))} check-in{'s' if count != 1 else ''}"


def _last_met(last_met: date | None, started: date) -> str:
    if last_met is None:
        return f"no meeting logged since they were paired on {_day(started)}"
    return f"they last met on {_day(last_met)}"


def _day(day: date) -> str:
    return f"{day:%A} {day.day} {day:%B %Y}"


def _when(instant: datetime) -> str:
    """A Slack date token: each reader sees the day on their own calendar."""
    fallback = f"{instant:%Y-%m-%d %H:%M} UTC"
    return f"<!date^{int(instant.timestamp())}^{{date_short_pretty}} at {{time}}|{fallback}>"


def _or(items: Sequence[str]) -> str:
    if len(items) == 1:
        return items[0]
    return ", ".join(items[:-1]) + " or " + items[-1]
