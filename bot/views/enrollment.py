"""The enrollment modal (join / edit one's profile) and the leave confirmation.

Pure builders: state in, `View` out. `bot.enrollment_form` parses what the modal
submits, keyed by the ids in `EnrollmentIds`, so the two must change together.

Topic lists (Slack allows 100 options per list, 100 options per group):
- up to 100 topics: one flat list in the program's order;
- 101 to `MAX_TOPIC_CHOICES`: option groups of at most 100, sorted alphabetically
  and labelled by their first letters ("Topics A–L"), so a long list stays findable;
- beyond `MAX_TOPIC_CHOICES` (a guard for the 250 kB view limit, not a real program):
  the first `MAX_TOPIC_CHOICES` in program order, plus any the person already chose.
"""

from __future__ import annotations

import math
from collections.abc import Mapping, Sequence
from dataclasses import dataclass
from datetime import date, time
from typing import Any

from slack_sdk.models.blocks import (
    Block,
    ContextBlock,
    InputBlock,
    MarkdownTextObject,
    Option,
    OptionGroup,
    RadioButtonsElement,
    SectionBlock,
    StaticMultiSelectElement,
    StaticSelectElement,
    TimePickerElement,
)
from slack_sdk.models.views import View

from bot.commands import COMMAND
from bot.db.enums import Cadence, EnrollmentRole, ExperienceLevel, MeetingFormat
from bot.profile import (
    BIO_MAX,
    CAPACITY_RANGE,
    DEFAULT_CADENCE,
    DEFAULT_CAPACITY,
    DEFAULT_EXPERIENCE,
    DEFAULT_FORMAT,
    DEFAULT_MENTORS_WANTED,
    DEFAULT_ROLE,
    GOALS_MAX,
    MAX_TOPICS,
    MENTORS_WANTED_RANGE,
    FormDefaults,
    Profile,
)
from bot.views.cohorts import dates, objective_label
from bot.views.inputs import (
    CADENCE_LABELS,
    OPTION_TEXT,
    find_option,
    option,
    select_input,
    text_input,
)
from bot.views.text import check_metadata, clip

MAX_OPTIONS = 100  # per options list and per option group
MAX_OPTION_VALUE = 150
TIMEZONE_MAX = 64  # the longest IANA name is about 30 characters
MAX_TOPIC_CHOICES = 300  # keeps the worst case (4-byte characters everywhere) under 250 kB


class EnrollmentIds:
    CALLBACK = "enrollment.submit"
    LEAVE_CALLBACK = "enrollment.leave"
    # the first page of the join form when several cohorts are open
    COHORT_CALLBACK = "enrollment.cohort"
    COHORT_INTRO_BLOCK = "enrollment.cohort_intro"
    COHORT_BLOCK = "enrollment.cohort_choice"
    COHORT_ACTION = "enrollment.cohort_choice.input"

    INTRO_BLOCK = "enrollment.intro"
    NO_TOPICS_BLOCK = "enrollment.no_topics"
    LEAVE_BLOCK = "enrollment.leave_text"

    ROLE_BLOCK = "enrollment.role"
    ROLE_ACTION = "enrollment.role.input"
    TOPICS_BLOCK = "enrollment.topics"
    TOPICS_ACTION = "enrollment.topics.input"
    GOALS_BLOCK = "enrollment.goals"
    GOALS_ACTION = "enrollment.goals.input"
    BIO_BLOCK = "enrollment.bio"
    BIO_ACTION = "enrollment.bio.input"
    EXPERIENCE_BLOCK = "enrollment.experience"
    EXPERIENCE_ACTION = "enrollment.experience.input"
    CAPACITY_BLOCK = "enrollment.capacity"
    CAPACITY_ACTION = "enrollment.capacity.input"
    MENTORS_WANTED_BLOCK = "enrollment.mentors_wanted"
    MENTORS_WANTED_ACTION = "enrollment.mentors_wanted.input"
    CADENCE_BLOCK = "enrollment.cadence"
    CADENCE_ACTION = "enrollment.cadence.input"
    FORMAT_BLOCK = "enrollment.format"
    FORMAT_ACTION = "enrollment.format.input"
    TIMEZONE_BLOCK = "enrollment.timezone"
    TIMEZONE_ACTION = "enrollment.timezone.input"
    WORKDAY_START_BLOCK = "enrollment.workday_start"
    WORKDAY_START_ACTION = "enrollment.workday_start.input"
    WORKDAY_END_BLOCK = "enrollment.workday_end"
    WORKDAY_END_ACTION = "enrollment.workday_end.input"


# Option texts. The parser reads only values; the texts live here so
# `submission_values` can echo what Slack would send.
ROLE_LABELS: Mapping[EnrollmentRole, str] = {
    EnrollmentRole.MENTEE: "I'm looking for a mentor",
    EnrollmentRole.MENTOR: "I'd like to mentor others",
    EnrollmentRole.BOTH: "Both",
}
ROLE_DESCRIPTIONS: Mapping[EnrollmentRole, str] = {
    EnrollmentRole.MENTEE: "Get matched with someone who has walked the path",
    EnrollmentRole.MENTOR: "Share what you've learned with people starting out",
    EnrollmentRole.BOTH: "Find a mentor and mentor others too",
}
EXPERIENCE_LABELS: Mapping[ExperienceLevel, str] = {
    ExperienceLevel.STUDENT: "Student / intern",
    ExperienceLevel.ENTRY: "Early career (0-2 years)",
    ExperienceLevel.MID: "Mid-level",
    ExperienceLevel.SENIOR: "Senior",
    ExperienceLevel.STAFF: "Staff",
    ExperienceLevel.PRINCIPAL: "Principal / leader",
}
FORMAT_LABELS: Mapping[MeetingFormat, str] = {
    MeetingFormat.VIDEO: "Video call",
    MeetingFormat.IN_PERSON: "In person",
    MeetingFormat.CHAT: "Chat",
}
MENTORS_WANTED_LABELS: Mapping[int, str] = {
    1: "One primary mentor",
    2: "Two: a primary plus one for another topic",
    3: "Three: a primary plus two for other topics",
}


def capacity_label(n: int) -> str:
    return f"{n} mentee" if n == 1 else f"{n} mentees"


GOALS_PLACEHOLDER = (
    "e.g. I'm a backend engineer moving into ML engineering and want help choosing "
    "a first project and preparing for interviews."
)
BIO_PLACEHOLDER = (
    "e.g. Eight years in data engineering, the last three shipping recommendation "
    "models. Happy to help with MLOps and career moves."
)
TIMEZONE_HINT = "An IANA time zone such as Europe/Paris; prompts arrive in your working hours"
WORKDAY_HINT = (
    "On weekdays, in your time zone. Check-in reminders reach you an hour after your day starts."
)


@dataclass(frozen=True)
class CohortOption:
    """An open cohort a newcomer may choose."""

    program_id: int
    name: str
    objective: str | None = None
    starts_on: date | None = None
    ends_on: date | None = None


@dataclass(frozen=True)
class CohortChoice:
    """Several cohorts are open: the join form first asks which one."""

    cohorts: tuple[CohortOption, ...]


def cohort_choice_modal(choice: CohortChoice) -> View:
    """The join form's first page: which of the open cohorts to join (a static select).

    Each cohort has its own topics, so the profile page follows once one is chosen.
    """
    options = [
        Option(
            value=str(c.program_id),
            text=clip(c.name, OPTION_TEXT),
            description=_cohort_line(c) or None,
        )
        for c in choice.cohorts[:MAX_OPTIONS]
    ]
    return View(
        type="modal",
        callback_id=EnrollmentIds.COHORT_CALLBACK,
        title="Join mentorbot",
        submit="Next",
        close="Cancel",
        blocks=[
            SectionBlock(
                block_id=EnrollmentIds.COHORT_INTRO_BLOCK,
                text=MarkdownTextObject(
                    text="Several cohorts are open right now. Choose the one you'd like to "
                    "join; next you'll tell us about yourself. You're in one cohort at a time."
                ),
            ),
            InputBlock(
                block_id=EnrollmentIds.COHORT_BLOCK,
                label="Cohort",
                element=StaticSelectElement(
                    action_id=EnrollmentIds.COHORT_ACTION,
                    placeholder="Choose a cohort",
                    options=options,
                ),
            ),
        ],
    )


def _cohort_line(cohort: CohortOption) -> str:
    parts = [label] if (label := objective_label(cohort.objective)) else []
    if cohort.starts_on or cohort.ends_on:
        parts.append(dates(cohort.starts_on, cohort.ends_on))
    return clip(" · ".join(parts), OPTION_TEXT)


def clock(value: time) -> str:
    """HH:mm, the form Slack's timepicker shows and sends."""
    return f"{value:%H:%M}"


def enrollment_modal(
    *,
    topics: Sequence[str],
    profile: Profile | None,
    defaults: FormDefaults,
    editing: bool,
    private_metadata: str = "",
) -> View:
    """The join / edit form, pre-filled from `profile` (or sensible defaults)."""
    check_metadata(private_metadata)
    offered, chosen = _offer_topics(topics, profile.topics if profile else defaults.topics)

    blocks: list[Block] = [
        SectionBlock(
            block_id=EnrollmentIds.INTRO_BLOCK, text=MarkdownTextObject(text=_intro(editing))
        )
    ]
    blocks.append(_role_block(profile.role if profile else DEFAULT_ROLE))
    if offered:
        blocks.append(_topics_block(offered, chosen))
    else:
        # An input with no options is rejected by Slack; the parser then asks for no topic.
        blocks.append(
            ContextBlock(
                block_id=EnrollmentIds.NO_TOPICS_BLOCK,
                elements=[
                    MarkdownTextObject(
                        text="Topics will appear here once a coordinator adds them. You can "
                        f"pick yours later with `{COMMAND} profile`."
                    )
                ],
            )
        )
    blocks += [
        text_input(
            block_id=EnrollmentIds.GOALS_BLOCK,
            action_id=EnrollmentIds.GOALS_ACTION,
            label="Your goals",
            hint="Looking for a mentor: what you want to get out of it. "
            "Mentoring: what you want from mentoring others.",
            placeholder=GOALS_PLACEHOLDER,
            value=profile.goals if profile else "",
            max_length=GOALS_MAX,
            multiline=True,
            optional=False,
        ),
        text_input(
            block_id=EnrollmentIds.BIO_BLOCK,
            action_id=EnrollmentIds.BIO_ACTION,
            label="About you",
            hint="For mentors: your path and what you can help with.",
            placeholder=BIO_PLACEHOLDER,
            value=profile.bio if profile else "",
            max_length=BIO_MAX,
            multiline=True,
            optional=True,
        ),
        select_input(
            block_id=EnrollmentIds.EXPERIENCE_BLOCK,
            action_id=EnrollmentIds.EXPERIENCE_ACTION,
            label="Where are you in your career?",
            choices=[
                (level.value, EXPERIENCE_LABELS[level])
                for level in sorted(ExperienceLevel, key=lambda lvl: lvl.rank)
            ],
            selected=(profile.experience if profile else DEFAULT_EXPERIENCE).value,
            fallback=DEFAULT_EXPERIENCE.value,
        ),
        select_input(
            block_id=EnrollmentIds.CAPACITY_BLOCK,
            action_id=EnrollmentIds.CAPACITY_ACTION,
            label="How many mentees can you take? (mentors only)",
            hint="We never send you more requests than this.",
            choices=[(str(n), capacity_label(n)) for n in CAPACITY_RANGE],
            selected=str(profile.capacity if profile else DEFAULT_CAPACITY),
            fallback=str(DEFAULT_CAPACITY),
        ),
        select_input(
            block_id=EnrollmentIds.MENTORS_WANTED_BLOCK,
            action_id=EnrollmentIds.MENTORS_WANTED_ACTION,
            label="How many mentors would you like?",
            hint="Only matters if you're looking for a mentor. Most people start with one.",
            choices=[(str(n), MENTORS_WANTED_LABELS[n]) for n in MENTORS_WANTED_RANGE],
            selected=str(profile.mentors_wanted if profile else DEFAULT_MENTORS_WANTED),
            fallback=str(DEFAULT_MENTORS_WANTED),
        ),
        select_input(
            block_id=EnrollmentIds.CADENCE_BLOCK,
            action_id=EnrollmentIds.CADENCE_ACTION,
            label="How often would you like to meet?",
            choices=[(c.value, CADENCE_LABELS[c]) for c in Cadence],
            selected=(profile.cadence if profile else DEFAULT_CADENCE).value,
            fallback=DEFAULT_CADENCE.value,
        ),
        _format_block(profile.meeting_format if profile else DEFAULT_FORMAT),
        text_input(
            block_id=EnrollmentIds.TIMEZONE_BLOCK,
            action_id=EnrollmentIds.TIMEZONE_ACTION,
            label="Your time zone",
            hint=TIMEZONE_HINT,
            placeholder="Europe/Paris",
            value=profile.timezone if profile else defaults.timezone,
            max_length=TIMEZONE_MAX,
            multiline=False,
            optional=False,
        ),
        _time_block(
            block_id=EnrollmentIds.WORKDAY_START_BLOCK,
            action_id=EnrollmentIds.WORKDAY_START_ACTION,
            label="Your working day starts at",
            hint=WORKDAY_HINT,
            value=profile.workday_start if profile else defaults.workday_start,
        ),
        _time_block(
            block_id=EnrollmentIds.WORKDAY_END_BLOCK,
            action_id=EnrollmentIds.WORKDAY_END_ACTION,
            label="Your working day ends at",
            hint=None,
            value=profile.workday_end if profile else defaults.workday_end,
        ),
    ]
    return View(
        type="modal",
        callback_id=EnrollmentIds.CALLBACK,
        title="Your profile" if editing else "Join mentorbot",
        submit="Save" if editing else "Join",
        close="Cancel",
        private_metadata=private_metadata or None,
        blocks=blocks,
    )


def leave_confirmation_modal(*, active_mentorships: int, private_metadata: str = "") -> View:
    """Asks before leaving, saying plainly what leaving does."""
    check_metadata(private_metadata)
    if active_mentorships > 0:
        n = active_mentorships
        ending = (
            f"*Your {n} active mentorship{'s' if n != 1 else ''} will end.* We'll let your "
            f"{'partners' if n != 1 else 'partner'} know, kindly."
        )
    else:
        ending = "Any active mentorships end, and we let your partners know, kindly."
    text = (
        "We're sorry to see you go. Here's what leaving does:\n"
        f"• {ending}\n"
        "• Your profile text, goals and notes are deleted.\n"
        "• Only anonymous counts stay, for program statistics.\n\n"
        "You're welcome back any time: join again and you'll start fresh."
    )
    return View(
        type="modal",
        callback_id=EnrollmentIds.LEAVE_CALLBACK,
        title="Leave the program",
        submit="Leave",
        close="Stay",
        private_metadata=private_metadata or None,
        blocks=[
            SectionBlock(block_id=EnrollmentIds.LEAVE_BLOCK, text=MarkdownTextObject(text=text))
        ],
    )


# --- pieces -------------------------------------------------------------------------------


def _intro(editing: bool) -> str:
    if editing:
        return (
            "Update anything that has changed. Suggestions and matches always use your "
            f"latest answers, and you can come back any time with `{COMMAND} profile`."
        )
    return (
        "Tell us what you'd like to grow in, or what you can help others with. We match "
        "mentors and mentees on these answers, so a few honest sentences go a long way. "
        f"You can change any of it later with `{COMMAND} profile`."
    )


def _role_block(role: EnrollmentRole) -> InputBlock:
    options = [option(r.value, ROLE_LABELS[r], ROLE_DESCRIPTIONS[r]) for r in EnrollmentRole]
    return InputBlock(
        block_id=EnrollmentIds.ROLE_BLOCK,
        label="What brings you here?",
        element=RadioButtonsElement(
            action_id=EnrollmentIds.ROLE_ACTION,
            options=options,
            initial_option=find_option(options, role.value),
        ),
    )


def _format_block(meeting_format: MeetingFormat) -> InputBlock:
    options = [option(f.value, FORMAT_LABELS[f]) for f in MeetingFormat]
    return InputBlock(
        block_id=EnrollmentIds.FORMAT_BLOCK,
        label="How would you like to meet?",
        element=RadioButtonsElement(
            action_id=EnrollmentIds.FORMAT_ACTION,
            options=options,
            initial_option=(
                find_option(options, meeting_format.value)
                or find_option(options, DEFAULT_FORMAT.value)
            ),
        ),
    )


def _time_block(
    *, block_id: str, action_id: str, label: str, hint: str | None, value: time
) -> InputBlock:
    return InputBlock(
        block_id=block_id,
        label=label,
        hint=hint,
        element=TimePickerElement(
            action_id=action_id, placeholder="Choose a time", initial_time=clock(value)
        ),
    )


def _topics_block(offered: list[str], chosen: list[str]) -> InputBlock:
    options: list[Option] | None = None
    groups: list[OptionGroup] | None = None
    if len(offered) <= MAX_OPTIONS:
        options = [option(t, t) for t in offered]
    else:
        groups = _topic_groups(offered)
    by_value = {t: option(t, t) for t in chosen}
    return InputBlock(
        block_id=EnrollmentIds.TOPICS_BLOCK,
        label="Topics",
        hint=f"Choose up to {MAX_TOPICS}. Looking for a mentor: what you want to grow in. "
        "Mentoring: what you can help with.",
        element=StaticMultiSelectElement(
            action_id=EnrollmentIds.TOPICS_ACTION,
            placeholder="Choose topics",
            options=options,
            option_groups=groups,
            initial_options=[by_value[t] for t in chosen] or None,
            max_selected_items=MAX_TOPICS,
        ),
    )


def _topic_groups(offered: list[str]) -> list[OptionGroup]:
    ordered = sorted(offered, key=str.casefold)
    count = math.ceil(len(ordered) / MAX_OPTIONS)
    size = math.ceil(len(ordered) / count)  # even groups read better than 100 + 3
    groups = []
    for start in range(0, len(ordered), size):
        chunk = ordered[start : start + size]
        first, last = chunk[0].strip()[0].upper(), chunk[-1].strip()[0].upper()
        label = f"Topics {first}" if first == last else f"Topics {first}–{last}"
        groups.append(OptionGroup(label=label, options=[option(t, t) for t in chunk]))
    return groups


def _offer_topics(topics: Sequence[str], wanted: Sequence[str]) -> tuple[list[str], list[str]]:
    """(topics offered, topics pre-selected) from the program's list and the stored choice.

    Offered: unique, non-blank labels that fit an option value (the value is the label
    itself, so the parser can tell a removed topic from a reordered list), capped at
    MAX_TOPIC_CHOICES. Pre-selected: stored topics still on the list, in the person's
    order; removed ones are dropped, since Slack rejects unknown initial options.
    """
    usable = list(dict.fromkeys(t for t in topics if t.strip() and len(t) <= MAX_OPTION_VALUE))
    still_listed = set(usable)
    chosen = [t for t in dict.fromkeys(wanted) if t in still_listed][:MAX_TOPICS]
    offered = usable[:MAX_TOPIC_CHOICES]
    kept = set(offered)
    offered += [t for t in chosen if t not in kept]  # past the cap, keep what they chose
    return offered, chosen


def submission_values(profile: Profile) -> dict[str, dict[str, dict[str, Any]]]:
    """The `view.state.values` a submission of `profile` carries (for tests and the demo)."""

    def one(kind: str, value: str, text: str) -> dict[str, Any]:
        return {"type": kind, "selected_option": _state_option(value, text)}

    def typed(value: str) -> dict[str, Any]:
        # Slack sends null, not "", for an input left empty.
        return {"type": "plain_text_input", "value": value or None}

    by_block: dict[str, tuple[str, dict[str, Any]]] = {
        EnrollmentIds.ROLE_BLOCK: (
            EnrollmentIds.ROLE_ACTION,
            one("radio_buttons", profile.role.value, ROLE_LABELS[profile.role]),
        ),
        EnrollmentIds.TOPICS_BLOCK: (
            EnrollmentIds.TOPICS_ACTION,
            {
                "type": "multi_static_select",
                "selected_options": [_state_option(t, t) for t in profile.topics],
            },
        ),
        EnrollmentIds.GOALS_BLOCK: (EnrollmentIds.GOALS_ACTION, typed(profile.goals)),
        EnrollmentIds.BIO_BLOCK: (EnrollmentIds.BIO_ACTION, typed(profile.bio)),
        EnrollmentIds.EXPERIENCE_BLOCK: (
            EnrollmentIds.EXPERIENCE_ACTION,
            one("static_select", profile.experience.value, EXPERIENCE_LABELS[profile.experience]),
        ),
        EnrollmentIds.CAPACITY_BLOCK: (
            EnrollmentIds.CAPACITY_ACTION,
            one("static_select", str(profile.capacity), capacity_label(profile.capacity)),
        ),
        EnrollmentIds.MENTORS_WANTED_BLOCK: (
            EnrollmentIds.MENTORS_WANTED_ACTION,
            one(
                "static_select",
                str(profile.mentors_wanted),
                MENTORS_WANTED_LABELS.get(profile.mentors_wanted, str(profile.mentors_wanted)),
            ),
        ),
        EnrollmentIds.CADENCE_BLOCK: (
            EnrollmentIds.CADENCE_ACTION,
            one("static_select", profile.cadence.value, CADENCE_LABELS[profile.cadence]),
        ),
        EnrollmentIds.FORMAT_BLOCK: (
            EnrollmentIds.FORMAT_ACTION,
            one(
                "radio_buttons",
                profile.meeting_format.value,
                FORMAT_LABELS[profile.meeting_format],
            ),
        ),
        EnrollmentIds.TIMEZONE_BLOCK: (EnrollmentIds.TIMEZONE_ACTION, typed(profile.timezone)),
        EnrollmentIds.WORKDAY_START_BLOCK: (
            EnrollmentIds.WORKDAY_START_ACTION,
            {"type": "timepicker", "selected_time": clock(profile.workday_start)},
        ),
        EnrollmentIds.WORKDAY_END_BLOCK: (
            EnrollmentIds.WORKDAY_END_ACTION,
            {"type": "timepicker", "selected_time": clock(profile.workday_end)},
        ),
    }
    return {block: {action: state} for block, (action, state) in by_block.items()}


def _state_option(value: str, text: str) -> dict[str, Any]:
    return {"text": {"type": "plain_text", "text": text, "emoji": True}, "value": value}
