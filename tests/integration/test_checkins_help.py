"""Check-ins, continued: "Reschedule" moves the meeting and the schedule with it;
"Need help" reaches the coordinators. Same pair as test_checkins: Ana (mentee, Paris)
and Ben (mentor, Los Angeles), meeting every two weeks, both prompted for period 1.
"""

from __future__ import annotations

from datetime import UTC, date, datetime, time, timedelta
from typing import Any
from zoneinfo import ZoneInfo

from sqlalchemy import select

from bot.cadence import day_label, periods_after
from bot.db.enums import Cadence, CheckInStatus
from bot.db.models import AuditEntry, Mentorship
from bot.emulator import validate_blocks
from bot.text_input import UNREADABLE
from bot.views.checkins import HELP_MAX, CheckinIds
from tests.integration import test_checkins as base
from tests.integration.conftest import COORDINATOR, Rig
from tests.integration.test_checkins import (  # the pair, its prompts, and what Slack saw
    ANA,
    BEN,
    CARA,
    PARIS,
    at_once,
    checkins,
    prompt_seen,
    prompts,
    updates_for,
)

cast_of_three = base.cast_of_three  # autouse: Ana, Ben and Cara enrolled
prompted = base.prompted  # the pair kicked off 20 days ago, both prompted for period 1


def dms_to(rig: Rig, user: str) -> list[Any]:
    """Plain messages Slack accepted for `user` that are not check-in prompts."""
    return [
        call
        for call in rig.emulator.calls("chat.postMessage")
        if call.ok and call.args["channel"] == user and CheckinIds.MET not in str(call.args)
    ]


def audited(rig: Rig, pattern: str) -> list[AuditEntry]:
    with rig.runtime.deps.sessions() as session:
        return list(
            session.scalars(
                select(AuditEntry).where(AuditEntry.action.like(pattern)).order_by(AuditEntry.id)
            )
        )


def next_checkin_at(rig: Rig) -> datetime:
    with rig.runtime.deps.sessions() as session:
        [mentorship] = session.scalars(select(Mentorship))
    assert mentorship.next_checkin_at is not None
    return mentorship.next_checkin_at


def open_modal(rig: Rig, user: str, action_id: str, callback_id: str) -> dict[str, Any]:
    rig.slack.block_action(user, action_id, message=prompt_seen(rig, user))
    rig.settle()
    view = rig.emulator.top_view(user)
    assert view is not None and view["callback_id"] == callback_id
    assert validate_blocks(view["blocks"], surface="modal") == []
    return view


def move_to(rig: Rig, user: str, day: date | None, view: Any = None) -> Any:
    picked = {} if day is None else {CheckinIds.MOVE_DATE_ACTION: day.isoformat()}
    return rig.slack.view_submission(user, view, values={CheckinIds.MOVE_DATE_BLOCK: picked})


def ask_help(rig: Rig, user: str, text: str, view: Any = None) -> Any:
    typed = {CheckinIds.HELP_BLOCK: {CheckinIds.HELP_ACTION: text}}
    return rig.slack.view_submission(user, view, values=typed)


def paris_today() -> date:
    return datetime.now(ZoneInfo(PARIS)).date()


def ten_in_paris(day: date) -> datetime:
    return datetime.combine(day, time(10, 0), tzinfo=ZoneInfo(PARIS)).astimezone(UTC)


# --- Reschedule ----------------------------------------------------------------------------


def test_reschedule_moves_the_meeting_tells_the_partner_and_the_schedule_follows_the_new_day(
    rig: Rig, prompted: datetime
) -> None:
    old_next = next_checkin_at(rig)
    view = open_modal(rig, ANA, CheckinIds.RESCHEDULE, CheckinIds.MOVE_CALLBACK)
    assert f"<@{BEN}>" in str(view["blocks"]) and "two weeks" in str(view["blocks"])
    new_day = paris_today() + timedelta(days=3)

    answer = move_to(rig, ANA, new_day)
    rig.run_due(prompted + timedelta(minutes=1))

    assert answer.status == 200 and not answer.text.strip()  # the modal closes
    [checkin] = checkins(rig)
    assert (checkin.status, checkin.moved_to) == (CheckInStatus.PROMPTED, new_day)
    [told] = [c for c in dms_to(rig, BEN) if "moved your check-in" in c.args["text"]]
    assert f"<@{ANA}> moved your check-in to *{day_label(new_day)}*" in told.args["text"]
    [to_ben], [to_ana] = updates_for(rig, BEN), updates_for(rig, ANA)
    assert f"<@{ANA}> moved your check-in to *{day_label(new_day)}*" in str(to_ben.args)
    assert f"moved to {day_label(new_day)}" in to_ben.args["text"]
    assert f"You moved your check-in with <@{BEN}>" in str(to_ana.args["blocks"])
    for update in (to_ben, to_ana):  # still a prompt: the meeting is still to be logged
        assert validate_blocks(update.args["blocks"], surface="message") == []
        assert CheckinIds.MET in str(update.args["blocks"])
        assert CheckinIds.HELP in str(update.args["blocks"])

    # The schedule follows from the new day: two weeks on, 10:00 in Paris (Ana's is first).
    following = periods_after(new_day, Cadence.BIWEEKLY, 1)
    assert next_checkin_at(rig) == ten_in_paris(following) != old_next
    assert rig.run_due(old_next).prompted_pairs == 0  # the old day passes quietly
    assert rig.run_due(ten_in_paris(following)).prompted_pairs == 1
    assert f"({day_label(following)})" in prompts(rig, ANA)[-1].args["text"]
    assert [a.detail["to"] for a in audited(rig, "checkin.moved")] == [new_day.isoformat()]


def test_a_day_already_past_or_beyond_the_next_period_gets_an_error_beside_the_picker(
    rig: Rig, prompted: datetime
) -> None:
    before = next_checkin_at(rig)
    open_modal(rig, BEN, CheckinIds.RESCHEDULE, CheckinIds.MOVE_CALLBACK)
    today = datetime.now(ZoneInfo("America/Los_Angeles")).date()

    cases = (
        (today - timedelta(days=1), "That day has passed"),
        (today + timedelta(days=14), "more than two weeks away"),
        (None, "Please pick the day"),
    )
    for day, words in cases:
        answer = move_to(rig, BEN, day)
        assert answer.json["response_action"] == "errors"
        assert words in answer.json["errors"][CheckinIds.MOVE_DATE_BLOCK]
    assert move_to(rig, BEN, today + timedelta(days=13)).text.strip() == ""  # the last day

    assert checkins(rig)[0].moved_to == today + timedelta(days=13)
    assert next_checkin_at(rig) != before


def test_two_moves_at_once_leave_one_day_and_the_schedule_following_it(
    rig: Rig, prompted: datetime
) -> None:
    open_modal(rig, ANA, CheckinIds.RESCHEDULE, CheckinIds.MOVE_CALLBACK)
    open_modal(rig, BEN, CheckinIds.RESCHEDULE, CheckinIds.MOVE_CALLBACK)
    days = {ANA: paris_today() + timedelta(days=2), BEN: paris_today() + timedelta(days=5)}

    answers = at_once(lambda: move_to(rig, ANA, days[ANA]), lambda: move_to(rig, BEN, days[BEN]))

    kept = checkins(rig)[0].moved_to
    assert kept in days.values()
    assert next_checkin_at(rig) == ten_in_paris(periods_after(kept, Cadence.BIWEEKLY, 1))
    moved = audited(rig, "checkin.moved")
    assert moved[-1].detail["to"] == kept.isoformat()
    # PostgreSQL turns the later one back (beside the field); SQLite runs them one after
    # the other, and the later simply wins. Either way every saved move was recorded.
    closed = [a for a in answers if not a.text.strip()]
    assert len(moved) == len(closed) >= 1
    for refused in (a for a in answers if a.text.strip()):
        assert "changed a moment ago" in refused.json["errors"][CheckinIds.MOVE_DATE_BLOCK]


def test_a_check_in_a_newer_period_replaced_cannot_be_moved(rig: Rig, prompted: datetime) -> None:
    stale_prompt = prompt_seen(rig, ANA)
    rig.run_due(next_checkin_at(rig))  # period 2 begins; period 1 is missed

    rig.slack.block_action(ANA, CheckinIds.RESCHEDULE, message=stale_prompt)
    rig.settle()

    assert rig.emulator.calls("views.open") == []
    [said] = [c for c in rig.emulator.calls("response_url") if "newer one" in str(c.args)]
    assert said.args.get("response_type") == "ephemeral"
    assert [c.moved_to for c in checkins(rig)] == [None, None]


# --- Need help -----------------------------------------------------------------------------


def test_need_help_reaches_the_coordinators_names_the_pair_and_tells_only_the_asker(
    rig: Rig, prompted: datetime
) -> None:
    view = open_modal(rig, BEN, CheckinIds.HELP, CheckinIds.HELP_CALLBACK)
    assert "isn't told" in str(view["blocks"])

    answer = ask_help(rig, BEN, "We can't find a time <at all>.\nAna seems very busy.")
    rig.run_due(prompted + timedelta(minutes=1))

    assert answer.status == 200 and not answer.text.strip()
    [alert] = dms_to(rig, COORDINATOR)
    shown = str(alert.args["blocks"])
    assert validate_blocks(alert.args["blocks"], surface="message") == []
    assert f"<@{BEN}> asked for help" in shown and f"<@{BEN}> mentoring <@{ANA}>" in shown
    assert ">We can't find a time &lt;at all&gt;.\\n>Ana seems very busy." in shown
    [told] = dms_to(rig, BEN)
    assert "passed your message on" in told.args["text"]
    assert f"<@{COORDINATOR}>" in told.args["text"]
    assert dms_to(rig, ANA) == []  # the partner is never told
    assert checkins(rig)[0].status is CheckInStatus.PROMPTED  # the prompt still stands
    [entry] = audited(rig, "checkin.help")
    assert entry.actor_slack_id == BEN
    assert entry.detail["coordinators"] == [COORDINATOR]
    assert entry.detail["text"].startswith("We can't find a time")


def test_help_without_words_still_reaches_the_coordinators(rig: Rig, prompted: datetime) -> None:
    open_modal(rig, ANA, CheckinIds.HELP, CheckinIds.HELP_CALLBACK)

    rig.slack.view_submission(ANA)
    rig.run_due(prompted + timedelta(minutes=1))

    [alert] = dms_to(rig, COORDINATOR)
    assert "didn't say more" in str(alert.args["blocks"])
    assert f"<@{ANA}> asked for help" in alert.args["text"]


def test_unreadable_help_text_is_refused_beside_the_field_and_long_text_is_clipped(
    rig: Rig, prompted: datetime
) -> None:
    view = open_modal(rig, ANA, CheckinIds.HELP, CheckinIds.HELP_CALLBACK)

    lone = ask_help(rig, ANA, "help \ud800 please", view=view)
    assert lone.json["response_action"] == "errors"
    assert lone.json["errors"][CheckinIds.HELP_BLOCK] == UNREADABLE
    assert audited(rig, "checkin.help") == []

    # A forged submission longer than the field allows is clipped, not refused.
    answer = ask_help(rig, ANA, "x" * (HELP_MAX + 500), view=view)
    rig.run_due(prompted + timedelta(minutes=1))
    assert answer.status == 200 and not answer.text.strip()
    [entry] = audited(rig, "checkin.help")
    assert entry.detail["text"] == "x" * HELP_MAX


# --- strangers -----------------------------------------------------------------------------


def test_a_stranger_or_a_forged_id_cannot_move_a_check_in_or_ask_help_for_a_pair(
    rig: Rig, prompted: datetime
) -> None:
    bens = prompt_seen(rig, BEN)
    move_view = open_modal(rig, BEN, CheckinIds.RESCHEDULE, CheckinIds.MOVE_CALLBACK)
    help_view = open_modal(rig, BEN, CheckinIds.HELP, CheckinIds.HELP_CALLBACK)
    opened = len(rig.emulator.calls("views.open"))

    rig.slack.block_action(CARA, CheckinIds.RESCHEDULE, message=bens)
    rig.slack.block_action(CARA, CheckinIds.HELP, message=bens)
    rig.slack.block_action(CARA, CheckinIds.HELP, "99999999999", message=bens)  # past any id
    moved = move_to(rig, CARA, paris_today() + timedelta(days=2), view=move_view)
    helped = ask_help(rig, CARA, "Let me in", view=help_view)
    rig.settle()
    rig.run_due(prompted + timedelta(minutes=1))

    assert len(rig.emulator.calls("views.open")) == opened
    answers = [str(c.args) for c in rig.emulator.calls("response_url")]
    assert sum("another pair" in a for a in answers) == 2
    assert sum("no longer open" in a for a in answers) == 1
    for answer in (moved, helped):
        assert answer.json["response_action"] == "update"
        assert "another pair" in str(answer.json["view"])
    assert checkins(rig)[0].moved_to is None
    assert dms_to(rig, COORDINATOR) == [] and rig.emulator.calls("chat.update") == []
    assert sorted(a.action for a in audited(rig, "refused.checkin%")) == [
        "refused.checkin.help",
        "refused.checkin.help",
        "refused.checkin.help",
        "refused.checkin.reschedule",
        "refused.checkin.reschedule",
    ]
