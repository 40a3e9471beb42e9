"""Rights: coordinators list, add and remove coordinators from Slack (`/mentor coordinators`),
and read the audit trail (`/mentor audit`). Through the real endpoint and the emulator.

The rig's COORDINATOR is in MENTORBOT_ADMINS. Ana (mentee, Paris), Ben (mentor, Los
Angeles) and Cara (mentor, Paris) are enrolled; Slack sends mentions escaped, as
`<@U123|name>`, because the manifest's slash command has should_escape.
"""

from __future__ import annotations

import json
from datetime import UTC, datetime, timedelta
from typing import Any
from zoneinfo import ZoneInfo

import pytest
from sqlalchemy import select

from bot import audit
from bot.db.models import AuditEntry, Coordinator, OutboxMessage
from bot.emulator import validate_blocks
from bot.keys import Kind
from bot.views.checkins import CheckinIds
from bot.views.coordinators import CoordinatorsIds
from bot.views.followups import FollowupIds
from bot.views.home import HomeIds
from tests.integration import test_checkins as base
from tests.integration.conftest import COORDINATOR, TEAM, Rig
from tests.integration.test_checkins import ANA, BEN, CARA, PARIS, at_once
from tests.integration.test_checkins_help import ask_help, open_modal
from tests.integration.test_followups import open_next, paired

cast_of_three = base.cast_of_three  # autouse: Ana, Ben and Cara enrolled
prompted = base.prompted  # Ben and Ana paired 20 days ago, both prompted for period 1


def at(user: str) -> str:
    """A mention as Slack escapes it in a slash command's text."""
    return f"<@{user}|{user[2:5].lower()}>"


def say(rig: Rig, user: str, text: str) -> str:
    """What `/mentor text` answered `user`: in the ack, or through the response URL."""
    before = len(rig.emulator.calls("response_url"))
    answer = rig.slack.slash_command(user, text)
    assert answer.status == 200
    if answer.json and answer.json.get("text"):
        return str(answer.json["text"])
    rig.settle()
    later = rig.emulator.calls("response_url")[before:]
    assert len(later) == 1, later
    assert later[0].args.get("response_type") == "ephemeral"
    return str(later[0].args["text"])


def shown(rig: Rig, user: str, text: str) -> dict[str, Any]:
    """The Block Kit answer to `/mentor text`, checked as Slack checks it."""
    answer = rig.slack.slash_command(user, text).json
    assert answer["response_type"] == "ephemeral"
    assert validate_blocks(answer["blocks"], surface="message") == []
    last = rig.emulator.last("ack")
    assert last is not None and last.ok  # the emulator showed it
    return answer


def granted(rig: Rig) -> dict[str, str]:
    with rig.runtime.deps.sessions() as session:
        return {c.slack_user_id: c.granted_by for c in session.scalars(select(Coordinator))}


def audited(rig: Rig, action: str) -> list[AuditEntry]:
    with rig.runtime.deps.sessions() as session:
        query = select(AuditEntry).where(AuditEntry.action == action).order_by(AuditEntry.id)
        return list(session.scalars(query))


def queued(rig: Rig, kind: Kind, user: str) -> list[OutboxMessage]:
    return [
        m
        for m in rig.outbox()
        if m.idempotency_key.startswith(f"{kind.value}:") and m.payload.get("channel") == user
    ]


def dms(rig: Rig, user: str, words: str) -> list[Any]:
    return [
        call
        for call in rig.emulator.calls("chat.postMessage")
        if call.ok and call.args["channel"] == user and words in json.dumps(call.args)
    ]


def coordinates(rig: Rig, user: str) -> bool:
    """What the person's own `/mentor help` and Home say of them."""
    helped = say(rig, user, "help")
    rig.slack.app_home_opened(user)
    rig.run_due()
    home = rig.emulator.home_view(user)
    assert home is not None
    on_home = "home.coordinator" in json.dumps(home["blocks"])
    assert ("/mentor match" in helped) == on_home
    return on_home


# --- the list --------------------------------------------------------------------------------


def test_the_list_shows_the_operators_coordinators_and_the_granted_ones_with_who_and_when(
    rig: Rig,
) -> None:
    say(rig, COORDINATOR, f"coordinators add {at(ANA)}")

    answer = shown(rig, COORDINATOR, "coordinators")

    blocks = {b.get("block_id"): json.dumps(b) for b in answer["blocks"]}
    assert f"<@{COORDINATOR}>" in blocks[CoordinatorsIds.FROM_SETTING_BLOCK]
    assert "MENTORBOT_ADMINS" in blocks[CoordinatorsIds.FROM_SETTING_BLOCK]
    assert f"<@{ANA}>, added by <@{COORDINATOR}> <!date^" in blocks[CoordinatorsIds.GRANTED_BLOCK]
    assert "coordinators add @someone" in blocks[CoordinatorsIds.HINT_BLOCK]
    assert answer["text"] == "The program has 2 coordinator(s)."


def test_help_lists_the_rights_commands_to_coordinators_only(rig: Rig) -> None:
    assert "/mentor coordinators [add|remove @someone]" in say(rig, COORDINATOR, "help")
    assert "/mentor audit [N]" in say(rig, COORDINATOR, "help")
    member = say(rig, ANA, "help")
    assert "/mentor coordinators" not in member and "/mentor audit" not in member


# --- adding --------------------------------------------------------------------------------


def test_someone_added_becomes_a_coordinator_is_welcomed_in_their_hours_and_it_is_audited(
    rig: Rig,
) -> None:
    assert not coordinates(rig, ANA)

    said = say(rig, COORDINATOR, f"coordinators add {at(ANA)}")

    assert said == (
        f":white_check_mark: <@{ANA}> is now a coordinator; I'll send them a short welcome."
    )
    assert granted(rig) == {ANA: COORDINATOR}
    [entry] = audited(rig, "coordinators.added")
    assert (entry.actor_slack_id, entry.subject_type, entry.subject_id) == (
        COORDINATOR,
        "person",
        ANA,
    )
    [welcome] = queued(rig, Kind.COORDINATOR_ADDED, ANA)
    local = welcome.not_before.astimezone(ZoneInfo(PARIS))
    assert local.weekday() < 5 and 9 <= local.hour < 17  # Ana's working day
    rig.run_due(welcome.not_before)
    [dm] = dms(rig, ANA, "made you a coordinator")
    assert f"<@{COORDINATOR}> made you a coordinator" in dm.args["text"]
    assert "/mentor help" in dm.args["text"]
    assert coordinates(rig, ANA)  # the promise of the welcome: help and Home have it all
    assert "Propose the best pairs" in say(rig, ANA, "help")


def test_several_people_can_be_added_at_once_each_answered_on_its_own_line(rig: Rig) -> None:
    said = say(rig, COORDINATOR, f"coordinators add {at(ANA)}, {at(BEN)} and <@{CARA}>")

    lines = said.splitlines()
    assert len(lines) == 3
    assert all("is now a coordinator" in line for line in lines)
    assert granted(rig) == {ANA: COORDINATOR, BEN: COORDINATOR, CARA: COORDINATOR}
    assert len(audited(rig, "coordinators.added")) == 3


def test_adding_someone_already_a_coordinator_changes_nothing_and_says_so(rig: Rig) -> None:
    say(rig, COORDINATOR, f"coordinators add {at(ANA)}")
    before = len(rig.outbox())

    again = say(rig, ANA, f"coordinators add {at(ANA)} {at(COORDINATOR)}")

    assert again.splitlines() == [
        f"You are already a coordinator (added by <@{COORDINATOR}>), so nothing changed.",
        f"<@{COORDINATOR}> is already a coordinator (set by the operator), so nothing changed.",
    ]
    assert granted(rig) == {ANA: COORDINATOR}
    assert len(audited(rig, "coordinators.added")) == 1
    assert len(rig.outbox()) == before


@pytest.mark.parametrize(
    ("account", "why"),
    [
        ({"is_bot": True}, "is a bot, and coordinators are people"),
        ({"deleted": True}, "account is deactivated"),
        ({"is_restricted": True}, "has a guest account"),
        (None, "I can't find"),
    ],
)
def test_a_bot_a_deactivated_or_guest_account_or_a_stranger_cannot_be_made_coordinator(
    rig: Rig, account: dict[str, bool] | None, why: str
) -> None:
    someone = "U0SOMEONE"
    if account is not None:
        rig.emulator.add_user(someone, name="someone", **account)

    said = say(rig, COORDINATOR, f"coordinators add {at(someone)}")

    assert why in said and said.endswith("so nothing changed.")
    assert granted(rig) == {}
    assert audited(rig, "coordinators.added") == []


def test_two_coordinators_adding_the_same_person_at_once_make_one_grant(rig: Rig) -> None:
    say(rig, COORDINATOR, f"coordinators add {at(BEN)}")
    before = len(rig.emulator.calls("response_url"))

    at_once(
        lambda: rig.slack.slash_command(COORDINATOR, f"coordinators add {at(ANA)}"),
        lambda: rig.slack.slash_command(BEN, f"coordinators add {at(ANA)}"),
    )
    rig.settle()

    answers = [c.args["text"] for c in rig.emulator.calls("response_url")[before:]]
    assert len(answers) == 2
    assert sum("is now a coordinator" in a for a in answers) == 1
    assert sum("is already a coordinator" in a for a in answers) == 1
    assert granted(rig)[ANA] in (COORDINATOR, BEN)
    assert len(audited(rig, "coordinators.added")) == 2  # Ben's, then one of Ana's
    assert len(queued(rig, Kind.COORDINATOR_ADDED, ANA)) == 1


# --- removing ------------------------------------------------------------------------------


def test_someone_removed_loses_every_right_at_once_is_told_and_it_is_audited(rig: Rig) -> None:
    say(rig, COORDINATOR, f"coordinators add {at(ANA)}")
    assert coordinates(rig, ANA)

    said = say(rig, COORDINATOR, f"coordinators remove {at(ANA)}")

    assert said == f":white_check_mark: <@{ANA}> is no longer a coordinator; I'll let them know."
    assert granted(rig) == {}
    [entry] = audited(rig, "coordinators.removed")
    assert (entry.actor_slack_id, entry.subject_id) == (COORDINATOR, ANA)
    rig.run_due()
    home = rig.emulator.home_view(ANA)  # redrawn without waiting for Ana to open it
    assert home is not None and "home.coordinator" not in json.dumps(home)
    assert not coordinates(rig, ANA)
    assert "for program coordinators" in say(rig, ANA, "match")
    assert "for program coordinators" in say(rig, ANA, f"coordinators add {at(BEN)}")
    [note] = queued(rig, Kind.COORDINATOR_REMOVED, ANA)
    rig.run_due(note.not_before)
    [dm] = dms(rig, ANA, "removed you from the mentorship program's coordinators")
    assert dm.args["text"].startswith(f"<@{COORDINATOR}> removed you")


def test_a_coordinator_may_step_down_and_is_answered_at_once_rather_than_by_dm(rig: Rig) -> None:
    say(rig, COORDINATOR, f"coordinators add {at(ANA)}")

    assert say(rig, ANA, f"coordinators remove {at(ANA)}") == "You are no longer a coordinator."
    assert granted(rig) == {}
    assert queued(rig, Kind.COORDINATOR_REMOVED, ANA) == []


def test_the_coordinators_set_by_the_operator_cannot_be_removed_in_slack(rig: Rig) -> None:
    say(rig, COORDINATOR, f"coordinators add {at(ANA)}")

    said = say(rig, ANA, f"coordinators remove {at(COORDINATOR)}")

    assert "through mentorbot's settings (`MENTORBOT_ADMINS`)" in said
    assert "can't be removed in Slack" in said
    assert audited(rig, "coordinators.removed") == []
    assert "/mentor match" in say(rig, COORDINATOR, "help")


def test_removing_someone_who_is_not_a_coordinator_changes_nothing(rig: Rig) -> None:
    before = len(rig.outbox())

    said = say(rig, COORDINATOR, f"coordinators remove {at(BEN)}")

    assert said == f"<@{BEN}> isn't a coordinator, so nothing changed."
    assert audited(rig, "coordinators.removed") == []
    assert len(rig.outbox()) == before


@pytest.mark.parametrize(
    ("typed", "hint"),
    [
        ("coordinators add @ana", "didn't understand `@ana`"),
        ("coordinators add", "makes someone a coordinator"),
        (f"coordinators promote {at(ANA)}", "didn't understand"),
        (f"coordinators remove {at(ANA)} please", "didn't understand `please`"),
        ("coordinators list everyone", "didn't understand"),
        ("coordinators add " + " ".join(at(f"U0PERSON{i:02}") for i in range(11)), "at most 10"),
    ],
)
def test_what_cannot_be_read_gets_the_usage_and_changes_nothing(
    rig: Rig, typed: str, hint: str
) -> None:
    said = say(rig, COORDINATOR, typed)

    assert hint in said
    assert "`/mentor coordinators add @someone`" in said
    assert granted(rig) == {}


# --- what a granted coordinator gets, and loses ---------------------------------------------


def test_a_granted_coordinator_is_asked_for_help_and_sees_the_board_until_removed(
    rig: Rig, prompted: datetime
) -> None:
    say(rig, COORDINATOR, f"coordinators add {at(CARA)}")
    open_modal(rig, ANA, CheckinIds.HELP, CheckinIds.HELP_CALLBACK)
    ask_help(rig, ANA, "Could someone help us find a rhythm?")
    rig.run_due(prompted + timedelta(minutes=1))

    assert len(dms(rig, CARA, "asked for help")) == 1
    rig.slack.app_home_opened(CARA)
    rig.run_due(prompted + timedelta(minutes=2))
    home = rig.emulator.home_view(CARA)
    assert home is not None and FollowupIds.HELP_HEADER in json.dumps(home)
    rig.slack.block_action(CARA, FollowupIds.HANDLED, view=home)
    rig.settle()
    assert [e.actor_slack_id for e in audited(rig, "followup.help_handled")] == [CARA]

    say(rig, COORDINATOR, f"coordinators remove {at(CARA)}")
    open_modal(rig, BEN, CheckinIds.HELP, CheckinIds.HELP_CALLBACK)
    ask_help(rig, BEN, "Another one.")
    rig.run_due(prompted + timedelta(minutes=3))

    assert len(dms(rig, CARA, "asked for help")) == 1  # not the second
    assert len(dms(rig, COORDINATOR, "asked for help")) == 2
    home = rig.emulator.home_view(CARA)
    assert home is not None and FollowupIds.HELP_HEADER not in json.dumps(home)
    assert HomeIds.ACTIONS_BLOCK in json.dumps(home)  # her own mentor's Home stays
    rig.slack.block_action(CARA, FollowupIds.HANDLED, view=rig.emulator.home_view(COORDINATOR))
    rig.settle()
    assert [e.action for e in audited(rig, "refused.followup.handled")] == [
        "refused.followup.handled"
    ]


def test_a_granted_coordinator_is_alerted_when_a_pair_stops_meeting(rig: Rig) -> None:
    say(rig, COORDINATOR, f"coordinators add {at(CARA)}")

    paired(rig, days_ago=66)
    for _ in range(4):  # three check-ins in a row pass without a meeting
        open_next(rig)

    [alert] = dms(rig, CARA, "haven't logged a meeting for a while")
    assert f"<@{BEN}> and <@{ANA}>" in alert.args["text"]
    assert len(dms(rig, COORDINATOR, "haven't logged a meeting for a while")) == 1
    home = rig.emulator.home_view(CARA)
    assert home is not None and f"{FollowupIds.PAIR_BLOCK}" in json.dumps(home)


# --- /mentor audit -------------------------------------------------------------------------


def test_audit_shows_the_latest_entries_newest_first_with_who_what_and_on_what(
    rig: Rig,
) -> None:
    say(rig, COORDINATOR, "topics add Speech recognition")
    say(rig, COORDINATOR, f"coordinators add {at(ANA)}")
    say(rig, BEN, "expiry 9")  # refused: Ben is not a coordinator

    answer = shown(rig, ANA, "audit 3")

    page = next(
        b for b in answer["blocks"] if b.get("block_id") == f"{CoordinatorsIds.AUDIT_PAGE}0"
    )
    lines = page["text"]["text"].splitlines()
    assert len(lines) == 3
    assert f":no_entry_sign: <@{BEN}> was refused `command.expiry`" in lines[0]
    assert "why: not a coordinator" in lines[0]
    assert f"<@{COORDINATOR}> made a coordinator: <@{ANA}>" in lines[1]
    assert f"<@{COORDINATOR}> added a topic" in lines[2] and "Speech recognition" in lines[2]
    assert all(line.startswith("<!date^") for line in lines)  # on the reader's own clock
    assert answer["text"] == "Audit trail: the latest 3"


def test_audit_of_the_most_entries_at_once_stays_within_slacks_limits(rig: Rig) -> None:
    now = datetime.now(UTC)
    with rig.runtime.deps.uow() as uow:
        for i in range(150):
            audit.record(  # what audit.refused stores, without 150 log lines
                uow.session,
                team_id=TEAM,
                actor=BEN,
                action="refused.round.drop",
                subject_type="match_round",
                subject_id="<&>" * 21,  # a forged id, as long as stored
                now=now + timedelta(hours=1, seconds=-i),  # newer than the enrollments
                detail={"why": "not a coordinator " + "and a long reason " * 20},
            )
        audit.record(
            uow.session,
            team_id="T0ELSEWHERE",
            actor="U0OTHER01",
            action="round.approved",
            subject_type="match_round",
            subject_id=1,
            now=now + timedelta(hours=2),
        )

    answer = shown(rig, COORDINATOR, "audit 500")

    assert len(answer["blocks"]) <= 50
    assert answer["text"] == "Audit trail: the latest 100"
    text = json.dumps(answer["blocks"])
    pages = [b["text"]["text"] for b in answer["blocks"] if b["type"] == "section"]
    assert sum(page.count(":no_entry_sign:") for page in pages) == 100
    assert all(len(page) <= 3000 for page in pages)
    assert "U0OTHER01" not in text  # another workspace's trail is not this one's
    assert "I show at most 100 at once" in text
    assert "<&>" not in text and "&lt;&amp;&gt;" in text


def test_audit_quotes_what_people_wrote_for_the_coordinators_and_nothing_private(
    rig: Rig,
) -> None:
    now = datetime.now(UTC)
    with rig.runtime.deps.uow() as uow:
        for action, detail in (
            ("checkin.help", {"text": "We lost touch.", "coordinators": [COORDINATOR]}),
            ("term.answer", {"usefulness": 4, "comment": "Ben was great."}),
            ("checkin.met", {"usefulness": 5, "notes": "I feel stuck at work."}),
            ("goals.something", {"title": "Become a staff engineer"}),
        ):
            audit.record(
                uow.session,
                team_id=TEAM,
                actor=ANA,
                action=action,
                subject_type="checkin",
                subject_id=1,
                now=now,
                detail=detail,
            )

    text = json.dumps(shown(rig, COORDINATOR, "audit")["blocks"], ensure_ascii=False)

    assert "said “We lost touch.”" in text and "comment “Ben was great.”" in text
    assert "stuck at work" not in text and "private notes (not shown)" in text
    assert "staff engineer" not in text and "title: _text not shown_" in text


def test_audit_takes_a_number_of_entries_or_explains(rig: Rig) -> None:
    for typed in ("audit soon", "audit 0", "audit -3"):
        assert say(rig, COORDINATOR, typed).startswith("Try `/mentor audit` for the latest 20")
