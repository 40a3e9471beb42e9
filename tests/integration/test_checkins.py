"""Check-ins: each of the two prompted at their own morning, once per period, answered once.

Ana (mentee, Paris) and Ben (mentor, Los Angeles) are paired directly; `rig.run_due(at)`
moves the clock. Kicked off on Monday 4 March 2030 and meeting every two weeks, their
first check-in is Monday 18 March: 10:00 in Paris is 09:00 UTC, and 10:00 in Los Angeles
(already on summer time since 10 March) is 17:00 UTC.
"""

from __future__ import annotations

import threading
import time
from collections.abc import Callable
from datetime import UTC, date, datetime, timedelta
from typing import Any
from zoneinfo import ZoneInfo

import pytest
from sqlalchemy import select

from bot import home, mentorships
from bot.db.enums import CheckInStatus, EndReason, EnrollmentRole
from bot.db.models import AuditEntry, CheckIn, CheckInNote, Mentorship, Person
from bot.emulator import validate_blocks
from bot.programs import current_program
from bot.runtime import build_runtime
from bot.views.checkins import CheckinIds
from scheduling.due import run_due
from tests.integration import cast
from tests.integration.conftest import TEAM, Rig, rig_settings

ANA, BEN, CARA = "U0ANA0001", "U0BEN0001", "U0CARA001"
PARIS, LOS_ANGELES = "Europe/Paris", "America/Los_Angeles"
KICKOFF = datetime(2030, 3, 4, 12, 0, tzinfo=UTC)  # a Monday
ANA_TEN = datetime(2030, 3, 18, 9, 0, tzinfo=UTC)  # 10:00 in Paris
BEN_TEN = datetime(2030, 3, 18, 17, 0, tzinfo=UTC)  # 10:00 in Los Angeles
GOALS = "Ship my first model to production and learn to review ML code."


@pytest.fixture(autouse=True)
def cast_of_three(rig: Rig) -> None:
    cast.enroll(rig, ANA, EnrollmentRole.MENTEE, tz=PARIS, goals=GOALS)
    cast.enroll(rig, BEN, EnrollmentRole.MENTOR, tz=LOS_ANGELES, goals="", bio="ML lead.")
    cast.enroll(rig, CARA, EnrollmentRole.MENTOR, tz=PARIS, goals="", bio="Data lead.")
    rig.run_due()  # welcomes out of the way
    rig.emulator.clear()


def pair(rig: Rig, kickoff: datetime = KICKOFF) -> int:
    """Ben mentors Ana from `kickoff`; their intro is delivered and forgotten."""
    with rig.runtime.deps.uow() as uow:
        session = uow.session
        people = {p.slack_user_id: p for p in session.scalars(select(Person))}
        program = current_program(session, TEAM, kickoff)
        mentorship = mentorships.start(
            session,
            program,
            people[BEN],
            people[ANA],
            score=None,
            reasons=[],
            now=kickoff,
            default_tz=rig.settings.timezone,
        )
        assert mentorship is not None
        mentorship_id = mentorship.id
    rig.run_due(kickoff)
    rig.emulator.clear()
    return mentorship_id


def prompts(rig: Rig, user: str) -> list[Any]:
    """Prompts Slack accepted for `user` (failed attempts left out)."""
    return [
        call
        for call in rig.emulator.calls("chat.postMessage")
        if call.ok and call.args["channel"] == user and CheckinIds.MET in str(call.args)
    ]


def prompt_seen(rig: Rig, user: str) -> dict[str, Any]:
    [message] = [m for m in rig.emulator.messages_for(user) if CheckinIds.ACTIONS_BLOCK in str(m)]
    return message


def checkins(rig: Rig) -> list[CheckIn]:
    with rig.runtime.deps.sessions() as session:
        return list(session.scalars(select(CheckIn).order_by(CheckIn.period)))


def updates_for(rig: Rig, user: str) -> list[Any]:
    """Rewrites of `user`'s prompt, found by where it was delivered."""
    [prompt] = prompts(rig, user)
    return [
        call
        for call in rig.emulator.calls("chat.update")
        if call.ok and call.args["ts"] == prompt.response["ts"]
    ]


def at_once(*actions: Callable[[], Any]) -> list[Any]:
    barrier = threading.Barrier(len(actions))
    results: list[Any] = [None] * len(actions)

    def run(index: int) -> None:
        barrier.wait()
        results[index] = actions[index]()

    threads = [threading.Thread(target=run, args=(i,)) for i in range(len(actions))]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join(30)
    return results


# --- when prompts go out ------------------------------------------------------------------


def test_each_person_is_prompted_at_ten_in_the_morning_on_their_own_clock(rig: Rig) -> None:
    pair(rig)

    early = rig.run_due(ANA_TEN - timedelta(minutes=1))
    assert (early.prompted_pairs, prompts(rig, ANA), prompts(rig, BEN)) == (0, [], [])

    at_ana = rig.run_due(ANA_TEN)
    assert at_ana.prompted_pairs == 1
    assert len(prompts(rig, ANA)) == 1 and prompts(rig, BEN) == []  # 02:00 for Ben

    rig.run_due(BEN_TEN - timedelta(minutes=1))
    assert prompts(rig, BEN) == []
    rig.run_due(BEN_TEN)
    assert len(prompts(rig, BEN)) == 1 and len(prompts(rig, ANA)) == 1

    with rig.runtime.deps.sessions() as session:
        [mentorship] = session.scalars(select(Mentorship))
    # The next period: Monday 1 April, 10:00 Paris (summer time now) = 08:00 UTC.
    assert mentorship.next_checkin_at == datetime(2030, 4, 1, 8, 0, tzinfo=UTC)
    assert [(c.period, c.status) for c in checkins(rig)] == [(1, CheckInStatus.PROMPTED)]


def test_the_prompt_is_warm_names_the_partner_carries_an_agenda_and_the_goals(rig: Rig) -> None:
    pair(rig)
    rig.run_due(ANA_TEN)
    rig.run_due(BEN_TEN)

    [to_ana], [to_ben] = prompts(rig, ANA), prompts(rig, BEN)
    for call, partner in ((to_ana, BEN), (to_ben, ANA)):
        blocks = call.args["blocks"]
        assert validate_blocks(blocks, surface="message") == []
        shown = str(blocks)
        assert f"<@{partner}>" in call.args["text"]
        assert "Progress on each goal" in shown and "specific challenge" in shown
        assert "Ship my first model" in shown
        buttons = [
            e["text"]["text"] for b in blocks if b["type"] == "actions" for e in b["elements"]
        ]
        assert buttons == ["We met", "Reschedule", "Skip this time", "Need help", "Add to calendar"]


def test_running_the_due_work_twice_and_in_two_processes_prompts_each_person_once(
    rig: Rig, db_url: str
) -> None:
    pair(rig)
    other = build_runtime(rig_settings(rig.emulator, db_url))
    try:
        rig.run_due(ANA_TEN)
        rig.run_due(ANA_TEN)
        reports = at_once(lambda: run_due(rig.runtime, BEN_TEN), lambda: run_due(other, BEN_TEN))
    finally:
        other.close()

    assert sum(r.prompted_pairs for r in reports) == 0
    assert len(prompts(rig, ANA)) == 1 and len(prompts(rig, BEN)) == 1
    assert len(checkins(rig)) == 1


def test_two_processes_reaching_a_due_pair_at_the_same_instant_prompt_it_once(
    rig: Rig, db_url: str
) -> None:
    pair(rig)
    other = build_runtime(rig_settings(rig.emulator, db_url))
    try:
        reports = at_once(lambda: run_due(rig.runtime, ANA_TEN), lambda: run_due(other, ANA_TEN))
        rig.run_due(BEN_TEN)
    finally:
        other.close()

    assert sorted(r.prompted_pairs for r in reports) == [0, 1]
    assert len(prompts(rig, ANA)) == 1 and len(prompts(rig, BEN)) == 1
    assert len(checkins(rig)) == 1


def test_after_downtime_the_overdue_prompt_goes_out_once_in_working_hours(rig: Rig) -> None:
    pair(rig)
    back = datetime(2030, 3, 20, 12, 0, tzinfo=UTC)  # two days late: 13:00 Paris, 05:00 LA

    rig.run_due(back)
    rig.run_due(back + timedelta(minutes=5))
    assert len(prompts(rig, ANA)) == 1 and prompts(rig, BEN) == []  # Ben is asleep
    rig.run_due(datetime(2030, 3, 20, 17, 0, tzinfo=UTC))  # 10:00 for Ben
    rig.run_due(datetime(2030, 3, 20, 17, 5, tzinfo=UTC))

    assert len(prompts(rig, ANA)) == 1 and len(prompts(rig, BEN)) == 1


def test_a_period_more_than_one_period_late_is_replaced_by_the_next_not_sent_stale(
    rig: Rig,
) -> None:
    pair(rig)
    rig.run_due(ANA_TEN)  # period 1 reaches Ana; the bot goes down before Ben's morning
    # Back on Tuesday 16 April, 10:00 in Los Angeles: periods 2 (1 April) and 3 (15 April)
    # have both passed. Only period 3 is prompted, and Ben's period-1 prompt is withdrawn.
    report = rig.run_due(datetime(2030, 4, 16, 17, 0, tzinfo=UTC))

    assert report.prompted_pairs == 1
    assert [(c.period, c.status) for c in checkins(rig)] == [
        (1, CheckInStatus.MISSED),
        (3, CheckInStatus.PROMPTED),
    ]
    assert len(prompts(rig, ANA)) == 1  # 19:00 in Paris: hers waits for her morning
    assert len(prompts(rig, BEN)) == 1
    assert "(Monday 15 April)" in prompts(rig, BEN)[0].args["text"]
    rig.run_due(datetime(2030, 4, 17, 8, 0, tzinfo=UTC))  # 10:00 in Paris
    assert len(prompts(rig, ANA)) == 2
    assert "(Monday 15 April)" in prompts(rig, ANA)[1].args["text"]


def test_slack_refusing_for_a_while_then_recovering_delivers_each_prompt_once(rig: Rig) -> None:
    pair(rig)
    rig.emulator.rate_limit("chat.postMessage", retry_after=30, times=3)
    rig.emulator.fail("chat.postMessage", status=500, times=5)

    for start in (ANA_TEN, BEN_TEN):
        for minute in range(0, 60, 2):
            rig.run_due(start + timedelta(minutes=minute))

    refused = [c for c in rig.emulator.calls("chat.postMessage") if not c.ok]
    assert len(refused) == 8
    assert len(prompts(rig, ANA)) == 1 and len(prompts(rig, BEN)) == 1


# --- answering ----------------------------------------------------------------------------


@pytest.fixture
def prompted(rig: Rig) -> datetime:
    """A pair kicked off 20 days ago, both prompted for period 1; the instant it was done."""
    now = datetime.now(UTC)
    pair(rig, kickoff=now - timedelta(days=20))
    rig.run_due(now)
    later = now + timedelta(days=4)  # each inside their working hours by then
    rig.run_due(later)
    assert len(prompts(rig, ANA)) == 1 and len(prompts(rig, BEN)) == 1
    return later


def open_log(rig: Rig, user: str) -> dict[str, Any]:
    rig.slack.block_action(user, CheckinIds.MET, message=prompt_seen(rig, user))
    rig.settle()
    view = rig.emulator.top_view(user)
    assert view is not None and view["callback_id"] == CheckinIds.LOG_CALLBACK
    return view


def useful(rating: str, **more: dict[str, str]) -> dict[str, dict[str, str]]:
    return {CheckinIds.USEFUL_BLOCK: {CheckinIds.USEFUL_ACTION: rating}, **more}


def test_we_met_by_the_mentee_logs_it_for_both_and_rewrites_the_mentors_prompt(
    rig: Rig, prompted: datetime
) -> None:
    view = open_log(rig, ANA)
    today = datetime.now(ZoneInfo(PARIS)).date()
    assert f"'initial_date': '{today.isoformat()}'" in str(view["blocks"])
    thanks = {CheckinIds.THANKS_BLOCK: {CheckinIds.THANKS_ACTION: "Thanks for the <paper> tips!"}}
    notes = {CheckinIds.NOTES_BLOCK: {CheckinIds.NOTES_ACTION: "Ask about eval sets next time."}}
    answer = rig.slack.view_submission(ANA, values=useful("4", **thanks, **notes))
    rig.run_due(prompted + timedelta(minutes=1))

    assert answer.status == 200 and not answer.text.strip()  # the modal closes
    [checkin] = checkins(rig)
    assert (checkin.status, checkin.usefulness, checkin.met_on) == (CheckInStatus.MET, 4, today)
    assert checkin.thanks == "Thanks for the <paper> tips!"
    [to_ben] = updates_for(rig, BEN)
    assert f"<@{ANA}> logged your check-in" in to_ben.args["text"]
    assert "&lt;paper&gt; tips" in str(to_ben.args["blocks"])
    assert CheckinIds.MET not in str(to_ben.args["blocks"])  # no buttons left to press
    [to_ana] = updates_for(rig, ANA)
    assert "logged for you both" in to_ana.args["text"]
    with rig.runtime.deps.sessions() as session:
        [note] = session.scalars(select(CheckInNote))
    assert note.body == "Ask about eval sets next time."


def test_both_logging_at_once_record_one_meeting_and_the_other_is_told_once(
    rig: Rig, prompted: datetime
) -> None:
    open_log(rig, ANA)
    open_log(rig, BEN)

    answers = at_once(
        lambda: rig.slack.view_submission(ANA, values=useful("5")),
        lambda: rig.slack.view_submission(BEN, values=useful("3")),
    )
    rig.run_due(prompted + timedelta(minutes=1))

    [checkin] = checkins(rig)
    assert checkin.status is CheckInStatus.MET
    # The log is made after the form closes: the one who came second hears it in their
    # form when the first had logged before theirs was checked, else by DM; once either way.
    told = [a for a in answers if a.json and a.json.get("response_action") == "update"]
    by_dm = [
        call
        for user in (ANA, BEN)
        for call in rig.emulator.calls("chat.postMessage")
        if call.args["channel"] == user and "already logged this check-in" in str(call.args)
    ]
    assert len(told) + len(by_dm) == 1
    assert all("already logged this check-in" in str(a.json["view"]) for a in told)
    for user in (ANA, BEN):
        assert len(updates_for(rig, user)) == 1
    with rig.runtime.deps.sessions() as session:
        logs = session.scalars(select(AuditEntry).where(AuditEntry.action == "checkin.met")).all()
    assert len(logs) == 1


def test_a_meeting_date_in_the_future_or_before_the_pair_began_gets_an_error_beside_it(
    rig: Rig, prompted: datetime
) -> None:
    open_log(rig, BEN)

    tomorrow = date.today() + timedelta(days=2)
    future = rig.slack.view_submission(
        BEN, values=useful("4", **{CheckinIds.DATE_BLOCK: {CheckinIds.DATE_ACTION: str(tomorrow)}})
    )
    before = rig.slack.view_submission(
        BEN, values=useful("4", **{CheckinIds.DATE_BLOCK: {CheckinIds.DATE_ACTION: "2020-01-06"}})
    )

    for answer, words in ((future, "hasn't come yet"), (before, "before you two were paired")):
        assert answer.json["response_action"] == "errors"
        assert words in answer.json["errors"][CheckinIds.DATE_BLOCK]
    assert checkins(rig)[0].status is CheckInStatus.PROMPTED


def test_skip_this_time_is_recorded_and_both_prompts_say_so(rig: Rig, prompted: datetime) -> None:
    rig.slack.block_action(BEN, CheckinIds.SKIP, message=prompt_seen(rig, BEN))
    rig.run_due(prompted + timedelta(minutes=1))

    assert checkins(rig)[0].status is CheckInStatus.SKIPPED
    [to_ben] = updates_for(rig, BEN)
    [to_ana] = updates_for(rig, ANA)
    assert "You skipped this check-in" in to_ben.args["text"]
    assert f"<@{BEN}> skipped this check-in" in to_ana.args["text"]
    assert "again around" in to_ana.args["text"]


def test_a_stranger_clicking_someone_elses_prompt_changes_nothing(
    rig: Rig, prompted: datetime
) -> None:
    bens = prompt_seen(rig, BEN)

    rig.slack.block_action(CARA, CheckinIds.MET, message=bens)
    rig.slack.block_action(CARA, CheckinIds.SKIP, message=bens)
    rig.slack.block_action(CARA, CheckinIds.SKIP, "99999999", message=bens)  # a forged id
    rig.settle()
    rig.run_due(prompted + timedelta(minutes=1))

    assert checkins(rig)[0].status is CheckInStatus.PROMPTED
    assert rig.emulator.calls("views.open") == []
    assert rig.emulator.calls("chat.update") == []
    answers = [c for c in rig.emulator.calls("response_url") if "another pair" in str(c.args)]
    assert len(answers) == 2
    with rig.runtime.deps.sessions() as session:
        refused = session.scalars(
            select(AuditEntry.action).where(AuditEntry.action.like("refused.checkin%"))
        ).all()
    assert sorted(refused) == [
        "refused.checkin.met",
        "refused.checkin.skip",
        "refused.checkin.skip",
    ]


# --- "We met" answered at once, logged after ---------------------------------------------

# What one Home takes to render on a machine loaded enough that the whole log, done before
# the answer, would keep Slack waiting past its 3 seconds.
SLOW_HOME_S = 1.6


@pytest.fixture
def slow_homes(monkeypatch: pytest.MonkeyPatch) -> None:
    """Rendering a Home takes SLOW_HOME_S in the bot's listeners (the log renders two)."""
    render = home.home_state

    def slowly(*args: Any, **kwargs: Any) -> Any:
        if threading.current_thread().name.startswith("listener"):
            time.sleep(SLOW_HOME_S)
        return render(*args, **kwargs)

    monkeypatch.setattr(home, "home_state", slowly)


def published_to(rig: Rig, user: str) -> list[Any]:
    return [c for c in rig.emulator.calls("views.publish") if c.ok and c.args["user_id"] == user]


def test_we_met_is_answered_well_inside_slacks_3_seconds_and_then_logged_once(
    rig: Rig, prompted: datetime, slow_homes: None
) -> None:
    open_log(rig, ANA)
    rig.emulator.slow("views.publish", seconds=1.0)
    rig.emulator.slow("chat.update", seconds=1.0)

    answer = rig.slack.view_submission(ANA, values=useful("4"))

    assert answer.status == 200 and not answer.text.strip()  # the modal closes
    assert answer.elapsed < 1.5 and answer.in_time
    rig.run_due(prompted + timedelta(minutes=1))
    [checkin] = checkins(rig)
    assert (checkin.status, checkin.usefulness) == (CheckInStatus.MET, 4)
    [to_ben] = updates_for(rig, BEN)
    assert f"<@{ANA}> logged your check-in" in to_ben.args["text"]
    assert len(published_to(rig, ANA)) == 1 and len(published_to(rig, BEN)) == 1


def test_a_usefulness_left_out_or_forged_is_shown_beside_it_in_the_answer(
    rig: Rig, prompted: datetime, slow_homes: None
) -> None:
    open_log(rig, BEN)
    queued = len(rig.outbox())

    forged = {"type": "static_select", "selected_option": {"value": "9"}}
    for values in ({}, {CheckinIds.USEFUL_BLOCK: {CheckinIds.USEFUL_ACTION: forged}}):
        answer = rig.slack.view_submission(BEN, values=values)

        assert answer.json["response_action"] == "errors"
        assert answer.json["errors"] == {CheckinIds.USEFUL_BLOCK: "Please choose from 1 to 5."}
        assert answer.elapsed < 1.5
    rig.settle()
    assert checkins(rig)[0].status is CheckInStatus.PROMPTED
    assert len(rig.outbox()) == queued


def test_the_same_form_submitted_twice_logs_once(rig: Rig, prompted: datetime) -> None:
    view = open_log(rig, ANA)
    notes = {CheckinIds.NOTES_BLOCK: {CheckinIds.NOTES_ACTION: "Eval sets."}}

    answers = at_once(
        *(lambda: rig.slack.view_submission(ANA, view, values=useful("5", **notes)),) * 2
    )
    rig.settle()
    again = rig.slack.view_submission(ANA, view, values=useful("5", **notes))
    rig.run_due(prompted + timedelta(minutes=1))

    assert all(a.status == 200 and a.in_time for a in [*answers, again])
    assert "already logged this check-in" in str(again.json["view"])
    [checkin] = checkins(rig)
    assert checkin.status is CheckInStatus.MET
    with rig.runtime.deps.sessions() as session:
        logged = session.scalars(select(AuditEntry).where(AuditEntry.action == "checkin.met"))
        assert len(logged.all()) == 1
        [note] = session.scalars(select(CheckInNote))
    assert note.body == "Eval sets."
    for user in (ANA, BEN):
        assert len(updates_for(rig, user)) == 1
        assert len(published_to(rig, user)) == 1


def test_a_log_failing_after_the_form_closed_keeps_nothing_half_done_and_tells_the_person(
    rig: Rig, prompted: datetime, monkeypatch: pytest.MonkeyPatch, caplog: pytest.LogCaptureFixture
) -> None:
    open_log(rig, ANA)
    refresh = home.refresh_pair

    def broken(*args: Any, **kwargs: Any) -> None:
        raise RuntimeError("the database went away")

    monkeypatch.setattr(home, "refresh_pair", broken)  # the last step but one of the log
    thanks = {CheckinIds.THANKS_BLOCK: {CheckinIds.THANKS_ACTION: "Thanks for the tips!"}}
    notes = {CheckinIds.NOTES_BLOCK: {CheckinIds.NOTES_ACTION: "Ask about\neval sets."}}

    answer = rig.slack.view_submission(ANA, values=useful("4", **thanks, **notes))
    rig.run_due(prompted + timedelta(minutes=1))

    assert answer.status == 200 and not answer.text.strip()  # closed before the failure
    [failure] = [r for r in caplog.records if "failed after the form closed" in r.getMessage()]
    assert failure.exc_info is not None and "went away" in str(failure.exc_info[1])
    [checkin] = checkins(rig)  # all of the log rolled back, not half of it
    assert (checkin.status, checkin.usefulness, checkin.thanks) == (
        CheckInStatus.PROMPTED,
        None,
        None,
    )
    assert rig.count(CheckInNote) == 0
    assert updates_for(rig, ANA) == [] and updates_for(rig, BEN) == []
    assert published_to(rig, ANA) == [] and published_to(rig, BEN) == []
    [told] = [
        c
        for c in rig.emulator.calls("chat.postMessage")
        if c.args["channel"] == ANA and "could not be saved" in c.args["text"]
    ]
    assert "Ask about\n>eval sets." in told.args["text"]
    assert "Thanks for the tips!" in told.args["text"]

    monkeypatch.setattr(home, "refresh_pair", refresh)
    open_log(rig, ANA)  # the prompt kept its buttons: logging again works
    rig.slack.view_submission(ANA, values=useful("4", **thanks))
    rig.run_due(prompted + timedelta(minutes=2))
    assert checkins(rig)[0].status is CheckInStatus.MET


# --- a pair that ends or pauses -----------------------------------------------------------


def end_or_pause(rig: Rig, mentorship_id: int, action: str, at: datetime) -> None:
    with rig.runtime.deps.uow() as uow:
        mentorship = uow.session.get(Mentorship, mentorship_id)
        assert mentorship is not None
        if action == "end":
            assert mentorships.end(uow.session, mentorship, reason=EndReason.REMATCHED, now=at)
        else:
            assert mentorships.pause(uow.session, mentorship)


@pytest.mark.parametrize("action", ["end", "pause"])
def test_a_prompt_still_waiting_for_someones_morning_is_not_sent_once_the_pair_ends_or_pauses(
    rig: Rig, action: str
) -> None:
    mentorship_id = pair(rig)
    rig.run_due(ANA_TEN)  # Ana's prompt goes; Ben's waits for 10:00 in Los Angeles
    assert len(prompts(rig, ANA)) == 1 and prompts(rig, BEN) == []

    end_or_pause(rig, mentorship_id, action, ANA_TEN + timedelta(hours=1))
    rig.run_due(BEN_TEN + timedelta(days=1))

    assert prompts(rig, BEN) == []
    assert len(prompts(rig, ANA)) == 1
