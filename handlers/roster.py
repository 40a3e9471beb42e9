"""Roster import in Slack: a CSV dropped into the bot's DM, and the coordinator's Home
button with its upload modal. Who may import is decided in bot.roster_uploads, for every
request; the import itself runs in the background (a roster_imports row, resumed if the
process stops) and its report comes by DM."""

from __future__ import annotations

import logging
from typing import Any

from slack_bolt import Ack, App, BoltContext
from slack_sdk import WebClient
from slack_sdk.errors import SlackApiError

from bot import roster_uploads
from bot.deps import Deps
from bot.roster_uploads import SharedFile, Upload
from bot.views.roster import RosterIds, import_modal
from handlers.context import deps_of
from handlers.errors import guarded
from handlers.payloads import team_of

log = logging.getLogger(__name__)

# Slack sends a file dropped into a conversation as a message of this subtype.
FILE_SHARE = {"type": "message", "subtype": "file_share"}


def register(app: App) -> None:
    app.action(RosterIds.IMPORT)(on_import_click)
    app.view(RosterIds.MODAL_CALLBACK)(on_import_submitted)


def register_events(app: App) -> None:
    """Before any plain `message` listener: Bolt runs the first listener that matches."""
    app.event(FILE_SHARE)(on_file_share)


@guarded
def on_file_share(body: dict[str, Any], event: dict[str, Any], context: BoltContext) -> None:
    user = event.get("user")
    in_dm = event.get("channel_type") == "im" and not event.get("bot_id")
    if not in_dm or not isinstance(user, str) or not user or user == context.bot_user_id:
        return
    files = [_shared(f) for f in event.get("files") or [] if isinstance(f, dict) and f.get("id")]
    if not files:
        return
    deps = deps_of(context)
    with deps.uow() as uow:
        uploads = roster_uploads.files_shared(
            uow.session,
            deps.settings,
            team_id=body.get("team_id") or event.get("team") or "",
            user_id=user,
            files=files,
            now=deps.clock(),
        )
    for upload in uploads:
        _start(deps, upload)


@guarded
def on_import_click(
    ack: Ack, body: dict[str, Any], client: WebClient, context: BoltContext
) -> None:
    ack()
    deps = deps_of(context)
    team, user, now = team_of(body), body["user"]["id"], deps.clock()
    with deps.uow() as uow:
        allowed = roster_uploads.may_import(
            uow.session, deps.settings, team_id=team, user_id=user, how="button", now=now
        )
        if not allowed:
            roster_uploads.refuse_by_dm(uow.session, team_id=team, user_id=user, now=now)
    if not allowed:
        return
    try:
        client.views_open(trigger_id=body["trigger_id"], view=import_modal())
    except SlackApiError as exc:  # an expired trigger: the button stays, they can click again
        log.warning("views.open failed: %s", exc.response.get("error"))


@guarded
def on_import_submitted(
    ack: Ack, body: dict[str, Any], view: dict[str, Any], context: BoltContext
) -> None:
    deps = deps_of(context)
    with deps.uow() as uow:
        outcome = roster_uploads.submitted(
            uow.session,
            deps.settings,
            team_id=team_of(body),
            user_id=body["user"]["id"],
            files=_chosen(view),
            now=deps.clock(),
        )
    if isinstance(outcome, dict):
        ack(response_action="errors", errors=outcome)
        return
    ack()
    _start(deps, outcome)


def _start(deps: Deps, upload: Upload) -> None:
    roster_uploads.start(deps, upload.id)


def _chosen(view: dict[str, Any]) -> list[SharedFile]:
    values = (view.get("state") or {}).get("values") or {}
    state = (values.get(RosterIds.FILE_BLOCK) or {}).get(RosterIds.FILE_ACTION) or {}
    files = state.get("files") if isinstance(state, dict) else None
    return [_shared(f) for f in files or [] if isinstance(f, dict) and f.get("id")]


def _shared(file: dict[str, Any]) -> SharedFile:
    size = file.get("size")
    return SharedFile(
        id=str(file["id"])[:64],
        name=str(file.get("name") or file.get("title") or "roster.csv")[:255],
        filetype=str(file.get("filetype") or ""),
        size=size if isinstance(size, int) and not isinstance(size, bool) else 0,
    )
