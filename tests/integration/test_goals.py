"""Goals: set from the intro by either of the pair, edited, shown (`/mentor goals`, Home,
check-in prompts), progressed from "We met" and from the mentee's monthly update.

Ana (mentee, Paris) and Ben (mentor, Los Angeles) are paired on Monday 4 March 2030 at
09:00 UTC (10:00 in Paris, 01:00 in Los Angeles). The bot's clock is pinned (`clock.now`),
and `rig.run_due(at)` moves the scheduler's. Cara is in the program but not in their pair.
"""

from __future__ import annotations

from datetime import UTC, date, datetime, timedelta
from typing import Any

import pytest
from sqlalchemy import select

from bot import mentorships
from bot.db.enums import EnrollmentRole, GoalStatus
from bot.db.models import AuditEntry, Goal, GoalUpdate, Mentorship, OutboxMessage, Person
from bot.emulator import validate_blocks, validate_view
from bot.programs import current_program
from bot.views.checkins import CheckinIds
from bot.views.goals import NO_PAIR, NOT_YOURS, GoalIds
from tests.integration import cast
from tests.integration.conftest import TEAM, Rig

ANA, BEN, CARA, DOV = "U0ANA0001", "U0BEN0001", "U0CARA001", "U0DOV0001"
PARIS, LOS_ANGELES = "Europe/Paris", "America/Los_Angeles"
KICKOFF = datetime(2030, 3, 4, 9, 0, tzinfo=UTC)  # Monday, 10:00 in Paris
SOON = KICKOFF + timedelta(hours=1)  # Ana at work, Ben asleep (02:00)
BENS_MORNING = datetime(2030, 3, 4, 18, 0, tzinfo=UTC)  # 10:00 in Los Angeles
FIRST_CHECKIN = datetime(2030, 3, 18, 9, 0, tzinfo=UTC)  # 10:00 in Paris
# A month on: Thursday 4 April, 10:00 in Paris (summer time by then) is 08:00 UTC.
FIRST_REVIEW = datetime(2030, 4, 4, 8, 0, tzinfo=UTC)
SHIP = "Ship my first model to production"
REVIEW = "Review two ML pull requests a week"


class Clock:
    """The bot's clock, pinned: tests move it by setting `now`."""

    def __init__(self, now: datetime) -> None:
        self.now = now

    def __call__(self) -> datetime:
        return self.now


@pytest.fixture
def clock() -> Clock:
    return Clock(SOON)


@pytest.fixture
def rig_clock(clock: Clock) -> Clock:
    """The conftest's rig, with the bot's clock pinned."""
    return clock


@pytest.fixture(autouse=True)
def paired(rig: Rig) -> int:
    """Ben mentors Ana from KICKOFF; their intro is delivered. Cara is enrolled alone."""
    cast.enroll(rig, ANA, EnrollmentRole.MENTEE, tz=PARIS, goals="Grow into ML engineering.")
    cast.enroll(rig, BEN, EnrollmentRole.MENTOR, tz=LOS_ANGELES, goals="", bio="ML lead.")
    cast.enroll(rig, CARA, EnrollmentRole.MENTEE, tz=PARIS)
    with rig.runtime.deps.uow() as uow:
        people = {p.slack_user_id: p for p in uow.session.scalars(select(Person))}
        program = current_program(uow.session, TEAM, KICKOFF)
        mentorship = mentorships.start(
            uow.session,
            program,
            people[BEN],
            people[ANA],
            score=None,
            reasons=[],
            now=KICKOFF,
            default_tz="UTC",
        )
        assert mentorship is not None
        mentorship_id = mentorship.id
    rig.run_due(KICKOFF)  # welcomes and the intro
    return mentorship_id


def intro(rig: Rig, user: str) -> dict[str, Any]:
    [message] = [m for m in rig.emulator.messages_for(user) if GoalIds.INTRO_BLOCK in str(m)]
    return message


def open_form(rig: Rig, user: str, message: dict[str, Any] | None = None) -> dict[str, Any]:
    """`user` presses "Set our goals" (on the intro unless `message` says where)."""
    rig.slack.block_action(user, GoalIds.OPEN, message=message or intro(rig, user))
    rig.settle()
    view = rig.emulator.top_view(user)
    assert view is not None
    return view


def rows(*goals: tuple[str, str | None]) -> dict[str, dict[str, Any]]:
    """The form's values: (title, target date or None) per row, the rest left empty."""
    values: dict[str, dict[str, Any]] = {}
    for row, (title, due) in enumerate(goals):
        values[GoalIds.TITLE_BLOCKS[row]] = {GoalIds.TITLE_ACTION: title}
        values[GoalIds.DUE_BLOCKS[row]] = {GoalIds.DUE_ACTION: due}
    return values


def set_goals(rig: Rig, user: str, *goals: tuple[str, str | None]) -> None:
    open_form(rig, user)
    answer = rig.slack.view_submission(user, values=rows(*goals))
    assert answer.status == 200 and not answer.text.strip(), answer.text  # the modal closes


def stored(rig: Rig) -> list[Goal]:
    with rig.runtime.deps.sessions() as session:
        return list(session.scalars(select(Goal).order_by(Goal.id)))


def updates(rig: Rig) -> list[GoalUpdate]:
    with rig.runtime.deps.sessions() as session:
        return list(session.scalars(select(GoalUpdate).order_by(GoalUpdate.id)))


def pair_row(rig: Rig) -> Mentorship:
    with rig.runtime.deps.sessions() as session:
        [mentorship] = session.scalars(select(Mentorship))
        return mentorship


def dms_to(rig: Rig, user: str, marker: str) -> list[Any]:
    return [
        c
        for c in rig.emulator.calls("chat.postMessage")
        if c.ok and c.args["channel"] == user and marker in str(c.args)
    ]


def refusals(rig: Rig) -> list[str]:
    with rig.runtime.deps.sessions() as session:
        return sorted(
            session.scalars(
                select(AuditEntry.action).where(AuditEntry.action.like("refused.goals%"))
            )
        )


# --- setting and editing --------------------------------------------------------------------


def test_either_of_the_pair_sets_goals_from_the_intro_and_the_partner_hears_in_their_hours(
    rig: Rig, paired: int
) -> None:
    message = intro(rig, BEN)
    assert validate_blocks(message["blocks"], surface="message") == []
    [button] = [e for b in message["blocks"] if b["type"] == "actions" for e in b["elements"]]
    assert (button["text"]["text"], button["value"]) == ("Set our goals", str(paired))

    form = open_form(rig, ANA)
    assert validate_view(form) == []
    assert form["callback_id"] == GoalIds.FORM_CALLBACK and form["title"]["text"] == "Set our goals"
    set_goals(rig, ANA, (f"  {SHIP}  ", "2030-06-28"), (REVIEW, None))

    assert [(g.title, g.status, g.due_on) for g in stored(rig)] == [
        (SHIP, GoalStatus.NOT_STARTED, date(2030, 6, 28)),
        (REVIEW, GoalStatus.NOT_STARTED, None),
    ]
    rig.run_due(SOON)
    assert dms_to(rig, BEN, "set your goals") == []  # 02:00 in Los Angeles
    rig.run_due(BENS_MORNING)
    [told] = dms_to(rig, BEN, "set your goals")
    assert f"<@{ANA}> set your goals together" in told.args["text"]
    assert SHIP in str(told.args["blocks"]) and "28 June 2030" in str(told.args["blocks"])
    assert validate_blocks(told.args["blocks"], surface="message") == []
    assert dms_to(rig, ANA, "set your goals") == []  # the one who set them is not told
    assert pair_row(rig).goals_review_at == FIRST_REVIEW


def test_mistakes_in_the_goals_form_are_pointed_out_beside_each_field(rig: Rig) -> None:
    open_form(rig, ANA)
    titles, dues = GoalIds.TITLE_BLOCKS, GoalIds.DUE_BLOCKS

    empty = rig.slack.view_submission(ANA, values=rows(("   ", None)))
    mixed = rig.slack.view_submission(
        ANA,
        values=rows(
            (SHIP, "2030-03-03"),  # the day before: passed
            ("x" * 151, None),  # longer than the box allows (a forged payload)
            ("", "2030-05-01"),  # a date for no goal
        ),
    )
    unreadable = rig.slack.view_submission(ANA, values=rows(("Learn \ud800 things", None)))
    twice = rig.slack.view_submission(ANA, values=rows((SHIP, None), (SHIP.upper(), None)))

    assert empty.json == {
        "response_action": "errors",
        "errors": {titles[0]: "Please write at least one goal: a sentence is plenty."},
    }
    assert mixed.json["response_action"] == "errors"
    assert mixed.json["errors"] == {
        dues[0]: "That day has passed: pick today or a later day, or leave it empty.",
        titles[1]: "Please keep a goal to 150 characters (this one has 151).",
        titles[2]: "Add a few words for this goal, or clear its date.",
    }
    assert "can't be read" in unreadable.json["errors"][titles[0]]
    assert twice.json["errors"] == {titles[1]: "This is the same as goal 1."}
    assert stored(rig) == [] and pair_row(rig).goals_review_at is None
    assert rig.slack.view_submission(ANA, values=rows((SHIP, "2030-03-04"))).status == 200
    assert [g.due_on for g in stored(rig)] == [date(2030, 3, 4)]  # today is fine


def test_editing_starts_from_the_goals_and_an_emptied_row_drops_its_goal_never_deletes_it(
    rig: Rig, clock: Clock
) -> None:
    set_goals(rig, ANA, (SHIP, "2030-06-28"), (REVIEW, None))
    rig.run_due(BENS_MORNING)
    clock.now = BENS_MORNING + timedelta(hours=1)
    [notice] = [m for m in rig.emulator.messages_for(BEN) if "set your goals" in str(m)]

    form = open_form(rig, BEN, message=notice)  # the button on the notice DM
    assert form["title"]["text"] == "Edit our goals"
    shown = str(form["blocks"])
    assert f"'initial_value': '{SHIP}'" in shown and "'initial_date': '2030-06-28'" in shown
    assert f"'initial_value': '{REVIEW}'" in shown
    answer = rig.slack.view_submission(
        BEN, values=rows(("", None), (REVIEW + " or three", None), ("Demo at the ML guild", None))
    )
    assert answer.status == 200 and not answer.text.strip()

    ship, review, demo = stored(rig)
    assert (ship.title, ship.status) == (SHIP, GoalStatus.DROPPED)  # kept, as dropped
    assert (review.title, review.status) == (REVIEW + " or three", GoalStatus.NOT_STARTED)
    assert (demo.title, demo.status) == ("Demo at the ML guild", GoalStatus.NOT_STARTED)
    [dropped] = updates(rig)
    assert (dropped.goal_id, dropped.status, dropped.checkin_id) == (
        ship.id,
        GoalStatus.DROPPED,
        None,
    )
    rig.run_due(clock.now + timedelta(days=1))
    [told] = dms_to(rig, ANA, "updated your goals")
    assert f"<@{BEN}> updated your goals together" in told.args["text"]
    assert SHIP not in str(told.args["blocks"]) and "Demo at the ML guild" in str(told.args)

    again = open_form(rig, ANA)  # a dropped goal typed again comes back
    assert SHIP not in str(again["blocks"])
    rig.slack.view_submission(
        ANA,
        values=rows((REVIEW + " or three", None), ("Demo at the ML guild", None), (SHIP, None)),
    )
    assert [(g.id, g.status) for g in stored(rig)] == [
        (ship.id, GoalStatus.NOT_STARTED),
        (review.id, GoalStatus.NOT_STARTED),
        (demo.id, GoalStatus.NOT_STARTED),
    ]


def test_mentor_goals_lists_each_pair_with_progress_and_a_button_to_edit(rig: Rig) -> None:
    set_goals(rig, ANA, (SHIP, "2030-06-28"), (REVIEW, None))

    answer = rig.slack.slash_command(BEN, "goals")
    blocks = answer.json["blocks"]
    assert answer.json["response_type"] == "ephemeral"
    assert validate_blocks(blocks, surface="message") == []
    shown = str(blocks)
    assert f"Goals with <@{ANA}>* (your mentee)" in shown
    assert SHIP in shown and "_not started_" in shown and "by 28 June 2030" in shown
    assert "0 of 2 done" in shown
    rig.slack.block_action(BEN, GoalIds.OPEN, message=rig.emulator.messages_for(BEN)[-1])
    rig.settle()
    assert rig.emulator.top_view(BEN)["callback_id"] == GoalIds.FORM_CALLBACK

    lonely = rig.slack.slash_command(CARA, "goals")
    assert lonely.json["text"] == NO_PAIR and "/mentor find" in NO_PAIR
    helped = rig.slack.slash_command(CARA, "help")
    assert "/mentor goals" in str(helped.json)


def test_home_shows_each_pairs_goals_with_their_status(rig: Rig) -> None:
    set_goals(rig, ANA, (SHIP, None))

    for user, partner, role in ((ANA, BEN, "mentor"), (BEN, ANA, "mentee")):
        rig.emulator.clear()
        rig.slack.app_home_opened(user)
        rig.settle()
        rig.run_due(SOON)
        [publish] = rig.emulator.calls("views.publish")
        view = publish.args["view"]
        assert validate_view(view) == []
        [section] = [
            b for b in view["blocks"] if b.get("block_id", "").startswith(GoalIds.PAIR_BLOCK)
        ]
        assert f"*Goals with <@{partner}>* (your {role})" in section["text"]["text"]
        assert f"{SHIP} · _not started_" in section["text"]["text"]
        assert section["accessory"]["text"]["text"] == "Edit our goals"


# --- progress -------------------------------------------------------------------------------


def test_check_ins_show_the_goals_and_we_met_records_progress_on_each(
    rig: Rig, clock: Clock
) -> None:
    set_goals(rig, ANA, (SHIP, None), (REVIEW, None))
    rig.run_due(FIRST_CHECKIN)
    clock.now = FIRST_CHECKIN + timedelta(hours=1)
    [prompt] = [m for m in rig.emulator.messages_for(ANA) if CheckinIds.MET in str(m)]
    goals_text = [b for b in prompt["blocks"] if b.get("block_id") == CheckinIds.GOALS_BLOCK]
    assert f"• {SHIP} (not started)" in str(goals_text)
    assert "Grow into ML engineering" not in str(prompt)  # the pair's goals come first

    rig.slack.block_action(ANA, CheckinIds.MET, message=prompt)
    rig.settle()
    form = rig.emulator.top_view(ANA)
    assert validate_view(form) == []
    ship, review = stored(rig)
    selects = {
        b["block_id"]: b["element"]["initial_option"]["value"]
        for b in form["blocks"]
        if b.get("block_id", "").startswith(GoalIds.PROGRESS_BLOCK)
    }
    assert selects == {
        f"{GoalIds.PROGRESS_BLOCK}{ship.id}": "not_started",
        f"{GoalIds.PROGRESS_BLOCK}{review.id}": "not_started",
    }
    answer = rig.slack.view_submission(
        ANA,
        values={
            CheckinIds.USEFUL_BLOCK: {CheckinIds.USEFUL_ACTION: "4"},
            f"{GoalIds.PROGRESS_BLOCK}{ship.id}": {GoalIds.PROGRESS_ACTION: "done"},
            f"{GoalIds.PROGRESS_BLOCK}{review.id}": {GoalIds.PROGRESS_ACTION: "on_track"},
        },
    )
    assert answer.status == 200 and not answer.text.strip()
    rig.settle()  # the log is made after the form's answer

    assert [(g.status, g.completed_at) for g in stored(rig)] == [
        (GoalStatus.DONE, clock.now),
        (GoalStatus.ON_TRACK, None),
    ]
    reported = updates(rig)
    assert [(u.goal_id, u.status) for u in reported] == [
        (ship.id, GoalStatus.DONE),
        (review.id, GoalStatus.ON_TRACK),
    ]
    assert all(u.checkin_id is not None for u in reported)


def test_the_monthly_update_reaches_the_mentee_once_and_saving_it_only_thanks_her(
    rig: Rig, clock: Clock
) -> None:
    set_goals(rig, ANA, (SHIP, None), (REVIEW, None))
    rig.run_due(FIRST_REVIEW - timedelta(minutes=1))
    assert dms_to(rig, ANA, GoalIds.REVIEW_OPEN) == []

    first = rig.run_due(FIRST_REVIEW)
    second = rig.run_due(FIRST_REVIEW + timedelta(minutes=5))

    assert (first.goal_reviews, second.goal_reviews) == (1, 0)
    [asked] = dms_to(rig, ANA, GoalIds.REVIEW_OPEN)
    assert validate_blocks(asked.args["blocks"], surface="message") == []
    assert f"your goals with <@{BEN}>" in asked.args["text"] and SHIP in str(asked.args)
    assert dms_to(rig, BEN, GoalIds.REVIEW_OPEN) == []
    # Saturday 4 May is moved to Monday 6 May, 10:00 in Paris.
    assert pair_row(rig).goals_review_at == datetime(2030, 5, 6, 8, 0, tzinfo=UTC)

    clock.now = FIRST_REVIEW + timedelta(hours=1)
    rig.emulator.clear()
    message = rig.emulator.message(asked.response["channel"], asked.response["ts"])
    rig.slack.block_action(ANA, GoalIds.REVIEW_OPEN, message=message)
    rig.settle()
    form = rig.emulator.top_view(ANA)
    assert form["callback_id"] == GoalIds.REVIEW_CALLBACK and validate_view(form) == []
    ship, _ = stored(rig)
    answer = rig.slack.view_submission(
        ANA, values={f"{GoalIds.PROGRESS_BLOCK}{ship.id}": {GoalIds.PROGRESS_ACTION: "on_track"}}
    )
    assert answer.status == 200 and not answer.text.strip()
    rig.run_due(clock.now)

    assert [g.status for g in stored(rig)] == [GoalStatus.ON_TRACK, GoalStatus.NOT_STARTED]
    assert [(u.status, u.checkin_id) for u in updates(rig)] == [
        (GoalStatus.ON_TRACK, None),
        (GoalStatus.NOT_STARTED, None),  # left as it was: still reported
    ]
    [thanks] = rig.emulator.calls("chat.update")
    assert thanks.args["ts"] == asked.response["ts"]
    assert "Thanks!" in thanks.args["text"] and GoalIds.REVIEW_OPEN not in str(thanks.args)
    assert "I'll ask again around Monday 6 May" in str(thanks.args["blocks"])
    assert rig.emulator.calls("chat.postMessage") == []  # nobody else is told


def test_a_snoozed_mentee_is_asked_when_the_snooze_ends_and_a_paused_pair_not_at_all(
    rig: Rig, paired: int
) -> None:
    set_goals(rig, ANA, (SHIP, None))
    snooze_ends = datetime(2030, 4, 10, 12, 0, tzinfo=UTC)  # a Wednesday, 14:00 in Paris
    with rig.runtime.deps.uow() as uow:
        ana = uow.session.scalar(select(Person).where(Person.slack_user_id == ANA))
        ana.snoozed_until = snooze_ends

    assert rig.run_due(FIRST_REVIEW).goal_reviews == 0
    assert pair_row(rig).goals_review_at == snooze_ends
    assert rig.run_due(snooze_ends).goal_reviews == 1
    assert len(dms_to(rig, ANA, GoalIds.REVIEW_OPEN)) == 1

    with rig.runtime.deps.uow() as uow:
        mentorships.pause(uow.session, uow.session.get(Mentorship, paired))
    assert rig.run_due(datetime(2030, 6, 10, 12, 0, tzinfo=UTC)).goal_reviews == 0
    assert len(dms_to(rig, ANA, GoalIds.REVIEW_OPEN)) == 1


# --- forged payloads ------------------------------------------------------------------------


def test_someone_outside_the_pair_is_refused_and_changes_nothing(rig: Rig, paired: int) -> None:
    set_goals(rig, ANA, (SHIP, None))
    form = open_form(rig, ANA)  # Ana's own form, as a forger would copy it
    before = [(g.id, g.title, g.status) for g in stored(rig)]

    rig.slack.block_action(CARA, GoalIds.OPEN, str(paired), message=intro(rig, ANA))
    rig.settle()
    notice = rig.emulator.top_view(CARA)
    forged = rig.slack.view_submission(CARA, view=form, values=rows(("Cara's goal now", None)))
    review = {**form, "callback_id": GoalIds.REVIEW_CALLBACK}
    forged_review = rig.slack.view_submission(CARA, view=review)

    assert NOT_YOURS in str(notice["blocks"])
    for answer in (forged, forged_review):
        assert answer.json["response_action"] == "update"
        assert NOT_YOURS in str(answer.json["view"])
    assert [(g.id, g.title, g.status) for g in stored(rig)] == before
    assert refusals(rig) == ["refused.goals.open", "refused.goals.review", "refused.goals.save"]


def test_a_goal_of_another_pair_in_the_form_is_refused_even_from_the_pair(
    rig: Rig, paired: int
) -> None:
    cast.enroll(rig, DOV, EnrollmentRole.MENTOR, tz=PARIS, goals="", bio="Vision lead.")
    with rig.runtime.deps.uow() as uow:
        people = {p.slack_user_id: p for p in uow.session.scalars(select(Person))}
        program = current_program(uow.session, TEAM, KICKOFF)
        other = mentorships.start(
            uow.session,
            program,
            people[DOV],
            people[CARA],
            score=None,
            reasons=[],
            now=KICKOFF,
            default_tz="UTC",
        )
        assert other is not None
        uow.session.add(Goal(mentorship_id=other.id, title="Cara's own goal", created_at=KICKOFF))
    [theirs] = stored(rig)
    form = open_form(rig, ANA)

    forged = {**form, "private_metadata": f'{{"mentorship": {paired}, "goals": [{theirs.id}]}}'}
    answer = rig.slack.view_submission(ANA, view=forged, values=rows(("Taken over", None)))

    assert NOT_YOURS in str(answer.json["view"])
    assert [(g.mentorship_id, g.title) for g in stored(rig)] == [(other.id, "Cara's own goal")]
    assert refusals(rig) == ["refused.goals.save"]
    with rig.runtime.deps.sessions() as session:
        assert (
            session.scalars(
                select(OutboxMessage).where(OutboxMessage.idempotency_key.like("goals-set%"))
            ).all()
            == []
        )
