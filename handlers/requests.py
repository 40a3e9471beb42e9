"""A mentor answering a request from their DM: Accept, or Decline with a kind word."""

from __future__ import annotations

import json
import logging
from typing import Any

from slack_bolt import Ack, App, Respond
from slack_sdk import WebClient
from slack_sdk.errors import SlackApiError
from slack_sdk.webhook import WebhookClient

from bot.db.models import MentorshipRequest, Person
from bot.deps import Deps
from bot.mentorship_requests import Answer, Outcome, accept, decline
from bot.views.matching import MatchIds, decline_modal, request_answered_blocks
from handlers.errors import guarded

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
    def answered(outcome: Outcome, respond: Respond | WebhookClient | None) -> None:
        """Replace the request DM once answered, or explain why nothing happened."""
        if respond is None:
            return
        if outcome.answer in (Answer.ACCEPTED, Answer.DECLINED):
            assert outcome.request is not None
            with deps.sessions() as session:
                mentee = session.get(Person, outcome.request.mentee_id)
                mentee_id = mentee.slack_user_id if mentee else ""
            text, blocks = request_answered_blocks(
                accepted=outcome.answer is Answer.ACCEPTED,
                mentee_user_id=mentee_id,
                when=deps.clock().strftime("%d %B"),
            )
            payload: dict[str, Any] = {"text": text, "blocks": blocks, "replace_original": True}
        else:
            payload = {"text": REPLIES[outcome.answer], "response_type": "ephemeral"}
        try:
            if isinstance(respond, WebhookClient):
                respond.send(**payload)
            else:
                respond(**payload)
        except (SlackApiError, OSError) as exc:  # the DM stays as it was; the answer stands
            log.warning("could not update the request message: %s", exc)

    @app.action(MatchIds.ACCEPT)
    @guarded
    def on_accept(ack: Ack, body: dict[str, Any], action: dict[str, Any], respond: Respond) -> None:
        ack()
        with deps.sessions() as session:
            outcome = accept(
                session, int(action["value"]), actor_user_id=body["user"]["id"], now=deps.clock()
            )
            session.commit()
        answered(outcome, respond)
        deps.wake()

    @app.action(MatchIds.DECLINE)
    @guarded
    def on_decline_clicked(
        ack: Ack, body: dict[str, Any], action: dict[str, Any], client: WebClient
    ) -> None:
        ack()
        request_id = int(action["value"])
        with deps.sessions() as session:
            request = session.get(MentorshipRequest, request_id)
            mentee = session.get(Person, request.mentee_id) if request else None
            name = mentee.display_name if mentee else "them"
        metadata = json.dumps({"request": request_id, "response_url": body.get("response_url")})
        try:
            client.views_open(
                trigger_id=body["trigger_id"],
                view=decline_modal(mentee_name=name, private_metadata=metadata),
            )
        except SlackApiError as exc:
            log.warning("views.open failed: %s", exc.response.get("error"))

    @app.view(MatchIds.DECLINE_CALLBACK)
    @guarded
    def on_decline_submitted(ack: Ack, body: dict[str, Any], view: dict[str, Any]) -> None:
        metadata = json.loads(view.get("private_metadata") or "{}")
        field = view["state"]["values"].get(MatchIds.REASON_BLOCK, {}).get(MatchIds.REASON_ACTION)
        reason = ((field or {}).get("value") or "").strip()
        with deps.sessions() as session:
            outcome = decline(
                session,
                int(metadata["request"]),
                actor_user_id=body["user"]["id"],
                reason=reason,
                now=deps.clock(),
            )
            session.commit()
        ack()
        url = metadata.get("response_url")
        answered(outcome, WebhookClient(url) if url else None)
        deps.wake()
