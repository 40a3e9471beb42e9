"""`/mentor announce`: a coordinator's announcement (form, preview, send), the pending
list with Cancel, and the cohort's milestone messages. Every step is checked on the
server in bot.announcements; Slack is asked here, on its behalf, about a channel
(conversations.info) and the coordinator's time zone (users.info)."""

from __future__ import annotations

import json
import logging
import re
from datetime import date, time
from typing import Any

from slack_bolt import Ack, App, BoltContext, Respond
from slack_sdk import WebClient
from slack_sdk.errors import SlackApiError

from bot import announcements
from bot.announcements import (
    Actor,
    Answer,
    ChannelAccess,
    ChannelCheck,
    Field,
    FormErrors,
    Probe,
    SlackZone,
    Typed,
    UnknownCohort,
)
from bot.db.enums import Audience, Milestone
from bot.text_input import row_id
from bot.views.announcements import (
    LATER,
    MILESTONES_TITLE,
    AnnounceIds,
    form_modal,
    milestones_modal,
    notice_modal,
    pending_message,
    preview_modal,
)
from bot.views.rounds import unknown_cohort_text
from handlers.context import deps_of
from handlers.errors import guarded
from handlers.invocation import Invocation, Route
from handlers.payloads import metadata_id, team_of

log = logging.getLogger(__name__)

USAGE = "Try `/mentor announce`, `/mentor announce list` or `/mentor announce milestones [cohort]`."
SLACK_BUSY = "Slack is busy; please try `/mentor announce` again in a moment."
CHANNEL_ID = re.compile(r"[CG][A-Z0-9]{2,31}")
FIELD_BLOCKS = {
    Field.AUDIENCE: AnnounceIds.AUDIENCE_BLOCK,
    Field.CHANNEL: AnnounceIds.CHANNEL_BLOCK,
    Field.COHORT: AnnounceIds.COHORT_BLOCK,
    Field.MESSAGE: AnnounceIds.MESSAGE_BLOCK,
    Field.DATE: AnnounceIds.DATE_BLOCK,
    Field.TIME: AnnounceIds.TIME_BLOCK,
    **{Field(m.value): AnnounceIds.MILESTONE_BLOCKS[m] for m in Milestone},
}


def register(app: App) -> None:
    app.view(AnnounceIds.FORM_CALLBACK)(on_form_submitted)
    app.view(AnnounceIds.CONFIRM_CALLBACK)(on_confirm)
    app.view(AnnounceIds.MILESTONES_CALLBACK)(on_milestones_submitted)
    app.action(AnnounceIds.BACK)(on_back)
    app.action(AnnounceIds.CANCEL)(on_cancel)


# --- `/mentor announce [list | milestones [cohort]]` ---------------------------------------


def announce(call: Invocation) -> None:
    words = call.parsed.rest.split(maxsplit=1)
    sub = words[0].lower() if words else ""
    if not sub:
        _open_form(call)
    elif sub == "list":
        _list(call)
    elif sub == "milestones":
        _open_milestones(call, words[1] if len(words) > 1 else "")
    else:
        call.ack(response_type="ephemeral", text=USAGE)


COMMANDS: dict[str, Route] = {"announce": announce}


def _open_form(call: Invocation) -> None:
    deps = call.deps
    with deps.uow() as uow:
        form = announcements.new_form(uow.session, _caller(call), deps.clock())
    call.ack()
    _open(call, form_modal(form, private_metadata="{}"))


def _list(call: Invocation) -> None:
    with call.deps.uow() as uow:
        waiting = announcements.pending(uow.session, call.team_id)
    text, blocks = pending_message(waiting)
    call.ack(response_type="ephemeral", text=text, blocks=blocks)


def _open_milestones(call: Invocation, cohort: str) -> None:
    deps = call.deps
    try:
        with deps.uow() as uow:
            form = announcements.milestones_form(
                uow.session,
                deps.settings,
                _caller(call),
                cohort,
                slack_zone=_slack_zone(call.client, call.user_id),
                now=deps.clock(),
            )
    except UnknownCohort as unknown:
        call.ack(response_type="ephemeral", text=unknown_cohort_text(unknown.name, unknown.known))
        return
    call.ack()
    metadata = json.dumps({"program": form.program_id})
    _open(call, milestones_modal(form, private_metadata=metadata))


def _open(call: Invocation, view: Any) -> None:
    try:
        call.client.views_open(trigger_id=call.trigger_id, view=view)
    except SlackApiError as exc:  # an expired trigger: they can run the command again
        log.warning("views.open failed: %s", exc.response.get("error"))
        call.respond(text=SLACK_BUSY, response_type="ephemeral")


# --- the form, the preview, Back -----------------------------------------------------------


@guarded
def on_form_submitted(
    ack: Ack, body: dict[str, Any], view: dict[str, Any], client: WebClient, context: BoltContext
) -> None:
    deps = deps_of(context)
    actor = _actor(body)
    try:
        with deps.uow() as uow:
            answer = announcements.preview(
                uow.session,
                deps.settings,
                actor,
                read_form(view),
                probe=_probe(client),
                slack_zone=_slack_zone(client, actor.user_id),
                now=deps.clock(),
            )
    except FormErrors as error:
        ack(response_action="errors", errors=_beside_fields(error))
        return
    _show(ack, answer)


@guarded
def on_confirm(
    ack: Ack, body: dict[str, Any], view: dict[str, Any], client: WebClient, context: BoltContext
) -> None:
    deps = deps_of(context)
    with deps.uow() as uow:
        answer = announcements.confirm(
            uow.session,
            deps.settings,
            _actor(body),
            _id_of(view, "announcement"),
            probe=_probe(client),
            now=deps.clock(),
        )
    _show(ack, answer)


@guarded
def on_back(
    ack: Ack, body: dict[str, Any], action: dict[str, Any], client: WebClient, context: BoltContext
) -> None:
    ack()
    deps = deps_of(context)
    actor = _actor(body)
    announcement_id = row_id(action.get("value"))
    with deps.uow() as uow:
        answer = announcements.back_to_form(
            uow.session,
            deps.settings,
            actor,
            announcement_id,
            slack_zone=_slack_zone(client, actor.user_id),
            now=deps.clock(),
        )
    shown = body.get("view") or {}
    if answer.form is None or not shown.get("id"):
        return  # refused: told by DM
    metadata = json.dumps({"announcement": announcement_id})
    try:
        client.views_update(
            view_id=shown["id"],
            hash=shown.get("hash"),
            view=form_modal(answer.form, private_metadata=metadata),
        )
    except SlackApiError as exc:  # closed or changed meanwhile: the draft is still there
        log.warning("views.update failed: %s", exc.response.get("error"))


def _show(ack: Ack, answer: Answer) -> None:
    if answer.preview is not None:
        metadata = json.dumps({"announcement": answer.preview.announcement_id})
        view = preview_modal(answer.preview, private_metadata=metadata)
    else:
        view = notice_modal(answer.notice or "")
    ack(response_action="update", view=view)


def read_form(view: dict[str, Any]) -> Typed:
    """The form's fields as typed; a forged or missing value reads as None."""
    ids = AnnounceIds
    audience = _selected(view, ids.AUDIENCE_BLOCK, ids.AUDIENCE_ACTION)
    cohort = _selected(view, ids.COHORT_BLOCK, ids.COHORT_ACTION)
    channel = _field(view, ids.CHANNEL_BLOCK, ids.CHANNEL_ACTION).get("selected_conversation")
    text = _field(view, ids.MESSAGE_BLOCK, ids.MESSAGE_ACTION).get("value")
    day = _field(view, ids.DATE_BLOCK, ids.DATE_ACTION).get("selected_date")
    at = _field(view, ids.TIME_BLOCK, ids.TIME_ACTION).get("selected_time")
    return Typed(
        announcement_id=_id_of(view, "announcement"),
        audience=Audience(audience) if audience in set(Audience) else None,
        channel_id=channel if isinstance(channel, str) and CHANNEL_ID.fullmatch(channel) else None,
        program_id=row_id(cohort),
        cohort_picked=cohort is not None,
        text=text if isinstance(text, str) else "",
        send_now=_selected(view, ids.WHEN_BLOCK, ids.WHEN_ACTION) != LATER,
        day=_date(day),
        at=_time(at),
    )


# --- `/mentor announce list`: Cancel ------------------------------------------------------


@guarded
def on_cancel(
    ack: Ack, body: dict[str, Any], action: dict[str, Any], respond: Respond, context: BoltContext
) -> None:
    ack()
    deps = deps_of(context)
    with deps.uow() as uow:
        answer = announcements.cancel(
            uow.session,
            deps.settings,
            _actor(body),
            row_id(action.get("value")),
            deps.clock(),
        )
    try:
        if answer.refused:
            respond(text=answer.notice, response_type="ephemeral", replace_original=False)
            return
        text, blocks = pending_message(answer.pending, answer.notice)
        respond(text=text, blocks=blocks, response_type="ephemeral", replace_original=True)
    except (SlackApiError, OSError) as exc:
        log.warning("could not answer a Cancel click: %s", exc)


# --- milestones ----------------------------------------------------------------------------


@guarded
def on_milestones_submitted(
    ack: Ack, body: dict[str, Any], view: dict[str, Any], client: WebClient, context: BoltContext
) -> None:
    deps = deps_of(context)
    actor = _actor(body)
    texts = {}
    for milestone in Milestone:
        block = AnnounceIds.MILESTONE_BLOCKS[milestone]
        typed = _field(view, block, AnnounceIds.MILESTONE_ACTION).get("value")
        texts[milestone] = typed if isinstance(typed, str) else ""
    try:
        with deps.uow() as uow:
            answer = announcements.save_milestones(
                uow.session,
                deps.settings,
                actor,
                _id_of(view, "program"),
                texts,
                slack_zone=_slack_zone(client, actor.user_id),
                now=deps.clock(),
            )
    except FormErrors as error:
        ack(response_action="errors", errors=_beside_fields(error))
        return
    ack(response_action="update", view=notice_modal(answer.notice or "", title=MILESTONES_TITLE))


# --- asking Slack on the service's behalf --------------------------------------------------


def _probe(client: WebClient) -> Probe:
    def check(channel_id: str) -> ChannelCheck:
        try:
            info = client.conversations_info(channel=channel_id, include_num_members=True)
        except SlackApiError as exc:
            if exc.response.get("error") == "channel_not_found":
                # A channel the picker offered that Slack hides from the bot: a private
                # one it was not invited to.
                return ChannelCheck(ChannelAccess.NOT_INVITED)
            log.warning("conversations.info failed: %s", exc.response.get("error"))
            return ChannelCheck(ChannelAccess.UNKNOWN)
        channel = info.get("channel") or {}
        members = channel.get("num_members")
        if channel.get("is_archived"):
            return ChannelCheck(ChannelAccess.ARCHIVED, members)
        if channel.get("is_member"):
            return ChannelCheck(ChannelAccess.IN, members)
        if channel.get("is_private"):
            return ChannelCheck(ChannelAccess.NOT_INVITED, members)
        return ChannelCheck(ChannelAccess.JOINABLE, members)

    return check


def _slack_zone(client: WebClient, user_id: str) -> SlackZone:
    def zone() -> str | None:
        try:
            tz = client.users_info(user=user_id)["user"].get("tz")
        except (SlackApiError, KeyError, TypeError) as exc:
            log.warning("users.info gave no time zone: %s", exc)
            return None
        return tz if isinstance(tz, str) else None

    return zone


# --- reading payloads ----------------------------------------------------------------------


def _beside_fields(error: FormErrors) -> dict[str, str]:
    return {FIELD_BLOCKS[field]: message for field, message in error.errors.items()}


def _actor(body: dict[str, Any]) -> Actor:
    return Actor(team_id=team_of(body), user_id=body["user"]["id"])


def _caller(call: Invocation) -> Actor:
    return Actor(team_id=call.team_id, user_id=call.user_id)


def _field(view: dict[str, Any], block: str, action: str) -> dict[str, Any]:
    """One input's state in a submitted modal; {} when missing or forged."""
    values = view.get("state", {}).get("values", {})
    inputs = values.get(block) if isinstance(values, dict) else None
    found = inputs.get(action) if isinstance(inputs, dict) else None
    return found if isinstance(found, dict) else {}


def _selected(view: dict[str, Any], block: str, action: str) -> str | None:
    option = _field(view, block, action).get("selected_option")
    value = option.get("value") if isinstance(option, dict) else None
    return value if isinstance(value, str) else None


def _id_of(view: dict[str, Any], name: str) -> int | None:
    """A row id our private_metadata holds as a number."""
    try:
        data = json.loads(view.get("private_metadata") or "{}")
    except ValueError:
        return None
    return metadata_id(data.get(name)) if isinstance(data, dict) else None


def _date(value: object) -> date | None:
    try:
        return date.fromisoformat(value) if isinstance(value, str) else None
    except ValueError:
        return None


def _time(value: object) -> time | None:
    try:
        return time.fromisoformat(value) if isinstance(value, str) else None
    except ValueError:
        return None
