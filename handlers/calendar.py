"""Calendar files: the "Add to calendar" button of a check-in message."""

from __future__ import annotations

import logging
from typing import Any

from slack_bolt import Ack, App, BoltContext, Respond
from slack_sdk.errors import SlackApiError

from bot import calendar
from bot.calendar import Outcome
from bot.text_input import row_id
from bot.views.calendar import GONE, NOT_YOURS, CalendarIds
from handlers.context import deps_of
from handlers.errors import guarded
from handlers.payloads import team_of

log = logging.getLogger(__name__)


def register(app: App) -> None:
    app.action(CalendarIds.ADD)(on_add_to_calendar)


@guarded
def on_add_to_calendar(
    ack: Ack, body: dict[str, Any], action: dict[str, Any], respond: Respond, context: BoltContext
) -> None:
    ack()
    deps = deps_of(context)
    with deps.uow() as uow:
        outcome = calendar.requested(
            uow.session,
            row_id(action.get("value")),
            team_id=team_of(body),
            user_id=body["user"]["id"],
            now=deps.clock(),
            default_tz=deps.settings.timezone,
        )
    if outcome is Outcome.SENT:
        return  # the file follows through the outbox, woken by the commit
    text = NOT_YOURS if outcome is Outcome.NOT_IN_PAIR else GONE
    try:
        respond(text=text, response_type="ephemeral", replace_original=False)
    except (SlackApiError, OSError) as exc:
        log.warning("could not answer an Add to calendar click: %s", exc)
