"""The rematch listeners called alone: the command with and without a pair, the Home button
and the confirmation with forged ids, and a confirmation that ends the pair; fake
ack/respond, a real database on both dialects, and the Slack emulator."""

from __future__ import annotations

import json
from datetime import UTC, datetime
from typing import Any

import pytest
from slack_sdk import WebClient
from sqlalchemy import select

from bot import mentorships
from bot.commands import parse
from bot.db.enums import EnrollmentRole, MentorshipStatus
from bot.db.models import Mentorship, OutboxMessage, Person
from bot.deps import Deps
from bot.emulator import SlackEmulator
from bot.programs import current_program
from bot.views.rematch import ALREADY_ENDED, NOT_YOURS, NOTHING_TO_REMATCH, RematchIds
from handlers import rematch as listeners
from handlers.context import DEPS
from handlers.invocation import Invocation
from tests.unit.handlers.conftest import ANA, BEN, CARA, TEAM, Recorder, body, enroll, refusals

FORGED = ["99999999999", "-1", True, None, "1e3", {"id": 1}]


@pytest.fixture
def pair_id(deps: Deps) -> int:
    """Ben mentors Ana."""
    enroll(deps, ANA, EnrollmentRole.MENTEE)
    enroll(deps, BEN, EnrollmentRole.MENTOR, bio="ML lead.")
    enroll(deps, CARA, EnrollmentRole.MENTEE)
    now = datetime.now(UTC)
    with deps.uow() as uow:
        people = {p.slack_user_id: p for p in uow.session.scalars(select(Person))}
        program = current_program(uow.session, TEAM, now)
        started = mentorships.start(
            uow.session,
            program,
            people[BEN],
            people[ANA],
            score=None,
            reasons=[],
            now=now,
            default_tz="UTC",
        )
        assert started is not None
        return started.id


def command(deps: Deps, client: WebClient, user: str, trigger_id: str = "") -> Recorder:
    ack = Recorder()
    call = Invocation(
        ack=ack,  # type: ignore[arg-type]
        respond=Recorder(),  # type: ignore[arg-type]
        client=client,
        parsed=parse("rematch"),
        team_id=TEAM,
        user_id=user,
        trigger_id=trigger_id,
        deps=deps,
    )
    listeners.rematch_command(call)
    return ack


def confirmation(pair: object) -> dict[str, Any]:
    return {
        "id": "V1",
        "callback_id": RematchIds.CONFIRM_CALLBACK,
        "private_metadata": json.dumps({"pair": pair}),
        "state": {"values": {}},
    }


def status(deps: Deps, pair_id: int) -> MentorshipStatus:
    with deps.sessions() as session:
        mentorship = session.get(Mentorship, pair_id)
        assert mentorship is not None
        return mentorship.status


def dms_to(deps: Deps, user: str) -> list[OutboxMessage]:
    with deps.sessions() as session:
        queued = session.scalars(select(OutboxMessage).order_by(OutboxMessage.id)).all()
    return [m for m in queued if m.payload.get("channel") == user]


def test_the_command_with_no_pair_says_so_and_opens_nothing(
    deps: Deps, client: WebClient, emulator: SlackEmulator
) -> None:
    enroll(deps, CARA, EnrollmentRole.MENTEE)

    ack = command(deps, client, CARA, emulator.new_trigger_id(CARA))

    assert ack.calls == [{"response_type": "ephemeral", "text": NOTHING_TO_REMATCH}]
    assert emulator.calls("views.open") == []


def test_the_command_with_a_pair_opens_its_confirmation(
    deps: Deps, client: WebClient, emulator: SlackEmulator, pair_id: int
) -> None:
    ack = command(deps, client, BEN, emulator.new_trigger_id(BEN))

    assert ack.calls == [{}]
    view = emulator.top_view(BEN)
    assert view is not None and view["callback_id"] == RematchIds.CONFIRM_CALLBACK
    assert json.loads(view["private_metadata"]) == {"pair": pair_id}
    assert f"<@{ANA}>" in json.dumps(view["blocks"])


@pytest.mark.parametrize("forged", FORGED)
def test_a_forged_home_button_is_refused_with_a_notice_and_audited(
    deps: Deps, client: WebClient, emulator: SlackEmulator, pair_id: int, forged: object
) -> None:
    listeners.on_home_button(
        ack=Recorder(),
        body=body(CARA, trigger_id=emulator.new_trigger_id(CARA)),
        action={"action_id": RematchIds.HOME, "value": forged},
        client=client,
        context={DEPS: deps},
    )

    view = emulator.top_view(CARA)
    assert view is not None and view["callback_id"] == RematchIds.NOTICE_CALLBACK
    assert refusals(deps) == ["refused.rematch.open"]
    assert status(deps, pair_id) is MentorshipStatus.ACTIVE


def test_someone_elses_pair_on_the_home_button_is_refused(
    deps: Deps, client: WebClient, emulator: SlackEmulator, pair_id: int
) -> None:
    listeners.on_home_button(
        ack=Recorder(),
        body=body(CARA, trigger_id=emulator.new_trigger_id(CARA)),
        action={"action_id": RematchIds.HOME, "value": str(pair_id)},
        client=client,
        context={DEPS: deps},
    )

    assert "isn't one of your mentorships" in json.dumps(emulator.top_view(CARA))
    assert refusals(deps) == ["refused.rematch.open"]


@pytest.mark.parametrize("forged", FORGED)
def test_a_confirmation_naming_a_pair_not_theirs_is_refused_and_changes_nothing(
    deps: Deps, pair_id: int, forged: object
) -> None:
    for who, pair in ((CARA, pair_id), (ANA, forged)):
        ack = Recorder()
        listeners.on_confirm(ack=ack, body=body(who), view=confirmation(pair), context={DEPS: deps})
        assert ack.calls == [{}]  # the modal closes; the answer is a DM
        [answer] = dms_to(deps, who)
        assert answer.payload["text"] == NOT_YOURS

    assert status(deps, pair_id) is MentorshipStatus.ACTIVE
    assert refusals(deps) == ["refused.rematch.confirm", "refused.rematch.confirm"]
    with deps.sessions() as session:
        keys = session.scalars(select(OutboxMessage.idempotency_key)).all()
    assert not [key for key in keys if key.startswith("rematch-")]


def test_confirming_ends_the_pair_once_and_offers_the_mentee_suggestions(
    deps: Deps, pair_id: int
) -> None:
    for who in (ANA, BEN):
        listeners.on_confirm(
            ack=Recorder(), body=body(who), view=confirmation(pair_id), context={DEPS: deps}
        )

    assert status(deps, pair_id) is MentorshipStatus.ENDED
    [offer] = dms_to(deps, ANA)
    assert "Done: your mentorship" in json.dumps(offer.payload["blocks"])
    told, already = dms_to(deps, BEN)
    assert "asked to be matched with someone new" in told.payload["text"]
    assert already.payload["text"] == ALREADY_ENDED


def test_the_confirmation_reads_the_chosen_partner_before_its_metadata() -> None:
    chosen = {"type": "static_select", "selected_option": {"value": "12"}}
    several = {
        "private_metadata": json.dumps({"pair": None}),
        "state": {"values": {RematchIds.WHO_BLOCK: {RematchIds.WHO_ACTION: chosen}}},
    }
    assert listeners.chosen_pair(several) == 12
    assert listeners.chosen_pair(confirmation(7)) == 7
    for forged in ("not json", "[]", json.dumps({"pair": "7; drop"}), ""):
        assert listeners.chosen_pair({"private_metadata": forged}) is None
    broken = {"state": {"values": {RematchIds.WHO_BLOCK: {RematchIds.WHO_ACTION: "x"}}}}
    assert listeners.chosen_pair(broken) is None
