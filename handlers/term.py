"""End of term: "Share how it went" opens the survey; its submission keeps the answer and
acts on the choice (close the pair, or carry on)."""

from __future__ import annotations

import json
import logging
from typing import Any

from slack_bolt import Ack, App, BoltContext, Respond
from slack_sdk import WebClient
from slack_sdk.errors import SlackApiError

from bot import term
from bot.term import Actor, Answer, AnswerError, Field, Outcome, Result
from bot.text_input import row_id
from bot.views.term import (
    CLOSED,
    GONE,
    NOT_YOURS,
    NOTED,
    Choice,
    TermIds,
    notice_modal,
    survey_modal,
    waiting_notice,
)
from handlers.context import deps_of
from handlers.errors import guarded
from handlers.payloads import metadata_id, team_of

log = logging.getLogger(__name__)

RATINGS = {str(n): n for n in range(1, 6)}
FIELD_BLOCKS = {
    Field.USEFULNESS: TermIds.USEFUL_BLOCK,
    Field.FIT: TermIds.FIT_BLOCK,
    Field.COMMENT: TermIds.COMMENT_BLOCK,
    Field.CHOICE: TermIds.CHOICE_BLOCK,
}


def register(app: App) -> None:
    app.action(TermIds.OPEN)(on_open_survey)
    app.view(TermIds.SURVEY_CALLBACK)(on_survey_submitted)


@guarded
def on_open_survey(
    ack: Ack,
    body: dict[str, Any],
    action: dict[str, Any],
    client: WebClient,
    respond: Respond,
    context: BoltContext,
) -> None:
    ack()
    deps = deps_of(context)
    with deps.uow() as uow:
        result = term.survey_form(
            uow.session,
            row_id(action.get("value")),
            actor=_actor(body),
            now=deps.clock(),
            default_tz=deps.settings.timezone,
        )
    if result.form is None:
        _tell(respond, explain(result))
        return
    metadata = json.dumps({"mentorship": result.form.mentorship_id, "term": result.form.term})
    try:
        client.views_open(
            trigger_id=body["trigger_id"],
            view=survey_modal(result.form, private_metadata=metadata),
        )
    except SlackApiError as exc:  # an expired trigger: the DM stays, they can click again
        log.warning("views.open failed: %s", exc.response.get("error"))


@guarded
def on_survey_submitted(
    ack: Ack, body: dict[str, Any], view: dict[str, Any], context: BoltContext
) -> None:
    deps = deps_of(context)
    metadata = _metadata(view)
    try:
        with deps.uow() as uow:
            result = term.answer(
                uow.session,
                metadata_id(metadata.get("mentorship")),
                metadata_id(metadata.get("term")),
                read_answer(view),
                actor=_actor(body),
                now=deps.clock(),
                default_tz=deps.settings.timezone,
            )
    except AnswerError as error:
        errors = {FIELD_BLOCKS[field]: message for field, message in error.errors.items()}
        ack(response_action="errors", errors=errors)
        return
    if result.outcome in (Outcome.ENDED, Outcome.RENEWED):
        ack()  # both are told by DM, through the outbox
    else:
        ack(response_action="update", view=notice_modal(explain(result)))


def explain(result: Result) -> str:
    """What an answer led to, or why a click or an answer changed nothing."""
    if result.outcome is Outcome.KEPT:
        assert result.partner_user_id is not None and result.decide_by is not None
        return waiting_notice(partner_user_id=result.partner_user_id, decide_by=result.decide_by)
    return {
        Outcome.NOTED: NOTED,
        Outcome.CLOSED: CLOSED,
        Outcome.NOT_IN_PAIR: NOT_YOURS,
    }.get(result.outcome, GONE)


def read_answer(view: dict[str, Any]) -> Answer:
    """The modal's fields as typed; a forged or missing value reads as None."""
    useful = _option(view, TermIds.USEFUL_BLOCK, TermIds.USEFUL_ACTION)
    fit = _option(view, TermIds.FIT_BLOCK, TermIds.FIT_ACTION)
    choice = _option(view, TermIds.CHOICE_BLOCK, TermIds.CHOICE_ACTION)
    comment = _field(view, TermIds.COMMENT_BLOCK, TermIds.COMMENT_ACTION).get("value")
    return Answer(
        usefulness=RATINGS.get(useful or ""),
        fit=RATINGS.get(fit or ""),
        comment=comment if isinstance(comment, str) else "",
        choice=Choice(choice) if choice in set(Choice) else None,
    )


def _option(view: dict[str, Any], block: str, action: str) -> str | None:
    option = _field(view, block, action).get("selected_option")
    value = option.get("value") if isinstance(option, dict) else None
    return value if isinstance(value, str) else None


def _field(view: dict[str, Any], block: str, action: str) -> dict[str, Any]:
    """One input's state in a submitted modal; {} when missing or forged."""
    values = view.get("state", {}).get("values", {})
    inputs = values.get(block) if isinstance(values, dict) else None
    found = inputs.get(action) if isinstance(inputs, dict) else None
    return found if isinstance(found, dict) else {}


def _metadata(view: dict[str, Any]) -> dict[str, Any]:
    try:
        data = json.loads(view.get("private_metadata") or "{}")
    except ValueError:
        return {}
    return data if isinstance(data, dict) else {}


def _actor(body: dict[str, Any]) -> Actor:
    return Actor(team_id=team_of(body), user_id=body["user"]["id"])


def _tell(respond: Respond, text: str) -> None:
    try:
        respond(text=text, response_type="ephemeral", replace_original=False)
    except (SlackApiError, OSError) as exc:
        log.warning("could not answer an end-of-term click: %s", exc)
