"""`/mentor find`: suggestions with reasons, up to three choices, a note, the requests."""

from __future__ import annotations

import logging
from collections.abc import Callable
from typing import Any

from slack_bolt import Ack, App, BoltContext, Respond
from slack_sdk import WebClient
from slack_sdk.errors import SlackApiError

from bot import find
from bot.deps import Deps
from bot.find import Click, Edit, FindError, PickRefused, PicksUnavailable, Search, Shown
from bot.matchmaking import PoolBuildFailed, PoolNotReady
from bot.requests import RequestError
from bot.text_input import row_id
from bot.views.find import (
    POOL_FAILED,
    POOL_NOT_READY,
    FindIds,
    find_failed_modal,
    finding_modal,
    note_modal,
    notice_modal,
    suggestions_modal,
)
from bot.views.home import HomeIds
from handlers.context import deps_of
from handlers.enrollment import join
from handlers.errors import SLACK_UNREACHABLE, guarded
from handlers.invocation import Invocation, Route
from handlers.payloads import team_of

log = logging.getLogger(__name__)

SLACK_BUSY = "Slack is busy right now; please try `/mentor find` again in a moment."

Reply = Callable[[str], None]

# How long a search waits for its program's pool while it is being built (after a
# restart, seconds at tens of thousands of mentors): Slack has had its answer and the
# "finding" modal is open, but the wait holds one of Bolt's listener threads.
FILL_WAIT_S = 30.0
# Where the answer to Slack itself waits for the pool (a submission answered with a
# view), it waits at most this, well inside Slack's 3 s; then it says so.
ACK_WAIT_S = 1.0


# --- /mentor find and the Find buttons ------------------------------------------------------


def find_mentor(call: Invocation) -> None:
    try:
        with call.deps.uow() as uow:
            spec = find.begin(
                uow.session,
                team_id=call.team_id,
                user_id=call.user_id,
                query=call.parsed.rest,
                now=call.deps.clock(),
            )
    except FindError as exc:
        call.ack()
        call.respond(text=str(exc), response_type="ephemeral")
        return
    if spec is None:
        join(call)  # finding a mentor starts with saying what you're looking for
        return
    call.ack()

    def reply(text: str) -> None:
        call.respond(text=text, response_type="ephemeral")

    _open_suggestions(call.deps, call.client, spec, call.user_id, call.trigger_id, reply)


COMMANDS: dict[str, Route] = {"find": find_mentor}


@guarded
def on_find_button(
    ack: Ack,
    body: dict[str, Any],
    client: WebClient,
    respond: Respond | None,
    context: BoltContext,
) -> None:
    """The Home tab's Find button, or the one under a notice DM: opens the search."""
    ack()
    deps = deps_of(context)
    user_id, team_id = body["user"]["id"], team_of(body)

    def reply(text: str) -> None:
        if respond is not None and body.get("response_url"):
            respond(text=text, response_type="ephemeral", replace_original=False)
            return
        with deps.uow() as uow:  # the Home tab has no message to answer under
            find.tell(uow.session, team_id=team_id, user_id=user_id, text=text, now=deps.clock())

    try:
        with deps.uow() as uow:
            spec = find.begin(
                uow.session, team_id=team_id, user_id=user_id, query="", now=deps.clock()
            )
    except FindError as exc:
        reply(str(exc))
        return
    if spec is not None:
        _open_suggestions(deps, client, spec, user_id, body["trigger_id"], reply)


def _open_suggestions(
    deps: Deps, client: WebClient, spec: Search, user_id: str, trigger_id: str, reply: Reply
) -> None:
    """Open at once (the trigger lasts 3 s), then fill in: a pool may need rebuilding."""
    try:
        opened = client.views_open(trigger_id=trigger_id, view=finding_modal())
    except SlackApiError as exc:
        log.warning("views.open failed: %s", exc.response.get("error"))
        reply(SLACK_BUSY)
        return
    _fill(deps, client, opened["view"]["id"], spec, user_id)


def _fill(deps: Deps, client: WebClient, view_id: str, spec: Search, user_id: str) -> None:
    """Replace the "finding" modal with suggestions, or with an error: never leave it."""
    try:
        # Waited for before the unit of work begins: on SQLite it holds the write lock.
        not_ready = _pool_not_ready(deps, spec.program_id)
        if not_ready is not None:
            client.views_update(view_id=view_id, view=notice_modal(not_ready))
            return
        with deps.uow() as uow:
            shown = find.suggestions(
                uow.session, deps.pools, spec, user_id=user_id, now=deps.clock()
            )
        client.views_update(view_id=view_id, view=_suggestions_view(shown))
        return
    except SLACK_UNREACHABLE:
        raise  # the boundary tells them Slack is slow
    except SlackApiError as exc:
        if exc.response.get("error") == "not_found":
            # They closed (or replaced) the "finding" modal: there is nothing left to fill.
            log.info("suggestions for %s not shown: the modal was closed", user_id)
            return
        log.exception("could not show suggestions to %s", user_id)
    except Exception:
        log.exception("could not show suggestions to %s", user_id)
    client.views_update(view_id=view_id, view=find_failed_modal())


def _pool_not_ready(deps: Deps, program_id: int) -> str | None:
    """None once the program's pool is there, after waiting for its build at most
    FILL_WAIT_S (the build starts in the background if none runs); else what to say."""
    try:
        deps.pools.wait_ready(deps.engine, program_id, deps.clock(), timeout=FILL_WAIT_S)
    except PoolNotReady:
        return POOL_NOT_READY
    except PoolBuildFailed:
        return POOL_FAILED
    return None


# --- the suggestions modal ------------------------------------------------------------------

# What each button in the suggestions modal does to the search it shows.
EDITS = {
    FindIds.CHOOSE: Edit.CHOOSE,
    FindIds.UNCHOOSE: Edit.UNCHOOSE,
    FindIds.MORE: Edit.MORE,
    FindIds.SEARCH: Edit.SEARCH,
}


@guarded
def on_click(
    ack: Ack, body: dict[str, Any], action: dict[str, Any], client: WebClient, context: BoltContext
) -> None:
    ack()
    deps = deps_of(context)
    edit = EDITS[action["action_id"]]
    value = action.get("value")
    query = _typed(body["view"]) if edit is Edit.SEARCH else ""
    click = Click(edit, mentor_id=row_id(value), value=value, query=query)
    view = body["view"]
    try:
        with deps.pools.waiting_at_most(ACK_WAIT_S), deps.uow() as uow:
            shown = find.clicked(
                uow.session,
                deps.pools,
                metadata=body["view"].get("private_metadata"),
                team_id=team_of(body),
                user_id=body["user"]["id"],
                click=click,
                now=deps.clock(),
            )
    except PickRefused as exc:
        _refuse(deps, body, exc, edit.value, tell=True)
        return
    except (PoolNotReady, PoolBuildFailed) as exc:
        text = POOL_NOT_READY if isinstance(exc, PoolNotReady) else POOL_FAILED
        client.views_update(view_id=view["id"], hash=view.get("hash"), view=notice_modal(text))
        return
    client.views_update(view_id=view["id"], hash=view.get("hash"), view=_suggestions_view(shown))


@guarded
def on_next(ack: Ack, body: dict[str, Any], view: dict[str, Any], context: BoltContext) -> None:
    deps = deps_of(context)
    try:
        with deps.pools.waiting_at_most(ACK_WAIT_S), deps.uow() as uow:
            step = find.next_step(
                uow.session,
                deps.pools,
                metadata=view.get("private_metadata"),
                team_id=team_of(body),
                user_id=body["user"]["id"],
                typed_query=_typed(view),
                now=deps.clock(),
            )
    except PickRefused as exc:
        ack(response_action="update", view=notice_modal(str(exc)))
        _refuse(deps, body, exc, "next", tell=False)
        return
    except PoolNotReady:  # the picks and the query stay in the modal, to press again
        ack(response_action="errors", errors={FindIds.QUERY_BLOCK: POOL_NOT_READY[:150]})
        return
    except PoolBuildFailed:
        ack(response_action="errors", errors={FindIds.QUERY_BLOCK: POOL_FAILED[:150]})
        return
    if isinstance(step, Shown):
        ack(response_action="update", view=_suggestions_view(step))
        return
    metadata = step.search.to_metadata()
    ack(response_action="push", view=note_modal(step.picks, private_metadata=metadata))


@guarded
def on_send(ack: Ack, body: dict[str, Any], view: dict[str, Any], context: BoltContext) -> None:
    deps = deps_of(context)
    field = view["state"]["values"].get(FindIds.NOTE_BLOCK, {}).get(FindIds.NOTE_ACTION)
    user_id, now = body["user"]["id"], deps.clock()
    try:
        with deps.pools.waiting_at_most(ACK_WAIT_S), deps.uow() as uow:
            find.send(
                uow.session,
                deps.pools,
                metadata=view.get("private_metadata"),
                team_id=team_of(body),
                user_id=user_id,
                note=((field or {}).get("value") or "").strip(),
                now=now,
            )
    except PickRefused as exc:
        ack(response_action="update", view=notice_modal(str(exc)))
        _refuse(deps, body, exc, "send", tell=False)
        return
    except PoolNotReady:  # the note stays in the modal, to send again
        ack(response_action="errors", errors={FindIds.NOTE_BLOCK: POOL_NOT_READY[:150]})
        return
    except PoolBuildFailed:
        ack(response_action="errors", errors={FindIds.NOTE_BLOCK: POOL_FAILED[:150]})
        return
    except PicksUnavailable as exc:
        # Picked while they could take someone; no longer: say so, and show fresh ones.
        with deps.uow() as uow:
            shown = find.suggestions(
                uow.session, deps.pools, exc.fresh, user_id=user_id, now=now, notice=str(exc)
            )
        ack(response_action="update", view=_suggestions_view(shown))
        return
    except (RequestError, FindError) as exc:
        ack(response_action="errors", errors={FindIds.NOTE_BLOCK: str(exc)[:150]})
        return
    ack(response_action="clear")  # also the quiet answer to a repeat of the same send


def _suggestions_view(shown: Shown) -> dict[str, Any]:
    return suggestions_modal(shown.state, private_metadata=shown.search.to_metadata()).to_dict()


def _typed(view: dict[str, Any]) -> str:
    field = view["state"]["values"].get(FindIds.QUERY_BLOCK, {}).get(FindIds.QUERY_ACTION)
    return str((field or {}).get("value") or "")


def _refuse(
    deps: Deps, body: dict[str, Any], error: PickRefused, action: str, *, tell: bool
) -> None:
    """Log and audit a forged payload; with `tell`, DM them (a click has no other way back)."""
    with deps.uow() as uow:
        find.record_refusal(
            uow.session,
            team_id=team_of(body),
            user_id=body["user"]["id"],
            error=error,
            action=action,
            now=deps.clock(),
            tell=tell,
        )


def register(app: App) -> None:
    """Wire the flow's listeners (its subcommand is in COMMANDS)."""
    app.action(HomeIds.FIND)(on_find_button)
    app.action(FindIds.FIND_AGAIN)(on_find_button)
    for action_id in EDITS:
        app.action(action_id)(on_click)
    app.view(FindIds.SUGGESTIONS_CALLBACK)(on_next)
    app.view(FindIds.NOTE_CALLBACK)(on_send)
