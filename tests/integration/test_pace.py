"""A pair's pace: either of the two changes how often they check in from their Home tab,
and the schedule follows from their next check-in on.

Ana (mentee, Paris) and Ben (mentor, Los Angeles) are paired on Monday 4 March 2030,
every two weeks: period 1 is Monday 18 March (10:00 Paris = 09:00 UTC for Ana, 10:00 Los
Angeles = 17:00 UTC for Ben). The bot's clock is pinned; each test sets it.
"""

from __future__ import annotations

import threading
from collections.abc import Callable
from datetime import UTC, date, datetime, timedelta
from typing import Any

import pytest
from sqlalchemy import select

from bot import mentorships
from bot.db.enums import Cadence, CheckInStatus, EndReason, EnrollmentRole
from bot.db.models import AuditEntry, CheckIn, Mentorship, OutboxMessage, Person
from bot.emulator import validate_view
from bot.programs import current_program
from bot.views.checkins import CheckinIds
from bot.views.pace import PaceIds
from tests.integration import cast
from tests.integration.conftest import TEAM, Rig

ANA, BEN, CARA = "U0ANA0001", "U0BEN0001", "U0CARA001"
PARIS, LOS_ANGELES = "Europe/Paris", "America/Los_Angeles"
KICKOFF = datetime(2030, 3, 4, 12, 0, tzinfo=UTC)  # a Monday
PERIOD_1 = datetime(2030, 3, 18, 9, 0, tzinfo=UTC)  # Ana's 10:00 on Monday 18 March
BEN_PERIOD_1 = datetime(2030, 3, 18, 17, 0, tzinfo=UTC)  # Ben's 10:00 that day
WEDNESDAY = datetime(2030, 3, 20, 12, 0, tzinfo=UTC)  # 13:00 for Ana, 05:00 for Ben


class Clock:
    """The bot's now, moved by the test."""

    def __init__(self) -> None:
        self.now = KICKOFF

    def __call__(self) -> datetime:
        return self.now


@pytest.fixture
def clock() -> Clock:
    return Clock()


@pytest.fixture
def rig_clock(clock: Clock) -> Callable[[], datetime]:
    return clock


@pytest.fixture(autouse=True)
def ana_ben_and_cara(rig: Rig) -> None:
    cast.enroll(rig, ANA, EnrollmentRole.MENTEE, tz=PARIS)
    cast.enroll(rig, BEN, EnrollmentRole.MENTOR, tz=LOS_ANGELES, bio="ML lead.")
    cast.enroll(rig, CARA, EnrollmentRole.MENTEE, tz=PARIS)
    rig.run_due()  # welcomes out of the way
    rig.emulator.clear()


def pair(rig: Rig) -> int:
    with rig.runtime.deps.uow() as uow:
        people = {p.slack_user_id: p for p in uow.session.scalars(select(Person))}
        program = current_program(uow.session, TEAM, KICKOFF)
        started = mentorships.start(
            uow.session,
            program,
            people[BEN],
            people[ANA],
            score=None,
            reasons=[],
            now=KICKOFF,
            default_tz=rig.settings.timezone,
        )
        assert started is not None and started.cadence is Cadence.BIWEEKLY
        mentorship_id = started.id
    rig.run_due(KICKOFF)  # the introduction
    return mentorship_id


def prompted_period_1(rig: Rig, clock: Clock) -> int:
    mentorship_id = pair(rig)
    rig.run_due(PERIOD_1)
    rig.run_due(BEN_PERIOD_1)
    assert [c.period for c in checkins(rig)] == [1]
    clock.now = WEDNESDAY
    rig.emulator.clear()
    return mentorship_id


def checkins(rig: Rig) -> list[CheckIn]:
    with rig.runtime.deps.sessions() as session:
        return list(session.scalars(select(CheckIn).order_by(CheckIn.period)))


def mentorship(rig: Rig) -> Mentorship:
    with rig.runtime.deps.sessions() as session:
        [found] = session.scalars(select(Mentorship))
        return found


def home(rig: Rig, user: str) -> dict[str, Any]:
    """`user` opens their App Home: the view Slack now shows them."""
    queued = len(rig.outbox())
    assert rig.slack.app_home_opened(user).status == 200
    rig.wait_queued(queued + 1)
    rig.run_due()
    view = rig.emulator.home_view(user)
    assert view is not None and validate_view(view) == []
    return view


def open_form(rig: Rig, user: str) -> dict[str, Any]:
    home(rig, user)
    rig.emulator.clear()
    assert rig.slack.block_action(user, PaceIds.OPEN).status == 200
    rig.settle()
    [opened] = rig.emulator.wait_for("views.open")
    assert opened.ok, opened.response
    return opened.args["view"]


def choose(rig: Rig, user: str, cadence: Cadence) -> Any:
    """`user` picks `cadence` in their open form and saves it."""
    return rig.slack.view_submission(
        user, values={PaceIds.CHOICE_BLOCK: {PaceIds.CHOICE_ACTION: cadence.value}}
    )


def row_text(view: dict[str, Any]) -> str:
    return " ".join(
        b["text"]["text"] for b in view["blocks"] if b.get("block_id", "").startswith("pace.row")
    )


def prompted(rig: Rig, user: str) -> int:
    return sum(
        1
        for call in rig.emulator.calls("chat.postMessage")
        if call.ok and call.args["channel"] == user and CheckinIds.MET in str(call.args)
    )


# --- changing it --------------------------------------------------------------------------


def test_the_home_shows_how_often_the_pair_checks_in_with_a_button_to_change_it(
    rig: Rig, clock: Clock
) -> None:
    mentorship_id = pair(rig)

    view = home(rig, ANA)

    assert row_text(view) == f":calendar: You and <@{BEN}> check in *every two weeks*."
    [row] = [b for b in view["blocks"] if b.get("block_id") == f"pace.row.{mentorship_id}"]
    assert row["accessory"]["action_id"] == PaceIds.OPEN
    assert row["accessory"]["value"] == str(mentorship_id)
    assert f"<@{ANA}> check in *every two weeks*" in row_text(home(rig, BEN))


def test_the_form_starts_on_the_pace_now_and_says_the_partner_will_be_told(
    rig: Rig, clock: Clock
) -> None:
    prompted_period_1(rig, clock)

    form = open_form(rig, ANA)

    assert validate_view(form) == []
    [choice] = [b for b in form["blocks"] if b.get("block_id") == PaceIds.CHOICE_BLOCK]
    assert choice["element"]["initial_option"]["value"] == Cadence.BIWEEKLY.value
    assert [o["value"] for o in choice["element"]["options"]] == [c.value for c in Cadence]
    assert f"I'll let <@{BEN}> know" in str(form)


def test_turning_weekly_brings_the_next_check_in_forward_and_later_ones_follow_weekly(
    rig: Rig, clock: Clock
) -> None:
    prompted_period_1(rig, clock)
    open_form(rig, ANA)

    answer = choose(rig, ANA, Cadence.WEEKLY)

    assert answer.status == 200
    assert answer.json["response_action"] == "update"
    assert "now check in *every week*" in str(answer.json["view"])
    assert "Monday 25 March" in str(answer.json["view"])
    found = mentorship(rig)
    assert (found.cadence, found.anchor_period, found.anchor_on) == (
        Cadence.WEEKLY,
        1,
        date(2030, 3, 18),
    )
    # Every two weeks, period 2 would have been Monday 1 April; weekly, it is 25 March,
    # 10:00 in Paris (still winter time) = 09:00 UTC.
    assert found.next_checkin_at == datetime(2030, 3, 25, 9, 0, tzinfo=UTC)
    assert checkins(rig)[0].status is CheckInStatus.PROMPTED  # period 1 stays open

    rig.run_due(datetime(2030, 3, 25, 8, 59, tzinfo=UTC))
    assert prompted(rig, ANA) == 0
    rig.run_due(datetime(2030, 3, 25, 9, 0, tzinfo=UTC))
    assert prompted(rig, ANA) == 1
    # Period 3 a week on: Monday 1 April, 10:00 Paris (summer time) = 08:00 UTC.
    assert mentorship(rig).next_checkin_at == datetime(2030, 4, 1, 8, 0, tzinfo=UTC)
    rig.run_due(datetime(2030, 4, 1, 8, 0, tzinfo=UTC))
    assert [c.period for c in checkins(rig)] == [1, 2, 3]


def test_turning_monthly_puts_the_next_check_in_a_month_after_the_current_one(
    rig: Rig, clock: Clock
) -> None:
    prompted_period_1(rig, clock)
    open_form(rig, BEN)

    choose(rig, BEN, Cadence.MONTHLY)

    # Monday 18 March plus a month is Thursday 18 April; 10:00 Paris = 08:00 UTC.
    assert mentorship(rig).next_checkin_at == datetime(2030, 4, 18, 8, 0, tzinfo=UTC)
    rig.run_due(datetime(2030, 4, 1, 8, 0, tzinfo=UTC))  # every two weeks would be now
    assert [c.period for c in checkins(rig)] == [1]
    rig.run_due(datetime(2030, 4, 18, 8, 0, tzinfo=UTC))
    assert [c.period for c in checkins(rig)] == [1, 2]


def test_the_partner_is_told_by_dm_in_their_own_working_hours(rig: Rig, clock: Clock) -> None:
    prompted_period_1(rig, clock)
    open_form(rig, ANA)

    choose(rig, ANA, Cadence.WEEKLY)

    rig.run_due(WEDNESDAY)  # 05:00 for Ben: not yet
    told = [
        m
        for m in rig.outbox()
        if m.idempotency_key.startswith("pace-changed") and m.payload["channel"] == BEN
    ]
    assert [m.not_before for m in told] == [datetime(2030, 3, 20, 17, 0, tzinfo=UTC)]
    rig.run_due(datetime(2030, 3, 20, 17, 0, tzinfo=UTC))
    [dm] = [m for m in rig.emulator.messages_for(BEN) if "changed how often" in m.get("text", "")]
    assert f"<@{ANA}> changed how often you two check in" in dm["text"]
    assert "every week" in dm["text"] and "Monday 25 March" in dm["text"]
    assert not [
        m for m in rig.emulator.messages_for(ANA) if "changed how often" in m.get("text", "")
    ]


def test_both_homes_show_the_new_pace_without_reopening_the_tab(rig: Rig, clock: Clock) -> None:
    prompted_period_1(rig, clock)
    open_form(rig, ANA)
    home(rig, BEN)
    rig.emulator.clear()

    choose(rig, ANA, Cadence.MONTHLY)
    rig.run_due()

    published = {c.args["user_id"] for c in rig.emulator.calls("views.publish") if c.ok}
    assert published == {ANA, BEN}
    assert "*every month*" in row_text(rig.emulator.home_view(ANA))
    assert "*every month*" in row_text(rig.emulator.home_view(BEN))


def test_the_change_is_audited_with_what_it_was_and_what_it_became(rig: Rig, clock: Clock) -> None:
    prompted_period_1(rig, clock)
    open_form(rig, ANA)

    choose(rig, ANA, Cadence.WEEKLY)

    with rig.runtime.deps.sessions() as session:
        [entry] = session.scalars(select(AuditEntry).where(AuditEntry.action == "pace.changed"))
    assert entry.actor_slack_id == ANA
    assert entry.detail == {"from": "biweekly", "to": "weekly", "next": "2030-03-25"}


def test_late_in_a_month_turning_weekly_starts_next_week_not_at_once(
    rig: Rig, clock: Clock
) -> None:
    prompted_period_1(rig, clock)
    open_form(rig, ANA)
    choose(rig, ANA, Cadence.MONTHLY)  # period 2: Thursday 18 April
    clock.now = datetime(2030, 4, 10, 12, 0, tzinfo=UTC)  # a Wednesday, three weeks on
    open_form(rig, ANA)

    answer = choose(rig, ANA, Cadence.WEEKLY)

    # Weekly from 18 March (period 1): 25 March, 1 April and 8 April have passed; the next
    # to come is Monday 15 April, period 5, and the periods passed over are not sent late.
    assert "Monday 15 April" in str(answer.json["view"])
    assert mentorship(rig).next_checkin_at == datetime(2030, 4, 15, 8, 0, tzinfo=UTC)
    rig.run_due(clock.now)
    assert [c.period for c in checkins(rig)] == [1]
    rig.run_due(datetime(2030, 4, 15, 8, 0, tzinfo=UTC))
    assert [(c.period, c.status) for c in checkins(rig)] == [
        (1, CheckInStatus.MISSED),
        (5, CheckInStatus.PROMPTED),
    ]


def test_a_moved_check_in_then_a_new_pace_counts_from_the_day_it_moved_to(
    rig: Rig, clock: Clock
) -> None:
    prompted_period_1(rig, clock)
    [prompt] = [m for m in rig.emulator.messages_for(ANA) if CheckinIds.MET in str(m)]
    rig.slack.block_action(ANA, CheckinIds.RESCHEDULE, message=prompt)
    rig.settle()
    rig.slack.view_submission(
        ANA, values={CheckinIds.MOVE_DATE_BLOCK: {CheckinIds.MOVE_DATE_ACTION: "2030-03-21"}}
    )  # Thursday
    open_form(rig, ANA)

    choose(rig, ANA, Cadence.WEEKLY)

    found = mentorship(rig)
    assert (found.anchor_period, found.anchor_on) == (1, date(2030, 3, 21))
    # Thursday 28 March, 10:00 Paris = 09:00 UTC.
    assert found.next_checkin_at == datetime(2030, 3, 28, 9, 0, tzinfo=UTC)


def test_before_the_first_check_in_the_new_pace_counts_from_the_kickoff(
    rig: Rig, clock: Clock
) -> None:
    pair(rig)
    clock.now = KICKOFF + timedelta(days=2)
    open_form(rig, BEN)

    choose(rig, BEN, Cadence.WEEKLY)

    found = mentorship(rig)
    assert (found.anchor_period, found.anchor_on) == (None, None)
    assert found.next_checkin_at == datetime(2030, 3, 11, 9, 0, tzinfo=UTC)  # a week on


# --- what changes nothing -----------------------------------------------------------------


def test_choosing_the_pace_they_already_have_changes_nothing(rig: Rig, clock: Clock) -> None:
    prompted_period_1(rig, clock)
    before = mentorship(rig).next_checkin_at
    open_form(rig, ANA)

    answer = choose(rig, ANA, Cadence.BIWEEKLY)

    assert "already check in every two weeks" in str(answer.json["view"])
    found = mentorship(rig)
    assert (found.cadence, found.anchor_period, found.next_checkin_at) == (
        Cadence.BIWEEKLY,
        None,
        before,
    )


def test_a_forged_choice_is_pointed_out_beside_the_field(rig: Rig, clock: Clock) -> None:
    prompted_period_1(rig, clock)
    form = open_form(rig, ANA)
    forged = {"type": "radio_buttons", "selected_option": {"value": "hourly"}}

    answer = rig.slack.view_submission(
        ANA, view=form, values={PaceIds.CHOICE_BLOCK: {PaceIds.CHOICE_ACTION: forged}}
    )

    assert answer.json["response_action"] == "errors"
    assert PaceIds.CHOICE_BLOCK in answer.json["errors"]
    assert mentorship(rig).cadence is Cadence.BIWEEKLY


def test_someone_outside_the_pair_cannot_change_it_and_is_recorded(rig: Rig, clock: Clock) -> None:
    mentorship_id = prompted_period_1(rig, clock)
    form = open_form(rig, ANA)
    before = mentorship(rig)
    rig.emulator.clear()

    anas_home = rig.emulator.home_view(ANA)  # Cara replays Ana's button as her own
    clicked = rig.slack.block_action(CARA, PaceIds.OPEN, value=str(mentorship_id), view=anas_home)
    rig.settle()
    forged = rig.slack.view_submission(
        CARA, view=form, values={PaceIds.CHOICE_BLOCK: {PaceIds.CHOICE_ACTION: "weekly"}}
    )

    assert clicked.status == 200
    [notice] = rig.emulator.wait_for("views.open")
    assert "isn't yours" in str(notice.args["view"])
    assert "isn't yours" in str(forged.json["view"])
    after = mentorship(rig)
    assert (after.cadence, after.anchor_period, after.next_checkin_at) == (
        before.cadence,
        before.anchor_period,
        before.next_checkin_at,
    )
    with rig.runtime.deps.sessions() as session:
        refused = session.scalars(
            select(AuditEntry.actor_slack_id).where(AuditEntry.action == "refused.pace.change")
        ).all()
        told = session.scalars(
            select(OutboxMessage).where(OutboxMessage.idempotency_key.like("pace-changed%"))
        ).all()
    assert refused == [CARA, CARA] and told == []


def test_an_ended_pair_has_no_pace_to_change(rig: Rig, clock: Clock) -> None:
    prompted_period_1(rig, clock)
    form = open_form(rig, ANA)
    with rig.runtime.deps.uow() as uow:
        [found] = uow.session.scalars(select(Mentorship))
        mentorships.end(uow.session, found, reason=EndReason.COMPLETED, now=clock.now)

    answer = rig.slack.view_submission(
        ANA, view=form, values={PaceIds.CHOICE_BLOCK: {PaceIds.CHOICE_ACTION: "weekly"}}
    )

    assert "has ended" in str(answer.json["view"])
    assert mentorship(rig).cadence is Cadence.BIWEEKLY


def test_a_paused_pair_is_told_to_change_it_once_it_resumes(rig: Rig, clock: Clock) -> None:
    prompted_period_1(rig, clock)
    form = open_form(rig, ANA)
    with rig.runtime.deps.uow() as uow:
        [found] = uow.session.scalars(select(Mentorship))
        assert mentorships.pause(uow.session, found)

    answer = rig.slack.view_submission(
        ANA, view=form, values={PaceIds.CHOICE_BLOCK: {PaceIds.CHOICE_ACTION: "weekly"}}
    )

    assert "paused" in str(answer.json["view"])
    assert mentorship(rig).cadence is Cadence.BIWEEKLY


def test_two_changes_at_once_leave_one_pace_and_a_schedule_that_matches_it(
    rig: Rig, clock: Clock
) -> None:
    prompted_period_1(rig, clock)
    open_form(rig, ANA)
    open_form(rig, BEN)
    barrier = threading.Barrier(2)
    answers: dict[str, Any] = {}

    def change(user: str, cadence: Cadence) -> None:
        barrier.wait()
        answers[user] = choose(rig, user, cadence)

    threads = [
        threading.Thread(target=change, args=(ANA, Cadence.WEEKLY)),
        threading.Thread(target=change, args=(BEN, Cadence.MONTHLY)),
    ]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join(30)

    done = [u for u, a in answers.items() if a.json["response_action"] == "update"]
    turned_away = [u for u, a in answers.items() if a.json["response_action"] == "errors"]
    assert sorted(done + turned_away) == [ANA, BEN] and done
    found = mentorship(rig)
    expected = {
        Cadence.WEEKLY: datetime(2030, 3, 25, 9, 0, tzinfo=UTC),
        Cadence.MONTHLY: datetime(2030, 4, 18, 8, 0, tzinfo=UTC),
    }
    assert found.next_checkin_at == expected[found.cadence]
    with rig.runtime.deps.sessions() as session:
        changes = session.scalars(
            select(AuditEntry.detail)
            .where(AuditEntry.action == "pace.changed")
            .order_by(AuditEntry.id)
        ).all()
        told = session.scalars(
            select(OutboxMessage.id).where(OutboxMessage.idempotency_key.like("pace-changed%"))
        ).all()
    assert len(changes) == len(done) == len(told)
    assert changes[-1]["to"] == found.cadence.value
