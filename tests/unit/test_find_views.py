"""The find-a-mentor flow's views, from the search to the introduction (bot/views/find.py,
requests.py, mentorships.py): valid for Slack at any size, and saying the right things."""

from __future__ import annotations

import re
from collections.abc import Callable
from typing import Any

import pytest
from slack_sdk.models.blocks import Block
from slack_sdk.models.views import View

from bot.db.enums import Cadence, ExperienceLevel, MeetingFormat
from bot.emulator.blockkit import validate_blocks, validate_view
from bot.limits import DECLINE_REASON_MAX, MAX_CHOICES, NOTE_MAX
from bot.profile import GOALS_MAX
from bot.views.find import (
    ABOUT_SHOWN,
    MAX_CARDS,
    FindIds,
    MentorCard,
    SuggestionsState,
    fit_label,
    mentor_available_message,
    note_modal,
    suggestions_modal,
)
from bot.views.mentorships import MentorshipIds, intro_message
from bot.views.requests import (
    RequestIds,
    decline_modal,
    declined_message,
    expired_message,
    request_answered_blocks,
    request_expired_blocks,
    request_message,
    request_sent_message,
)
from bot.views.text import GOALS_SHOWN, REASONS_SHOWN

EVIL = "<!channel> & <@U0BOSS> <https://evil.example|click>"


# --- helpers --------------------------------------------------------------------------------


def card(person_id: int, **changes: Any) -> MentorCard:
    fields: dict[str, Any] = {
        "person_id": person_id,
        "user_id": f"U{person_id:04d}",
        "name": f"Mentor {person_id}",
        "title": "Staff ML engineer",
        "topics": ("MLOps", "NLP"),
        "reasons": ("You both care about MLOps", "Her notes mention moving from backend to ML"),
        "score": 0.7,
        "about": "Eight years in data engineering, the last three shipping models.",
    }
    return MentorCard(**{**fields, **changes})


def big_card(person_id: int, filler: str = "x") -> MentorCard:
    """The longest a card gets: every text at its limit, in `filler` characters."""
    return card(
        person_id,
        name=filler * 200,
        title=filler * 200,
        topics=tuple(f"{n} " + filler * 70 for n in range(10)),
        reasons=tuple(filler * 150 for _ in range(REASONS_SHOWN + 2)),
        about=filler * 2000,
    )


CARDS = tuple(card(n) for n in range(1, 6))


def modal(state: SuggestionsState, private_metadata: str = "{}") -> dict[str, Any]:
    view = suggestions_modal(state, private_metadata=private_metadata).to_dict()
    assert validate_view(view) == []
    return view


def message(built: tuple[str, list[Block]]) -> tuple[str, list[dict[str, Any]]]:
    text, blocks = built
    payload = [b.to_dict() for b in blocks]
    assert text.strip()
    assert validate_blocks(payload, surface="message") == []
    return text, payload


def block(blocks: list[dict[str, Any]], block_id: str) -> dict[str, Any]:
    return next(b for b in blocks if b.get("block_id") == block_id)


def has_block(blocks: list[dict[str, Any]], block_id: str) -> bool:
    return any(b.get("block_id") == block_id for b in blocks)


def texts(payload: Any) -> list[str]:
    """Every text string in a payload, in order."""
    if isinstance(payload, dict):
        found = [payload["text"]] if isinstance(payload.get("text"), str) else []
        return found + [t for v in payload.values() if not isinstance(v, str) for t in texts(v)]
    if isinstance(payload, list):
        return [t for item in payload for t in texts(item)]
    return []


def all_text(payload: Any) -> str:
    return "\n".join(texts(payload))


def buttons(blocks: list[dict[str, Any]], action_id: str) -> list[dict[str, Any]]:
    found = []
    for b in blocks:
        elements = [b.get("accessory"), *b.get("elements", [])]
        found += [e for e in elements if isinstance(e, dict) and e.get("action_id") == action_id]
    return found


def card_text(view: dict[str, Any], person_id: int) -> str:
    return block(view["blocks"], f"{FindIds.CARD_PREFIX}{person_id}")["text"]["text"]


# --- suggestions: valid at any size ---------------------------------------------------------


@pytest.mark.parametrize("picks", [0, 1, MAX_CHOICES])
def test_typical_suggestions_validate(picks: int) -> None:
    view = modal(SuggestionsState(cards=CARDS, picks=CARDS[:picks], has_more=True))
    assert view["callback_id"] == FindIds.SUGGESTIONS_CALLBACK
    assert view["title"]["text"] == "Find a mentor"


@pytest.mark.parametrize("filler", ["x", "<", "&", "😀"], ids=["plain", "lt", "amp", "emoji"])
@pytest.mark.parametrize("count", [10, MAX_CARDS])
def test_the_longest_suggestions_stay_within_slack_limits(filler: str, count: int) -> None:
    cards = tuple(big_card(n, filler) for n in range(1, count + 1))
    state = SuggestionsState(
        cards=cards,
        picks=tuple(big_card(n, filler) for n in range(100, 100 + MAX_CHOICES)),
        query=filler * 1000,
        offset=40,
        has_more=True,
    )
    view = modal(state, private_metadata="m" * 3000)  # checks blocks, texts, buttons, size
    assert len(view["blocks"]) <= 100
    assert all(len(t) <= 3000 for t in texts(view["blocks"]))


def test_more_cards_than_a_page_holds_is_a_caller_bug() -> None:
    state = SuggestionsState(cards=tuple(card(n) for n in range(MAX_CARDS + 1)), picks=())
    with pytest.raises(ValueError, match="cards"):
        suggestions_modal(state, private_metadata="")


def test_more_than_three_picks_is_refused() -> None:
    with pytest.raises(ValueError, match="picks"):
        SuggestionsState(cards=(), picks=tuple(card(n) for n in range(MAX_CHOICES + 1)))
    with pytest.raises(ValueError, match="twice"):
        SuggestionsState(cards=(), picks=(card(1), card(1)))


def test_oversized_private_metadata_is_refused() -> None:
    with pytest.raises(ValueError, match="private_metadata"):
        suggestions_modal(SuggestionsState(cards=CARDS, picks=()), private_metadata="m" * 3001)


def test_a_mentor_listed_twice_on_a_page_is_shown_once() -> None:
    view = modal(SuggestionsState(cards=(card(1), card(1), card(2)), picks=()))
    assert [b["value"] for b in buttons(view["blocks"], FindIds.CHOOSE)] == ["1", "2"]


# --- suggestions: what they show -------------------------------------------------------------


def test_the_intro_explains_the_basis_and_the_order_of_asking() -> None:
    intro = block(modal(SuggestionsState(cards=CARDS, picks=()))["blocks"], FindIds.INTRO_BLOCK)
    said = intro["text"]["text"]
    for point in ("goals and topics", "up to 3", "order of preference", "first choice first"):
        assert point in said


def test_a_search_says_what_was_searched_for() -> None:
    view = modal(SuggestionsState(cards=CARDS, picks=(), query="ML <b>ops</b>"))
    assert (
        "“ML &lt;b&gt;ops&lt;/b&gt;”" in block(view["blocks"], FindIds.INTRO_BLOCK)["text"]["text"]
    )


def test_each_card_shows_who_fit_topics_reasons_and_an_excerpt() -> None:
    mentor = card(
        7,
        reasons=tuple(f"Reason {n}" for n in range(1, 7)),
        about="word " * 400,
        topics=tuple(f"Topic {n}" for n in range(1, 8)),
    )
    view = modal(SuggestionsState(cards=(mentor,), picks=()))
    text = card_text(view, 7)
    assert "<@U0007>" in text and "Staff ML engineer" in text and "Strong fit" in text
    assert "Topic 1 · Topic 2" in text and "+2 more" in text
    bullets = [line for line in text.splitlines() if line.startswith("• ")]
    assert bullets == [f"• Reason {n}" for n in range(1, REASONS_SHOWN + 1)]
    about = block(view["blocks"], f"{FindIds.ABOUT_PREFIX}7")["elements"][0]["text"]
    assert len(about) <= ABOUT_SHOWN and about.endswith("word…")


@pytest.mark.parametrize(
    ("score", "label"),
    [(1.0, "Strong fit"), (0.6, "Strong fit"), (0.59, "Good fit"), (0.4, "Good fit"),
     (0.39, "Possible fit"), (0.25, "Possible fit")],
)  # fmt: skip
def test_fit_labels(score: float, label: str) -> None:
    assert fit_label(score).endswith(label)


def test_a_mentor_without_room_is_flagged_gently() -> None:
    view = modal(SuggestionsState(cards=(card(1, has_room=False), card(2)), picks=()))
    assert "Popular right now: may take longer to answer" in card_text(view, 1)
    assert "Popular" not in card_text(view, 2)


def test_picks_show_in_order_with_a_remove_button_each() -> None:
    picks = (card(3), card(1), card(2))
    view = modal(SuggestionsState(cards=CARDS, picks=picks))
    ids = [b.get("block_id", "") for b in view["blocks"]]
    pick_ids = [i for i in ids if i.startswith(FindIds.PICK_PREFIX)]
    assert pick_ids == [f"{FindIds.PICK_PREFIX}{n}" for n in (3, 1, 2)]
    assert ids.index(FindIds.PICKS_BLOCK) < ids.index(pick_ids[0])
    assert [b["value"] for b in buttons(view["blocks"], FindIds.UNCHOOSE)] == ["3", "1", "2"]
    lines = [block(view["blocks"], i)["text"]["text"] for i in pick_ids]
    assert [line.split()[0] for line in lines] == ["*1.*", "*2.*", "*3.*"]


def test_no_picks_no_choices_section() -> None:
    view = modal(SuggestionsState(cards=CARDS, picks=()))
    assert not has_block(view["blocks"], FindIds.PICKS_BLOCK)
    assert buttons(view["blocks"], FindIds.UNCHOOSE) == []


def test_picked_cards_have_no_choose_button_but_say_which_choice_they_are() -> None:
    view = modal(SuggestionsState(cards=CARDS, picks=(card(4), card(2))))
    assert [b["value"] for b in buttons(view["blocks"], FindIds.CHOOSE)] == ["1", "3", "5"]
    assert "✓ Your choice #1" in card_text(view, 4)
    assert "✓ Your choice #2" in card_text(view, 2)
    assert "Your choice" not in card_text(view, 1)


def test_no_choose_buttons_once_three_are_picked() -> None:
    view = modal(SuggestionsState(cards=CARDS, picks=CARDS[:MAX_CHOICES]))
    assert buttons(view["blocks"], FindIds.CHOOSE) == []
    assert has_block(view["blocks"], FindIds.PICKS_FULL_BLOCK)


def test_choose_buttons_carry_the_mentor_person_id() -> None:
    view = modal(SuggestionsState(cards=CARDS, picks=()))
    chosen = buttons(view["blocks"], FindIds.CHOOSE)
    assert [b["value"] for b in chosen] == [str(c.person_id) for c in CARDS]
    assert {b["text"]["text"] for b in chosen} == {"Choose"}
    assert chosen[0]["accessibility_label"] == "Choose Mentor 1"


@pytest.mark.parametrize("has_more", [True, False])
def test_show_more_only_when_there_is_more(has_more: bool) -> None:
    view = modal(SuggestionsState(cards=CARDS, picks=(), has_more=has_more))
    assert len(buttons(view["blocks"], FindIds.MORE)) == (1 if has_more else 0)
    assert has_block(view["blocks"], FindIds.PAGE_BLOCK) == has_more


def test_later_pages_say_which_suggestions_they_show() -> None:
    view = modal(SuggestionsState(cards=CARDS, picks=(), offset=10))
    assert block(view["blocks"], FindIds.PAGE_BLOCK)["elements"][0]["text"] == "Showing 11–15"


def test_the_search_box_sits_next_to_search_again() -> None:
    view = modal(SuggestionsState(cards=CARDS, picks=(), query="MLOps at scale"))
    ids = [b.get("block_id") for b in view["blocks"]]
    assert ids.index(FindIds.QUERY_BLOCK) + 1 == ids.index(FindIds.NAV_BLOCK)
    query = block(view["blocks"], FindIds.QUERY_BLOCK)
    assert query["optional"] is True and query["dispatch_action"] is False
    assert query["label"]["text"] == "Describe what you're looking for"
    assert "backend work into ML engineering" in query["hint"]["text"]
    assert query["element"]["action_id"] == FindIds.QUERY_ACTION
    assert query["element"]["initial_value"] == "MLOps at scale"
    assert query["element"].get("multiline") is False
    search = buttons(view["blocks"], FindIds.SEARCH)
    assert [b["text"]["text"] for b in search] == ["Search again"]


def test_no_query_no_initial_value() -> None:
    view = modal(SuggestionsState(cards=CARDS, picks=()))
    assert "initial_value" not in block(view["blocks"], FindIds.QUERY_BLOCK)["element"]


@pytest.mark.parametrize(("picks", "submit"), [(0, "Search"), (1, "Next"), (3, "Next")])
def test_submit_moves_on_only_once_someone_is_picked(picks: int, submit: str) -> None:
    # Slack needs a submit with an input block: without picks it searches.
    view = modal(SuggestionsState(cards=CARDS, picks=CARDS[:picks]))
    assert view["submit"]["text"] == submit


def test_nobody_fits_says_so_honestly_and_keeps_the_search_box() -> None:
    state = SuggestionsState(cards=CARDS, picks=(), has_more=True, nobody_fits=True)
    view = modal(state)
    said = block(view["blocks"], FindIds.NOBODY_BLOCK)["text"]["text"]
    for point in ("shares your topics", "full", "waiting list", "DM", "in other words"):
        assert point in said
    assert not has_block(view["blocks"], FindIds.INTRO_BLOCK)
    assert not any(b.get("block_id", "").startswith(FindIds.CARD_PREFIX) for b in view["blocks"])
    assert buttons(view["blocks"], FindIds.MORE) == []
    assert has_block(view["blocks"], FindIds.QUERY_BLOCK)
    assert buttons(view["blocks"], FindIds.SEARCH)


def test_an_empty_page_suggests_searching_differently() -> None:
    view = modal(SuggestionsState(cards=(), picks=(card(1),), query="quantum knitting"))
    assert "in other words" in block(view["blocks"], FindIds.EMPTY_PAGE_BLOCK)["text"]["text"]
    assert has_block(view["blocks"], f"{FindIds.PICK_PREFIX}1")


def test_escapes_never_break_in_an_excerpt() -> None:
    view = modal(SuggestionsState(cards=(card(1, about="&" * 500),), picks=()))
    about = block(view["blocks"], f"{FindIds.ABOUT_PREFIX}1")["elements"][0]["text"]
    assert re.fullmatch(r"(&amp;)+…", about)


# --- the note modal -------------------------------------------------------------------------


def note(picks: tuple[MentorCard, ...]) -> dict[str, Any]:
    view = note_modal(picks, private_metadata="{}").to_dict()
    assert validate_view(view) == []
    return view


def test_the_note_modal_lists_the_order_of_asking() -> None:
    view = note(CARDS[:3])
    assert (view["callback_id"], view["title"]["text"]) == (FindIds.NOTE_CALLBACK, "Your request")
    assert (view["submit"]["text"], view["close"]["text"]) == ("Send request", "Back")
    order = block(view["blocks"], FindIds.ORDER_BLOCK)["text"]["text"]
    assert "1. <@U0001> is asked first" in order
    assert "2. If they can't take you on, <@U0002>" in order
    assert "3. Then <@U0003>" in order


def test_one_pick_is_simply_named() -> None:
    order = block(note(CARDS[:1])["blocks"], FindIds.ORDER_BLOCK)["text"]["text"]
    assert order == "We'll send your request to <@U0001>."


def test_the_note_is_optional_multiline_and_says_what_a_good_ask_holds() -> None:
    field = block(note(CARDS[:2])["blocks"], FindIds.NOTE_BLOCK)
    assert field["optional"] is True
    element = field["element"]
    assert element["action_id"] == FindIds.NOTE_ACTION
    assert element["multiline"] is True and element["max_length"] == NOTE_MAX
    for point in ("why you chose them", "hope to get", "how much time", "30 minutes every two"):
        assert point in field["hint"]["text"]
    assert "same note" in field["hint"]["text"]


@pytest.mark.parametrize("count", [0, MAX_CHOICES + 1])
def test_the_note_modal_needs_one_to_three_picks(count: int) -> None:
    with pytest.raises(ValueError):
        note_modal(tuple(card(n) for n in range(count)), private_metadata="")


# --- the mentor's request DM ----------------------------------------------------------------

LONG_GOALS = ("I want to move into ML 🚀 <!channel> " * 60)[:GOALS_MAX]


def request(**changes: Any) -> tuple[str, list[dict[str, Any]]]:
    args: dict[str, Any] = {
        "request_id": 42,
        "mentee_user_id": "U0MENTEE",
        "mentee_name": "Ben Okafor",
        "mentee_title": "Backend engineer",
        "experience": ExperienceLevel.MID,
        "topics": ("MLOps", "Career change into AI"),
        "goals": "Move from backend work into ML engineering within a year.",
        "note": "I loved your talk on model serving. 30 minutes every two weeks?",
        "reasons": ("You both care about MLOps", "You made the same move three years ago"),
        "expires_on": "Friday 14 March",
    }
    return message(request_message(**{**args, **changes}))


def test_the_request_dm_has_accept_and_decline_with_the_request_id() -> None:
    text, blocks = request()
    actions = block(blocks, RequestIds.REQUEST_ACTIONS_BLOCK)
    assert [(e["action_id"], e["text"]["text"], e["value"]) for e in actions["elements"]] == [
        (RequestIds.ACCEPT, "Accept", "42"),
        (RequestIds.DECLINE, "Decline", "42"),
    ]
    assert actions["elements"][0]["style"] == "primary"
    assert "Ben Okafor" in text and "Please answer by Friday 14 March" in text


def test_the_request_dm_says_who_asks_why_they_fit_and_by_when() -> None:
    _, blocks = request()
    said = all_text(blocks)
    for point in (
        "<@U0MENTEE>",
        "Backend engineer · Mid-level",
        "MLOps · Career change into AI",
        "• You made the same move three years ago",
        "Move from backend work into ML engineering",
        "I loved your talk",
        "Please answer by Friday 14 March",
    ):
        assert point in said


def test_the_request_dm_leaves_out_what_is_missing() -> None:
    _, blocks = request(mentee_title=None, note="  ", reasons=(), topics=())
    for absent in (RequestIds.REQUEST_NOTE_BLOCK, RequestIds.REQUEST_REASONS_BLOCK):
        assert not has_block(blocks, absent)
    assert block(blocks, RequestIds.REQUEST_BLOCK)["text"]["text"].endswith("\nMid-level")


def test_the_longest_request_stays_within_limits() -> None:
    _, blocks = request(
        mentee_name="N" * 300,
        mentee_title="<" * 300,
        topics=tuple("&" * 75 for _ in range(10)),
        goals=LONG_GOALS,
        note="<" * NOTE_MAX,
        reasons=tuple("<" * 150 for _ in range(6)),
    )
    goals = block(blocks, RequestIds.REQUEST_GOALS_BLOCK)["text"]["text"]
    assert len(goals.split("\n", 1)[1]) <= GOALS_SHOWN and goals.endswith("…")


def test_a_typical_note_is_shown_whole() -> None:
    whole = ("Thank you for considering this! " * 40)[:NOTE_MAX].strip()
    _, blocks = request(note=whole)
    assert block(blocks, RequestIds.REQUEST_NOTE_BLOCK)["text"]["text"].endswith(whole)


@pytest.mark.parametrize("accepted", [True, False])
def test_the_answered_dm_replaces_the_buttons(accepted: bool) -> None:
    text, blocks = message(
        request_answered_blocks(accepted=accepted, mentee_user_id="U0MENTEE", when="3 March")
    )
    assert ("accepted" if accepted else "declined") in text
    assert "<@U0MENTEE>" in text and "3 March" in text
    assert not any(b["type"] == "actions" or "accessory" in b for b in blocks)


def test_the_decline_modal_asks_for_an_optional_kind_word() -> None:
    view = decline_modal(mentee_user_id="U0BEN", private_metadata="42").to_dict()
    assert validate_view(view) == []
    assert (view["callback_id"], view["title"]["text"]) == (
        RequestIds.DECLINE_CALLBACK,
        "Decline request",
    )
    assert (view["submit"]["text"], view["close"]["text"]) == ("Decline", "Cancel")
    assert "<@U0BEN>" in block(view["blocks"], RequestIds.DECLINE_TEXT_BLOCK)["text"]["text"]
    reason = block(view["blocks"], RequestIds.REASON_BLOCK)
    assert reason["optional"] is True
    assert reason["element"]["action_id"] == RequestIds.REASON_ACTION
    assert reason["element"]["max_length"] == DECLINE_REASON_MAX
    assert "at capacity this quarter" in reason["hint"]["text"]
    assert "knows this area better than me" in reason["hint"]["text"]


# --- the introduction -----------------------------------------------------------------------


def intro(**changes: Any) -> tuple[str, list[dict[str, Any]]]:
    args: dict[str, Any] = {
        "mentor_user_id": "U0MENTOR",
        "mentee_user_id": "U0MENTEE",
        "cadence": Cadence.BIWEEKLY,
        "meeting_format": MeetingFormat.VIDEO,
        "first_checkin": "Monday 24 March",
        "mentee_goals": "Move from backend work into ML engineering.",
        "reasons": ("You both care about MLOps", "Same time zone"),
    }
    return message(intro_message(**{**args, **changes}))


def test_the_intro_introduces_both_and_proposes_a_kickoff() -> None:
    text, blocks = intro()
    said = all_text(blocks)
    assert "<@U0MENTOR>" in text and "<@U0MENTEE>" in text
    for point in (
        "<@U0MENTOR>, meet <@U0MENTEE>",
        "*Why we matched you* (as we explained it to the mentee)",
        "• Same time zone",
        "meeting every two weeks by video call",
        "I'll check in with you both around Monday 24 March",
        "Move from backend work into ML engineering.",
    ):
        assert point in said
    agenda = block(blocks, MentorshipIds.INTRO_AGENDA_BLOCK)["text"]["text"]
    for point in ("want from the mentorship", "how often", "outcomes", "concrete first goals"):
        assert point in agenda
    tip = block(blocks, MentorshipIds.INTRO_TIP_BLOCK)["elements"][0]["text"]
    for point in ("agenda", "progress", "questions", "challenge", "rematch"):
        assert point in tip


def test_the_longest_intro_stays_within_limits() -> None:
    _, blocks = intro(mentee_goals=LONG_GOALS, reasons=tuple("<" * 150 for _ in range(6)))
    goals = block(blocks, MentorshipIds.INTRO_GOALS_BLOCK)["text"]["text"]
    assert "<!channel>" not in goals and goals.endswith("…")


# --- the mentee's notices -------------------------------------------------------------------


@pytest.mark.parametrize(
    ("names", "expected"),
    [
        (["U0ADA"], "on its way to <@U0ADA>"),
        (["U0ADA", "U0BEN"], "we'll ask <@U0BEN> next."),
        (["U0ADA", "U0BEN", "U0CARA"], "we'll ask <@U0BEN> next, then <@U0CARA>."),
    ],
)
def test_request_sent_names_who_is_asked_in_order(names: list[str], expected: str) -> None:
    text, blocks = message(request_sent_message(names, "Friday 14 March"))
    assert expected in text and "Friday 14 March" in text
    assert expected in all_text(blocks)


def test_a_decline_is_gentle_and_says_what_happens_next() -> None:
    text, blocks = message(
        declined_message(
            mentor_user_id="U0ADA", reason="I'm at capacity this quarter", next_user_id="U0BEN"
        )
    )
    assert "<@U0ADA> can't take you on" in text and "says nothing about you" in text
    assert "We've asked <@U0BEN>" in text
    assert not has_block(blocks, FindIds.NOTICE_ACTIONS_BLOCK)
    assert (
        "I'm at capacity this quarter"
        in block(blocks, RequestIds.NOTICE_DETAIL_BLOCK)["elements"][0]["text"]
    )
    text, blocks = message(declined_message(mentor_user_id="U0ADA", reason=None, next_user_id=None))
    assert "/mentor find" in text and not has_block(blocks, RequestIds.NOTICE_DETAIL_BLOCK)
    assert find_button(blocks)["action_id"] == FindIds.FIND_AGAIN


def find_button(blocks: list[dict[str, Any]]) -> dict[str, Any]:
    [button] = block(blocks, FindIds.NOTICE_ACTIONS_BLOCK)["elements"]
    return button


@pytest.mark.parametrize(
    ("next_user_id", "expected"), [("U0BEN", "We've asked <@U0BEN>"), (None, "Find a mentor")]
)
def test_an_expired_request_moves_on(next_user_id: str | None, expected: str) -> None:
    text, blocks = message(expired_message(mentor_user_id="U0ADA", next_user_id=next_user_id))
    assert "<@U0ADA> didn't get to your request in time" in text and expected in text
    assert has_block(blocks, FindIds.NOTICE_ACTIONS_BLOCK) is (next_user_id is None)


def test_the_expired_dm_says_it_expired_with_its_date() -> None:
    text, blocks = message(request_expired_blocks(mentee_user_id="U0MENTEE", on="Friday 4 April"))
    assert "<@U0MENTEE>'s request expired on Friday 4 April" in text
    assert "declined" not in text
    assert not any(b["type"] == "actions" or "accessory" in b for b in blocks)


def test_mentor_available_points_to_find() -> None:
    text, _ = message(mentor_available_message())
    assert "now has room" in text and "/mentor find" in text


def test_request_sent_needs_one_to_three_names() -> None:
    with pytest.raises(ValueError):
        request_sent_message([], "Friday")


# --- escaping, everywhere -------------------------------------------------------------------

Built = Callable[[], View | tuple[str, list[Block]]]
EVIL_CARD = card(1, name=EVIL, title=EVIL, topics=(EVIL,), reasons=(EVIL,), about=EVIL)
BUILDERS: dict[str, Built] = {
    "suggestions": lambda: suggestions_modal(
        SuggestionsState(cards=(EVIL_CARD,), picks=(EVIL_CARD,), query=EVIL),
        private_metadata="",
    ),
    "note": lambda: note_modal((EVIL_CARD,), private_metadata=""),
    "request": lambda: request_message(
        request_id=1,
        mentee_user_id="U0MENTEE",
        mentee_name=EVIL,
        mentee_title=EVIL,
        experience=ExperienceLevel.MID,
        topics=(EVIL,),
        goals=EVIL,
        note=EVIL,
        reasons=(EVIL,),
        expires_on="Friday",
    ),
    "decline": lambda: decline_modal(mentee_user_id="U0MENTEE", private_metadata=""),
    "intro": lambda: intro_message(
        mentor_user_id="U0MENTOR",
        mentee_user_id="U0MENTEE",
        cadence=Cadence.WEEKLY,
        meeting_format=MeetingFormat.VIDEO,
        first_checkin="Monday",
        mentee_goals=EVIL,
        reasons=(EVIL,),
    ),
    "sent": lambda: request_sent_message(["U0MENTOR", "U0MENTEE"], "Friday"),
    "declined": lambda: declined_message(
        mentor_user_id="U0MENTOR", reason=EVIL, next_user_id="U0MENTEE"
    ),
    "expired": lambda: expired_message(mentor_user_id="U0MENTOR", next_user_id="U0MENTEE"),
}


@pytest.mark.parametrize("name", BUILDERS)
def test_user_text_cannot_ping_or_link(name: str) -> None:
    built = BUILDERS[name]()
    if isinstance(built, View):
        shown = all_text(built.to_dict())
    else:
        fallback, blocks = built
        shown = fallback + "\n" + all_text([b.to_dict() for b in blocks])
    if name not in ("note", "decline", "sent", "expired"):  # these show only mentions
        assert "&lt;!channel&gt; &amp; &lt;@U0BOSS&gt;" in shown
    # The only markup left is ours: mentions of the people in the flow.
    assert set(re.findall(r"<[^>]*>", shown)) <= {"<@U0001>", "<@U0MENTEE>", "<@U0MENTOR>"}
