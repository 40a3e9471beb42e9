"""Goals: "Set our goals" (on the intro, the partner's notice, the monthly DM, `/mentor
goals` and Home) opens the goals form; "Update progress" opens the monthly update; and
`/mentor goals` lists the caller's goals. `read_progress` reads the progress selects,
for the "We met" form too."""

from __future__ import annotations

import json
import logging
from datetime import date
from typing import Any

from slack_bolt import Ack, App, BoltContext
from slack_sdk import WebClient
from slack_sdk.errors import SlackApiError
from slack_sdk.models.views import View

from bot import goals
from bot.db.enums import GoalStatus
from bot.goals import Actor, Field, GoalRow, GoalsError, Outcome, Result
from bot.text_input import row_id
from bot.views.goals import (
    GOALS_MAX,
    GONE,
    NO_GOALS_TO_UPDATE,
    NOT_YOURS,
    GoalIds,
    goals_modal,
    my_goals_message,
    notice_modal,
    review_modal,
)
from handlers.context import deps_of
from handlers.errors import guarded
from handlers.invocation import Invocation, Route
from handlers.payloads import metadata_id, team_of

log = logging.getLogger(__name__)

STATUSES = frozenset(status.value for status in GoalStatus)
REVIEW_TITLE = "Update your goals"


def register(app: App) -> None:
    app.action(GoalIds.OPEN)(on_open)
    app.action(GoalIds.REVIEW_OPEN)(on_review_open)
    app.view(GoalIds.FORM_CALLBACK)(on_submitted)
    app.view(GoalIds.REVIEW_CALLBACK)(on_review_submitted)


def show_goals(call: Invocation) -> None:
    with call.deps.uow() as uow:
        pairs = goals.my_goals(uow.session, team_id=call.team_id, user_id=call.user_id)
    text, blocks = my_goals_message(pairs)
    call.ack(response_type="ephemeral", text=text, blocks=blocks)


COMMANDS: dict[str, Route] = {"goals": show_goals}


@guarded
def on_open(
    ack: Ack, body: dict[str, Any], action: dict[str, Any], client: WebClient, context: BoltContext
) -> None:
    ack()
    deps = deps_of(context)
    with deps.uow() as uow:
        result = goals.goals_form(
            uow.session, row_id(action.get("value")), actor=_actor(body), now=deps.clock()
        )
    form = result.form
    if isinstance(form, goals.GoalsForm):
        metadata = {"mentorship": form.mentorship_id, "goals": [g.id for g in form.goals]}
        _open(client, body, goals_modal(form, private_metadata=json.dumps(metadata)))
    else:
        _open(client, body, notice_modal(explain(result)))


@guarded
def on_review_open(
    ack: Ack, body: dict[str, Any], action: dict[str, Any], client: WebClient, context: BoltContext
) -> None:
    ack()
    deps = deps_of(context)
    pair, _, review = str(action.get("value") or "").partition(".")
    with deps.uow() as uow:
        result = goals.review_form(uow.session, row_id(pair), actor=_actor(body), now=deps.clock())
    form = result.form
    if isinstance(form, goals.ReviewForm):
        metadata = {"mentorship": form.mentorship_id, "review": row_id(review)}
        _open(client, body, review_modal(form, private_metadata=json.dumps(metadata)))
    else:
        _open(client, body, notice_modal(explain(result), title=REVIEW_TITLE))


@guarded
def on_submitted(
    ack: Ack, body: dict[str, Any], view: dict[str, Any], context: BoltContext
) -> None:
    deps = deps_of(context)
    metadata = _metadata(view)
    try:
        with deps.uow() as uow:
            result = goals.save_goals(
                uow.session,
                metadata_id(metadata.get("mentorship")),
                goal_ids(metadata.get("goals")),
                read_rows(view),
                actor=_actor(body),
                now=deps.clock(),
                default_tz=deps.settings.timezone,
            )
    except GoalsError as error:
        ack(response_action="errors", errors=field_errors(error))
        return
    if result.outcome is Outcome.SAVED:
        ack()  # the partner's DM goes through the outbox
    else:
        ack(response_action="update", view=notice_modal(explain(result)))


@guarded
def on_review_submitted(
    ack: Ack, body: dict[str, Any], view: dict[str, Any], context: BoltContext
) -> None:
    deps = deps_of(context)
    metadata = _metadata(view)
    with deps.uow() as uow:
        result = goals.save_review(
            uow.session,
            metadata_id(metadata.get("mentorship")),
            metadata_id(metadata.get("review")),
            read_progress(view),
            actor=_actor(body),
            now=deps.clock(),
            default_tz=deps.settings.timezone,
        )
    if result.outcome is Outcome.SAVED:
        ack()  # the monthly DM is rewritten through the outbox
    else:
        ack(response_action="update", view=notice_modal(explain(result), title=REVIEW_TITLE))


def explain(result: Result) -> str:
    """Why a click or a form changed nothing, in a sentence for the person."""
    if result.outcome is Outcome.NOT_IN_PAIR:
        return NOT_YOURS
    if result.outcome is Outcome.NOTHING:
        return NO_GOALS_TO_UPDATE
    return GONE


def field_errors(error: GoalsError) -> dict[str, str]:
    """{block id: message}, one message per field (the first found)."""
    errors: dict[str, str] = {}
    for found in error.errors:
        blocks = GoalIds.TITLE_BLOCKS if found.field is Field.TITLE else GoalIds.DUE_BLOCKS
        errors.setdefault(blocks[found.row], found.message)
    return errors


def read_rows(view: dict[str, Any]) -> list[GoalRow]:
    """The goals form's rows as typed; a forged or missing value reads as empty."""
    rows = []
    for title_block, due_block in zip(GoalIds.TITLE_BLOCKS, GoalIds.DUE_BLOCKS, strict=True):
        title = _field(view, title_block, GoalIds.TITLE_ACTION).get("value")
        due = _field(view, due_block, GoalIds.DUE_ACTION).get("selected_date")
        rows.append(GoalRow(title if isinstance(title, str) else "", _date(due)))
    return rows


def goal_ids(value: object) -> list[int | None] | None:
    """The goals a form's rows showed, from our private_metadata; None if unreadable."""
    if not isinstance(value, list) or len(value) > GOALS_MAX:
        return None
    ids: list[int | None] = []
    for item in value:
        goal_id = None if item is None else metadata_id(item)
        if item is not None and goal_id is None:
            return None
        ids.append(goal_id)
    return ids


def read_progress(view: dict[str, Any]) -> tuple[tuple[int, GoalStatus], ...]:
    """(goal id, status) for each progress select answered, at most one per goal a form
    can show; unreadable ones are left out."""
    values = view.get("state", {}).get("values", {})
    reports: dict[int, GoalStatus] = {}
    for block_id, inputs in values.items() if isinstance(values, dict) else ():
        if not (isinstance(block_id, str) and block_id.startswith(GoalIds.PROGRESS_BLOCK)):
            continue
        goal_id = row_id(block_id.removeprefix(GoalIds.PROGRESS_BLOCK))
        chosen = inputs.get(GoalIds.PROGRESS_ACTION) if isinstance(inputs, dict) else None
        option = chosen.get("selected_option") if isinstance(chosen, dict) else None
        status = option.get("value") if isinstance(option, dict) else None
        if goal_id is not None and status in STATUSES and len(reports) < GOALS_MAX:
            reports.setdefault(goal_id, GoalStatus(status))
    return tuple(reports.items())


def _open(client: WebClient, body: dict[str, Any], view: View) -> None:
    try:
        client.views_open(trigger_id=body["trigger_id"], view=view)
    except SlackApiError as exc:  # an expired trigger: the button stays, they can click again
        log.warning("views.open failed: %s", exc.response.get("error"))


def _field(view: dict[str, Any], block: str, action: str) -> dict[str, Any]:
    """One input's state in a submitted modal; {} when missing or forged."""
    values = view.get("state", {}).get("values", {})
    inputs = values.get(block) if isinstance(values, dict) else None
    found = inputs.get(action) if isinstance(inputs, dict) else None
    return found if isinstance(found, dict) else {}


def _date(value: object) -> date | None:
    try:
        return date.fromisoformat(value) if isinstance(value, str) else None
    except ValueError:
        return None


def _actor(body: dict[str, Any]) -> Actor:
    return Actor(team_id=team_of(body), user_id=body["user"]["id"])


def _metadata(view: dict[str, Any]) -> dict[str, Any]:
    try:
        data = json.loads(view.get("private_metadata") or "{}")
    except ValueError:
        return {}
    return data if isinstance(data, dict) else {}
