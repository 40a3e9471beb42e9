"""Enrollment: join, profile, pause, resume, leave; from `/mentor` and the App Home.

Each listener reads the payload, calls one step of bot.onboarding in a unit of work,
renders a view from bot/views and answers. A `/mentor` subcommand answers in the
channel (ephemeral); a Home button has no reply to carry a sentence, so it says it
by DM through the outbox.
"""

from __future__ import annotations

import logging
from collections.abc import Callable
from typing import Any

from slack_bolt import Ack, App, BoltContext
from slack_sdk import WebClient
from slack_sdk.errors import SlackApiError
from slack_sdk.models.views import View

from bot.deps import Deps
from bot.enrollment import EnrollmentError, FormContext
from bot.onboarding import (
    SLACK_BUSY,
    choose_cohort,
    confirm_leave,
    guide_role,
    leave_prompt,
    open_form,
    pause_or_resume,
    submit_form,
    tell,
)
from bot.people import SlackProfile
from bot.text_input import row_id
from bot.views.enrollment import (
    CohortChoice,
    EnrollmentIds,
    cohort_choice_modal,
    enrollment_modal,
    leave_confirmation_modal,
)
from bot.views.home import HomeIds, guide_modal
from handlers.context import deps_of
from handlers.errors import guarded
from handlers.invocation import Invocation, Route
from handlers.payloads import selected_value, team_of

log = logging.getLogger(__name__)

# The domain names a form field; the view knows which block shows it.
FIELD_BLOCKS = {
    "role": EnrollmentIds.ROLE_BLOCK,
    "capacity": EnrollmentIds.CAPACITY_BLOCK,
    "workday_end": EnrollmentIds.WORKDAY_END_BLOCK,
}

Reply = Callable[[str], None]


# --- /mentor subcommands ------------------------------------------------------------------


def join(call: Invocation) -> None:
    """`/mentor join` and `/mentor profile`: the form, pre-filled for a member."""
    call.ack()
    _open_form(
        call.deps, call.client, call.team_id, call.user_id, call.trigger_id, _ephemeral(call)
    )


def leave(call: Invocation) -> None:
    call.ack()
    _open_leave(
        call.deps, call.client, call.team_id, call.user_id, call.trigger_id, _ephemeral(call)
    )


def pause(call: Invocation) -> None:
    text = _pause_or_resume(call.deps, call.team_id, call.user_id, paused=True)
    call.ack(response_type="ephemeral", text=text)


def resume(call: Invocation) -> None:
    text = _pause_or_resume(call.deps, call.team_id, call.user_id, paused=False)
    call.ack(response_type="ephemeral", text=text)


COMMANDS: dict[str, Route] = {
    "join": join,
    "profile": join,
    "pause": pause,
    "resume": resume,
    "leave": leave,
}


# --- App Home buttons ---------------------------------------------------------------------


@guarded
def on_home_form(ack: Ack, body: dict[str, Any], client: WebClient, context: BoltContext) -> None:
    """Join (a newcomer) or Edit profile (a member): the same form."""
    ack()
    deps, team_id, user_id = deps_of(context), team_of(body), body["user"]["id"]
    _open_form(deps, client, team_id, user_id, body["trigger_id"], _by_dm(deps, team_id, user_id))


@guarded
def on_home_leave(ack: Ack, body: dict[str, Any], client: WebClient, context: BoltContext) -> None:
    ack()
    deps, team_id, user_id = deps_of(context), team_of(body), body["user"]["id"]
    _open_leave(deps, client, team_id, user_id, body["trigger_id"], _by_dm(deps, team_id, user_id))


@guarded
def on_home_pause(ack: Ack, body: dict[str, Any], context: BoltContext) -> None:
    ack()  # the refreshed Home shows the change; no sentence needed
    _pause_or_resume(deps_of(context), team_of(body), body["user"]["id"], paused=True)


@guarded
def on_home_resume(ack: Ack, body: dict[str, Any], context: BoltContext) -> None:
    ack()
    _pause_or_resume(deps_of(context), team_of(body), body["user"]["id"], paused=False)


@guarded
def on_home_guide(ack: Ack, body: dict[str, Any], client: WebClient, context: BoltContext) -> None:
    ack()
    deps = deps_of(context)
    with deps.uow() as uow:
        role = guide_role(
            uow.session, team_id=team_of(body), user_id=body["user"]["id"], now=deps.clock()
        )
    try:
        client.views_open(trigger_id=body["trigger_id"], view=guide_modal(role))
    except SlackApiError as exc:
        log.warning("views.open failed: %s", exc.response.get("error"))


# --- modal submissions --------------------------------------------------------------------


@guarded
def on_profile_submitted(
    ack: Ack, body: dict[str, Any], view: dict[str, Any], context: BoltContext
) -> None:
    deps = deps_of(context)
    try:
        errors = submit_form(
            deps.uow,
            deps.settings,
            team_id=team_of(body),
            user_id=body["user"]["id"],
            program_id=row_id(view.get("private_metadata")),
            values=view["state"]["values"],
            now=deps.clock(),
        )
    except EnrollmentError as exc:
        errors = {FIELD_BLOCKS.get(exc.field or "", EnrollmentIds.ROLE_BLOCK): str(exc)}
    if errors:
        ack(response_action="errors", errors=errors)
        return
    ack()


@guarded
def on_cohort_chosen(
    ack: Ack, body: dict[str, Any], view: dict[str, Any], context: BoltContext
) -> None:
    """The join form's first page (several cohorts open): on to that cohort's form."""
    deps = deps_of(context)
    chosen = selected_value(view, EnrollmentIds.COHORT_BLOCK, EnrollmentIds.COHORT_ACTION)
    try:
        with deps.uow() as uow:
            form = choose_cohort(
                uow.session,
                deps.settings,
                team_id=team_of(body),
                user_id=body["user"]["id"],
                program_id=row_id(chosen),
                now=deps.clock(),
            )
    except EnrollmentError as exc:
        ack(response_action="errors", errors={EnrollmentIds.COHORT_BLOCK: str(exc)})
        return
    ack(response_action="update", view=_form_view(form))


@guarded
def on_leave_confirmed(ack: Ack, body: dict[str, Any], context: BoltContext) -> None:
    deps = deps_of(context)
    with deps.uow() as uow:
        confirm_leave(
            uow.session,
            deps.settings,
            team_id=team_of(body),
            user_id=body["user"]["id"],
            now=deps.clock(),
        )
    ack()


def register(app: App) -> None:
    """Wire the flow's listeners (its subcommands are in COMMANDS)."""
    app.action(HomeIds.JOIN)(on_home_form)
    app.action(HomeIds.EDIT)(on_home_form)
    app.action(HomeIds.LEAVE)(on_home_leave)
    app.action(HomeIds.PAUSE)(on_home_pause)
    app.action(HomeIds.RESUME)(on_home_resume)
    app.action(HomeIds.GUIDE)(on_home_guide)
    app.view(EnrollmentIds.CALLBACK)(on_profile_submitted)
    app.view(EnrollmentIds.COHORT_CALLBACK)(on_cohort_chosen)
    app.view(EnrollmentIds.LEAVE_CALLBACK)(on_leave_confirmed)


# --- shared by the command and the button -------------------------------------------------


def _open_form(
    deps: Deps, client: WebClient, team_id: str, user_id: str, trigger_id: str, reply: Reply
) -> None:
    """Check the person may enroll, then open the pre-filled form within the trigger window."""
    try:
        user = client.users_info(user=user_id)["user"]
    except SlackApiError as exc:
        log.warning("users.info failed: %s", exc.response.get("error"))
        reply(SLACK_BUSY)
        return
    try:
        with deps.uow() as uow:
            form = open_form(
                uow.session,
                deps.settings,
                team_id=team_id,
                slack=SlackProfile.from_users_info(user),
                now=deps.clock(),
            )
    except EnrollmentError as exc:
        reply(str(exc))
        return
    view = cohort_choice_modal(form) if isinstance(form, CohortChoice) else _form_view(form)
    _views_open(client, trigger_id, view, reply)


def _form_view(form: FormContext) -> View:
    return enrollment_modal(
        topics=form.topics,
        profile=form.profile,
        defaults=form.defaults,
        editing=form.profile is not None,
        private_metadata=str(form.program_id),
    )


def _open_leave(
    deps: Deps, client: WebClient, team_id: str, user_id: str, trigger_id: str, reply: Reply
) -> None:
    try:
        with deps.uow() as uow:
            ongoing = leave_prompt(uow.session, team_id=team_id, user_id=user_id, now=deps.clock())
    except EnrollmentError as exc:
        reply(str(exc))
        return
    _views_open(client, trigger_id, leave_confirmation_modal(active_mentorships=ongoing), reply)


def _views_open(client: WebClient, trigger_id: str, view: View, reply: Reply) -> None:
    try:
        client.views_open(trigger_id=trigger_id, view=view)
    except SlackApiError as exc:
        log.warning("views.open failed: %s", exc.response.get("error"))
        reply(SLACK_BUSY)


def _pause_or_resume(deps: Deps, team_id: str, user_id: str, *, paused: bool) -> str:
    try:
        with deps.uow() as uow:
            return pause_or_resume(
                uow.session,
                deps.settings,
                team_id=team_id,
                user_id=user_id,
                paused=paused,
                now=deps.clock(),
            )
    except EnrollmentError as exc:
        return str(exc)


def _ephemeral(call: Invocation) -> Reply:
    return lambda text: call.respond(text=text, response_type="ephemeral")


def _by_dm(deps: Deps, team_id: str, user_id: str) -> Reply:
    def reply(text: str) -> None:
        with deps.uow() as uow:
            tell(uow.session, team_id=team_id, user_id=user_id, text=text, now=deps.clock())

    return reply
