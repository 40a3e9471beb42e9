"""`/mentor` and its subcommands: parse, check the right, route."""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

from slack_bolt import Ack, App

from bot.commands import COMMAND, Audience, ParsedCommand, available_to, parse
from bot.deps import Deps
from bot.views.help import help_blocks, help_text
from handlers.errors import guarded

Route = Callable[[Ack, dict[str, Any], ParsedCommand], None]

REFUSAL = (
    "Sorry, `{usage}` is for program coordinators. "
    "If you think you should have it, ask your program's coordinator."
)


def register(app: App, deps: Deps) -> None:
    def show_help(ack: Ack, command: dict[str, Any], parsed: ParsedCommand) -> None:
        mine = available_to(deps.settings.is_coordinator(command["user_id"]))
        unknown = parsed.name if parsed.subcommand is None else None
        ack(
            response_type="ephemeral",
            text=help_text(mine, unknown),
            blocks=help_blocks(mine, unknown),
        )

    routes: dict[str, Route] = {"help": show_help}

    @app.command(COMMAND)
    @guarded
    def on_mentor(ack: Ack, command: dict[str, Any]) -> None:
        parsed = parse(command.get("text") or "")
        sub = parsed.subcommand
        if sub is None or sub.name not in routes:
            show_help(ack, command, parsed)
        elif sub.audience is Audience.COORDINATORS and not deps.settings.is_coordinator(
            command["user_id"]
        ):
            ack(response_type="ephemeral", text=REFUSAL.format(usage=sub.usage))
        else:
            routes[sub.name](ack, command, parsed)
