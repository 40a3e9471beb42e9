"""One `/mentor ...` as a subcommand's handler needs it (kept apart so flows and the
router can both import it without importing each other)."""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass

from slack_bolt import Ack, Respond
from slack_sdk import WebClient

from bot.commands import ParsedCommand
from bot.deps import Deps


@dataclass(frozen=True)
class Invocation:
    ack: Ack
    respond: Respond
    client: WebClient
    parsed: ParsedCommand
    team_id: str
    user_id: str
    trigger_id: str
    deps: Deps


Route = Callable[[Invocation], None]
