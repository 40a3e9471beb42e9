"""The meeting log on App Home: each partner row says when the pair last met and how many
meetings they logged; a mentor's Home shows the thank-you notes their mentees left.

Ana (mentee, Paris) and Ben (mentor, Los Angeles) are paired 20 days ago, so their first
check-in has come; Ana logs it through the real "We met" modal.
"""

from __future__ import annotations

from datetime import UTC, date, datetime, timedelta
from typing import Any
from zoneinfo import ZoneInfo

import pytest
from sqlalchemy import select

from bot import mentorships
from bot.db.enums import CheckInStatus, EnrollmentRole
from bot.db.models import CheckIn, CheckInNote, Mentorship, OutboxMessage, Person
from bot.emulator import validate_view
from bot.profile import CAPACITY_RANGE, GOALS_MAX
from bot.programs import current_program
from bot.views.checkins import THANKS_MAX, CheckinIds
from bot.views.home import THANKS_SHOWN, HomeIds
from tests.integration import cast
from tests.integration.conftest import TEAM, Rig

ANA, BEN, CARA = "U0ANA0001", "U0BEN0001", "U0CARA001"
PARIS, LOS_ANGELES = "Europe/Paris", "America/Los_Angeles"


@pytest.fixture(autouse=True)
def ana_ben_and_cara(rig: Rig) -> None:
    cast.enroll(rig, ANA, EnrollmentRole.MENTEE, tz=PARIS)
    cast.enroll(rig, BEN, EnrollmentRole.MENTOR, tz=LOS_ANGELES, bio="ML lead.")
    cast.enroll(rig, CARA, EnrollmentRole.MENTEE, tz=PARIS)
    rig.run_due()  # welcomes out of the way
    rig.emulator.clear()


def pair(rig: Rig, mentor: str, mentee: str, kickoff: datetime) -> int:
    with rig.runtime.deps.uow() as uow:
        people = {p.slack_user_id: p for p in uow.session.scalars(select(Person))}
        program = current_program(uow.session, TEAM, kickoff)
        started = mentorships.start(
            uow.session,
            program,
            people[mentor],
            people[mentee],
            score=None,
            reasons=[],
            now=kickoff,
            default_tz=rig.settings.timezone,
        )
        assert started is not None
        return started.id


def home(rig: Rig, user: str) -> dict[str, Any]:
    """`user` opens their App Home: the view Slack accepted for it."""
    rig.emulator.clear()
    queued = len(rig.outbox())
    assert rig.slack.app_home_opened(user).status == 200
    rig.wait_queued(queued + 1)
    rig.run_due()
    *_, publish = [c for c in rig.emulator.calls("views.publish") if c.args["user_id"] == user]
    assert publish.ok
    view = publish.args["view"]
    assert validate_view(view) == []
    return view


def block_text(view: dict[str, Any], block_id: str) -> str | None:
    found = [b for b in view["blocks"] if b.get("block_id") == block_id]
    return found[0]["text"]["text"] if found else None


def log_meeting(rig: Rig, user: str, thanks: str = "", notes: str = "") -> None:
    """`user` answers their prompt with "We met" (today, rated 4) through the modal."""
    [prompt] = [m for m in rig.emulator.messages_for(user) if CheckinIds.MET in str(m)]
    rig.slack.block_action(user, CheckinIds.MET, message=prompt)
    rig.settle()
    values: dict[str, Any] = {CheckinIds.USEFUL_BLOCK: {CheckinIds.USEFUL_ACTION: "4"}}
    if thanks:
        values[CheckinIds.THANKS_BLOCK] = {CheckinIds.THANKS_ACTION: thanks}
    if notes:
        values[CheckinIds.NOTES_BLOCK] = {CheckinIds.NOTES_ACTION: notes}
    answer = rig.slack.view_submission(user, values=values)
    assert answer.status == 200 and not answer.text.strip()
    rig.settle()  # the log is made after the form's answer


def seed_checkins(rig: Rig, mentorship_id: int, *rows: tuple[CheckInStatus, date | None, str]):
    """Check-ins of earlier periods, as the flow would have left them."""
    with rig.runtime.deps.uow() as uow:
        for period, (status, met_on, thanks) in enumerate(rows, start=1):
            uow.session.add(
                CheckIn(
                    mentorship_id=mentorship_id,
                    period=period,
                    due_at=datetime(2030, 1, 1, tzinfo=UTC) + timedelta(days=period),
                    status=status,
                    met_on=met_on,
                    responded_at=datetime(2030, 1, 1, tzinfo=UTC) + timedelta(days=period),
                    usefulness=4 if status is CheckInStatus.MET else None,
                    thanks=thanks or None,
                )
            )


# --- the partner rows ---------------------------------------------------------------------


def test_before_any_meeting_each_partner_row_says_none_is_logged_yet(rig: Rig) -> None:
    pair(rig, BEN, ANA, datetime.now(UTC) - timedelta(days=3))

    assert block_text(home(rig, BEN), HomeIds.MEETINGS_BLOCK) == (
        f"*Your meetings*\n• <@{ANA}> (your mentee): no meeting logged yet"
    )
    assert f"<@{BEN}> (your mentor): no meeting logged yet" in str(home(rig, ANA))


def test_a_logged_meeting_shows_on_both_homes_and_the_thanks_on_the_mentors(rig: Rig) -> None:
    now = datetime.now(UTC)
    pair(rig, BEN, ANA, now - timedelta(days=20))
    rig.run_due(now)
    rig.run_due(now + timedelta(days=4))  # both prompted, each in their working hours
    log_meeting(rig, ANA, thanks="Thanks for the <paper> tips!")
    today = datetime.now(ZoneInfo(PARIS)).date()
    when = f"{today:%A} {today.day} {today:%B %Y}"

    bens, anas = home(rig, BEN), home(rig, ANA)

    assert f"<@{ANA}> (your mentee): last met {when}, 1 meeting so far" in str(bens)
    assert f"<@{BEN}> (your mentor): last met {when}, 1 meeting so far" in str(anas)
    thanks = block_text(bens, HomeIds.THANKS_BLOCK)
    assert thanks is not None
    assert ">Thanks for the &lt;paper&gt; tips!" in thanks and f"— <@{ANA}>, {when}" in thanks
    assert block_text(anas, HomeIds.THANKS_BLOCK) is None  # the notes are the mentor's


def test_a_logged_meeting_redraws_both_homes_without_either_reopening_the_tab(
    rig: Rig,
) -> None:
    now = datetime.now(UTC)
    pair(rig, BEN, ANA, now - timedelta(days=20))
    rig.run_due(now)
    rig.run_due(now + timedelta(days=4))
    home(rig, BEN)  # Ben looked at his Home before the meeting was logged
    assert "no meeting logged yet" in str(rig.emulator.home_view(BEN))
    rig.emulator.clear()

    log_meeting(rig, ANA)
    rig.run_due()

    published = [c.args["user_id"] for c in rig.emulator.calls("views.publish") if c.ok]
    assert sorted(published) == [ANA, BEN]
    for user, partner in ((BEN, ANA), (ANA, BEN)):
        shown = block_text(rig.emulator.home_view(user) or {"blocks": []}, HomeIds.MEETINGS_BLOCK)
        assert f"<@{partner}>" in (shown or "") and "1 meeting so far" in (shown or "")


def test_meetings_are_counted_and_the_latest_day_shown_skips_and_misses_left_out(
    rig: Rig,
) -> None:
    with_cara = pair(rig, BEN, CARA, datetime(2030, 1, 1, tzinfo=UTC))
    seed_checkins(
        rig,
        with_cara,
        (CheckInStatus.MET, date(2030, 1, 14), ""),
        (CheckInStatus.MET, date(2030, 2, 1), ""),
        (CheckInStatus.SKIPPED, None, ""),
        (CheckInStatus.MET, date(2030, 1, 29), ""),  # logged late, for an earlier day
        (CheckInStatus.MISSED, None, ""),
        (CheckInStatus.PROMPTED, None, ""),
    )
    pair(rig, BEN, ANA, datetime(2030, 1, 1, tzinfo=UTC))

    meetings = block_text(home(rig, BEN), HomeIds.MEETINGS_BLOCK)

    assert f"<@{CARA}> (your mentee): last met Friday 1 February 2030, 3 meetings so far" in (
        meetings or ""
    )
    assert f"<@{ANA}> (your mentee): no meeting logged yet" in (meetings or "")


def test_the_mentor_sees_the_newest_thank_you_notes_and_how_many_more_there_are(
    rig: Rig,
) -> None:
    with_cara = pair(rig, BEN, CARA, datetime(2030, 1, 1, tzinfo=UTC))
    seed_checkins(
        rig,
        with_cara,
        *[(CheckInStatus.MET, date(2030, 1, day), f"Thank you, note {day}") for day in range(1, 6)],
        (CheckInStatus.SKIPPED, None, ""),
    )

    thanks = block_text(home(rig, BEN), HomeIds.THANKS_BLOCK) or ""

    shown = [n for n in range(1, 6) if f"note {n}" in thanks]
    assert shown == [3, 4, 5][-THANKS_SHOWN:]
    assert thanks.index("note 5") < thanks.index("note 4")  # newest first
    assert "and 2 more before these" in thanks
    assert block_text(home(rig, CARA), HomeIds.THANKS_BLOCK) is None


# --- at its maxima ------------------------------------------------------------------------


def test_a_home_at_every_maximum_is_still_valid_block_kit(rig: Rig) -> None:
    """A mentor and mentee at once: the most mentees and mentors, long goals, and
    thank-you notes at their limit in characters that grow when escaped."""
    most = CAPACITY_RANGE[-1]
    goals = ("<" * (GOALS_MAX - 1)) + "🚀"
    cast.enroll(rig, "U0MAX0001", EnrollmentRole.BOTH, capacity=most, goals=goals)
    mentees = [f"U0MTE{i:04d}" for i in range(most)]
    mentors = [f"U0MTR{i:04d}" for i in range(3)]
    for user in mentees:
        cast.enroll(rig, user, EnrollmentRole.MENTEE)
    for user in mentors:
        cast.enroll(rig, user, EnrollmentRole.MENTOR, bio="Lead.")
    kickoff = datetime(2030, 1, 1, tzinfo=UTC)
    pairs = [pair(rig, "U0MAX0001", user, kickoff) for user in mentees]
    pairs += [pair(rig, user, "U0MAX0001", kickoff) for user in mentors]
    note = "<&>" * (THANKS_MAX // 3) + "🙏" * (THANKS_MAX % 3)
    for mentorship_id in pairs:
        seed_checkins(
            rig, mentorship_id, *[(CheckInStatus.MET, date(2030, 1, d), note) for d in (9, 28)]
        )

    view = home(rig, "U0MAX0001")

    assert str(view).count("2 meetings so far") == most + 3
    thanks = block_text(view, HomeIds.THANKS_BLOCK) or ""
    assert thanks.count("— <@U0MTE") == THANKS_SHOWN and f"and {2 * most - 3} more" in thanks
    with rig.runtime.deps.sessions() as session:
        assert len(session.scalars(select(Mentorship)).all()) == most + 3


# --- leaving ------------------------------------------------------------------------------


def test_a_mentee_who_leaves_takes_their_thanks_and_private_notes_with_them(rig: Rig) -> None:
    now = datetime.now(UTC)
    pair(rig, BEN, ANA, now - timedelta(days=20))
    rig.run_due(now)
    rig.run_due(now + timedelta(days=4))
    log_meeting(rig, ANA, thanks="Thanks for the gribblewick tips!", notes="Ask about zorblax.")
    rig.run_due(now + timedelta(days=4, minutes=1))  # Ben's prompt rewritten with the thanks
    assert "gribblewick" in (block_text(home(rig, BEN), HomeIds.THANKS_BLOCK) or "")

    rig.slack.slash_command(ANA, "leave")
    rig.emulator.wait_for("views.open", predicate=lambda c: c.ok)
    assert rig.slack.view_submission(ANA).status == 200
    rig.settle()
    rig.run_due()

    assert block_text(home(rig, BEN), HomeIds.THANKS_BLOCK) is None
    with rig.runtime.deps.sessions() as session:
        assert session.scalars(select(CheckIn.thanks)).all() == [None]
        assert session.scalars(select(CheckInNote)).all() == []
        payloads = [str(m.payload) for m in session.scalars(select(OutboxMessage))]
    assert not [p for p in payloads if "gribblewick" in p or "zorblax" in p]
