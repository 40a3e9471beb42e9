"""Rematch: `/mentor rematch` and the Home's Rematch button open a short confirmation;
confirming ends the pair kindly for both and offers the mentee fresh suggestions."""

from __future__ import annotations

import json
import logging
from typing import Any

from slack_bolt import Ack, App, BoltContext
from slack_sdk import WebClient
from slack_sdk.errors import SlackApiError
from slack_sdk.models.views import View

from bot import rematch
from bot.rematch import Actor, Outcome, Result
from bot.text_input import row_id
from bot.views.rematch import (
    ALREADY_ENDED,
    NOT_YOURS,
    NOTHING_TO_REMATCH,
    RematchIds,
    confirm_modal,
    notice_modal,
)
from handlers.context import deps_of
from handlers.errors import guarded
from handlers.invocation import Invocation, Route
from handlers.payloads import metadata_id, team_of

log = logging.getLogger(__name__)

SLACK_BUSY = "Slack is busy right now; please try `/mentor rematch` again in a moment."


def rematch_command(call: Invocation) -> None:
    with call.deps.uow() as uow:
        result = rematch.command_form(uow.session, actor=Actor(call.team_id, call.user_id))
    if result.form is None:
        call.ack(response_type="ephemeral", text=explain(result))
        return
    call.ack()
    try:
        call.client.views_open(trigger_id=call.trigger_id, view=_confirm_view(result))
    except SlackApiError as exc:
        log.warning("views.open failed: %s", exc.response.get("error"))
        call.respond(text=SLACK_BUSY, response_type="ephemeral")


COMMANDS: dict[str, Route] = {"rematch": rematch_command}


@guarded
def on_home_button(
    ack: Ack, body: dict[str, Any], action: dict[str, Any], client: WebClient, context: BoltContext
) -> None:
    """The Rematch button beside a pair on the Home: that pair's confirmation."""
    ack()
    deps = deps_of(context)
    with deps.uow() as uow:
        result = rematch.home_form(
            uow.session, row_id(action.get("value")), actor=_actor(body), now=deps.clock()
        )
    # The Home has no message to answer under: a refusal opens as a small modal too.
    view = notice_modal(explain(result)) if result.form is None else _confirm_view(result)
    try:
        client.views_open(trigger_id=body["trigger_id"], view=view)
    except SlackApiError as exc:  # an expired trigger: the button stays, they can click again
        log.warning("views.open failed: %s", exc.response.get("error"))


@guarded
def on_confirm(ack: Ack, body: dict[str, Any], view: dict[str, Any], context: BoltContext) -> None:
    ack()  # the modal closes at once: the answer comes by DM (see bot/rematch)
    deps = deps_of(context)
    with deps.uow() as uow:
        rematch.confirm(
            uow.session,
            deps.settings,
            deps.pools,
            chosen_pair(view),
            actor=_actor(body),
            now=deps.clock(),
        )


def explain(result: Result) -> str:
    """Why no confirmation opens, in a sentence for the person who asked."""
    if result.outcome is Outcome.ALREADY:
        return ALREADY_ENDED
    if result.outcome is Outcome.NOT_IN_PAIR:
        return NOT_YOURS
    return NOTHING_TO_REMATCH


def chosen_pair(view: dict[str, Any]) -> int | None:
    """The pair a submitted confirmation names: the partner chosen in its select when it
    has one (several pairs), else the one its private_metadata carries."""
    values = view.get("state", {}).get("values", {})
    block = values.get(RematchIds.WHO_BLOCK) if isinstance(values, dict) else None
    if isinstance(block, dict):
        field = block.get(RematchIds.WHO_ACTION)
        option = field.get("selected_option") if isinstance(field, dict) else None
        return row_id(option.get("value") if isinstance(option, dict) else None)
    try:
        metadata = json.loads(view.get("private_metadata") or "{}")
    except ValueError:
        return None
    return metadata_id(metadata.get("pair")) if isinstance(metadata, dict) else None


def _confirm_view(result: Result) -> View:
    assert result.form is not None
    choices = result.form.choices
    pair = choices[0].mentorship_id if len(choices) == 1 else None
    return confirm_modal(result.form, private_metadata=json.dumps({"pair": pair}))


def _actor(body: dict[str, Any]) -> Actor:
    return Actor(team_id=team_of(body), user_id=body["user"]["id"])


def register(app: App) -> None:
    """Wire the flow's listeners (its subcommand is in COMMANDS)."""
    app.action(RematchIds.HOME)(on_home_button)
    app.view(RematchIds.CONFIRM_CALLBACK)(on_confirm)
