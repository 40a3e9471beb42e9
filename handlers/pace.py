"""Changing a pair's pace: the Home's "Change" button opens a small form; saving it
changes how often the pair checks in (bot/pace)."""

from __future__ import annotations

import json
import logging
from typing import Any

from slack_bolt import Ack, App, BoltContext
from slack_sdk import WebClient
from slack_sdk.errors import SlackApiError
from slack_sdk.models.views import View

from bot import pace
from bot.db.enums import Cadence
from bot.pace import Outcome, PaceError, Result
from bot.text_input import row_id
from bot.views.pace import EVERY, PaceIds, changed_notice, notice_modal, pace_modal
from handlers.context import deps_of
from handlers.errors import guarded
from handlers.payloads import metadata_id, team_of

log = logging.getLogger(__name__)

GONE = "This pairing has ended, so there's no pace to change."
PAUSED = (
    "Your pairing is paused, so there's no check-in to set a pace for. Change it once it resumes."
)
NOT_YOURS = "This pairing isn't yours, so I can't change it for you."
CHOICES = {cadence.value: cadence for cadence in Cadence}


def register(app: App) -> None:
    app.action(PaceIds.OPEN)(on_open)
    app.view(PaceIds.CALLBACK)(on_submitted)


@guarded
def on_open(
    ack: Ack, body: dict[str, Any], action: dict[str, Any], client: WebClient, context: BoltContext
) -> None:
    ack()
    deps = deps_of(context)
    with deps.uow() as uow:
        result = pace.pace_form(
            uow.session,
            row_id(action.get("value")),
            actor=body["user"]["id"],
            team_id=team_of(body),
            now=deps.clock(),
        )
    if result.form is None:
        view = notice_modal(explain(result))
    else:
        metadata = json.dumps({"mentorship": result.form.mentorship_id})
        view = pace_modal(result.form, private_metadata=metadata)
    try:
        client.views_open(trigger_id=body["trigger_id"], view=view)
    except SlackApiError as exc:  # an expired trigger: the button stays, they can click again
        log.warning("views.open failed: %s", exc.response.get("error"))


@guarded
def on_submitted(
    ack: Ack, body: dict[str, Any], view: dict[str, Any], context: BoltContext
) -> None:
    deps = deps_of(context)
    try:
        with deps.uow() as uow:
            result = pace.change_pace(
                uow.session,
                _mentorship_of(view),
                _choice(view),
                actor=body["user"]["id"],
                team_id=team_of(body),
                now=deps.clock(),
                settings=deps.settings,
            )
    except PaceError as error:
        ack(response_action="errors", errors={PaceIds.CHOICE_BLOCK: error.message})
        return
    ack(response_action="update", view=answer(result))


def answer(result: Result) -> View:
    """What the form turns into: the change made, or why none was."""
    if result.outcome is Outcome.CHANGED:
        assert result.cadence and result.next_day and result.partner_user_id
        return changed_notice(
            cadence=result.cadence,
            next_day=result.next_day,
            partner_user_id=result.partner_user_id,
        )
    return notice_modal(explain(result))


def explain(result: Result) -> str:
    if result.outcome is Outcome.NOT_IN_PAIR:
        return NOT_YOURS
    if result.outcome is Outcome.PAUSED:
        return PAUSED
    if result.outcome is Outcome.UNCHANGED and result.cadence:
        return f"You already check in {EVERY[result.cadence]}, so nothing changed."
    return GONE


def _choice(view: dict[str, Any]) -> Cadence | None:
    """The pace picked; None when missing or not one we offer (a forged value)."""
    values = view.get("state", {}).get("values", {})
    block = values.get(PaceIds.CHOICE_BLOCK) if isinstance(values, dict) else None
    picked = block.get(PaceIds.CHOICE_ACTION) if isinstance(block, dict) else None
    option = picked.get("selected_option") if isinstance(picked, dict) else None
    value = option.get("value") if isinstance(option, dict) else None
    return CHOICES.get(value) if isinstance(value, str) else None


def _mentorship_of(view: dict[str, Any]) -> int | None:
    try:
        data = json.loads(view.get("private_metadata") or "{}")
    except ValueError:
        return None
    return metadata_id(data.get("mentorship")) if isinstance(data, dict) else None
