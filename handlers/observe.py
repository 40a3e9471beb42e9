"""One log line and one latency figure per Slack request, in HTTP and Socket Mode alike.

`observed_dispatch` wraps Bolt's dispatch (bot.app.ObservedApp): it names the request
(a request id, the team, the user, and what it is: a subcommand, an action id, a
callback id or an event type), binds that to every log line the request causes, and
when the acknowledgement is ready logs the summary and records the latency. What
people typed is never part of the description: a slash command is named by its
subcommand only when that is one of ours.
"""

from __future__ import annotations

import json
import logging
import time
from collections.abc import Callable
from typing import Any

from slack_bolt import BoltRequest, BoltResponse

from bot import logs, metrics
from bot.commands import COMMAND, SUBCOMMANDS

log = logging.getLogger("mentorbot.request")

# Set in the request's context by the HTTP server (bot.server): when the request
# arrived, so the latency includes reading and checking it, not only Bolt's part.
RECEIVED_AT = metrics.RECEIVED_AT

_SUBCOMMANDS = frozenset(s.name for s in SUBCOMMANDS) | {"help"}
_KINDS = {
    "block_actions": "action",
    "view_submission": "view_submission",
    "view_closed": "view_closed",
    "event_callback": "event",
    "block_suggestion": "options",
    "shortcut": "shortcut",
    "message_action": "shortcut",
}


def describe(body: dict[str, Any]) -> tuple[str, str, str, str]:
    """(kind, what, team, user) of a Slack payload, without anything a person wrote."""
    if "command" in body:
        words = str(body.get("text") or "").split()
        sub = words[0].lower() if words else ""
        what = f"{COMMAND} {sub}" if sub in _SUBCOMMANDS else str(body.get("command"))
        return "command", what, str(body.get("team_id", "")), str(body.get("user_id", ""))
    kind = _KINDS.get(str(body.get("type", "")), "other")
    team = (body.get("team") or {}).get("id") or body.get("team_id") or ""
    user = (body.get("user") or {}).get("id") or ""
    if kind == "action":
        actions = body.get("actions") or [{}]
        what = str(actions[0].get("action_id", ""))
    elif kind in ("view_submission", "view_closed"):
        what = str((body.get("view") or {}).get("callback_id", ""))
    elif kind == "event":
        event = body.get("event") or {}
        what = str(event.get("type", ""))
        if event.get("subtype"):
            what += f".{event['subtype']}"
        user = user or str(event.get("user", ""))
    elif kind == "options":
        what = str(body.get("action_id", ""))
    else:
        what = str(body.get("callback_id", body.get("type", "")))
    return kind, what, str(team), str(user)


def outcome_of(response: BoltResponse) -> str:
    if response.status == 200:
        return "input errors shown" if _view_errors(response.body) else "ok"
    if response.status == 404:
        return "no listener"
    if response.status == 401:
        return "refused (401)"
    return f"failed ({response.status})"


def observed_dispatch(
    dispatch: Callable[[BoltRequest], BoltResponse], request: BoltRequest
) -> BoltResponse:
    started = request.context.get(RECEIVED_AT) or time.perf_counter()
    body = request.body if isinstance(request.body, dict) else {}
    kind, what, team, user = describe(body)
    with logs.bound(logs.new_id("r"), team=team, user=user):
        try:
            response = dispatch(request)
        except Exception as exc:
            seconds = logs.summary(
                log, kind=kind, what=what, started=started, outcome=f"failed ({type(exc).__name__})"
            )
            metrics.observe_request(kind, seconds)
            raise
        seconds = logs.summary(
            log, kind=kind, what=what, started=started, outcome=outcome_of(response)
        )
        metrics.observe_request(kind, seconds)
        return response


def _view_errors(body: str) -> bool:
    """A modal's submission answered with field errors (the person is asked to fix them)."""
    if "response_action" not in body:
        return False
    try:
        parsed = json.loads(body)
    except ValueError:
        return False
    return isinstance(parsed, dict) and parsed.get("response_action") == "errors"
