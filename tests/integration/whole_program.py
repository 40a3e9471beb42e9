"""A whole program run through the real endpoint and the emulator, for tests that need
one (the logs of it, a database full of it): two people join through the modal, the
mentee runs `/mentor find` (once with words of her own), picks the mentor and writes a
note, he accepts, their first check-in is prompted and logged through its modal, and a
message is typed in the bot's DM along the way. Every phrase people type is distinctive,
so a test can look for it.
"""

from __future__ import annotations

import time
from datetime import UTC, datetime, timedelta

from sqlalchemy import select

from bot.db.enums import Cadence, EnrollmentRole, ExperienceLevel
from bot.db.models import Mentorship
from bot.emulator.driver import DriverResponse
from bot.matching import warm
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


def _answered(response: DriverResponse) -> None:
    # (A helper module: pytest does not rewrite its asserts, so say what was seen.)
    assert response.status == 200, (
        f"the bot answered {response.status} after {response.elapsed:.1f} s: {response.text[:200]}"
    )


def _first_suggestion(rig: Rig, timeout: float = 30.0) -> str:
    """The first mentor `/mentor find` suggests, once the suggestions replaced the
    "Looking..." view (a loaded machine can take longer than the listeners' 10 s)."""
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        view = rig.emulator.top_view(ANA) or {}
        for block in view.get("blocks", []):
            if (block.get("accessory") or {}).get("action_id") == FindIds.CHOOSE:
                return str(block["accessory"]["value"])
        time.sleep(0.1)
    raise AssertionError("/mentor find suggested nobody")


def run_the_program(rig: Rig, clock: MovableClock) -> None:
    # As `mentorbot run` does once serving: the matcher's libraries load before the first
    # /mentor find needs them, so a loaded machine does not stretch that request.
    warm()
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
        _answered(slack.slash_command(user, "join"))
        rig.settle()
        _answered(slack.view_submission(user, values=submission_values(profile)))
    rig.run_due()
    _answered(slack.message(ANA, DM_TEXT))
    _answered(slack.slash_command(ANA, f"find {SEARCH}"))
    rig.settle()
    slack.slash_command(ANA, "find")
    rig.settle()
    pick = _first_suggestion(rig)
    slack.block_action(ANA, FindIds.CHOOSE, value=pick)
    rig.settle()
    slack.view_submission(ANA)  # Next: the note
    slack.view_submission(ANA, values={FindIds.NOTE_BLOCK: {FindIds.NOTE_ACTION: NOTE}})
    rig.run_due()
    _answered(slack.block_action(BEN, RequestIds.ACCEPT))
    rig.run_due()
    with rig.runtime.deps.sessions() as session:
        due = session.scalar(select(Mentorship.next_checkin_at))
    assert due is not None, "the accepted pair has no check-in scheduled"
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
    _answered(slack.view_submission(ANA, values=answer))
    rig.run_due(clock.at)
    failed = [f"{c.method}:{c.error}" for c in rig.emulator.calls() if not c.ok]
    assert not failed, f"the flow itself went wrong: {failed}"
