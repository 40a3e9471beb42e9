"""Every coordinator action is audited (who, what, when, on what), and every one of them
has a forged-payload test (tests/integration/forgeries.py) refusing it to a member.

The world is the forgeries' own: an open round with two mentees waiting, two at-risk
pairs (one paused), an ask for help, a granted coordinator. Each action runs once, as
the coordinator does it through the real endpoint.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass
from datetime import UTC, datetime, timedelta
from typing import Any

import pytest
from sqlalchemy import select

from bot.commands import SUBCOMMANDS, Audience
from bot.db.models import AuditEntry, MatchRoundPair
from bot.views.followups import FollowupIds
from bot.views.rounds import RoundIds
from handlers import followups, rounds
from tests.integration.conftest import COORDINATOR, Rig
from tests.integration.forgeries import ELI, FORGERIES, GRANTED, World, stage


@pytest.fixture
def world(rig: Rig) -> World:
    return stage(rig)


def command(text: str) -> Callable[[Rig, World], Any]:
    return lambda rig, w: rig.slack.slash_command(COORDINATOR, text)


def click(action_id: str) -> Callable[[Rig, World], Any]:
    return lambda rig, w: rig.slack.block_action(COORDINATOR, action_id, view=w.board)


def drop(rig: Rig, w: World) -> Any:
    return rig.slack.block_action(COORDINATOR, RoundIds.DROP)  # in the proposal still open


def swap(rig: Rig, w: World) -> Any:
    with rig.runtime.deps.sessions() as session:
        first, second = session.scalars(
            select(MatchRoundPair.id)
            .where(MatchRoundPair.mentor_id.is_not(None))
            .order_by(MatchRoundPair.id)
        )
    rig.slack.block_action(COORDINATOR, RoundIds.SWAP_A, value=str(first))
    rig.slack.block_action(COORDINATOR, RoundIds.SWAP_B, value=str(second))
    return rig.slack.block_action(COORDINATOR, RoundIds.SWAP)


def approve(rig: Rig, w: World) -> Any:
    return rig.slack.view_submission(COORDINATOR)


def end(rig: Rig, w: World) -> Any:
    rig.slack.block_action(COORDINATOR, FollowupIds.END, view=w.board)
    rig.settle()
    return rig.slack.view_submission(COORDINATOR)  # "End the pair" in the confirmation


@dataclass(frozen=True)
class Act:
    run: Callable[[Rig, World], Any]
    audited: str  # the entry's action
    on: str  # the entry's subject type


ACTIONS: dict[str, Act] = {
    "a matching round is proposed": Act(command("match"), "round.proposed", "match_round"),
    "a pair is dropped from the round": Act(drop, "round.dropped", "match_round"),
    "two pairs swap mentors in the round": Act(swap, "round.swapped", "match_round"),
    "the round is approved": Act(approve, "round.approved", "match_round"),
    "a topic is added": Act(command("topics add Robotics"), "program.topic_added", "program"),
    "the request expiry is set": Act(command("expiry 7"), "program.expiry_set", "program"),
    "an at-risk pair is nudged": Act(click(FollowupIds.NUDGE), "followup.nudged", "mentorship"),
    "an at-risk pair is paused": Act(click(FollowupIds.PAUSE), "followup.paused", "mentorship"),
    "a paused pair is resumed": Act(click(FollowupIds.RESUME), "followup.resumed", "mentorship"),
    "a pair is ended to rematch": Act(end, "followup.ended", "mentorship"),
    "an ask for help is handled": Act(
        click(FollowupIds.HANDLED), "followup.help_handled", "help_request"
    ),
    "someone is made a coordinator": Act(
        command(f"coordinators add <@{ELI}|eli>"), "coordinators.added", "person"
    ),
    "a coordinator is removed": Act(
        command(f"coordinators remove <@{GRANTED}|granted>"), "coordinators.removed", "person"
    ),
}


@pytest.mark.parametrize("name", ACTIONS)
def test_each_coordinator_action_is_audited_with_who_what_when_and_on_what(
    rig: Rig, world: World, name: str
) -> None:
    act = ACTIONS[name]
    seen = rig.count(AuditEntry)  # ids are never reused: what follows is this action's
    started = datetime.now(UTC)

    act.run(rig, world)
    rig.settle()

    with rig.runtime.deps.sessions() as session:
        query = select(AuditEntry).order_by(AuditEntry.id).offset(seen)
        entries = list(session.scalars(query))
    [entry] = [e for e in entries if e.action == act.audited]
    assert entry.actor_slack_id == COORDINATOR
    assert entry.subject_type == act.on and entry.subject_id
    assert started - timedelta(seconds=1) <= entry.created_at <= datetime.now(UTC)
    assert not [e.action for e in entries if e.action.startswith("refused.")]


class _Wiring:
    """Stands in for the Bolt app: keeps the ids a flow's register() listens to."""

    def __init__(self) -> None:
        self.ids: list[str] = []

    def _keep(self, listened: str) -> Callable[[Any], Any]:
        self.ids.append(listened)
        return lambda listener: listener

    action = view = _keep


# Ids a coordinator's screens carry that change nothing on their own: a pick kept in the
# view's state until Swap is clicked.
PICKS_ONLY = {RoundIds.SWAP_A, RoundIds.SWAP_B}
# The one follow-up button that is a pair member's, not a coordinator's.
MEMBERS = {FollowupIds.SUGGEST_CHAT}
# Which forgery sends each coordinator payload as a member.
FORGED_AS_MEMBER = {
    RoundIds.DROP: "round_drop_by_a_member",
    RoundIds.SWAP: "round_swap_by_a_member",
    RoundIds.CALLBACK: "round_approve_by_a_member",
    FollowupIds.NUDGE: "nudge_again_by_a_member",
    FollowupIds.PAUSE: "pause_a_pair_by_a_member",
    FollowupIds.RESUME: "resume_a_pair_by_a_member",
    FollowupIds.END: "end_and_rematch_by_a_member",
    FollowupIds.END_CALLBACK: "end_confirmed_by_a_member",
    FollowupIds.HANDLED: "mark_an_ask_handled_by_a_member",
}


def test_every_coordinator_button_and_form_has_a_forged_payload_test() -> None:
    wired = _Wiring()
    for flow in (rounds, followups):
        flow.register(wired)

    coordinators = set(wired.ids) - PICKS_ONLY - MEMBERS
    assert coordinators == set(FORGED_AS_MEMBER)
    assert set(FORGED_AS_MEMBER.values()) <= set(FORGERIES)


def test_every_coordinator_subcommand_has_a_forged_payload_test() -> None:
    theirs = {sub.name for sub in SUBCOMMANDS if sub.audience is Audience.COORDINATORS}
    forged = {name.split()[1] for name in FORGERIES if name.startswith("command ")}
    assert theirs <= forged
