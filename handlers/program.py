"""Coordinators' program settings from `/mentor`: the topic list, the request expiry."""

from __future__ import annotations

from slack_bolt import App

from bot.deps import Deps
from bot.programs import TopicError, add_topic, current_program, set_request_expiry, topic_labels
from handlers.invocation import Invocation, Route


def register(app: App, deps: Deps) -> dict[str, Route]:
    def topics(call: Invocation) -> None:
        words = call.parsed.rest.split(maxsplit=1)
        with deps.sessions() as session:
            program = current_program(session, call.team_id, deps.clock())
            if not words:
                listed = "\n".join(f"• {label}" for label in topic_labels(program))
                call.ack(
                    response_type="ephemeral",
                    text=f"Topics of *{program.name}*:\n{listed}\n"
                    "Add one with `/mentor topics add NAME`.",
                )
                return
            if words[0].lower() != "add":
                call.ack(
                    response_type="ephemeral",
                    text="Try `/mentor topics` to list them or `/mentor topics add NAME`.",
                )
                return
            try:
                label = add_topic(session, program, words[1] if len(words) > 1 else "")
            except TopicError as exc:
                call.ack(response_type="ephemeral", text=str(exc))
                return
            session.commit()
        call.ack(
            response_type="ephemeral",
            text=f"Added *{label}*. People see it in the join form from now on.",
        )

    def expiry(call: Invocation) -> None:
        with deps.sessions() as session:
            program = current_program(session, call.team_id, deps.clock())
            if not call.parsed.rest.strip():
                days = program.request_expiry_hours / 24
                text = (
                    f"Mentors have {days:g} day(s) to answer a request in *{program.name}*. "
                    "Change it with `/mentor expiry DAYS`."
                )
            else:
                try:
                    text = set_request_expiry(program, call.parsed.rest)
                except TopicError as exc:
                    text = str(exc)
                session.commit()
        call.ack(response_type="ephemeral", text=text)

    return {"topics": topics, "expiry": expiry}
