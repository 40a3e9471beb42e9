"""Follow-up and escalation: a pair that stops meeting hears from us once, kindly; at
three check-ins without a meeting the coordinators are told once and the pair is on
their App Home, with one-click actions; asks for help are listed there too.

Ana (mentee, Paris) and Ben (mentor, Los Angeles) are paired weeks ago, so each check-in
period can be opened by running the due-work job at the instant it is due
(`open_next`); the clicks come later, at the real time, as Slack sends them.
"""

from __future__ import annotations

import json
from datetime import UTC, datetime, timedelta
from typing import Any
from zoneinfo import ZoneInfo

import pytest
from sqlalchemy import select, update

from bot.cadence import day_label
from bot.db.enums import CheckInStatus, MentorshipStatus
from bot.db.models import (
    AuditEntry,
    CheckIn,
    Enrollment,
    HelpRequest,
    Mentorship,
    OutboxMessage,
    Person,
)
from bot.emulator import validate_blocks, validate_view
from bot.views.checkins import CheckinIds
from bot.views.find import FindIds
from bot.views.followups import COORDINATORS_ONLY, FollowupIds
from tests.integration import test_checkins as base
from tests.integration.conftest import COORDINATOR, Rig
from tests.integration.test_checkins import ANA, BEN, CARA, pair, useful

cast_of_three = base.cast_of_three  # autouse: Ana, Ben and Cara enrolled


# --- the clock and what people saw ---------------------------------------------------------


def mentorship(rig: Rig) -> Mentorship:
    with rig.runtime.deps.sessions() as session:
        [found] = session.scalars(select(Mentorship))
    return found


def open_next(rig: Rig) -> datetime:
    """Run the due-work job when the pair's next check-in is due (the period before it is
    decided), then once more when both are at work, so everything queued goes out."""
    due = mentorship(rig).next_checkin_at
    assert due is not None
    rig.run_due(due)
    rig.run_due(due + timedelta(hours=9))  # 10:00 in Los Angeles, evening in Paris
    return due


def paired(rig: Rig, days_ago: int) -> int:
    return pair(rig, kickoff=datetime.now(UTC) - timedelta(days=days_ago))


def follow_ups(rig: Rig, user: str) -> list[Any]:
    """Follow-ups and nudges Slack accepted for `user`."""
    return [
        call
        for call in rig.emulator.calls("chat.postMessage")
        if call.ok
        and call.args["channel"] == user
        and FollowupIds.SUGGEST_CHAT in json.dumps(call.args.get("blocks"))
    ]


def dms_to(rig: Rig, user: str, words: str) -> list[Any]:
    return [
        call
        for call in rig.emulator.calls("chat.postMessage")
        if call.ok and call.args["channel"] == user and words in json.dumps(call.args)
    ]


def latest_prompt(rig: Rig, user: str) -> dict[str, Any]:
    shown = [m for m in rig.emulator.messages_for(user) if CheckinIds.ACTIONS_BLOCK in str(m)]
    return shown[-1]


def audited(rig: Rig, pattern: str) -> list[AuditEntry]:
    with rig.runtime.deps.sessions() as session:
        return list(
            session.scalars(
                select(AuditEntry).where(AuditEntry.action.like(pattern)).order_by(AuditEntry.id)
            )
        )


def home_of(rig: Rig, user: str) -> dict[str, Any]:
    home = rig.emulator.home_view(user)
    assert home is not None
    assert validate_view(home) == []
    return home


def block_ids(view: dict[str, Any]) -> list[str]:
    return [block.get("block_id", "") for block in view["blocks"]]


def snooze(rig: Rig, user: str, until: datetime | None) -> None:
    """What `/mentor snooze` stores (another flow's command)."""
    with rig.runtime.deps.sessions() as session:
        session.execute(
            update(Person).where(Person.slack_user_id == user).values(snoozed_until=until)
        )
        session.commit()


def log_meeting(rig: Rig, user: str) -> None:
    rig.slack.block_action(user, CheckinIds.MET, message=latest_prompt(rig, user))
    rig.settle()
    answer = rig.slack.view_submission(user, values=useful("4"))
    assert answer.status == 200 and not answer.text.strip()


@pytest.fixture
def at_risk(rig: Rig) -> int:
    """Paired 66 days ago and never met: periods 1-3 missed when period 4 opened (ten
    days ago), so the coordinators were told and the pair is on their Home."""
    mentorship_id = paired(rig, days_ago=66)
    for _ in range(4):
        open_next(rig)
    assert mentorship(rig).at_risk_since is not None
    return mentorship_id


# --- follow-up -----------------------------------------------------------------------------


def test_two_check_ins_without_a_meeting_bring_each_one_kind_follow_up_once(rig: Rig) -> None:
    paired(rig, days_ago=80)
    open_next(rig)
    open_next(rig)  # period 1 missed: one is not yet a pattern
    assert follow_ups(rig, ANA) == [] and follow_ups(rig, BEN) == []

    due = open_next(rig)  # period 2 missed too
    rig.run_due(due + timedelta(hours=9))
    rig.run_due(due + timedelta(hours=10))

    [to_ana], [to_ben] = follow_ups(rig, ANA), follow_ups(rig, BEN)
    for call, partner in ((to_ana, BEN), (to_ben, ANA)):
        shown = json.dumps(call.args["blocks"])
        assert validate_blocks(call.args["blocks"], surface="message") == []
        assert f"<@{partner}>" in shown and "Life gets busy" in shown
        assert "two check-ins" in shown
        for action_id in (CheckinIds.MET, CheckinIds.RESCHEDULE, CheckinIds.HELP):
            assert action_id in shown  # on the period now open, so each one works
    assert [a.detail["periods"] for a in audited(rig, "followup.sent")] == [2]
    assert mentorship(rig).at_risk_since is None
    assert dms_to(rig, COORDINATOR, FollowupIds.ALERT_BLOCK) == []


def test_a_logged_meeting_starts_the_count_again(rig: Rig) -> None:
    paired(rig, days_ago=80)
    open_next(rig)
    open_next(rig)  # period 1 missed
    log_meeting(rig, ANA)  # period 2: they met

    open_next(rig)
    open_next(rig)  # period 3 missed: one since the meeting
    assert follow_ups(rig, ANA) == [] and follow_ups(rig, BEN) == []

    open_next(rig)  # period 4 missed: two since the meeting
    assert len(follow_ups(rig, ANA)) == len(follow_ups(rig, BEN)) == 1
    assert [a.detail["first_period"] for a in audited(rig, "followup.sent")] == [3]


def test_suggest_a_chat_tells_the_partner_once_and_the_clicker_it_did(rig: Rig) -> None:
    paired(rig, days_ago=40)
    for _ in range(3):
        open_next(rig)
    [to_ana] = follow_ups(rig, ANA)
    message = next(m for m in rig.emulator.messages_for(ANA) if m["ts"] == to_ana.response["ts"])

    for _ in range(2):
        rig.slack.block_action(ANA, FollowupIds.SUGGEST_CHAT, message=message)
        rig.settle()
    rig.run_due(datetime.now(UTC) + timedelta(days=4))  # Ben's working hours, surely

    [told] = dms_to(rig, BEN, "15-minute chat with you")
    assert f"<@{ANA}> would like a quick 15-minute chat" in told.args["text"]
    answers = [c.args["text"] for c in rig.emulator.calls("response_url")]
    assert any("I've let <@U0BEN0001> know" in a for a in answers)
    assert any("already suggested" in a for a in answers)
    assert len(audited(rig, "followup.chat")) == 1


# --- escalation ----------------------------------------------------------------------------


def test_three_without_a_meeting_tell_the_coordinators_once_and_list_the_pair(
    rig: Rig, at_risk: int
) -> None:
    rig.run_due()
    rig.run_due()

    [alert] = dms_to(rig, COORDINATOR, FollowupIds.ALERT_BLOCK)
    shown = json.dumps(alert.args["blocks"])
    assert validate_blocks(alert.args["blocks"], surface="message") == []
    assert f"<@{BEN}> mentoring <@{ANA}>" in shown and "three check-ins" in shown
    assert "At-risk pairs" in shown
    assert len(follow_ups(rig, ANA)) == len(follow_ups(rig, BEN)) == 1  # still one each
    [flag] = audited(rig, "followup.at_risk")
    assert flag.detail == {"periods": 3, "first_period": 1}
    assert len(audited(rig, "followup.escalated")) == 1

    home = home_of(rig, COORDINATOR)
    assert f"{FollowupIds.PAIR_BLOCK}{at_risk}" in block_ids(home)
    pair_text = json.dumps(home["blocks"])
    assert f"<@{BEN}> mentoring <@{ANA}>" in pair_text
    assert "without a meeting" in pair_text and "no meeting logged since" in pair_text


def test_a_meeting_logged_takes_the_pair_off_the_list(rig: Rig, at_risk: int) -> None:
    log_meeting(rig, BEN)
    rig.run_due()

    assert mentorship(rig).at_risk_since is None
    assert f"{FollowupIds.PAIR_BLOCK}{at_risk}" not in block_ids(home_of(rig, COORDINATOR))
    assert len(audited(rig, "followup.recovered")) == 1


def test_nudge_again_sends_both_a_fresh_kind_note_and_is_audited(rig: Rig, at_risk: int) -> None:
    rig.slack.block_action(COORDINATOR, FollowupIds.NUDGE)
    rig.settle()
    with rig.runtime.deps.sessions() as session:
        queued = session.scalars(
            select(OutboxMessage).where(OutboxMessage.idempotency_key.like("nudge:%"))
        ).all()
    rig.run_due(max(m.not_before for m in queued))

    for user, partner in ((ANA, BEN), (BEN, ANA)):
        nudged = follow_ups(rig, user)[-1]
        assert f"A friendly hello from <@{COORDINATOR}>" in json.dumps(nudged.args["blocks"])
        assert f"<@{partner}>" in json.dumps(nudged.args["blocks"])
    [entry] = audited(rig, "followup.nudged")
    assert (entry.actor_slack_id, entry.subject_id) == (COORDINATOR, str(at_risk))
    [said] = dms_to(rig, COORDINATOR, "Nudged")
    assert f"<@{BEN}> and <@{ANA}>" in said.args["text"]


def test_pause_and_resume_from_the_home_tell_the_pair_and_are_audited(
    rig: Rig, at_risk: int
) -> None:
    rig.slack.block_action(COORDINATOR, FollowupIds.PAUSE)
    rig.run_due(datetime.now(UTC) + timedelta(days=3))

    paused = mentorship(rig)
    assert (paused.status, paused.next_checkin_at) == (MentorshipStatus.PAUSED, None)
    assert dms_to(rig, ANA, "paused check-ins") and dms_to(rig, BEN, "paused check-ins")
    home = home_of(rig, COORDINATOR)
    assert FollowupIds.RESUME in json.dumps(home["blocks"]) and "_paused_" in json.dumps(home)

    rig.slack.block_action(COORDINATOR, FollowupIds.RESUME)
    rig.settle()
    resumed = mentorship(rig)
    assert resumed.status is MentorshipStatus.ACTIVE
    assert resumed.next_checkin_at is not None
    # The day the pair is told is the day the due-work job will prompt them (Ana's Paris).
    rig.run_due(resumed.next_checkin_at - timedelta(minutes=1))  # their working hours
    day = day_label(resumed.next_checkin_at.astimezone(ZoneInfo("Europe/Paris")).date())
    for user in (ANA, BEN):
        [told] = dms_to(rig, user, "has resumed your mentorship")
        assert f"Your next check-in is on {day}." in told.args["text"]
    assert [a.action for a in audited(rig, "followup.%ed")][-2:] == [
        "followup.paused",
        "followup.resumed",
    ]


def test_a_paused_pair_stays_listed_to_be_resumed_even_after_a_late_log(
    rig: Rig, at_risk: int
) -> None:
    rig.slack.block_action(COORDINATOR, FollowupIds.PAUSE)
    rig.run_due()
    log_meeting(rig, ANA)  # from the check-in message they still have
    rig.run_due()

    home = home_of(rig, COORDINATOR)
    assert f"{FollowupIds.PAIR_BLOCK}{at_risk}" in block_ids(home)  # Resume is still at hand
    assert FollowupIds.RESUME in json.dumps(home["blocks"])

    rig.slack.block_action(COORDINATOR, FollowupIds.RESUME)
    rig.run_due()
    assert mentorship(rig).at_risk_since is None  # running again, and they met
    assert f"{FollowupIds.PAIR_BLOCK}{at_risk}" not in block_ids(home_of(rig, COORDINATOR))


def test_end_and_rematch_asks_first_then_ends_kindly_frees_the_slot_and_offers_a_search(
    rig: Rig, at_risk: int
) -> None:
    rig.slack.block_action(COORDINATOR, FollowupIds.END)
    rig.settle()
    modal = rig.emulator.top_view(COORDINATOR)
    assert modal is not None and modal["callback_id"] == FollowupIds.END_CALLBACK
    assert validate_blocks(modal["blocks"], surface="modal") == []
    assert mentorship(rig).status is MentorshipStatus.ACTIVE  # nothing happens on the click

    answer = rig.slack.view_submission(COORDINATOR)
    rig.run_due(datetime.now(UTC) + timedelta(days=3))

    assert answer.status == 200 and not answer.text.strip()
    ended = mentorship(rig)
    assert (ended.status, ended.end_reason, ended.at_risk_since) == (
        MentorshipStatus.ENDED,
        "ended_by_admin",
        None,
    )
    with rig.runtime.deps.sessions() as session:
        ben = session.scalar(select(Person).where(Person.slack_user_id == BEN))
        slots = session.scalar(
            select(Enrollment.active_mentee_count).where(Enrollment.person_id == ben.id)
        )
    assert slots == 0
    [to_ben] = dms_to(rig, BEN, "has ended")
    [to_ana] = dms_to(rig, ANA, "has ended")
    assert "says nothing about either of you" in to_ben.args["text"]
    assert FindIds.FIND_AGAIN in json.dumps(to_ana.args["blocks"])
    assert f"{FollowupIds.PAIR_BLOCK}{at_risk}" not in block_ids(home_of(rig, COORDINATOR))
    [entry] = audited(rig, "followup.ended")
    assert entry.actor_slack_id == COORDINATOR

    # The button keeps its promise: it opens the search.
    message = next(m for m in rig.emulator.messages_for(ANA) if m["ts"] == to_ana.response["ts"])
    opened = len(rig.emulator.calls("views.open"))
    rig.slack.block_action(ANA, FindIds.FIND_AGAIN, message=message)
    rig.settle()
    assert len(rig.emulator.calls("views.open")) == opened + 1


def test_a_member_forging_the_coordinators_actions_is_refused_and_nothing_changes(
    rig: Rig, at_risk: int
) -> None:
    board = home_of(rig, COORDINATOR)
    rig.slack.block_action(COORDINATOR, FollowupIds.END)
    rig.settle()
    end_modal = rig.emulator.top_view(COORDINATOR)
    before = len(rig.outbox())

    for action_id in (FollowupIds.NUDGE, FollowupIds.PAUSE, FollowupIds.END):
        rig.slack.block_action(CARA, action_id, view=board)
    forged = rig.slack.view_submission(CARA, view=end_modal)
    rig.settle()
    rig.run_due()

    assert forged.json["response_action"] == "update"
    assert COORDINATORS_ONLY in json.dumps(forged.json["view"])
    still = mentorship(rig)
    assert (still.status, still.at_risk_since is not None) == (MentorshipStatus.ACTIVE, True)
    assert not any(m.idempotency_key.startswith("nudge:") for m in rig.outbox())
    assert len(dms_to(rig, CARA, "for the program's coordinators")) == 3
    assert len(rig.outbox()) == before + 3  # the three DMs to Cara, nothing else
    assert sorted(a.action for a in audited(rig, "refused.followup.%")) == [
        "refused.followup.end",
        "refused.followup.end",
        "refused.followup.nudge",
        "refused.followup.pause",
    ]
    assert audited(rig, "followup.ended") == audited(rig, "followup.paused") == []


# --- asks for help -------------------------------------------------------------------------


def test_an_ask_for_help_is_listed_on_the_coordinators_home_and_marked_handled_once(
    rig: Rig,
) -> None:
    paired(rig, days_ago=20)
    open_next(rig)
    rig.slack.block_action(ANA, CheckinIds.HELP, message=latest_prompt(rig, ANA))
    rig.settle()
    words = "We keep <missing> each other & I'm not sure how to fix it."
    rig.slack.view_submission(ANA, values={CheckinIds.HELP_BLOCK: {CheckinIds.HELP_ACTION: words}})
    rig.run_due()

    with rig.runtime.deps.sessions() as session:
        [ask] = session.scalars(select(HelpRequest))
    assert (ask.text, ask.handled_at) == (words, None)
    home = home_of(rig, COORDINATOR)
    shown = json.dumps(home["blocks"])
    assert f"{FollowupIds.ASK_BLOCK}{ask.id}" in block_ids(home)
    assert f"<@{ANA}>" in shown and f"<@{BEN}> mentoring <@{ANA}>" in shown
    assert "We keep &lt;missing&gt; each other &amp; I'm not sure" in shown

    rig.slack.block_action(COORDINATOR, FollowupIds.HANDLED)
    rig.settle()
    rig.slack.block_action(COORDINATOR, FollowupIds.HANDLED, view=home)  # a stale Home
    rig.run_due()

    with rig.runtime.deps.sessions() as session:
        handled = session.get(HelpRequest, ask.id)
    assert handled is not None and handled.handled_by == COORDINATOR
    assert handled.handled_at is not None
    assert f"{FollowupIds.ASK_BLOCK}{ask.id}" not in block_ids(home_of(rig, COORDINATOR))
    assert len(audited(rig, "followup.help_handled")) == 1
    assert dms_to(rig, COORDINATOR, "already marked that ask for help as handled")


def test_a_member_cannot_mark_an_ask_handled(rig: Rig) -> None:
    paired(rig, days_ago=20)
    open_next(rig)
    rig.slack.block_action(BEN, CheckinIds.HELP, message=latest_prompt(rig, BEN))
    rig.settle()
    rig.slack.view_submission(BEN)
    rig.run_due()

    rig.slack.block_action(CARA, FollowupIds.HANDLED, view=home_of(rig, COORDINATOR))
    rig.settle()

    with rig.runtime.deps.sessions() as session:
        [ask] = session.scalars(select(HelpRequest))
    assert (ask.handled_at, ask.handled_by) == (None, None)
    assert [a.action for a in audited(rig, "refused.%")] == ["refused.followup.handled"]


# --- snooze --------------------------------------------------------------------------------


def test_while_either_is_snoozed_nobody_is_followed_up_or_escalated(rig: Rig) -> None:
    paired(rig, days_ago=66)
    snooze(rig, BEN, datetime.now(UTC) + timedelta(days=30))
    for _ in range(4):
        open_next(rig)

    assert follow_ups(rig, ANA) == [] and follow_ups(rig, BEN) == []
    assert mentorship(rig).at_risk_since is None
    assert dms_to(rig, COORDINATOR, FollowupIds.ALERT_BLOCK) == []


def test_periods_before_a_snooze_ended_do_not_count(rig: Rig) -> None:
    paired(rig, days_ago=80)
    open_next(rig)
    second = open_next(rig)
    snooze(rig, ANA, second + timedelta(days=1))  # back before period 3 began
    open_next(rig)  # periods 1 and 2 missed, both before the snooze ended
    open_next(rig)  # period 3 missed: the first that counts
    assert follow_ups(rig, ANA) == [] and follow_ups(rig, BEN) == []

    open_next(rig)  # period 4 missed: two
    assert len(follow_ups(rig, ANA)) == len(follow_ups(rig, BEN)) == 1


def test_a_skip_decides_the_period_at_once(rig: Rig) -> None:
    paired(rig, days_ago=26)
    open_next(rig)
    open_next(rig)  # period 1 missed; period 2 is under way
    rig.slack.block_action(BEN, CheckinIds.SKIP, message=latest_prompt(rig, BEN))
    rig.run_due(datetime.now(UTC) + timedelta(days=4))

    assert len(follow_ups(rig, ANA)) == len(follow_ups(rig, BEN)) == 1
    with rig.runtime.deps.sessions() as session:
        statuses = [c.status for c in session.scalars(select(CheckIn).order_by(CheckIn.period))]
    assert statuses == [CheckInStatus.MISSED, CheckInStatus.SKIPPED]
    shown = json.dumps(follow_ups(rig, BEN)[0].args["blocks"])
    # Nothing is under way to move; the missed period can still be logged or asked about.
    assert CheckinIds.RESCHEDULE not in shown and CheckinIds.MET in shown
    assert "pick a new day" not in shown
