"""The demo's stage: the real bot served over HTTP, the Slack emulator it talks to, a
clock the story moves, and what each person newly sees after each step.

Nothing leaves this machine: the bot's Web API calls go to the emulator on loopback, and
the people's clicks reach the bot's real endpoint as requests signed the way Slack signs.
"""

from __future__ import annotations

import json
import logging
import tempfile
import time
from collections.abc import Iterator
from contextlib import ExitStack, contextmanager
from dataclasses import dataclass, field
from datetime import UTC, datetime
from pathlib import Path
from typing import Any
from zoneinfo import ZoneInfo

from pydantic_settings import BaseSettings, PydanticBaseSettingsSource
from sqlalchemy import func, select

from bot.app import ListenerPool, build_app
from bot.config import Settings
from bot.db.enums import OutboxStatus
from bot.db.migrate import upgrade
from bot.db.models import Mentorship, OutboxMessage, Person
from bot.demo import cast
from bot.demo.transcript import Transcript
from bot.emulator import DriverResponse, SlackDriver, SlackEmulator
from bot.matching import warm
from bot.runtime import Runtime, build_runtime
from bot.server import build_asgi, serving_in_thread
from scheduling.due import run_due

# Stand-ins that cannot be mistaken for real credentials; the emulator accepts them.
TOKEN = "xoxb-demo-not-a-real-token"
SECRET = "demo-signing-secret"
LISTENER_WAIT_S = 30.0  # a loaded machine can be slow; a listener still busy is a failure

JsonDict = dict[str, Any]
Seen = tuple[str, str]  # (channel, ts): one message


class DemoClock:
    """The bot's clock in the demo: wherever the story has moved it."""

    def __init__(self, at: datetime) -> None:
        self.at = at

    def __call__(self) -> datetime:
        return self.at


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


class DemoError(RuntimeError):
    """Something the story needs did not happen: the demo stops and says what."""


@dataclass
class Stage:
    slack: SlackEmulator
    driver: SlackDriver
    runtime: Runtime
    listeners: ListenerPool
    clock: DemoClock
    transcript: Transcript
    seen: set[Seen] = field(default_factory=set)

    # --- time ----------------------------------------------------------------------------

    def settle(self) -> None:
        if not self.listeners.wait_idle(LISTENER_WAIT_S):
            raise DemoError(f"the bot's listeners were still busy after {LISTENER_WAIT_S:.0f} s")

    def tick(self) -> None:
        """What the scheduler does on each tick: the due-work job, as of the clock."""
        self.settle()
        run_due(self.runtime, self.clock())

    def next_due(self) -> datetime | None:
        """The soonest a message waits to go out or a pair's check-in opens: the demo
        runs the job then, and every few hours besides, not on every empty hour."""
        with self.runtime.deps.sessions() as session:
            waiting = session.scalar(
                select(OutboxMessage.not_before)
                .where(OutboxMessage.status == OutboxStatus.PENDING)
                .order_by(OutboxMessage.not_before)
                .limit(1)
            )
            opening = session.scalar(
                select(Mentorship.next_checkin_at)
                .where(Mentorship.next_checkin_at.is_not(None))
                .order_by(Mentorship.next_checkin_at)
                .limit(1)
            )
        return min((at for at in (waiting, opening) if at is not None), default=None)

    def local(self, user_id: str, at: datetime | None = None) -> str:
        """`at` (default: now) on the person's own clock, e.g. "Mon 11 Mar 10:00 in Tokyo"."""
        person = cast.BY_ID[user_id]
        moment = (at or self.clock()).astimezone(ZoneInfo(person.tz))
        return f"{moment:%a %d %b %H:%M} in {person.city}"

    # --- what people do --------------------------------------------------------------------

    def answered(self, response: DriverResponse, what: str) -> DriverResponse:
        if response.status != 200:
            raise DemoError(f"{what}: the bot answered {response.status}: {response.text[:200]}")
        return response

    def command(self, user_id: str, text: str) -> DriverResponse:
        response = self.answered(self.driver.slash_command(user_id, text), f"/mentor {text}")
        self.settle()
        return response

    def click(self, user_id: str, action_id: str, **where: Any) -> DriverResponse:
        response = self.answered(self.driver.block_action(user_id, action_id, **where), action_id)
        self.settle()
        return response

    def submit(
        self, user_id: str, values: dict[str, Any] | None = None, view: Any = None
    ) -> DriverResponse:
        response = self.driver.view_submission(user_id, view, values=values)
        self.answered(response, "a form's submission")
        self.settle()
        return response

    def open_home(self, user_id: str) -> JsonDict:
        self.answered(self.driver.app_home_opened(user_id), "opening the Home tab")
        self.tick()  # the Home is published through the outbox, as every message is
        home = self.slack.home_view(user_id)
        if home is None:
            raise DemoError(f"{cast.BY_ID[user_id].name}'s Home tab was not drawn")
        return home

    def modal(self, user_id: str, callback_id: str | None = None) -> JsonDict:
        view = self.slack.top_view(user_id)
        if view is None or (callback_id and view.get("callback_id") != callback_id):
            found = view and view.get("callback_id")
            raise DemoError(f"expected the {callback_id} modal for {user_id}, saw {found}")
        return view

    def wait_modal(self, user_id: str, showing: str, timeout: float = LISTENER_WAIT_S) -> JsonDict:
        """The person's modal once it shows `showing` (a callback or action id): some
        are drawn after the ack ("Looking..." first, then the answer)."""
        deadline = time.monotonic() + timeout
        while time.monotonic() < deadline:
            view = self.slack.top_view(user_id)
            if view is not None and showing in json.dumps(view):
                return view
            time.sleep(0.05)
        raise DemoError(f"{cast.BY_ID[user_id].name}'s modal never showed {showing}")

    # --- what people see -------------------------------------------------------------------

    def fresh(self) -> list[tuple[JsonDict, tuple[str, ...]]]:
        """Messages nobody was shown yet, oldest first, each with who can see it."""
        found: dict[Seen, tuple[JsonDict, list[str]]] = {}
        for person in cast.EVERYONE:
            for message in self.slack.messages_for(person.user_id):
                key = (message["channel"], message["ts"])
                if key not in self.seen:
                    found.setdefault(key, (message, []))[1].append(person.user_id)
        self.seen.update(found)
        ordered = sorted(found.items(), key=lambda item: float(item[0][1]))
        return [(message, tuple(users)) for _, (message, users) in ordered]

    def files_for(self, user_id: str) -> list[Any]:
        return self.slack.files_for(user_id)


@contextmanager
def staged(
    start: datetime, transcript: Transcript, database_url: str | None, seed: int
) -> Iterator[Stage]:
    """The bot and the emulator, up and serving, with every person in Slack's directory."""
    # The transcript is the output; the server's own log lines would interleave with it.
    logging.getLogger().setLevel(logging.WARNING)
    with ExitStack() as stack:
        if database_url is None:
            workdir = stack.enter_context(tempfile.TemporaryDirectory())
            database_url = f"sqlite:///{Path(workdir) / 'demo.db'}"
        slack = stack.enter_context(SlackEmulator(tokens=[TOKEN], seed=seed))
        for person in cast.EVERYONE:
            slack.add_user(
                person.user_id,
                name=person.first.lower(),
                real_name=person.name,
                tz=person.tz,
                title=person.title,
            )
        slack.add_channel(
            cast.CHANNEL,
            cast.CHANNEL_NAME,
            members=[slack.bot_user_id, *(p.user_id for p in cast.EVERYONE)],  # invited
        )
        settings = DemoSettings(
            slack_bot_token=TOKEN,
            slack_signing_secret=SECRET,
            slack_api_url=slack.api_url,
            database_url=database_url,
            admins=cast.COCO.user_id,
        )
        upgrade(settings.database_url)
        clock = DemoClock(start)
        runtime = build_runtime(settings, clock=clock)
        stack.callback(runtime.close)
        _refuse_a_used_database(runtime)
        warm()  # as `mentorbot run` does: the matcher's libraries load before /mentor find
        app = build_app(runtime.deps)
        listeners: ListenerPool = app.listener_runner.listener_executor  # type: ignore[assignment]
        stack.callback(listeners.shutdown, wait=True)
        asgi = build_asgi(app, runtime.engine, signing_secret=SECRET)
        base_url = stack.enter_context(serving_in_thread(asgi))
        driver = SlackDriver(f"{base_url}/slack/events", SECRET, slack)
        yield Stage(slack, driver, runtime, listeners, clock, transcript)


def _refuse_a_used_database(runtime: Runtime) -> None:
    # The story creates its cohort and people; in a database that has some, it would
    # collide with them (and mix its made-up people into real ones).
    with runtime.deps.sessions() as session:
        if session.scalar(select(func.count()).select_from(Person)):
            raise DemoError("the database already has people in it: give the demo an empty one")


def utc(year: int, month: int, day: int, hour: int = 0) -> datetime:
    return datetime(year, month, day, hour, tzinfo=UTC)
