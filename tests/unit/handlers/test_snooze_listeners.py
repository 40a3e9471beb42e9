"""The snooze listeners called alone: the command's answers and the Home's Resume button;
fake ack, a real database on both dialects."""

from __future__ import annotations

from datetime import UTC, datetime

from slack_sdk import WebClient
from sqlalchemy import select

from bot.commands import parse
from bot.db.enums import EnrollmentRole
from bot.db.models import OutboxMessage, Person
from bot.deps import Deps
from bot.views.snooze import NOT_ENROLLED, SnoozeIds
from handlers import snooze as listeners
from handlers.context import DEPS
from handlers.invocation import Invocation
from tests.unit.handlers.conftest import ANA, TEAM, Recorder, body, enroll


def say(deps: Deps, client: WebClient, user: str, text: str) -> str:
    ack = Recorder()
    call = Invocation(
        ack=ack,  # type: ignore[arg-type]
        respond=Recorder(),  # type: ignore[arg-type]
        client=client,
        parsed=parse(f"snooze {text}"),
        team_id=TEAM,
        user_id=user,
        trigger_id="",
        deps=deps,
    )
    listeners.snooze_command(call)
    [answer] = ack.calls
    assert answer["response_type"] == "ephemeral"
    return answer["text"]


def snoozed_until(deps: Deps) -> datetime | None:
    with deps.sessions() as session:
        return session.scalar(select(Person.snoozed_until).where(Person.slack_user_id == ANA))


def test_someone_who_never_joined_is_told_there_is_nothing_to_snooze(
    deps: Deps, client: WebClient
) -> None:
    assert say(deps, client, ANA, "2w") == NOT_ENROLLED


def test_a_snooze_is_set_shown_and_help_answers_bad_input(deps: Deps, client: WebClient) -> None:
    enroll(deps, ANA, EnrollmentRole.MENTEE)

    assert "I couldn't read that" in say(deps, client, ANA, "next tuesday")
    assert snoozed_until(deps) is None
    assert "Snoozed until the end of" in say(deps, client, ANA, "1w")
    assert snoozed_until(deps) is not None
    assert "You're snoozed until the end of" in say(deps, client, ANA, "")


def test_the_resume_button_ends_the_snooze_and_refreshes_the_home(
    deps: Deps, client: WebClient
) -> None:
    enroll(deps, ANA, EnrollmentRole.MENTEE)
    say(deps, client, ANA, "3d")
    ack = Recorder()

    listeners.on_resume(
        ack=ack, body=body(ANA, actions=[{"action_id": SnoozeIds.RESUME}]), context={DEPS: deps}
    )

    assert ack.calls == [{}]
    back = snoozed_until(deps)
    assert back is not None and back <= deps.clock()  # ended now, not forgotten
    with deps.sessions() as session:
        homes = session.scalars(
            select(OutboxMessage).where(OutboxMessage.method == "views.publish")
        ).all()
    assert len(homes) == 2  # after the snooze, and after the resume
    assert SnoozeIds.RESUME not in str(homes[-1].payload)
    assert datetime.now(UTC) > homes[-1].not_before
