"""The request listeners called alone: a mentor's Accept, Decline and the decline modal,
with fake ack/respond, a real database on both dialects, and the Slack emulator."""

from __future__ import annotations

import json
from datetime import UTC, datetime
from typing import Any

from slack_sdk import WebClient
from sqlalchemy import select

from bot.db.enums import EnrollmentRole, RequestStatus
from bot.db.models import AuditEntry, Mentorship, MentorshipRequest, Person
from bot.deps import Deps
from bot.emulator import SlackEmulator
from bot.programs import current_program
from bot.requests import Choice, open_chain
from bot.views.requests import NOT_DONE, RequestIds
from handlers import requests
from handlers.context import DEPS
from tests.unit.handlers.conftest import (
    ANA,
    BEN,
    CARA,
    TEAM,
    Recorder,
    body,
    enroll,
    refusals,
    rows,
)


def asked(deps: Deps, *mentors: int) -> int:
    """Ana asks these mentors in order; the id of the request the first one got."""
    now = datetime.now(UTC)
    with deps.uow() as uow:
        program = current_program(uow.session, TEAM, now)
        mentee = uow.session.scalar(select(Person).where(Person.slack_user_id == ANA))
        assert mentee is not None
        choices = [Choice(uow.session.get(Person, m)) for m in mentors]  # type: ignore[arg-type]
        chain = open_chain(
            uow.session, program=program, mentee=mentee, choices=choices, note=None, now=now
        )
        return chain[0].id


def status(deps: Deps, request_id: int) -> RequestStatus:
    with deps.sessions() as session:
        request = session.get(MentorshipRequest, request_id)
        assert request is not None
        return request.status


def click(action_id: str, value: object) -> dict[str, Any]:
    return {"action_id": action_id, "value": value}


def decline_view(request: object, reason: str = "") -> dict[str, Any]:
    values = {RequestIds.REASON_BLOCK: {RequestIds.REASON_ACTION: {"value": reason}}}
    return {"private_metadata": json.dumps({"request": request}), "state": {"values": values}}


def setup(deps: Deps) -> int:
    enroll(deps, ANA, EnrollmentRole.MENTEE)
    ben = enroll(deps, BEN, EnrollmentRole.MENTOR)
    enroll(deps, CARA, EnrollmentRole.MENTOR)
    return asked(deps, ben)


# --- Accept ---------------------------------------------------------------------------------


def test_accept_pairs_them_and_replaces_the_request_dm(deps: Deps) -> None:
    request_id = setup(deps)
    respond = Recorder()

    requests.on_accept(
        ack=Recorder(), body=body(BEN), action=click(RequestIds.ACCEPT, str(request_id)),
        respond=respond, context={DEPS: deps},
    )  # fmt: skip

    [answer] = respond.calls
    assert answer["replace_original"] is True and f"<@{ANA}>" in answer["text"]
    assert status(deps, request_id) is RequestStatus.ACCEPTED
    assert len(rows(deps, Mentorship)) == 1


def test_accept_by_someone_else_names_nobody_and_is_audited(deps: Deps) -> None:
    request_id = setup(deps)
    respond = Recorder()

    requests.on_accept(
        ack=Recorder(), body=body(CARA), action=click(RequestIds.ACCEPT, str(request_id)),
        respond=respond, context={DEPS: deps},
    )  # fmt: skip

    assert respond.calls == [{"text": NOT_DONE["not_yours"], "response_type": "ephemeral"}]
    assert status(deps, request_id) is RequestStatus.PENDING
    assert refusals(deps) == ["refused.request.accept"]


def test_accept_with_an_unreadable_request_id_is_refused_and_audited(deps: Deps) -> None:
    setup(deps)
    respond = Recorder()

    requests.on_accept(
        ack=Recorder(), body=body(BEN), action=click(RequestIds.ACCEPT, "1; DROP TABLE"),
        respond=respond, context={DEPS: deps},
    )  # fmt: skip

    assert respond.calls == [{"text": NOT_DONE["already_answered"], "response_type": "ephemeral"}]
    assert refusals(deps) == ["refused.request.unreadable"]


def test_accept_with_no_free_slot_says_how_to_make_room(deps: Deps) -> None:
    request_id = setup(deps)
    with deps.uow() as uow:
        ben = uow.session.scalar(select(Person).where(Person.slack_user_id == BEN))
        assert ben is not None
        ben.enrollments[0].active_mentee_count = ben.enrollments[0].capacity
    respond = Recorder()

    requests.on_accept(
        ack=Recorder(), body=body(BEN), action=click(RequestIds.ACCEPT, str(request_id)),
        respond=respond, context={DEPS: deps},
    )  # fmt: skip

    assert respond.calls == [{"text": NOT_DONE["full"], "response_type": "ephemeral"}]
    assert status(deps, request_id) is RequestStatus.PENDING


# --- Decline --------------------------------------------------------------------------------


def test_decline_opens_the_modal_naming_who_asked(
    deps: Deps, client: WebClient, emulator: SlackEmulator
) -> None:
    request_id = setup(deps)
    emulator.add_user(BEN)

    requests.on_decline_clicked(
        ack=Recorder(), body=body(BEN, trigger_id=emulator.new_trigger_id(BEN)),
        action=click(RequestIds.DECLINE, str(request_id)), client=client, respond=Recorder(),
        context={DEPS: deps},
    )  # fmt: skip

    [opened] = emulator.calls("views.open")
    view = opened.args["view"]
    assert view["callback_id"] == RequestIds.DECLINE_CALLBACK
    assert json.loads(view["private_metadata"]) == {"request": request_id}
    assert f"<@{ANA}>" in json.dumps(view["blocks"])


def test_decline_by_someone_else_opens_nothing(
    deps: Deps, client: WebClient, emulator: SlackEmulator
) -> None:
    request_id = setup(deps)
    respond = Recorder()

    requests.on_decline_clicked(
        ack=Recorder(), body=body(CARA, trigger_id="t"),
        action=click(RequestIds.DECLINE, str(request_id)), client=client, respond=respond,
        context={DEPS: deps},
    )  # fmt: skip

    assert emulator.calls("views.open") == []
    assert respond.calls == [{"text": NOT_DONE["not_yours"], "response_type": "ephemeral"}]


def test_the_decline_modal_declines_and_closes(deps: Deps) -> None:
    request_id = setup(deps)
    ack = Recorder()

    requests.on_decline_submitted(
        ack=ack, body=body(BEN), view=decline_view(request_id, "At capacity"),
        context={DEPS: deps},
    )  # fmt: skip

    assert ack.calls == [{}]
    assert status(deps, request_id) is RequestStatus.DECLINED


def test_the_decline_modal_on_an_answered_request_says_so(deps: Deps) -> None:
    request_id = setup(deps)
    requests.on_decline_submitted(
        ack=Recorder(), body=body(BEN), view=decline_view(request_id), context={DEPS: deps}
    )
    ack = Recorder()

    requests.on_decline_submitted(
        ack=ack, body=body(BEN), view=decline_view(request_id), context={DEPS: deps}
    )

    assert ack.response is not None and ack.response["response_action"] == "update"
    assert NOT_DONE["already_answered"] in json.dumps(ack.response["view"].to_dict())


def test_the_decline_modal_with_forged_metadata_is_refused_and_audited(deps: Deps) -> None:
    setup(deps)
    ack = Recorder()

    requests.on_decline_submitted(
        ack=ack, body=body(BEN), view=decline_view("x" * 500), context={DEPS: deps}
    )

    assert ack.response is not None and ack.response["response_action"] == "update"
    assert refusals(deps) == ["refused.request.unreadable"]
    assert rows(deps, AuditEntry)[-1].subject_id is not None
