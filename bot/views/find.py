"""Finding a mentor: the suggestions modal, the note modal, and the notices that lead there.

Pure builders: state in, Block Kit out (no database, no Slack calls). The handlers read
what people click and type by the ids in `FindIds`, so the two must change together.

The flow, and the builder for each step:
1. `finding_modal`, opened at once; `suggestions_modal` replaces it: mentors who fit,
   with the reasons; the mentee picks up to `MAX_CHOICES` in order of preference (or
   searches again, or sees more).
2. `note_modal`: who is asked in which order, and an optional note to them. What
   happens to the request from there is in `bot.views.requests`.
3. `mentor_available_message`: a waiting mentee hears a mentor who fits has room; its
   "Find a mentor" button (`find_again_actions`, also under the request notices) opens
   the search again.

Text rules (see `bot.views.text`): whatever a person wrote is escaped, and cut with "…"
to a budget counted on the escaped text in UTF-16 units, so every block stays inside
Slack's limits whatever it holds.

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
    DividerBlock,
    InputBlock,
    MarkdownTextObject,
    PlainTextInputElement,
    SectionBlock,
)
from slack_sdk.models.views import View

from bot.commands import COMMAND
from bot.limits import MAX_CHOICES, NOTE_MAX, QUERY_MAX
from bot.views.text import (
    TITLE_SHOWN,
    button_label,
    check_metadata,
    context,
    escape,
    excerpt,
    reason_bullets,
    section,
    shown_reasons,
    topics_line,
)

MAX_CARDS = 20  # per page; a guard for the 100-block view limit (3 blocks a card)
ABOUT_SHOWN = 200  # of a mentor's own description, on their card
QUERY_SHOWN = 150

# Fit labels by score. The matcher never proposes a pair under 0.25 (Weights.min_score),
# and real pairs land between that and about 0.8: these split that range in three, so a
# label means "clearly above the floor", "comfortably" or "just about".
STRONG_FIT = 0.6
GOOD_FIT = 0.4


class FindIds:
    FINDING_CALLBACK = "match.finding"
    SUGGESTIONS_CALLBACK = "match.suggestions"
    NOTE_CALLBACK = "match.note"
    NOTICE_CALLBACK = "match.notice"

    # Actions. CHOOSE / UNCHOOSE carry the mentor's person id.
    CHOOSE = "match.choose"
    UNCHOOSE = "match.unchoose"
    MORE = "match.more"
    SEARCH = "match.search"
    FIND_AGAIN = "match.find_again"  # a button in a notice that opens the search

    QUERY_BLOCK = "match.query"
    QUERY_ACTION = "match.query.input"
    NOTE_BLOCK = "match.note"
    NOTE_ACTION = "match.note.input"

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
    UNAVAILABLE_BLOCK = "match.unavailable"  # picks that could no longer be asked

    # Note modal, notices
    ORDER_BLOCK = "match.order"
    NOTICE_TEXT_BLOCK = "match.decline_text"  # the text of a notice modal
    NOTICE_BLOCK = "match.notice"
    NOTICE_ACTIONS_BLOCK = "match.notice.actions"


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
        if len(self.picks) > MAX_CHOICES:
            raise ValueError(f"at most {MAX_CHOICES} picks, got {len(self.picks)}")
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
        blocks.append(section(FindIds.UNAVAILABLE_BLOCK, state.notice))
    if state.nobody_fits:
        blocks.append(section(FindIds.NOBODY_BLOCK, _nobody_fits_text()))
    else:
        blocks.append(section(FindIds.INTRO_BLOCK, _suggestions_intro(state.query)))
    blocks += _picks_blocks(state.picks)

    if not state.nobody_fits:
        cards = list({c.person_id: c for c in state.cards}.values())  # block ids must be unique
        if cards:
            if state.offset > 0 or state.has_more:
                first = state.offset + 1
                shown = f"Showing {first}–{state.offset + len(cards)}"
                blocks.append(context(FindIds.PAGE_BLOCK, shown))
            picked = {p.person_id: n for n, p in enumerate(state.picks, start=1)}
            full = len(state.picks) >= MAX_CHOICES
            for card in cards:
                blocks.append(DividerBlock())
                blocks += _card_blocks(card, choice=picked.get(card.person_id), full=full)
        else:
            blocks.append(
                section(
                    FindIds.EMPTY_PAGE_BLOCK,
                    "No one else fits this search. Try describing what you're looking for "
                    "in other words below.",
                )
            )

    blocks.append(DividerBlock())
    blocks.append(_query_block(state.query))
    buttons = [ButtonElement(text="Search again", action_id=FindIds.SEARCH, value="search")]
    if state.has_more and not state.nobody_fits:
        buttons.append(ButtonElement(text="Show more", action_id=FindIds.MORE, value="more"))
    blocks.append(ActionsBlock(block_id=FindIds.NAV_BLOCK, elements=buttons))

    return View(
        type="modal",
        callback_id=FindIds.SUGGESTIONS_CALLBACK,
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
        searched = excerpt(query, QUERY_SHOWN, one_line=True)
        basis = f"These mentors fit what you searched for: “{searched}”."
    else:
        basis = "These mentors fit the goals and topics in your profile."
    return (
        f"{basis} Each shows why we think they fit.\n"
        f"Pick up to {MAX_CHOICES}, in order of preference. We ask your first choice first; "
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
    blocks: list[Block] = [section(FindIds.PICKS_BLOCK, "*Your choices*, in order")]
    for n, pick in enumerate(picks, start=1):
        line = f"*{n}.* <@{pick.user_id}>"
        if pick.title:
            line += f" · {excerpt(pick.title, TITLE_SHOWN, one_line=True)}"
        blocks.append(
            SectionBlock(
                block_id=f"{FindIds.PICK_PREFIX}{pick.person_id}",
                text=MarkdownTextObject(text=line),
                accessory=ButtonElement(
                    text="Remove",
                    action_id=FindIds.UNCHOOSE,
                    value=str(pick.person_id),
                    accessibility_label=button_label(f"Remove {pick.name} from your choices"),
                ),
            )
        )
    if len(picks) >= MAX_CHOICES:
        blocks.append(
            context(
                FindIds.PICKS_FULL_BLOCK,
                f"That's {MAX_CHOICES}, the most we ask in turn. Remove one to choose someone "
                "else, or press *Next*.",
            )
        )
    return blocks


def _card_blocks(card: MentorCard, *, choice: int | None, full: bool) -> list[Block]:
    lines = [f"*<@{card.user_id}>*"]
    if card.title:
        lines[0] += f" · {excerpt(card.title, TITLE_SHOWN, one_line=True)}"
    second = fit_label(card.score)
    if card.topics:
        second += f" · {topics_line(card.topics)}"
    lines.append(second)
    if choice is not None:
        lines.append(f"*✓ Your choice #{choice}*")
    if not card.has_room:
        lines.append(":hourglass_flowing_sand: Popular right now: may take longer to answer.")
    reasons = shown_reasons(card.reasons)
    if reasons:
        lines.append(reason_bullets(reasons))

    accessory = None
    if choice is None and not full:
        accessory = ButtonElement(
            text="Choose",
            action_id=FindIds.CHOOSE,
            value=str(card.person_id),
            accessibility_label=button_label(f"Choose {card.name}"),
        )
    blocks: list[Block] = [
        SectionBlock(
            block_id=f"{FindIds.CARD_PREFIX}{card.person_id}",
            text=MarkdownTextObject(text="\n".join(lines)),
            accessory=accessory,
        )
    ]
    if card.about.strip():
        blocks.append(
            context(
                f"{FindIds.ABOUT_PREFIX}{card.person_id}",
                excerpt(card.about, ABOUT_SHOWN, one_line=True),
            )
        )
    return blocks


def _query_block(query: str) -> InputBlock:
    # Slack rejects an initial_value over max_length; an over-long query is a caller slip.
    value = query.strip()[:QUERY_MAX]
    return InputBlock(
        block_id=FindIds.QUERY_BLOCK,
        label="Describe what you're looking for",
        hint="e.g. 'moving from backend work into ML engineering'",
        optional=True,
        dispatch_action=False,
        element=PlainTextInputElement(
            action_id=FindIds.QUERY_ACTION,
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
    if not 1 <= len(picks) <= MAX_CHOICES:
        raise ValueError(f"between 1 and {MAX_CHOICES} picks, got {len(picks)}")
    return View(
        type="modal",
        callback_id=FindIds.NOTE_CALLBACK,
        title="Your request",
        submit="Send request",
        close="Back",
        private_metadata=private_metadata or None,
        blocks=[
            section(FindIds.ORDER_BLOCK, _order_text(picks)),
            InputBlock(
                block_id=FindIds.NOTE_BLOCK,
                label="A note to your mentor",
                hint=_note_hint(len(picks)),
                optional=True,
                element=PlainTextInputElement(
                    action_id=FindIds.NOTE_ACTION,
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


def notice_modal(text: str) -> View:
    """Replaces a modal whose action could not be done, saying why (plain words of ours)."""
    return View(
        type="modal",
        callback_id=FindIds.NOTICE_CALLBACK,
        title="Find a mentor",
        close="Close",
        blocks=[section(FindIds.NOTICE_TEXT_BLOCK, escape(text))],
    )


# --- notices that lead back to the search ---------------------------------------------------


def mentor_available_message() -> tuple[str, list[Block]]:
    """A mentor who fits a waiting mentee now has room."""
    text = (
        ":sparkles: Good news: a mentor who fits your goals now has room. "
        f"Press *Find a mentor* (or type `{COMMAND} find`) to see who, and send them a request."
    )
    return text.replace("*", ""), [section(FindIds.NOTICE_BLOCK, text), find_again_actions()]


def find_again_actions() -> ActionsBlock:
    """The "Find a mentor" button that ends a notice: it opens the search again."""
    button = ButtonElement(
        text="Find a mentor", action_id=FindIds.FIND_AGAIN, value="find", style="primary"
    )
    return ActionsBlock(block_id=FindIds.NOTICE_ACTIONS_BLOCK, elements=[button])


def find_failed_modal() -> View:
    """Replaces the "finding" modal when the suggestions could not be shown."""
    return View(
        type="modal",
        callback_id=FindIds.FINDING_CALLBACK,
        title="Find a mentor",
        close="Close",
        blocks=[
            section(
                FindIds.NOTICE_BLOCK,
                "Sorry, we couldn't show your suggestions this time. Please close this and try "
                f"again, perhaps with a shorter description (`{COMMAND} find`).",
            )
        ],
    )


# When the program's mentors are still being read into the matcher (a restart of a big
# program takes seconds) or that failed: said instead of suggestions, never a spinner forever.
POOL_NOT_READY = (
    "We're still getting the list of mentors ready (the bot has just restarted). "
    f"Please try again in a minute (`{COMMAND} find`)."
)
POOL_FAILED = (
    "Sorry, we couldn't get the list of mentors ready this time. It has been logged; "
    f"please try again in a minute (`{COMMAND} find`)."
)


def finding_modal() -> View:
    """Shown at once, inside the trigger window; the suggestions replace it when ready."""
    return View(
        type="modal",
        callback_id=FindIds.FINDING_CALLBACK,
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
