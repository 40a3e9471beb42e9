"""Calendar files: the first check-in at kickoff, an update after a move, one on request.

Ana (mentee, Paris) and Ben (mentor, New York) meet every two weeks. Kicked off on
Monday 4 March 2030, their first check-in is Monday 18 March: New York is on summer time
by then and Paris not yet, so Paris 09-17 (08:00-16:00 UTC) and New York 09-17
(13:00-21:00 UTC) share 13:00-16:00 UTC, and Ben's prompt, 10:00 in New York, is 14:00
UTC: the half hour proposed is 14:00-14:30 UTC. Dev works in Los Angeles: eight hours
from Paris, his day begins as Ana's ends. Cara is in no pair with them.
"""

from __future__ import annotations

from datetime import UTC, date, datetime, time, timedelta
from typing import Any
from zoneinfo import ZoneInfo

import pytest
from icalendar import Calendar
from sqlalchemy import select, update

from bot import mentorships
from bot.db.enums import EnrollmentRole
from bot.db.models import AuditEntry, CalendarEvent, Person
from bot.emulator import UploadedFile
from bot.programs import current_program
from bot.views.calendar import CalendarIds
from bot.views.checkins import CheckinIds
from tests.integration import cast
from tests.integration.conftest import TEAM, Rig

ANA, BEN, CARA, DEV = "U0ANA0001", "U0BEN0001", "U0CARA001", "U0DEV0001"
PARIS, NEW_YORK, LOS_ANGELES = "Europe/Paris", "America/New_York", "America/Los_Angeles"
KICKOFF = datetime(2030, 3, 4, 12, 0, tzinfo=UTC)  # a Monday: 13:00 in Paris, 07:00 in NY
FIRST = date(2030, 3, 18)
SLOT = datetime(2030, 3, 18, 14, 0, tzinfo=UTC)
ANA_TEN = datetime(2030, 3, 18, 9, 0, tzinfo=UTC)  # 10:00 in Paris
BEN_TEN = datetime(2030, 3, 18, 14, 0, tzinfo=UTC)  # 10:00 in New York


@pytest.fixture(autouse=True)
def cast_of_four(rig: Rig) -> None:
    cast.enroll(rig, ANA, EnrollmentRole.MENTEE, tz=PARIS)
    cast.enroll(rig, BEN, EnrollmentRole.MENTOR, tz=NEW_YORK, goals="", bio="ML lead.")
    cast.enroll(rig, CARA, EnrollmentRole.MENTOR, tz=PARIS, goals="", bio="Data lead.")
    cast.enroll(rig, DEV, EnrollmentRole.MENTOR, tz=LOS_ANGELES, goals="", bio="Infra lead.")
    rig.run_due()  # welcomes out of the way
    rig.emulator.clear()


def pair(rig: Rig, mentor: str = BEN, kickoff: datetime = KICKOFF) -> None:
    """`mentor` mentors Ana from `kickoff`; their intro goes out, nothing else yet."""
    with rig.runtime.deps.uow() as uow:
        session = uow.session
        people = {p.slack_user_id: p for p in session.scalars(select(Person))}
        program = current_program(session, TEAM, kickoff)
        started = mentorships.start(
            session,
            program,
            people[mentor],
            people[ANA],
            score=None,
            reasons=[],
            now=kickoff,
            default_tz="UTC",
        )
        assert started is not None


def files(rig: Rig, user: str) -> list[UploadedFile]:
    return rig.emulator.files_for(user)


def vevent(upload: UploadedFile) -> Any:
    [event] = Calendar.from_ical(upload.content).walk("VEVENT")
    return event


def comment(upload: UploadedFile) -> str:
    return upload.initial_comment or ""


def stored_events(rig: Rig) -> list[CalendarEvent]:
    with rig.runtime.deps.sessions() as session:
        return list(session.scalars(select(CalendarEvent).order_by(CalendarEvent.id)))


def opened_dms(rig: Rig) -> list[str]:
    """conversations.open calls for one person's DM (a group DM names several)."""
    return sorted(
        c.args["users"]
        for c in rig.emulator.calls("conversations.open")
        if "," not in c.args["users"]
    )


def prompt_seen(rig: Rig, user: str) -> dict[str, Any]:
    [message] = [m for m in rig.emulator.messages_for(user) if CheckinIds.ACTIONS_BLOCK in str(m)]
    return message


# --- kickoff -------------------------------------------------------------------------------


def test_at_kickoff_each_gets_the_first_check_in_with_a_half_hour_inside_both_working_days(
    rig: Rig,
) -> None:
    pair(rig)

    rig.run_due(KICKOFF)  # 13:00 in Paris, 07:00 in New York
    assert len(files(rig, ANA)) == 1 and files(rig, BEN) == []  # Ben's waits for his morning
    rig.run_due(KICKOFF + timedelta(hours=3))  # 10:00 in New York

    [to_ana], [to_ben] = files(rig, ANA), files(rig, BEN)
    for upload, partner in ((to_ana, "Ben"), (to_ben, "Ana")):
        event = vevent(upload)
        assert upload.filename == "mentorship-check-in-2030-03-18.ics"
        assert event.decoded("DTSTART") == SLOT
        assert event.decoded("DTEND") == SLOT + timedelta(minutes=30)
        assert event.decoded("SEQUENCE") == 0
        assert str(event["SUMMARY"]) == f"Mentorship check-in with {partner}"
        assert "Progress on each goal" in str(event["DESCRIPTION"])
    assert str(vevent(to_ana)["UID"]) == str(vevent(to_ben)["UID"])  # one event, two copies
    assert f"Your first check-in with <@{BEN}> is on *Monday 18 March*" in comment(to_ana)
    assert "*15:00-15:30* your time" in comment(to_ana)
    assert "*10:00-10:30* your time" in comment(to_ben)
    [stored] = stored_events(rig)
    assert (stored.period, stored.sequence, stored.starts_at) == (1, 0, SLOT)
    assert stored.uid == str(vevent(to_ana)["UID"])


def test_a_pair_with_no_working_hours_in_common_gets_the_day_and_is_told_there_is_no_time(
    rig: Rig,
) -> None:
    pair(rig, mentor=DEV)
    rig.run_due(KICKOFF + timedelta(days=1))

    for user in (ANA, DEV):
        [upload] = files(rig, user)
        event = vevent(upload)
        assert event.decoded("DTSTART") == FIRST  # the whole day, no time
        assert "no time is proposed" in str(event["DESCRIPTION"])
        assert "Your working hours don't overlap that day" in comment(upload)
    [stored] = stored_events(rig)
    assert stored.starts_at is None


# --- prompts ---------------------------------------------------------------------------------


def test_a_check_in_prompt_costs_one_web_api_call_and_offers_the_file_on_a_button(
    rig: Rig,
) -> None:
    pair(rig)
    rig.run_due(KICKOFF + timedelta(days=1))  # the intro and both kickoff files
    rig.emulator.clear()

    rig.run_due(ANA_TEN)
    rig.run_due(BEN_TEN)

    calls = rig.emulator.calls()
    assert [(c.method, c.args["channel"]) for c in calls] == [
        ("chat.postMessage", ANA),
        ("chat.postMessage", BEN),
    ]
    for call in calls:
        buttons = [e for b in call.args["blocks"] if b["type"] == "actions" for e in b["elements"]]
        assert [b["text"]["text"] for b in buttons][-1] == "Add to calendar"
        assert buttons[-1]["action_id"] == CalendarIds.ADD


@pytest.fixture
def prompted(rig: Rig) -> datetime:
    """Ben and Ana kicked off 20 days ago, their kickoff files delivered and both prompted
    for period 1; the instant that was done."""
    now = datetime.now(UTC)
    pair(rig, kickoff=now - timedelta(days=20))
    rig.run_due(now)
    later = now + timedelta(days=4)  # each inside their working hours by then
    rig.run_due(later)
    assert len(files(rig, ANA)) == 1 and len(files(rig, BEN)) == 1
    assert prompt_seen(rig, ANA) and prompt_seen(rig, BEN)
    return later


def test_add_to_calendar_on_a_prompt_sends_that_periods_event_to_whoever_pressed(
    rig: Rig, prompted: datetime
) -> None:
    [kickoff] = files(rig, BEN)
    rig.emulator.clear()

    rig.slack.block_action(BEN, CalendarIds.ADD, message=prompt_seen(rig, BEN))
    rig.run_due(prompted + timedelta(minutes=1))

    [_, asked] = files(rig, BEN)
    assert str(vevent(asked)["UID"]) == str(vevent(kickoff)["UID"])  # period 1's event
    assert vevent(asked).decoded("SEQUENCE") == 0  # nothing about it changed
    assert f"Your check-in with <@{ANA}> on *" in comment(asked)
    assert len(files(rig, ANA)) == 1  # the partner is not sent one
    # Ben's DM is known from his kickoff file: no conversations.open this time.
    assert [c.method for c in rig.emulator.calls()] == [
        "files.getUploadURLExternal",
        "upload",
        "files.completeUploadExternal",
    ]


def test_a_stranger_pressing_add_to_calendar_on_someone_elses_prompt_is_refused_politely(
    rig: Rig, prompted: datetime
) -> None:
    bens = prompt_seen(rig, BEN)
    before = len(rig.emulator.files())

    rig.slack.block_action(CARA, CalendarIds.ADD, message=bens)
    rig.slack.block_action(CARA, CalendarIds.ADD, "99999999", message=bens)  # a forged id
    rig.settle()
    rig.run_due(prompted + timedelta(minutes=1))

    assert len(rig.emulator.files()) == before
    # Each click is answered after its ack, on the listeners' threads: in either order.
    answers = sorted(c.args["text"] for c in rig.emulator.calls("response_url"))
    assert answers == [
        "This check-in belongs to another pair, so I can't add it to your calendar.",
        "This check-in is no longer on (the pairing has ended or is paused), "
        "so there's nothing to add to your calendar.",
    ]
    with rig.runtime.deps.sessions() as session:
        refused = session.scalars(
            select(AuditEntry.action).where(AuditEntry.action.like("refused.calendar%"))
        ).all()
    assert refused == ["refused.calendar.add", "refused.calendar.add"]


# --- a move --------------------------------------------------------------------------------


def next_weekday_in_paris() -> date:
    day = datetime.now(ZoneInfo(PARIS)).date() + timedelta(days=1)
    while day.weekday() >= 5:
        day += timedelta(days=1)
    return day


def test_a_reschedule_sends_both_the_same_event_with_the_next_sequence_and_the_new_day(
    rig: Rig, prompted: datetime
) -> None:
    [ana_kickoff], [ben_kickoff] = files(rig, ANA), files(rig, BEN)
    new_day = next_weekday_in_paris()

    rig.slack.block_action(ANA, CheckinIds.RESCHEDULE, message=prompt_seen(rig, ANA))
    rig.settle()
    picked = {CheckinIds.MOVE_DATE_BLOCK: {CheckinIds.MOVE_DATE_ACTION: new_day.isoformat()}}
    assert rig.slack.view_submission(ANA, values=picked).status == 200
    rig.run_due(prompted + timedelta(minutes=1))

    uid = str(vevent(ana_kickoff)["UID"])
    ten_in_new_york = datetime.combine(new_day, time(10, 0), tzinfo=ZoneInfo(NEW_YORK))
    for user, kickoff in ((ANA, ana_kickoff), (BEN, ben_kickoff)):
        [first, moved] = files(rig, user)
        assert first is kickoff
        event = vevent(moved)
        assert (str(event["UID"]), event.decoded("SEQUENCE")) == (uid, 1)
        assert event.decoded("DTSTART") == ten_in_new_york.astimezone(UTC)
        assert "is now on *" in comment(moved) and "replaces the earlier one" in comment(moved)
    [stored] = stored_events(rig)
    assert (stored.sequence, stored.starts_at) == (1, ten_in_new_york.astimezone(UTC))

    # The button on the moved prompt gives the same version, on the new day.
    rig.slack.block_action(ANA, CalendarIds.ADD, message=prompt_seen(rig, ANA))
    rig.run_due(prompted + timedelta(minutes=2))
    asked = vevent(files(rig, ANA)[-1])
    assert (asked.decoded("SEQUENCE"), asked.decoded("DTSTART")) == (1, stored.starts_at)

    # Three files each way, and each person's DM was opened once: for the first file.
    assert opened_dms(rig) == [ANA, BEN]
    with rig.runtime.deps.sessions() as session:
        kept = dict(session.execute(select(Person.slack_user_id, Person.dm_channel_id)).all())
    assert kept[ANA] == rig.emulator.dm_channel_id(ANA)
    assert kept[BEN] == rig.emulator.dm_channel_id(BEN)


def test_a_kept_dm_id_slack_no_longer_knows_is_opened_again_and_replaced(
    rig: Rig, prompted: datetime
) -> None:
    with rig.runtime.deps.sessions() as session:
        session.execute(
            update(Person).where(Person.slack_user_id == BEN).values(dm_channel_id="D0GONE0001")
        )
        session.commit()
    rig.emulator.clear()

    rig.slack.block_action(BEN, CalendarIds.ADD, message=prompt_seen(rig, BEN))
    rig.run_due(prompted + timedelta(minutes=1))

    assert len(files(rig, BEN)) == 2
    assert opened_dms(rig) == [BEN]
    with rig.runtime.deps.sessions() as session:
        kept = session.scalar(select(Person.dm_channel_id).where(Person.slack_user_id == BEN))
    assert kept == rig.emulator.dm_channel_id(BEN)
