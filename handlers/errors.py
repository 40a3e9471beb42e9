"""An error boundary around every listener.

Bolt 1.30 resets an acknowledgement when a listener raises after calling ack()
(the request then answers 404 after 3 s), so no exception may leave a listener:
it is logged here and, when nothing was acknowledged yet, the person gets a
short apology instead of Slack's generic failure.

A Web API call slower than the interactive client's timeout raises TimeoutError
or URLError (slack_sdk only wraps Slack's own answers in SlackApiError). That is
not a bug, so no traceback: the person is told Slack is slow, by the quickest way
still open (the ack, the payload's response_url, or a DM through the outbox).
"""

from __future__ import annotations

import functools
import inspect
import logging
from collections.abc import Callable
from typing import Any
from urllib.error import URLError

from slack_bolt import BoltContext

from bot import keys
from bot.deps import Deps
from bot.keys import Kind
from bot.notices import notify
from handlers.context import DEPS

log = logging.getLogger("mentorbot.handlers")

APOLOGY = "Sorry, something went wrong on our side. It has been logged; please try again."
SLOW = "Slack is slow right now, please try again."

# What a Web API call raises when Slack did not answer in time or at all.
SLACK_UNREACHABLE = (TimeoutError, URLError, ConnectionError)

# Arguments the boundary asks Bolt for, whatever the listener itself takes.
_BOUNDARY_ARGS = ("ack", "body", "respond", "context")


def guarded(listener: Callable[..., Any]) -> Callable[..., Any]:
    wanted = inspect.getfullargspec(listener).args
    names = list(dict.fromkeys([*wanted, *_BOUNDARY_ARGS]))

    def boundary(**kwargs: Any) -> Any:
        try:
            return listener(**{k: v for k, v in kwargs.items() if k in wanted})
        except SLACK_UNREACHABLE as exc:
            log.warning("listener %s: Slack did not answer in time (%r)", listener.__name__, exc)
            _tell_slow(kwargs)
        except Exception:
            log.exception("listener %s failed", listener.__name__)
            ack = kwargs.get("ack")
            if ack is not None and getattr(ack, "response", None) is None:
                ack(text=APOLOGY)
        return None

    functools.update_wrapper(boundary, listener)
    # Bolt injects the arguments named by inspect.unwrap(listener)'s signature: offer ours.
    del boundary.__wrapped__
    boundary.__signature__ = inspect.Signature(  # type: ignore[attr-defined]
        [inspect.Parameter(n, inspect.Parameter.POSITIONAL_OR_KEYWORD) for n in names]
    )
    return boundary


def _tell_slow(kwargs: dict[str, Any]) -> None:
    ack, body = kwargs.get("ack"), kwargs.get("body") or {}
    is_view = body.get("type") == "view_submission"
    if ack is not None and getattr(ack, "response", None) is None and not is_view:
        ack(response_type="ephemeral", text=SLOW)
        return
    if ack is not None and getattr(ack, "response", None) is None:
        ack()  # a view submission cannot carry a sentence; the DM below does
    respond = kwargs.get("respond")
    if respond is not None and (body.get("response_url") or body.get("response_urls")):
        try:
            respond(text=SLOW, response_type="ephemeral", replace_original=False)
            return
        except (OSError, ValueError) as exc:
            log.warning("could not say Slack is slow through response_url: %r", exc)
    context: BoltContext | dict[str, Any] = kwargs.get("context") or {}
    deps: Deps | None = context.get(DEPS)
    user = (body.get("user") or {}).get("id") or body.get("user_id")
    team = (body.get("team") or {}).get("id") or body.get("team_id") or ""
    if deps is not None and user:
        now = deps.clock()
        with deps.uow() as uow:
            notify(
                uow.session,
                team_id=team,
                user_id=user,
                text=SLOW,
                key=keys.each(Kind.SLACK_SLOW, user, at=now),
                now=now,
            )
