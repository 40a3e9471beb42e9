"""Forged but signed payloads are refused politely, change nothing, and leave a trace;
and every coordinator action the bot listens for has such a forgery."""

from __future__ import annotations

import logging
from collections.abc import Callable, Iterator
from typing import Any

import pytest

import handlers
from bot.commands import SUBCOMMANDS, Audience
from bot.db.models import AuditEntry, OutboxMessage
from bot.emulator.driver import DriverResponse
from bot.views.rounds import RoundIds
from tests.conftest import ModuleDatabases
from tests.integration.conftest import Rig, _Mount
from tests.integration.forgeries import (
    BEN,
    DEV,
    FORGERIES,
    POLITE,
    TARGETS,
    Target,
    World,
    dm_text,
    refusals,
    request_status,
    snapshot,
    stage,
    target_of,
)
from tests.integration.standing import Standing


@pytest.fixture
def world(rig: Rig) -> World:
    return stage(rig)


@pytest.fixture(scope="module")
def _standing(
    module_databases: ModuleDatabases, _http: tuple[_Mount, str]
) -> Iterator[Standing[World]]:
    """The world staged once per backend: a refused forgery leaves it as it was (each
    test checks that), so the next forgery can be aimed at the same one."""
    standing = Standing(
        module_databases,
        _http,
        stage=stage,
        watched=snapshot,
        scratch=(OutboxMessage, AuditEntry),  # the refusal's DM and its audit entry
    )
    yield standing
    standing.close()


@pytest.fixture
def staged(_standing: Standing[World]) -> Iterator[tuple[Rig, World]]:
    with _standing.rig() as (rig, world):
        yield rig, world


@pytest.mark.parametrize("name", FORGERIES)
def test_a_forged_payload_is_refused_politely_changes_nothing_and_is_recorded(
    staged: tuple[Rig, World],
    name: str,
    caplog: pytest.LogCaptureFixture,
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    rig, world = staged
    assert refusals(rig) == []  # only this test's refusal is counted below
    sent = _recording(rig, monkeypatch)
    before = snapshot(rig)
    caplog.set_level(logging.WARNING)

    answer = FORGERIES[name](rig, world)
    rig.settle()

    assert TARGETS[name] in {target_of(payload) for payload in sent}  # aimed where it says
    assert snapshot(rig) == before
    assert any(word in answer for word in POLITE), answer
    assert len(refusals(rig)) == 1
    refused = [r for r in caplog.records if r.getMessage().startswith("refused ")]
    assert len(refused) == 1
    assert not any(r.exc_info for r in caplog.records)  # a log line, not a traceback


def _recording(rig: Rig, monkeypatch: pytest.MonkeyPatch) -> list[dict[str, Any]]:
    """The payloads the driver sends from now on (it still sends them)."""
    sent: list[dict[str, Any]] = []
    post = rig.slack.post

    def recorded(
        body: bytes,
        content_type: str,
        headers: Any = None,
        payload: dict[str, Any] | None = None,
    ) -> DriverResponse:
        sent.append(payload or {})
        return post(body, content_type, headers, payload)

    monkeypatch.setattr(rig.slack, "post", recorded)
    return sent


def test_a_decline_never_posts_to_a_response_url_from_private_metadata(
    rig: Rig, world: World
) -> None:
    planted = rig.emulator.new_response_url(BEN, "C0ATTACKER")
    view = {
        "id": "VFORGED05",
        "type": "modal",
        "callback_id": "match.decline",
        "private_metadata": f'{{"request": {world.request_id}, "response_url": "{planted}"}}',
        "blocks": [],
    }

    rig.slack.view_submission(BEN, view=view)
    rig.run_due()

    assert request_status(rig, world.request_id) == "declined"
    assert rig.emulator.calls("response_url") == []
    [rewritten] = rig.emulator.calls("chat.update")  # the DM where it was delivered
    assert "You declined" in rewritten.args["text"]


# --- every coordinator action has a forgery -------------------------------------------------

# Listeners anyone may use (each checks, where it matters, that the person acting is the one
# the message or form was for). Everything else the bot listens for is a coordinator action,
# and needs a forgery in forgeries.py: listing an id here says no coordinator right guards it.
MEMBER_ACTIONS: frozenset[Target] = frozenset(
    {("event", "app_home_opened"), ("event", "message")}
    | {
        ("action", a)
        for a in (
            "home.join", "home.edit", "home.leave", "home.pause", "home.resume", "home.guide",
            "home.find", "match.find_again", "match.choose", "match.unchoose", "match.more",
            "match.search", "match.accept", "match.decline_open", "checkin.met",
            "checkin.reschedule", "checkin.help", "checkin.skip", "term.open", "goals.open",
            "goals.review_open", "calendar.add", "followups.chat", "pace.open", "rematch.home",
            "snooze.resume", "cohorts.profile",
        )
    }
    | {
        ("view", v)
        for v in (
            "enrollment.submit", "enrollment.cohort", "enrollment.leave", "match.suggestions",
            "match.note", "match.decline", "checkin.log", "checkin.move", "checkin.help_form",
            "term.answer", "goals.form", "goals.review", "pace.form", "rematch.confirm",
        )
    }
)  # fmt: skip
# The two pair selects of the round modal: acknowledged and nothing else (Swap reads them).
INERT: frozenset[Target] = frozenset({("action", RoundIds.SWAP_A), ("action", RoundIds.SWAP_B)})


class _Listeners:
    """Stands in for Bolt's App while handlers.register wires it: notes what each listener
    is registered for (Bolt keeps that inside closures)."""

    def __init__(self) -> None:
        self.targets: set[Target] = set()

    def _on(self, kind: str) -> Callable[..., Callable[[Any], Any]]:
        def register(constraint: str | dict[str, str], *args: Any, **kwargs: Any) -> Any:
            if isinstance(constraint, dict):
                constraint = ".".join(constraint[k] for k in ("type", "subtype") if k in constraint)
            if kind == "command":  # one slash command: its subcommands are the actions
                self.targets |= {("command", sub.name) for sub in SUBCOMMANDS}
            else:
                self.targets.add((kind, constraint))
            return lambda listener: listener

        return register

    def __getattr__(self, name: str) -> Any:
        if name in ("action", "view", "event", "command", "options", "shortcut"):
            return self._on(name)
        if name in ("use", "middleware"):
            return lambda *args, **kwargs: None
        raise AttributeError(name)


class _NoDeps:
    """handlers.register only hands its deps to the middleware; no listener runs here."""

    # One workspace: the OAuth listeners (app_uninstalled, tokens_revoked) are not
    # registered; they answer Slack's own signed events, which no member can send.
    installs = None

    def for_requests(self) -> _NoDeps:
        return self


def listened_for() -> set[Target]:
    app = _Listeners()
    handlers.register(app, deps=_NoDeps())  # type: ignore[arg-type]
    return app.targets


def coordinator_actions() -> set[Target]:
    members = {("command", s.name) for s in SUBCOMMANDS if s.audience is Audience.EVERYONE}
    return listened_for() - MEMBER_ACTIONS - INERT - members


def test_the_coordinator_actions_are_every_listener_that_is_not_a_members() -> None:
    actions = coordinator_actions()

    assert ("action", "roster.import") in actions and ("command", "announce") in actions
    assert ("event", "message.file_share") in actions
    assert not {("command", "find"), ("action", "home.join")} & actions
    assert listened_for() >= MEMBER_ACTIONS | INERT  # nothing listed that the bot dropped


def test_every_coordinator_action_has_a_forged_payload_test() -> None:
    """A new coordinator button, form, event or subcommand fails here until forgeries.py
    sends a member's forged payload to it."""
    forged = {TARGETS[name] for name in FORGERIES}  # the ones the test above runs

    missing = sorted(coordinator_actions() - forged)
    assert missing == [], "forge a member's payload to each in forgeries.py"
    assert sorted(forged - listened_for()) == []  # each forgery aims at a real listener


def test_a_members_pick_in_a_rounds_pair_selects_does_nothing(rig: Rig, world: World) -> None:
    before, calls = snapshot(rig), len(rig.emulator.calls())

    response = rig.slack.block_action(DEV, RoundIds.SWAP_A, view=world.round_view)

    assert response.status == 200
    assert snapshot(rig) == before
    assert dm_text(rig, DEV) == "" and len(rig.emulator.calls()) == calls
