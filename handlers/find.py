"""`/mentor find`: suggestions with reasons, up to three choices, a note, the requests."""

from __future__ import annotations

import logging
from collections.abc import Callable
from dataclasses import replace
from typing import Any

from slack_bolt import Ack, App, Respond
from slack_sdk import WebClient
from slack_sdk.errors import SlackApiError

from bot.db.models import Program
from bot.deps import Deps
from bot.enrollment import enrollment_of
from bot.find import (
    PAGE_SIZE,
    FindError,
    PickRefused,
    PicksUnavailable,
    Search,
    check_can_search,
    check_pick,
    choices_for,
    chosen_cards,
    clip_query,
    record_refusal,
    search,
    searcher,
    with_pick,
    without,
    without_pick,
)
from bot.mentorship_requests import RequestError, open_chain
from bot.people import find_person
from bot.programs import current_program
from bot.views.home import HomeIds
from bot.views.matching import (
    MatchIds,
    find_failed_modal,
    finding_modal,
    note_modal,
    notice_modal,
    suggestions_modal,
)
from handlers.errors import SLACK_UNREACHABLE, guarded
from handlers.invocation import Invocation, Route
from handlers.payloads import row_id, team_of

log = logging.getLogger(__name__)


def register(app: App, deps: Deps, *, join: Route) -> dict[str, Route]:
    """Listeners of the find flow; returns the `find` route (newcomers go to `join`)."""

    def render(spec: Search, *, user_id: str, notice: str | None = None) -> dict[str, Any]:
        """The suggestions modal for this search, as a dict ready for views.open/update."""
        now = deps.clock()
        with deps.sessions() as session:
            program = session.get(Program, spec.program_id)
            assert program is not None
            mentee = find_person(session, program.team_id, user_id)
            assert mentee is not None
            state = search(session, deps.pools, program, mentee, spec, now, notice)
            session.commit()
        return suggestions_modal(state, private_metadata=spec.to_metadata()).to_dict()

    def refuse(body: dict[str, Any], error: PickRefused, action: str, *, tell: bool) -> None:
        with deps.sessions() as session:
            record_refusal(
                session,
                team_id=team_of(body),
                user_id=body["user"]["id"],
                error=error,
                action=action,
                now=deps.clock(),
                tell=tell,
            )
            session.commit()
        deps.wake()

    def own_search(body: dict[str, Any], view: dict[str, Any]) -> Search:
        """The search a modal carries, if it is this person's own (PickRefused if not)."""
        spec = Search.from_metadata(view.get("private_metadata"))
        with deps.sessions() as session:
            searcher(session, spec, team_of(body), body["user"]["id"])
        return spec

    def start(team_id: str, user_id: str, query: str) -> Search | str:
        """A new search, or the sentence saying why there is none."""
        with deps.sessions() as session:
            if enrollment_of(session, team_id, user_id, deps.clock()) is None:
                return ""
            program = current_program(session, team_id, deps.clock())
            session.commit()
            return Search(program_id=program.id, query=clip_query(query))

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
        fill(client, opened["view"]["id"], spec, user_id)

    def fill(client: WebClient, view_id: str, spec: Search, user_id: str) -> None:
        """Replace the "finding" modal with suggestions, or with an error: never leave it."""
        try:
            client.views_update(view_id=view_id, view=render(spec, user_id=user_id))
            return
        except SLACK_UNREACHABLE:
            raise  # the boundary tells them Slack is slow
        except Exception:
            log.exception("could not show suggestions to %s", user_id)
        client.views_update(view_id=view_id, view=find_failed_modal())

    # Opens the search from a button: the Home tab's, or one in a notice DM.
    @app.action(HomeIds.FIND)
    @app.action(MatchIds.FIND_AGAIN)
    @guarded
    def on_find_button(
        ack: Ack, body: dict[str, Any], client: WebClient, respond: Respond | None
    ) -> None:
        ack()
        user_id = body["user"]["id"]
        spec = start(team_of(body), user_id, "")
        if isinstance(spec, Search):

            def reply(text: str) -> None:
                if respond is not None and body.get("response_url"):
                    respond(text=text, response_type="ephemeral", replace_original=False)
                else:
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
        return clip_query(str((field or {}).get("value") or ""))

    def choose(spec: Search, action: dict[str, Any], body: dict[str, Any]) -> Search:
        mentor_id = row_id(action.get("value"))
        if mentor_id is None:
            raise PickRefused("an unreadable pick", action.get("value"))
        with deps.sessions() as session:
            program, mentee = searcher(session, spec, team_of(body), body["user"]["id"])
            check_pick(session, program, mentee, mentor_id)
        return with_pick(spec, mentor_id)

    # How each click in the suggestions modal changes the search it shows.
    edits: dict[str, Callable[[Search, dict[str, Any], dict[str, Any]], Search]] = {
        MatchIds.CHOOSE: choose,
        MatchIds.UNCHOOSE: lambda spec, action, body: without_pick(
            spec, row_id(action.get("value")) or 0
        ),
        MatchIds.MORE: lambda spec, action, body: replace(spec, offset=spec.offset + PAGE_SIZE),
        MatchIds.SEARCH: lambda spec, action, body: replace(
            spec, query=typed_query(body["view"]), offset=0
        ),
    }

    def on_click(ack: Ack, body: dict[str, Any], action: dict[str, Any], client: WebClient) -> None:
        ack()
        try:
            spec = edits[action["action_id"]](own_search(body, body["view"]), action, body)
        except PickRefused as exc:
            refuse(body, exc, action["action_id"].rsplit(".", 1)[-1], tell=True)
            return
        redraw(body, client, spec)

    for action_id in edits:
        app.action(action_id)(guarded(on_click))

    @app.view(MatchIds.SUGGESTIONS_CALLBACK)
    @guarded
    def on_next(ack: Ack, body: dict[str, Any], view: dict[str, Any]) -> None:
        try:
            spec = own_search(body, view)
        except PickRefused as exc:
            ack(response_action="update", view=notice_modal(str(exc)))
            refuse(body, exc, "next", tell=False)
            return
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
        field = view["state"]["values"].get(MatchIds.NOTE_BLOCK, {}).get(MatchIds.NOTE_ACTION)
        note = ((field or {}).get("value") or "").strip()
        now = deps.clock()
        try:
            spec = Search.from_metadata(view.get("private_metadata"))
            with deps.sessions() as session:
                program, mentee = searcher(session, spec, team_of(body), body["user"]["id"])
                choices = choices_for(session, deps.pools, program, mentee, spec, now)
                open_chain(
                    session, program=program, mentee=mentee, choices=choices, note=note, now=now
                )
                session.commit()
        except PickRefused as exc:
            ack(response_action="update", view=notice_modal(str(exc)))
            refuse(body, exc, "send", tell=False)
            return
        except PicksUnavailable as exc:
            # Picked while they could take someone; no longer: say so, and show fresh ones.
            fresh = without(spec, [mentor for mentor, _ in exc.gone])
            ack(
                response_action="update",
                view=render(fresh, user_id=body["user"]["id"], notice=str(exc)),
            )
            return
        except (RequestError, FindError) as exc:
            ack(response_action="errors", errors={MatchIds.NOTE_BLOCK: str(exc)[:150]})
            return
        ack(response_action="clear")  # also the quiet answer to a repeat of the same send
        deps.wake()

    return {"find": find}
