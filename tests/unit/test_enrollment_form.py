"""parse_submission turns the modal's state into a Profile, or says kindly what to fix."""

from __future__ import annotations

import zoneinfo
from dataclasses import replace
from datetime import time
from typing import Any

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from bot.db.enums import Cadence, EnrollmentRole, ExperienceLevel, MeetingFormat
from bot.enrollment_form import canonical_timezone, parse_submission
from bot.profile import (
    BIO_MAX,
    CAPACITY_RANGE,
    DEFAULT_CAPACITY,
    DEFAULT_TOPICS,
    GOALS_MAX,
    GOALS_MIN,
    MAX_TOPICS,
    MENTORS_WANTED_RANGE,
    TOPIC_LABEL_MAX,
    Profile,
)
from bot.views.enrollment import EnrollmentIds as Ids
from bot.views.enrollment import submission_values

# The program's list: the defaults plus labels that exercise unicode and the length limit.
TOPICS: tuple[str, ...] = (
    *DEFAULT_TOPICS,
    "Génération de texte",
    "🤖 Robotics",
    "日本語の自然言語処理",
    "L" * TOPIC_LABEL_MAX,
)
FORM_BLOCKS = {
    Ids.ROLE_BLOCK,
    Ids.TOPICS_BLOCK,
    Ids.GOALS_BLOCK,
    Ids.BIO_BLOCK,
    Ids.EXPERIENCE_BLOCK,
    Ids.CAPACITY_BLOCK,
    Ids.MENTORS_WANTED_BLOCK,
    Ids.CADENCE_BLOCK,
    Ids.FORMAT_BLOCK,
    Ids.TIMEZONE_BLOCK,
    Ids.WORKDAY_START_BLOCK,
    Ids.WORKDAY_END_BLOCK,
}

# --- strategies (also used by the modal tests) ------------------------------------------

# Anything a person can type: no surrogates, no control characters except newlines.
_chars = st.characters(codec="utf-8", exclude_categories=("Cs", "Cc"), include_characters="\n")


def _typed(min_size: int, max_size: int) -> st.SearchStrategy[str]:
    # Stored text is already stripped (the parser strips), so generate it that way.
    return (
        st.text(_chars, min_size=min_size, max_size=max_size)
        .map(str.strip)
        .filter(lambda s: len(s) >= min_size)
    )


def profiles(topics: tuple[str, ...] = TOPICS) -> st.SearchStrategy[Profile]:
    return st.builds(
        Profile,
        role=st.sampled_from(EnrollmentRole),
        topics=st.lists(st.sampled_from(topics), min_size=1, max_size=MAX_TOPICS, unique=True).map(
            tuple
        ),
        goals=st.one_of(
            _typed(GOALS_MIN, 60),
            _typed(GOALS_MIN, GOALS_MAX),
            st.sampled_from(["é" * GOALS_MAX, "😀" * GOALS_MAX, "x" * GOALS_MIN]),
        ),
        bio=st.one_of(st.just(""), _typed(0, 80), _typed(0, BIO_MAX), st.just("🌱" * BIO_MAX)),
        experience=st.sampled_from(ExperienceLevel),
        capacity=st.sampled_from(CAPACITY_RANGE),
        mentors_wanted=st.sampled_from(MENTORS_WANTED_RANGE),
        cadence=st.sampled_from(Cadence),
        meeting_format=st.sampled_from(MeetingFormat),
        timezone=st.sampled_from(sorted(zoneinfo.available_timezones() - {"localtime", "Factory"})),
    ).flatmap(_with_workday)


def _with_workday(profile: Profile) -> st.SearchStrategy[Profile]:
    """Any working day the timepicker can express (whole minutes), ending after it starts."""
    minutes = st.integers(0, 24 * 60 - 1)
    return (
        st.tuples(minutes, minutes)
        .filter(lambda p: p[0] != p[1])
        .map(
            lambda p: replace(
                profile,
                workday_start=time(*divmod(min(p), 60)),
                workday_end=time(*divmod(max(p), 60)),
            )
        )
    )


# --- helpers ------------------------------------------------------------------------------

VALID = Profile(
    role=EnrollmentRole.MENTEE,
    topics=("NLP", "MLOps"),
    goals="Move from backend work into ML engineering within a year.",
    timezone="Europe/Paris",
)


def values_of(profile: Profile = VALID, **changes: Any) -> dict[str, Any]:
    """VALID's submission with some fields' states replaced (None removes the block)."""
    values = submission_values(profile)
    for block_id, state in changes.items():
        if state is None:
            del values[block_id]
        else:
            action_id = next(iter(values[block_id]))
            values[block_id] = {action_id: state}
    return values


def text(value: str | None) -> dict[str, Any]:
    return {"type": "plain_text_input", "value": value}


def picked(value: str | None) -> dict[str, Any]:
    option = (
        None if value is None else {"text": {"type": "plain_text", "text": value}, "value": value}
    )
    return {"type": "static_select", "selected_option": option}


def clock(value: Any) -> dict[str, Any]:
    return {"type": "timepicker", "selected_time": value}


def picked_many(*values: str) -> dict[str, Any]:
    return {
        "type": "multi_static_select",
        "selected_options": [
            {"text": {"type": "plain_text", "text": v}, "value": v} for v in values
        ],
    }


def errors_for(**changes: Any) -> dict[str, str]:
    result = parse_submission(values_of(**changes), TOPICS)
    assert isinstance(result, dict), f"expected errors, got {result!r}"
    for block_id, message in result.items():
        assert block_id in FORM_BLOCKS
        assert 0 < len(message) <= 150
    return result


def parsed(**changes: Any) -> Profile:
    result = parse_submission(values_of(**changes), TOPICS)
    assert isinstance(result, Profile), f"expected a profile, got errors {result!r}"
    return result


# --- round trip ---------------------------------------------------------------------------


def test_a_valid_submission_becomes_the_profile() -> None:
    assert parse_submission(submission_values(VALID), TOPICS) == VALID


@settings(max_examples=200, deadline=None)
@given(profiles())
def test_every_valid_profile_survives_a_round_trip(profile: Profile) -> None:
    assert parse_submission(submission_values(profile), TOPICS) == profile


def test_submission_values_look_like_slacks_state() -> None:
    values = submission_values(VALID)
    assert set(values) == FORM_BLOCKS
    assert values[Ids.GOALS_BLOCK][Ids.GOALS_ACTION] == text(VALID.goals)
    assert values[Ids.BIO_BLOCK][Ids.BIO_ACTION] == text(None)  # Slack sends null, not ""
    role = values[Ids.ROLE_BLOCK][Ids.ROLE_ACTION]
    assert role["type"] == "radio_buttons"
    assert role["selected_option"]["value"] == "mentee"
    topics = values[Ids.TOPICS_BLOCK][Ids.TOPICS_ACTION]["selected_options"]
    assert [o["value"] for o in topics] == ["NLP", "MLOps"]


# --- goals and bio ------------------------------------------------------------------------


@pytest.mark.parametrize("value", [None, "", "   \n  "])
def test_goals_are_required(value: str | None) -> None:
    assert "goals" in errors_for(**{Ids.GOALS_BLOCK: text(value)})[Ids.GOALS_BLOCK]


def test_goals_that_are_too_short_ask_for_a_little_more() -> None:
    errors = errors_for(**{Ids.GOALS_BLOCK: text("Learn ML")})
    assert f"at least {GOALS_MIN} characters" in errors[Ids.GOALS_BLOCK]


def test_goals_are_measured_after_stripping() -> None:
    assert Ids.GOALS_BLOCK in errors_for(**{Ids.GOALS_BLOCK: text("  short   \n")})
    exactly = "x" * GOALS_MIN
    assert parsed(**{Ids.GOALS_BLOCK: text(f"\n  {exactly}  ")}).goals == exactly


def test_goals_over_the_limit_are_refused_with_the_count() -> None:
    errors = errors_for(**{Ids.GOALS_BLOCK: text("g" * (GOALS_MAX + 1))})
    assert str(GOALS_MAX) in errors[Ids.GOALS_BLOCK]
    assert str(GOALS_MAX + 1) in errors[Ids.GOALS_BLOCK]


@pytest.mark.parametrize("char", ["a", "é", "😀", "日"])
def test_limits_count_characters_not_bytes(char: str) -> None:
    profile = parsed(
        **{Ids.GOALS_BLOCK: text(char * GOALS_MAX), Ids.BIO_BLOCK: text(char * BIO_MAX)}
    )
    assert len(profile.goals) == GOALS_MAX
    assert len(profile.bio) == BIO_MAX


def test_bio_is_optional_even_for_mentors() -> None:
    mentor = Profile(**{**VALID.__dict__, "role": EnrollmentRole.MENTOR})
    assert parse_submission(values_of(mentor, **{Ids.BIO_BLOCK: None}), TOPICS) == mentor


def test_bio_over_the_limit_is_refused() -> None:
    assert str(BIO_MAX) in errors_for(**{Ids.BIO_BLOCK: text("b" * (BIO_MAX + 1))})[Ids.BIO_BLOCK]


def test_nul_characters_are_dropped() -> None:
    # PostgreSQL text columns cannot store them.
    assert parsed(**{Ids.GOALS_BLOCK: text("Grow into\x00 research")}).goals == "Grow into research"


@pytest.mark.parametrize("block", [Ids.GOALS_BLOCK, Ids.BIO_BLOCK, Ids.TIMEZONE_BLOCK])
def test_a_lone_surrogate_is_refused_beside_its_own_field_only(block: str) -> None:
    # A crafted "\ud800" escape decodes to text that no database can store.
    typed = {Ids.GOALS_BLOCK: VALID.goals, Ids.BIO_BLOCK: "", Ids.TIMEZONE_BLOCK: VALID.timezone}
    errors = errors_for(**{block: text(typed[block] + "\ud800")})
    assert list(errors) == [block]
    assert "retype" in errors[block]


# --- topics -------------------------------------------------------------------------------


def test_at_least_one_topic_is_needed() -> None:
    assert "at least one topic" in errors_for(**{Ids.TOPICS_BLOCK: picked_many()})[Ids.TOPICS_BLOCK]
    assert Ids.TOPICS_BLOCK in errors_for(**{Ids.TOPICS_BLOCK: None})


def test_a_topic_no_longer_on_the_list_is_named() -> None:
    errors = errors_for(**{Ids.TOPICS_BLOCK: picked_many("NLP", "Blockchain")})
    assert "Blockchain" in errors[Ids.TOPICS_BLOCK]
    assert "no longer on the list" in errors[Ids.TOPICS_BLOCK]


def test_several_unknown_topics_are_counted() -> None:
    errors = errors_for(**{Ids.TOPICS_BLOCK: picked_many("Blockchain", "Web3", "NLP")})
    assert errors[Ids.TOPICS_BLOCK].startswith("2 of your topics")


def test_at_most_max_topics() -> None:
    errors = errors_for(**{Ids.TOPICS_BLOCK: picked_many(*TOPICS[: MAX_TOPICS + 1])})
    assert f"at most {MAX_TOPICS}" in errors[Ids.TOPICS_BLOCK]
    assert len(parsed(**{Ids.TOPICS_BLOCK: picked_many(*TOPICS[:MAX_TOPICS])}).topics) == MAX_TOPICS


def test_repeated_topics_count_once_in_order() -> None:
    assert parsed(**{Ids.TOPICS_BLOCK: picked_many("MLOps", "NLP", "MLOps")}).topics == (
        "MLOps",
        "NLP",
    )


def test_a_program_without_topics_asks_for_none() -> None:
    profile = Profile(**{**VALID.__dict__, "topics": ()})
    assert parse_submission(values_of(profile, **{Ids.TOPICS_BLOCK: None}), []) == profile
    assert Ids.TOPICS_BLOCK in parse_submission(values_of(VALID), [])


# --- choices ------------------------------------------------------------------------------


@pytest.mark.parametrize("value", ["0", "6", "-1", "two", " 3", "٣", ""])
def test_capacity_outside_one_to_five_is_refused(value: str) -> None:
    errors = errors_for(**{Ids.CAPACITY_BLOCK: picked(value)})
    assert errors[Ids.CAPACITY_BLOCK] == "Choose between 1 and 5 mentees."


def test_capacity_edges_are_accepted() -> None:
    assert parsed(**{Ids.CAPACITY_BLOCK: picked("1")}).capacity == 1
    assert parsed(**{Ids.CAPACITY_BLOCK: picked("5")}).capacity == 5


def test_a_missing_capacity_blocks_a_mentor_but_not_a_mentee() -> None:
    assert parsed(**{Ids.CAPACITY_BLOCK: None}).capacity == DEFAULT_CAPACITY
    for role in (EnrollmentRole.MENTOR, EnrollmentRole.BOTH):
        mentor = Profile(**{**VALID.__dict__, "role": role})
        result = parse_submission(values_of(mentor, **{Ids.CAPACITY_BLOCK: picked(None)}), TOPICS)
        assert isinstance(result, dict)
        assert set(result) == {Ids.CAPACITY_BLOCK}


@pytest.mark.parametrize("value", ["0", "4"])
def test_mentors_wanted_outside_one_to_three_is_refused(value: str) -> None:
    assert Ids.MENTORS_WANTED_BLOCK in errors_for(**{Ids.MENTORS_WANTED_BLOCK: picked(value)})


def test_a_missing_mentors_wanted_only_matters_to_someone_seeking_a_mentor() -> None:
    assert Ids.MENTORS_WANTED_BLOCK in errors_for(**{Ids.MENTORS_WANTED_BLOCK: None})
    mentor = Profile(**{**VALID.__dict__, "role": EnrollmentRole.MENTOR})
    result = parse_submission(values_of(mentor, **{Ids.MENTORS_WANTED_BLOCK: None}), TOPICS)
    assert result == mentor


@pytest.mark.parametrize(
    "block_id",
    [Ids.ROLE_BLOCK, Ids.EXPERIENCE_BLOCK, Ids.CADENCE_BLOCK, Ids.FORMAT_BLOCK],
)
@pytest.mark.parametrize("value", [None, "sometimes", "MENTEE", ""])
def test_unknown_choices_are_refused(block_id: str, value: str | None) -> None:
    assert block_id in errors_for(**{block_id: picked(value)})


def test_enum_values_are_what_is_stored() -> None:
    profile = parsed(
        **{
            Ids.ROLE_BLOCK: picked("both"),
            Ids.EXPERIENCE_BLOCK: picked("principal"),
            Ids.CADENCE_BLOCK: picked("monthly"),
            Ids.FORMAT_BLOCK: picked("in_person"),
        }
    )
    assert profile.role is EnrollmentRole.BOTH
    assert profile.experience is ExperienceLevel.PRINCIPAL
    assert profile.cadence is Cadence.MONTHLY
    assert profile.meeting_format is MeetingFormat.IN_PERSON


# --- time zone ----------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("typed", "stored"),
    [
        ("Europe/Paris", "Europe/Paris"),
        ("europe/paris", "Europe/Paris"),
        ("  EUROPE/PARIS ", "Europe/Paris"),
        ("america/new york", "America/New_York"),
        ("America/Argentina/Buenos_Aires", "America/Argentina/Buenos_Aires"),
        ("utc", "UTC"),
        ("etc/gmt+5", "Etc/GMT+5"),
    ],
)
def test_time_zones_are_normalised_to_their_iana_name(typed: str, stored: str) -> None:
    assert parsed(**{Ids.TIMEZONE_BLOCK: text(typed)}).timezone == stored


def test_an_unknown_time_zone_says_what_is_expected() -> None:
    message = errors_for(**{Ids.TIMEZONE_BLOCK: text("Mars/Olympus_Mons")})[Ids.TIMEZONE_BLOCK]
    assert "Mars/Olympus_Mons" in message
    assert "Europe/Paris" in message


@pytest.mark.parametrize(
    ("typed", "suggestion"),
    [
        ("Paris", "Europe/Paris"),
        ("new york", "America/New_York"),
        ("Europe/Pariss", "Europe/Paris"),
    ],
)
def test_a_near_miss_time_zone_gets_a_suggestion(typed: str, suggestion: str) -> None:
    message = errors_for(**{Ids.TIMEZONE_BLOCK: text(typed)})[Ids.TIMEZONE_BLOCK]
    assert f"Did you mean {suggestion}?" in message


@pytest.mark.parametrize("value", [None, "", "  "])
def test_a_time_zone_is_required(value: str | None) -> None:
    assert "Europe/Paris" in errors_for(**{Ids.TIMEZONE_BLOCK: text(value)})[Ids.TIMEZONE_BLOCK]


@pytest.mark.parametrize("name", ["localtime", "Factory", "../../etc/passwd", "Europe/", "/"])
def test_names_that_are_not_a_place_are_refused(name: str) -> None:
    assert canonical_timezone(name) is None


def test_a_very_long_time_zone_still_gives_a_short_message() -> None:
    assert Ids.TIMEZONE_BLOCK in errors_for(**{Ids.TIMEZONE_BLOCK: text("x" * 3000)})


# --- working hours ------------------------------------------------------------------------


def test_working_hours_default_to_nine_to_five() -> None:
    assert (VALID.workday_start, VALID.workday_end) == (time(9, 0), time(17, 0))
    state = submission_values(VALID)[Ids.WORKDAY_START_BLOCK][Ids.WORKDAY_START_ACTION]
    assert state == clock("09:00")


def test_working_hours_are_read_from_the_timepickers() -> None:
    profile = parsed(
        **{Ids.WORKDAY_START_BLOCK: clock("07:30"), Ids.WORKDAY_END_BLOCK: clock("15:45")}
    )
    assert (profile.workday_start, profile.workday_end) == (time(7, 30), time(15, 45))


@pytest.mark.parametrize("end", ["09:00", "08:59", "00:00"])
def test_an_end_not_after_the_start_is_refused_beside_the_end(end: str) -> None:
    errors = errors_for(**{Ids.WORKDAY_END_BLOCK: clock(end)})
    assert set(errors) == {Ids.WORKDAY_END_BLOCK}
    assert "later than your start (09:00)" in errors[Ids.WORKDAY_END_BLOCK]


@pytest.mark.parametrize("value", ["9:00", "24:00", "09:60", "09:00:00", "nine", " 09:00", 900])
def test_a_malformed_time_is_refused_beside_its_field(value: Any) -> None:
    errors = errors_for(**{Ids.WORKDAY_START_BLOCK: clock(value)})
    assert set(errors) == {Ids.WORKDAY_START_BLOCK}
    assert "isn't a time" in errors[Ids.WORKDAY_START_BLOCK]


@pytest.mark.parametrize("state", [None, clock(None), clock(""), {"type": "timepicker"}])
def test_a_missing_time_asks_for_one(state: dict[str, Any] | None) -> None:
    errors = errors_for(**{Ids.WORKDAY_END_BLOCK: state})
    assert errors == {Ids.WORKDAY_END_BLOCK: "Choose when your working day ends, such as 09:00."}


# --- what Slack leaves out ----------------------------------------------------------------


def test_an_empty_submission_lists_every_required_field() -> None:
    result = parse_submission({}, TOPICS)
    assert isinstance(result, dict)
    # Capacity and mentors wanted depend on the role, which is missing too.
    assert set(result) == FORM_BLOCKS - {
        Ids.BIO_BLOCK,
        Ids.CAPACITY_BLOCK,
        Ids.MENTORS_WANTED_BLOCK,
    }


@pytest.mark.parametrize(
    "broken",
    [
        {},  # the action is missing from its block
        {"wrong.action": {"type": "plain_text_input", "value": "x"}},
        {Ids.GOALS_ACTION: None},
        {Ids.GOALS_ACTION: "not a dict"},
        {Ids.GOALS_ACTION: {"type": "plain_text_input"}},  # no value key at all
        {Ids.GOALS_ACTION: {"type": "plain_text_input", "value": 42}},
    ],
)
def test_missing_or_malformed_state_reads_as_empty(broken: dict[str, Any]) -> None:
    values = values_of()
    values[Ids.GOALS_BLOCK] = broken
    result = parse_submission(values, TOPICS)
    assert isinstance(result, dict)
    assert set(result) == {Ids.GOALS_BLOCK}


@pytest.mark.parametrize(
    "state",
    [
        {"type": "multi_static_select"},
        {"type": "multi_static_select", "selected_options": None},
        {"type": "multi_static_select", "selected_options": [None, {"value": 3}, {}]},
    ],
)
def test_malformed_topic_state_reads_as_no_topic(state: dict[str, Any]) -> None:
    assert Ids.TOPICS_BLOCK in errors_for(**{Ids.TOPICS_BLOCK: state})


def test_malformed_selected_option_reads_as_unchosen() -> None:
    state = {"type": "static_select", "selected_option": {"text": "no value"}}
    assert Ids.CADENCE_BLOCK in errors_for(**{Ids.CADENCE_BLOCK: state})


def test_every_problem_is_reported_at_once() -> None:
    errors = errors_for(
        **{
            Ids.GOALS_BLOCK: text("short"),
            Ids.CAPACITY_BLOCK: picked("9"),
            Ids.TIMEZONE_BLOCK: text("Nowhere"),
        }
    )
    assert set(errors) == {Ids.GOALS_BLOCK, Ids.CAPACITY_BLOCK, Ids.TIMEZONE_BLOCK}
