"""`/mentor match`: a coordinator's matching round, proposed, reviewed and approved."""

from __future__ import annotations

import logging
from typing import Any

from slack_bolt import Ack, App
from slack_sdk import WebClient
from slack_sdk.errors import SlackApiError
from sqlalchemy.orm import Session

from bot import keys
from bot.db.models import MatchRound, Program
from bot.deps import Deps
from bot.keys import Kind
from bot.notices import notify
from bot.programs import current_program, program_named, program_names
from bot.rounds import (
    RoundError,
    approve,
    drop_pair,
    proposal_view_state,
    propose,
    queue_csv,
    refuse_member,
    swap_mentors,
)
from bot.views.rounds import RoundIds, approved_text, proposal_modal, working_modal
from handlers.errors import guarded
from handlers.invocation import Invocation, Route
from handlers.payloads import row_id, team_of

log = logging.getLogger(__name__)


def register(app: App, deps: Deps) -> dict[str, Route]:
    def match(call: Invocation) -> None:
        cohort = call.parsed.rest.strip()
        with deps.sessions() as session:
            if cohort:
                program = program_named(session, call.team_id, cohort)
                if program is None:
                    known = ", ".join(program_names(session, call.team_id)) or "none yet"
                    call.ack(
                        response_type="ephemeral",
                        text=f"There is no cohort named *{cohort}*. Cohorts: {known}.",
                    )
                    return
            else:
                program = current_program(session, call.team_id, deps.clock())
            program_id, name = program.id, program.name
            session.commit()
        call.ack()
        # The trigger id lasts 3 s and a large round takes longer: open first, fill in after.
        try:
            opened = call.client.views_open(trigger_id=call.trigger_id, view=working_modal(name))
        except SlackApiError as exc:
            log.warning("views.open failed: %s", exc.response.get("error"))
            call.respond(text="Slack is busy; please try `/mentor match` again in a moment.")
            return
        now = deps.clock()
        with deps.sessions() as session:
            program = session.get(Program, program_id)
            assert program is not None
            proposal = propose(session, deps.pools, program, coordinator=call.user_id, now=now)
            queue_csv(session, proposal, now)
            state = proposal_view_state(session, proposal)
            session.commit()
        deps.wake()
        view_id = opened["view"]["id"]
        call.client.views_update(view_id=view_id, view=proposal_modal(state))

    def refused(body: dict[str, Any], action: str, round_id: object) -> bool:
        """True (and the member told, the attempt logged) unless a coordinator is acting."""
        user = body["user"]["id"]
        if deps.settings.is_coordinator(user):
            return False
        with deps.sessions() as session:
            refuse_member(
                session,
                team_id=team_of(body),
                actor=user,
                action=action,
                round_id=str(round_id)[:64],
                now=deps.clock(),
            )
            session.commit()
        deps.wake()
        return True

    def change(body: dict[str, Any], client: WebClient, action: str, edit: Any) -> None:
        """Apply a coordinator's edit to the open proposal and redraw it with the outcome."""
        metadata = body["view"].get("private_metadata")
        if refused(body, action, metadata):
            return
        round_id = row_id(metadata)
        with deps.sessions() as session:
            proposal = session.get(MatchRound, round_id) if round_id is not None else None
            if proposal is None:
                log.warning("round action on an unknown round %r", str(metadata)[:64])
                return
            try:
                notice = edit(session, proposal)
            except RoundError as exc:
                session.rollback()
                notice = str(exc)
            state = proposal_view_state(session, proposal, notice)
            session.commit()
        client.views_update(
            view_id=body["view"]["id"], hash=body["view"].get("hash"), view=proposal_modal(state)
        )

    @app.action(RoundIds.DROP)
    @guarded
    def on_drop(ack: Ack, body: dict[str, Any], action: dict[str, Any], client: WebClient) -> None:
        ack()

        def drop(session: Session, proposal: MatchRound) -> str | None:
            drop_pair(session, proposal, row_id(action.get("value")) or 0)
            return None

        change(body, client, "drop", drop)

    @app.action(RoundIds.SWAP_A)
    @app.action(RoundIds.SWAP_B)
    @guarded
    def on_pick_pair(ack: Ack) -> None:
        ack()  # the choice is read from the view's state when Swap is clicked

    @app.action(RoundIds.SWAP)
    @guarded
    def on_swap(ack: Ack, body: dict[str, Any], client: WebClient) -> None:
        ack()
        chosen = body["view"]["state"]["values"].get(RoundIds.SWAP_BLOCK, {})
        picks = [
            ((chosen.get(action) or {}).get("selected_option") or {}).get("value")
            for action in (RoundIds.SWAP_A, RoundIds.SWAP_B)
        ]

        def swap(session: Session, proposal: MatchRound) -> str:
            if None in picks:
                raise RoundError("Choose the two pairs whose mentors to swap.")
            first, second = (row_id(p) or 0 for p in picks)
            return swap_mentors(session, deps.pools, proposal, first, second, deps.clock())

        change(body, client, "swap", swap)

    @app.view(RoundIds.CALLBACK)
    @guarded
    def on_approve(ack: Ack, body: dict[str, Any], view: dict[str, Any]) -> None:
        coordinator = body["user"]["id"]
        ack()
        if refused(body, "approve", view.get("private_metadata")):
            return
        now = deps.clock()
        round_id = row_id(view.get("private_metadata"))
        with deps.sessions() as session:
            proposal = session.get(MatchRound, round_id) if round_id is not None else None
            if proposal is None:
                return
            try:
                result = approve(session, proposal, coordinator=coordinator, now=now)
                text, key = approved_text(result.started, result.skipped), "approved"
            except RoundError as exc:
                text, key = str(exc), f"refused:{now.isoformat()}"
            notify(
                session,
                team_id=proposal.team_id,
                user_id=coordinator,
                text=text,
                key=keys.once(Kind.ROUND_OUTCOME, proposal.id, key),
                now=now,
            )
            session.commit()
        deps.wake()

    return {"match": match}
