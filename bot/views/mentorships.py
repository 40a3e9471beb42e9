"""A mentorship's messages: the group DM that introduces the pair and proposes a kickoff.

Pure builders: state in, Block Kit out. Whatever a person wrote is escaped and cut to a
budget (see `bot.views.text`); `first_checkin` is ours, passed through unescaped.
"""

from __future__ import annotations

from collections.abc import Sequence

from slack_sdk.models.blocks import Block

from bot.commands import COMMAND
from bot.db.enums import Cadence, MeetingFormat
from bot.views.goals import intro_goals_block
from bot.views.guides import CADENCE_PHRASES, FORMAT_PHRASES
from bot.views.text import (
    GOALS_SHOWN,
    context,
    excerpt,
    reason_bullets,
    section,
    shown_reasons,
)

ANY_FORMAT = "in whatever way suits"  # the mentee gave no meeting format


class MentorshipIds:
    INTRO_HELLO_BLOCK = "match.intro.hello"
    INTRO_WHY_BLOCK = "match.intro.why"
    INTRO_RHYTHM_BLOCK = "match.intro.rhythm"
    INTRO_GOALS_BLOCK = "match.intro.goals"
    INTRO_AGENDA_BLOCK = "match.intro.agenda"
    INTRO_TIP_BLOCK = "match.intro.tip"


def intro_message(
    *,
    mentor_user_id: str,
    mentee_user_id: str,
    cadence: Cadence,
    meeting_format: MeetingFormat | None,
    first_checkin: str,
    mentee_goals: str,
    reasons: Sequence[str],
    mentorship_id: int | None = None,
) -> tuple[str, list[Block]]:
    """(fallback text, blocks) of the group DM that introduces mentor and mentee; with
    `mentorship_id`, its agenda ends with a "Set our goals" button for either of them."""
    mentor, mentee = f"<@{mentor_user_id}>", f"<@{mentee_user_id}>"
    hello = (
        f":tada: {mentor}, meet {mentee}: you're now mentor and mentee. "
        "This conversation is yours, to plan meetings and keep in touch."
    )
    how = FORMAT_PHRASES[meeting_format] if meeting_format else ANY_FORMAT
    rhythm = (
        f"*A rhythm to start with:* meeting {CADENCE_PHRASES[cadence]} {how}, "
        "based on what you told us. Change it to whatever suits you both. "
        f"I'll check in with you both around {first_checkin}."
    )
    agenda_items = (
        "What you each want from the mentorship, and what's out of scope.",
        "When, how often and how you'll meet (the rhythm above is a starting point).",
        "The outcomes you hope for by the end.",
        "Two or three concrete first goals, small enough to start on this month.",
    )
    agenda = "*For your first meeting*, a kickoff agenda:\n" + "\n".join(
        f"{n}. {item}" for n, item in enumerate(agenda_items, start=1)
    )
    tip = (
        ":bulb: Meetings count most with a short agenda: progress since last time, your "
        "questions, and one challenge. And if it doesn't click, that's fine: either of you can "
        f"type `{COMMAND} rematch` (or press Rematch on your Home) at any time, no explanation "
        "needed."
    )

    blocks: list[Block] = [section(MentorshipIds.INTRO_HELLO_BLOCK, hello)]
    shown = shown_reasons(reasons)
    if shown:
        heading = "*Why we matched you* (as we explained it to the mentee)"
        blocks.append(section(MentorshipIds.INTRO_WHY_BLOCK, f"{heading}\n{reason_bullets(shown)}"))
    blocks.append(section(MentorshipIds.INTRO_RHYTHM_BLOCK, rhythm))
    if mentee_goals.strip():
        blocks.append(
            section(
                MentorshipIds.INTRO_GOALS_BLOCK,
                f"*{mentee}'s goals*\n{excerpt(mentee_goals, GOALS_SHOWN)}",
            )
        )
    blocks.append(section(MentorshipIds.INTRO_AGENDA_BLOCK, agenda))
    if mentorship_id is not None:
        blocks.append(intro_goals_block(mentorship_id))
    blocks.append(context(MentorshipIds.INTRO_TIP_BLOCK, tip))
    text = (
        f"{mentor}, meet {mentee}: you're now mentor and mentee. Start with a kickoff "
        f"meeting; I'll check in with you both around {first_checkin}."
    )
    return text, blocks
