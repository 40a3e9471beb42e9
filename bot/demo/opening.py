"""The demo's first day: the coordinators set up a cohort, a dozen people join through
the form, Ana finds Ben with `/mentor find`, and a round pairs everyone else."""

from __future__ import annotations

import json
import re
from datetime import timedelta
from typing import Any

from bot.demo import cast
from bot.demo.stage import DemoError, Stage
from bot.views.cohorts import CohortIds
from bot.views.enrollment import EnrollmentIds, submission_values
from bot.views.find import FindIds
from bot.views.requests import RequestIds
from bot.views.rounds import RoundIds

JsonDict = dict[str, Any]
_SOLVE_TIME = re.compile(r", solved in \d+(?:\.\d+)? s")  # measured: varies between runs
NOTE = "Could we meet for 30 minutes every week? I'd love help planning the move into ML."
COHORT_WEEKS = 12


def open_the_program(stage: Stage) -> None:
    t, coco, raj = stage.transcript, cast.COCO, cast.RAJ
    t.say(
        f"{coco.name} ({coco.title}, {coco.city}) runs the company's mentorship program. "
        "She opens mentorbot in Slack."
    )
    t.surface(f"{coco.first}'s Home tab", "home", stage.open_home(coco.user_id))

    t.say(f"She makes {raj.name} ({raj.title}, {raj.city}) a coordinator too.")
    stage.command(coco.user_id, f"coordinators add <@{raj.user_id}|{raj.first.lower()}>")
    show_reply(stage, f"{coco.first} types /mentor coordinators add @{raj.first}")

    stage.command(coco.user_id, "cohort")
    form = stage.modal(coco.user_id, CohortIds.CALLBACK)
    t.surface(f"{coco.first} types /mentor cohort: the cohort form", "modal", form)
    starts = stage.clock().date()
    saved = stage.submit(
        coco.user_id,
        {
            CohortIds.NAME_BLOCK: {CohortIds.NAME_ACTION: cast.COHORT},
            CohortIds.OBJECTIVE_BLOCK: {CohortIds.OBJECTIVE_ACTION: "skills"},
            CohortIds.STARTS_BLOCK: {CohortIds.STARTS_ACTION: starts.isoformat()},
            CohortIds.ENDS_BLOCK: {
                CohortIds.ENDS_ACTION: (starts + timedelta(weeks=COHORT_WEEKS)).isoformat()
            },
            CohortIds.CADENCE_BLOCK: {CohortIds.CADENCE_ACTION: "weekly"},
            CohortIds.CHANNEL_BLOCK: {CohortIds.CHANNEL_ACTION: cast.CHANNEL},
        },
    )
    t.surface(f"{coco.first} saves it", "modal", saved.json.get("view") or {})


def everyone_joins(stage: Stage) -> None:
    t = stage.transcript
    t.say(
        f"A dozen people from {len({p.city for p in cast.PARTICIPANTS})} cities join with "
        "/mentor join; each fills in the same form."
    )
    for index, person in enumerate(cast.PARTICIPANTS):
        stage.command(person.user_id, "join")
        view = stage.modal(person.user_id)
        if view.get("callback_id") == EnrollmentIds.COHORT_CALLBACK:
            if index == 0:
                t.surface(f"{person.first} types /mentor join: which cohort?", "modal", view)
            choice = _option_value(view, cast.COHORT)
            stage.submit(
                person.user_id, {EnrollmentIds.COHORT_BLOCK: {EnrollmentIds.COHORT_ACTION: choice}}
            )
            view = stage.modal(person.user_id, EnrollmentIds.CALLBACK)
        if index == 0:
            t.surface(f"{person.first}'s join form", "modal", view)
        stage.submit(person.user_id, submission_values(person.profile()))
        role = "a mentor" if person.profile().mentors else "a mentee"
        t.say(
            f"{person.name}, {person.title} in {person.city}, joins as {role}: "
            f"{', '.join(person.topics)}."
        )
    stage.tick()
    show_fresh(stage)


def ana_finds_a_mentor(stage: Stage) -> str:
    """Ana searches, picks Ben (or whoever comes first), writes a note; they accept."""
    t, ana = stage.transcript, cast.ANA
    t.surface(f"{ana.first} opens her Home tab", "home", stage.open_home(ana.user_id))
    stage.command(ana.user_id, "find")
    suggestions = stage.wait_modal(ana.user_id, FindIds.CHOOSE)
    t.surface(f"{ana.first} types /mentor find", "modal", suggestions)
    mentor_person_id, mentor = _pick(suggestions, cast.BEN.user_id)
    stage.click(ana.user_id, FindIds.CHOOSE, value=mentor_person_id)
    stage.submit(ana.user_id)  # Next: the note
    t.surface(
        f"{ana.first} chooses @{mentor.first} and adds a note", "modal", stage.modal(ana.user_id)
    )
    stage.submit(ana.user_id, {FindIds.NOTE_BLOCK: {FindIds.NOTE_ACTION: NOTE}})
    stage.tick()
    show_fresh(stage)
    stage.click(mentor.user_id, RequestIds.ACCEPT)
    t.say(f"{mentor.first} clicks Accept.")
    stage.tick()
    show_fresh(stage)
    return mentor.user_id


def a_round_pairs_the_rest(stage: Stage) -> None:
    t, coco = stage.transcript, cast.COCO
    t.say(f"{coco.first} asks the matcher for a round: everyone still waiting, at once.")
    stage.command(coco.user_id, f"match {cast.COHORT}")
    proposal = stage.wait_modal(coco.user_id, RoundIds.CALLBACK)
    t.surface(
        f"{coco.first} types /mentor match {cast.COHORT}", "modal", _without_solve_time(proposal)
    )
    t.say(
        "(The proposal also says how long the solver took; the demo leaves that figure out, "
        "as it is the one thing that differs from run to run.)"
    )
    stage.submit(coco.user_id)
    t.say(f"{coco.first} reads the reasons and clicks Approve.")
    stage.tick()
    show_fresh(stage)


def show_fresh(
    stage: Stage, shown_kinds: set[str] | None = None
) -> list[tuple[JsonDict, tuple[str, ...]]]:
    """Tell what just arrived in people's Slack: the first of each kind in full, the
    rest of that kind as one line each (`shown_kinds` remembers kinds across calls)."""
    kinds = set() if shown_kinds is None else shown_kinds
    fresh = stage.fresh()
    for message, users in fresh:
        kind = message_kind(message)
        stage.transcript.surface(
            where(stage, message, users), surface_kind(message, users), message,
            brief=kind in kinds,
        )  # fmt: skip
        kinds.add(kind)
    return fresh


def show_reply(stage: Stage, title: str) -> None:
    """What the bot answered a command with: Slack shows the ack's text (or a later
    reply) to that person alone, and so it arrives with the next messages."""
    stage.transcript.say(title + ".")
    stage.tick()
    show_fresh(stage)


def surface_kind(message: JsonDict, users: tuple[str, ...]) -> str:
    if message.get("is_ephemeral"):
        return "reply"
    return "channel" if message.get("channel") == cast.CHANNEL else "dm"


def message_kind(message: JsonDict) -> str:
    """What sort of message: the bot's own block ids (named with a dot), else its text."""
    named = sorted(
        b["block_id"] for b in message.get("blocks") or () if "." in b.get("block_id", "")
    )
    return "|".join(named) or str(message.get("text", ""))[:40]


def where(stage: Stage, message: JsonDict, users: tuple[str, ...]) -> str:
    names = [cast.BY_ID[u].first for u in users]
    if message.get("is_ephemeral"):
        return f"only {names[0]} sees, {stage.local(users[0])}"
    if message.get("channel") == cast.CHANNEL:
        return f"#{cast.CHANNEL_NAME}, {stage.local(users[0])}"
    if len(users) == 1:
        return f"{names[0]}'s DM, {stage.local(users[0])}"
    return f"group DM of {' and '.join(names)}, {stage.local(users[0])}"


def _without_solve_time(view: JsonDict) -> JsonDict:
    return json.loads(_SOLVE_TIME.sub("", json.dumps(view)))


def _option_value(view: JsonDict, text: str) -> str:
    for block in view["blocks"]:
        for option in (block.get("element") or {}).get("options", []):
            if option["text"]["text"] == text:
                return str(option["value"])
    raise DemoError(f"no option {text!r} in the {view.get('callback_id')} form")


def _pick(view: JsonDict, wanted: str) -> tuple[str, cast.Person]:
    """The suggestion that names `wanted`, else the first: (its value, that person)."""
    choices = [
        (str(block["accessory"]["value"]), block)
        for block in view["blocks"]
        if (block.get("accessory") or {}).get("action_id") == FindIds.CHOOSE
    ]
    if not choices:
        raise DemoError("/mentor find suggested nobody")
    for value, block in choices:
        if f"<@{wanted}>" in str(block):
            return value, cast.BY_ID[wanted]
    value, block = choices[0]
    named = next(p for p in cast.MENTORS if f"<@{p.user_id}>" in str(block))
    return value, named
