"""The round's listeners, called one by one: a fake ack/respond, a real database on both
dialects, and a WebClient pointed at the emulator for the modal."""

from __future__ import annotations

import logging
from collections.abc import Iterator
from dataclasses import dataclass, field
from datetime import UTC, datetime
from typing import Any

import pytest
from slack_sdk import WebClient
from sqlalchemy import select

from bot.commands import parse
from bot.config import load_settings
from bot.db.enums import EnrollmentRole, MentorshipStatus, RoundStatus
from bot.db.models import AuditEntry, MatchRound, MatchRoundPair, Mentorship, OutboxMessage
from bot.deps import Deps
from bot.emulator import SlackEmulator
from bot.enrollment import save_profile
from bot.people import SlackProfile, upsert_person
from bot.profile import Profile
from bot.programs import current_program
from bot.runtime import Runtime, build_runtime
from bot.views.rounds import RoundIds
from handlers import rounds
from handlers.context import DEPS
from handlers.invocation import Invocation
from tests.engines import Engines

TOKEN = "xoxb-unit-token"
TEAM = "T0001"
COORDINATOR = "U0COORD1"
MEMBER = "U0ANA0001"
MENTEES = [MEMBER, "U0BEA0001", "U0CAT0001"]
MENTORS = ["U0MIA0001", "U0NED0001"]


class Recorder:
    """A stand-in for Bolt's ack or respond: remembers what it was called with."""

    def __init__(self) -> None:
        self.calls: list[dict[str, Any]] = []
        self.response: dict[str, Any] | None = None  # what the error boundary looks at

    def __call__(self, text: str | None = None, **kwargs: Any) -> None:
        said = kwargs | ({"text": text} if text is not None else {})
        self.calls.append(said)
        self.response = said


@dataclass
class Stage:
    deps: Deps
    emulator: SlackEmulator
    client: WebClient
    ack: Recorder = field(default_factory=Recorder)
    respond: Recorder = field(default_factory=Recorder)

    @property
    def context(self) -> dict[str, Any]:
        return {DEPS: self.deps}

    def match(self, text: str = "match", user: str = COORDINATOR) -> None:
        rounds.match(
            Invocation(
                ack=self.ack,
                respond=self.respond,
                client=self.client,
                parsed=parse(text),
                team_id=TEAM,
                user_id=user,
                trigger_id=self.emulator.new_trigger_id(user),
                deps=self.deps,
            )
        )

    def modal(self) -> dict[str, Any]:
        view = self.emulator.top_view(COORDINATOR)
        assert view is not None and view["callback_id"] == RoundIds.CALLBACK
        return view

    def body(self, user: str, view: dict[str, Any]) -> dict[str, Any]:
        return {"user": {"id": user, "team_id": TEAM}, "team": {"id": TEAM}, "view": view}

    def rows(self, model: Any) -> list[Any]:
        with self.deps.uow() as uow:
            rows = list(uow.session.scalars(select(model).order_by(model.id)))
            uow.session.expunge_all()
            return rows


@pytest.fixture
def stage(
    db_url: str, caplog: pytest.LogCaptureFixture, shared_engines: Engines
) -> Iterator[Stage]:
    with SlackEmulator(tokens=[TOKEN]) as emulator:
        settings = load_settings(
            env_file=None,
            database_url=db_url,
            slack_bot_token=TOKEN,
            slack_api_url=emulator.api_url,
            admins=COORDINATOR,
        )
        runtime: Runtime = build_runtime(settings, engine=shared_engines.get(db_url))
        for user in MENTEES:
            _enroll(runtime.deps, user, EnrollmentRole.MENTEE)
        for user in MENTORS:
            _enroll(runtime.deps, user, EnrollmentRole.MENTOR)
        client = WebClient(token=TOKEN, base_url=emulator.api_url)
        caplog.set_level(logging.WARNING)
        yield Stage(runtime.deps, emulator, client)
        runtime.close()
    # The error boundary turns a bug into a log line: none may hide there.
    assert not [r for r in caplog.records if r.exc_info], "a listener raised"


def _enroll(deps: Deps, user: str, role: EnrollmentRole) -> None:
    now = datetime.now(UTC)
    name = user[2:5].title()
    with deps.uow() as uow:
        program = current_program(uow.session, TEAM, now)
        person = upsert_person(uow.session, TEAM, SlackProfile(user, display_name=name))
        profile = Profile(
            role=role,
            topics=("NLP", "MLOps"),
            goals="I want to grow as an ML engineer this year.",
            bio="Years of ML engineering." if role is EnrollmentRole.MENTOR else "",
            capacity=1,
            timezone="Europe/Paris",
        )
        save_profile(uow.session, program=program, person=person, profile=profile, now=now)


def pair_ids(view: dict[str, Any]) -> list[str]:
    return [
        b["accessory"]["value"]
        for b in view["blocks"]
        if b.get("block_id", "").startswith("round.pair.") and "accessory" in b
    ]


def dms_to(stage: Stage, user: str) -> list[str]:
    return [
        m.payload["text"] for m in stage.rows(OutboxMessage) if m.payload.get("channel") == user
    ]


def refusals(stage: Stage) -> list[str]:
    return [a.action for a in stage.rows(AuditEntry) if a.action.startswith("refused.")]


# /mentor match


def test_match_opens_a_working_modal_then_fills_in_the_stored_proposal(stage: Stage) -> None:
    stage.match()

    assert stage.ack.calls == [{}]
    [opened] = stage.emulator.calls("views.open")
    assert opened.args["view"]["callback_id"] == RoundIds.WORKING_CALLBACK
    assert len(pair_ids(stage.modal())) == 2  # two mentors with one slot each
    [proposal] = stage.rows(MatchRound)
    assert proposal.status is RoundStatus.PROPOSED
    assert stage.rows(Mentorship) == []


def test_match_naming_no_cohort_lists_the_cohorts_and_opens_nothing(stage: Stage) -> None:
    stage.match("match Spring <2031>")

    [said] = stage.ack.calls
    assert said["response_type"] == "ephemeral"
    assert "no cohort named *Spring &lt;2031&gt;*" in said["text"]
    assert "Mentorship program" in said["text"]
    assert stage.emulator.calls("views.open") == []


def test_match_when_slack_cannot_open_the_modal_says_so_and_proposes_nothing(
    stage: Stage,
) -> None:
    stage.emulator.fail("views.open", error="expired_trigger_id")

    stage.match()

    assert stage.ack.calls == [{}]
    [said] = stage.respond.calls
    assert "try `/mentor match` again" in said["text"]
    assert stage.rows(MatchRound) == []


# Drop


def test_a_coordinators_drop_marks_the_pair_and_redraws_the_modal(stage: Stage) -> None:
    stage.match()
    view = stage.modal()
    dropped = pair_ids(view)[0]

    rounds.on_drop(
        ack=stage.ack,
        body=stage.body(COORDINATOR, view),
        action={"action_id": RoundIds.DROP, "value": dropped},
        client=stage.client,
        context=stage.context,
    )

    assert [p.id for p in stage.rows(MatchRoundPair) if p.dropped] == [int(dropped)]
    assert "_dropped_" in str(stage.modal())


def test_a_members_drop_is_refused_audited_and_told_and_changes_nothing(stage: Stage) -> None:
    stage.match()
    view = stage.modal()
    stage.emulator.clear()
    ack = Recorder()

    rounds.on_drop(
        ack=ack,
        body=stage.body(MEMBER, view),
        action={"action_id": RoundIds.DROP, "value": pair_ids(view)[0]},
        client=stage.client,
        context=stage.context,
    )

    assert ack.calls == [{}]
    assert not any(p.dropped for p in stage.rows(MatchRoundPair))
    assert refusals(stage) == ["refused.round.drop"]
    assert any("for program coordinators" in text for text in dms_to(stage, MEMBER))
    assert stage.emulator.calls("views.update") == []


def test_a_drop_on_an_unknown_round_is_refused_and_changes_and_redraws_nothing(
    stage: Stage,
) -> None:
    stage.match()
    view = stage.modal()
    stage.emulator.clear()

    rounds.on_drop(
        ack=stage.ack,
        body=stage.body(COORDINATOR, view | {"private_metadata": "999999"}),
        action={"action_id": RoundIds.DROP, "value": pair_ids(view)[0]},
        client=stage.client,
        context=stage.context,
    )

    assert not any(p.dropped for p in stage.rows(MatchRoundPair))
    assert stage.emulator.calls("views.update") == []
    assert refusals(stage) == ["refused.round.drop"]
    assert any("couldn't find that matching round" in text for text in dms_to(stage, COORDINATOR))


# Swap


def test_a_swap_with_no_pairs_chosen_is_explained_in_the_modal(stage: Stage) -> None:
    stage.match()
    view = stage.modal()
    before = {p.id: p.mentor_id for p in stage.rows(MatchRoundPair)}

    rounds.on_swap(
        ack=stage.ack,
        body=stage.body(COORDINATOR, view | {"state": {"values": {}}}),
        client=stage.client,
        context=stage.context,
    )

    assert "Choose the two pairs" in str(stage.modal())
    assert {p.id: p.mentor_id for p in stage.rows(MatchRoundPair)} == before


def test_a_members_swap_is_refused_and_audited(stage: Stage) -> None:
    stage.match()
    view = stage.modal()

    rounds.on_swap(
        ack=stage.ack,
        body=stage.body(MEMBER, view | {"state": {"values": {}}}),
        client=stage.client,
        context=stage.context,
    )

    assert refusals(stage) == ["refused.round.swap"]
    assert "Choose the two pairs" not in str(stage.modal())


# Approve


def test_approving_starts_the_pairs_and_dms_the_coordinator_the_outcome(stage: Stage) -> None:
    stage.match()
    ack = Recorder()

    rounds.on_approve(ack=ack, body=stage.body(COORDINATOR, stage.modal()), context=stage.context)

    assert ack.calls == [{}]
    started = stage.rows(Mentorship)
    assert [m.status for m in started] == [MentorshipStatus.ACTIVE] * 2
    [proposal] = stage.rows(MatchRound)
    assert proposal.status is RoundStatus.APPROVED
    [outcome] = dms_to(stage, COORDINATOR)
    assert outcome.startswith("Round approved: 2 new mentorship(s) started")


def test_approving_twice_starts_nothing_more_and_says_it_was_already_approved(
    stage: Stage,
) -> None:
    stage.match()
    body = stage.body(COORDINATOR, stage.modal())

    rounds.on_approve(ack=Recorder(), body=body, context=stage.context)
    rounds.on_approve(ack=Recorder(), body=body, context=stage.context)

    assert len(stage.rows(Mentorship)) == 2
    assert dms_to(stage, COORDINATOR)[-1] == "This round was already approved."


def test_a_members_approval_is_refused_audited_and_starts_nothing(stage: Stage) -> None:
    stage.match()

    rounds.on_approve(ack=stage.ack, body=stage.body(MEMBER, stage.modal()), context=stage.context)

    assert stage.rows(Mentorship) == []
    assert stage.rows(MatchRound)[0].status is RoundStatus.PROPOSED
    assert refusals(stage) == ["refused.round.approve"]
    assert dms_to(stage, COORDINATOR) == []
