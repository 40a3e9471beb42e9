"""The enrollment modal: valid for Slack in every case, and pre-filled from the profile."""

from __future__ import annotations

from datetime import time
from typing import Any

import pytest
from hypothesis import given, settings

from bot.db.enums import Cadence, EnrollmentRole, ExperienceLevel, MeetingFormat
from bot.emulator.blockkit import validate_view, view_size
from bot.enrollment_form import parse_submission
from bot.profile import (
    BIO_MAX,
    DEFAULT_TOPICS,
    GOALS_MAX,
    MAX_TOPICS,
    TOPIC_LABEL_MAX,
    FormDefaults,
    Profile,
)
from bot.views.enrollment import (
    MAX_TOPIC_CHOICES,
    TIMEZONE_HINT,
    EnrollmentIds,
    enrollment_modal,
    leave_confirmation_modal,
)
from tests.unit.test_enrollment_form import TOPICS, profiles

Ids = EnrollmentIds
DEFAULTS = FormDefaults(timezone="Europe/Paris")
STORED = Profile(
    role=EnrollmentRole.BOTH,
    topics=("MLOps", "Research", "NLP"),
    goals="Lead my first ML platform team and help two people move into MLOps.",
    bio="Ten years of backend work, four of them running model serving.",
    experience=ExperienceLevel.STAFF,
    capacity=4,
    mentors_wanted=2,
    cadence=Cadence.MONTHLY,
    meeting_format=MeetingFormat.IN_PERSON,
    timezone="America/Argentina/Buenos_Aires",
    workday_start=time(7, 30),
    workday_end=time(16, 15),
)


def modal(
    *,
    topics: tuple[str, ...] | list[str] = DEFAULT_TOPICS,
    profile: Profile | None = None,
    defaults: FormDefaults = DEFAULTS,
    editing: bool = False,
    private_metadata: str = "",
) -> dict[str, Any]:
    view = enrollment_modal(
        topics=topics,
        profile=profile,
        defaults=defaults,
        editing=editing,
        private_metadata=private_metadata,
    ).to_dict()
    assert validate_view(view) == []
    return view


def block(view: dict[str, Any], block_id: str) -> dict[str, Any]:
    return next(b for b in view["blocks"] if b.get("block_id") == block_id)


def element(view: dict[str, Any], block_id: str) -> dict[str, Any]:
    return block(view, block_id)["element"]


def initial(view: dict[str, Any], block_id: str) -> Any:
    """What the field shows when the modal opens (option values for choices)."""
    el = element(view, block_id)
    if "initial_options" in el:
        return [o["value"] for o in el["initial_options"]]
    if "initial_option" in el:
        return el["initial_option"]["value"]
    if el["type"] == "timepicker":
        return el.get("initial_time")
    return el.get("initial_value")


def offered(view: dict[str, Any], block_id: str) -> list[str]:
    el = element(view, block_id)
    options = el.get("options") or [o for g in el.get("option_groups", []) for o in g["options"]]
    return [o["value"] for o in options]


def submitted_unchanged(view: dict[str, Any]) -> dict[str, Any]:
    """The view.state.values Slack sends when the person submits without touching anything."""
    values: dict[str, Any] = {}
    for b in view["blocks"]:
        if b["type"] != "input":
            continue
        el = b["element"]
        if el["type"] == "plain_text_input":
            state = {"value": el.get("initial_value")}
        elif el["type"].startswith("multi_"):
            state = {"selected_options": el.get("initial_options", [])}
        elif el["type"] == "timepicker":
            state = {"selected_time": el.get("initial_time")}
        else:
            state = {"selected_option": el.get("initial_option")}
        values[b["block_id"]] = {el["action_id"]: {"type": el["type"], **state}}
    return values


# --- titles and shape ---------------------------------------------------------------------


def test_a_new_person_sees_join() -> None:
    view = modal()
    assert view["callback_id"] == Ids.CALLBACK == "enrollment.submit"
    assert view["title"]["text"] == "Join mentorbot"
    assert view["submit"]["text"] == "Join"
    assert view["close"]["text"] == "Cancel"


def test_an_editor_sees_their_profile() -> None:
    view = modal(profile=STORED, editing=True)
    assert view["title"]["text"] == "Your profile"
    assert view["submit"]["text"] == "Save"
    assert view["close"]["text"] == "Cancel"


def test_the_intro_says_matching_uses_it_and_where_to_change_it() -> None:
    intro = block(modal(), Ids.INTRO_BLOCK)["text"]["text"]
    assert "match" in intro
    assert "/mentor profile" in intro


def test_every_field_has_its_block_and_action_ids() -> None:
    view = modal()
    fields = {
        Ids.ROLE_BLOCK: Ids.ROLE_ACTION,
        Ids.TOPICS_BLOCK: Ids.TOPICS_ACTION,
        Ids.GOALS_BLOCK: Ids.GOALS_ACTION,
        Ids.BIO_BLOCK: Ids.BIO_ACTION,
        Ids.EXPERIENCE_BLOCK: Ids.EXPERIENCE_ACTION,
        Ids.CAPACITY_BLOCK: Ids.CAPACITY_ACTION,
        Ids.MENTORS_WANTED_BLOCK: Ids.MENTORS_WANTED_ACTION,
        Ids.CADENCE_BLOCK: Ids.CADENCE_ACTION,
        Ids.FORMAT_BLOCK: Ids.FORMAT_ACTION,
        Ids.TIMEZONE_BLOCK: Ids.TIMEZONE_ACTION,
        Ids.WORKDAY_START_BLOCK: Ids.WORKDAY_START_ACTION,
        Ids.WORKDAY_END_BLOCK: Ids.WORKDAY_END_ACTION,
    }
    inputs = {
        b["block_id"]: b["element"]["action_id"] for b in view["blocks"] if b["type"] == "input"
    }
    assert inputs == fields


def test_private_metadata_is_carried_and_bounded() -> None:
    assert modal(private_metadata='{"from":"home"}')["private_metadata"] == '{"from":"home"}'
    assert "private_metadata" not in modal()
    with pytest.raises(ValueError, match="private_metadata"):
        modal(private_metadata="x" * 3001)


# --- the fields ---------------------------------------------------------------------------


def test_role_choices_read_as_people_say_them() -> None:
    options = element(modal(), Ids.ROLE_BLOCK)["options"]
    assert [(o["value"], o["text"]["text"]) for o in options] == [
        ("mentee", "I'm looking for a mentor"),
        ("mentor", "I'd like to mentor others"),
        ("both", "Both"),
    ]


def test_experience_is_offered_in_rank_order_with_readable_labels() -> None:
    el = element(modal(), Ids.EXPERIENCE_BLOCK)
    assert [o["value"] for o in el["options"]] == [
        level.value for level in sorted(ExperienceLevel, key=lambda lvl: lvl.rank)
    ]
    assert [o["text"]["text"] for o in el["options"]] == [
        "Student / intern",
        "Early career (0-2 years)",
        "Mid-level",
        "Senior",
        "Staff",
        "Principal / leader",
    ]


def test_capacity_and_mentors_wanted_ranges() -> None:
    view = modal()
    assert offered(view, Ids.CAPACITY_BLOCK) == ["1", "2", "3", "4", "5"]
    assert "mentors only" in block(view, Ids.CAPACITY_BLOCK)["label"]["text"]
    labels = [o["text"]["text"] for o in element(view, Ids.MENTORS_WANTED_BLOCK)["options"]]
    assert labels[:2] == ["One primary mentor", "Two: a primary plus one for another topic"]
    assert labels[2].startswith("Three")


def test_goals_are_required_and_their_minimum_is_ours_to_explain() -> None:
    goals = block(modal(), Ids.GOALS_BLOCK)
    assert not goals.get("optional")
    assert goals["element"]["multiline"] is True
    assert goals["element"]["max_length"] == GOALS_MAX
    assert "min_length" not in goals["element"]  # parse_submission words that error
    assert "ML engineering" in goals["element"]["placeholder"]["text"]
    assert "mentoring" in goals["hint"]["text"]


def test_bio_is_optional_and_for_mentors() -> None:
    bio = block(modal(), Ids.BIO_BLOCK)
    assert bio["optional"] is True
    assert bio["element"]["max_length"] == BIO_MAX
    assert "For mentors: your path and what you can help with" in bio["hint"]["text"]


def test_time_zone_hint() -> None:
    assert block(modal(), Ids.TIMEZONE_BLOCK)["hint"]["text"] == TIMEZONE_HINT


def test_topics_allow_at_most_max_topics_and_explain_it() -> None:
    topics = block(modal(), Ids.TOPICS_BLOCK)
    assert topics["element"]["max_selected_items"] == MAX_TOPICS
    assert str(MAX_TOPICS) in topics["hint"]["text"]


# --- pre-fill -----------------------------------------------------------------------------


def test_a_new_person_starts_from_sensible_defaults() -> None:
    view = modal(defaults=FormDefaults(timezone="Asia/Tokyo", topics=("NLP", "Research")))
    assert initial(view, Ids.ROLE_BLOCK) == "mentee"
    assert initial(view, Ids.TOPICS_BLOCK) == ["NLP", "Research"]
    assert initial(view, Ids.GOALS_BLOCK) is None
    assert initial(view, Ids.BIO_BLOCK) is None
    assert initial(view, Ids.EXPERIENCE_BLOCK) == "mid"
    assert initial(view, Ids.CAPACITY_BLOCK) == "2"
    assert initial(view, Ids.MENTORS_WANTED_BLOCK) == "1"
    assert initial(view, Ids.CADENCE_BLOCK) == "biweekly"
    assert initial(view, Ids.FORMAT_BLOCK) == "video"
    assert initial(view, Ids.TIMEZONE_BLOCK) == "Asia/Tokyo"
    assert (initial(view, Ids.WORKDAY_START_BLOCK), initial(view, Ids.WORKDAY_END_BLOCK)) == (
        "09:00",
        "17:00",
    )


def test_a_newcomer_whose_hours_are_stored_sees_them() -> None:
    stored = FormDefaults(timezone="Asia/Tokyo", workday_start=time(6), workday_end=time(14))
    view = modal(defaults=stored)
    assert initial(view, Ids.WORKDAY_START_BLOCK) == "06:00"
    assert initial(view, Ids.WORKDAY_END_BLOCK) == "14:00"


def test_working_hours_are_timepickers_that_say_what_they_are_for() -> None:
    view = modal()
    start, end = block(view, Ids.WORKDAY_START_BLOCK), block(view, Ids.WORKDAY_END_BLOCK)
    assert start["element"]["type"] == end["element"]["type"] == "timepicker"
    assert "optional" not in start and "optional" not in end
    assert "an hour after your day starts" in start["hint"]["text"]


def test_no_default_topics_means_none_preselected() -> None:
    assert "initial_options" not in element(modal(), Ids.TOPICS_BLOCK)


def test_an_editor_sees_exactly_their_stored_profile() -> None:
    view = modal(profile=STORED, editing=True)
    assert initial(view, Ids.ROLE_BLOCK) == "both"
    assert initial(view, Ids.TOPICS_BLOCK) == ["MLOps", "Research", "NLP"]
    assert initial(view, Ids.GOALS_BLOCK) == STORED.goals
    assert initial(view, Ids.BIO_BLOCK) == STORED.bio
    assert initial(view, Ids.EXPERIENCE_BLOCK) == "staff"
    assert initial(view, Ids.CAPACITY_BLOCK) == "4"
    assert initial(view, Ids.MENTORS_WANTED_BLOCK) == "2"
    assert initial(view, Ids.CADENCE_BLOCK) == "monthly"
    assert initial(view, Ids.FORMAT_BLOCK) == "in_person"
    assert initial(view, Ids.TIMEZONE_BLOCK) == "America/Argentina/Buenos_Aires"
    assert initial(view, Ids.WORKDAY_START_BLOCK) == "07:30"
    assert initial(view, Ids.WORKDAY_END_BLOCK) == "16:15"


def test_submitting_the_form_untouched_saves_the_same_profile() -> None:
    view = modal(profile=STORED, editing=True)
    assert parse_submission(submitted_unchanged(view), DEFAULT_TOPICS) == STORED


@settings(max_examples=60, deadline=None)
@given(profiles())
def test_any_stored_profile_opens_valid_and_submits_unchanged(profile: Profile) -> None:
    view = modal(topics=TOPICS, profile=profile, editing=True)
    assert parse_submission(submitted_unchanged(view), TOPICS) == profile


def test_a_removed_topic_is_dropped_from_the_selection() -> None:
    profile = Profile(**{**STORED.__dict__, "topics": ("Blockchain", "NLP", "Quantum")})
    view = modal(profile=profile, editing=True)
    assert initial(view, Ids.TOPICS_BLOCK) == ["NLP"]
    assert "Blockchain" not in offered(view, Ids.TOPICS_BLOCK)


def test_only_removed_topics_leaves_the_field_empty_and_required() -> None:
    profile = Profile(**{**STORED.__dict__, "topics": ("Blockchain",)})
    view = modal(profile=profile, editing=True)
    assert "initial_options" not in element(view, Ids.TOPICS_BLOCK)
    assert not block(view, Ids.TOPICS_BLOCK).get("optional")


def test_a_stored_choice_no_longer_offered_falls_back_to_the_default() -> None:
    profile = Profile(**{**STORED.__dict__, "capacity": 7, "mentors_wanted": 0})
    view = modal(profile=profile, editing=True)
    assert initial(view, Ids.CAPACITY_BLOCK) == "2"
    assert initial(view, Ids.MENTORS_WANTED_BLOCK) == "1"


def test_stored_text_over_todays_limit_is_shortened_rather_than_breaking_the_form() -> None:
    profile = Profile(**{**STORED.__dict__, "goals": "g" * (GOALS_MAX + 50)})
    assert initial(modal(profile=profile, editing=True), Ids.GOALS_BLOCK) == "g" * GOALS_MAX


def test_an_empty_default_time_zone_leaves_the_field_empty() -> None:
    assert initial(modal(defaults=FormDefaults(timezone="")), Ids.TIMEZONE_BLOCK) is None


# --- Slack's limits -----------------------------------------------------------------------


@pytest.mark.parametrize("char", ["a", "é", "😀", "日"])
def test_text_at_its_maximum_length_validates(char: str) -> None:
    profile = Profile(**{**STORED.__dict__, "goals": char * GOALS_MAX, "bio": char * BIO_MAX})
    view = modal(profile=profile, editing=True)
    assert initial(view, Ids.GOALS_BLOCK) == char * GOALS_MAX
    assert initial(view, Ids.BIO_BLOCK) == char * BIO_MAX


def _labels(count: int) -> list[str]:
    # Every label at the limit, with multi-byte characters, and unique.
    return [f"{i:03d} Générative " + "é" * (TOPIC_LABEL_MAX - 16) + "🤖" for i in range(count)]


@pytest.mark.parametrize("count", [0, 1, 12, 100, 101, 150])
def test_topic_lists_of_any_size_validate(count: int) -> None:
    labels = _labels(count)
    assert all(len(label) == TOPIC_LABEL_MAX for label in labels)
    profile = Profile(**{**STORED.__dict__, "topics": tuple(labels[-MAX_TOPICS:])})
    view = modal(topics=labels, profile=profile, editing=True)
    if count:
        assert sorted(offered(view, Ids.TOPICS_BLOCK)) == sorted(labels)
        assert initial(view, Ids.TOPICS_BLOCK) == labels[-MAX_TOPICS:]


def test_up_to_100_topics_are_one_list_in_the_programs_order() -> None:
    labels = list(reversed(_labels(100)))
    el = element(modal(topics=labels), Ids.TOPICS_BLOCK)
    assert "option_groups" not in el
    assert [o["value"] for o in el["options"]] == labels


def test_150_topics_become_alphabetical_groups_of_at_most_100() -> None:
    labels = [f"{chr(ord('A') + i % 26)} topic {i}" for i in range(150)]
    el = element(modal(topics=labels), Ids.TOPICS_BLOCK)
    assert "options" not in el
    groups = el["option_groups"]
    assert [len(g["options"]) for g in groups] == [75, 75]
    values = [o["value"] for g in groups for o in g["options"]]
    assert values == sorted(labels, key=str.casefold)
    assert [g["label"]["text"] for g in groups] == ["Topics A–M", "Topics M–Z"]


def test_a_huge_topic_list_is_capped_but_keeps_the_persons_choices() -> None:
    labels = [f"Topic {i:04d} " + "😀" * 60 for i in range(1000)]
    chosen = (labels[999], labels[0])
    profile = Profile(**{**STORED.__dict__, "topics": chosen, "goals": "😀" * GOALS_MAX})
    view = modal(topics=labels, profile=profile, editing=True)
    values = offered(view, Ids.TOPICS_BLOCK)
    assert len(values) == MAX_TOPIC_CHOICES + 1
    assert set(chosen) <= set(values)
    assert initial(view, Ids.TOPICS_BLOCK) == list(chosen)
    assert view_size(view) < 250 * 1024


def test_duplicate_and_blank_topics_are_offered_once() -> None:
    values = offered(modal(topics=["NLP", "NLP", " ", "", "MLOps"]), Ids.TOPICS_BLOCK)
    assert values == ["NLP", "MLOps"]


def test_without_topics_the_field_is_replaced_by_a_note() -> None:
    view = modal(topics=[])
    assert Ids.TOPICS_BLOCK not in {b.get("block_id") for b in view["blocks"]}
    note = block(view, Ids.NO_TOPICS_BLOCK)["elements"][0]["text"]
    assert "coordinator" in note


def test_too_many_stored_topics_preselect_only_max_topics() -> None:
    profile = Profile(**{**STORED.__dict__, "topics": TOPICS})
    view = modal(topics=TOPICS, profile=profile, editing=True)
    assert initial(view, Ids.TOPICS_BLOCK) == list(TOPICS[:MAX_TOPICS])


# --- leaving ------------------------------------------------------------------------------


def leave(active: int) -> tuple[dict[str, Any], str]:
    view = leave_confirmation_modal(active_mentorships=active, private_metadata="p").to_dict()
    assert validate_view(view) == []
    return view, " ".join(b["text"]["text"] for b in view["blocks"])


def test_the_leave_confirmation_is_a_kind_explicit_question() -> None:
    view, text = leave(0)
    assert view["callback_id"] == Ids.LEAVE_CALLBACK == "enrollment.leave"
    assert view["title"]["text"] == "Leave the program"
    assert view["submit"]["text"] == "Leave"
    assert view["close"]["text"] == "Stay"
    assert view["private_metadata"] == "p"
    for point in ("mentorships end", "kindly", "deleted", "anonymous counts", "start fresh"):
        assert point in text


@pytest.mark.parametrize(
    ("active", "phrase"),
    [(1, "Your 1 active mentorship will end"), (3, "Your 3 active mentorships will end")],
)
def test_the_leave_confirmation_counts_active_mentorships(active: int, phrase: str) -> None:
    assert phrase in leave(active)[1]


def test_without_active_mentorships_no_number_is_shown() -> None:
    assert "Your 0" not in leave(0)[1]
