"""Forged but validly signed payloads: what a member could send, and what they must get.

Shared by tests/integration/test_forged_payloads.py and bench/forged_payloads.py. Each
forgery sends one payload through the bot's real /slack/events endpoint and returns the
words the sender was answered with (from the ack, a response_url or a DM). Each names
what it aims at (`TARGETS`: an action id, a callback id, an event or a `/mentor`
subcommand), so a test can tell which coordinator actions have none; the forged payload
test checks that the payload sent is indeed aimed there.
"""

from __future__ import annotations

import json
from collections.abc import Callable, Mapping
from dataclasses import dataclass
from datetime import UTC, datetime
from typing import Any

from sqlalchemy import select

from bot import mentorships
from bot.db.base import Base
from bot.db.enums import EnrollmentRole, RoundStatus
from bot.db.models import (
    Coordinator,
    HelpRequest,
    MatchRound,
    Mentorship,
    MentorshipRequest,
    Person,
)
from bot.find import Search
from bot.home import home_state
from bot.programs import current_program
from bot.requests import Choice, decline, open_chain
from bot.views.announcements import AnnounceIds
from bot.views.cohorts import (
    CohortForm,
    CohortIds,
    CohortPanel,
    MembersForm,
    cohort_modal,
    home_section,
    members_modal,
)
from bot.views.find import FindIds, MentorCard, note_modal
from bot.views.followups import EndForm, FollowupIds, end_modal
from bot.views.home import home_view
from bot.views.requests import RequestIds
from bot.views.roster import RosterIds, import_modal
from bot.views.roster import home_section as roster_home_section
from bot.views.rounds import RoundIds
from bot.views.stats import StatsIds
from tests.integration.cast import enroll
from tests.integration.conftest import COORDINATOR, TEAM, Rig

ANA, DEV, ELI = "U0ANA0001", "U0DEV0001", "U0ELI0001"  # mentees
BEN, CARA = "U0BEN0001", "U0CARA001"  # mentors; Cara already said no to Ana
GRANTED = "U0GRANT01"  # a coordinator granted in Slack
ELSEWHERE = "T0ELSEWHERE"  # another workspace served by the same database
# Where a refusal may (must) leave a trace; processed_events also remembers every
# signature seen, to refuse replays.
UNWATCHED = {"audit_entries", "outbox_messages", "processed_events"}


@dataclass(frozen=True)
class World:
    program_id: int
    request_id: int  # Ana -> Ben, pending, its DM delivered
    ids: dict[str, int]  # person id by Slack id
    round_id: int
    round_view: dict[str, Any]  # the coordinator's proposal modal (Dev and Eli waiting)
    at_risk: int  # Cara mentors Dev (started after the round): active, on the at-risk list
    paused: int  # Cara mentors Eli: paused, on the at-risk list too
    ask_id: int  # Dev asked the coordinators for help
    board: dict[str, Any]  # the coordinator's App Home, with the buttons of both lists
    end_view: dict[str, Any]  # "End and rematch" for Dev's pair, as the coordinator sees it
    elsewhere_round_id: int  # a round of another workspace


def stage(rig: Rig) -> World:
    for user in (ANA, DEV, ELI):
        enroll(rig, user, EnrollmentRole.MENTEE)
    for user in (BEN, CARA):
        enroll(rig, user, EnrollmentRole.MENTOR, goals="Help people grow.", bio="ML lead.")
    now = datetime.now(UTC)
    with rig.runtime.deps.sessions() as session:
        program = current_program(session, TEAM, now)
        people = {p.slack_user_id: p for p in session.scalars(select(Person))}
        [said_no] = open_chain(
            session, program=program, mentee=people[ANA], choices=[Choice(people[CARA])],
            note=None, now=now,
        )  # fmt: skip
        decline(session, said_no.id, actor_user_id=CARA, reason=None, now=now)
        [asked] = open_chain(
            session, program=program, mentee=people[ANA], choices=[Choice(people[BEN])],
            note="Hello", now=now,
        )  # fmt: skip
        session.commit()
        world_ids = {user: p.id for user, p in people.items()}
        program_id, request_id = program.id, asked.id
    rig.slack.slash_command(COORDINATOR, "match")
    # The first round in a process loads the matcher (~1 s alone, far more on a busy machine).
    rig.emulator.wait_for("views.update", timeout=60)
    rig.run_due()
    with rig.runtime.deps.sessions() as session:
        round_id = session.scalar(select(MatchRound.id))
    view = rig.emulator.top_view(COORDINATOR)
    assert view is not None and round_id is not None
    pairs, ask_id, board, elsewhere = _stage_the_board(rig, world_ids)
    metadata = json.dumps({"mentorship": pairs[0]})
    end_view = end_modal(EndForm(pairs[0], CARA, DEV), private_metadata=metadata).to_dict()
    rig.run_due()
    rig.emulator.clear()
    return World(
        program_id, request_id, world_ids, round_id, view, pairs[0], pairs[1], ask_id, board,
        end_view | {"id": "VFORGED06"}, elsewhere,
    )  # fmt: skip


def _stage_the_board(rig: Rig, ids: dict[str, int]) -> tuple[list[int], int, dict[str, Any], int]:
    """Two at-risk pairs (one paused), an ask for help, a granted coordinator, and a round
    in another workspace; the coordinator's Home as it then shows."""
    now = datetime.now(UTC)
    rig.emulator.add_user(GRANTED, name="granted")
    with rig.runtime.deps.uow() as uow:
        session = uow.session
        program = current_program(session, TEAM, now)
        pairs = []
        for mentor, mentee in ((CARA, DEV), (CARA, ELI)):
            started = mentorships.start(
                session, program, session.get(Person, ids[mentor]),
                session.get(Person, ids[mentee]), score=None, reasons=[], now=now,
                default_tz="UTC")  # fmt: skip
            assert started is not None
            started.at_risk_since = now
            pairs.append(started.id)
        paused = session.get(Mentorship, pairs[1])
        assert paused is not None and mentorships.pause(session, paused)
        ask = HelpRequest(
            team_id=TEAM, mentorship_id=pairs[0], asker_id=ids[DEV], text="We never meet."
        )
        session.add(ask)
        session.add(Coordinator(team_id=TEAM, slack_user_id=GRANTED, granted_by=COORDINATOR))
        other = current_program(session, ELSEWHERE, now)
        elsewhere = MatchRound(
            team_id=ELSEWHERE, program_id=other.id, created_by="U0OTHER01",
            status=RoundStatus.PROPOSED, created_at=now, stats={},
        )  # fmt: skip
        session.add(elsewhere)
        session.flush()
        state = home_state(session, rig.settings, team_id=TEAM, user_id=COORDINATOR, now=now)
        board = home_view(state).to_dict() | {"id": "VHOME0001"}
        return pairs, ask.id, board, elsewhere.id


Forgery = Callable[[Rig, World], str]
# What a payload is aimed at: ("action", action_id), ("view", callback_id),
# ("event", "message.file_share") or ("command", the /mentor subcommand).
Target = tuple[str, str]
TARGETS: dict[str, Target] = {}


def forges(kind: str, name: str) -> Callable[[Forgery], Forgery]:
    def aimed(forgery: Forgery) -> Forgery:
        TARGETS[forgery.__name__] = (kind, name)
        return forgery

    return aimed


def target_of(payload: Mapping[str, Any]) -> Target | None:
    """What a payload the driver sent is aimed at (see Target)."""
    if "command" in payload:
        words = str(payload.get("text") or "").split()
        return ("command", words[0].lower() if words else "")
    kind = payload.get("type")
    if kind == "block_actions":
        return ("action", str(payload["actions"][0]["action_id"]))
    if kind == "view_submission":
        return ("view", str(payload["view"]["callback_id"]))
    if kind == "event_callback":
        event = payload["event"]
        subtype = event.get("subtype")
        return ("event", f"{event['type']}.{subtype}" if subtype else str(event["type"]))
    return None


def snapshot(rig: Rig) -> dict[str, list[tuple[Any, ...]]]:
    """Every row of every table a refusal must leave alone."""
    with rig.runtime.deps.sessions() as session:
        return {
            table.name: [tuple(row) for row in session.execute(select(table)).all()]
            for table in Base.metadata.sorted_tables
            if table.name not in UNWATCHED
        }


def refusals(rig: Rig) -> list[str]:
    with rig.runtime.deps.sessions() as session:
        from bot.db.models import AuditEntry

        return list(
            session.scalars(select(AuditEntry.action).where(AuditEntry.action.like("refused.%")))
        )


def dm_text(rig: Rig, user: str) -> str:
    rig.settle()
    return " ".join(
        str(m.payload.get("text")) for m in rig.outbox() if m.payload.get("channel") == user
    )


def _ben_request_message(rig: Rig, w: World) -> dict[str, Any]:
    return {
        "type": "message",
        "ts": "1700000000.000100",
        "channel": rig.emulator.dm_channel_id(BEN),
        "blocks": [
            {
                "type": "actions",
                "block_id": RequestIds.REQUEST_ACTIONS_BLOCK,
                "elements": [
                    {"type": "button", "action_id": a, "value": str(w.request_id),
                     "text": {"type": "plain_text", "text": a}}
                    for a in (RequestIds.ACCEPT, RequestIds.DECLINE)
                ],
            }
        ],
    }  # fmt: skip


def _responded(rig: Rig) -> str:
    rig.settle()
    last = rig.emulator.last("response_url")
    return str(last.args) if last else ""


@forges("action", RequestIds.DECLINE)
def decline_opened_by_someone_else(rig: Rig, w: World) -> str:
    rig.slack.block_action(CARA, RequestIds.DECLINE, message=_ben_request_message(rig, w))
    answer = _responded(rig)
    assert rig.emulator.calls("views.open") == []  # no modal, so no mentee's name
    return answer


@forges("action", RequestIds.ACCEPT)
def accept_by_someone_else(rig: Rig, w: World) -> str:
    rig.slack.block_action(CARA, RequestIds.ACCEPT, message=_ben_request_message(rig, w))
    return _responded(rig)


def _decline_view(request: object, **extra: Any) -> dict[str, Any]:
    return {
        "id": "VFORGED01",
        "type": "modal",
        "callback_id": RequestIds.DECLINE_CALLBACK,
        "private_metadata": json.dumps({"request": request, **extra}),
        "blocks": [],
    }


@forges("view", RequestIds.DECLINE_CALLBACK)
def decline_submitted_by_someone_else(rig: Rig, w: World) -> str:
    response = rig.slack.view_submission(CARA, view=_decline_view(w.request_id))
    return str(response.json)


@forges("view", RequestIds.DECLINE_CALLBACK)
def decline_of_a_40_digit_request(rig: Rig, w: World) -> str:
    response = rig.slack.view_submission(BEN, view=_decline_view("9" * 40))
    return str(response.json)


def _note_view(w: World, picks: list[int], program_id: int | None = None) -> dict[str, Any]:
    spec = Search(program_id or w.program_id, tuple(picks))
    card = MentorCard(picks[0], BEN, "Ben", None, (), (), 0.5, "")
    view = note_modal([card], private_metadata=spec.to_metadata()).to_dict()
    return view | {"id": "VFORGED02"}


@forges("view", FindIds.NOTE_CALLBACK)
def send_to_a_mentor_who_said_no(rig: Rig, w: World) -> str:
    return str(rig.slack.view_submission(ANA, view=_note_view(w, [w.ids[CARA]])).json)


@forges("view", FindIds.NOTE_CALLBACK)
def send_to_someone_who_is_not_a_mentor(rig: Rig, w: World) -> str:
    return str(rig.slack.view_submission(ANA, view=_note_view(w, [w.ids[DEV]])).json)


@forges("view", FindIds.NOTE_CALLBACK)
def send_to_oneself(rig: Rig, w: World) -> str:
    return str(rig.slack.view_submission(ANA, view=_note_view(w, [w.ids[ANA]])).json)


@forges("view", FindIds.NOTE_CALLBACK)
def send_in_another_workspaces_program(rig: Rig, w: World) -> str:
    view = _note_view(w, [w.ids[BEN]], program_id=w.program_id + 1000)
    return str(rig.slack.view_submission(ANA, view=view).json)


@forges("view", FindIds.NOTE_CALLBACK)
def send_with_unreadable_state(rig: Rig, w: World) -> str:
    view = _note_view(w, [w.ids[BEN]]) | {"private_metadata": "9" * 40}
    return str(rig.slack.view_submission(ANA, view=view).json)


@forges("action", FindIds.CHOOSE)
def choose_someone_who_is_not_a_mentor(rig: Rig, w: World) -> str:
    view = {
        "id": "VFORGED03",
        "type": "modal",
        "callback_id": FindIds.SUGGESTIONS_CALLBACK,
        "private_metadata": Search(w.program_id).to_metadata(),
        "blocks": [
            {"type": "section", "block_id": f"{FindIds.CARD_PREFIX}x",
             "text": {"type": "mrkdwn", "text": "x"},
             "accessory": {"type": "button", "action_id": FindIds.CHOOSE,
                           "value": str(w.ids[DEV]), "text": {"type": "plain_text", "text": "C"}}}
        ],
    }  # fmt: skip
    rig.slack.block_action(ANA, FindIds.CHOOSE, view=view)
    return dm_text(rig, ANA)


def _member_round_view(w: World) -> dict[str, Any]:
    return w.round_view | {"id": "VFORGED04"}


@forges("action", RoundIds.DROP)
def round_drop_by_a_member(rig: Rig, w: World) -> str:
    rig.slack.block_action(DEV, RoundIds.DROP, view=_member_round_view(w))
    return dm_text(rig, DEV)


@forges("action", RoundIds.SWAP)
def round_swap_by_a_member(rig: Rig, w: World) -> str:
    view = _member_round_view(w)
    swap = {
        "type": "button",
        "action_id": RoundIds.SWAP,
        "text": {"type": "plain_text", "text": "S"},
    }
    view["blocks"] = [*view["blocks"], {"type": "actions", "block_id": "s", "elements": [swap]}]
    rig.slack.block_action(DEV, RoundIds.SWAP, view=view)
    return dm_text(rig, DEV)


@forges("view", RoundIds.CALLBACK)
def round_approve_by_a_member(rig: Rig, w: World) -> str:
    rig.slack.view_submission(DEV, view=_member_round_view(w))
    return dm_text(rig, DEV)


@forges("view", RoundIds.CALLBACK)
def round_approve_of_another_workspaces_round(rig: Rig, w: World) -> str:
    """A coordinator here is not one there: an id naming another workspace's round."""
    view = w.round_view | {"id": "VFORGED07", "private_metadata": str(w.elsewhere_round_id)}
    rig.slack.view_submission(COORDINATOR, view=view)
    return dm_text(rig, COORDINATOR)


def _board_click(action_id: str, what: str) -> Forgery:
    def run(rig: Rig, w: World) -> str:
        rig.slack.block_action(DEV, action_id, view=w.board)
        return dm_text(rig, DEV)

    run.__name__ = f"{what.replace(' ', '_')}_by_a_member"
    return forges("action", action_id)(run)


@forges("view", FollowupIds.END_CALLBACK)
def end_confirmed_by_a_member(rig: Rig, w: World) -> str:
    return str(rig.slack.view_submission(DEV, view=w.end_view).json)


def _cohort_view(w: World, program_id: int | None) -> dict[str, Any]:
    form = CohortForm(program_id, cohorts=((w.program_id, "Mentorship program"),))
    return cohort_modal(form).to_dict() | {"id": "VFORGED10"}


_COHORT_VALUES = {
    CohortIds.NAME_BLOCK: {CohortIds.NAME_ACTION: "Forged cohort"},
    CohortIds.OBJECTIVE_BLOCK: {CohortIds.OBJECTIVE_ACTION: "skills"},
}


@forges("view", CohortIds.CALLBACK)
def cohort_created_by_a_member(rig: Rig, w: World) -> str:
    rig.slack.view_submission(DEV, view=_cohort_view(w, None), values=_COHORT_VALUES)
    return dm_text(rig, DEV)


@forges("view", CohortIds.CALLBACK)
def cohort_edited_by_a_member(rig: Rig, w: World) -> str:
    view = _cohort_view(w, w.program_id)
    rig.slack.view_submission(DEV, view=view, values=_COHORT_VALUES)
    return dm_text(rig, DEV)


@forges("action", CohortIds.PICK)
def cohort_picked_for_editing_by_a_member(rig: Rig, w: World) -> str:
    view = _cohort_view(w, None)
    rig.slack.block_action(DEV, CohortIds.PICK, value=str(w.program_id), view=view)
    return dm_text(rig, DEV)


def _home_with_cohort_buttons() -> dict[str, Any]:
    blocks = [block.to_dict() for block in home_section(CohortPanel((), 0))]
    return {"id": "VFORGED11", "type": "home", "blocks": blocks}


@forges("action", CohortIds.HOME_COHORT)
def cohort_form_from_home_by_a_member(rig: Rig, w: World) -> str:
    rig.slack.block_action(DEV, CohortIds.HOME_COHORT, view=_home_with_cohort_buttons())
    return dm_text(rig, DEV)


@forges("action", CohortIds.HOME_MEMBERS)
def members_form_from_home_by_a_member(rig: Rig, w: World) -> str:
    rig.slack.block_action(DEV, CohortIds.HOME_MEMBERS, view=_home_with_cohort_buttons())
    return dm_text(rig, DEV)


def _members_view(program_id: int) -> dict[str, Any]:
    form = MembersForm(program_id, "Mentorship program")
    return members_modal(form).to_dict() | {"id": "VFORGED12"}


@forges("view", CohortIds.MEMBERS_CALLBACK)
def members_moved_out_by_a_member(rig: Rig, w: World) -> str:
    values = {CohortIds.REMOVE_BLOCK: {CohortIds.REMOVE_ACTION: [BEN]}}
    rig.slack.view_submission(DEV, view=_members_view(w.program_id), values=values)
    return dm_text(rig, DEV)


@forges("view", CohortIds.MEMBERS_CALLBACK)
def members_of_another_workspaces_cohort(rig: Rig, w: World) -> str:
    values = {CohortIds.ADD_BLOCK: {CohortIds.ADD_ACTION: [DEV]}}
    view = _members_view(w.program_id + 1000)
    rig.slack.view_submission(COORDINATOR, view=view, values=values)
    rig.settle()
    return " ".join(
        str(m.payload.get("text"))
        for m in rig.outbox()
        if m.payload.get("channel") == COORDINATOR and "workspace" in str(m.payload.get("text"))
    )


def _announce_view(callback: str, **metadata: object) -> dict[str, Any]:
    back = {
        "type": "button",
        "action_id": AnnounceIds.BACK,
        "value": "1",
        "text": {"type": "plain_text", "text": "Back"},
    }
    return {
        "id": "VFORGED20",
        "type": "modal",
        "callback_id": callback,
        "private_metadata": json.dumps(metadata),
        "blocks": [{"type": "actions", "block_id": "b", "elements": [back]}],
    }


@forges("view", AnnounceIds.FORM_CALLBACK)
def announce_form_by_a_member(rig: Rig, w: World) -> str:
    view = _announce_view(AnnounceIds.FORM_CALLBACK)
    return str(rig.slack.view_submission(DEV, view=view).json)


@forges("view", AnnounceIds.CONFIRM_CALLBACK)
def announce_send_by_a_member(rig: Rig, w: World) -> str:
    view = _announce_view(AnnounceIds.CONFIRM_CALLBACK, announcement=1)
    return str(rig.slack.view_submission(DEV, view=view).json)


@forges("action", AnnounceIds.BACK)
def announce_back_by_a_member(rig: Rig, w: World) -> str:
    view = _announce_view(AnnounceIds.CONFIRM_CALLBACK, announcement=1)
    rig.slack.block_action(DEV, AnnounceIds.BACK, view=view)
    return dm_text(rig, DEV)


@forges("action", AnnounceIds.CANCEL)
def announce_cancel_by_a_member(rig: Rig, w: World) -> str:
    cancel = {
        "type": "button",
        "action_id": AnnounceIds.CANCEL,
        "value": "1",
        "text": {"type": "plain_text", "text": "Cancel"},
    }
    message = {
        "type": "message", "ts": "1700000000.000200", "channel": "C0GENERAL",
        "blocks": [{"type": "section", "block_id": "i", "accessory": cancel,
                    "text": {"type": "mrkdwn", "text": "x"}}],
    }  # fmt: skip
    rig.slack.block_action(DEV, AnnounceIds.CANCEL, message=message)
    return _responded(rig)


@forges("view", AnnounceIds.MILESTONES_CALLBACK)
def announce_milestones_by_a_member(rig: Rig, w: World) -> str:
    view = _announce_view(AnnounceIds.MILESTONES_CALLBACK, program=w.program_id)
    return str(rig.slack.view_submission(DEV, view=view).json)


def _stats_button(action_id: str, value: str) -> dict[str, Any]:
    """The coordinator's Home section with its chart and export buttons, as a member could
    forge it (members' Homes never carry it)."""
    return {
        "id": "VFORGED06",
        "type": "home",
        "blocks": [
            {"type": "actions", "block_id": f"{StatsIds.ACTIONS}{value}",
             "elements": [{"type": "button", "action_id": action_id, "value": value,
                           "text": {"type": "plain_text", "text": "Chart"}}]}
        ],
    }  # fmt: skip


@forges("action", StatsIds.CHART)
def stats_chart_by_a_member(rig: Rig, w: World) -> str:
    rig.slack.block_action(DEV, StatsIds.CHART, view=_stats_button(StatsIds.CHART, "all"))
    return dm_text(rig, DEV)


@forges("action", StatsIds.EXPORT)
def stats_export_by_a_member(rig: Rig, w: World) -> str:
    view = _stats_button(StatsIds.EXPORT, str(w.program_id))
    rig.slack.block_action(DEV, StatsIds.EXPORT, view=view)
    return dm_text(rig, DEV)


ROSTER_CSV = "email,role\nben@example.com,mentee\n"


@forges("action", RosterIds.IMPORT)
def roster_import_button_by_a_member(rig: Rig, w: World) -> str:
    blocks = [b.to_dict() for b in roster_home_section()]
    home = {"id": "VFORGED06", "type": "home", "blocks": blocks}
    rig.slack.block_action(DEV, RosterIds.IMPORT, view=home)
    answer = dm_text(rig, DEV)
    assert rig.emulator.calls("views.open") == []
    return answer


@forges("view", RosterIds.MODAL_CALLBACK)
def roster_import_submitted_by_a_member(rig: Rig, w: World) -> str:
    view = import_modal().to_dict() | {"id": "VFORGED07"}
    picked = rig.emulator.add_file(DEV, "roster.csv", ROSTER_CSV)
    values = {RosterIds.FILE_BLOCK: {RosterIds.FILE_ACTION: [picked]}}
    answer = str(rig.slack.view_submission(DEV, view=view, values=values).json)
    assert rig.emulator.calls("files.info") == []
    return answer


@forges("event", "message.file_share")
def roster_file_dropped_by_a_member(rig: Rig, w: World) -> str:
    shared = rig.emulator.add_file(DEV, "roster.csv", ROSTER_CSV, share_in_dm=True)
    rig.slack.file_share(DEV, [shared])
    answer = dm_text(rig, DEV)
    assert rig.emulator.calls("files.info") == []
    return answer


def _command(user: str, text: str) -> Forgery:
    def run(rig: Rig, w: World) -> str:
        return str(rig.slack.slash_command(user, text).json)

    run.__name__ = f"command {text}"
    return forges("command", text.split()[0])(run)


FORGERIES: dict[str, Forgery] = {
    f.__name__: f
    for f in (
        decline_opened_by_someone_else,
        accept_by_someone_else,
        decline_submitted_by_someone_else,
        decline_of_a_40_digit_request,
        send_to_a_mentor_who_said_no,
        send_to_someone_who_is_not_a_mentor,
        send_to_oneself,
        send_in_another_workspaces_program,
        send_with_unreadable_state,
        choose_someone_who_is_not_a_mentor,
        round_drop_by_a_member,
        round_swap_by_a_member,
        round_approve_by_a_member,
        round_approve_of_another_workspaces_round,
        _board_click(FollowupIds.NUDGE, "nudge again"),
        _board_click(FollowupIds.PAUSE, "pause a pair"),
        _board_click(FollowupIds.RESUME, "resume a pair"),
        _board_click(FollowupIds.END, "end and rematch"),
        end_confirmed_by_a_member,
        _board_click(FollowupIds.HANDLED, "mark an ask handled"),
        roster_import_button_by_a_member,
        roster_import_submitted_by_a_member,
        roster_file_dropped_by_a_member,
        _command(DEV, "match"),
        _command(DEV, "expiry"),
        _command(DEV, "expiry 7"),
        _command(DEV, "topics"),
        _command(DEV, "topics add Forgery"),
        _command(DEV, "coordinators"),
        _command(DEV, f"coordinators add <@{DEV}|dev>"),
        _command(DEV, f"coordinators remove <@{GRANTED}|granted>"),
        _command(DEV, "audit 100"),
        cohort_created_by_a_member,
        cohort_edited_by_a_member,
        cohort_picked_for_editing_by_a_member,
        cohort_form_from_home_by_a_member,
        members_form_from_home_by_a_member,
        members_moved_out_by_a_member,
        members_of_another_workspaces_cohort,
        _command(DEV, "cohort"),
        _command(DEV, "cohort list"),
        _command(DEV, "cohort edit Mentorship program"),
        _command(DEV, "cohort members Mentorship program"),
        announce_form_by_a_member,
        announce_send_by_a_member,
        announce_back_by_a_member,
        announce_cancel_by_a_member,
        announce_milestones_by_a_member,
        _command(DEV, "announce"),
        _command(DEV, "announce list"),
        _command(DEV, "announce milestones"),
        stats_chart_by_a_member,
        stats_export_by_a_member,
        _command(DEV, "stats"),
        _command(DEV, "stats chart"),
        _command(DEV, "stats export"),
    )
}
# A polite word in each answer: what the sender is told instead of a silence.
POLITE = ("someone else", "Sorry", "already been answered")


def request_status(rig: Rig, request_id: int) -> str:
    with rig.runtime.deps.sessions() as session:
        request = session.get(MentorshipRequest, request_id)
        return request.status.value if request else ""
