"""`/mentor find`: suggestions with reasons, up to three choices, a note, the requests."""

from __future__ import annotations

import logging
from collections.abc import Callable
from dataclasses import replace
from typing import Any

from slack_bolt import Ack, App
from slack_sdk import WebClient
from slack_sdk.errors import SlackApiError

from bot.db.models import Program
from bot.deps import Deps
from bot.enrollment import enrollment_of
from bot.find import (
    PAGE_SIZE,
    FindError,
    Search,
    check_can_search,
    choices_for,
    chosen_cards,
    search,
    with_pick,
    without_pick,
)
from bot.mentorship_requests import RequestError, open_chain
from bot.people import find_person
from bot.programs import current_program
from bot.views.home import HomeIds
from bot.views.matching import MatchIds, finding_modal, note_modal, suggestions_modal
from handlers.commands import Invocation, Route
from handlers.errors import guarded
from handlers.payloads import team_of

log = logging.getLogger(__name__)


def register(app: App, deps: Deps, *, join: Route) -> dict[str, Route]:
    """Listeners of the find flow; returns the `find` route (newcomers go to `join`)."""

    def render(spec: Search, *, user_id: str) -> dict[str, Any]:
        """The suggestions modal for this search, as a dict ready for views.open/update."""
        now = deps.clock()
        with deps.sessions() as session:
            program = session.get(Program, spec.program_id)
            assert program is not None
            mentee = find_person(session, program.team_id, user_id)
            assert mentee is not None
            state = search(session, deps.pools, program, mentee, spec, now)
            session.commit()
        return suggestions_modal(state, private_metadata=spec.to_metadata()).to_dict()

    def start(team_id: str, user_id: str, query: str) -> Search | str:
        """A new search, or the sentence saying why there is none."""
        with deps.sessions() as session:
            if enrollment_of(session, team_id, user_id, deps.clock()) is None:
                return ""
            program = current_program(session, team_id, deps.clock())
            session.commit()
            return Search(program_id=program.id, query=query.strip()[:300])

    def find(call: Invocation) -> None:
        spec = start(call.team_id, call.user_id, call.parsed.rest)
        if spec == "":
            join(call)  # finding a mentor starts with saying what you're looking for
            return
        call.ack()

        def reply(text: str) -> None:
            call.respond(text=text, response_type="ephemeral")

        open_suggestions(call.client, spec, call.user_id, call.trigger_id, reply)

    def open_suggestions(
        client: WebClient, spec: Search, user_id: str, trigger_id: str, reply: Any
    ) -> None:
        """Open at once (the trigger lasts 3 s), then fill in: a pool may need rebuilding."""
        with deps.sessions() as session:
            program = session.get(Program, spec.program_id)
            mentee = find_person(session, program.team_id, user_id) if program else None
            assert program is not None and mentee is not None
            try:
                check_can_search(session, program, mentee)
            except FindError as exc:
                reply(str(exc))
                return
        try:
            opened = client.views_open(trigger_id=trigger_id, view=finding_modal())
        except SlackApiError as exc:
            log.warning("views.open failed: %s", exc.response.get("error"))
            reply("Slack is busy right now; please try `/mentor find` again in a moment.")
            return
        client.views_update(view_id=opened["view"]["id"], view=render(spec, user_id=user_id))

    @app.action(HomeIds.FIND)
    @guarded
    def on_home_find(ack: Ack, body: dict[str, Any], client: WebClient) -> None:
        ack()
        user_id = body["user"]["id"]
        spec = start(team_of(body), user_id, "")
        if isinstance(spec, Search):

            def reply(text: str) -> None:
                client.chat_postMessage(channel=user_id, text=text)

            open_suggestions(client, spec, user_id, body["trigger_id"], reply)

    def redraw(body: dict[str, Any], client: WebClient, spec: Search) -> None:
        view = body["view"]
        client.views_update(
            view_id=view["id"],
            hash=view.get("hash"),
            view=render(spec, user_id=body["user"]["id"]),
        )

    def typed_query(view: dict[str, Any]) -> str:
        field = view["state"]["values"].get(MatchIds.QUERY_BLOCK, {}).get(MatchIds.QUERY_ACTION)
        return ((field or {}).get("value") or "").strip()[:300]

    # How each click in the suggestions modal changes the search it shows.
    edits: dict[str, Callable[[Search, dict[str, Any], dict[str, Any]], Search]] = {
        MatchIds.CHOOSE: lambda spec, action, view: with_pick(spec, int(action["value"])),
        MatchIds.UNCHOOSE: lambda spec, action, view: without_pick(spec, int(action["value"])),
        MatchIds.MORE: lambda spec, action, view: replace(spec, offset=spec.offset + PAGE_SIZE),
        MatchIds.SEARCH: lambda spec, action, view: replace(
            spec, query=typed_query(view), offset=0
        ),
    }

    def on_click(ack: Ack, body: dict[str, Any], action: dict[str, Any], client: WebClient) -> None:
        ack()
        spec = Search.from_metadata(body["view"]["private_metadata"])
        redraw(body, client, edits[action["action_id"]](spec, action, body["view"]))

    for action_id in edits:
        app.action(action_id)(guarded(on_click))

    @app.view(MatchIds.SUGGESTIONS_CALLBACK)
    @guarded
    def on_next(ack: Ack, body: dict[str, Any], view: dict[str, Any]) -> None:
        spec = Search.from_metadata(view["private_metadata"])
        query = typed_query(view)
        if not spec.picks or query != spec.query:
            # The submit button doubles as "search" (Enter in the search box submits).
            searched = replace(spec, query=query, offset=0)
            ack(response_action="update", view=render(searched, user_id=body["user"]["id"]))
            return
        with deps.sessions() as session:
            program = session.get(Program, spec.program_id)
            assert program is not None
            picks = chosen_cards(session, deps.pools, program, spec, deps.clock())
        ack(response_action="push", view=note_modal(picks, private_metadata=spec.to_metadata()))

    @app.view(MatchIds.NOTE_CALLBACK)
    @guarded
    def on_send(ack: Ack, body: dict[str, Any], view: dict[str, Any]) -> None:
        spec = Search.from_metadata(view["private_metadata"])
        field = view["state"]["values"].get(MatchIds.NOTE_BLOCK, {}).get(MatchIds.NOTE_ACTION)
        note = ((field or {}).get("value") or "").strip()
        now = deps.clock()
        with deps.sessions() as session:
            program = session.get(Program, spec.program_id)
            assert program is not None
            mentee = find_person(session, program.team_id, body["user"]["id"])
            assert mentee is not None
            try:
                choices = choices_for(session, deps.pools, program, mentee, spec, now)
                open_chain(
                    session, program=program, mentee=mentee, choices=choices, note=note, now=now
                )
            except (RequestError, FindError) as exc:
                session.rollback()
                ack(response_action="errors", errors={MatchIds.NOTE_BLOCK: str(exc)[:150]})
                return
            session.commit()
        ack(response_action="clear")
        deps.wake()

    return {"find": find}
