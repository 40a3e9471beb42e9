"""Coordinators' program settings from `/mentor`: the topic list, the request expiry."""

from __future__ import annotations

from bot.programs import ExpiryError, TopicError, expiry_command, topics_command
from handlers.invocation import Invocation, Route


def topics(call: Invocation) -> None:
    deps = call.deps
    try:
        with deps.uow() as uow:
            text = topics_command(
                uow.session, call.team_id, call.parsed.rest, deps.clock(), actor=call.user_id
            )
    except TopicError as exc:
        text = str(exc)
    call.ack(response_type="ephemeral", text=text)


def expiry(call: Invocation) -> None:
    deps = call.deps
    try:
        with deps.uow() as uow:
            text = expiry_command(
                uow.session, call.team_id, call.parsed.rest, deps.clock(), actor=call.user_id
            )
    except ExpiryError as exc:
        text = str(exc)
    call.ack(response_type="ephemeral", text=text)


COMMANDS: dict[str, Route] = {"topics": topics, "expiry": expiry}
