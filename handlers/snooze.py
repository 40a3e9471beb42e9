"""Snooze: `/mentor snooze 2w` (or `3d`, `until 2027-01-15`, `off`) and the Home's Resume
button; the check-ins wait while the person is away."""

from __future__ import annotations

from typing import Any

from slack_bolt import Ack, App, BoltContext

from bot import snooze
from bot.views.snooze import SnoozeIds
from handlers.context import deps_of
from handlers.errors import guarded
from handlers.invocation import Invocation, Route
from handlers.payloads import team_of


def snooze_command(call: Invocation) -> None:
    deps = call.deps
    with deps.uow() as uow:
        text = snooze.command(
            uow.session,
            deps.settings,
            team_id=call.team_id,
            user_id=call.user_id,
            text=call.parsed.rest,
            now=deps.clock(),
        )
    call.ack(response_type="ephemeral", text=text)


COMMANDS: dict[str, Route] = {"snooze": snooze_command}


@guarded
def on_resume(ack: Ack, body: dict[str, Any], context: BoltContext) -> None:
    ack()  # the refreshed Home shows the change; no sentence needed
    deps = deps_of(context)
    with deps.uow() as uow:
        snooze.resume(
            uow.session,
            deps.settings,
            team_id=team_of(body),
            user_id=body["user"]["id"],
            now=deps.clock(),
        )


def register(app: App) -> None:
    """Wire the flow's listeners (its subcommand is in COMMANDS)."""
    app.action(SnoozeIds.RESUME)(on_resume)
