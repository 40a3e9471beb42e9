"""The role guide and the welcome DM: right for each role, and valid wherever they go."""

from __future__ import annotations

from typing import Any

import pytest
from slack_sdk.models.blocks import Block

from bot.db.enums import EnrollmentRole
from bot.emulator.blockkit import Surface, validate_blocks
from bot.profile import BIO_MAX, GOALS_MAX, MAX_TOPICS, TOPIC_LABEL_MAX, Profile
from bot.views.guides import GuideIds, role_guide_blocks, role_guide_text, welcome_dm

ROLES = list(EnrollmentRole)


def dicts(blocks: list[Block]) -> list[dict[str, Any]]:
    return [b.to_dict() for b in blocks]


def all_text(blocks: list[Block]) -> str:
    parts = []
    for b in dicts(blocks):
        if "text" in b:
            parts.append(b["text"]["text"])
        parts += [e.get("text", "") for e in b.get("elements", [])]
    return "\n".join(parts)


def profile(role: EnrollmentRole, **changes: Any) -> Profile:
    fields: dict[str, Any] = {
        "role": role,
        "topics": ("NLP", "MLOps"),
        "goals": "Move from backend work into ML engineering.",
        "capacity": 3,
        "timezone": "Europe/Paris",
    }
    return Profile(**{**fields, **changes})


# --- the guide ----------------------------------------------------------------------------


@pytest.mark.parametrize("surface", ["message", "home", "modal"])
@pytest.mark.parametrize("role", ROLES)
def test_the_guide_validates_everywhere_it_is_shown(role: EnrollmentRole, surface: Surface) -> None:
    assert validate_blocks(dicts(role_guide_blocks(role)), surface=surface) == []


MENTEE_POINTS = ("what you need and why", "short agenda", "Own your growth")
MENTOR_POINTS = ("Listen first", "Ask questions", "specific and kind", "boundaries")
SHARED_POINTS = ("kickoff conversation", "Every two weeks", "Revisit your goals", "rematch")


@pytest.mark.parametrize(
    ("role", "present", "absent"),
    [
        (EnrollmentRole.MENTEE, MENTEE_POINTS + SHARED_POINTS, MENTOR_POINTS),
        (EnrollmentRole.MENTOR, MENTOR_POINTS + SHARED_POINTS, MENTEE_POINTS),
        (EnrollmentRole.BOTH, MENTEE_POINTS + MENTOR_POINTS + SHARED_POINTS, ()),
    ],
)
def test_each_role_gets_its_own_advice(
    role: EnrollmentRole, present: tuple[str, ...], absent: tuple[str, ...]
) -> None:
    for text in (all_text(role_guide_blocks(role)), role_guide_text(role)):
        for point in present:
            assert point in text
        for point in absent:
            assert point not in text


def test_the_kickoff_covers_objectives_schedule_outcomes_and_first_goals() -> None:
    text = role_guide_text(EnrollmentRole.MENTEE)
    kickoff = next(line for line in text.splitlines() if "kickoff" in line)
    for topic in ("want from it", "how often", "outcomes", "first goals"):
        assert topic in kickoff


@pytest.mark.parametrize("role", ROLES)
def test_the_guide_is_scannable(role: EnrollmentRole) -> None:
    blocks = dicts(role_guide_blocks(role))
    assert blocks[0]["type"] == "header"
    assert blocks[0]["block_id"] == GuideIds.HEADER
    assert len(blocks) <= 4
    bullets = [line for line in all_text(role_guide_blocks(role)).splitlines() if line[:1] == "•"]
    assert 6 <= len(bullets) <= 12
    assert all(len(b) <= 200 for b in bullets)


@pytest.mark.parametrize("role", ROLES)
def test_text_and_blocks_say_the_same_thing(role: EnrollmentRole) -> None:
    bullets = {line for line in all_text(role_guide_blocks(role)).splitlines() if line[:1] == "•"}
    assert bullets == {line for line in role_guide_text(role).splitlines() if line[:1] == "•"}


# --- the welcome DM -----------------------------------------------------------------------


@pytest.mark.parametrize("role", ROLES)
def test_the_welcome_dm_validates_for_each_role(role: EnrollmentRole) -> None:
    text, blocks = welcome_dm(profile(role), first_name="Ada")
    assert text.strip()
    assert validate_blocks(dicts(blocks), surface="message") == []
    assert "Thanks for joining, Ada!" in text


def test_a_mentee_is_told_how_to_find_a_mentor() -> None:
    text, blocks = welcome_dm(profile(EnrollmentRole.MENTEE), first_name="Ada")
    for said in (text, all_text(blocks)):
        assert "/mentor find" in said
        assert "with the reasons" in said
        assert "Accept" not in said


def test_a_mentor_is_told_requests_come_here_within_their_capacity() -> None:
    text, blocks = welcome_dm(profile(EnrollmentRole.MENTOR), first_name="Ada")
    for said in (text, all_text(blocks)):
        assert "Accept" in said and "Decline" in said
        assert "never send more than you can take" in said
        assert "up to 3" in said
        assert "/mentor find" not in said


def test_someone_doing_both_is_told_both() -> None:
    text, _ = welcome_dm(profile(EnrollmentRole.BOTH), first_name=None)
    assert "/mentor find" in text
    assert "Accept" in text


@pytest.mark.parametrize("role", ROLES)
def test_the_welcome_dm_carries_the_guide_and_points_to_home(role: EnrollmentRole) -> None:
    text, blocks = welcome_dm(profile(role), first_name="Ada")
    assert role_guide_text(role) in text
    ids = [b["block_id"] for b in dicts(blocks) if "block_id" in b]
    assert GuideIds.HEADER in ids
    assert len(ids) == len(set(ids))
    assert "Home tab" in all_text(blocks)
    assert "Home tab" in text


def test_the_summary_is_one_line_about_their_profile() -> None:
    p = profile(EnrollmentRole.MENTEE, topics=("NLP", "MLOps", "Research", "Leadership"))
    text, _ = welcome_dm(p, first_name="Ada")
    summary = next(line for line in text.splitlines() if line.startswith("Your profile:"))
    assert "Looking for a mentor" in summary
    assert "NLP, MLOps, Research +1 more" in summary
    assert "every two weeks by video call" in summary
    assert "Europe/Paris" in summary


@pytest.mark.parametrize("first_name", [None, "", "   "])
def test_no_first_name_still_reads_well(first_name: str | None) -> None:
    text, _ = welcome_dm(profile(EnrollmentRole.MENTEE), first_name=first_name)
    assert text.startswith("Thanks for joining!")


def test_names_and_topics_cannot_inject_markup() -> None:
    p = profile(EnrollmentRole.MENTOR, topics=("R&D <ops>",))
    text, blocks = welcome_dm(p, first_name="<!channel> & co")
    assert "<!channel>" not in text
    assert "<!channel>" not in all_text(blocks)
    assert "R&amp;D &lt;ops&gt;" in all_text(blocks)


def test_the_largest_profile_still_fits() -> None:
    p = profile(
        EnrollmentRole.BOTH,
        topics=tuple(f"{i} " + "é" * (TOPIC_LABEL_MAX - 2) for i in range(MAX_TOPICS)),
        goals="😀" * GOALS_MAX,
        bio="é" * BIO_MAX,
        capacity=5,
        mentors_wanted=3,
    )
    _, blocks = welcome_dm(p, first_name="A" * 500)
    assert validate_blocks(dicts(blocks), surface="message") == []
