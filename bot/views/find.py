"""Finding a mentor: suggestions, the request, the mentor's answer and the introduction.

Pure builders: state in, Block Kit out (no database, no Slack calls). The handlers read
what people click and type by the ids in `MatchIds`, so the two must change together.

The flow, and the builder for each step:
1. `suggestions_modal`: mentors who fit, with the reasons; the mentee picks up to
   `MAX_PICKS` in order of preference (or searches again, or sees more).
2. `note_modal`: who is asked in which order, and an optional note to them.
3. `request_message`: the DM to one mentor, with Accept / Decline. Only one mentor is
   asked at a time: the next choice hears nothing unless the earlier one can't.
4. `decline_modal` (optional reason) and `request_answered_blocks` (replaces the DM).
5. `intro_message`: the group DM that introduces the pair and proposes a kickoff.
6. The mentee's notices: `request_sent_message`, `declined_message`, `expired_message`,
   `mentor_available_message`.

Text rules:
- Whatever a person wrote (names, titles, topics, goals, notes, reasons, "about", the
  search query) is escaped (&, <, >), so nobody can ping @channel or fake a link.
- Dates (`expires_on`, `when`, `first_checkin`) are passed through unescaped: they are
  ours, and may be a `<!date^…>` token so each reader sees their own time zone.
- Long text is cut with "…" to a budget counted on the escaped text in UTF-16 units
  (an emoji counts two), so every block stays inside Slack's limits whatever it holds.

Slack requires a submit button on any modal with an input block, and the suggestions
modal always has the search box. So its submit says "Next" once something is picked and
"Search" before that: the handler treats a submit without picks as a search.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass

from slack_sdk.models.blocks import (
    ActionsBlock,
    Block,
    ButtonElement,
    ContextBlock,
    DividerBlock,
    InputBlock,
    MarkdownTextObject,
    PlainTextInputElement,
    SectionBlock,
)
from slack_sdk.models.views import View

from bot.commands import COMMAND
from bot.views.text import check_metadata, escape

MAX_PICKS = 3  # the chain of mentors asked in turn
MAX_CARDS = 20  # per page; a guard for the 100-block view limit (3 blocks a card)
NOTE_MAX = 1000
DECLINE_REASON_MAX = 500
QUERY_MAX = 300

# What is shown (escaped, in UTF-16 units) of each piece of text.
NAME_SHOWN = 80
TITLE_SHOWN = 120
TOPIC_SHOWN = 75  # a topic label's own limit
TOPICS_SHOWN = 5  # the rest become "+N more"
REASONS_SHOWN = 4
REASON_SHOWN = 200  # reasons are at most 150 characters; room for escaped "&"
ABOUT_SHOWN = 200
GOALS_SHOWN = 600
NOTE_SHOWN = 2000  # a whole note, unless escaping or emoji make it long
DECLINE_REASON_SHOWN = 1000
QUERY_SHOWN = 150
BUTTON_LABEL_MAX = 75  # Slack's limit for a button's accessibility label

# Fit labels by score. The matcher never proposes a pair under 0.25 (Weights.min_score),
# and real pairs land between that and about 0.8: these split that range in three, so a
# label means "clearly above the floor", "comfortably" or "just about".
STRONG_FIT = 0.6
GOOD_FIT = 0.4


class MatchIds:
    FINDING_CALLBACK = "match.finding"
    SUGGESTIONS_CALLBACK = "match.suggestions"
    NOTE_CALLBACK = "match.note"
    DECLINE_CALLBACK = "match.decline"
    NOTICE_CALLBACK = "match.notice"

    # Actions. CHOOSE / UNCHOOSE carry the mentor's person id; ACCEPT / DECLINE the
    # request id.
    CHOOSE = "match.choose"
    UNCHOOSE = "match.unchoose"
    MORE = "match.more"
    SEARCH = "match.search"
    ACCEPT = "match.accept"
    DECLINE = "match.decline_open"
    FIND_AGAIN = "match.find_again"  # a button in a notice that opens the search

    QUERY_BLOCK = "match.query"
    QUERY_ACTION = "match.query.input"
    NOTE_BLOCK = "match.note"
    NOTE_ACTION = "match.note.input"
    REASON_BLOCK = "match.reason"
    REASON_ACTION = "match.reason.input"
    REQUEST_ACTIONS_BLOCK = "match.request.actions"

    # Suggestions modal
    INTRO_BLOCK = "match.intro"
    NOBODY_BLOCK = "match.nobody"
    EMPTY_PAGE_BLOCK = "match.empty_page"
    PAGE_BLOCK = "match.page"
    PICKS_BLOCK = "match.picks"
    PICKS_FULL_BLOCK = "match.picks_full"
    PICK_PREFIX = "match.pick."  # + person id: one section per pick
    CARD_PREFIX = "match.card."  # + person id: the mentor's section
    ABOUT_PREFIX = "match.about."  # + person id: the excerpt of their description
    NAV_BLOCK = "match.nav"

    # Note and decline modals
    ORDER_BLOCK = "match.order"
    DECLINE_TEXT_BLOCK = "match.decline_text"

    # Messages
    REQUEST_BLOCK = "match.request"
    REQUEST_REASONS_BLOCK = "match.request.reasons"
    REQUEST_GOALS_BLOCK = "match.request.goals"
    REQUEST_NOTE_BLOCK = "match.request.note"
    REQUEST_RANK_BLOCK = "match.request.rank"
    REQUEST_DEADLINE_BLOCK = "match.request.deadline"
    ANSWERED_BLOCK = "match.answered"
    INTRO_HELLO_BLOCK = "match.intro.hello"
    INTRO_WHY_BLOCK = "match.intro.why"
    INTRO_RHYTHM_BLOCK = "match.intro.rhythm"
    INTRO_GOALS_BLOCK = "match.intro.goals"
    INTRO_AGENDA_BLOCK = "match.intro.agenda"
    INTRO_TIP_BLOCK = "match.intro.tip"
    NOTICE_BLOCK = "match.notice"
    NOTICE_DETAIL_BLOCK = "match.notice.detail"
    NOTICE_ACTIONS_BLOCK = "match.notice.actions"
    UNAVAILABLE_BLOCK = "match.unavailable"  # picks that could no longer be asked


@dataclass(frozen=True)
class MentorCard:
    person_id: int
    user_id: str  # Slack id; shown as <@user_id>, which Slack renders as their name
    name: str  # for accessibility labels, where mentions don't render
    title: str | None
    topics: tuple[str, ...]
    reasons: tuple[str, ...]  # readable, strongest first
    score: float  # 0..1
    about: str  # the mentor's own description
    has_room: bool = True  # False: free slots are spoken for by others' pending requests


@dataclass(frozen=True)
class SuggestionsState:
    cards: tuple[MentorCard, ...]  # this page
    picks: tuple[MentorCard, ...]  # chosen so far, in order of preference
    query: str = ""  # what the mentee searched for ("" = their goals)
    offset: int = 0
    has_more: bool = False
    nobody_fits: bool = False  # the waiting-list message instead of cards
    notice: str | None = None  # mrkdwn of ours, shown first (e.g. a pick who just paused)

    def __post_init__(self) -> None:
        # Caller bugs: fail here rather than render a chain the service won't honour.
        if len(self.picks) > MAX_PICKS:
            raise ValueError(f"at most {MAX_PICKS} picks, got {len(self.picks)}")
        if len({p.person_id for p in self.picks}) != len(self.picks):
            raise ValueError("the same mentor is picked twice")
        if self.offset < 0:
            raise ValueError("offset must be >= 0")


def fit_label(score: float) -> str:
    """A small, readable indicator of a score: three dots, filled by fit."""
    if score >= STRONG_FIT:
        return "●●● Strong fit"
    if score >= GOOD_FIT:
        return "●●○ Good fit"
    return "●○○ Possible fit"


# --- the suggestions modal ------------------------------------------------------------------


def suggestions_modal(state: SuggestionsState, *, private_metadata: str) -> View:
    """Mentors who fit, the mentee's picks so far, and a way to search or see more."""
    check_metadata(private_metadata)
    if len(state.cards) > MAX_CARDS:
        raise ValueError(f"at most {MAX_CARDS} cards a page, got {len(state.cards)}")

    blocks: list[Block] = []
    if state.notice:
        blocks.append(_section(MatchIds.UNAVAILABLE_BLOCK, state.notice))
    if state.nobody_fits:
        blocks.append(_section(MatchIds.NOBODY_BLOCK, _nobody_fits_text()))
    else:
        blocks.append(_section(MatchIds.INTRO_BLOCK, _suggestions_intro(state.query)))
    blocks += _picks_blocks(state.picks)

    if not state.nobody_fits:
        cards = list({c.person_id: c for c in state.cards}.values())  # block ids must be unique
        if cards:
            if state.offset > 0 or state.has_more:
                first = state.offset + 1
                shown = f"Showing {first}–{state.offset + len(cards)}"
                blocks.append(_context(MatchIds.PAGE_BLOCK, shown))
            picked = {p.person_id: n for n, p in enumerate(state.picks, start=1)}
            full = len(state.picks) >= MAX_PICKS
            for card in cards:
                blocks.append(DividerBlock())
                blocks += _card_blocks(card, choice=picked.get(card.person_id), full=full)
        else:
            blocks.append(
                _section(
                    MatchIds.EMPTY_PAGE_BLOCK,
                    "No one else fits this search. Try describing what you're looking for "
                    "in other words below.",
                )
            )

    blocks.append(DividerBlock())
    blocks.append(_query_block(state.query))
    buttons = [ButtonElement(text="Search again", action_id=MatchIds.SEARCH, value="search")]
    if state.has_more and not state.nobody_fits:
        buttons.append(ButtonElement(text="Show more", action_id=MatchIds.MORE, value="more"))
    blocks.append(ActionsBlock(block_id=MatchIds.NAV_BLOCK, elements=buttons))

    return View(
        type="modal",
        callback_id=MatchIds.SUGGESTIONS_CALLBACK,
        title="Find a mentor",
        # See the module docstring: an input block needs a submit button.
        submit="Next" if state.picks else "Search",
        close="Cancel",
        private_metadata=private_metadata or None,
        blocks=blocks,
    )


UNAVAILABLE_WHY = {
    "paused": "has paused mentoring",
    "full": "has just filled their last mentee slot",
    "left": "is no longer a mentor in the program",
}


def unavailable_notice(gone: Sequence[tuple[str, str]]) -> str:
    """Why the request was not sent: (user id, "paused" | "full" | "left") of each pick."""
    lines = [f"<@{user}> {UNAVAILABLE_WHY[why]}." for user, why in gone]
    return (
        ":warning: *We didn't send your request.* "
        + " ".join(lines)
        + " Here are fresh suggestions: choose again and press *Next*."
    )


def _suggestions_intro(query: str) -> str:
    if query.strip():
        searched = _excerpt(query, QUERY_SHOWN, one_line=True)
        basis = f"These mentors fit what you searched for: “{searched}”."
    else:
        basis = "These mentors fit the goals and topics in your profile."
    return (
        f"{basis} Each shows why we think they fit.\n"
        f"Pick up to {MAX_PICKS}, in order of preference. We ask your first choice first; "
        "if they can't take you on, we ask the next. Nobody else hears about it until "
        "it's their turn."
    )


def _nobody_fits_text() -> str:
    return (
        ":seedling: *Nobody fits just yet.* Right now no mentor shares your topics, or "
        "everyone who does has a full schedule.\n"
        "You're on the waiting list: we'll send you a DM as soon as a mentor who fits joins "
        "or frees up a slot.\n"
        "Describing what you're looking for in other words below may help too: we match on "
        "what you write, not only on topics."
    )


def _picks_blocks(picks: Sequence[MentorCard]) -> list[Block]:
    if not picks:
        return []
    blocks: list[Block] = [_section(MatchIds.PICKS_BLOCK, "*Your choices*, in order")]
    for n, pick in enumerate(picks, start=1):
        line = f"*{n}.* <@{pick.user_id}>"
        if pick.title:
            line += f" · {_excerpt(pick.title, TITLE_SHOWN, one_line=True)}"
        blocks.append(
            SectionBlock(
                block_id=f"{MatchIds.PICK_PREFIX}{pick.person_id}",
                text=MarkdownTextObject(text=line),
                accessory=ButtonElement(
                    text="Remove",
                    action_id=MatchIds.UNCHOOSE,
                    value=str(pick.person_id),
                    accessibility_label=_label(f"Remove {pick.name} from your choices"),
                ),
            )
        )
    if len(picks) >= MAX_PICKS:
        blocks.append(
            _context(
                MatchIds.PICKS_FULL_BLOCK,
                f"That's {MAX_PICKS}, the most we ask in turn. Remove one to choose someone "
                "else, or press *Next*.",
            )
        )
    return blocks


def _card_blocks(card: MentorCard, *, choice: int | None, full: bool) -> list[Block]:
    lines = [f"*<@{card.user_id}>*"]
    if card.title:
        lines[0] += f" · {_excerpt(card.title, TITLE_SHOWN, one_line=True)}"
    second = fit_label(card.score)
    if card.topics:
        second += f" · {_topics(card.topics)}"
    lines.append(second)
    if choice is not None:
        lines.append(f"*✓ Your choice #{choice}*")
    if not card.has_room:
        lines.append(":hourglass_flowing_sand: Popular right now: may take longer to answer.")
    lines += [f"• {_excerpt(r, REASON_SHOWN, one_line=True)}" for r in _reasons(card.reasons)]

    accessory = None
    if choice is None and not full:
        accessory = ButtonElement(
            text="Choose",
            action_id=MatchIds.CHOOSE,
            value=str(card.person_id),
            accessibility_label=_label(f"Choose {card.name}"),
        )
    blocks: list[Block] = [
        SectionBlock(
            block_id=f"{MatchIds.CARD_PREFIX}{card.person_id}",
            text=MarkdownTextObject(text="\n".join(lines)),
            accessory=accessory,
        )
    ]
    if card.about.strip():
        blocks.append(
            _context(
                f"{MatchIds.ABOUT_PREFIX}{card.person_id}",
                _excerpt(card.about, ABOUT_SHOWN, one_line=True),
            )
        )
    return blocks


def _query_block(query: str) -> InputBlock:
    # Slack rejects an initial_value over max_length; an over-long query is a caller slip.
    value = query.strip()[:QUERY_MAX]
    return InputBlock(
        block_id=MatchIds.QUERY_BLOCK,
        label="Describe what you're looking for",
        hint="e.g. 'moving from backend work into ML engineering'",
        optional=True,
        dispatch_action=False,
        element=PlainTextInputElement(
            action_id=MatchIds.QUERY_ACTION,
            placeholder="A few words about the help you'd like",
            initial_value=value or None,  # Slack wants no initial_value rather than ""
            multiline=False,
            max_length=QUERY_MAX,
        ),
    )


# --- the note modal -------------------------------------------------------------------------


def note_modal(picks: Sequence[MentorCard], *, private_metadata: str) -> View:
    """Confirms the order mentors are asked in and takes an optional note to them."""
    check_metadata(private_metadata)
    if not 1 <= len(picks) <= MAX_PICKS:
        raise ValueError(f"between 1 and {MAX_PICKS} picks, got {len(picks)}")
    return View(
        type="modal",
        callback_id=MatchIds.NOTE_CALLBACK,
        title="Your request",
        submit="Send request",
        close="Back",
        private_metadata=private_metadata or None,
        blocks=[
            _section(MatchIds.ORDER_BLOCK, _order_text(picks)),
            InputBlock(
                block_id=MatchIds.NOTE_BLOCK,
                label="A note to your mentor",
                hint=_note_hint(len(picks)),
                optional=True,
                element=PlainTextInputElement(
                    action_id=MatchIds.NOTE_ACTION,
                    placeholder="Why them, what you hope to get, and how much time you ask for",
                    multiline=True,
                    max_length=NOTE_MAX,
                ),
            ),
        ],
    )


def _note_hint(picks: int) -> str:
    hint = (
        "A good first ask says why you chose them, what you hope to get out of it, and how "
        "much time you're asking for, e.g. “30 minutes every two weeks for three months”. "
        f"Up to {NOTE_MAX:,} characters."
    )
    if picks > 1:
        hint += " Each person you chose sees the same note when it's their turn."
    return hint


def _order_text(picks: Sequence[MentorCard]) -> str:
    first = f"<@{picks[0].user_id}>"
    if len(picks) == 1:
        return f"We'll send your request to {first}."
    lines = [f"*Who we'll ask, in order*\n1. {first} is asked first."]
    lines.append(f"2. If they can't take you on, <@{picks[1].user_id}>.")
    if len(picks) > 2:
        lines.append(f"3. Then <@{picks[2].user_id}>.")
    lines.append("Only one person is asked at a time, so nobody gets a request they don't need.")
    return "\n".join(lines)


# --- the mentor's side ----------------------------------------------------------------------


def request_message(
    *,
    request_id: int,
    mentee_user_id: str,
    mentee_name: str,
    mentee_title: str | None,
    experience_label: str,
    topics: Sequence[str],
    goals: str,
    note: str | None,
    reasons: Sequence[str],
    expires_on: str,
    rank_note: str | None,
) -> tuple[str, list[Block]]:
    """(fallback text, blocks) of the DM asking a mentor to take someone on."""
    who = [f":wave: *<@{mentee_user_id}>* would like you to be their mentor."]
    facts = [_excerpt(t, TITLE_SHOWN, one_line=True) for t in (mentee_title, experience_label) if t]
    if any(facts):
        who.append(" · ".join(f for f in facts if f))
    if topics:
        who.append(f"Wants to grow in: {_topics(topics)}")

    blocks: list[Block] = [_section(MatchIds.REQUEST_BLOCK, "\n".join(who))]
    shown_reasons = _reasons(reasons)
    if shown_reasons:
        bullets = "\n".join(f"• {_excerpt(r, REASON_SHOWN, one_line=True)}" for r in shown_reasons)
        blocks.append(
            # The reasons speak to the mentee ("ahead of you"): say so, so they read right here.
            _section(
                MatchIds.REQUEST_REASONS_BLOCK,
                f"*Why you were suggested to {escape(mentee_name)}* (as we told them)\n{bullets}",
            )
        )
    if goals.strip():
        blocks.append(
            _section(MatchIds.REQUEST_GOALS_BLOCK, f"*Their goals*\n{_excerpt(goals, GOALS_SHOWN)}")
        )
    if note and note.strip():
        blocks.append(
            _section(
                MatchIds.REQUEST_NOTE_BLOCK, f"*Their note to you*\n{_excerpt(note, NOTE_SHOWN)}"
            )
        )
    if rank_note and rank_note.strip():
        blocks.append(_context(MatchIds.REQUEST_RANK_BLOCK, _excerpt(rank_note, ABOUT_SHOWN)))
    blocks += [
        _context(
            MatchIds.REQUEST_DEADLINE_BLOCK,
            f":hourglass_flowing_sand: Please answer by {expires_on}. If we haven't heard from "
            "you by then, we pass the request on, so nobody is left waiting. Accepting starts "
            "the mentorship: we'll introduce you both in a group DM.",
        ),
        ActionsBlock(
            block_id=MatchIds.REQUEST_ACTIONS_BLOCK,
            elements=[
                ButtonElement(
                    text="Accept",
                    action_id=MatchIds.ACCEPT,
                    value=str(request_id),
                    style="primary",
                ),
                ButtonElement(text="Decline", action_id=MatchIds.DECLINE, value=str(request_id)),
            ],
        ),
    ]
    name = _excerpt(mentee_name, NAME_SHOWN, one_line=True) or f"<@{mentee_user_id}>"
    text = f"{name} would like you to be their mentor. Please answer by {expires_on}."
    return text, blocks


def request_answered_blocks(
    *, accepted: bool, mentee_user_id: str, when: str
) -> tuple[str, list[Block]]:
    """(fallback text, blocks) that replace the request DM once the mentor answered."""
    if accepted:
        text = (
            f":white_check_mark: *You accepted <@{mentee_user_id}>'s request* on {when}. "
            "We've introduced you both in a group DM. Thank you for mentoring!"
        )
    else:
        text = (
            f":ok_hand: *You declined <@{mentee_user_id}>'s request* on {when}. Thanks for "
            "answering: we've let them know kindly and will help them find someone else."
        )
    return text.replace("*", ""), [_section(MatchIds.ANSWERED_BLOCK, text)]


def request_expired_blocks(*, mentee_user_id: str, on: str) -> tuple[str, list[Block]]:
    """(fallback text, blocks) that replace the request DM once it expired unanswered."""
    text = (
        f":hourglass: *<@{mentee_user_id}>'s request expired* on {on} before you answered, "
        "so we passed it on. Nothing more to do here."
    )
    return text.replace("*", ""), [_section(MatchIds.ANSWERED_BLOCK, text)]


def notice_modal(text: str, *, title: str = "Find a mentor") -> View:
    """Replaces a modal whose action could not be done, saying why (plain words of ours)."""
    return View(
        type="modal",
        callback_id=MatchIds.NOTICE_CALLBACK,
        title=title,
        close="Close",
        blocks=[_section(MatchIds.DECLINE_TEXT_BLOCK, escape(text))],
    )


def decline_modal(*, mentee_user_id: str, private_metadata: str) -> View:
    """Asks for an optional, kind reason before declining."""
    check_metadata(private_metadata)
    name = f"<@{mentee_user_id}>"
    return View(
        type="modal",
        callback_id=MatchIds.DECLINE_CALLBACK,
        title="Decline request",
        submit="Decline",
        close="Cancel",
        private_metadata=private_metadata or None,
        blocks=[
            _section(
                MatchIds.DECLINE_TEXT_BLOCK,
                f"We'll let {name} know you can't take them on right now, and ask their "
                "next choice if they have one. Saying no is fine: it helps them find "
                "the right person sooner.",
            ),
            InputBlock(
                block_id=MatchIds.REASON_BLOCK,
                label="A word for them",
                hint="We pass this on. A kind word helps, e.g. “I'm at capacity this quarter” "
                "or “Sam knows this area better than me”.",
                optional=True,
                element=PlainTextInputElement(
                    action_id=MatchIds.REASON_ACTION,
                    placeholder="Why you can't take them on right now",
                    multiline=True,
                    max_length=DECLINE_REASON_MAX,
                ),
            ),
        ],
    )


# --- the introduction -----------------------------------------------------------------------


def intro_message(
    *,
    mentor_user_id: str,
    mentee_user_id: str,
    cadence_phrase: str,
    format_phrase: str,
    first_checkin: str,
    mentee_goals: str,
    reasons: Sequence[str],
) -> tuple[str, list[Block]]:
    """(fallback text, blocks) of the group DM that introduces mentor and mentee."""
    mentor, mentee = f"<@{mentor_user_id}>", f"<@{mentee_user_id}>"
    hello = (
        f":tada: {mentor}, meet {mentee}: you're now mentor and mentee. "
        "This conversation is yours, to plan meetings and keep in touch."
    )
    rhythm = (
        f"*A rhythm to start with:* meeting {escape(cadence_phrase)} {escape(format_phrase)}, "
        "based on what you told us. Change it to whatever suits you both. "
        f"I'll check in with you both around {first_checkin}."
    )
    agenda_items = (
        "What you each want from the mentorship, and what's out of scope.",
        "When, how often and how you'll meet (the rhythm above is a starting point).",
        "The outcomes you hope for by the end.",
        "Two or three concrete first goals, small enough to start on this month.",
    )
    agenda = "*For your first meeting*, a kickoff agenda:\n" + "\n".join(
        f"{n}. {item}" for n, item in enumerate(agenda_items, start=1)
    )
    tip = (
        ":bulb: Meetings count most with a short agenda: progress since last time, your "
        "questions, and one challenge. And if it doesn't click, that's fine: ask for a "
        "rematch, no explanation needed."
    )

    blocks: list[Block] = [_section(MatchIds.INTRO_HELLO_BLOCK, hello)]
    shown_reasons = _reasons(reasons)
    if shown_reasons:
        bullets = "\n".join(f"• {_excerpt(r, REASON_SHOWN, one_line=True)}" for r in shown_reasons)
        heading = "*Why we matched you* (as we explained it to the mentee)"
        blocks.append(_section(MatchIds.INTRO_WHY_BLOCK, f"{heading}\n{bullets}"))
    blocks.append(_section(MatchIds.INTRO_RHYTHM_BLOCK, rhythm))
    if mentee_goals.strip():
        blocks.append(
            _section(
                MatchIds.INTRO_GOALS_BLOCK,
                f"*{mentee}'s goals*\n{_excerpt(mentee_goals, GOALS_SHOWN)}",
            )
        )
    blocks += [
        _section(MatchIds.INTRO_AGENDA_BLOCK, agenda),
        _context(MatchIds.INTRO_TIP_BLOCK, tip),
    ]
    text = (
        f"{mentor}, meet {mentee}: you're now mentor and mentee. Start with a kickoff "
        f"meeting; I'll check in with you both around {first_checkin}."
    )
    return text, blocks


# --- the mentee's notices -------------------------------------------------------------------


def request_sent_message(picks_user_ids: Sequence[str], expires_on: str) -> tuple[str, list[Block]]:
    """Confirms the request went out, and what happens next."""
    if not 1 <= len(picks_user_ids) <= MAX_PICKS:
        raise ValueError(f"between 1 and {MAX_PICKS} people, got {len(picks_user_ids)}")
    if not expires_on.strip():
        raise ValueError("a request on its way has a date to answer by")
    names = [f"<@{u}>" for u in picks_user_ids]
    text = (
        f":envelope_with_arrow: Your request is on its way to {names[0]}. They have until "
        f"{expires_on} to answer, and we'll DM you as soon as they do."
    )
    if len(names) == 2:
        text += f" If they can't take you on, we'll ask {names[1]} next."
    elif len(names) == 3:
        text += f" If they can't take you on, we'll ask {names[1]} next, then {names[2]}."
    return _notice(text)


def declined_message(
    *, mentor_user_id: str, reason: str | None, next_user_id: str | None
) -> tuple[str, list[Block]]:
    """Tells the mentee, gently, that a mentor said no, and what happens now."""
    text = (
        f"<@{mentor_user_id}> can't take you on right now. That happens for all kinds of "
        "reasons, most often timing, and says nothing about you."
    )
    detail = None
    if reason and reason.strip():
        detail = f"They said: “{_excerpt(reason, DECLINE_REASON_SHOWN, one_line=True)}”"
    return _notice(text + " " + _what_next(next_user_id), detail, find=not next_user_id)


def expired_message(*, mentor_user_id: str, next_user_id: str | None) -> tuple[str, list[Block]]:
    """Tells the mentee a mentor didn't answer in time, and what happens now."""
    text = (
        f"<@{mentor_user_id}> didn't get to your request in time. That usually means a "
        "busy stretch, not a no to you."
    )
    return _notice(text + " " + _what_next(next_user_id), find=not next_user_id)


def mentor_available_message() -> tuple[str, list[Block]]:
    """A mentor who fits a waiting mentee now has room."""
    return _notice(
        ":sparkles: Good news: a mentor who fits your goals now has room. "
        f"Press *Find a mentor* (or type `{COMMAND} find`) to see who, and send them a request.",
        find=True,
    )


def _what_next(next_user_id: str | None) -> str:
    if next_user_id:
        return f"We've asked <@{next_user_id}>, your next choice, and will let you know."
    return (
        f"Press *Find a mentor* (or type `{COMMAND} find`) to see more mentors who fit your goals."
    )


def _notice(text: str, detail: str | None = None, *, find: bool = False) -> tuple[str, list[Block]]:
    blocks: list[Block] = [_section(MatchIds.NOTICE_BLOCK, text)]
    if detail:
        blocks.append(_context(MatchIds.NOTICE_DETAIL_BLOCK, detail))
    if find:
        button = ButtonElement(
            text="Find a mentor", action_id=MatchIds.FIND_AGAIN, value="find", style="primary"
        )
        blocks.append(ActionsBlock(block_id=MatchIds.NOTICE_ACTIONS_BLOCK, elements=[button]))
    fallback = text.replace("*", "")
    return (fallback if detail is None else f"{fallback}\n{detail}"), blocks


# --- pieces ---------------------------------------------------------------------------------


def _section(block_id: str, text: str) -> SectionBlock:
    return SectionBlock(block_id=block_id, text=MarkdownTextObject(text=text))


def _context(block_id: str, text: str) -> ContextBlock:
    return ContextBlock(block_id=block_id, elements=[MarkdownTextObject(text=text)])


def _topics(topics: Sequence[str]) -> str:
    shown = " · ".join(_excerpt(t, TOPIC_SHOWN, one_line=True) for t in topics[:TOPICS_SHOWN])
    hidden = len(topics) - TOPICS_SHOWN
    return f"{shown} +{hidden} more" if hidden > 0 else shown


def _reasons(reasons: Sequence[str]) -> list[str]:
    return [r for r in reasons if r.strip()][:REASONS_SHOWN]


def _label(text: str) -> str:
    # A plain string attribute, not mrkdwn: clipped, never escaped.
    return text if len(text) <= BUTTON_LABEL_MAX else text[: BUTTON_LABEL_MAX - 1] + "…"


def _units(text: str) -> int:
    # UTF-16 code units: never fewer than the characters Slack may count instead.
    return len(text.encode("utf-16-le")) // 2


def _excerpt(text: str, limit: int, *, one_line: bool = False) -> str:
    """`text` escaped for mrkdwn, cut with "…" so the result is at most `limit` units.

    Cutting the escaped text would split an entity ("&am…"), so it is cut character by
    character of the original, preferring a word boundary near the end.
    """
    text = " ".join(text.split()) if one_line else text.strip()
    escaped = escape(text)
    if _units(escaped) <= limit:
        return escaped
    kept: list[str] = []
    size = 0
    for char in text:
        piece = escape(char)
        if size + _units(piece) > limit - 1:  # room for the "…"
            break
        kept.append(piece)
        size += _units(piece)
    cut = "".join(kept).rstrip()
    space = max(cut.rfind(" "), cut.rfind("\n"))
    if space > len(cut) * 3 // 4:  # a whole last word, unless that loses too much
        cut = cut[:space].rstrip()
    return cut + "…"


def find_failed_modal() -> View:
    """Replaces the "finding" modal when the suggestions could not be shown."""
    return View(
        type="modal",
        callback_id=MatchIds.FINDING_CALLBACK,
        title="Find a mentor",
        close="Close",
        blocks=[
            _section(
                MatchIds.NOTICE_BLOCK,
                "Sorry, we couldn't show your suggestions this time. Please close this and try "
                f"again, perhaps with a shorter description (`{COMMAND} find`).",
            )
        ],
    )


def finding_modal() -> View:
    """Shown at once, inside the trigger window; the suggestions replace it when ready."""
    return View(
        type="modal",
        callback_id=MatchIds.FINDING_CALLBACK,
        title="Find a mentor",
        close="Close",
        blocks=[
            SectionBlock(
                text=MarkdownTextObject(
                    text=":mag: Looking for the mentors who fit your goals best…"
                )
            )
        ],
    )
