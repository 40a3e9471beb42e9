"""The App Home tab: each person's own view of the program."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date

from slack_sdk.models.blocks import (
    ActionsBlock,
    Block,
    ButtonElement,
    ContextBlock,
    DividerBlock,
    HeaderBlock,
    MarkdownTextObject,
    SectionBlock,
)
from slack_sdk.models.views import View

from bot.commands import COMMAND
from bot.db.enums import Cadence, EnrollmentRole, EnrollmentStatus
from bot.profile import Profile
from bot.views.announcements import Pending
from bot.views.announcements import home_section as announcements_section
from bot.views.cohorts import CohortPanel, home_section
from bot.views.followups import Board, board_blocks
from bot.views.goals import PairGoals, pair_goals_section
from bot.views.guides import CADENCE_PHRASES, FORMAT_PHRASES, role_guide_blocks
from bot.views.pace import pace_row
from bot.views.rematch import PairChoice
from bot.views.rematch import home_blocks as rematch_home_blocks
from bot.views.roster import home_section as roster_section
from bot.views.snooze import home_block as snooze_home_block
from bot.views.stats import ProgramHealth
from bot.views.stats import home_blocks as health_home_blocks
from bot.views.term import TermCounts, coordinator_block
from bot.views.text import excerpt

GOALS_SHOWN = 280  # the Home shows the start of the goals; the form has them all
THANKS_SHOWN = 3  # the newest thank-you notes on a mentor's Home
THANK_SHOWN = 600  # of each, escaped, in UTF-16 units: three stay far under a section's 3000


class HomeIds:
    JOIN = "home.join"
    EDIT = "home.edit"
    FIND = "home.find"
    PAUSE = "home.pause"
    RESUME = "home.resume"
    GUIDE = "home.guide"
    LEAVE = "home.leave"
    ACTIONS_BLOCK = "home.actions"
    MEETINGS_BLOCK = "home.meetings"
    THANKS_BLOCK = "home.thanks"
    GUIDE_MODAL = "home.guide_modal"


@dataclass(frozen=True)
class Partner:
    user_id: str
    is_my_mentor: bool  # False: I mentor them
    last_met: date | None = None  # the latest meeting logged by either of the pair
    meetings: int = 0  # meetings logged so far
    mentorship_id: int | None = None  # for the pair's own buttons (pace, rematch)
    cadence: Cadence | None = None  # how often the pair checks in
    name: str = ""  # plain text, where a mention doesn't render


@dataclass(frozen=True)
class Thanks:
    """A thank-you a mentee left with a meeting log, for their mentor's Home."""

    from_user_id: str
    text: str
    met_on: date | None


@dataclass(frozen=True)
class HomeState:
    user_id: str
    is_coordinator: bool = False
    profile: Profile | None = None  # None: not enrolled
    status: EnrollmentStatus | None = None
    partners: tuple[Partner, ...] = ()
    mentees_now: int = 0
    thanks: tuple[Thanks, ...] = ()  # the newest, at most THANKS_SHOWN
    thanks_count: int = 0  # all of them
    term_answers: TermCounts | None = None  # coordinators: end-of-term survey answers
    pair_goals: tuple[PairGoals, ...] = ()  # each pair's goals (bot/goals)
    board: Board | None = None  # a coordinator's at-risk pairs and asks for help
    snoozed_until: date | None = None  # the last day away, while snoozed
    cohorts: CohortPanel | None = None  # a coordinator's cohorts, with their buttons
    health: ProgramHealth | None = None  # a coordinator's program health (bot/stats)
    announcements: tuple[Pending, ...] | None = None  # a coordinator's, waiting to go out


def home_view(state: HomeState) -> View:
    blocks = _member_blocks(state) if state.profile else _welcome_blocks()
    if state.is_coordinator:
        blocks += [
            DividerBlock(),
            SectionBlock(
                block_id="home.coordinator",
                text=MarkdownTextObject(
                    text=(
                        ":compass: You are a *program coordinator*: your cohorts, roster "
                        "import, announcements waiting to go out, program health and the "
                        "pairs that need you are below."
                    )
                ),
            ),
        ]
        if state.cohorts is not None:
            blocks += home_section(state.cohorts)
        if state.term_answers is not None and state.term_answers.answers:
            blocks.append(coordinator_block(state.term_answers))
        blocks += roster_section()
        if state.announcements is not None:
            blocks += announcements_section(state.announcements)
    if state.health is not None:
        blocks += health_home_blocks(state.health)
    if state.board is not None:
        blocks += board_blocks(state.board)
    blocks += [
        DividerBlock(),
        ContextBlock(
            elements=[MarkdownTextObject(text=f"Type `{COMMAND} help` to see every command.")]
        ),
    ]
    return View(type="home", blocks=blocks)


def _welcome_blocks() -> list[Block]:
    return [
        HeaderBlock(block_id="home.header", text="Welcome to mentorbot"),
        SectionBlock(
            block_id="home.intro",
            text=MarkdownTextObject(
                text=(
                    "Grow faster with someone who has walked the path. mentorbot pairs you with a "
                    "mentor who fits your goals, nudges you both to meet every couple of weeks, "
                    "and makes logging a meeting one click.\n\n"
                    "*Looking for guidance?* Tell us what you want to learn and we'll suggest "
                    "mentors, with the reasons they fit.\n"
                    "*Happy to help others?* Join as a mentor and choose how many people you "
                    "can take on."
                )
            ),
        ),
        ActionsBlock(
            block_id=HomeIds.ACTIONS_BLOCK,
            elements=[
                ButtonElement(
                    text="Join the program", action_id=HomeIds.JOIN, style="primary", value="join"
                )
            ],
        ),
    ]


def _member_blocks(state: HomeState) -> list[Block]:
    profile = state.profile
    assert profile is not None
    blocks: list[Block] = [
        HeaderBlock(block_id="home.header", text="Your mentorship"),
        SectionBlock(block_id="home.status", text=MarkdownTextObject(text=_status_text(state))),
    ]
    if state.snoozed_until:
        blocks.append(snooze_home_block(state.snoozed_until))
    if state.partners:
        blocks.append(
            SectionBlock(
                block_id=HomeIds.MEETINGS_BLOCK,
                text=MarkdownTextObject(text=_meetings_text(state.partners)),
            )
        )
    blocks += [pair_goals_section(pair) for pair in state.pair_goals]
    blocks += [
        pace_row(p.mentorship_id, p.user_id, p.cadence)
        for p in state.partners
        if p.mentorship_id is not None and p.cadence is not None
    ]
    if state.partners:
        blocks += rematch_home_blocks([_pair_choice(p) for p in state.partners])
    if state.thanks:
        blocks.append(
            SectionBlock(
                block_id=HomeIds.THANKS_BLOCK,
                text=MarkdownTextObject(text=_thanks_text(state.thanks, state.thanks_count)),
            )
        )
    blocks += [
        SectionBlock(
            block_id="home.profile",
            fields=[MarkdownTextObject(text=f) for f in _profile_fields(state)],
        ),
        SectionBlock(
            block_id="home.goals",
            text=MarkdownTextObject(text=f"*Your goals*\n{_excerpt(profile.goals)}"),
        ),
    ]
    buttons = [ButtonElement(text="Edit profile", action_id=HomeIds.EDIT, value="edit")]
    if profile.seeks_mentor:
        buttons.append(
            ButtonElement(
                text="Find a mentor", action_id=HomeIds.FIND, value="find", style="primary"
            )
        )
    if profile.mentors:
        if state.status is EnrollmentStatus.PAUSED:
            buttons.append(ButtonElement(text="Resume", action_id=HomeIds.RESUME, value="resume"))
        else:
            buttons.append(ButtonElement(text="Pause", action_id=HomeIds.PAUSE, value="pause"))
    buttons += [
        ButtonElement(text="Getting started guide", action_id=HomeIds.GUIDE, value="guide"),
        ButtonElement(text="Leave", action_id=HomeIds.LEAVE, value="leave", style="danger"),
    ]
    blocks.append(ActionsBlock(block_id=HomeIds.ACTIONS_BLOCK, elements=buttons))
    return blocks


def _status_text(state: HomeState) -> str:
    profile = state.profile
    assert profile is not None
    lines = []
    mentors = [p.user_id for p in state.partners if p.is_my_mentor]
    mentees = [p.user_id for p in state.partners if not p.is_my_mentor]
    if mentors:
        lines.append(
            ":handshake: Your mentor" + ("s: " if len(mentors) > 1 else ": ") + _at(mentors)
        )
    elif profile.seeks_mentor:
        lines.append(
            ":hourglass_flowing_sand: *Waiting for a match.* "
            f"Type `{COMMAND} find` or use *Find a mentor* to see who fits."
        )
    if mentees:
        lines.append(":seedling: You mentor " + _at(mentees))
    if profile.mentors:
        if state.status is EnrollmentStatus.PAUSED:
            lines.append(
                ":double_vertical_bar: *Paused:* no new mentee requests until you resume. "
                "Your current mentorships carry on."
            )
        else:
            free = max(0, profile.capacity - state.mentees_now)
            lines.append(
                f":raised_hand: Open to new mentees: {free} of {profile.capacity} "
                f"slot{'s' if profile.capacity != 1 else ''} free."
            )
    return "\n".join(lines)


def _pair_choice(partner: Partner) -> PairChoice:
    return PairChoice(
        partner.mentorship_id or 0, partner.user_id, partner.name, partner.is_my_mentor
    )


def _meetings_text(partners: tuple[Partner, ...]) -> str:
    lines = ["*Your meetings*"]
    for p in partners:
        who = f"<@{p.user_id}> (your {'mentor' if p.is_my_mentor else 'mentee'})"
        if p.meetings and p.last_met:
            count = "1 meeting" if p.meetings == 1 else f"{p.meetings} meetings"
            lines.append(f"• {who}: last met {_day(p.last_met)}, {count} so far")
        else:
            lines.append(f"• {who}: no meeting logged yet")
    return "\n".join(lines)


def _thanks_text(notes: tuple[Thanks, ...], count: int) -> str:
    lines = [":sparkling_heart: *Thank-you notes from your mentees*"]
    for note in notes[:THANKS_SHOWN]:
        when = f", {_day(note.met_on)}" if note.met_on else ""
        lines.append(f">{excerpt(note.text, THANK_SHOWN, one_line=True)}")
        lines.append(f"— <@{note.from_user_id}>{when}")
    more = count - min(len(notes), THANKS_SHOWN)
    if more > 0:
        lines.append(f"_and {more} more before these_")
    return "\n".join(lines)


def _day(day: date) -> str:
    return f"{day:%A} {day.day} {day:%B %Y}"


def _profile_fields(state: HomeState) -> list[str]:
    profile = state.profile
    assert profile is not None
    role = {"mentee": "Mentee", "mentor": "Mentor", "both": "Mentor and mentee"}[profile.role]
    topics = ", ".join(profile.topics) or "none yet"
    return [
        f"*Role*\n{role}",
        f"*Topics*\n{topics}"[:2000],
        f"*Meetings*\n{CADENCE_PHRASES[profile.cadence]}, {FORMAT_PHRASES[profile.meeting_format]}",
        f"*Time zone*\n{profile.timezone}",
        f"*Working hours*\n{profile.workday_start:%H:%M}-{profile.workday_end:%H:%M}, weekdays",
    ]


def _excerpt(text: str) -> str:
    text = text.strip() or "_Not written yet: edit your profile to add them._"
    return text if len(text) <= GOALS_SHOWN else text[: GOALS_SHOWN - 1].rstrip() + "…"


def _at(user_ids: list[str]) -> str:
    return ", ".join(f"<@{u}>" for u in user_ids)


def guide_modal(role: EnrollmentRole | None) -> View:
    """The getting-started guide for the person's role (both parts when not enrolled)."""
    return View(
        type="modal",
        callback_id=HomeIds.GUIDE_MODAL,
        title="Getting started",
        close="Close",
        blocks=role_guide_blocks(role or EnrollmentRole.BOTH),
    )
