"""`/mentor find`: mentors who fit, with reasons; choose up to three; a note; requests."""

from __future__ import annotations

import logging
from datetime import UTC, datetime
from typing import Any

import pytest
from sqlalchemy import select

from bot.db.enums import EnrollmentRole, EnrollmentStatus, RequestStatus
from bot.db.models import Enrollment, MentorshipRequest, Person
from bot.emulator import validate_view
from bot.programs import current_program
from bot.requests import Choice, decline, open_chain
from bot.views.find import FindIds
from bot.views.home import HomeIds
from bot.views.requests import RequestIds
from tests.integration.cast import enroll
from tests.integration.conftest import TEAM, Rig

ANA = "U0ANA0001"
SWITCHER, RESEARCHER, MANAGER = "U0SWI0001", "U0RES0001", "U0MAN0001"


@pytest.fixture(autouse=True)
def program(rig: Rig) -> None:
    enroll(
        rig,
        ANA,
        EnrollmentRole.MENTEE,
        topics=("Machine learning engineering",),
        goals="I want to move from backend work into ML engineering.",
    )
    enroll(
        rig,
        SWITCHER,
        EnrollmentRole.MENTOR,
        topics=("Machine learning engineering", "Career change into AI"),
        goals="Help others make the switch.",
        bio="Moved from web development to ML, happy to help others do it.",
    )
    enroll(
        rig,
        RESEARCHER,
        EnrollmentRole.MENTOR,
        topics=("Computer vision", "Research"),
        goals="Share research practice.",
        bio="Computer vision research on medical images.",
    )
    enroll(
        rig,
        MANAGER,
        EnrollmentRole.MENTOR,
        topics=("Leadership", "Machine learning engineering"),
        goals="Grow future leads.",
        bio="Leading data teams and hiring.",
    )
    rig.run_due()
    rig.emulator.clear()


def cards(view: dict[str, Any]) -> list[str]:
    """Mentor user ids in the order the modal shows them (picks excluded)."""
    shown = []
    for block in view["blocks"]:
        if block.get("block_id", "").startswith(FindIds.CARD_PREFIX):
            text = block["text"]["text"]
            shown.append(text[text.index("<@") + 2 : text.index(">")])
    return shown


def pause_every_mentor(rig: Rig) -> None:
    with rig.runtime.deps.sessions() as session:
        for user in (SWITCHER, RESEARCHER, MANAGER):
            enrollment = session.scalar(
                select(Enrollment).join(Person).where(Person.slack_user_id == user)
            )
            enrollment.status = EnrollmentStatus.PAUSED
        session.commit()


def person_id(rig: Rig, user: str) -> int:
    with rig.runtime.deps.sessions() as session:
        return session.scalar(select(Person.id).where(Person.slack_user_id == user))


def open_find(rig: Rig, user: str = ANA, text: str = "find") -> dict[str, Any]:
    """Run the command; the modal opens at once and the suggestions replace it."""
    rig.slack.slash_command(user, text)
    [opened] = rig.emulator.wait_for("views.open")
    assert opened.ok, opened.response
    assert opened.args["view"]["callback_id"] == FindIds.FINDING_CALLBACK
    [filled] = rig.emulator.wait_for("views.update")
    assert filled.ok, filled.response
    return filled.args["view"]


def top(rig: Rig, user: str = ANA) -> dict[str, Any]:
    rig.settle()
    return rig.emulator.top_view(user)


def test_find_shows_the_mentors_who_fit_best_first_with_reasons(rig: Rig) -> None:
    view = open_find(rig)

    assert view["callback_id"] == FindIds.SUGGESTIONS_CALLBACK
    assert validate_view(view) == []
    shown = cards(view)
    assert shown[0] == SWITCHER  # the backend-to-ML mentor, without a shared keyword
    first_card = next(
        b for b in view["blocks"] if b.get("block_id", "").startswith(FindIds.CARD_PREFIX)
    )
    assert "• You both care about Machine learning engineering" in first_card["text"]["text"]
    assert first_card["accessory"]["action_id"] == FindIds.CHOOSE


def test_closing_the_finding_modal_before_it_fills_is_quietly_accepted(
    rig: Rig, caplog: pytest.LogCaptureFixture
) -> None:
    caplog.set_level(logging.INFO)
    rig.emulator.hold("views.update")
    rig.slack.slash_command(ANA, "find")
    rig.emulator.wait_held()
    rig.slack.view_closed(ANA)  # she gave up waiting
    rig.emulator.release_held()
    rig.settle()

    [update] = rig.emulator.wait_for("views.update")
    assert update.response["error"] == "not_found"
    assert rig.emulator.top_view(ANA) is None
    assert not [r for r in caplog.records if r.exc_info or r.levelno >= logging.ERROR]
    assert "the modal was closed" in caplog.text


def test_choosing_in_order_then_a_note_asks_the_first_and_queues_the_rest(rig: Rig) -> None:
    open_find(rig)
    rig.slack.block_action(ANA, FindIds.CHOOSE, value=str(person_id(rig, SWITCHER)))
    picked_once = top(rig)
    rig.slack.block_action(ANA, FindIds.CHOOSE, value=str(person_id(rig, MANAGER)))
    picked_twice = top(rig)

    chosen_card = next(
        b
        for b in picked_twice["blocks"]
        if b.get("block_id", "").startswith(FindIds.CARD_PREFIX) and SWITCHER in b["text"]["text"]
    )
    assert "accessory" not in chosen_card  # no second "Choose" for a chosen mentor
    assert "Your choice #1" in chosen_card["text"]["text"]
    assert picked_once["submit"]["text"] == "Next"

    pushed = rig.slack.view_submission(ANA)
    assert pushed.json["response_action"] == "push"
    assert pushed.json["view"]["callback_id"] == FindIds.NOTE_CALLBACK
    sent = rig.slack.view_submission(
        ANA, values={FindIds.NOTE_BLOCK: {FindIds.NOTE_ACTION: "30 minutes every two weeks?"}}
    )
    assert sent.json == {"response_action": "clear"}

    with rig.runtime.deps.sessions() as session:
        asks = session.scalars(select(MentorshipRequest).order_by(MentorshipRequest.rank)).all()
    assert [a.status for a in asks] == [RequestStatus.PENDING, RequestStatus.QUEUED]
    assert asks[0].note == "30 minutes every two weeks?"
    rig.run_due()
    to_switcher = [
        c for c in rig.emulator.calls("chat.postMessage") if c.args["channel"] == SWITCHER
    ]
    assert len(to_switcher) == 1 and RequestIds.ACCEPT in str(to_switcher[0].args["blocks"])
    assert asks[0].reasons  # the mentor is told why they were chosen
    assert asks[0].reasons[0] in str(to_switcher[0].args["blocks"])


def test_describing_what_you_look_for_searches_again(rig: Rig) -> None:
    open_find(rig)

    rig.slack.view_submission(
        ANA, values={FindIds.QUERY_BLOCK: {FindIds.QUERY_ACTION: "computer vision research"}}
    )

    searched = top(rig)
    assert cards(searched)[0] == RESEARCHER


def test_find_with_words_searches_for_them_straight_away(rig: Rig) -> None:
    view = open_find(rig, text="find leading teams and hiring")

    assert cards(view)[0] == MANAGER


def test_nobody_fitting_is_said_honestly_and_puts_the_mentee_on_the_waiting_list(
    rig: Rig,
) -> None:
    enroll(
        rig,
        "U0ZOE0001",
        EnrollmentRole.MENTEE,
        topics=("AI ethics and fairness",),
        goals="Fairness audits of hiring models in production.",
    )
    pause_every_mentor(rig)

    view = open_find(rig, user="U0ZOE0001")

    assert cards(view) == []
    assert "waiting list" in str(view).lower()
    with rig.runtime.deps.sessions() as session:
        zoe = session.scalar(
            select(Enrollment).join(Person).where(Person.slack_user_id == "U0ZOE0001")
        )
    assert zoe.waiting_since is not None


def test_a_mentor_whose_slots_are_spoken_for_is_not_everyones_top_pick(rig: Rig) -> None:
    # The switcher has one free slot; Ana saw her first. Ben searches next.
    with rig.runtime.deps.sessions() as session:
        switcher = session.scalar(
            select(Enrollment).join(Person).where(Person.slack_user_id == SWITCHER)
        )
        switcher.capacity = 1
        session.commit()
    enroll(
        rig,
        "U0BEN0001",
        EnrollmentRole.MENTEE,
        topics=("Machine learning engineering",),
        goals="I want to move from backend work into ML engineering too.",
    )

    first = open_find(rig)
    rig.emulator.clear()
    second = open_find(rig, user="U0BEN0001")

    assert cards(first)[0] == SWITCHER
    assert cards(second)[0] != SWITCHER
    assert SWITCHER in cards(second)  # demoted, not hidden


def test_a_mentor_only_profile_is_told_how_to_look_for_a_mentor(rig: Rig) -> None:
    rig.slack.slash_command(SWITCHER, "find")
    [reply] = rig.emulator.wait_for("response_url")

    assert "Both" in reply.args["text"]
    assert rig.emulator.calls("views.open") == []


def test_a_home_tab_find_that_opens_no_search_is_answered_by_a_dm_through_the_outbox(
    rig: Rig,
) -> None:
    # A Home tab published before they changed their profile to mentor-only still has Find.
    stale_home = {
        "id": "VHOME0001",
        "type": "home",
        "blocks": [
            {
                "type": "actions",
                "block_id": "home.actions",
                "elements": [
                    {
                        "type": "button",
                        "action_id": HomeIds.FIND,
                        "text": {"type": "plain_text", "text": "Find a mentor"},
                    }
                ],
            }
        ],
    }
    rig.slack.block_action(SWITCHER, HomeIds.FIND, view=stale_home)
    rig.settle()

    [queued] = [m for m in rig.outbox() if m.payload.get("channel") == SWITCHER]
    assert queued.idempotency_key.startswith("find-reply:")
    assert '"Both" in `/mentor profile`' in queued.payload["text"]
    rig.run_due()
    [told] = rig.emulator.messages_for(SWITCHER)
    assert '"Both" in `/mentor profile`' in told["text"]


def test_a_waiting_mentee_is_told_once_when_a_fitting_mentor_has_room(rig: Rig) -> None:
    enroll(
        rig,
        "U0ZOE0001",
        EnrollmentRole.MENTEE,
        topics=("AI ethics and fairness",),
        goals="Fairness audits of hiring models in production.",
    )
    pause_every_mentor(rig)
    open_find(rig, user="U0ZOE0001")  # nobody fits: on the waiting list
    rig.run_due()
    rig.emulator.clear()

    enroll(
        rig,
        "U0FAI0001",
        EnrollmentRole.MENTOR,
        topics=("AI ethics and fairness",),
        goals="Help teams ship fair models.",
        bio="I run fairness audits of hiring and lending models.",
    )
    first = rig.run_due()
    second = rig.run_due()

    assert (first.told_waiting, second.told_waiting) == (1, 0)
    told = [c for c in rig.emulator.calls("chat.postMessage") if c.args["channel"] == "U0ZOE0001"]
    assert len(told) == 1 and "/mentor find" in told[0].args["text"]


def test_a_mentor_who_declined_is_not_suggested_to_that_mentee_again(rig: Rig) -> None:
    with rig.runtime.deps.sessions() as session:
        program = current_program(session, TEAM, datetime.now(UTC))
        people = {p.slack_user_id: p for p in session.scalars(select(Person))}
        [asked] = open_chain(
            session,
            program=program,
            mentee=people[ANA],
            choices=[Choice(people[SWITCHER])],
            note=None,
            now=datetime.now(UTC),
        )
        decline(session, asked.id, actor_user_id=SWITCHER, reason=None, now=datetime.now(UTC))
        session.commit()

    view = open_find(rig)

    assert SWITCHER not in cards(view)
    assert MANAGER in cards(view)


def test_someone_who_paused_mentoring_can_still_look_for_a_mentor(rig: Rig) -> None:
    enroll(
        rig,
        "U0BOTH001",
        EnrollmentRole.BOTH,
        topics=("Machine learning engineering",),
        goals="I mentor juniors and want to move from backend work into ML engineering.",
        bio="Backend lead.",
    )
    rig.slack.slash_command("U0BOTH001", "pause")

    view = open_find(rig, user="U0BOTH001")

    assert SWITCHER in cards(view)
