"""`mentorbot demo`: the real bot, offline, and what each person would see.

Runs the real HTTP endpoint, handlers, database (a temporary SQLite file) and
scheduler job against the in-package Slack emulator, driven by the same signed
requests Slack would send. Nothing leaves this machine and no token is needed.
"""

from __future__ import annotations

import logging
import tempfile
import textwrap
from collections.abc import Callable
from datetime import UTC, datetime, timedelta
from pathlib import Path
from typing import Any

from pydantic_settings import BaseSettings, PydanticBaseSettingsSource
from sqlalchemy import select

from bot.app import ListenerPool, build_app
from bot.config import Settings
from bot.db.enums import Cadence, EnrollmentRole, ExperienceLevel
from bot.db.migrate import upgrade
from bot.db.models import Mentorship
from bot.emulator import SlackDriver, SlackEmulator
from bot.emulator.render import render_blocks
from bot.followups import FOLLOW_UP_AFTER
from bot.profile import Profile
from bot.runtime import Runtime, build_runtime
from bot.server import build_asgi, serving_in_thread
from bot.views.checkins import CheckinIds
from bot.views.enrollment import submission_values
from bot.views.find import FindIds
from bot.views.followups import FollowupIds
from bot.views.requests import RequestIds
from scheduling.due import run_due

TOKEN = "xoxb-demo-token"
SECRET = "demo-signing-secret"
PEOPLE = {
    "U0DEMOANA": ("Ana Lima", "Europe/Lisbon"),
    "U0DEMOBEN": ("Ben Okafor", "Europe/Berlin"),
    "U0DEMOCAR": ("Cara Singh", "America/New_York"),
    "U0DEMOCOO": ("Coco Reyes", "Europe/London"),
}
ANA, BEN, CARA, COORDINATOR = PEOPLE


class DemoClock:
    """The bot's clock in the demo: now, until the walk-through jumps ahead to a check-in."""

    def __init__(self) -> None:
        self.jumped_to: datetime | None = None

    def __call__(self) -> datetime:
        return self.jumped_to or datetime.now(UTC)


class DemoSettings(Settings):
    """Only what the demo passes: no environment variable or .env file is read, so an
    operator's own settings (valid or not) neither stop the demo nor leak into it."""

    @classmethod
    def settings_customise_sources(
        cls,
        settings_cls: type[BaseSettings],
        init_settings: PydanticBaseSettingsSource,
        env_settings: PydanticBaseSettingsSource,
        dotenv_settings: PydanticBaseSettingsSource,
        file_secret_settings: PydanticBaseSettingsSource,
    ) -> tuple[PydanticBaseSettingsSource, ...]:
        return (init_settings,)


def run_demo(out: Callable[[str], Any] = print) -> int:
    # The walk-through is the output; the server's own log lines would interleave with it.
    logging.getLogger().setLevel(logging.WARNING)
    names = {user: name.split()[0] for user, (name, _) in PEOPLE.items()}
    with tempfile.TemporaryDirectory() as workdir, SlackEmulator(tokens=[TOKEN]) as slack:
        for user, (name, tz) in PEOPLE.items():
            slack.add_user(user, name=name.split()[0].lower(), real_name=name, tz=tz)
        settings = DemoSettings(
            slack_bot_token=TOKEN,
            slack_signing_secret=SECRET,
            slack_api_url=slack.api_url,
            database_url=f"sqlite:///{Path(workdir) / 'demo.db'}",
            admins=COORDINATOR,
        )
        upgrade(settings.database_url)
        clock = DemoClock()
        runtime = build_runtime(settings, clock=clock)
        app = build_app(runtime.deps)
        listeners: ListenerPool = app.listener_runner.listener_executor  # type: ignore[assignment]
        with serving_in_thread(build_asgi(app, runtime.engine, signing_secret=SECRET)) as base_url:
            driver = SlackDriver(f"{base_url}/slack/events", SECRET, slack)

            def settle() -> None:
                listeners.wait_idle(10)
                run_due(runtime, clock())

            def show(title: str, text: str) -> None:
                out(f"\n== {title} ==")
                out(textwrap.indent(text.strip() or "(nothing)", "  | "))

            def latest_dm(user: str) -> str:
                shown = [m for m in slack.messages_for(user) if m.get("blocks") or m.get("text")]
                last = shown[-1]
                return render_blocks(last["blocks"], names) if last.get("blocks") else last["text"]

            out("mentorbot demo: the real bot against a local Slack emulator, no workspace needed")

            driver.app_home_opened(ANA)
            settle()
            show(
                "Ana opens mentorbot's Home tab",
                render_blocks(slack.home_view(ANA)["blocks"], names),
            )

            for user, profile in (
                (
                    BEN,
                    _mentor(
                        "Moved from web development to ML engineering; happy to help others do it.",
                        ("Machine learning engineering", "Career change into AI", "MLOps"),
                    ),
                ),
                (
                    CARA,
                    _mentor(
                        "Computer vision research lead; I mentor people moving into research.",
                        ("Computer vision", "Research"),
                    ),
                ),
            ):
                driver.slash_command(user, "join")
                listeners.wait_idle(10)
                driver.view_submission(user, values=submission_values(profile))
            settle()
            show("Ben joined as a mentor; his welcome DM", latest_dm(BEN))

            ana = Profile(
                role=EnrollmentRole.MENTEE,
                topics=("Machine learning engineering", "MLOps"),
                goals="I want to move from backend work into ML engineering within a year.",
                experience=ExperienceLevel.MID,
                cadence=Cadence.BIWEEKLY,
                timezone="Europe/Lisbon",
            )
            driver.slash_command(ANA, "join")
            listeners.wait_idle(10)
            driver.view_submission(ANA, values=submission_values(ana))
            settle()

            driver.slash_command(ANA, "find")
            listeners.wait_idle(10)
            suggestions = slack.top_view(ANA)
            show("Ana types /mentor find", render_blocks(suggestions["blocks"], names))

            first_pick = _first_choice(suggestions)
            driver.block_action(ANA, FindIds.CHOOSE, value=first_pick)
            listeners.wait_idle(10)
            driver.view_submission(ANA)  # Next: the note
            driver.view_submission(
                ANA,
                values={
                    FindIds.NOTE_BLOCK: {
                        FindIds.NOTE_ACTION: "Could we meet for 30 minutes every two weeks "
                        "for three months? I'd love help planning the move into ML."
                    }
                },
            )
            settle()
            show("Ben receives Ana's request", latest_dm(BEN))

            driver.block_action(BEN, RequestIds.ACCEPT)
            settle()
            show("Ben accepts; Ana and Ben get an introduction", latest_dm(ANA))

            driver.app_home_opened(ANA)
            settle()
            show("Ana's Home tab now", render_blocks(slack.home_view(ANA)["blocks"], names))

            _check_in(runtime, clock, slack, driver, listeners, show, names)
            _follow_up(runtime, clock, slack, show, names)

            refused = [c for c in slack.calls() if not c.ok]
            out(f"\n{len(slack.calls())} Slack Web API calls, {len(refused)} refused.")
        runtime.close()
    return 0 if not refused else 1


def _check_in(
    runtime: Runtime,
    clock: DemoClock,
    slack: SlackEmulator,
    driver: SlackDriver,
    listeners: ListenerPool,
    show: Callable[[str, str], None],
    names: dict[str, str],
) -> None:
    """The pair's first check-in: the clock jumps to the day it falls (the demo cannot wait
    two weeks) and the scheduler runs; each gets the prompt in their own morning. Ana
    answers "We met" through the real modal, and Ben's prompt and Home say so."""
    with runtime.deps.sessions() as session:
        due = session.scalar(select(Mentorship.next_checkin_at))
    assert due is not None
    run_due(runtime, due)  # the pair's check-in begins: both prompts are queued
    clock.jumped_to = due + timedelta(hours=3)  # mid-morning for both of them
    run_due(runtime, clock())
    for user, name in ((ANA, "Ana"), (BEN, "Ben")):
        show(f"Two weeks on, {name}'s check-in prompt", render_blocks(_prompt(slack, user), names))

    driver.block_action(ANA, CheckinIds.MET, message=_prompt_message(slack, ANA))
    listeners.wait_idle(10)
    form = slack.top_view(ANA)
    assert form is not None
    show("Ana clicks We met", render_blocks(form["blocks"], names))
    driver.view_submission(
        ANA,
        values={
            CheckinIds.USEFUL_BLOCK: {CheckinIds.USEFUL_ACTION: "5"},
            CheckinIds.THANKS_BLOCK: {
                CheckinIds.THANKS_ACTION: "Thank you! The reading list was just what I needed."
            },
        },
    )
    listeners.wait_idle(10)
    run_due(runtime, clock())
    show(
        "Ana saved it; Ben's prompt now says so (one log counts for both)",
        render_blocks(_prompt(slack, BEN), names),
    )
    show("Ben's Home tab, redrawn", render_blocks(slack.home_view(BEN)["blocks"], names))


def _follow_up(
    runtime: Runtime,
    clock: DemoClock,
    slack: SlackEmulator,
    show: Callable[[str, str], None],
    names: dict[str, str],
) -> None:
    """Then the pair stops meeting. The clock jumps from check-in to check-in and the
    due-work job runs on each day, as the scheduler would: each new period closes the
    last one unanswered, and once FOLLOW_UP_AFTER periods in a row passed without a
    meeting the job queues the kind follow-up to each of them (bot/followups), sent
    within their working hours."""
    for _ in range(FOLLOW_UP_AFTER + 1):  # the periods that go by, and the one that counts them
        with runtime.deps.sessions() as session:
            due = session.scalar(select(Mentorship.next_checkin_at))
        assert due is not None
        run_due(runtime, due)
        clock.jumped_to = due + timedelta(hours=3)
        run_due(runtime, clock())
        if _follow_up_message(slack, ANA) and _follow_up_message(slack, BEN):
            break
    for user, name in ((ANA, "Ana"), (BEN, "Ben")):
        message = _follow_up_message(slack, user)
        if message is None:  # the demo exits non-zero rather than skip what it promises
            raise RuntimeError(f"{name} got no follow-up after {FOLLOW_UP_AFTER} check-ins")
        show(
            f"{FOLLOW_UP_AFTER} check-ins pass with no meeting logged: {name}'s follow-up",
            render_blocks(message["blocks"], names),
        )


def _follow_up_message(slack: SlackEmulator, user: str) -> dict[str, Any] | None:
    sent = [m for m in slack.messages_for(user) if FollowupIds.ACTIONS_BLOCK in str(m)]
    return sent[-1] if sent else None


def _prompt_message(slack: SlackEmulator, user: str) -> dict[str, Any]:
    """The person's check-in prompt as it stands in their DM (rewritten in place)."""
    prompts = [m for m in slack.messages_for(user) if CheckinIds.ACTIONS_BLOCK in str(m)]
    closed = [m for m in slack.messages_for(user) if CheckinIds.CLOSED_BLOCK in str(m)]
    return (prompts or closed)[-1]


def _prompt(slack: SlackEmulator, user: str) -> list[dict[str, Any]]:
    return list(_prompt_message(slack, user)["blocks"])


def _mentor(bio: str, topics: tuple[str, ...]) -> Profile:
    return Profile(
        role=EnrollmentRole.MENTOR,
        topics=topics,
        goals="Help people grow into AI roles, and learn from them too.",
        bio=bio,
        experience=ExperienceLevel.STAFF,
        capacity=2,
        timezone="Europe/Berlin",
    )


def _first_choice(view: dict[str, Any]) -> str:
    for block in view["blocks"]:
        accessory = block.get("accessory") or {}
        if accessory.get("action_id") == FindIds.CHOOSE:
            return str(accessory["value"])
    raise RuntimeError("the suggestions showed nobody to choose")
