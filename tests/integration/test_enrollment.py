"""Enrollment: people join, keep and leave their mentorship profile through modals."""

from __future__ import annotations

import threading
from datetime import UTC, datetime
from typing import Any

import pytest
from sqlalchemy import select
from sqlalchemy.orm import selectinload

from bot.db.enums import (
    Cadence,
    EnrollmentRole,
    EnrollmentStatus,
    MentorshipStatus,
    OutboxStatus,
)
from bot.db.models import AuditEntry, Enrollment, Mentorship, Person
from bot.emulator import validate_blocks, validate_view
from bot.profile import BIO_MAX, GOALS_MAX
from bot.programs import current_program
from bot.views.enrollment import EnrollmentIds as Ids
from bot.views.home import HomeIds
from tests.integration.conftest import TEAM, Rig
from tests.storage import add_enrollment, add_mentorship, add_person

ANA = "U0ANA0001"  # wants a mentor
BEN = "U0BEN0001"  # mentors
GOALS = "I want to move from backend work into ML engineering within a year."


@pytest.fixture(autouse=True)
def people(rig: Rig) -> None:
    rig.emulator.add_user(ANA, name="ana", real_name="Ana Lima", tz="Europe/Lisbon")
    rig.emulator.add_user(BEN, name="ben", real_name="Ben Okafor", tz="America/New_York")


def open_join_form(rig: Rig, user: str, text: str = "join") -> dict[str, Any]:
    response = rig.slack.slash_command(user, text)
    assert response.status == 200
    [opened] = rig.emulator.wait_for("views.open", predicate=lambda c: c.ok)
    return opened.args["view"]


def values(**fields: Any) -> dict[str, dict[str, Any]]:
    """The fields a person changes in the form; the rest keep their pre-filled values."""
    blocks = {
        "role": (Ids.ROLE_BLOCK, Ids.ROLE_ACTION),
        "topics": (Ids.TOPICS_BLOCK, Ids.TOPICS_ACTION),
        "goals": (Ids.GOALS_BLOCK, Ids.GOALS_ACTION),
        "bio": (Ids.BIO_BLOCK, Ids.BIO_ACTION),
        "capacity": (Ids.CAPACITY_BLOCK, Ids.CAPACITY_ACTION),
        "cadence": (Ids.CADENCE_BLOCK, Ids.CADENCE_ACTION),
        "timezone": (Ids.TIMEZONE_BLOCK, Ids.TIMEZONE_ACTION),
    }
    return {blocks[name][0]: {blocks[name][1]: value} for name, value in fields.items()}


def topic_options(view: dict[str, Any], *labels: str) -> list[str]:
    """The option values of these topic labels, as the person's clicks would send them."""
    [block] = [b for b in view["blocks"] if b.get("block_id") == Ids.TOPICS_BLOCK]
    element = block["element"]
    options = element.get("options") or [
        option for group in element.get("option_groups", []) for option in group["options"]
    ]
    by_label = {option["text"]["text"]: option["value"] for option in options}
    return [by_label[label] for label in labels]


def join(rig: Rig, user: str, **fields: Any) -> Any:
    view = open_join_form(rig, user)
    rig.emulator.clear()
    fields.setdefault("goals", GOALS)
    fields.setdefault("topics", ["Machine learning engineering", "MLOps"])
    fields["topics"] = topic_options(view, *fields["topics"])
    return rig.slack.view_submission(user, values=values(**fields))


def enrollment_row(rig: Rig, user: str) -> Enrollment | None:
    with rig.runtime.deps.sessions() as session:
        return session.scalar(
            select(Enrollment)
            .join(Person)
            .where(Person.slack_user_id == user, Person.team_id == TEAM)
            .options(selectinload(Enrollment.topics))
        )


def delivered_to(rig: Rig, user: str) -> list[dict[str, Any]]:
    rig.run_due()
    return [c.args for c in rig.emulator.calls("chat.postMessage") if c.args["channel"] == user]


# --- joining -----------------------------------------------------------------------------


def test_join_opens_the_form_in_time_prefilled_from_the_slack_profile(rig: Rig) -> None:
    started = datetime.now(UTC).timestamp()
    view = open_join_form(rig, ANA)

    opened = rig.emulator.last("views.open")
    assert opened.at - started < 3.0  # inside Slack's trigger window
    assert view["callback_id"] == Ids.CALLBACK
    assert validate_view(view) == []
    [tz_block] = [b for b in view["blocks"] if b.get("block_id") == Ids.TIMEZONE_BLOCK]
    assert tz_block["element"]["initial_value"] == "Europe/Lisbon"


def test_a_valid_form_stores_the_profile_closes_and_confirms_by_dm(rig: Rig) -> None:
    response = join(rig, ANA, cadence="monthly")

    assert response.status == 200 and not response.text  # an empty ack closes the modal
    row = enrollment_row(rig, ANA)
    assert row is not None
    assert (row.role, row.status, row.cadence) == (
        EnrollmentRole.MENTEE,
        EnrollmentStatus.ACTIVE,
        Cadence.MONTHLY,
    )
    assert row.goals == GOALS
    [welcome] = delivered_to(rig, ANA)
    assert "/mentor find" in welcome["text"]
    assert validate_blocks(welcome["blocks"], surface="message") == []


def test_the_welcome_comes_with_the_role_guide_and_the_home_shows_the_profile(rig: Rig) -> None:
    join(rig, BEN, role="mentor", bio="Moved from web development to ML; happy to help.")
    rig.run_due()

    home = rig.emulator.home_view(BEN)
    assert home is not None and validate_view(home) == []
    block_ids = {b.get("block_id") for b in home["blocks"]}
    assert {"home.status", "home.profile", "home.goals"} <= block_ids
    actions = [
        e["action_id"] for b in home["blocks"] if b["type"] == "actions" for e in b["elements"]
    ]
    assert {HomeIds.EDIT, HomeIds.PAUSE, HomeIds.GUIDE, HomeIds.LEAVE} <= set(actions)
    assert HomeIds.FIND not in actions  # a mentor-only profile is not looking for a mentor


@pytest.mark.parametrize(
    ("fields", "block", "says"),
    [
        ({"goals": ""}, Ids.GOALS_BLOCK, ""),
        ({"goals": "ML"}, Ids.GOALS_BLOCK, ""),
        ({"topics": []}, Ids.TOPICS_BLOCK, "topic"),
        ({"timezone": "Mars/Olympus_Mons"}, Ids.TIMEZONE_BLOCK, "time zone"),
        # Not an option of the select: only a crafted request can send it.
        (
            {"capacity": {"type": "static_select", "selected_option": {"value": "9"}}},
            Ids.CAPACITY_BLOCK,
            "",
        ),
    ],
)
def test_a_bad_value_is_shown_beside_its_field_and_nothing_is_stored(
    rig: Rig, fields: dict[str, Any], block: str, says: str
) -> None:
    response = join(rig, ANA, **fields)

    body = response.json
    assert body["response_action"] == "errors"
    assert block in body["errors"]
    assert says.lower() in body["errors"][block].lower()
    assert enrollment_row(rig, ANA) is None
    assert rig.outbox() == []


def test_goals_longer_than_the_limit_are_refused_beside_the_field(rig: Rig) -> None:
    view = open_join_form(rig, ANA)
    [goals_block] = [b for b in view["blocks"] if b.get("block_id") == Ids.GOALS_BLOCK]
    assert goals_block["element"]["max_length"] == GOALS_MAX

    # Slack enforces max_length in the client; a crafted request must still be refused.
    response = rig.slack.view_submission(
        ANA,
        values=values(goals="x" * (GOALS_MAX + 1), topics=topic_options(view, "NLP")),
    )

    assert Ids.GOALS_BLOCK in response.json["errors"]


# --- keeping a profile ---------------------------------------------------------------------


def test_profile_reopens_the_same_form_filled_and_saving_updates_in_place(rig: Rig) -> None:
    join(rig, ANA)
    rig.run_due()  # the welcome
    rig.emulator.clear()

    view = open_join_form(rig, ANA, text="profile")
    [goals_block] = [b for b in view["blocks"] if b.get("block_id") == Ids.GOALS_BLOCK]
    assert goals_block["element"]["initial_value"] == GOALS
    assert view["title"]["text"] != "Join mentorbot"

    rig.slack.view_submission(ANA, values=values(goals=GOALS + " Also MLOps."))

    with rig.runtime.deps.sessions() as session:
        rows = session.scalars(select(Enrollment)).all()
    assert len(rows) == 1 and rows[0].goals.endswith("Also MLOps.")
    assert len(delivered_to(rig, ANA)) == 0  # no second welcome for an edit


def test_a_double_submit_stores_one_profile_and_sends_one_welcome(rig: Rig) -> None:
    view = open_join_form(rig, ANA)
    submitted = values(goals=GOALS, topics=topic_options(view, "NLP"))
    barrier = threading.Barrier(2)
    responses = []

    def submit() -> None:
        barrier.wait()
        responses.append(rig.slack.view_submission(ANA, view=view, values=submitted))

    threads = [threading.Thread(target=submit) for _ in range(2)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join(10)

    assert [r.status for r in responses] == [200, 200]
    with rig.runtime.deps.sessions() as session:
        assert len(session.scalars(select(Enrollment)).all()) == 1
    assert len([m for m in delivered_to(rig, ANA) if "blocks" in m]) == 1


def test_a_stored_profile_at_every_maximum_still_renders_valid_views(rig: Rig) -> None:
    long_goals = ("é" * (GOALS_MAX - 1)) + "🚀"
    join(rig, BEN, role="both", goals=long_goals, bio="b" * BIO_MAX)
    rig.run_due()
    rig.emulator.clear()

    view = open_join_form(rig, BEN, text="profile")

    assert validate_view(view) == []
    assert validate_view(rig.emulator.home_view(BEN)) == []
    assert all(call.ok for call in rig.emulator.calls())


# --- pausing ---------------------------------------------------------------------------


def test_a_mentor_can_pause_and_resume_without_touching_current_pairs(rig: Rig) -> None:
    join(rig, BEN, role="mentor")

    paused = rig.slack.slash_command(BEN, "pause").json
    assert "Paused" in paused["text"]
    assert enrollment_row(rig, BEN).status is EnrollmentStatus.PAUSED

    resumed = rig.slack.slash_command(BEN, "resume").json
    assert "again" in resumed["text"]
    assert enrollment_row(rig, BEN).status is EnrollmentStatus.ACTIVE


def test_pause_is_explained_to_a_mentee_and_to_someone_not_enrolled(rig: Rig) -> None:
    not_enrolled = rig.slack.slash_command(ANA, "pause").json
    join(rig, ANA)
    mentee = rig.slack.slash_command(ANA, "pause").json

    assert "/mentor join" in not_enrolled["text"]
    assert "for mentors" in mentee["text"]
    assert enrollment_row(rig, ANA).status is EnrollmentStatus.ACTIVE


# --- leaving ------------------------------------------------------------------------------


def _pair_with_partner(rig: Rig) -> None:
    """BEN (enrolled through the form) mentors CARA, who joined earlier."""
    with rig.runtime.deps.sessions() as session:
        program = current_program(session, TEAM, datetime.now(UTC))
        ben = session.scalar(select(Person).where(Person.slack_user_id == BEN))
        cara = add_person(session, slack_user_id="U0CARA001", display_name="Cara")
        add_enrollment(session, program, cara)
        add_mentorship(session, program, ben, cara)
        ben_enrollment = session.scalar(select(Enrollment).where(Enrollment.person_id == ben.id))
        ben_enrollment.active_mentee_count = 1
        session.commit()


def test_leave_asks_first_then_ends_pairs_kindly_and_forgets_what_they_wrote(rig: Rig) -> None:
    join(rig, BEN, role="mentor", bio="Moved from web development to ML.")
    _pair_with_partner(rig)
    rig.emulator.clear()

    rig.slack.slash_command(BEN, "leave")
    [opened] = rig.emulator.wait_for("views.open")
    assert opened.args["view"]["callback_id"] == Ids.LEAVE_CALLBACK
    assert enrollment_row(rig, BEN).status is EnrollmentStatus.ACTIVE  # nothing yet

    rig.slack.view_submission(BEN)

    row = enrollment_row(rig, BEN)
    assert row.status is EnrollmentStatus.LEFT
    assert (row.goals, row.bio, row.topics) == (None, None, [])
    with rig.runtime.deps.sessions() as session:
        mentorship = session.scalar(select(Mentorship))
        ben = session.scalar(select(Person).where(Person.slack_user_id == BEN))
        actions = session.scalars(select(AuditEntry.action)).all()
    assert mentorship.status is MentorshipStatus.ENDED
    assert (ben.display_name, ben.real_name) == ("", None)
    assert "enrollment.left" in actions
    [to_partner] = delivered_to(rig, "U0CARA001")
    assert "has left the mentorship program" in to_partner["text"]
    *_welcome, confirmation = delivered_to(rig, BEN)
    assert "deleted" in confirmation["text"]


def test_joining_again_after_leaving_starts_clean(rig: Rig) -> None:
    join(rig, ANA, goals="My first goals were about computer vision research.")
    rig.slack.slash_command(ANA, "leave")
    rig.emulator.wait_for("views.open")
    rig.slack.view_submission(ANA)
    rig.emulator.clear()

    view = open_join_form(rig, ANA)
    [goals_block] = [b for b in view["blocks"] if b.get("block_id") == Ids.GOALS_BLOCK]
    assert "computer vision" not in goals_block["element"].get("initial_value", "")
    rig.slack.view_submission(ANA, values=values(goals=GOALS, topics=topic_options(view, "NLP")))

    row = enrollment_row(rig, ANA)
    assert (row.status, row.goals) == (EnrollmentStatus.ACTIVE, GOALS)
    assert [t.label for t in row.topics] == ["NLP"]


# --- who may join --------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("user", "kind", "says"),
    [
        ("U0BOT0001", {"is_bot": True}, "Bots"),
        ("U0GONE001", {"deleted": True}, "deactivated"),
        ("U0GUEST01", {"is_restricted": True}, "guest"),
        ("U0GUEST02", {"is_ultra_restricted": True}, "guest"),
    ],
)
def test_bots_deactivated_users_and_guests_cannot_enroll(
    rig: Rig, user: str, kind: dict[str, bool], says: str
) -> None:
    rig.emulator.add_user(user, name=user.lower(), **kind)

    response = rig.slack.slash_command(user, "join")
    [reply] = rig.emulator.wait_for("response_url")

    assert response.status == 200
    assert says in reply.args["text"]
    assert reply.args.get("response_type") == "ephemeral"
    assert rig.emulator.calls("views.open") == []
    assert enrollment_row(rig, user) is None


def test_find_for_someone_not_enrolled_starts_with_the_join_form(rig: Rig) -> None:
    view = open_join_form(rig, ANA, text="find")

    assert view["callback_id"] == Ids.CALLBACK


def test_the_home_join_button_opens_the_same_form(rig: Rig) -> None:
    rig.slack.app_home_opened(ANA)
    rig.wait_queued(1)
    rig.run_due()

    rig.slack.block_action(ANA, action_id=HomeIds.JOIN)

    [opened] = rig.emulator.wait_for("views.open")
    assert opened.args["view"]["callback_id"] == Ids.CALLBACK


def test_the_guide_is_one_click_away_on_the_home_tab(rig: Rig) -> None:
    join(rig, ANA)
    rig.run_due()
    rig.emulator.clear()

    rig.slack.block_action(ANA, action_id=HomeIds.GUIDE)

    [opened] = rig.emulator.wait_for("views.open")
    assert opened.ok
    assert "agenda" in str(opened.args["view"]).lower()


def test_every_message_the_enrollment_flow_sent_was_accepted_by_slack(rig: Rig) -> None:
    join(rig, ANA)
    rig.slack.slash_command(ANA, "profile")
    rig.run_due()

    assert rig.emulator.calls()
    assert [c.method for c in rig.emulator.calls() if not c.ok] == []
    assert {m.status for m in rig.outbox()} == {OutboxStatus.SENT}


def test_a_form_from_someone_never_seen_does_not_name_them_by_their_user_name(rig: Rig) -> None:
    # Ben submits a form he never opened (a crafted or stale request): his row is created
    # from the submission, whose "name" is the raw user name.
    view = open_join_form(rig, ANA)
    response = rig.slack.view_submission(
        BEN, view=view, values=values(goals=GOALS, topics=topic_options(view, "NLP"))
    )

    assert response.status == 200
    with rig.runtime.deps.sessions() as session:
        ben = session.scalar(select(Person).where(Person.slack_user_id == BEN))
    assert ben is not None and ben.display_name != "ben"
