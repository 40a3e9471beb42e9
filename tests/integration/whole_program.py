"""A whole program run through the real endpoint and the emulator, for tests that need
one (the logs of it, a database full of it): two people join through the modal, the
mentee runs `/mentor find` (once with words of her own), picks the mentor and writes a
note, he accepts, their first check-in is prompted and logged through its modal, and a
message is typed in the bot's DM along the way. Every phrase people type is distinctive,
so a test can look for it.
"""

from __future__ import annotations

from datetime import UTC, datetime, timedelta

from sqlalchemy import select

from bot.db.enums import Cadence, EnrollmentRole, ExperienceLevel
from bot.db.models import Mentorship
from bot.profile import Profile
from bot.views.checkins import CheckinIds
from bot.views.enrollment import submission_values
from bot.views.find import FindIds
from bot.views.requests import RequestIds
from tests.integration.conftest import Rig

ANA, BEN = "U0LOGANA1", "U0LOGBEN1"
# What people type, each phrase unlike anything the bot itself writes.
ANA_GOALS = "Quokka-lantern: move from backend work into ML engineering within a year."
BEN_BIO = "Marmalade-sextant: moved from web development to ML engineering."
SEARCH = "tangerine-hydrofoil"
NOTE = "Periwinkle-abacus: could we meet every two weeks?"
THANKS = "Ocelot-saxophone: the reading list was just what I needed."
DM_TEXT = "Walrus-trampoline, hello bot"
TYPED = (ANA_GOALS, BEN_BIO, SEARCH, NOTE, THANKS, DM_TEXT)


class MovableClock:
    """The bot's clock: now, until the test jumps ahead to the check-in."""

    def __init__(self) -> None:
        self.at: datetime | None = None

    def __call__(self) -> datetime:
        return self.at or datetime.now(UTC)


def run_the_program(rig: Rig, clock: MovableClock) -> None:
    slack = rig.slack
    for user, name in ((ANA, "Ana Lima"), (BEN, "Ben Okafor")):
        rig.emulator.add_user(user, name=name.split()[0].lower(), real_name=name, tz="UTC")
    ben = Profile(
        role=EnrollmentRole.MENTOR,
        topics=("Machine learning engineering", "MLOps"),
        goals="Help people grow into ML roles.",
        bio=BEN_BIO,
        experience=ExperienceLevel.STAFF,
        capacity=2,
        timezone="UTC",
    )
    ana = Profile(
        role=EnrollmentRole.MENTEE,
        topics=("Machine learning engineering", "MLOps"),
        goals=ANA_GOALS,
        experience=ExperienceLevel.MID,
        cadence=Cadence.BIWEEKLY,
        timezone="UTC",
    )
    for user, profile in ((BEN, ben), (ANA, ana)):
        assert slack.slash_command(user, "join").status == 200
        rig.settle()
        assert slack.view_submission(user, values=submission_values(profile)).status == 200
    rig.run_due()
    assert slack.message(ANA, DM_TEXT).status == 200
    assert slack.slash_command(ANA, f"find {SEARCH}").status == 200
    rig.settle()
    slack.slash_command(ANA, "find")
    rig.settle()
    pick = next(
        str(b["accessory"]["value"])
        for b in rig.emulator.top_view(ANA)["blocks"]
        if (b.get("accessory") or {}).get("action_id") == FindIds.CHOOSE
    )
    slack.block_action(ANA, FindIds.CHOOSE, value=pick)
    rig.settle()
    slack.view_submission(ANA)  # Next: the note
    slack.view_submission(ANA, values={FindIds.NOTE_BLOCK: {FindIds.NOTE_ACTION: NOTE}})
    rig.run_due()
    assert slack.block_action(BEN, RequestIds.ACCEPT).status == 200
    rig.run_due()
    with rig.runtime.deps.sessions() as session:
        due = session.scalar(select(Mentorship.next_checkin_at))
    assert due is not None
    clock.at = due + timedelta(hours=1)
    rig.run_due(due)
    rig.run_due(clock.at)
    prompt = next(m for m in rig.emulator.messages_for(ANA) if CheckinIds.ACTIONS_BLOCK in str(m))
    slack.block_action(ANA, CheckinIds.MET, message=prompt)
    rig.settle()
    answer = {
        CheckinIds.USEFUL_BLOCK: {CheckinIds.USEFUL_ACTION: "5"},
        CheckinIds.THANKS_BLOCK: {CheckinIds.THANKS_ACTION: THANKS},
    }
    assert slack.view_submission(ANA, values=answer).status == 200
    rig.run_due(clock.at)
    assert all(call.ok for call in rig.emulator.calls()), "the flow itself went wrong"
