"""Announcements through the real endpoint and the emulator, on both databases: the form
and its mistakes, the preview with the audience's size, channel posts (joining a public
channel; a private one explained), DMs to a cohort once each with one report, scheduling,
the pending list and Cancel, milestones, and payloads nobody should be able to send.

The coordinator (Paris) and four participants: Ana and Dev mentees, Ben and Cara mentors.
"""

from __future__ import annotations

import json
from datetime import UTC, date, datetime, time, timedelta
from typing import Any
from zoneinfo import ZoneInfo

import pytest
from sqlalchemy import select, update

from bot.db.enums import AnnouncementStatus, EnrollmentRole, Milestone
from bot.db.models import Announcement, AuditEntry, Coordinator, Program
from bot.emulator import Call, validate_view
from bot.views.announcements import LATER, AnnounceIds
from bot.views.rounds import RoundIds
from tests.integration.cast import enroll
from tests.integration.conftest import COORDINATOR, TEAM, Rig

ANA, DEV = "U0ANA0001", "U0DEV0001"  # mentees
BEN, CARA = "U0BEN0001", "U0CARA001"  # mentors
EVERYONE = [ANA, DEV, BEN, CARA]
OTHER_COORDINATOR = "U0COORD2"
PUBLIC, PRIVATE = "C0GENERAL1", "C0LEADS001"
PARIS = ZoneInfo("Europe/Paris")
BOT = "U0MENTOR"
IDS = AnnounceIds


@pytest.fixture(autouse=True)
def cohort(rig: Rig) -> None:
    rig.emulator.add_user(COORDINATOR, name="cora", real_name="Cora", tz="Europe/Paris")
    for user in (ANA, DEV):
        enroll(rig, user, EnrollmentRole.MENTEE)
    for user in (BEN, CARA):
        enroll(rig, user, EnrollmentRole.MENTOR, goals="Help.", bio="ML lead.", capacity=1)
    rig.emulator.add_channel(PUBLIC, "general", members=[*EVERYONE, COORDINATOR])
    rig.emulator.add_channel(PRIVATE, "leads", members=[COORDINATOR], is_private=True)
    rig.run_due()
    rig.emulator.clear()


# --- driving the form ----------------------------------------------------------------------


def open_form(rig: Rig, user: str = COORDINATOR) -> dict[str, Any]:
    rig.slack.slash_command(user, "announce")
    rig.emulator.wait_for("views.open")
    view = rig.emulator.top_view(user)
    assert view is not None and view["callback_id"] == IDS.FORM_CALLBACK
    assert validate_view(view) == []
    return view


def form_values(
    audience: str,
    text: str = "Our *spring cohort* starts Monday & runs 3 months.",
    *,
    channel: str | None = None,
    day: date | None = None,
    at: str | None = None,
) -> dict[str, dict[str, Any]]:
    values: dict[str, dict[str, Any]] = {
        IDS.AUDIENCE_BLOCK: {IDS.AUDIENCE_ACTION: audience},
        IDS.MESSAGE_BLOCK: {IDS.MESSAGE_ACTION: text},
    }
    if channel:
        values[IDS.CHANNEL_BLOCK] = {IDS.CHANNEL_ACTION: channel}
    if day or at:
        values[IDS.WHEN_BLOCK] = {IDS.WHEN_ACTION: LATER}
        values[IDS.DATE_BLOCK] = {IDS.DATE_ACTION: day.isoformat() if day else None}
        values[IDS.TIME_BLOCK] = {IDS.TIME_ACTION: at}
    return values


def submit_form(rig: Rig, audience: str, **fields: Any) -> dict[str, Any]:
    """Open the form, fill it in and submit it; Slack's answer (the ack's JSON)."""
    open_form(rig)
    text = fields.pop("text", None)
    values = form_values(audience, text, **fields) if text else form_values(audience, **fields)
    answer = rig.slack.view_submission(COORDINATOR, values=values)
    assert answer.ok and answer.in_time
    return answer.json


def preview_of(rig: Rig) -> dict[str, Any]:
    view = rig.emulator.top_view(COORDINATOR)
    assert view is not None and view["callback_id"] == IDS.CONFIRM_CALLBACK
    assert validate_view(view) == []
    return view


def press_send(rig: Rig, user: str = COORDINATOR, view: Any = None) -> dict[str, Any]:
    answer = rig.slack.view_submission(user, view=view)
    assert answer.ok and answer.in_time
    return answer.json


def shown(view: dict[str, Any]) -> str:
    return json.dumps(view["blocks"])


def tomorrow_in_paris(at: time) -> datetime:
    day = datetime.now(PARIS).date() + timedelta(days=1)
    return datetime.combine(day, at, tzinfo=PARIS).astimezone(UTC)


# --- what was sent -------------------------------------------------------------------------


def posted(rig: Rig, channel: str, words: str = "") -> list[Call]:
    return [
        c
        for c in rig.emulator.calls("chat.postMessage")
        if c.ok and c.args.get("channel") == channel and words in str(c.args.get("text"))
    ]


def announcements(rig: Rig) -> list[Announcement]:
    with rig.runtime.deps.sessions() as session:
        return list(session.scalars(select(Announcement).order_by(Announcement.id)))


def audit(rig: Rig, pattern: str) -> list[str]:
    with rig.runtime.deps.sessions() as session:
        return list(
            session.scalars(select(AuditEntry.action).where(AuditEntry.action.like(pattern)))
        )


# --- the form ------------------------------------------------------------------------------


def test_each_mistake_in_the_form_is_pointed_out_beside_its_field(rig: Rig) -> None:
    tomorrow = datetime.now(PARIS).date() + timedelta(days=1)
    yesterday = datetime.now(PARIS).date() - timedelta(days=1)
    an_hour_ago = (datetime.now(PARIS) - timedelta(hours=1)).strftime("%H:%M")
    cases = [
        (form_values("cohort", "   "), {IDS.MESSAGE_BLOCK: "Write the message"}),
        (form_values("cohort", "x" * 3001), {IDS.MESSAGE_BLOCK: "3,000 characters"}),
        (form_values("channel"), {IDS.CHANNEL_BLOCK: "Pick the channel"}),
        (form_values("cohort", day=tomorrow), {IDS.TIME_BLOCK: "Pick the time"}),
        (form_values("cohort", day=yesterday, at="10:00"), {IDS.DATE_BLOCK: "day has passed"}),
    ]
    if datetime.now(PARIS).hour >= 1:  # an hour ago is still today
        today = datetime.now(PARIS).date()
        cases.append(
            (form_values("cohort", day=today, at=an_hour_ago), {IDS.TIME_BLOCK: "has passed"})
        )
    open_form(rig)
    for values, expected in cases:
        answer = rig.slack.view_submission(COORDINATOR, values=values).json
        assert answer["response_action"] == "errors", values
        assert set(answer["errors"]) == set(expected)
        for block, words in expected.items():
            assert words in answer["errors"][block]
    assert announcements(rig) == []  # nothing kept from a form with mistakes
    assert rig.emulator.calls("chat.postMessage") == []


def test_the_preview_shows_the_message_and_how_many_it_reaches_before_anything_is_sent(
    rig: Rig,
) -> None:
    answer = submit_form(rig, "cohort_mentors")

    assert answer["response_action"] == "update"
    view = preview_of(rig)
    text = shown(view)
    assert "the mentors of *Mentorship program*, by DM (2 people)" in text
    assert "Our *spring cohort* starts Monday &amp; runs 3 months." in text
    assert "as soon as you press Send" in text
    assert view["submit"]["text"] == "Send"
    [draft] = announcements(rig)
    assert draft.status is AnnouncementStatus.DRAFT
    assert json.loads(view["private_metadata"]) == {"announcement": draft.id}
    rig.run_due()
    assert rig.emulator.calls("chat.postMessage") == []  # a draft sends nothing


def test_back_reopens_the_form_on_the_same_draft_and_the_edit_replaces_it(rig: Rig) -> None:
    submit_form(rig, "cohort_mentees", text="First words")
    rig.slack.block_action(COORDINATOR, IDS.BACK)
    rig.settle()
    form = rig.emulator.top_view(COORDINATOR)
    assert form is not None and form["callback_id"] == IDS.FORM_CALLBACK
    assert "First words" in shown(form)

    rig.slack.view_submission(COORDINATOR, values=form_values("cohort_mentees", "Second words"))

    assert "Second words" in shown(preview_of(rig))
    [draft] = announcements(rig)
    assert draft.text == "Second words"


# --- channels ------------------------------------------------------------------------------


def test_a_channel_post_joins_the_public_channel_posts_once_and_reports_once(rig: Rig) -> None:
    submit_form(rig, "channel", channel=PUBLIC)
    assert f"<#{PUBLIC}> (5 member(s))" in shown(preview_of(rig))

    done = press_send(rig)
    rig.run_due()
    rig.run_due()
    rig.run_due()

    assert "On its way" in shown(done["view"])
    assert [c.args["channel"] for c in rig.emulator.calls("conversations.join")] == [PUBLIC]
    [post] = posted(rig, PUBLIC)
    assert "starts Monday &amp; runs" in post.args["text"]
    assert f"_From <@{COORDINATOR}>" in post.args["text"]
    assert BOT in rig.emulator.channel_members(PUBLIC)
    [report] = posted(rig, COORDINATOR, "posted in")
    assert f"<#{PUBLIC}>" in report.args["text"]
    [sent] = announcements(rig)
    assert sent.status is AnnouncementStatus.SENT and sent.reported_at is not None


def test_a_private_channel_without_the_bot_is_explained_beside_the_field(rig: Rig) -> None:
    answer = submit_form(rig, "channel", channel=PRIVATE)

    assert answer["response_action"] == "errors"
    assert "/invite @mentorbot" in answer["errors"][IDS.CHANNEL_BLOCK]
    assert announcements(rig) == []


def test_a_private_channel_the_bot_left_before_send_is_explained_and_nothing_is_sent(
    rig: Rig,
) -> None:
    rig.emulator.add_to_channel(PRIVATE, BOT)
    submit_form(rig, "channel", channel=PRIVATE)
    preview_of(rig)
    rig.emulator.add_channel(PRIVATE, "leads", members=[COORDINATOR], is_private=True)

    answer = press_send(rig)
    rig.run_due()

    view = preview_of(rig)  # still the preview, with the reason on top
    assert answer["response_action"] == "update"
    assert "`/invite @mentorbot`" in shown(view) and "Nothing was sent" in shown(view)
    assert rig.emulator.calls("chat.postMessage") == []
    assert rig.emulator.calls("conversations.join") == []
    [draft] = announcements(rig)
    assert draft.status is AnnouncementStatus.DRAFT

    rig.emulator.add_to_channel(PRIVATE, BOT)  # they typed /invite @mentorbot
    press_send(rig)
    rig.run_due()
    assert len(posted(rig, PRIVATE)) == 1


# --- DMs -----------------------------------------------------------------------------------


def test_a_dm_announcement_reaches_each_person_once_and_its_author_gets_one_report(
    rig: Rig,
) -> None:
    submit_form(rig, "cohort")
    assert "(4 people)" in shown(preview_of(rig))
    press_send(rig)
    rig.emulator.fail("chat.postMessage", error="user_not_found", times=1)

    rig.run_due()
    rig.run_due()
    rig.run_due()

    failed = [c.args["channel"] for c in rig.emulator.calls("chat.postMessage") if not c.ok]
    assert len(failed) == 1
    for user in EVERYONE:
        assert len(posted(rig, user, "spring cohort")) == (0 if user in failed else 1)
    [report] = posted(rig, COORDINATOR, "is out")
    assert "delivered to 3 of 4 people" in report.args["text"]
    assert f"1 not delivered (not found in Slack): <@{failed[0]}>" in report.args["text"]
    [sent] = announcements(rig)
    assert sent.status is AnnouncementStatus.SENT and sent.recipients == 4
    assert audit(rig, "announcement.%") == [
        "announcement.drafted",
        "announcement.confirmed",
        "announcement.fanned_out",
        "announcement.reported",
    ]


def test_a_fan_out_that_another_process_already_claimed_queues_nothing(rig: Rig) -> None:
    from bot import announcements as service

    submit_form(rig, "cohort_mentees")
    press_send(rig)
    now = datetime.now(UTC)
    seen = []
    for _ in range(2):  # two schedulers read the same scheduled row
        session = rig.runtime.deps.sessions()
        seen.append((session, session.scalars(select(Announcement)).one()))
        session.commit()
    (first, row_a), (second, row_b) = seen
    assert service.fan_out(first, row_a, now) == 2
    first.commit()
    assert service.fan_out(second, row_b, now) == 0  # its guarded move lost
    second.commit()
    first.close()
    second.close()
    rig.run_due()
    assert [len(posted(rig, user, "spring")) for user in (ANA, DEV)] == [1, 1]


# --- scheduling, the list, Cancel ----------------------------------------------------------


def schedule_for_tomorrow(rig: Rig, at: time = time(9, 30)) -> datetime:
    when = tomorrow_in_paris(at)
    submit_form(rig, "cohort", day=when.astimezone(PARIS).date(), at=at.strftime("%H:%M"))
    view = preview_of(rig)
    assert view["submit"]["text"] == "Schedule"
    assert f"<!date^{int(when.timestamp())}^" in shown(view)
    done = press_send(rig)
    assert "Scheduled for" in shown(done["view"])
    return when


def test_a_scheduled_announcement_goes_at_its_time_on_the_coordinators_clock(rig: Rig) -> None:
    when = schedule_for_tomorrow(rig)

    rig.run_due()
    rig.run_due(when - timedelta(minutes=1))
    assert rig.emulator.calls("chat.postMessage") == []

    rig.run_due(when)
    rig.run_due(when + timedelta(seconds=5))

    assert all(len(posted(rig, user, "spring cohort")) == 1 for user in EVERYONE)
    assert len(posted(rig, COORDINATOR, "delivered to 4 of 4")) == 1
    [sent] = announcements(rig)
    assert sent.send_at == when and sent.status is AnnouncementStatus.SENT


def list_message(rig: Rig) -> dict[str, Any]:
    answer = rig.slack.slash_command(COORDINATOR, "announce list").json
    assert answer["response_type"] == "ephemeral"
    return rig.emulator.messages_for(COORDINATOR)[-1]


def test_the_list_shows_what_waits_and_cancel_stops_it(rig: Rig) -> None:
    when = schedule_for_tomorrow(rig)
    listed = list_message(rig)
    assert "1 announcement waiting" in listed["text"]
    assert "spring cohort" in json.dumps(listed["blocks"])

    rig.slack.block_action(COORDINATOR, IDS.CANCEL, message=listed)
    rig.settle()
    rig.run_due(when + timedelta(minutes=1))

    reply = rig.emulator.calls("response_url")[-1].args
    assert reply["replace_original"] is True
    assert "Cancelled" in reply["text"] and "No announcement is waiting" in reply["text"]
    assert rig.emulator.calls("chat.postMessage") == []
    [cancelled] = announcements(rig)
    assert cancelled.status is AnnouncementStatus.CANCELLED
    assert audit(rig, "announcement.cancelled") == ["announcement.cancelled"]


def test_the_coordinators_home_lists_what_waits_to_go_out_and_how_to_cancel_it(
    rig: Rig,
) -> None:
    rig.slack.app_home_opened(COORDINATOR)
    rig.run_due()
    before = rig.emulator.home_view(COORDINATOR)
    when = schedule_for_tomorrow(rig)

    rig.slack.app_home_opened(COORDINATOR)
    rig.run_due()
    home = rig.emulator.home_view(COORDINATOR)

    assert before is not None and home is not None
    assert validate_view(home) == []
    [nothing] = [b for b in before["blocks"] if b["block_id"] == IDS.HOME_BLOCK]
    assert "none waiting to go out" in nothing["text"]["text"]
    text = json.dumps([b for b in home["blocks"] if b["block_id"].startswith("announce.home")])
    assert "*Announcements*: 1 waiting to go out" in text and "spring cohort" in text
    assert f"<!date^{int(when.timestamp())}^" in text
    assert "`/mentor announce list` shows them all, each with *Cancel*" in text


def test_cancel_after_it_went_says_so_and_changes_nothing(rig: Rig) -> None:
    when = schedule_for_tomorrow(rig)
    listed = list_message(rig)
    rig.run_due(when)

    rig.slack.block_action(COORDINATOR, IDS.CANCEL, message=listed)
    rig.settle()

    reply = rig.emulator.calls("response_url")[-1].args
    assert "already went out" in reply["text"]
    [went] = announcements(rig)
    assert went.status in (AnnouncementStatus.SENDING, AnnouncementStatus.SENT)
    assert all(len(posted(rig, user, "spring cohort")) == 1 for user in EVERYONE)


# --- milestones ----------------------------------------------------------------------------


def open_milestones(rig: Rig) -> dict[str, Any]:
    rig.slack.slash_command(COORDINATOR, "announce milestones")
    rig.emulator.wait_for("views.open")
    view = rig.emulator.top_view(COORDINATOR)
    assert view is not None and view["callback_id"] == IDS.MILESTONES_CALLBACK
    assert validate_view(view) == []
    return view


def milestone_values(**texts: str) -> dict[str, dict[str, Any]]:
    return {
        IDS.MILESTONE_BLOCKS[Milestone(name)]: {IDS.MILESTONE_ACTION: text}
        for name, text in texts.items()
    }


def set_dates(rig: Rig, starts: date, ends: date) -> None:
    with rig.runtime.deps.sessions() as session:
        session.execute(update(Program).values(starts_on=starts, ends_on=ends))
        session.commit()


def test_the_kickoff_goes_to_the_cohort_when_a_round_is_approved_and_only_once(rig: Rig) -> None:
    open_milestones(rig)
    saved = rig.slack.view_submission(
        COORDINATOR, values=milestone_values(kickoff="Welcome to the cohort, everyone!")
    ).json
    assert "Saved for" in json.dumps(saved["view"])
    rig.run_due()
    assert posted(rig, ANA) == []  # waits for a round

    for _ in range(2):
        rig.slack.slash_command(COORDINATOR, "match")
        rig.emulator.wait_for("views.update")
        rig.settle()
        view = rig.emulator.top_view(COORDINATOR)
        assert view is not None and view["callback_id"] == RoundIds.CALLBACK
        rig.slack.view_submission(COORDINATOR)
        rig.run_due()
        rig.run_due()

    assert all(len(posted(rig, user, "Welcome to the cohort")) == 1 for user in EVERYONE)
    assert len(posted(rig, COORDINATOR, "delivered to 4 of 4")) == 1
    [kickoff] = announcements(rig)
    assert kickoff.milestone is Milestone.KICKOFF and kickoff.status is AnnouncementStatus.SENT


def test_mid_term_and_closing_go_at_ten_on_their_days_on_the_coordinators_clock(
    rig: Rig,
) -> None:
    today = datetime.now(PARIS).date()
    set_dates(rig, today + timedelta(days=10), today + timedelta(days=30))
    view = open_milestones(rig)
    assert "Goes out on" in shown(view) and "(Europe/Paris)" in shown(view)

    rig.slack.view_submission(
        COORDINATOR, values=milestone_values(midterm="Half-way there!", closing="Thank you all.")
    )
    midterm = datetime.combine(today + timedelta(days=20), time(10), tzinfo=PARIS)
    closing = datetime.combine(today + timedelta(days=30), time(10), tzinfo=PARIS)

    rig.run_due(midterm - timedelta(minutes=1))
    assert posted(rig, BEN) == []
    rig.run_due(midterm)
    assert [len(posted(rig, u, "Half-way there!")) for u in EVERYONE] == [1, 1, 1, 1]
    rig.run_due(closing - timedelta(minutes=1))
    assert posted(rig, BEN, "Thank you all.") == []
    rig.run_due(closing)
    assert [len(posted(rig, u, "Thank you all.")) for u in EVERYONE] == [1, 1, 1, 1]


def test_milestones_a_cohort_cannot_schedule_are_pointed_out_beside_their_fields(
    rig: Rig,
) -> None:
    open_milestones(rig)

    answer = rig.slack.view_submission(
        COORDINATOR, values=milestone_values(midterm="Half-way!", closing="Bye!")
    ).json

    assert answer["response_action"] == "errors"
    errors = answer["errors"]
    assert "start and end dates" in errors[IDS.MILESTONE_BLOCKS[Milestone.MIDTERM]]
    assert "end date" in errors[IDS.MILESTONE_BLOCKS[Milestone.CLOSING]]
    assert announcements(rig) == []


def test_the_cohorts_announcement_channel_gets_its_milestones_when_it_has_one(rig: Rig) -> None:
    with rig.runtime.deps.sessions() as session:
        session.execute(update(Program).values(announcement_channel_id=PUBLIC))
        session.commit()
    open_milestones(rig)
    rig.slack.view_submission(COORDINATOR, values=milestone_values(kickoff="Hello all!"))
    rig.slack.slash_command(COORDINATOR, "match")
    rig.emulator.wait_for("views.update")
    rig.settle()
    rig.slack.view_submission(COORDINATOR)
    rig.run_due()

    assert len(posted(rig, PUBLIC, "Hello all!")) == 1
    assert all(posted(rig, user, "Hello all!") == [] for user in EVERYONE)


# --- payloads nobody should be able to send -------------------------------------------------


def test_a_member_sending_a_coordinators_draft_is_refused_and_nothing_is_sent(rig: Rig) -> None:
    submit_form(rig, "cohort")
    forged = preview_of(rig) | {"id": "VFORGED10"}

    answer = press_send(rig, DEV, view=forged)
    rig.run_due()

    assert "Sorry, announcements are for program coordinators" in json.dumps(answer)
    [draft] = announcements(rig)
    assert draft.status is AnnouncementStatus.DRAFT
    assert rig.emulator.calls("chat.postMessage") == []
    assert audit(rig, "refused.%") == ["refused.announcement.confirm"]


@pytest.mark.parametrize("whose", ["another coordinator's", "unknown", "another workspace's"])
def test_a_coordinator_cannot_send_a_draft_that_is_not_theirs(rig: Rig, whose: str) -> None:
    with rig.runtime.deps.sessions() as session:
        session.add(Coordinator(team_id=TEAM, slack_user_id=OTHER_COORDINATOR, granted_by="x"))
        session.commit()
    submit_form(rig, "cohort")
    [draft] = announcements(rig)
    if whose == "another workspace's":
        with rig.runtime.deps.sessions() as session:
            session.execute(update(Announcement).values(team_id="T0OTHER"))
            session.commit()
    forged_id = 999_999 if whose == "unknown" else draft.id
    view = preview_of(rig) | {
        "id": "VFORGED11",
        "private_metadata": json.dumps({"announcement": forged_id}),
    }
    sender = COORDINATOR if whose == "another workspace's" else OTHER_COORDINATOR

    answer = press_send(rig, sender, view=view)
    rig.run_due()

    assert "Sorry, that announcement is not one I can find" in json.dumps(answer)
    assert announcements(rig)[0].status is AnnouncementStatus.DRAFT
    assert rig.emulator.calls("chat.postMessage") == []
    assert audit(rig, "refused.%") == ["refused.announcement.confirm"]


def test_members_cannot_reach_announce_at_all(rig: Rig) -> None:
    for text in ("announce", "announce list", "announce milestones"):
        answer = rig.slack.slash_command(DEV, text).json
        assert "for program coordinators" in answer["text"]
    assert rig.emulator.calls("views.open") == []
