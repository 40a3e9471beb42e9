"""Listeners called alone: fake `ack`/`respond`, a real database, the emulator for Slack.

Fixtures for the enrollment and program-settings listener tests (import them by name)."""

from __future__ import annotations

from collections.abc import Iterator
from typing import Any

import pytest
from slack_sdk import WebClient

from bot.commands import parse
from bot.config import load_settings
from bot.deps import Deps
from bot.emulator import SlackEmulator
from bot.runtime import build_runtime
from handlers.context import DEPS
from handlers.invocation import Invocation
from tests.engines import Engines

TOKEN = "xoxb-listener-test"
TEAM = "T0001"
COORDINATOR = "U0COORD1"


class Recorder:
    """A fake `ack` or `respond`: keeps what each call was given.

    `response` mirrors Bolt's Ack, which the error boundary reads to know whether
    the listener acknowledged before it failed.
    """

    def __init__(self) -> None:
        self.calls: list[dict[str, Any]] = []
        self.response: dict[str, Any] | None = None

    def __call__(self, text: str | None = None, **kwargs: Any) -> None:
        answer = ({"text": text} if text is not None else {}) | kwargs
        self.calls.append(answer)
        self.response = answer

    @property
    def texts(self) -> list[str]:
        return [call["text"] for call in self.calls if "text" in call]


@pytest.fixture
def emulator() -> Iterator[SlackEmulator]:
    with SlackEmulator(tokens=[TOKEN]) as running:
        yield running


@pytest.fixture
def client(emulator: SlackEmulator) -> WebClient:
    return WebClient(token=TOKEN, base_url=emulator.api_url)


@pytest.fixture
def deps(db_url: str, emulator: SlackEmulator, shared_engines: Engines) -> Iterator[Deps]:
    settings = load_settings(
        env_file=None,
        slack_bot_token=TOKEN,
        slack_signing_secret="listener-test-secret",
        slack_api_url=emulator.api_url,
        database_url=db_url,
        admins=COORDINATOR,
    )
    runtime = build_runtime(settings, engine=shared_engines.get(db_url))
    yield runtime.deps
    runtime.close()


@pytest.fixture
def context(deps: Deps) -> dict[str, Any]:
    return {DEPS: deps}


def invocation(
    deps: Deps, client: WebClient, user_id: str, text: str, trigger_id: str = ""
) -> tuple[Invocation, Recorder, Recorder]:
    """One `/mentor TEXT` from `user_id`, with its recording ack and respond."""
    ack, respond = Recorder(), Recorder()
    call = Invocation(
        ack=ack,  # type: ignore[arg-type]
        respond=respond,  # type: ignore[arg-type]
        client=client,
        parsed=parse(text),
        team_id=TEAM,
        user_id=user_id,
        trigger_id=trigger_id,
        deps=deps,
    )
    return call, ack, respond


def click(user_id: str, trigger_id: str = "") -> dict[str, Any]:
    """The body of a block action or view submission, as far as the listeners read it."""
    return {"team": {"id": TEAM}, "user": {"id": user_id}, "trigger_id": trigger_id}
