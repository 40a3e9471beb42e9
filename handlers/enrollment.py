"""Enrollment: join, profile, pause, resume, leave; from `/mentor` and the App Home."""

from __future__ import annotations

import logging
from collections.abc import Callable
from datetime import datetime
from typing import Any

from slack_bolt import Ack, App
from slack_sdk import WebClient
from slack_sdk.errors import SlackApiError
from sqlalchemy.exc import IntegrityError
from sqlalchemy.orm import Session

from bot import keys, outbox
from bot.db.models import Program
from bot.deps import Deps
from bot.enrollment import (
    EnrollmentError,
    active_mentorships,
    enrollment_of,
    form_context,
    set_paused,
)
from bot.enrollment_form import parse_submission
from bot.keys import Kind
from bot.onboarding import leave_program, refresh_home, submit_profile
from bot.people import SlackProfile, find_person, upsert_person, why_not_eligible
from bot.programs import current_program, topic_labels
from bot.text_input import row_id
from bot.views.enrollment import EnrollmentIds, enrollment_modal, leave_confirmation_modal
from bot.views.home import HomeIds, guide_modal
from handlers.errors import guarded
from handlers.invocation import Invocation, Route
from handlers.payloads import team_of

log = logging.getLogger(__name__)

SLACK_BUSY = "Slack is busy right now and I couldn't open the form. Please try again in a moment."
# The domain names a form field; the view knows which block shows it.
FIELD_BLOCKS = {"role": EnrollmentIds.ROLE_BLOCK, "capacity": EnrollmentIds.CAPACITY_BLOCK}
NOT_ENROLLED = "You're not in the mentorship program yet. Type `/mentor join` to join."


def register(app: App, deps: Deps) -> dict[str, Route]:
    """Register the modal and Home listeners; return the `/mentor` subcommand routes."""

    def tell(team_id: str, user_id: str, text: str, reply: Callable[[str], Any] | None) -> None:
        """Answer where the person is: the slash command's reply, or a DM."""
        if reply is not None:
            reply(text)
            return
        with deps.sessions() as session:
            now = deps.clock()
            outbox.enqueue(
                session,
                team_id=team_id,
                key=keys.each(Kind.NOTICE, user_id, at=now),
                method="chat.postMessage",
                payload={"channel": user_id, "text": text},
                not_before=now,
            )
            session.commit()
        deps.wake()

    def open_form(
        client: WebClient,
        *,
        team_id: str,
        user_id: str,
        trigger_id: str,
        reply: Callable[[str], Any] | None,
    ) -> None:
        """Check the person may enroll, then open the pre-filled form within the trigger window."""
        try:
            user = client.users_info(user=user_id)["user"]
        except SlackApiError as exc:
            log.warning("users.info failed: %s", exc.response.get("error"))
            tell(team_id, user_id, SLACK_BUSY, reply)
            return
        slack_profile = SlackProfile.from_users_info(user)
        refusal = why_not_eligible(slack_profile)
        if refusal is not None:
            tell(team_id, user_id, refusal, reply)
            return
        with deps.sessions() as session:
            person = upsert_person(session, team_id, slack_profile)
            context = form_context(
                session, person, default_timezone=deps.settings.timezone, now=deps.clock()
            )
            session.commit()
        view = enrollment_modal(
            topics=context.topics,
            profile=context.profile,
            defaults=context.defaults,
            editing=context.profile is not None,
            private_metadata=str(context.program_id),
        )
        try:
            client.views_open(trigger_id=trigger_id, view=view)
        except SlackApiError as exc:
            log.warning("views.open failed: %s", exc.response.get("error"))
            tell(team_id, user_id, SLACK_BUSY, reply)

    def open_leave(
        client: WebClient, *, team_id: str, user_id: str, trigger_id: str, reply: Callable | None
    ) -> None:
        with deps.sessions() as session:
            enrollment = enrollment_of(session, team_id, user_id, deps.clock())
            if enrollment is None:
                tell(team_id, user_id, NOT_ENROLLED, reply)
                return
            ongoing = len(active_mentorships(session, enrollment.person))
        try:
            client.views_open(
                trigger_id=trigger_id,
                view=leave_confirmation_modal(active_mentorships=ongoing),
            )
        except SlackApiError as exc:
            log.warning("views.open failed: %s", exc.response.get("error"))
            tell(team_id, user_id, SLACK_BUSY, reply)

    def pause_or_resume(team_id: str, user_id: str, *, paused: bool) -> str:
        with deps.sessions() as session:
            enrollment = enrollment_of(session, team_id, user_id, deps.clock())
            if enrollment is None:
                return NOT_ENROLLED
            try:
                changed = set_paused(session, enrollment, paused=paused, now=deps.clock())
            except EnrollmentError as exc:
                return str(exc)
            cause = "pause" if paused else "resume"
            refresh_home(session, deps.settings, enrollment.person, cause=cause, now=deps.clock())
            session.commit()
        deps.wake()
        if paused:
            return (
                "Paused: you won't get new mentee requests until you type `/mentor resume`. "
                "Your current mentorships carry on as before."
                if changed
                else "You're already paused. Type `/mentor resume` when you're ready again."
            )
        return (
            "Welcome back: you can get new mentee requests again."
            if changed
            else "You're already open to new mentees."
        )

    # --- /mentor subcommands ------------------------------------------------------------

    def ephemeral(call: Invocation) -> Callable[[str], Any]:
        return lambda text: call.respond(text=text, response_type="ephemeral")

    def opening(opener: Callable[..., None]) -> Route:
        """A subcommand that acknowledges, then opens a modal with the command's trigger."""

        def route(call: Invocation) -> None:
            call.ack()
            opener(
                call.client,
                team_id=call.team_id,
                user_id=call.user_id,
                trigger_id=call.trigger_id,
                reply=ephemeral(call),
            )

        return route

    join_or_profile = opening(open_form)
    leave_command = opening(open_leave)

    def pause(call: Invocation) -> None:
        call.ack(
            response_type="ephemeral", text=pause_or_resume(call.team_id, call.user_id, paused=True)
        )

    def resume(call: Invocation) -> None:
        call.ack(
            response_type="ephemeral",
            text=pause_or_resume(call.team_id, call.user_id, paused=False),
        )

    # --- App Home buttons ------------------------------------------------------------

    def home_button(opener: Callable[..., None]) -> Callable[..., None]:
        @guarded
        def on_click(ack: Ack, body: dict[str, Any], client: WebClient) -> None:
            ack()
            opener(
                client,
                team_id=team_of(body),
                user_id=body["user"]["id"],
                trigger_id=body["trigger_id"],
                reply=None,
            )

        on_click.__name__ = f"home_{opener.__name__}"
        return on_click

    app.action(HomeIds.JOIN)(home_button(open_form))
    app.action(HomeIds.EDIT)(home_button(open_form))
    app.action(HomeIds.LEAVE)(home_button(open_leave))

    @app.action(HomeIds.PAUSE)
    @guarded
    def on_home_pause(ack: Ack, body: dict[str, Any]) -> None:
        ack()
        pause_or_resume(team_of(body), body["user"]["id"], paused=True)

    @app.action(HomeIds.RESUME)
    @guarded
    def on_home_resume(ack: Ack, body: dict[str, Any]) -> None:
        ack()
        pause_or_resume(team_of(body), body["user"]["id"], paused=False)

    @app.action(HomeIds.GUIDE)
    @guarded
    def on_home_guide(ack: Ack, body: dict[str, Any], client: WebClient) -> None:
        ack()
        team_id, user_id = team_of(body), body["user"]["id"]
        with deps.sessions() as session:
            enrollment = enrollment_of(session, team_id, user_id, deps.clock())
            role = enrollment.role if enrollment else None
        try:
            client.views_open(trigger_id=body["trigger_id"], view=guide_modal(role))
        except SlackApiError as exc:
            log.warning("views.open failed: %s", exc.response.get("error"))

    # --- modal submissions -------------------------------------------------------------

    @app.view(EnrollmentIds.CALLBACK)
    @guarded
    def on_profile_submitted(ack: Ack, body: dict[str, Any], view: dict[str, Any]) -> None:
        team_id, user_id = team_of(body), body["user"]["id"]
        # Two quick submissions may race to create the enrollment; the loser retries as an update.
        for attempt in (1, 2):
            try:
                errors = _save_submission(team_id, user_id, view)
                break
            except IntegrityError:
                if attempt == 2:
                    raise
        if errors:
            ack(response_action="errors", errors=errors)
            return
        ack()
        deps.wake()

    def _save_submission(team_id: str, user_id: str, view: dict[str, Any]) -> dict[str, str]:
        """Errors by block id, or {} once saved."""
        now = deps.clock()
        with deps.sessions() as session:
            program = _program_of(session, view, team_id, now)
            parsed = parse_submission(view["state"]["values"], topic_labels(program))
            if isinstance(parsed, dict):
                return parsed
            # Not body["user"]["name"] (the raw user name): the id stands in until the next
            # users.info, as for a roster row.
            person = find_person(session, team_id, user_id) or upsert_person(
                session, team_id, SlackProfile(user_id, display_name=user_id)
            )
            try:
                submit_profile(
                    session, deps.settings, program=program, person=person, profile=parsed, now=now
                )
            except EnrollmentError as exc:
                return {FIELD_BLOCKS.get(exc.field or "", EnrollmentIds.ROLE_BLOCK): str(exc)}
            session.commit()
        return {}

    @app.view(EnrollmentIds.LEAVE_CALLBACK)
    @guarded
    def on_leave_confirmed(ack: Ack, body: dict[str, Any]) -> None:
        team_id, user_id = team_of(body), body["user"]["id"]
        now = deps.clock()
        with deps.sessions() as session:
            enrollment = enrollment_of(session, team_id, user_id, now)
            if enrollment is not None:  # a second click finds them already gone
                leave_program(session, deps.settings, enrollment, now=now)
                session.commit()
        ack()
        deps.wake()

    return {
        "join": join_or_profile,
        "profile": join_or_profile,
        "pause": pause,
        "resume": resume,
        "leave": leave_command,
    }


def _program_of(session: Session, view: dict[str, Any], team_id: str, now: datetime) -> Program:
    """The program the form was opened for (a new cohort may have started meanwhile)."""
    # private_metadata comes back from the client: it may name no program, or an id too
    # large for the database's integer.
    program_id = row_id(view.get("private_metadata"))
    program = session.get(Program, program_id) if program_id is not None else None
    if program is None or program.team_id != team_id:
        program = current_program(session, team_id, now)
    return program
