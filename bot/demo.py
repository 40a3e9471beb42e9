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
from datetime import UTC, datetime
from pathlib import Path
from typing import Any

from pydantic_settings import BaseSettings, PydanticBaseSettingsSource

from bot.app import ListenerPool, build_app
from bot.config import Settings
from bot.db.enums import Cadence, EnrollmentRole, ExperienceLevel
from bot.db.migrate import upgrade
from bot.emulator import SlackDriver, SlackEmulator
from bot.emulator.render import render_blocks
from bot.profile import Profile
from bot.runtime import build_runtime
from bot.server import build_asgi, serving_in_thread
from bot.views.enrollment import submission_values
from bot.views.find import FindIds
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
        runtime = build_runtime(settings)
        app = build_app(runtime.deps)
        listeners: ListenerPool = app.listener_runner.listener_executor  # type: ignore[assignment]
        with serving_in_thread(build_asgi(app, runtime.engine, signing_secret=SECRET)) as base_url:
            driver = SlackDriver(f"{base_url}/slack/events", SECRET, slack)

            def settle() -> None:
                listeners.wait_idle(10)
                run_due(runtime, datetime.now(UTC))

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

            refused = [c for c in slack.calls() if not c.ok]
            out(f"\n{len(slack.calls())} Slack Web API calls, {len(refused)} refused.")
        runtime.close()
    return 0 if not refused else 1


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
