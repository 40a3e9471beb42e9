"""A mentor answering a request from their DM: Accept, or Decline with a kind word."""

from __future__ import annotations

import json
import logging
from typing import Any

from slack_bolt import Ack, App, BoltContext, Respond
from slack_sdk import WebClient
from slack_sdk.errors import SlackApiError

from bot import requests
from bot.deps import Deps
from bot.requests import Answer, Outcome
from bot.text_input import row_id
from bot.uow import UnitOfWork
from bot.views.requests import (
    NOT_DONE,
    RequestIds,
    decline_modal,
    decline_refused_modal,
    request_answered_blocks,
)
from handlers.context import deps_of
from handlers.errors import guarded
from handlers.payloads import metadata_id, team_of

log = logging.getLogger(__name__)


@guarded
def on_accept(
    ack: Ack, body: dict[str, Any], action: dict[str, Any], respond: Respond, context: BoltContext
) -> None:
    ack()
    deps = deps_of(context)
    request_id, actor = row_id(action.get("value")), body["user"]["id"]
    with deps.uow() as uow:
        if request_id is None:
            outcome = _unreadable(deps, uow, body, action.get("value"))
        else:
            outcome = requests.accept(
                uow.session,
                request_id,
                actor_user_id=actor,
                now=deps.clock(),
                default_tz=deps.settings.timezone,
            )
    _answered(deps, outcome, respond)


@guarded
def on_decline_clicked(
    ack: Ack,
    body: dict[str, Any],
    action: dict[str, Any],
    client: WebClient,
    respond: Respond,
    context: BoltContext,
) -> None:
    ack()
    deps = deps_of(context)
    request_id, actor = row_id(action.get("value")), body["user"]["id"]
    with deps.uow() as uow:
        if request_id is None:
            outcome = _unreadable(deps, uow, body, action.get("value"))
        else:
            outcome = requests.answerable(
                uow.session, request_id, actor_user_id=actor, now=deps.clock()
            )
    if outcome.answer is not Answer.OPEN or outcome.mentee_user_id is None:
        _answered(deps, outcome, respond)  # nobody but the addressee learns who asked
        return
    metadata = json.dumps({"request": request_id})
    view = decline_modal(mentee_user_id=outcome.mentee_user_id, private_metadata=metadata)
    try:
        client.views_open(trigger_id=body["trigger_id"], view=view)
    except SlackApiError as exc:
        log.warning("views.open failed: %s", exc.response.get("error"))


@guarded
def on_decline_submitted(
    ack: Ack, body: dict[str, Any], view: dict[str, Any], context: BoltContext
) -> None:
    deps = deps_of(context)
    request_id = metadata_id(_metadata(view).get("request"))
    field = view["state"]["values"].get(RequestIds.REASON_BLOCK, {}).get(RequestIds.REASON_ACTION)
    reason = ((field or {}).get("value") or "").strip()
    with deps.uow() as uow:
        if request_id is None:
            outcome = _unreadable(deps, uow, body, view.get("private_metadata"))
        else:
            outcome = requests.decline(
                uow.session,
                request_id,
                actor_user_id=body["user"]["id"],
                reason=reason,
                now=deps.clock(),
            )
    if outcome.answer is Answer.DECLINED:
        ack()  # the request DM is rewritten through the outbox
    else:
        ack(response_action="update", view=decline_refused_modal(NOT_DONE[outcome.answer]))


def _unreadable(deps: Deps, uow: UnitOfWork, body: dict[str, Any], value: object) -> Outcome:
    """A request id no button of ours carries."""
    return requests.refuse_unreadable(
        uow.session,
        team_id=team_of(body),
        actor_user_id=body["user"]["id"],
        value=value,
        now=deps.clock(),
    )


def _answered(deps: Deps, outcome: Outcome, respond: Respond) -> None:
    """Replace the request DM once accepted, or explain why nothing happened."""
    if outcome.answer is Answer.ACCEPTED:
        text, blocks = request_answered_blocks(
            accepted=True,
            mentee_user_id=outcome.mentee_user_id or "",
            when=deps.clock().strftime("%d %B"),
        )
        payload: dict[str, Any] = {"text": text, "blocks": blocks, "replace_original": True}
    else:
        payload = {"text": NOT_DONE[outcome.answer], "response_type": "ephemeral"}
    try:
        respond(**payload)
    except (SlackApiError, OSError) as exc:  # the DM stays as it was; the answer stands
        log.warning("could not update the request message: %s", exc)


def _metadata(view: dict[str, Any]) -> dict[str, Any]:
    try:
        data = json.loads(view.get("private_metadata") or "{}")
    except ValueError:
        return {}
    return data if isinstance(data, dict) else {}


def register(app: App) -> None:
    """Wire the request listeners (`deps` is the shim for today's `handlers/__init__.py`)."""
    app.action(RequestIds.ACCEPT)(on_accept)
    app.action(RequestIds.DECLINE)(on_decline_clicked)
    app.view(RequestIds.DECLINE_CALLBACK)(on_decline_submitted)
