"""The request flow when Slack is slow, the state is huge, or a pick changes meanwhile."""

from __future__ import annotations

import threading
from datetime import timedelta
from typing import Any

import pytest
from sqlalchemy import select

from bot.db.enums import EnrollmentRole, EnrollmentStatus
from bot.db.models import Enrollment, MentorshipRequest, Person
from bot.limits import NOTE_MAX
from bot.notices import local_day
from bot.slack import INTERACTIVE_TIMEOUT_S
from bot.views.find import FindIds
from bot.views.requests import RequestIds
from bot.views.text import MAX_PRIVATE_METADATA
from tests.integration.cast import enroll
from tests.integration.conftest import COORDINATOR, Rig

SLOW = "Slack is slow right now, please try again."
ANA, NEWCOMER = "U0ANA0001", "U0NEW0001"
BEN, CARA = "U0BEN0001", "U0CARA001"


@pytest.fixture(autouse=True)
def people(rig: Rig) -> None:
    enroll(rig, ANA, EnrollmentRole.MENTEE)
    for mentor in (BEN, CARA):
        enroll(rig, mentor, EnrollmentRole.MENTOR, goals="Help people into ML.", bio="NLP lead.")
    rig.run_due()
    rig.emulator.clear()


def requests_of(rig: Rig) -> list[MentorshipRequest]:
    with rig.runtime.deps.sessions() as session:
        return list(session.scalars(select(MentorshipRequest).order_by(MentorshipRequest.id)))


def told_slow(rig: Rig) -> bool:
    rig.settle()
    return any(SLOW in str(c.args) for c in rig.emulator.calls("response_url"))


# --- slow Slack -------------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("user", "text"), [(NEWCOMER, "join"), (ANA, "find"), (COORDINATOR, "match")]
)
def test_a_command_whose_modal_slack_is_too_slow_to_open_says_so(
    rig: Rig, user: str, text: str
) -> None:
    rig.emulator.add_user(NEWCOMER, name="newcomer", real_name="New Comer")
    rig.emulator.slow("views.open", seconds=INTERACTIVE_TIMEOUT_S + 0.5)

    response = rig.slack.slash_command(user, text)

    assert response.status == 200 and response.in_time  # the ack stands
    assert told_slow(rig)


def test_find_filled_in_too_slowly_says_slack_is_slow(rig: Rig) -> None:
    rig.emulator.slow("views.update", seconds=INTERACTIVE_TIMEOUT_S + 0.5)

    rig.slack.slash_command(ANA, "find")

    assert told_slow(rig)


# --- the find modal's state -------------------------------------------------------------------


def test_a_search_of_250_emoji_fills_in_the_modal_with_state_inside_slacks_limit(
    rig: Rig,
) -> None:
    rig.slack.slash_command(ANA, "find " + "😀" * 250)
    rig.settle()

    [filled] = rig.emulator.wait_for("views.update")
    assert filled.ok, filled.response
    assert filled.args["view"]["callback_id"] == FindIds.SUGGESTIONS_CALLBACK
    assert len(filled.args["view"]["private_metadata"]) <= MAX_PRIVATE_METADATA


def test_a_suggestions_modal_that_cannot_be_shown_becomes_an_error_not_a_spinner(
    rig: Rig,
) -> None:
    rig.emulator.fail("views.update", error="invalid_arguments", times=1)

    rig.slack.slash_command(ANA, "find")
    rig.settle()

    shown = rig.emulator.top_view(ANA)
    assert shown is not None and "couldn't show your suggestions" in str(shown)


def choose_and_open_note(rig: Rig, *mentors: str) -> None:
    rig.slack.slash_command(ANA, "find")
    rig.emulator.wait_for("views.update")
    rig.settle()
    for mentor in mentors:
        view = rig.emulator.top_view(ANA)
        [value] = [
            b["accessory"]["value"]
            for b in view["blocks"]
            if b.get("block_id", "").startswith(FindIds.CARD_PREFIX) and f"<@{mentor}>" in str(b)
        ]
        rig.slack.block_action(ANA, FindIds.CHOOSE, value=value, view=view)
        rig.settle()
    rig.slack.view_submission(ANA)  # Next: the note modal


def test_a_note_of_100000_characters_is_stored_clipped_to_the_stated_maximum(rig: Rig) -> None:
    choose_and_open_note(rig, BEN)
    note_view = rig.emulator.top_view(ANA)
    assert f"{NOTE_MAX:,} characters" in str(note_view)  # the hint states the maximum

    rig.slack.view_submission(
        ANA, values={FindIds.NOTE_BLOCK: {FindIds.NOTE_ACTION: "n" * 100_000}}
    )

    [request] = requests_of(rig)
    assert len(request.note) == NOTE_MAX


# --- races a person can hit -------------------------------------------------------------------


def set_status(rig: Rig, user: str, status: EnrollmentStatus) -> None:
    with rig.runtime.deps.sessions() as session:
        enrollment = session.scalar(
            select(Enrollment).join(Person).where(Person.slack_user_id == user)
        )
        enrollment.status = status
        session.commit()


@pytest.mark.parametrize(
    ("status", "said"),
    [(EnrollmentStatus.PAUSED, "paused"), (EnrollmentStatus.LEFT, "no longer a mentor")],
)
def test_a_pick_who_paused_or_left_before_send_is_explained_and_fresh_suggestions_shown(
    rig: Rig, status: EnrollmentStatus, said: str
) -> None:
    choose_and_open_note(rig, BEN)
    set_status(rig, BEN, status)

    response = rig.slack.view_submission(ANA)

    assert requests_of(rig) == []
    assert response.json["response_action"] == "update"
    shown = response.json["view"]
    assert shown["callback_id"] == FindIds.SUGGESTIONS_CALLBACK
    notice = next(b for b in shown["blocks"] if b.get("block_id") == FindIds.UNAVAILABLE_BLOCK)
    assert f"<@{BEN}>" in notice["text"]["text"] and said in notice["text"]["text"]
    assert f"<@{CARA}>" in str(shown)  # someone who can still take them, to choose again
    rig.run_due()
    assert not any("on its way" in str(c.args) for c in rig.emulator.calls("chat.postMessage"))


def test_a_pick_who_filled_up_before_send_is_explained(rig: Rig) -> None:
    choose_and_open_note(rig, BEN)
    with rig.runtime.deps.sessions() as session:
        enrollment = session.scalar(
            select(Enrollment).join(Person).where(Person.slack_user_id == BEN)
        )
        enrollment.capacity = enrollment.active_mentee_count
        session.commit()

    response = rig.slack.view_submission(ANA)

    assert requests_of(rig) == []
    assert "filled their last mentee slot" in str(response.json["view"])


def test_a_request_sent_five_times_at_once_makes_one_chain_and_five_quiet_answers(
    rig: Rig,
) -> None:
    choose_and_open_note(rig, BEN, CARA)
    note_view = rig.emulator.top_view(ANA)
    barrier = threading.Barrier(5)
    answers: list[Any] = []

    def send() -> None:
        barrier.wait()
        answers.append(rig.slack.view_submission(ANA, view=note_view).json)

    threads = [threading.Thread(target=send) for _ in range(5)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join(20)

    assert answers == [{"response_action": "clear"}] * 5
    assert len({r.chain for r in requests_of(rig)}) == 1
    assert len(requests_of(rig)) == 2


# --- what people read -------------------------------------------------------------------------


def test_the_find_button_in_a_decline_notice_opens_the_search(rig: Rig) -> None:
    choose_and_open_note(rig, BEN)
    rig.slack.view_submission(ANA)
    rig.run_due()
    rig.slack.block_action(BEN, RequestIds.DECLINE)
    rig.settle()
    rig.slack.view_submission(BEN)
    rig.run_due()
    [notice] = [m for m in rig.emulator.messages_for(ANA) if "can't take you on" in m["text"]]
    assert f"<@{BEN}> can't take you on" in notice["text"]
    assert FindIds.FIND_AGAIN in str(notice["blocks"])
    rig.emulator.clear()

    rig.slack.block_action(ANA, FindIds.FIND_AGAIN, message=notice)

    [opened] = rig.emulator.wait_for("views.open")
    assert opened.ok and opened.args["view"]["callback_id"] == FindIds.FINDING_CALLBACK
    [filled] = rig.emulator.wait_for("views.update")
    assert filled.args["view"]["callback_id"] == FindIds.SUGGESTIONS_CALLBACK


def test_an_expired_requests_dm_says_it_expired_and_when(rig: Rig) -> None:
    choose_and_open_note(rig, BEN)
    rig.slack.view_submission(ANA)
    rig.run_due()
    [request] = requests_of(rig)

    rig.run_due(request.expires_at + timedelta(minutes=1))

    [rewritten] = rig.emulator.calls("chat.update")
    text = rewritten.args["text"]
    assert "expired" in text and "declined" not in text
    # The day on the mentor's own calendar (Ben is in Paris): late in a UTC evening it is
    # already the next day there.
    assert local_day(request.expires_at, "Europe/Paris") in text
    mentee_notice = [m for m in rig.emulator.messages_for(ANA) if "in time" in m["text"]]
    assert f"<@{BEN}> didn't get to your request in time" in mentee_notice[-1]["text"]
