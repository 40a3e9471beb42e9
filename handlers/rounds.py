"""`/mentor match`: a coordinator's matching round, proposed, reviewed and approved.

Every round action is checked on the server (bot.rounds): the modal is only ever
shown to coordinators, but anyone in the workspace can forge its payloads.
"""

from __future__ import annotations

import logging
from typing import Any

from slack_bolt import Ack, App, BoltContext
from slack_sdk import WebClient
from slack_sdk.errors import SlackApiError

from bot.rounds import (
    RoundAction,
    UnknownCohort,
    approve_round,
    drop_from_round,
    find_cohort,
    propose_round,
    swap_in_round,
)
from bot.text_input import row_id
from bot.views.rounds import (
    SLACK_BUSY,
    Proposal,
    RoundIds,
    proposal_modal,
    unknown_cohort_text,
    working_modal,
)
from handlers.context import deps_of
from handlers.errors import guarded
from handlers.invocation import Invocation, Route
from handlers.payloads import team_of

log = logging.getLogger(__name__)


def match(call: Invocation) -> None:
    """`/mentor match [cohort]`: open a working modal at once, then fill in the proposal."""
    deps = call.deps
    try:
        with deps.uow() as uow:
            cohort = find_cohort(uow.session, call.team_id, call.parsed.rest.strip(), deps.clock())
    except UnknownCohort as unknown:
        call.ack(response_type="ephemeral", text=unknown_cohort_text(unknown.name, unknown.known))
        return
    call.ack()
    # The trigger id lasts 3 s and a large round takes longer: open first, fill in after.
    try:
        opened = call.client.views_open(trigger_id=call.trigger_id, view=working_modal(cohort.name))
    except SlackApiError as exc:
        log.warning("views.open failed: %s", exc.response.get("error"))
        call.respond(text=SLACK_BUSY)
        return
    with deps.uow() as uow:
        proposal = propose_round(
            uow.session, deps.pools, cohort, coordinator=call.user_id, now=deps.clock()
        )
    call.client.views_update(view_id=opened["view"]["id"], view=proposal_modal(proposal))


COMMANDS: dict[str, Route] = {"match": match}


@guarded
def on_drop(
    ack: Ack, body: dict[str, Any], action: dict[str, Any], client: WebClient, context: BoltContext
) -> None:
    ack()
    deps = deps_of(context)
    with deps.uow() as uow:
        proposal = drop_from_round(
            uow.session, deps.settings, _action(body), row_id(action.get("value")), deps.clock()
        )
    _redraw(client, body, proposal)


@guarded
def on_pick_pair(ack: Ack) -> None:
    ack()  # the choice is read from the view's state when Swap is clicked


@guarded
def on_swap(ack: Ack, body: dict[str, Any], client: WebClient, context: BoltContext) -> None:
    ack()
    deps = deps_of(context)
    with deps.uow() as uow:
        proposal = swap_in_round(
            uow.session, deps.settings, deps.pools, _action(body), _picks(body), deps.clock()
        )
    _redraw(client, body, proposal)


@guarded
def on_approve(ack: Ack, body: dict[str, Any], context: BoltContext) -> None:
    ack()  # the outcome arrives by DM: approving a large round outlasts the 3 s
    deps = deps_of(context)
    with deps.uow() as uow:
        approve_round(uow.session, deps.settings, _action(body), deps.clock())


def register(app: App) -> None:
    """Wire the round's listeners. (`_deps` and the returned COMMANDS serve today's
    handlers/__init__.py; once it reads COMMANDS itself this returns None.)"""
    app.action(RoundIds.DROP)(on_drop)
    app.action(RoundIds.SWAP_A)(on_pick_pair)
    app.action(RoundIds.SWAP_B)(on_pick_pair)
    app.action(RoundIds.SWAP)(on_swap)
    app.view(RoundIds.CALLBACK)(on_approve)


def _action(body: dict[str, Any]) -> RoundAction:
    metadata = body["view"].get("private_metadata")
    return RoundAction(
        team_id=team_of(body),
        actor=body["user"]["id"],
        round_id=row_id(metadata),
        subject=str(metadata)[:64],
    )


def _picks(body: dict[str, Any]) -> tuple[int | None, int | None]:
    """The two pairs chosen for a swap, from the view's state: None when not chosen
    (0 when the value is unreadable, which no pair of the proposal has)."""
    chosen = body["view"]["state"]["values"].get(RoundIds.SWAP_BLOCK, {})
    values = [
        ((chosen.get(action) or {}).get("selected_option") or {}).get("value")
        for action in (RoundIds.SWAP_A, RoundIds.SWAP_B)
    ]
    first, second = (None if value is None else row_id(value) or 0 for value in values)
    return first, second


def _redraw(client: WebClient, body: dict[str, Any], proposal: Proposal | None) -> None:
    if proposal is None:
        return  # a member was refused (and told by DM), or the round is unknown
    view = body["view"]
    client.views_update(view_id=view["id"], hash=view.get("hash"), view=proposal_modal(proposal))
