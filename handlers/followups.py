"""Follow-ups and escalation: "Suggest a 15-minute chat" on a follow-up DM, and the
coordinators' buttons on their App Home (nudge again, pause, resume, end and rematch,
mark an ask for help handled). Every coordinator action is checked in bot.followups."""

from __future__ import annotations

import json
import logging
from collections.abc import Callable
from typing import Any

from slack_bolt import Ack, App, BoltContext, Respond
from slack_sdk import WebClient
from slack_sdk.errors import SlackApiError

from bot import followups
from bot.followups import Actor
from bot.text_input import row_id
from bot.views.followups import FollowupIds, end_modal, notice_modal
from handlers.context import deps_of
from handlers.errors import guarded
from handlers.payloads import metadata_id, team_of

log = logging.getLogger(__name__)

# Each button on a coordinator's Home that acts at once: its service. The answer, when
# there is one, comes by DM (a Home click has no reply) and the Homes are redrawn.
BOARD: dict[str, Callable[..., None]] = {
    FollowupIds.NUDGE: followups.nudge,
    FollowupIds.PAUSE: followups.pause,
    FollowupIds.RESUME: followups.resume,
    FollowupIds.HANDLED: followups.mark_handled,
}


def register(app: App) -> None:
    for action_id in BOARD:
        app.action(action_id)(on_board_click)
    app.action(FollowupIds.END)(on_end_click)
    app.view(FollowupIds.END_CALLBACK)(on_end_submitted)
    app.action(FollowupIds.SUGGEST_CHAT)(on_suggest_chat)


@guarded
def on_board_click(
    ack: Ack, body: dict[str, Any], action: dict[str, Any], context: BoltContext
) -> None:
    ack()
    deps = deps_of(context)
    service = BOARD[action["action_id"]]
    with deps.uow() as uow:
        service(
            uow.session, deps.settings, _actor(body), row_id(action.get("value")), now=deps.clock()
        )


@guarded
def on_end_click(
    ack: Ack, body: dict[str, Any], action: dict[str, Any], client: WebClient, context: BoltContext
) -> None:
    ack()
    deps = deps_of(context)
    with deps.uow() as uow:
        form = followups.end_form(
            uow.session, deps.settings, _actor(body), row_id(action.get("value")), now=deps.clock()
        )
    if form is None:
        return  # refused or ended already: told by DM
    metadata = json.dumps({"mentorship": form.mentorship_id})
    try:
        client.views_open(
            trigger_id=body["trigger_id"], view=end_modal(form, private_metadata=metadata)
        )
    except SlackApiError as exc:  # an expired trigger: the button stays, they can click again
        log.warning("views.open failed: %s", exc.response.get("error"))


@guarded
def on_end_submitted(
    ack: Ack, body: dict[str, Any], view: dict[str, Any], context: BoltContext
) -> None:
    deps = deps_of(context)
    with deps.uow() as uow:
        why_not = followups.end_pair(
            uow.session, deps.settings, _actor(body), _mentorship_of(view), now=deps.clock()
        )
    if why_not is None:
        ack()  # both told through the outbox; the Homes are redrawn
    else:
        ack(response_action="update", view=notice_modal(why_not))


@guarded
def on_suggest_chat(
    ack: Ack, body: dict[str, Any], action: dict[str, Any], respond: Respond, context: BoltContext
) -> None:
    ack()
    deps = deps_of(context)
    with deps.uow() as uow:
        said = followups.suggest_chat(
            uow.session,
            _actor(body),
            row_id(action.get("value")),
            now=deps.clock(),
            default_tz=deps.settings.timezone,
        )
    try:
        respond(text=said, response_type="ephemeral", replace_original=False)
    except (SlackApiError, OSError) as exc:
        log.warning("could not answer a follow-up click: %s", exc)


def _actor(body: dict[str, Any]) -> Actor:
    return Actor(team_id=team_of(body), user_id=body["user"]["id"])


def _mentorship_of(view: dict[str, Any]) -> int | None:
    """The pair the confirmation is about: our private_metadata holds its id as a number."""
    try:
        data = json.loads(view.get("private_metadata") or "{}")
    except ValueError:
        return None
    return metadata_id(data.get("mentorship")) if isinstance(data, dict) else None
