"""Getting started well: the role guide and the welcome DM sent after joining.

The guide is written once, as sections of bullets, and rendered both as blocks and
as the plain-text fallback, so the two never drift apart.
"""

from __future__ import annotations

from dataclasses import dataclass

from slack_sdk.models.blocks import (
    Block,
    ContextBlock,
    DividerBlock,
    HeaderBlock,
    MarkdownTextObject,
    SectionBlock,
)

from bot.commands import COMMAND
from bot.db.enums import Cadence, EnrollmentRole, MeetingFormat
from bot.profile import MENTEE_ROLES, MENTOR_ROLES, Profile
from bot.views.text import clip, escape

NAME_SHOWN = 50  # of a first name, in the greeting
TOPICS_SHOWN = 3  # in the one-line profile summary; the rest become "+N more"


class GuideIds:
    HEADER = "guide.header"
    MENTEE = "guide.mentee"
    MENTOR = "guide.mentor"
    TOGETHER = "guide.together"


class WelcomeIds:
    THANKS = "welcome.thanks"
    SUMMARY = "welcome.summary"
    NEXT = "welcome.next"
    DIVIDER = "welcome.divider"
    FOOTER = "welcome.footer"


@dataclass(frozen=True)
class _Section:
    block_id: str
    emoji: str
    title: str
    bullets: tuple[str, ...]


_MENTEE = _Section(
    GuideIds.MENTEE,
    ":dart:",
    "When you're the mentee",
    (
        "Say clearly what you need and why it matters to you. Your mentor can't guess.",
        "Bring a short agenda to each meeting: your progress since last time, your "
        "questions, and one challenge you're facing.",
        "Own your growth: follow up on what you agreed, and keep track of your goals.",
    ),
)
_MENTOR = _Section(
    GuideIds.MENTOR,
    ":seedling:",
    "When you're the mentor",
    (
        "Listen first. Ask questions to understand the situation before you offer advice.",
        "Make feedback specific and kind: what you noticed, why it matters, one thing to try.",
        "At the kickoff, agree on boundaries: how much time you can give, which topics "
        "you'll cover, and what stays between the two of you.",
    ),
)
_TOGETHER = _Section(
    GuideIds.TOGETHER,
    ":handshake:",
    "For every mentorship",
    (
        "Start with a kickoff conversation: what you each want from it, when and how often "
        "you'll meet, the outcomes you hope for, and your first goals.",
        "Meet regularly. Every two weeks works well for most pairs.",
        "Revisit your goals now and then, and change them as you grow.",
        f"If it isn't working, that's fine: type `{COMMAND} rematch` (or press Rematch on "
        "your Home) and start afresh. Nobody has to explain or feel bad about it.",
    ),
)

_HEADERS = {
    EnrollmentRole.MENTEE: "Getting started as a mentee",
    EnrollmentRole.MENTOR: "Getting started as a mentor",
    EnrollmentRole.BOTH: "Getting started as a mentor and mentee",
}
CADENCE_PHRASES = {
    Cadence.WEEKLY: "weekly",
    Cadence.BIWEEKLY: "every two weeks",
    Cadence.MONTHLY: "monthly",
}
FORMAT_PHRASES = {
    MeetingFormat.VIDEO: "by video call",
    MeetingFormat.IN_PERSON: "in person",
    MeetingFormat.CHAT: "over chat",
}


def _sections(role: EnrollmentRole) -> list[_Section]:
    parts = []
    if role in MENTEE_ROLES:
        parts.append(_MENTEE)
    if role in MENTOR_ROLES:
        parts.append(_MENTOR)
    return [*parts, _TOGETHER]


def role_guide_blocks(role: EnrollmentRole) -> list[Block]:
    """The guide for `role` as blocks; fits a message, a modal or the Home tab."""
    blocks: list[Block] = [HeaderBlock(block_id=GuideIds.HEADER, text=_HEADERS[role])]
    for section in _sections(role):
        bullets = "\n".join(f"• {b}" for b in section.bullets)
        blocks.append(
            SectionBlock(
                block_id=section.block_id,
                text=MarkdownTextObject(text=f"{section.emoji} *{section.title}*\n{bullets}"),
            )
        )
    return blocks


def role_guide_text(role: EnrollmentRole) -> str:
    """The same guide as plain text (notifications, screen readers, clients without blocks)."""
    parts = [_HEADERS[role]]
    for section in _sections(role):
        parts.append(section.title + "\n" + "\n".join(f"• {b}" for b in section.bullets))
    return "\n\n".join(parts)


def welcome_dm(profile: Profile, *, first_name: str | None) -> tuple[str, list[Block]]:
    """(fallback text, blocks) for the DM confirming someone joined."""
    name = clip((first_name or "").strip(), NAME_SHOWN)
    thanks = f"Thanks for joining, {escape(name)}!" if name else "Thanks for joining!"
    thanks += " You're now part of the mentorship program."
    summary = _summary(profile)
    steps = _next_steps(profile)
    footer = (
        "This guide stays on mentorbot's Home tab under *Getting started guide*. "
        f"Change your profile any time with `{COMMAND} profile`."
    )
    blocks: list[Block] = [
        SectionBlock(block_id=WelcomeIds.THANKS, text=MarkdownTextObject(text=f":tada: {thanks}")),
        SectionBlock(
            block_id=WelcomeIds.SUMMARY, text=MarkdownTextObject(text=f"*Your profile:* {summary}")
        ),
        SectionBlock(
            block_id=WelcomeIds.NEXT,
            text=MarkdownTextObject(
                text="*What happens next*\n" + "\n".join(f"• {s}" for s in steps)
            ),
        ),
        DividerBlock(block_id=WelcomeIds.DIVIDER),
        *role_guide_blocks(profile.role),
        ContextBlock(block_id=WelcomeIds.FOOTER, elements=[MarkdownTextObject(text=footer)]),
    ]
    text = "\n\n".join(
        [
            thanks,
            f"Your profile: {summary}",
            "What happens next\n" + "\n".join(f"• {s}" for s in steps),
            role_guide_text(profile.role),
            footer.replace("*", ""),
        ]
    )
    return text, blocks


def _summary(profile: Profile) -> str:
    """One line: role, topics, how they like to meet, time zone."""
    mentees = f"up to {profile.capacity} mentee{'s' if profile.capacity != 1 else ''}"
    mentors = "a mentor" if profile.mentors_wanted == 1 else f"{profile.mentors_wanted} mentors"
    role = {
        EnrollmentRole.MENTEE: f"looking for {mentors}",
        EnrollmentRole.MENTOR: f"mentoring {mentees}",
        EnrollmentRole.BOTH: f"looking for {mentors} and mentoring {mentees}",
    }[profile.role]
    shown = ", ".join(escape(t) for t in profile.topics[:TOPICS_SHOWN])
    hidden = len(profile.topics) - TOPICS_SHOWN
    topics = f"{shown} +{hidden} more" if hidden > 0 else shown
    meet = f"meeting {CADENCE_PHRASES[profile.cadence]} {FORMAT_PHRASES[profile.meeting_format]}"
    parts = [role.capitalize(), topics, meet, escape(profile.timezone)]
    return " · ".join(p for p in parts if p)


def _next_steps(profile: Profile) -> list[str]:
    steps = []
    if profile.seeks_mentor:
        steps.append(
            f"Type `{COMMAND} find` to see mentors who fit your goals, with the reasons they fit."
        )
    if profile.mentors:
        steps.append(
            "Mentee requests arrive here as DMs with *Accept* and *Decline* buttons. We never "
            f"send more than you can take: up to {profile.capacity} at a time."
        )
    return steps
