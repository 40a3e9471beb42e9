"""A mentor answering a request from their DM: Accept, or Decline with a kind word."""

from __future__ import annotations

import json
import logging
from typing import Any

from slack_bolt import Ack, App, Respond
from slack_sdk import WebClient
from slack_sdk.errors import SlackApiError

from bot import audit
from bot.db.models import Person
from bot.deps import Deps
from bot.mentorship_requests import Answer, Outcome, accept, answerable, decline
from bot.views.matching import (
    MatchIds,
    decline_modal,
    notice_modal,
    request_answered_blocks,
)
from handlers.errors import guarded
from handlers.payloads import row_id, team_of

log = logging.getLogger(__name__)

REPLIES = {
    Answer.ALREADY_ANSWERED: "This request has already been answered or has expired.",
    Answer.NOT_YOURS: "This request was sent to someone else.",
    Answer.FULL: (
        "You have no free mentee slot right now. To take this request, raise how many mentees "
        "you can take with `/mentor profile`, then press Accept again."
    ),
}


def register(app: App, deps: Deps) -> None:
    def unreadable(body: dict[str, Any], value: object) -> Outcome:
        """A request id no button of ours carries: refused, logged and audited."""
        with deps.sessions() as session:
            audit.refused(
                session,
                team_id=team_of(body),
                actor=body["user"]["id"],
                action="request.unreadable",
                subject_type="request",
                subject_id=str(value)[:64],
                now=deps.clock(),
                why="a request id no button of ours carries",
            )
            session.commit()
        return Outcome(Answer.ALREADY_ANSWERED)

    def answered(outcome: Outcome, respond: Respond) -> None:
        """Replace the request DM once accepted, or explain why nothing happened."""
        if outcome.answer is Answer.ACCEPTED:
            assert outcome.request is not None
            with deps.sessions() as session:
                mentee = session.get(Person, outcome.request.mentee_id)
                mentee_id = mentee.slack_user_id if mentee else ""
            text, blocks = request_answered_blocks(
                accepted=True,
                mentee_user_id=mentee_id,
                when=deps.clock().strftime("%d %B"),
            )
            payload: dict[str, Any] = {"text": text, "blocks": blocks, "replace_original": True}
        else:
            payload = {"text": REPLIES[outcome.answer], "response_type": "ephemeral"}
        try:
            respond(**payload)
        except (SlackApiError, OSError) as exc:  # the DM stays as it was; the answer stands
            log.warning("could not update the request message: %s", exc)

    @app.action(MatchIds.ACCEPT)
    @guarded
    def on_accept(ack: Ack, body: dict[str, Any], action: dict[str, Any], respond: Respond) -> None:
        ack()
        request_id = row_id(action.get("value"))
        with deps.sessions() as session:
            outcome = (
                accept(session, request_id, actor_user_id=body["user"]["id"], now=deps.clock())
                if request_id is not None
                else unreadable(body, action.get("value"))
            )
            session.commit()
        answered(outcome, respond)
        deps.wake()

    @app.action(MatchIds.DECLINE)
    @guarded
    def on_decline_clicked(
        ack: Ack, body: dict[str, Any], action: dict[str, Any], client: WebClient, respond: Respond
    ) -> None:
        ack()
        request_id = row_id(action.get("value"))
        with deps.sessions() as session:
            outcome = (
                answerable(session, request_id, actor_user_id=body["user"]["id"], now=deps.clock())
                if request_id is not None
                else unreadable(body, action.get("value"))
            )
            mentee = session.get(Person, outcome.request.mentee_id) if outcome.request else None
            session.commit()
        if outcome.answer is not Answer.OPEN or mentee is None:
            answered(outcome, respond)  # nobody but the addressee learns who asked
            return
        metadata = json.dumps({"request": request_id})
        try:
            client.views_open(
                trigger_id=body["trigger_id"],
                view=decline_modal(mentee_user_id=mentee.slack_user_id, private_metadata=metadata),
            )
        except SlackApiError as exc:
            log.warning("views.open failed: %s", exc.response.get("error"))

    @app.view(MatchIds.DECLINE_CALLBACK)
    @guarded
    def on_decline_submitted(ack: Ack, body: dict[str, Any], view: dict[str, Any]) -> None:
        request_id = row_id(_metadata(view).get("request"))
        field = view["state"]["values"].get(MatchIds.REASON_BLOCK, {}).get(MatchIds.REASON_ACTION)
        reason = ((field or {}).get("value") or "").strip()
        with deps.sessions() as session:
            outcome = (
                decline(
                    session,
                    request_id,
                    actor_user_id=body["user"]["id"],
                    reason=reason,
                    now=deps.clock(),
                )
                if request_id is not None
                else unreadable(body, view.get("private_metadata"))
            )
            session.commit()
        if outcome.answer is Answer.DECLINED:
            ack()  # the request DM is rewritten through the outbox
        else:
            notice = notice_modal(REPLIES[outcome.answer], title="Decline request")
            ack(response_action="update", view=notice)
        deps.wake()


def _metadata(view: dict[str, Any]) -> dict[str, Any]:
    try:
        data = json.loads(view.get("private_metadata") or "{}")
    except ValueError:
        return {}
    return data if isinstance(data, dict) else {}
