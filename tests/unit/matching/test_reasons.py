"""Reasons: readable, short, strongest first, and honest about why someone is unmatched."""

from __future__ import annotations

import re

import numpy as np

from bot.db.enums import Cadence, MeetingFormat
from bot.matching import Pool, Weights, solve_round, suggest
from bot.matching.reasons import MAX_CHARS, MAX_REASONS, explain, explain_known
from bot.matching.unmatched import (
    ALL_FULL,
    NO_FIT,
    ONLY_SELF,
    OWN_TEAM,
    REPEATS,
    TAKEN,
    WEAK_FIT,
)
from tests.unit.matching import mentor, person

GENDERED = re.compile(r"\b(he|she|him|her|his|hers|himself|herself)\b", re.IGNORECASE)


def reasons_for(mentee_fields: dict, mentor_fields: dict) -> tuple[str, ...]:
    pool = Pool([mentor(10, **mentor_fields)])
    page = suggest(person(1, **mentee_fields), pool)
    assert page.items, "the pair should be acceptable"
    return page.items[0].reasons


def test_a_strong_pair_reads_well_and_stays_bounded() -> None:
    reasons = reasons_for(
        {"topics": {"NLP", "MLOps"}, "text": "Learn to deploy language models", "experience": 2},
        {
            "name": "Priya",
            "topics": {"NLP", "MLOps", "Research"},
            "text": "I deploy large language models. " + "Long story about my path. " * 20,
            "utc_offset_minutes": 0,
            "mentees_mentored": 3,
        },
    )
    assert 1 <= len(reasons) <= MAX_REASONS
    assert all(0 < len(r) <= MAX_CHARS for r in reasons)
    assert not any(GENDERED.search(r) for r in reasons)
    assert "You both care about MLOps and NLP" in reasons
    assert "They are at staff level, three levels ahead of you" in reasons
    assert not any("Priya" in r for r in reasons)  # the card names them, by mention
    assert any(
        r.startswith("Their experience matches your goals: “I deploy large") for r in reasons
    )


def test_time_zone_format_and_cadence_in_plain_words() -> None:
    reasons = reasons_for(
        {"topics": {"Research"}, "text": "publish a paper", "utc_offset_minutes": 0},
        {
            "topics": {"Research", "NLP", "Leadership", "MLOps"},
            "text": "I review papers",
            "utc_offset_minutes": 240,
            "experience": 3,  # a peer: the experience reason is weak
        },
    )
    assert "4 hours apart: 4 working hours overlap" in reasons
    assert "Both prefer video calls every two weeks" in reasons


def test_half_hour_zones_and_partial_agreement() -> None:
    # A peer with unrelated words: the weaker parts make it into the top four.
    reasons = reasons_for(
        {"utc_offset_minutes": 0, "meeting_format": MeetingFormat.CHAT},
        {
            "text": "gardening",
            "experience": 3,
            "utc_offset_minutes": 330,
            "meeting_format": MeetingFormat.CHAT,
            "cadence": Cadence.MONTHLY,
        },
    )
    assert "5.5 hours apart: 2.5 working hours overlap" in reasons
    assert "Both prefer chat" in reasons


def test_track_record_says_they_and_never_the_mentors_name() -> None:
    # Nothing else to say but shared topics and a level: the track record gets a line.
    far = {
        "utc_offset_minutes": 720,
        "meeting_format": MeetingFormat.CHAT,
        "cadence": Cadence.MONTHLY,
        "text": "gardening",
    }
    history = {"mentees_mentored": 1, "topic_history": (("NLP", 1),)}
    # The name may be a raw user name ("sam"), and reasons are stored: they name nobody.
    named = reasons_for({}, {**far, "name": "sam", **history})
    assert "They have mentored 1 person before, 1 on NLP" in named
    assert not any("sam" in r.lower() for r in named)
    anonymous = reasons_for({}, {**far, "name": " ", "mentees_mentored": 4})
    assert "They have mentored 4 people before" in anonymous


def test_a_peer_is_described_without_a_name() -> None:
    reasons = reasons_for(
        {"topics": {"NLP"}, "experience": 3},
        {"name": "ben", "topics": {"NLP"}, "experience": 3, "utc_offset_minutes": 720},
    )
    assert "They are at your level (mid): a peer's view" in reasons
    assert not any("ben" in r.lower() for r in reasons)


def test_reasons_are_strongest_first() -> None:
    reasons = reasons_for(
        {"topics": {"NLP"}, "text": "something unrelated entirely", "utc_offset_minutes": 0},
        {"topics": {"NLP"}, "utc_offset_minutes": 60, "meeting_format": MeetingFormat.CHAT},
    )
    # Full topic overlap (0.30 of the score) outweighs the rest.
    assert reasons[0] == "You both care about NLP"


def unmatched_reason(mentee: dict, mentors: list[dict], **options: object) -> str:
    pool = Pool([mentor(10 + i, **fields) for i, fields in enumerate(mentors)])
    result = solve_round([person(1, **mentee)], pool, **options)  # type: ignore[arg-type]
    assert not result.pairs
    return result.unmatched[0].reason


def test_unmatched_reasons_name_what_ruled_every_fit_out() -> None:
    cv = {"topics": {"Computer vision"}, "text": "I train detection models on images"}
    assert unmatched_reason({"topics": {"Leadership"}, "text": "grow as a manager"}, [cv]) == NO_FIT
    assert unmatched_reason({"team": "t"}, [{"team": "t"}]) == OWN_TEAM
    assert unmatched_reason({"manager_user_id": "U10"}, [{}]) == OWN_TEAM
    assert unmatched_reason({}, [{"capacity_left": 0}, {"paused": True}]) == ALL_FULL
    assert unmatched_reason({}, [{}], history={(1, 10)}) == REPEATS
    assert unmatched_reason({"user_id": "U10"}, [{}]) == ONLY_SELF
    # Shares the topic, but a junior, 12 hours away, chat vs video, monthly vs weekly.
    misfit = {
        "experience": 1,
        "utc_offset_minutes": 720,
        "meeting_format": MeetingFormat.CHAT,
        "cadence": Cadence.MONTHLY,
        "topics": {"NLP", "Research", "MLOps", "Leadership"},
        "text": "pottery",
    }
    assert unmatched_reason(
        {"experience": 6, "cadence": Cadence.WEEKLY, "text": "x"}, [misfit]
    ) == (WEAK_FIT)


def test_a_mentee_who_lost_the_only_slot_is_told_so() -> None:
    pool = Pool([mentor(10, capacity_left=1)])
    strong = person(1, topics={"NLP"}, experience=3)
    weak = person(2, topics={"NLP", "Leadership", "Research"}, experience=5)
    result = solve_round([strong, weak], pool)
    assert [p.mentee_key for p in result.pairs] == [1]
    assert result.unmatched[0].reason == TAKEN


def test_a_pairs_reasons_do_not_depend_on_which_pairs_were_explained_before() -> None:
    # A pool caches its mentors' encoded sentences batch by batch; quotes gathered from
    # several such batches must come out as from one.
    texts = (
        "I deploy large language models. I mentor on MLOps.",
        "Ten years of computer vision research. Papers on segmentation.",
        "I lead a data science team. Experiment design is my thing.",
        "Backend engineer turned ML engineer. Happy to talk career change.",
    )
    mentors = [mentor(10 + j, text=texts[j % 4], topics={"NLP", "MLOps"}) for j in range(12)]
    goals = ("get into MLOps and deploy models", "move from backend work into ML engineering")
    mentees = [person(i, text=goals[i % 2], topics={"MLOps"}) for i in range(6)]
    rows = np.repeat(np.arange(6), 12)
    cols = np.tile(np.arange(12), 6)

    fresh = Pool(mentors)
    at_once = explain(fresh.encode(mentees), rows, fresh, cols, Weights())
    pool = Pool(mentors)
    batch = pool.encode(mentees)
    for part in (np.arange(0, 72, 7), np.arange(3, 72, 5)):  # cache some mentors first
        explain(batch, rows[part], pool, cols[part], Weights())
    assert explain(batch, rows, pool, cols, Weights()) == at_once
    assert any("“" in reason for reasons in at_once for reason in reasons)  # quotes shown


def test_reasons_written_ahead_are_reused_only_for_the_pair_they_were_written_for() -> None:
    # A round explains one solve's pairs while the next solve runs, then only the pairs
    # that solve changed: the result must be what explaining the final pairs gives.
    mentors = [mentor(10 + j, topics={"NLP", "MLOps"} if j % 2 else {"Research"}) for j in range(4)]
    mentees = [person(i, topics={"NLP"} if i % 2 else {"Research"}) for i in range(6)]
    pool = Pool(mentors)
    batch = pool.encode(mentees)
    first = np.array([0, 1, -1, 3, 2, -1])
    final = np.array([1, 1, 0, 3, -1, 2])  # rows 0 and 2 change, row 4 leaves
    known: dict[int, tuple[str, ...]] = {}
    ahead = explain_known(batch, first, pool, Weights(), known)
    assert ahead == explain(batch, [0, 1, 3, 4], pool, [0, 1, 3, 2], Weights())
    rows = np.flatnonzero(final >= 0)
    assert explain_known(batch, final, pool, Weights(), known) == explain(
        batch, rows, pool, final[rows], Weights()
    )
    assert len(known) == 7  # the four pairs first written, and three new ones
