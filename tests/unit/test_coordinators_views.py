"""Rights, the pure parts: reading `/mentor coordinators ...`, and what `/mentor audit`
shows of an entry (never private words, always within Slack's limits)."""

from __future__ import annotations

import re
from datetime import UTC, datetime, timedelta

import pytest

from bot.coordinators import UsageError, Verb, parse_wanted
from bot.emulator import validate_blocks
from bot.views.coordinators import (
    AUDIT_MAX,
    LINE_SHOWN,
    AuditLine,
    Granted,
    Roster,
    Trail,
    audit_line,
    audit_message,
    detail_text,
    roster_message,
)
from bot.views.text import utf16_units

AT = datetime(2030, 3, 18, 9, 0, tzinfo=UTC)


# --- /mentor coordinators ----------------------------------------------------------------


@pytest.mark.parametrize(
    ("typed", "verb", "named"),
    [
        ("", Verb.LIST, ()),
        ("list", Verb.LIST, ()),
        ("add <@U0ANA0001|ana>", Verb.ADD, ("U0ANA0001",)),
        ("ADD <@U0ANA0001>", Verb.ADD, ("U0ANA0001",)),
        ("remove <@W0ANA0001|ana.b>", Verb.REMOVE, ("W0ANA0001",)),
        (
            "add <@U0ANA0001|ana>, <@U0BEN0001|ben> and <@U0CARA001>; <@U0ANA0001|ana>",
            Verb.ADD,
            ("U0ANA0001", "U0BEN0001", "U0CARA001"),  # each once, in the order typed
        ),
        ("add <@U0ANA0001|ana> &amp; <@U0BEN0001|ben>", Verb.ADD, ("U0ANA0001", "U0BEN0001")),
    ],
)
def test_mentions_slack_escaped_are_read_in_any_number(
    typed: str, verb: Verb, named: tuple[str, ...]
) -> None:
    wanted = parse_wanted(typed)

    assert (wanted.verb, wanted.user_ids) == (verb, named)


@pytest.mark.parametrize(
    ("typed", "leftover"),
    [
        ("add @ana", "@ana"),  # Slack did not make a mention of it: never guess who
        ("add U0ANA0001", "U0ANA0001"),
        ("add", ""),
        ("remove <@U0ANA0001|ana> now", "now"),
        ("grant <@U0ANA0001|ana>", "grant <@U0ANA0001|ana>"),
        ("list them", "list them"),
        ("add <#C0GENERAL|general>", "<#C0GENERAL|general>"),
    ],
)
def test_anything_else_is_a_usage_error_naming_what_was_not_understood(
    typed: str, leftover: str
) -> None:
    with pytest.raises(UsageError) as raised:
        parse_wanted(typed)

    assert raised.value.leftover == leftover


def test_more_than_ten_people_at_once_is_a_usage_error() -> None:
    many = " ".join(f"<@U0PERSON{i:02}>" for i in range(11))

    with pytest.raises(UsageError) as raised:
        parse_wanted(f"add {many}")

    assert raised.value.too_many


def test_a_long_list_of_coordinators_folds_the_rest_into_a_count() -> None:
    roster = Roster(
        from_setting=tuple(f"U0ADMIN{i:03}" for i in range(300)),
        granted=tuple(Granted(f"U0GRANT{i:03}", "U0ADMIN000", AT) for i in range(100)),
    )

    text, blocks = roster_message(roster)

    shown = [b.to_dict() for b in blocks]
    assert validate_blocks(shown, surface="message") == []
    for block_id, total in (("coordinators.setting", 300), ("coordinators.granted", 100)):
        [listed] = [b["text"]["text"] for b in shown if b["block_id"] == block_id]
        more = re.search(r"_and (\d+) more_$", listed)
        assert more is not None
        assert listed.count("• <@") + int(more.group(1)) == total
    assert text == "The program has 400 coordinator(s)."


# --- /mentor audit -----------------------------------------------------------------------


def test_private_words_never_show_and_only_words_meant_for_coordinators_are_quoted() -> None:
    shown = detail_text(
        {
            "notes": "I feel stuck at work.",
            "thanks": "You helped me a lot.",
            "text": "We can't <find> a time.",
            "comment": "Great pair.",
            "title": "Become a staff engineer",
            "why": "not the mentor this request was sent to",
            "choice": "carry_on",
            "to": "2030-03-21",
            "usefulness": 4,
            "pair": ["U0BEN0001", "U0ANA0001"],
            "goals": [{"id": 1, "status": "done"}],
            "stats": {"pairs": 3},
            "empty": None,
        }
    )

    assert shown == [
        "private notes (not shown)",
        "a thank-you (not shown)",
        "said “We can't &lt;find&gt; a time.”",
        "comment “Great pair.”",
        "title: _text not shown_",
        "why: not the mentor this request was sent to",
        "choice: carry_on",
        "to: 2030-03-21",
        "usefulness: 4",
        "pair: <@U0BEN0001> <@U0ANA0001>",
        "goals: 1 item(s)",
    ]


def test_a_forged_entry_is_escaped_clipped_whole_and_marked_refused() -> None:
    line = audit_line(
        AuditLine(
            at=AT,
            actor="U0MEMBER1",
            action="refused.round.approve",
            subject_type="match_round",
            subject_id="<@U0ADMIN1> *9999999999* " + "x" * 40,
            detail={"why": "not a coordinator", "text": "<!channel> " * 40},
        )
    )

    assert line.startswith("<!date^1900054800^{date_short_pretty} {time}|2030-03-18 09:00 UTC>")
    assert ":no_entry_sign: <@U0MEMBER1> was refused `round.approve`" in line
    assert "<@U0ADMIN1>" not in line and "<!channel>" not in line
    assert utf16_units(line) <= LINE_SHOWN and line.endswith("…")


def test_a_pair_is_named_by_its_two_people_and_the_bot_by_name() -> None:
    line = audit_line(
        AuditLine(
            at=AT,
            actor=None,
            action="followup.at_risk",
            subject_type="mentorship",
            subject_id="7",
            detail={"periods": 3},
            pair=("U0BEN0001", "U0ANA0001"),
        )
    )

    assert line.endswith(
        "mentorbot flagged a pair at risk on <@U0BEN0001> mentoring <@U0ANA0001> (periods: 3)"
    )


def test_the_most_entries_at_their_longest_fit_one_message() -> None:
    long = AuditLine(
        at=AT,
        actor="U0MEMBER1",
        action="refused.followup.nudge",
        subject_type="mentorship",
        subject_id="&" * 64,
        detail={"why": "&" * 200, "comment": "é&" * 300, "notes": "secret"},
    )
    lines = tuple(long for _ in range(AUDIT_MAX))

    _, blocks = audit_message(Trail(lines, asked=AUDIT_MAX, capped=True))

    shown = [b.to_dict() for b in blocks]
    assert validate_blocks(shown, surface="message") == []
    assert len(shown) <= 50
    sections = [b["text"]["text"] for b in shown if b["type"] == "section"]
    assert sum(s.count(":no_entry_sign:") for s in sections) == AUDIT_MAX
    assert all(utf16_units(s) <= 3000 for s in sections)
    assert "secret" not in str(shown)


def test_an_empty_trail_says_so() -> None:
    text, blocks = audit_message(Trail((), asked=20))

    assert text == "Nothing has been recorded in this workspace's audit trail yet."
    assert validate_blocks([b.to_dict() for b in blocks], surface="message") == []


def test_fewer_entries_than_asked_are_all_there_are() -> None:
    line = AuditLine(AT - timedelta(days=1), "U0COORD1", "round.proposed", None, None, None)

    text, _ = audit_message(Trail((line,), asked=20))

    assert text == "Audit trail: the latest 1 (all there are)"
