"""Answering a check-in prompt: "We met" (a small log modal), "Reschedule" (a date
picker), "Skip this time", and "Need help" (a note to the coordinators)."""

from __future__ import annotations

import json
import logging
from collections.abc import Callable
from datetime import date
from typing import Any

from slack_bolt import Ack, App, BoltContext, Respond
from slack_sdk import WebClient
from slack_sdk.errors import SlackApiError
from slack_sdk.models.views import View
from sqlalchemy.orm import Session

from bot import checkins
from bot.checkins import Actor, Field, LogError, MeetingLog, Outcome, Result
from bot.coordinators import coordinators_of
from bot.db.enums import CheckInStatus
from bot.deps import Deps
from bot.text_input import row_id
from bot.views.checkins import (
    HELP_TITLE,
    MOVE_TITLE,
    NO_COORDINATORS,
    NOT_SAVED,
    USEFULNESS,
    CheckinIds,
    help_modal,
    log_modal,
    move_modal,
    not_logged_notice,
    notice_modal,
)
from handlers.context import deps_of
from handlers.errors import guarded
from handlers.goals import read_progress
from handlers.payloads import metadata_id, team_of

log = logging.getLogger(__name__)

RATINGS = frozenset(str(n) for n in USEFULNESS)
FIELD_BLOCKS = {
    Field.DATE: CheckinIds.DATE_BLOCK,
    Field.USEFULNESS: CheckinIds.USEFUL_BLOCK,
    Field.MOVE_DATE: CheckinIds.MOVE_DATE_BLOCK,
    Field.HELP_TEXT: CheckinIds.HELP_BLOCK,
}
GONE = "This check-in is no longer open: the pair has ended."
NOT_YOURS = "This check-in belongs to another pair, so I can't record it for you."
STALE = (
    "This check-in can't be moved any more: a newer one has begun, or your pairing is "
    "paused. Reschedule from your latest check-in message."
)


def register(app: App) -> None:
    for action_id in FORMS:
        app.action(action_id)(on_open_form)
    app.action(CheckinIds.SKIP)(on_skip)
    app.view(CheckinIds.LOG_CALLBACK)(on_log_submitted)
    app.view(CheckinIds.MOVE_CALLBACK)(on_move_submitted)
    app.view(CheckinIds.HELP_CALLBACK)(on_help_submitted)


def _help_form(session: Session, checkin_id: int | None, *, deps: Deps, **common: Any) -> Result:
    everyone = coordinators_of(session, deps.settings, common["actor"].team_id)
    return checkins.help_form(session, checkin_id, coordinators=everyone, **common)


def _form(service: Callable[..., Result]) -> Callable[..., Result]:
    return lambda session, checkin_id, *, deps, **common: service(session, checkin_id, **common)


# Each button that opens a form: the service that checks the click (and fills the form in),
# and the modal it opens.
FORMS: dict[str, tuple[Callable[..., Result], Callable[..., View]]] = {
    CheckinIds.MET: (_form(checkins.log_form), log_modal),
    CheckinIds.RESCHEDULE: (_form(checkins.move_form), move_modal),
    CheckinIds.HELP: (_help_form, help_modal),
}


@guarded
def on_open_form(
    ack: Ack,
    body: dict[str, Any],
    action: dict[str, Any],
    client: WebClient,
    respond: Respond,
    context: BoltContext,
) -> None:
    ack()
    deps = deps_of(context)
    service, modal = FORMS[action["action_id"]]
    with deps.uow() as uow:
        result = service(
            uow.session,
            row_id(action.get("value")),
            deps=deps,
            actor=_actor(body),
            now=deps.clock(),
            default_tz=deps.settings.timezone,
        )
    _open(result, modal, body, client, respond)


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
    """Checks the form and answers it at once; the log (both prompts, both Homes, the goals)
    is made after the answer, in this thread: Slack waits 3 s for the answer, and only a
    value wrong beside its field must be said in it."""
    deps = deps_of(context)
    checkin_id, entry, actor = _checkin_of(view), read_log(view), _actor(body)
    try:
        with deps.uow() as uow:
            checked = checkins.check_log(
                uow.session,
                checkin_id,
                entry,
                actor=actor,
                now=deps.clock(),
                default_tz=deps.settings.timezone,
            )
    except LogError as error:
        ack(response_action="errors", errors={FIELD_BLOCKS[error.field]: error.message})
        return
    if checked.outcome is not Outcome.OPEN:
        ack(response_action="update", view=notice_modal(explain(checked)))
        return
    ack()  # the modal closes; both prompts are rewritten through the outbox
    _log_after_ack(deps, checkin_id, entry, actor)


def _log_after_ack(deps: Deps, checkin_id: int | None, entry: MeetingLog, actor: Actor) -> None:
    """Make the log the closed form promised, in one transaction; when it is not kept (the
    partner logged it meanwhile, or a failure rolled it all back), say so by DM."""
    try:
        with deps.uow() as uow:
            result = checkins.log_meeting(
                uow.session,
                checkin_id,
                entry,
                actor=actor,
                now=deps.clock(),
                settings=deps.settings,
            )
    except LogError as error:  # checked before the ack: only a change meanwhile gets here
        why = error.message
    except Exception:
        log.exception("check-in %s: the meeting log failed after the form closed", checkin_id)
        why = NOT_SAVED
    else:
        if result.outcome is Outcome.LOGGED:
            return
        why = explain(result)
    text = not_logged_notice(why, notes=entry.notes, thanks=entry.thanks)
    with deps.uow() as uow:
        checkins.not_logged(uow.session, checkin_id, actor=actor, text=text, now=deps.clock())


@guarded
def on_move_submitted(
    ack: Ack, body: dict[str, Any], view: dict[str, Any], context: BoltContext
) -> None:
    deps = deps_of(context)
    picked = _field(view, CheckinIds.MOVE_DATE_BLOCK, CheckinIds.MOVE_DATE_ACTION)
    try:
        with deps.uow() as uow:
            result = checkins.reschedule(
                uow.session,
                _checkin_of(view),
                _date(picked.get("selected_date")),
                actor=_actor(body),
                now=deps.clock(),
                default_tz=deps.settings.timezone,
            )
    except LogError as error:
        ack(response_action="errors", errors={FIELD_BLOCKS[error.field]: error.message})
        return
    if result.outcome is Outcome.MOVED:
        ack()  # the partner's DM and both prompts go through the outbox
    else:
        ack(response_action="update", view=notice_modal(explain(result), title=MOVE_TITLE))


@guarded
def on_help_submitted(
    ack: Ack, body: dict[str, Any], view: dict[str, Any], context: BoltContext
) -> None:
    deps = deps_of(context)
    typed = _field(view, CheckinIds.HELP_BLOCK, CheckinIds.HELP_ACTION).get("value")
    try:
        with deps.uow() as uow:
            actor = _actor(body)
            result = checkins.ask_help(
                uow.session,
                _checkin_of(view),
                typed if isinstance(typed, str) else "",
                actor=actor,
                now=deps.clock(),
                default_tz=deps.settings.timezone,
                coordinators=coordinators_of(uow.session, deps.settings, actor.team_id),
            )
    except LogError as error:
        ack(response_action="errors", errors={FIELD_BLOCKS[error.field]: error.message})
        return
    if result.outcome is Outcome.HELP_SENT:
        ack()  # the coordinators' DMs and the asker's confirmation go through the outbox
    else:
        ack(response_action="update", view=notice_modal(explain(result), title=HELP_TITLE))


def explain(result: Result) -> str:
    """Why a click or a log changed nothing, in a sentence for the person."""
    if result.outcome is Outcome.NOT_IN_PAIR:
        return NOT_YOURS
    if result.outcome is Outcome.STALE:
        return STALE
    if result.outcome is Outcome.NO_COORDINATORS:
        return NO_COORDINATORS
    if result.outcome is Outcome.ALREADY:
        who = f"<@{result.by_user_id}>" if result.by_user_id else "Someone"
        if result.status is CheckInStatus.SKIPPED:
            return f"{who} already skipped this check-in, so there's nothing more to do."
        return f"{who} already logged this check-in for you both. Nothing more to do!"
    return GONE


def read_log(view: dict[str, Any]) -> MeetingLog:
    """The modal's fields as typed; a forged or missing value reads as None."""
    picked = _field(view, CheckinIds.DATE_BLOCK, CheckinIds.DATE_ACTION).get("selected_date")
    option = _field(view, CheckinIds.USEFUL_BLOCK, CheckinIds.USEFUL_ACTION).get("selected_option")
    rating = (option or {}).get("value") if isinstance(option, dict) else None
    notes = _field(view, CheckinIds.NOTES_BLOCK, CheckinIds.NOTES_ACTION).get("value")
    thanks = _field(view, CheckinIds.THANKS_BLOCK, CheckinIds.THANKS_ACTION).get("value")
    return MeetingLog(
        met_on=_date(picked),
        usefulness=int(rating) if rating in RATINGS else None,
        notes=str(notes or ""),
        thanks=str(thanks or ""),
        progress=read_progress(view),
    )


def _field(view: dict[str, Any], block: str, action: str) -> dict[str, Any]:
    """One input's state in a submitted modal; {} when missing or forged."""
    values = view.get("state", {}).get("values", {})
    inputs = values.get(block) if isinstance(values, dict) else None
    found = inputs.get(action) if isinstance(inputs, dict) else None
    return found if isinstance(found, dict) else {}


def _open(
    result: Result,
    build: Callable[..., View],
    body: dict[str, Any],
    client: WebClient,
    respond: Respond,
) -> None:
    """Open the modal `build` makes from the result's form; or say why there is none."""
    if result.form is None:
        _tell(respond, explain(result))
        return
    metadata = json.dumps({"checkin": result.form.checkin_id})
    try:
        client.views_open(
            trigger_id=body["trigger_id"], view=build(result.form, private_metadata=metadata)
        )
    except SlackApiError as exc:  # an expired trigger: the prompt stays, they can click again
        log.warning("views.open failed: %s", exc.response.get("error"))


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


def _checkin_of(view: dict[str, Any]) -> int | None:
    """The check-in a modal is about: our private_metadata holds its id as a number."""
    return metadata_id(_metadata(view).get("checkin"))


def _metadata(view: dict[str, Any]) -> dict[str, Any]:
    try:
        data = json.loads(view.get("private_metadata") or "{}")
    except ValueError:
        return {}
    return data if isinstance(data, dict) else {}
