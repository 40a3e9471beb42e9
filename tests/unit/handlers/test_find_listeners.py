"""The find flow's listeners called alone: fake ack/respond, a real database on both
dialects, and the Slack emulator where a listener calls Slack."""

from __future__ import annotations

import json
from typing import Any

from slack_sdk import WebClient

from bot.db.enums import EnrollmentRole
from bot.db.models import MentorshipRequest, OutboxMessage, Person
from bot.deps import Deps
from bot.emulator import SlackEmulator
from bot.find import Search
from bot.views.find import FindIds
from handlers import find
from handlers.context import DEPS
from tests.unit.handlers.conftest import (
    ANA,
    BEN,
    CARA,
    Recorder,
    body,
    enroll,
    program_id,
    refusals,
    rows,
)


def modal(metadata: str, *, note: str | None = None, query: str = "") -> dict[str, Any]:
    values = {FindIds.QUERY_BLOCK: {FindIds.QUERY_ACTION: {"value": query}}}
    if note is not None:
        values[FindIds.NOTE_BLOCK] = {FindIds.NOTE_ACTION: {"value": note}}
    return {"id": "V1", "private_metadata": metadata, "state": {"values": values}}


# --- the Find buttons -----------------------------------------------------------------------


def test_a_home_find_from_a_mentor_only_profile_queues_a_dm(deps: Deps, client: WebClient) -> None:
    enroll(deps, BEN, EnrollmentRole.MENTOR)
    ack = Recorder()

    find.on_find_button(
        ack=ack, body=body(BEN, trigger_id="t"), client=client, respond=None, context={DEPS: deps}
    )

    assert ack.calls == [{}]
    [queued] = rows(deps, OutboxMessage)
    assert queued.payload["channel"] == BEN and '"Both"' in queued.payload["text"]


def test_a_find_under_a_notice_from_a_mentor_only_profile_is_answered_there(
    deps: Deps, client: WebClient
) -> None:
    enroll(deps, BEN, EnrollmentRole.MENTOR)
    respond = Recorder()

    find.on_find_button(
        ack=Recorder(),
        body=body(BEN, trigger_id="t", response_url="https://hooks.example/1"),
        client=client,
        respond=respond,
        context={DEPS: deps},
    )

    [answer] = respond.calls
    assert '"Both"' in answer["text"] and answer["replace_original"] is False
    assert rows(deps, OutboxMessage) == []


def test_a_find_from_someone_who_never_joined_opens_nothing(
    deps: Deps, client: WebClient, emulator: SlackEmulator
) -> None:
    find.on_find_button(
        ack=Recorder(), body=body(ANA, trigger_id="t"), client=client, respond=None,
        context={DEPS: deps},
    )  # fmt: skip

    assert emulator.calls("views.open") == [] and rows(deps, OutboxMessage) == []


def test_a_find_from_a_mentee_opens_the_search_then_fills_in_suggestions(
    deps: Deps, client: WebClient, emulator: SlackEmulator
) -> None:
    enroll(deps, ANA, EnrollmentRole.MENTEE)
    enroll(deps, BEN, EnrollmentRole.MENTOR, bio="Moved from backend work into ML.")
    emulator.add_user(ANA)

    find.on_find_button(
        ack=Recorder(),
        body=body(ANA, trigger_id=emulator.new_trigger_id(ANA)),
        client=client,
        respond=None,
        context={DEPS: deps},
    )

    [opened] = emulator.calls("views.open")
    assert opened.args["view"]["callback_id"] == FindIds.FINDING_CALLBACK
    [filled] = emulator.calls("views.update")
    assert filled.ok and filled.args["view"]["callback_id"] == FindIds.SUGGESTIONS_CALLBACK
    assert f"<@{BEN}>" in json.dumps(filled.args["view"]["blocks"])


# --- Next -----------------------------------------------------------------------------------


def test_next_on_a_forged_search_state_says_so_and_is_audited(deps: Deps) -> None:
    enroll(deps, ANA, EnrollmentRole.MENTEE)
    ack = Recorder()

    find.on_next(ack=ack, body=body(ANA), view=modal("{not json"), context={DEPS: deps})

    assert ack.response is not None and ack.response["response_action"] == "update"
    assert ack.response["view"].callback_id == FindIds.NOTICE_CALLBACK
    assert refusals(deps) == ["refused.find.next"]


def test_next_without_picks_searches_for_what_was_typed(deps: Deps) -> None:
    enroll(deps, ANA, EnrollmentRole.MENTEE)
    ack = Recorder()
    spec = Search(program_id(deps))

    find.on_next(
        ack=ack, body=body(ANA), view=modal(spec.to_metadata(), query="MLOps"),
        context={DEPS: deps},
    )  # fmt: skip

    assert ack.response is not None and ack.response["response_action"] == "update"
    shown = ack.response["view"]
    assert shown["callback_id"] == FindIds.SUGGESTIONS_CALLBACK
    assert Search.from_metadata(shown["private_metadata"]).query == "MLOps"


def test_next_with_picks_pushes_the_note_modal(deps: Deps) -> None:
    enroll(deps, ANA, EnrollmentRole.MENTEE)
    ben = enroll(deps, BEN, EnrollmentRole.MENTOR)
    ack = Recorder()
    spec = Search(program_id(deps), picks=(ben,))

    find.on_next(ack=ack, body=body(ANA), view=modal(spec.to_metadata()), context={DEPS: deps})

    assert ack.response is not None and ack.response["response_action"] == "push"
    assert ack.response["view"].callback_id == FindIds.NOTE_CALLBACK


# --- Send -----------------------------------------------------------------------------------


def test_send_asks_the_first_pick_and_clears_the_modals(deps: Deps) -> None:
    enroll(deps, ANA, EnrollmentRole.MENTEE)
    ben = enroll(deps, BEN, EnrollmentRole.MENTOR)
    cara = enroll(deps, CARA, EnrollmentRole.MENTOR)
    ack = Recorder()
    spec = Search(program_id(deps), picks=(ben, cara))

    find.on_send(
        ack=ack, body=body(ANA), view=modal(spec.to_metadata(), note="Hello!"),
        context={DEPS: deps},
    )  # fmt: skip

    assert ack.calls == [{"response_action": "clear"}]
    asked = sorted((r.mentor_id, r.status.value) for r in rows(deps, MentorshipRequest))
    assert asked == [(ben, "pending"), (cara, "queued")]


def test_send_of_a_pick_never_offered_is_refused_and_audited(deps: Deps) -> None:
    enroll(deps, ANA, EnrollmentRole.MENTEE)
    cara = enroll(deps, CARA, EnrollmentRole.MENTEE)  # not a mentor: never offered
    ack = Recorder()
    spec = Search(program_id(deps), picks=(cara,))

    find.on_send(ack=ack, body=body(ANA), view=modal(spec.to_metadata()), context={DEPS: deps})

    assert ack.response is not None and ack.response["view"].callback_id == FindIds.NOTICE_CALLBACK
    assert rows(deps, MentorshipRequest) == []
    assert refusals(deps) == ["refused.find.send"]


def test_send_to_a_pick_who_paused_meanwhile_shows_fresh_suggestions_with_why(
    deps: Deps,
) -> None:
    enroll(deps, ANA, EnrollmentRole.MENTEE)
    ben = enroll(deps, BEN, EnrollmentRole.MENTOR)
    with deps.uow() as uow:
        person = uow.session.get(Person, ben)
        assert person is not None
        person.enrollments[0].capacity = 1
        person.enrollments[0].active_mentee_count = 1  # full
    ack = Recorder()
    spec = Search(program_id(deps), picks=(ben,))

    find.on_send(ack=ack, body=body(ANA), view=modal(spec.to_metadata()), context={DEPS: deps})

    assert ack.response is not None and ack.response["response_action"] == "update"
    shown = ack.response["view"]
    assert shown["callback_id"] == FindIds.SUGGESTIONS_CALLBACK
    assert Search.from_metadata(shown["private_metadata"]).picks == ()
    assert "last mentee slot" in json.dumps(shown["blocks"])


def test_sending_the_same_mentor_a_second_chain_is_answered_beside_the_note(deps: Deps) -> None:
    enroll(deps, ANA, EnrollmentRole.MENTEE)
    ben = enroll(deps, BEN, EnrollmentRole.MENTOR)
    cara = enroll(deps, CARA, EnrollmentRole.MENTOR)
    first = Search(program_id(deps), picks=(ben,))
    find.on_send(
        ack=Recorder(), body=body(ANA), view=modal(first.to_metadata()), context={DEPS: deps}
    )
    ack = Recorder()
    second = Search(program_id(deps), picks=(cara, ben))

    find.on_send(ack=ack, body=body(ANA), view=modal(second.to_metadata()), context={DEPS: deps})

    assert ack.response is not None and ack.response["response_action"] == "errors"
    assert "already asked" in ack.response["errors"][FindIds.NOTE_BLOCK]
