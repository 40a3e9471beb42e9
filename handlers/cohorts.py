"""Cohorts: `/mentor cohort [list | edit NAME | members [NAME]]`, the coordinator's Home
buttons, the cohort form (and its "edit a cohort instead" select) and the Members form.

Listeners read the payload, call one service of bot.cohorts and answer. Every service
checks the right itself, on the server: a member's forged click or submission is refused
there (told by DM, audited), and the listener only closes the modal.
"""

from __future__ import annotations

import logging
from collections.abc import Callable
from typing import Any

from slack_bolt import Ack, App, BoltContext
from slack_sdk import WebClient
from slack_sdk.errors import SlackApiError
from slack_sdk.models.views import View

from bot.cohorts import (
    Actor,
    CohortError,
    CohortInput,
    Errors,
    Field,
    MembersInput,
    UnknownCohort,
    change_members,
    cohort_form,
    cohort_list,
    members_form,
    save_cohort,
)
from bot.deps import Deps
from bot.onboarding import SLACK_BUSY, tell
from bot.text_input import row_id
from bot.views.cohorts import (
    USAGE,
    CohortIds,
    cohort_modal,
    list_text,
    members_modal,
    saved_modal,
    unknown_cohort_text,
)
from handlers import enrollment
from handlers.context import deps_of
from handlers.errors import guarded
from handlers.invocation import Invocation, Route
from handlers.payloads import selected_value, team_of

log = logging.getLogger(__name__)

Ids = CohortIds
# The service names a form field; the view knows which block shows it.
FIELD_BLOCKS: dict[Field, str] = {
    Field.NAME: Ids.NAME_BLOCK,
    Field.OBJECTIVE: Ids.OBJECTIVE_BLOCK,
    Field.OTHER: Ids.OTHER_BLOCK,
    Field.STARTS: Ids.STARTS_BLOCK,
    Field.ENDS: Ids.ENDS_BLOCK,
    Field.CADENCE: Ids.CADENCE_BLOCK,
    Field.ENROLLMENT: Ids.ENROLLMENT_BLOCK,
    Field.CHANNEL: Ids.CHANNEL_BLOCK,
    Field.TOPICS: Ids.TOPICS_BLOCK,
    Field.COHORT: Ids.MEMBERS_COHORT_BLOCK,
    Field.ADD: Ids.ADD_BLOCK,
    Field.ROLE: Ids.ROLE_BLOCK,
    Field.REMOVE: Ids.REMOVE_BLOCK,
}

Reply = Callable[[str], None]


# --- /mentor cohort -----------------------------------------------------------------------


def cohort(call: Invocation) -> None:
    """`/mentor cohort` (a new one), `list`, `edit NAME`, `members [NAME]`."""
    words = call.parsed.rest.split(maxsplit=1)
    verb = words[0].lower() if words else ""
    name = words[1].strip() if len(words) > 1 else ""
    if verb == "list":
        with call.deps.uow() as uow:
            text = list_text(cohort_list(uow.session, call.team_id))
        call.ack(response_type="ephemeral", text=text)
    elif verb == "" or (verb == "edit" and name):
        _open(call, lambda session, actor, now: cohort_form(
            session, call.deps.settings, actor, now=now, name=name
        ), cohort_modal)  # fmt: skip
    elif verb == "members":
        _open(call, lambda session, actor, now: members_form(
            session, call.deps.settings, actor, now=now, name=name
        ), members_modal)  # fmt: skip
    else:
        call.ack(response_type="ephemeral", text=USAGE)


COMMANDS: dict[str, Route] = {"cohort": cohort}


def _open(call: Invocation, service: Callable[..., Any], modal: Callable[[Any], View]) -> None:
    deps = call.deps
    try:
        with deps.uow() as uow:
            form = service(uow.session, Actor(call.team_id, call.user_id), deps.clock())
    except UnknownCohort as unknown:
        call.ack(response_type="ephemeral", text=unknown_cohort_text(unknown.name, unknown.known))
        return
    except CohortError as exc:
        call.ack(response_type="ephemeral", text=str(exc))
        return
    call.ack()
    if form is not None:  # None: refused, and told by DM
        _views_open(call.client, call.trigger_id, modal(form), _ephemeral(call))


# --- the coordinator's Home and the form's select -----------------------------------------


@guarded
def on_home_cohort(ack: Ack, body: dict[str, Any], client: WebClient, context: BoltContext) -> None:
    ack()
    deps, actor = deps_of(context), _actor(body)
    with deps.uow() as uow:
        form = cohort_form(uow.session, deps.settings, actor, now=deps.clock())
    if form is not None:
        _views_open(client, body["trigger_id"], cohort_modal(form), _by_dm(deps, actor))


@guarded
def on_home_members(
    ack: Ack, body: dict[str, Any], client: WebClient, context: BoltContext
) -> None:
    ack()
    deps, actor = deps_of(context), _actor(body)
    try:
        with deps.uow() as uow:
            form = members_form(uow.session, deps.settings, actor, now=deps.clock())
    except CohortError as exc:
        _by_dm(deps, actor)(str(exc))
        return
    if form is not None:
        _views_open(client, body["trigger_id"], members_modal(form), _by_dm(deps, actor))


@guarded
def on_pick(
    ack: Ack, body: dict[str, Any], action: dict[str, Any], client: WebClient, context: BoltContext
) -> None:
    """ "Edit a cohort instead": the form is redrawn with the chosen cohort's settings."""
    ack()
    deps = deps_of(context)
    chosen = row_id((action.get("selected_option") or {}).get("value")) or 0  # 0 names none
    with deps.uow() as uow:
        form = cohort_form(
            uow.session, deps.settings, _actor(body), now=deps.clock(), program_id=chosen
        )
    if form is None:
        return  # refused (a member, or no such cohort), and told by DM
    view = body.get("view") or {}
    try:
        client.views_update(view_id=view.get("id"), hash=view.get("hash"), view=cohort_modal(form))
    except SlackApiError as exc:
        log.warning("views.update failed: %s", exc.response.get("error"))


# --- the forms, submitted -----------------------------------------------------------------


@guarded
def on_cohort_submitted(
    ack: Ack, body: dict[str, Any], view: dict[str, Any], context: BoltContext
) -> None:
    deps = deps_of(context)
    with deps.uow() as uow:
        result = save_cohort(
            uow.session,
            deps.settings,
            _actor(body),
            _metadata_id(view),
            read_cohort(view),
            now=deps.clock(),
        )
    if result is None:
        ack()  # refused, and told by DM
    elif isinstance(result, dict):
        ack(response_action="errors", errors=_beside(result))
    else:
        ack(response_action="update", view=saved_modal(result))


@guarded
def on_members_submitted(
    ack: Ack, body: dict[str, Any], view: dict[str, Any], context: BoltContext
) -> None:
    deps = deps_of(context)
    chosen = selected_value(view, Ids.MEMBERS_COHORT_BLOCK, Ids.MEMBERS_COHORT_ACTION)
    data = MembersInput(
        program_id=row_id(chosen),
        add=_users(view, Ids.ADD_BLOCK, Ids.ADD_ACTION),
        role=selected_value(view, Ids.ROLE_BLOCK, Ids.ROLE_ACTION),
        remove=_users(view, Ids.REMOVE_BLOCK, Ids.REMOVE_ACTION),
    )
    with deps.uow() as uow:
        result = change_members(
            uow.session, deps.settings, _actor(body), _metadata_id(view), data, now=deps.clock()
        )
    if isinstance(result, dict):
        ack(response_action="errors", errors=_beside(result))
    else:
        ack()  # done (the summary comes by DM), or refused and told by DM


def register(app: App) -> None:
    app.action(Ids.HOME_COHORT)(on_home_cohort)
    app.action(Ids.HOME_MEMBERS)(on_home_members)
    app.action(Ids.PICK)(on_pick)
    # "Fill in my profile" in the welcome of someone a coordinator added: the profile form.
    app.action(Ids.PROFILE)(enrollment.on_home_form)
    app.view(Ids.CALLBACK)(on_cohort_submitted)
    app.view(Ids.MEMBERS_CALLBACK)(on_members_submitted)


# --- reading the payload ------------------------------------------------------------------


def read_cohort(view: dict[str, Any]) -> CohortInput:
    """The cohort form's fields as sent (strings or None; the service checks them)."""
    return CohortInput(
        name=_entry(view, Ids.NAME_BLOCK, Ids.NAME_ACTION, "value"),
        objective=selected_value(view, Ids.OBJECTIVE_BLOCK, Ids.OBJECTIVE_ACTION),
        other=_entry(view, Ids.OTHER_BLOCK, Ids.OTHER_ACTION, "value"),
        starts_on=_entry(view, Ids.STARTS_BLOCK, Ids.STARTS_ACTION, "selected_date"),
        ends_on=_entry(view, Ids.ENDS_BLOCK, Ids.ENDS_ACTION, "selected_date"),
        cadence=selected_value(view, Ids.CADENCE_BLOCK, Ids.CADENCE_ACTION),
        enrollment=selected_value(view, Ids.ENROLLMENT_BLOCK, Ids.ENROLLMENT_ACTION),
        channel_id=_entry(view, Ids.CHANNEL_BLOCK, Ids.CHANNEL_ACTION, "selected_conversation"),
        topics=_entry(view, Ids.TOPICS_BLOCK, Ids.TOPICS_ACTION, "value"),
    )


def _state(view: dict[str, Any], block_id: str, action_id: str) -> dict[str, Any]:
    values = (view.get("state") or {}).get("values") or {}
    block = values.get(block_id) if isinstance(values, dict) else None
    state = block.get(action_id) if isinstance(block, dict) else None
    return state if isinstance(state, dict) else {}


def _entry(view: dict[str, Any], block_id: str, action_id: str, key: str) -> str | None:
    value = _state(view, block_id, action_id).get(key)
    return value if isinstance(value, str) and value else None


def _users(view: dict[str, Any], block_id: str, action_id: str) -> tuple[str, ...]:
    chosen = _state(view, block_id, action_id).get("selected_users")
    if not isinstance(chosen, list):
        return ()
    return tuple(user if isinstance(user, str) else "" for user in chosen)


def _metadata_id(view: dict[str, Any]) -> int | None:
    """The cohort the form is about: None for a new one (no metadata); 0, which names no
    cohort, when the metadata came back unreadable."""
    metadata = view.get("private_metadata")
    if not metadata:
        return None
    return row_id(metadata) or 0


def _beside(errors: Errors) -> dict[str, str]:
    return {FIELD_BLOCKS[where]: message for where, message in errors.items()}


def _actor(body: dict[str, Any]) -> Actor:
    return Actor(team_of(body), body["user"]["id"])


def _views_open(client: WebClient, trigger_id: str, view: View, reply: Reply) -> None:
    try:
        client.views_open(trigger_id=trigger_id, view=view)
    except SlackApiError as exc:
        log.warning("views.open failed: %s", exc.response.get("error"))
        reply(SLACK_BUSY)


def _ephemeral(call: Invocation) -> Reply:
    return lambda text: call.respond(text=text, response_type="ephemeral")


def _by_dm(deps: Deps, actor: Actor) -> Reply:
    def reply(text: str) -> None:
        with deps.uow() as uow:
            tell(
                uow.session,
                team_id=actor.team_id,
                user_id=actor.user_id,
                text=text,
                now=deps.clock(),
            )

    return reply
