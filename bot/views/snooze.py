"""Snooze: what `/mentor snooze` answers, the partner's note, and the Home's line with
its Resume button.

Pure builders. A snooze is shown by its last day away, on the snoozer's own calendar
(`last_day`); the stored instant is the end of that day (bot.snooze).
"""

from __future__ import annotations

from datetime import date, datetime, timedelta
from zoneinfo import ZoneInfo

from slack_sdk.models.blocks import ButtonElement, MarkdownTextObject, SectionBlock

from bot.cadence import day_label
from bot.commands import COMMAND

MAX_MONTHS = 3  # the longest snooze, counted from today


class SnoozeIds:
    RESUME = "snooze.resume"  # the Home's button: end the snooze now
    HOME_BLOCK = "snooze.home"


def last_day(until: datetime, tz: str) -> date:
    """The last day away: `until` is the end of it (the midnight after), in their zone."""
    return (until.astimezone(ZoneInfo(tz)) - timedelta(microseconds=1)).date()


def home_block(day: date) -> SectionBlock:
    return SectionBlock(
        block_id=SnoozeIds.HOME_BLOCK,
        text=MarkdownTextObject(
            text=f":palm_tree: *Snoozed until {day_label(day)}.* No check-in prompts until then."
        ),
        accessory=ButtonElement(text="Resume", action_id=SnoozeIds.RESUME, value="resume"),
    )


def help_text(example: date, *, problem: str = "") -> str:
    """How to use the command, with examples; `problem` (ours) says what was wrong first."""
    usage = f"`{COMMAND} snooze"
    lines = [
        problem or "Away for a while? Snooze your check-in prompts, for up to 3 months:",
        f"• {usage} 2w` for two weeks (or `1w`, `3d`)",
        f"• {usage} until {example.isoformat()}` until the end of that day",
        f"• {usage} off` to come back early",
    ]
    return "\n".join(lines)


UNREADABLE = "I couldn't read that. Snooze for a number of days or weeks, or until a day:"
NOT_ENROLLED = (
    f"You're not in the mentorship program, so there's nothing to snooze. "
    f"Type `{COMMAND} join` to take part."
)


def too_far(latest: date) -> str:
    return (
        f"That's more than {MAX_MONTHS} months away. You can snooze until "
        f"{day_label(latest)} at the latest:"
    )


PASSED = "That day has passed: pick today or a later one."
TOO_SHORT = "Snooze for at least a day:"


def snoozed_text(day: date, *, partners: list[str]) -> str:
    """The answer to a snooze that took."""
    text = f":palm_tree: Snoozed until the end of {day_label(day)}: no check-in prompts until then."
    if partners:
        who = ", ".join(f"<@{user}>" for user in partners)
        text += f" I've let {who} know you're away until then (no reason given)."
    return text + (
        f" Type `{COMMAND} snooze off`, or press *Resume* on your Home, to come back early."
    )


def still_snoozed_text(day: date) -> str:
    return (
        f":palm_tree: You're snoozed until the end of {day_label(day)}. "
        f"Type `{COMMAND} snooze off` to come back early."
    )


RESUMED = ":wave: Welcome back! Your check-ins are on again."
NOT_SNOOZED = "You're not snoozed, so your check-ins are running as usual."


def partner_away_text(*, away_user_id: str, day: date) -> str:
    """The DM to a partner: away until when, no reason."""
    return (
        f":palm_tree: <@{away_user_id}> is away until the end of {day_label(day)}, "
        "so I'll hold your check-ins with them until then."
    )
