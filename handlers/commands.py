"""`/mentor` and its subcommands: parse, check the right, route to the flow's handler."""

from __future__ import annotations

from typing import Any

from slack_bolt import Ack, App, BoltContext, Respond
from slack_sdk import WebClient

from bot import audit
from bot.commands import COMMAND, Audience, available_to, parse
from bot.coordinators import is_coordinator
from bot.views.help import help_blocks, help_text
from handlers import (
    announcements,
    cohorts,
    coordinators,
    enrollment,
    find,
    goals,
    program,
    rematch,
    rounds,
    snooze,
    stats,
)
from handlers.context import deps_of
from handlers.errors import guarded
from handlers.invocation import Invocation, Route

REFUSAL = (
    "Sorry, `{usage}` is for program coordinators. "
    "If you think you should have it, ask your program's coordinator."
)


def show_help(call: Invocation) -> None:
    mine = available_to(_coordinates(call))
    unknown = call.parsed.name if call.parsed.subcommand is None else None
    call.ack(
        response_type="ephemeral",
        text=help_text(mine, unknown),
        blocks=help_blocks(mine, unknown),
    )


# Every subcommand, by the flow that owns it.
ROUTES: dict[str, Route] = {
    "help": show_help,
    **enrollment.COMMANDS,
    **program.COMMANDS,
    **find.COMMANDS,
    **rounds.COMMANDS,
    **goals.COMMANDS,
    **rematch.COMMANDS,
    **snooze.COMMANDS,
    **coordinators.COMMANDS,
    **cohorts.COMMANDS,
    **announcements.COMMANDS,
    **stats.COMMANDS,
}


@guarded
def on_mentor(
    ack: Ack, command: dict[str, Any], respond: Respond, client: WebClient, context: BoltContext
) -> None:
    deps = deps_of(context)
    parsed = parse(command.get("text") or "")
    call = Invocation(
        ack=ack,
        respond=respond,
        client=client,
        parsed=parsed,
        team_id=command.get("team_id", ""),
        user_id=command["user_id"],
        trigger_id=command.get("trigger_id", ""),
        deps=deps,
    )
    route = ROUTES.get(parsed.name or "help")
    sub = parsed.subcommand
    if route is None:
        show_help(call)
    elif sub is not None and sub.audience is Audience.COORDINATORS and not _coordinates(call):
        ack(response_type="ephemeral", text=REFUSAL.format(usage=sub.usage))
        with deps.uow() as uow:
            audit.refused(
                uow.session,
                team_id=call.team_id,
                actor=call.user_id,
                action=f"command.{sub.name}",
                subject_type="command",
                subject_id=sub.name,
                now=deps.clock(),
                why="not a coordinator",
            )
    else:
        route(call)


def _coordinates(call: Invocation) -> bool:
    with call.deps.uow() as uow:
        return is_coordinator(uow.session, call.deps.settings, call.team_id, call.user_id)


def register(app: App) -> None:
    app.command(COMMAND)(on_mentor)
