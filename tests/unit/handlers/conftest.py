"""What listener tests share: Deps on a real database (both dialects), the Slack
emulator and a client for it, fake ack/respond, and people enrolled directly."""

from __future__ import annotations

from collections.abc import Iterator
from datetime import UTC, datetime
from typing import Any

import pytest
from slack_sdk import WebClient
from sqlalchemy import select

from bot.config import load_settings
from bot.db.enums import EnrollmentRole
from bot.db.models import AuditEntry
from bot.deps import Deps
from bot.emulator import SlackEmulator
from bot.enrollment import save_profile
from bot.people import SlackProfile, upsert_person
from bot.profile import Profile
from bot.programs import current_program
from bot.runtime import build_runtime
from tests.engines import Engines

TEAM, TOKEN = "T0001", "xoxb-test-token"
ANA, BEN, CARA = "U0ANA0001", "U0BEN0001", "U0CAR0001"


class Recorder:
    """A fake ack or respond: records each call's keyword arguments."""

    def __init__(self) -> None:
        self.calls: list[dict[str, Any]] = []
        self.response: dict[str, Any] | None = None

    def __call__(self, **kwargs: Any) -> None:
        self.calls.append(kwargs)
        self.response = kwargs


@pytest.fixture
def emulator() -> Iterator[SlackEmulator]:
    with SlackEmulator(tokens=[TOKEN]) as running:
        yield running


@pytest.fixture
def deps(db_url: str, emulator: SlackEmulator, shared_engines: Engines) -> Iterator[Deps]:
    settings = load_settings(
        env_file=None,
        slack_bot_token=TOKEN,
        slack_signing_secret="secret",
        slack_api_url=emulator.api_url,
        database_url=db_url,
    )
    runtime = build_runtime(settings, engine=shared_engines.get(db_url))
    yield runtime.deps
    runtime.close()


@pytest.fixture
def client(emulator: SlackEmulator) -> WebClient:
    return WebClient(token=TOKEN, base_url=emulator.api_url)


def enroll(deps: Deps, user: str, role: EnrollmentRole, bio: str = "") -> int:
    now = datetime.now(UTC)
    with deps.uow() as uow:
        program = current_program(uow.session, TEAM, now)
        person = upsert_person(uow.session, TEAM, SlackProfile(user, display_name=user[2:5]))
        profile = Profile(
            role=role,
            topics=("NLP", "MLOps"),
            goals="I want to move from backend work into ML engineering.",
            bio=bio,
            timezone="Europe/Paris",
        )
        save_profile(uow.session, program=program, person=person, profile=profile, now=now)
        return person.id


def program_id(deps: Deps) -> int:
    with deps.uow() as uow:
        return current_program(uow.session, TEAM, datetime.now(UTC)).id


def body(user: str, **fields: Any) -> dict[str, Any]:
    return {"user": {"id": user, "team_id": TEAM}, "team": {"id": TEAM}, **fields}


def rows(deps: Deps, model: Any) -> list[Any]:
    with deps.sessions() as session:
        return list(session.scalars(select(model)))


def refusals(deps: Deps) -> list[str]:
    return [a.action for a in rows(deps, AuditEntry) if a.action.startswith("refused.")]
