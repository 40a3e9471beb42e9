"""Requests to mentors: asked in order, answered once, expired on time, capacity held."""

from __future__ import annotations

import threading
from datetime import UTC, datetime, timedelta
from zoneinfo import ZoneInfo

import pytest
from sqlalchemy import select

from bot.db.enums import EnrollmentRole, MentorshipStatus, RequestStatus
from bot.db.models import Enrollment, Mentorship, MentorshipRequest, Person
from bot.emulator import validate_blocks
from bot.programs import current_program
from bot.requests import Choice, open_chain
from bot.views.requests import RequestIds
from tests.integration import cast
from tests.integration.conftest import TEAM, Rig

ANA, DEV = "U0ANA0001", "U0DEV0001"  # mentees
BEN, CARA = "U0BEN0001", "U0CARA001"  # mentors
GOALS = "I want to move from backend work into ML engineering within a year."


def enroll(rig: Rig, user: str, role: EnrollmentRole, *, capacity: int = 2) -> None:
    mentor = role is not EnrollmentRole.MENTEE
    cast.enroll(
        rig,
        user,
        role,
        capacity=capacity,
        goals="Help people grow into ML work." if mentor else GOALS,
        bio="Moved from web development to ML." if mentor else "",
    )


def ask(rig: Rig, mentee: str, *mentors: str, note: str = "Could we meet every two weeks?") -> str:
    now = datetime.now(UTC)
    with rig.runtime.deps.sessions() as session:
        program = current_program(session, TEAM, now)
        people = {p.slack_user_id: p for p in session.scalars(select(Person))}
        requests = open_chain(
            session,
            program=program,
            mentee=people[mentee],
            choices=[Choice(people[m], 0.7, ("You both care about NLP",)) for m in mentors],
            note=note,
            now=now,
        )
        session.commit()
        return requests[0].chain


def requests_of(rig: Rig) -> list[MentorshipRequest]:
    with rig.runtime.deps.sessions() as session:
        return list(session.scalars(select(MentorshipRequest).order_by(MentorshipRequest.id)))


def mentorships(rig: Rig) -> list[Mentorship]:
    with rig.runtime.deps.sessions() as session:
        return list(session.scalars(select(Mentorship)))


def slots_taken(rig: Rig, user: str) -> int:
    with rig.runtime.deps.sessions() as session:
        return session.scalar(
            select(Enrollment.active_mentee_count).join(Person).where(Person.slack_user_id == user)
        )


def dms(rig: Rig, user: str) -> list[dict]:
    return [c.args for c in rig.emulator.calls("chat.postMessage") if c.args["channel"] == user]


@pytest.fixture(autouse=True)
def cast_of_four(rig: Rig) -> None:
    enroll(rig, ANA, EnrollmentRole.MENTEE)
    enroll(rig, DEV, EnrollmentRole.MENTEE)
    enroll(rig, BEN, EnrollmentRole.MENTOR, capacity=1)
    enroll(rig, CARA, EnrollmentRole.MENTOR)
    rig.run_due()  # welcomes out of the way
    rig.emulator.clear()


def test_the_first_choice_gets_a_dm_with_the_mentees_profile_note_and_buttons(rig: Rig) -> None:
    ask(rig, ANA, BEN, CARA)
    rig.run_due()

    [to_ben] = dms(rig, BEN)
    assert validate_blocks(to_ben["blocks"], surface="message") == []
    shown = str(to_ben["blocks"])
    assert "backend work into ML" in shown and "every two weeks?" in shown
    buttons = {
        e["action_id"]: e["value"]
        for b in to_ben["blocks"]
        if b["type"] == "actions"
        for e in b["elements"]
    }
    first = requests_of(rig)[0]
    assert buttons == {RequestIds.ACCEPT: str(first.id), RequestIds.DECLINE: str(first.id)}
    assert dms(rig, CARA) == []  # the second choice waits its turn
    [to_ana] = dms(rig, ANA)
    assert f"<@{BEN}>" in to_ana["text"]  # named by mention, never by user name


def test_accepting_pairs_them_takes_a_slot_and_introduces_them_in_a_group_dm(rig: Rig) -> None:
    ask(rig, ANA, BEN, CARA)
    rig.run_due()

    response = rig.slack.block_action(BEN, RequestIds.ACCEPT)
    rig.run_due()

    assert response.status == 200
    [pair] = mentorships(rig)
    assert pair.status is MentorshipStatus.ACTIVE
    local = pair.next_checkin_at.astimezone(ZoneInfo("Europe/Paris"))
    assert local.weekday() < 5 and local.hour == 10
    assert slots_taken(rig, BEN) == 1
    assert [r.status for r in requests_of(rig)] == [RequestStatus.ACCEPTED, RequestStatus.CANCELLED]
    opened = rig.emulator.last("conversations.open")
    assert set(opened.args["users"].split(",")) == {BEN, ANA}
    intro = rig.emulator.last("chat.postMessage")
    assert intro.args["channel"] == opened.response["channel"]["id"]
    assert "agenda" in str(intro.args["blocks"]).lower() or "kickoff" in intro.args["text"].lower()
    replaced = rig.emulator.last("response_url")
    assert replaced.args.get("replace_original") is True


def test_a_second_click_on_accept_changes_nothing(rig: Rig) -> None:
    ask(rig, ANA, CARA)
    rig.run_due()

    rig.slack.block_action(CARA, RequestIds.ACCEPT)
    rig.slack.block_action(CARA, RequestIds.ACCEPT)
    rig.run_due()

    assert len(mentorships(rig)) == 1
    assert slots_taken(rig, CARA) == 1
    assert len(rig.emulator.calls("conversations.open")) == 1


def test_declining_with_a_kind_word_tells_the_mentee_and_asks_the_next_choice(rig: Rig) -> None:
    ask(rig, ANA, BEN, CARA)
    rig.run_due()

    rig.slack.block_action(BEN, RequestIds.DECLINE)
    [modal] = rig.emulator.wait_for("views.open")
    assert modal.args["view"]["callback_id"] == RequestIds.DECLINE_CALLBACK
    rig.slack.view_submission(
        BEN,
        values={
            RequestIds.REASON_BLOCK: {RequestIds.REASON_ACTION: "I'm at capacity this quarter"}
        },
    )
    rig.run_due()

    assert [r.status for r in requests_of(rig)] == [RequestStatus.DECLINED, RequestStatus.PENDING]
    to_ana = dms(rig, ANA)[-1]
    assert "at capacity this quarter" in to_ana["text"] or "at capacity this quarter" in str(
        to_ana["blocks"]
    )
    assert f"<@{CARA}>" in to_ana["text"]  # told who is asked next
    [to_cara] = dms(rig, CARA)
    assert RequestIds.ACCEPT in str(to_cara["blocks"])


def test_an_unanswered_request_expires_on_time_and_the_next_choice_is_asked(rig: Rig) -> None:
    ask(rig, ANA, BEN, CARA)
    rig.run_due()
    [first, _] = requests_of(rig)

    before = rig.run_due(first.expires_at - timedelta(minutes=1))
    at = rig.run_due(first.expires_at)
    again = rig.run_due(first.expires_at + timedelta(minutes=1))

    assert (before.expired_requests, at.expired_requests, again.expired_requests) == (0, 1, 0)
    assert [r.status for r in requests_of(rig)] == [RequestStatus.EXPIRED, RequestStatus.PENDING]
    assert f"<@{CARA}>" in dms(rig, ANA)[-1]["text"]
    assert len(dms(rig, CARA)) == 1
    assert rig.emulator.last("chat.update") is not None  # Ben's buttons are taken away


def test_a_mentor_who_filled_up_meanwhile_is_skipped(rig: Rig) -> None:
    ask(rig, DEV, BEN)
    rig.run_due()
    rig.slack.block_action(BEN, RequestIds.ACCEPT)  # Ben (capacity 1) is now full

    ask(rig, ANA, CARA, BEN)
    rig.run_due()
    rig.slack.block_action(CARA, RequestIds.DECLINE)
    rig.settle()  # the decline modal opens after the click's ack
    rig.slack.view_submission(CARA)
    rig.run_due()

    statuses = [r.status for r in requests_of(rig)]
    assert statuses[-2:] == [RequestStatus.DECLINED, RequestStatus.CANCELLED]
    with rig.runtime.deps.sessions() as session:
        ana = session.scalar(select(Enrollment).join(Person).where(Person.slack_user_id == ANA))
    assert ana.waiting_since is not None  # on the waiting list, and told so
    assert "/mentor find" in dms(rig, ANA)[-1]["text"]


def test_two_acceptances_racing_for_the_last_slot_cannot_both_win(rig: Rig) -> None:
    # Ben has one slot; Ana and Dev both asked him; he clicks both Accepts at once.
    ask(rig, ANA, BEN)
    ask(rig, DEV, BEN)
    rig.run_due()
    messages = [m for m in rig.emulator.messages_for(BEN) if RequestIds.ACCEPT in str(m)]
    assert len(messages) == 2
    barrier = threading.Barrier(2)
    responses = []

    def click(message: dict) -> None:
        barrier.wait()
        responses.append(rig.slack.block_action(BEN, RequestIds.ACCEPT, message=message))

    threads = [threading.Thread(target=click, args=(m,)) for m in messages]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join(10)
    rig.settle()

    assert [r.status for r in responses] == [200, 200]
    assert len(mentorships(rig)) == 1
    assert slots_taken(rig, BEN) == 1
    statuses = sorted(r.status for r in requests_of(rig))
    assert statuses == sorted([RequestStatus.ACCEPTED, RequestStatus.PENDING])
    full = [c for c in rig.emulator.calls("response_url") if "no free mentee slot" in str(c.args)]
    assert len(full) == 1


def test_someone_else_cannot_answer_a_mentors_request(rig: Rig) -> None:
    ask(rig, ANA, BEN)
    rig.run_due()
    [message] = [m for m in rig.emulator.messages_for(BEN) if RequestIds.ACCEPT in str(m)]

    rig.slack.block_action(CARA, RequestIds.ACCEPT, message=message)
    rig.settle()

    assert mentorships(rig) == []
    assert "someone else" in str(rig.emulator.last("response_url").args)
