"""The enrollment listeners called alone, on SQLite and PostgreSQL, Slack being the emulator."""

# ruff: noqa: F811 (pytest passes the imported fixtures back in by name)

from __future__ import annotations

from datetime import UTC, datetime
from typing import Any

from slack_sdk import WebClient
from sqlalchemy import func, select

from bot.db.enums import EnrollmentRole, EnrollmentStatus
from bot.db.models import Enrollment, OutboxMessage, Person
from bot.deps import Deps
from bot.emulator import SlackEmulator
from bot.enrollment import save_profile
from bot.onboarding import LEFT_TEXT, SLACK_BUSY
from bot.people import SlackProfile, upsert_person
from bot.profile import Profile
from bot.programs import current_program
from bot.views.enrollment import EnrollmentIds as Ids
from bot.views.enrollment import submission_values
from handlers import enrollment as listeners
from tests.storage import add_mentorship
from tests.unit.handlers.enrollment_kit import (  # noqa: F401 (fixtures)
    TEAM,
    Recorder,
    click,
    client,
    context,
    deps,
    emulator,
    invocation,
)

ANA = "U0ANA0001"
BEN = "U0BEN0001"
GOALS = "I want to move from backend work into ML engineering within a year."


def enroll(deps: Deps, user: str, role: EnrollmentRole) -> None:
    now = datetime.now(UTC)
    with deps.uow() as uow:
        program = current_program(uow.session, TEAM, now)
        person = upsert_person(uow.session, TEAM, SlackProfile(user, display_name=user[2:5]))
        profile = Profile(role=role, topics=("NLP",), goals=GOALS)
        save_profile(uow.session, program=program, person=person, profile=profile, now=now)


def status_of(deps: Deps, user: str) -> EnrollmentStatus | None:
    with deps.sessions() as session:
        return session.scalar(
            select(Enrollment.status).join(Person).where(Person.slack_user_id == user)
        )


def dm_texts(deps: Deps, user: str) -> list[str]:
    with deps.sessions() as session:
        rows = session.scalars(select(OutboxMessage).order_by(OutboxMessage.id))
        return [m.payload["text"] for m in rows if m.payload.get("channel") == user]


def submission(user: str, profile: Profile) -> dict[str, Any]:
    view = {"callback_id": Ids.CALLBACK, "state": {"values": submission_values(profile)}}
    return {"body": click(user) | {"type": "view_submission", "view": view}, "view": view}


# --- /mentor join and the Home's Join button ------------------------------------------------


def test_join_opens_the_form_for_a_newcomer(
    deps: Deps, client: WebClient, emulator: SlackEmulator
) -> None:
    emulator.add_user(ANA, real_name="Ana Lima", tz="Europe/Lisbon")
    call, ack, respond = invocation(deps, client, ANA, "join", emulator.new_trigger_id(ANA))

    listeners.join(call)

    assert ack.calls == [{}] and respond.calls == []
    [opened] = emulator.calls("views.open")
    assert opened.ok and opened.args["view"]["callback_id"] == Ids.CALLBACK


def test_a_guest_is_told_kindly_they_cannot_join_and_nothing_is_stored(
    deps: Deps, client: WebClient, emulator: SlackEmulator
) -> None:
    emulator.add_user(ANA, is_restricted=True)
    call, ack, respond = invocation(deps, client, ANA, "join", emulator.new_trigger_id(ANA))

    listeners.join(call)

    assert ack.calls == [{}]
    assert respond.calls == [
        {
            "text": "The mentorship program is open to full members of this workspace, "
            "and guest accounts can't join. Your program coordinator can tell you more.",
            "response_type": "ephemeral",
        }
    ]
    assert emulator.calls("views.open") == []
    with deps.sessions() as session:
        assert session.scalar(select(func.count()).select_from(Person)) == 0


def test_a_home_join_click_while_slack_is_busy_is_answered_by_dm(
    deps: Deps, client: WebClient, emulator: SlackEmulator, context: dict[str, Any]
) -> None:
    emulator.add_user(ANA)
    emulator.fail("users.info", error="fatal_error")
    ack = Recorder()

    listeners.on_home_form(
        ack=ack, body=click(ANA, emulator.new_trigger_id(ANA)), client=client, context=context
    )

    assert ack.calls == [{}]
    assert dm_texts(deps, ANA) == [SLACK_BUSY]
    assert emulator.calls("views.open") == []


# --- pause and resume -----------------------------------------------------------------------


def test_pause_and_resume_answer_each_case(deps: Deps, client: WebClient) -> None:
    def say(user: str, text: str) -> str:
        call, ack, _ = invocation(deps, client, user, text)
        {"pause": listeners.pause, "resume": listeners.resume}[text](call)
        [answer] = ack.calls
        assert answer["response_type"] == "ephemeral"
        return answer["text"]

    assert say(BEN, "pause").startswith("You're not in the mentorship program yet.")
    enroll(deps, ANA, EnrollmentRole.MENTEE)
    enroll(deps, BEN, EnrollmentRole.MENTOR)

    assert say(ANA, "pause").startswith("Pausing is for mentors")
    assert status_of(deps, ANA) is EnrollmentStatus.ACTIVE
    assert say(BEN, "pause").startswith("Paused: you won't get new mentee requests")
    assert status_of(deps, BEN) is EnrollmentStatus.PAUSED
    assert say(BEN, "pause").startswith("You're already paused.")
    assert say(BEN, "resume") == "Welcome back: you can get new mentee requests again."
    assert say(BEN, "resume") == "You're already open to new mentees."
    assert status_of(deps, BEN) is EnrollmentStatus.ACTIVE


def test_the_home_pause_button_pauses_a_mentor_and_refreshes_their_home(
    deps: Deps, context: dict[str, Any]
) -> None:
    enroll(deps, BEN, EnrollmentRole.MENTOR)
    ack = Recorder()

    listeners.on_home_pause(ack=ack, body=click(BEN), context=context)

    assert ack.calls == [{}]
    assert status_of(deps, BEN) is EnrollmentStatus.PAUSED
    with deps.sessions() as session:
        published = session.scalars(
            select(OutboxMessage).where(OutboxMessage.method == "views.publish")
        ).all()
    assert [m.payload["user_id"] for m in published] == [BEN]


# --- the profile form's submission ----------------------------------------------------------


def test_a_valid_submission_enrolls_and_queues_one_welcome(
    deps: Deps, context: dict[str, Any]
) -> None:
    profile = Profile(role=EnrollmentRole.MENTEE, topics=("NLP",), goals=GOALS)
    with deps.uow() as uow:
        current_program(uow.session, TEAM, datetime.now(UTC))  # the default topics
    for _ in range(2):  # a double submit saves twice and welcomes once
        ack = Recorder()
        listeners.on_profile_submitted(ack=ack, context=context, **submission(ANA, profile))
        assert ack.calls == [{}]

    assert status_of(deps, ANA) is EnrollmentStatus.ACTIVE
    [welcome] = dm_texts(deps, ANA)  # the Home refreshes are views.publish, not DMs
    assert "Thanks for joining" in welcome


def test_a_form_naming_no_real_program_saves_to_the_current_one(
    deps: Deps, context: dict[str, Any]
) -> None:
    profile = Profile(role=EnrollmentRole.MENTEE, topics=("NLP",), goals=GOALS)
    for metadata in ("2147483648", "999", "not a number"):  # past int4, no such row, junk
        ack = Recorder()
        sent = submission(ANA, profile)
        sent["view"]["private_metadata"] = metadata
        listeners.on_profile_submitted(ack=ack, context=context, **sent)
        assert ack.calls == [{}]

    assert status_of(deps, ANA) is EnrollmentStatus.ACTIVE


def test_an_incomplete_submission_is_answered_beside_the_fields(
    deps: Deps, context: dict[str, Any]
) -> None:
    ack = Recorder()
    view = {"callback_id": Ids.CALLBACK, "state": {"values": {}}}

    listeners.on_profile_submitted(ack=ack, body=click(ANA), view=view, context=context)

    [answer] = ack.calls
    assert answer["response_action"] == "errors"
    assert {Ids.ROLE_BLOCK, Ids.GOALS_BLOCK, Ids.TIMEZONE_BLOCK} <= set(answer["errors"])
    assert status_of(deps, ANA) is None


def test_dropping_the_mentor_role_while_mentoring_is_refused_beside_the_role(
    deps: Deps, context: dict[str, Any]
) -> None:
    enroll(deps, BEN, EnrollmentRole.MENTOR)
    enroll(deps, ANA, EnrollmentRole.MENTEE)
    with deps.uow() as uow:
        program = current_program(uow.session, TEAM, datetime.now(UTC))
        ben, ana = (
            uow.session.scalar(select(Person).filter_by(slack_user_id=u)) for u in (BEN, ANA)
        )
        add_mentorship(uow.session, program, ben, ana)
        uow.session.scalar(select(Enrollment).filter_by(person_id=ben.id)).active_mentee_count = 1
    ack = Recorder()
    as_mentee = Profile(role=EnrollmentRole.MENTEE, topics=("NLP",), goals=GOALS)

    listeners.on_profile_submitted(ack=ack, context=context, **submission(BEN, as_mentee))

    [answer] = ack.calls
    assert answer["response_action"] == "errors"
    assert list(answer["errors"]) == [Ids.ROLE_BLOCK]
    assert answer["errors"][Ids.ROLE_BLOCK].startswith("You're mentoring 1 person right now")
    with deps.sessions() as session:
        role = session.scalar(select(Enrollment.role).join(Person).filter_by(slack_user_id=BEN))
    assert role is EnrollmentRole.MENTOR


# --- leaving --------------------------------------------------------------------------------


def test_leave_for_a_non_member_says_how_to_join_and_opens_nothing(
    deps: Deps, client: WebClient, emulator: SlackEmulator
) -> None:
    emulator.add_user(ANA)
    call, ack, respond = invocation(deps, client, ANA, "leave", emulator.new_trigger_id(ANA))

    listeners.leave(call)

    assert ack.calls == [{}]
    assert respond.texts == [
        "You're not in the mentorship program yet. Type `/mentor join` to join."
    ]
    assert emulator.calls("views.open") == []


def test_leave_opens_the_confirmation_and_two_confirmations_leave_once(
    deps: Deps, client: WebClient, emulator: SlackEmulator, context: dict[str, Any]
) -> None:
    emulator.add_user(ANA)
    enroll(deps, ANA, EnrollmentRole.MENTEE)
    call, _, _ = invocation(deps, client, ANA, "leave", emulator.new_trigger_id(ANA))
    listeners.leave(call)
    [opened] = emulator.calls("views.open")
    assert opened.args["view"]["callback_id"] == Ids.LEAVE_CALLBACK

    for _ in range(2):
        ack = Recorder()
        listeners.on_leave_confirmed(ack=ack, body=click(ANA), context=context)
        assert ack.calls == [{}]

    assert status_of(deps, ANA) is EnrollmentStatus.LEFT
    assert dm_texts(deps, ANA).count(LEFT_TEXT) == 1
