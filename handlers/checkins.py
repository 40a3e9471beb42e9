"""Answering a check-in prompt: "We met" (a small log modal) and "Skip this time"."""

from __future__ import annotations

import json
import logging
from datetime import date
from typing import Any

from slack_bolt import Ack, App, BoltContext, Respond
from slack_sdk import WebClient
from slack_sdk.errors import SlackApiError

from bot import checkins
from bot.checkins import Actor, Field, LogError, MeetingLog, Outcome, Result
from bot.db.enums import CheckInStatus
from bot.views.checkins import USEFULNESS, CheckinIds, log_modal, notice_modal
from handlers.context import deps_of
from handlers.errors import guarded
from handlers.payloads import row_id, team_of

log = logging.getLogger(__name__)

RATINGS = frozenset(str(n) for n in USEFULNESS)
FIELD_BLOCKS = {Field.DATE: CheckinIds.DATE_BLOCK, Field.USEFULNESS: CheckinIds.USEFUL_BLOCK}
GONE = "This check-in is no longer open: the pair has ended."
NOT_YOURS = "This check-in belongs to another pair, so I can't record it for you."


def register(app: App) -> None:
    app.action(CheckinIds.MET)(on_met)
    app.action(CheckinIds.SKIP)(on_skip)
    app.view(CheckinIds.LOG_CALLBACK)(on_log_submitted)


@guarded
def on_met(
    ack: Ack,
    body: dict[str, Any],
    action: dict[str, Any],
    client: WebClient,
    respond: Respond,
    context: BoltContext,
) -> None:
    ack()
    deps = deps_of(context)
    checkin_id = row_id(action.get("value"))
    with deps.uow() as uow:
        result = checkins.log_form(
            uow.session,
            checkin_id,
            actor=_actor(body),
            now=deps.clock(),
            default_tz=deps.settings.timezone,
        )
    if result.form is None:
        _tell(respond, explain(result))
        return
    metadata = json.dumps({"checkin": result.form.checkin_id})
    try:
        client.views_open(
            trigger_id=body["trigger_id"], view=log_modal(result.form, private_metadata=metadata)
        )
    except SlackApiError as exc:  # an expired trigger: the prompt stays, they can click again
        log.warning("views.open failed: %s", exc.response.get("error"))


@guarded
def on_skip(
    ack: Ack, body: dict[str, Any], action: dict[str, Any], respond: Respond, context: BoltContext
) -> None:
    ack()
    deps = deps_of(context)
    with deps.uow() as uow:
        result = checkins.skip(
            uow.session,
            row_id(action.get("value")),
            actor=_actor(body),
            now=deps.clock(),
            default_tz=deps.settings.timezone,
        )
    if result.outcome is not Outcome.SKIPPED:
        _tell(respond, explain(result))
    # Skipped: both prompts are rewritten through the outbox, woken by the commit.


@guarded
def on_log_submitted(
    ack: Ack, body: dict[str, Any], view: dict[str, Any], context: BoltContext
) -> None:
    deps = deps_of(context)
    try:
        with deps.uow() as uow:
            result = checkins.log_meeting(
                uow.session,
                row_id(_metadata(view).get("checkin")),
                read_log(view),
                actor=_actor(body),
                now=deps.clock(),
                default_tz=deps.settings.timezone,
            )
    except LogError as error:
        ack(response_action="errors", errors={FIELD_BLOCKS[error.field]: error.message})
        return
    if result.outcome is Outcome.LOGGED:
        ack()  # both prompts are rewritten through the outbox
    else:
        ack(response_action="update", view=notice_modal(explain(result)))


def explain(result: Result) -> str:
    """Why a click or a log changed nothing, in a sentence for the person."""
    if result.outcome is Outcome.NOT_IN_PAIR:
        return NOT_YOURS
    if result.outcome is Outcome.ALREADY:
        who = f"<@{result.by_user_id}>" if result.by_user_id else "Someone"
        if result.status is CheckInStatus.SKIPPED:
            return f"{who} already skipped this check-in, so there's nothing more to do."
        return f"{who} already logged this check-in for you both. Nothing more to do!"
    return GONE


def read_log(view: dict[str, Any]) -> MeetingLog:
    """The modal's fields as typed; a forged or missing value reads as None."""
    values = view.get("state", {}).get("values", {})

    def field(block: str, action: str) -> dict[str, Any]:
        found = values.get(block, {}).get(action)
        return found if isinstance(found, dict) else {}

    picked = field(CheckinIds.DATE_BLOCK, CheckinIds.DATE_ACTION).get("selected_date")
    option = field(CheckinIds.USEFUL_BLOCK, CheckinIds.USEFUL_ACTION).get("selected_option")
    rating = (option or {}).get("value") if isinstance(option, dict) else None
    return MeetingLog(
        met_on=_date(picked),
        usefulness=int(rating) if rating in RATINGS else None,
        notes=str(field(CheckinIds.NOTES_BLOCK, CheckinIds.NOTES_ACTION).get("value") or ""),
        thanks=str(field(CheckinIds.THANKS_BLOCK, CheckinIds.THANKS_ACTION).get("value") or ""),
    )


def _date(value: object) -> date | None:
    try:
        return date.fromisoformat(value) if isinstance(value, str) else None
    except ValueError:
        return None


def _actor(body: dict[str, Any]) -> Actor:
    return Actor(team_id=team_of(body), user_id=body["user"]["id"])


def _tell(respond: Respond, text: str) -> None:
    try:
        respond(text=text, response_type="ephemeral", replace_original=False)
    except (SlackApiError, OSError) as exc:
        log.warning("could not answer a check-in click: %s", exc)


def _metadata(view: dict[str, Any]) -> dict[str, Any]:
    try:
        data = json.loads(view.get("private_metadata") or "{}")
    except ValueError:
        return {}
    return data if isinstance(data, dict) else {}
