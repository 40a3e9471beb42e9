"""Cohorts: the coordinator's cohort form, the Members form, `/mentor cohort list`, the
Home section, and what people are told when a coordinator adds or moves them.

Pure builders: state in, Block Kit out. The handlers read fields by the ids in
`CohortIds`, so the two change together. Cohort names, objectives and topics are typed
by coordinators: escaped wherever they are shown in mrkdwn.
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from dataclasses import dataclass, field
from datetime import date

from slack_sdk.models.blocks import (
    ActionsBlock,
    Block,
    ButtonElement,
    ConversationFilter,
    ConversationSelectElement,
    DatePickerElement,
    InputBlock,
    RadioButtonsElement,
    StaticSelectElement,
    UserMultiSelectElement,
)
from slack_sdk.models.views import View

from bot.commands import COMMAND
from bot.db.enums import Cadence, EnrollmentRole
from bot.profile import DEFAULT_TOPICS
from bot.views.find import find_again_actions
from bot.views.inputs import CADENCE_LABELS, option, select_input, text_input
from bot.views.text import check_metadata, clip, escape, excerpt, section

NAME_MAX = 80
OBJECTIVE_MAX = 150  # the free-text objective ("other")
TOPICS_TEXT_MAX = 3000  # Slack's limit for a text input
MAX_MEMBERS = 30  # people added or removed in one go: the work fits in Slack's 3 s
MAX_PICKED = 100  # cohorts offered in a select (Slack's limit on options)
HOME_SHOWN = 8  # cohorts named on a coordinator's Home; the rest are "+N more"
HOME_NAME_SHOWN = 80  # of each name there, before escaping
HOME_SECTION_MAX = 3000  # Slack's limit on a section's text

OTHER = "other"
# Stored as the key; "other" stores the coordinator's own words instead.
OBJECTIVES: Mapping[str, str] = {
    "onboarding": "Onboarding",
    "skills": "Skills",
    "leadership": "Leadership",
    "diversity_and_inclusion": "Diversity and inclusion",
    OTHER: "Other (say what)",
}
OPEN, CLOSED = "open", "closed"
ROLE_LABELS: Mapping[EnrollmentRole, str] = {
    EnrollmentRole.MENTEE: "Mentees (looking for a mentor)",
    EnrollmentRole.MENTOR: "Mentors",
    EnrollmentRole.BOTH: "Both mentor and mentee",
}
ROLE_PLURALS: Mapping[EnrollmentRole, str] = {
    EnrollmentRole.MENTEE: "mentees",
    EnrollmentRole.MENTOR: "mentors",
    EnrollmentRole.BOTH: "mentors and mentees",
}
ROLE_PHRASES: Mapping[EnrollmentRole, str] = {
    EnrollmentRole.MENTEE: "a mentee",
    EnrollmentRole.MENTOR: "a mentor",
    EnrollmentRole.BOTH: "a mentor and a mentee",
}


class CohortIds:
    # the cohort form (create or edit)
    CALLBACK = "cohorts.save"
    SAVED_CALLBACK = "cohorts.saved"
    INTRO_BLOCK = "cohorts.intro"
    PICK_BLOCK = "cohorts.pick"
    PICK = "cohorts.pick_input"
    NAME_BLOCK = "cohorts.name"
    NAME_ACTION = "cohorts.name_input"
    OBJECTIVE_BLOCK = "cohorts.objective"
    OBJECTIVE_ACTION = "cohorts.objective_input"
    OTHER_BLOCK = "cohorts.objective_other"
    OTHER_ACTION = "cohorts.objective_other_input"
    STARTS_BLOCK = "cohorts.starts"
    STARTS_ACTION = "cohorts.starts_input"
    ENDS_BLOCK = "cohorts.ends"
    ENDS_ACTION = "cohorts.ends_input"
    CADENCE_BLOCK = "cohorts.cadence"
    CADENCE_ACTION = "cohorts.cadence_input"
    ENROLLMENT_BLOCK = "cohorts.enrollment"
    ENROLLMENT_ACTION = "cohorts.enrollment_input"
    CHANNEL_BLOCK = "cohorts.channel"
    CHANNEL_ACTION = "cohorts.channel_input"
    TOPICS_BLOCK = "cohorts.topics"
    TOPICS_ACTION = "cohorts.topics_input"
    SAVED_BLOCK = "cohorts.saved_text"
    # the Members form
    MEMBERS_CALLBACK = "cohorts.members"
    MEMBERS_INTRO_BLOCK = "cohorts.members_intro"
    MEMBERS_COHORT_BLOCK = "cohorts.members_cohort"
    MEMBERS_COHORT_ACTION = "cohorts.members_cohort_input"
    ADD_BLOCK = "cohorts.add"
    ADD_ACTION = "cohorts.add_input"
    ROLE_BLOCK = "cohorts.role"
    ROLE_ACTION = "cohorts.role_input"
    REMOVE_BLOCK = "cohorts.remove"
    REMOVE_ACTION = "cohorts.remove_input"
    # the coordinator's Home
    HOME_BLOCK = "cohorts.home"
    HOME_ACTIONS_BLOCK = "cohorts.home_actions"
    HOME_COHORT = "cohorts.home_cohort"
    HOME_MEMBERS = "cohorts.home_members"
    # what people are told
    ADDED_BLOCK = "cohorts.added"
    ADDED_ACTIONS_BLOCK = "cohorts.added_actions"
    PROFILE = "cohorts.profile"  # "Fill in my profile": opens the enrollment form
    TOLD_BLOCK = "cohorts.told"


# --- state -----------------------------------------------------------------------------


@dataclass(frozen=True)
class CohortFields:
    """What the cohort form shows: a cohort's settings, or a new one's defaults."""

    name: str = ""
    objective: str | None = None  # a key of OBJECTIVES, or the coordinator's own words
    starts_on: date | None = None
    ends_on: date | None = None
    cadence: Cadence = Cadence.BIWEEKLY
    enrollment_open: bool = True
    channel_id: str | None = None
    topics: tuple[str, ...] = DEFAULT_TOPICS


@dataclass(frozen=True)
class CohortForm:
    program_id: int | None  # None: a new cohort
    fields: CohortFields = field(default_factory=CohortFields)
    cohorts: tuple[tuple[int, str], ...] = ()  # (id, name) of the workspace's cohorts


@dataclass(frozen=True)
class Saved:
    name: str
    created: bool
    ends_on: date | None
    terms_moved: int  # pairs whose end of term moved with the cohort's end date


@dataclass(frozen=True)
class CohortCounts:
    """One line of `/mentor cohort list` (every number from a SQL aggregate)."""

    name: str
    enrollment_open: bool
    starts_on: date | None
    ends_on: date | None
    objective: str | None
    mentors: int
    mentees: int
    active_pairs: int
    waiting: int


@dataclass(frozen=True)
class MembersForm:
    program_id: int | None  # None: the coordinator chooses the cohort in the form
    name: str | None
    cohorts: tuple[tuple[int, str], ...] = ()


@dataclass(frozen=True)
class EndedPair:
    removed_user_id: str
    partner_user_id: str


@dataclass(frozen=True)
class MembersOutcome:
    """What a Members change did, for the coordinator's summary."""

    cohort: str
    role: EnrollmentRole
    added: tuple[str, ...] = ()
    already_in: tuple[str, ...] = ()
    elsewhere: tuple[tuple[str, str], ...] = ()  # (user, the cohort they are in)
    removed: tuple[str, ...] = ()
    not_in: tuple[str, ...] = ()
    ended: tuple[EndedPair, ...] = ()


@dataclass(frozen=True)
class CohortLine:
    name: str
    enrollment_open: bool
    # Its numbers as program health counts them (bot/stats), when the Home has them.
    mentors: int | None = None
    mentees: int | None = None
    pairs: int | None = None  # running or paused
    waiting: int | None = None


@dataclass(frozen=True)
class CohortPanel:
    """The cohorts section of a coordinator's App Home."""

    lines: tuple[CohortLine, ...]
    total: int


# --- the cohort form ----------------------------------------------------------------------


def cohort_modal(form: CohortForm) -> View:
    """Create a cohort (no id) or edit one; a select at the top switches to another."""
    private_metadata = str(form.program_id) if form.program_id is not None else ""
    check_metadata(private_metadata)
    f = form.fields
    editing = form.program_id is not None
    intro = (
        f"Editing *{escape(f.name)}*. Changes apply from now on; a new end date also moves "
        "the end-of-term survey of its pairs that were not asked yet."
        if editing
        else "A cohort is one run of the program: people join it, get matched within it, "
        "and its end date is when pairs are asked how their term went."
    )
    blocks: list[Block] = [section(CohortIds.INTRO_BLOCK, intro)]
    if form.cohorts:
        blocks.append(_pick_block(form))
    blocks += [
        text_input(
            CohortIds.NAME_BLOCK, CohortIds.NAME_ACTION, "Name", f.name, NAME_MAX,
            placeholder="e.g. Spring 2030 engineering", optional=False,
        ),
        _objective_block(f.objective),
        text_input(
            CohortIds.OTHER_BLOCK, CohortIds.OTHER_ACTION, "Objective, in your words",
            f.objective if _is_other(f.objective) else "", OBJECTIVE_MAX,
            placeholder="Only if you chose Other above", optional=True,
        ),
        _date_input(CohortIds.STARTS_BLOCK, CohortIds.STARTS_ACTION, "Starts on", f.starts_on),
        _date_input(
            CohortIds.ENDS_BLOCK, CohortIds.ENDS_ACTION, "Ends on", f.ends_on,
            hint="Pairs get the end-of-term survey on this day.",
        ),
        select_input(
            CohortIds.CADENCE_BLOCK, CohortIds.CADENCE_ACTION, "Default meeting cadence",
            [(c.value, CADENCE_LABELS[c]) for c in Cadence], f.cadence.value,
            hint="For pairs whose mentee did not choose one.",
        ),
        _radio(
            CohortIds.ENROLLMENT_BLOCK, CohortIds.ENROLLMENT_ACTION, "Enrollment",
            [(OPEN, "Open: people can join it with /mentor join"),
             (CLOSED, "Closed: only coordinators add people")],
            OPEN if f.enrollment_open else CLOSED,
        ),
        InputBlock(
            block_id=CohortIds.CHANNEL_BLOCK,
            label="Announcement channel",
            hint="Where the cohort's announcements are posted.",
            optional=True,
            element=ConversationSelectElement(
                action_id=CohortIds.CHANNEL_ACTION,
                placeholder="Choose a channel",
                initial_conversation=f.channel_id,
                filter=ConversationFilter(include=["public", "private"], exclude_bot_users=True),
            ),
        ),
        text_input(
            CohortIds.TOPICS_BLOCK, CohortIds.TOPICS_ACTION, "Topics, one per line",
            "\n".join(f.topics), TOPICS_TEXT_MAX, multiline=True, optional=True,
            hint="People pick from these when they join. Removing one takes it off the "
            "profiles that chose it.",
        ),
    ]  # fmt: skip
    return View(
        type="modal",
        callback_id=CohortIds.CALLBACK,
        title="Edit cohort" if editing else "New cohort",
        submit="Save" if editing else "Create",
        close="Cancel",
        private_metadata=private_metadata or None,
        blocks=blocks,
    )


def saved_modal(saved: Saved) -> View:
    """What replaces the form once it is saved."""
    what = "created" if saved.created else "saved"
    lines = [f":white_check_mark: *{escape(saved.name)}* is {what}."]
    if saved.terms_moved:
        pairs = "1 pair" if saved.terms_moved == 1 else f"{saved.terms_moved} pairs"
        when = f"on {day(saved.ends_on)}" if saved.ends_on else "six months after they began"
        lines.append(f"The end of term of {pairs} now falls {when}, with the cohort's end.")
    lines.append(
        f"See every cohort with `{COMMAND} cohort list`; add or remove people with "
        f"`{COMMAND} cohort members NAME`."
    )
    return View(
        type="modal",
        callback_id=CohortIds.SAVED_CALLBACK,
        title="Cohort saved",
        close="Done",
        blocks=[section(CohortIds.SAVED_BLOCK, "\n".join(lines))],
    )


def _pick_block(form: CohortForm) -> ActionsBlock:
    options = [option(str(pid), name) for pid, name in form.cohorts[:MAX_PICKED]]
    chosen = next((o for o in options if o.value == str(form.program_id)), None)
    return ActionsBlock(
        block_id=CohortIds.PICK_BLOCK,
        elements=[
            StaticSelectElement(
                action_id=CohortIds.PICK,
                placeholder="Edit a cohort instead",
                options=options,
                initial_option=chosen,
            )
        ],
    )


def _objective_block(objective: str | None) -> InputBlock:
    chosen = OTHER if _is_other(objective) else objective
    return select_input(
        CohortIds.OBJECTIVE_BLOCK, CohortIds.OBJECTIVE_ACTION, "Objective",
        list(OBJECTIVES.items()), chosen,
    )  # fmt: skip


def _is_other(objective: str | None) -> bool:
    return objective is not None and objective not in OBJECTIVES


def objective_label(objective: str | None) -> str | None:
    """How an objective reads: its label, or the coordinator's own words."""
    if objective is None or objective == OTHER:
        return None
    return OBJECTIVES.get(objective, objective)


# --- `/mentor cohort list` ----------------------------------------------------------------


def list_text(rows: Sequence[CohortCounts]) -> str:
    if not rows:
        return f"No cohort yet. Create one with `{COMMAND} cohort`."
    lines = [f"*Cohorts* ({len(rows)})"]
    for row in rows:
        about = ["enrollment open" if row.enrollment_open else "enrollment closed"]
        if row.starts_on or row.ends_on:
            about.append(dates(row.starts_on, row.ends_on))
        if label := objective_label(row.objective):
            about.append(excerpt(label, 60, one_line=True))
        lines.append(f"• *{escape(row.name)}*: {', '.join(about)}")
        lines.append(
            f"   {_count(row.mentors, 'mentor')}, {_count(row.mentees, 'mentee')}, "
            f"{_count(row.active_pairs, 'active pair')}, {row.waiting} waiting for a mentor"
        )
    lines.append(
        f"Edit one with `{COMMAND} cohort edit NAME`, its people with "
        f"`{COMMAND} cohort members NAME`."
    )
    return "\n".join(lines)


# --- the Members form ---------------------------------------------------------------------


def members_modal(form: MembersForm) -> View:
    private_metadata = str(form.program_id) if form.program_id is not None else ""
    check_metadata(private_metadata)
    blocks: list[Block] = []
    if form.program_id is not None and form.name is not None:
        intro = f"People in *{escape(form.name)}*."
    else:
        intro = "Choose the cohort, then the people to add or to move out."
    blocks.append(
        section(
            CohortIds.MEMBERS_INTRO_BLOCK,
            intro + " A person is in one cohort at a time. Everyone concerned is told, kindly, "
            "and you get a summary of what changed.",
        )
    )
    if form.program_id is None:
        options = [option(str(pid), name) for pid, name in form.cohorts[:MAX_PICKED]]
        blocks.append(
            InputBlock(
                block_id=CohortIds.MEMBERS_COHORT_BLOCK,
                label="Cohort",
                element=StaticSelectElement(
                    action_id=CohortIds.MEMBERS_COHORT_ACTION,
                    placeholder="Choose a cohort",
                    options=options,
                    initial_option=options[0] if len(options) == 1 else None,
                ),
            )
        )
    blocks += [
        _users(
            CohortIds.ADD_BLOCK, CohortIds.ADD_ACTION, "Add people",
            "They get a welcome message pointing at their profile.",
        ),
        _radio(
            CohortIds.ROLE_BLOCK, CohortIds.ROLE_ACTION, "Add them as",
            [(r.value, ROLE_LABELS[r]) for r in EnrollmentRole], EnrollmentRole.MENTEE.value,
        ),
        _users(
            CohortIds.REMOVE_BLOCK, CohortIds.REMOVE_ACTION, "Move people out",
            "Their mentorships in this cohort end; their partners are told kindly and "
            "mentees are offered a new match.",
        ),
    ]  # fmt: skip
    return View(
        type="modal",
        callback_id=CohortIds.MEMBERS_CALLBACK,
        title="Members",
        submit="Save",
        close="Cancel",
        private_metadata=private_metadata or None,
        blocks=blocks,
    )


def members_summary(outcome: MembersOutcome) -> str:
    """The coordinator's summary of a Members change, by DM."""
    lines = [f"*Members of {escape(outcome.cohort)}*"]
    if outcome.added:
        lines.append(
            f"• Added as {ROLE_PLURALS[outcome.role]}: {_at(outcome.added)}. "
            "Each gets a welcome message in their working hours, pointing at their profile."
        )
    if outcome.already_in:
        lines.append(f"• Already in this cohort: {_at(outcome.already_in)}.")
    for user, cohort in outcome.elsewhere:
        lines.append(
            f"• <@{user}> is in *{escape(cohort)}*, so was not added: move them out of it first."
        )
    if outcome.removed:
        lines.append(f"• Moved out: {_at(outcome.removed)}. Each is told, kindly.")
    if ended := outcome.ended:
        pairs = "; ".join(f"<@{e.removed_user_id}> with <@{e.partner_user_id}>" for e in ended)
        lines.append(
            f"• {_count(len(ended), 'mentorship')} ended: {pairs}. The partners are told "
            "kindly, mentors' slots are free again, and mentees are offered *Find a mentor*."
        )
    if outcome.not_in:
        lines.append(f"• Not in this cohort, so nothing to do: {_at(outcome.not_in)}.")
    return "\n".join(lines)


# --- what people are told -----------------------------------------------------------------


def added_message(cohort: str, *, by_user_id: str, role: EnrollmentRole) -> tuple[str, list[Block]]:
    """The welcome of someone a coordinator added: it points at their profile."""
    goal = (
        "what you can help with, so mentees who fit find you"
        if role is EnrollmentRole.MENTOR
        else "your goals and how you'd like to meet, so we can find you a good match"
    )
    text = (
        f":wave: Welcome! <@{by_user_id}> has added you to *{escape(cohort)}*, the mentorship "
        f"program, as {ROLE_PHRASES[role]}. Tell us a little about {goal}: press *Fill in my "
        f"profile*, or type `{COMMAND} profile` any time."
    )
    button = ButtonElement(
        text="Fill in my profile", action_id=CohortIds.PROFILE, value="profile", style="primary"
    )
    return text.replace("*", ""), [
        section(CohortIds.ADDED_BLOCK, text),
        ActionsBlock(block_id=CohortIds.ADDED_ACTIONS_BLOCK, elements=[button]),
    ]


def removed_message(
    cohort: str, *, by_user_id: str, partners: Sequence[str]
) -> tuple[str, list[Block]]:
    """The person a coordinator moved out of a cohort."""
    text = (
        f"<@{by_user_id}>, one of the program's coordinators, has moved you out of "
        f"*{escape(cohort)}*."
    )
    if partners:
        plural = len(partners) > 1
        text += (
            f" Your mentorship{'s' if plural else ''} with {_at(partners)} "
            f"{'have' if plural else 'has'} ended, and we've let "
            f"{'each of them' if plural else 'them'} know, kindly."
        )
    text += f" Thank you for taking part. To take part again, talk to <@{by_user_id}>."
    return text.replace("*", ""), [section(CohortIds.TOLD_BLOCK, text)]


def partner_told(
    cohort: str, *, removed_user_id: str, partner_is_mentee: bool
) -> tuple[str, list[Block]]:
    """The partner of someone moved out: their pair has ended, through no fault of theirs."""
    opening = (
        f"Your mentorship with <@{removed_user_id}> has ended: a coordinator moved them out of "
        f"*{escape(cohort)}*. It says nothing about either of you."
    )
    if partner_is_mentee:
        text = f"{opening} Press *Find a mentor* to see who fits your goals now."
        return text.replace("*", ""), [section(CohortIds.TOLD_BLOCK, text), find_again_actions()]
    text = (
        f"{opening} Thank you for the time you gave; your mentee slot is free again for "
        "someone new."
    )
    return text.replace("*", ""), [section(CohortIds.TOLD_BLOCK, text)]


# --- the coordinator's Home ---------------------------------------------------------------


def home_section(panel: CohortPanel) -> list[Block]:
    if panel.lines:
        lines = [_home_line(line) for line in panel.lines[:HOME_SHOWN]]
        more = panel.total - len(lines)
        text = _home_text(lines, more)
        while len(text) > HOME_SECTION_MAX:  # long names, escaped: fewer lines, "+N more"
            lines.pop()
            more += 1
            text = _home_text(lines, more)
    else:
        text = "*Cohorts*: none yet. Create the first one to open enrollment."
    buttons = [
        ButtonElement(text="New or edit cohort", action_id=CohortIds.HOME_COHORT, value="cohort"),
        ButtonElement(text="Members", action_id=CohortIds.HOME_MEMBERS, value="members"),
    ]
    return [
        section(CohortIds.HOME_BLOCK, text),
        ActionsBlock(block_id=CohortIds.HOME_ACTIONS_BLOCK, elements=buttons),
    ]


def _home_line(line: CohortLine) -> str:
    name = escape(clip(line.name, HOME_NAME_SHOWN))
    text = f"• *{name}* ({'open' if line.enrollment_open else 'closed'})"
    if line.mentors is not None and line.mentees is not None:
        text += f": {_count(line.mentors, 'mentor')}, {_count(line.mentees, 'mentee')}"
        if line.pairs is not None and line.waiting is not None:
            text += f", {_count(line.pairs, 'pair')}, {line.waiting} waiting"
    return text


def _home_text(lines: list[str], more: int) -> str:
    tail = [f"_and {more} more: `{COMMAND} cohort list` shows every one._"] if more > 0 else []
    return "\n".join(["*Cohorts*", *lines, *tail])


# --- short answers ------------------------------------------------------------------------

COORDINATORS_ONLY = (
    "Sorry, that's for the program's coordinators, so nothing was changed. "
    "If you think you should be one, ask whoever runs the mentorship program."
)
COHORT_GONE = "Sorry, that cohort isn't in this workspace any more, so nothing was changed."
NO_COHORT_YET = f"There's no cohort yet: create one with `{COMMAND} cohort`."
USAGE = (
    f"Try `{COMMAND} cohort` to create one, `{COMMAND} cohort list`, "
    f"`{COMMAND} cohort edit NAME` or `{COMMAND} cohort members NAME`."
)


def unknown_cohort_text(name: str, known: Sequence[str]) -> str:
    shown = ", ".join(f"*{escape(n)}*" for n in known[:20]) or "none yet"
    return f"There's no cohort called “{escape(clip(name, 80))}”. The cohorts are: {shown}."


# --- pieces -------------------------------------------------------------------------------


def day(value: date | None) -> str:
    return f"{value.day} {value:%B %Y}" if value else ""


def dates(starts_on: date | None, ends_on: date | None) -> str:
    if starts_on and ends_on:
        return f"{day(starts_on)} to {day(ends_on)}"
    return f"from {day(starts_on)}" if starts_on else f"until {day(ends_on)}"


def _count(n: int, what: str) -> str:
    return f"{n} {what}" + ("" if n == 1 else "s")


def _at(users: Sequence[str]) -> str:
    return ", ".join(f"<@{u}>" for u in users)


def _date_input(
    block_id: str, action_id: str, label: str, value: date | None, hint: str | None = None
) -> InputBlock:
    return InputBlock(
        block_id=block_id,
        label=label,
        hint=hint,
        optional=True,
        element=DatePickerElement(
            action_id=action_id,
            placeholder="Choose a day",
            initial_date=value.isoformat() if value else None,
        ),
    )


def _radio(
    block_id: str, action_id: str, label: str, choices: Sequence[tuple[str, str]], selected: str
) -> InputBlock:
    options = [option(value, text) for value, text in choices]
    return InputBlock(
        block_id=block_id,
        label=label,
        element=RadioButtonsElement(
            action_id=action_id,
            options=options,
            initial_option=next((o for o in options if o.value == selected), None),
        ),
    )


def _users(block_id: str, action_id: str, label: str, hint: str) -> InputBlock:
    return InputBlock(
        block_id=block_id,
        label=label,
        hint=hint,
        optional=True,
        element=UserMultiSelectElement(
            action_id=action_id, placeholder="Choose people", max_selected_items=MAX_MEMBERS
        ),
    )
