"""Rights: `/mentor coordinators` (the list, adding and removing someone, what each is
told) and `/mentor audit` (the latest audit entries, readable).

Pure builders: state in, Block Kit or text out. Instants are Slack `<!date>` tokens, so
each coordinator reads them on their own clock. Whatever a person wrote is escaped and
clipped; of an audit entry's detail only what coordinators may read is shown (see
`detail_text`).
"""

from __future__ import annotations

import re
from collections.abc import Mapping, Sequence
from dataclasses import dataclass
from datetime import UTC, datetime
from enum import StrEnum
from typing import Any

from slack_sdk.models.blocks import Block, HeaderBlock

from bot.commands import COMMAND
from bot.views.text import context, excerpt, section, utf16_units


class CoordinatorsIds:
    LIST_HEADER = "coordinators.header"
    FROM_SETTING_BLOCK = "coordinators.setting"
    GRANTED_BLOCK = "coordinators.granted"
    HINT_BLOCK = "coordinators.hint"
    AUDIT_HEADER = "audit.header"
    AUDIT_PAGE = "audit.page."  # + its number: a few entries per section
    AUDIT_FOOTER = "audit.footer"


USAGE = (
    f"`{COMMAND} coordinators` lists the program's coordinators, "
    f"`{COMMAND} coordinators add @someone` makes someone a coordinator and "
    f"`{COMMAND} coordinators remove @someone` takes it back (name several at once if you like)."
)
LIST_SHOWN = 2800  # of a list in one section (Slack's limit: 3000, with its title)


# --- the list ------------------------------------------------------------------------------


@dataclass(frozen=True)
class Granted:
    user_id: str
    granted_by: str
    granted_at: datetime


@dataclass(frozen=True)
class Roster:
    from_setting: tuple[str, ...]  # MENTORBOT_ADMINS, set by the operator
    granted: tuple[Granted, ...]  # oldest grant first


def roster_message(roster: Roster) -> tuple[str, list[Block]]:
    setting = _listed([f"• <@{user}>" for user in roster.from_setting], "_nobody_")
    granted = _listed(
        [
            f"• <@{g.user_id}>, added by <@{g.granted_by}> {when(g.granted_at)}"
            for g in roster.granted
        ],
        "_nobody yet_",
    )
    blocks: list[Block] = [
        HeaderBlock(block_id=CoordinatorsIds.LIST_HEADER, text="Program coordinators"),
        section(
            CoordinatorsIds.FROM_SETTING_BLOCK,
            "*Set by the operator* (`MENTORBOT_ADMINS`; only whoever runs mentorbot can "
            "change these):\n" + setting,
        ),
        section(CoordinatorsIds.GRANTED_BLOCK, "*Added in Slack*:\n" + granted),
        context(CoordinatorsIds.HINT_BLOCK, USAGE),
    ]
    count = len(roster.from_setting) + len(roster.granted)
    return f"The program has {count} coordinator(s).", blocks


def _listed(lines: list[str], nobody: str) -> str:
    """As many whole lines as fit a section beside its title, then how many more."""
    kept: list[str] = []
    for line in lines:
        if utf16_units("\n".join([*kept, line])) > LIST_SHOWN:
            return "\n".join([*kept, f"_and {len(lines) - len(kept)} more_"])
        kept.append(line)
    return "\n".join(kept) or nobody


# --- adding and removing -----------------------------------------------------------------


class Change(StrEnum):
    ADDED = "added"
    ALREADY = "already"  # a coordinator already (granted, or from the setting)
    NOT_ELIGIBLE = "not_eligible"  # see Ineligible
    REMOVED = "removed"
    NOT_ONE = "not_one"  # was not a coordinator
    FROM_SETTING = "from_setting"  # in MENTORBOT_ADMINS: only the operator can remove them
    LAST_ONE = "last_one"  # removing them would leave the workspace with no coordinator


class Ineligible(StrEnum):
    UNKNOWN = "unknown"  # Slack knows no such user
    BOT = "bot"
    DEACTIVATED = "deactivated"
    GUEST = "guest"


@dataclass(frozen=True)
class Outcome:
    user_id: str
    change: Change
    from_setting: bool = False  # ALREADY: set by the operator
    granted_by: str | None = None  # ALREADY: who granted it
    why: Ineligible | None = None  # NOT_ELIGIBLE


_INELIGIBLE = {
    Ineligible.UNKNOWN: "I can't find {who} in this workspace",
    Ineligible.BOT: "{who} {be} a bot, and coordinators are people",
    Ineligible.DEACTIVATED: "{whose} account is deactivated",
    Ineligible.GUEST: (
        "{who} {have} a guest account, and coordinators read what participants write to them, "
        "so they must be full members of the workspace"
    ),
}


def outcomes_text(outcomes: Sequence[Outcome], actor: str) -> str:
    """One line per person named, saying what changed for them (or why nothing did)."""
    return "\n".join(_outcome_line(outcome, actor) for outcome in outcomes)


def _outcome_line(outcome: Outcome, actor: str) -> str:
    me = outcome.user_id == actor
    who, be, whose = ("You", "are", "Your") if me else (f"<@{outcome.user_id}>", "is", "")
    whose = whose or f"{who}'s"
    change = outcome.change
    if change is Change.ADDED:
        return f":white_check_mark: {who} {be} now a coordinator; I'll send them a short welcome."
    if change is Change.ALREADY:
        how = "set by the operator" if outcome.from_setting else "added in Slack"
        if outcome.granted_by:
            how = f"added by <@{outcome.granted_by}>"
        return f"{who} {be} already a coordinator ({how}), so nothing changed."
    if change is Change.NOT_ELIGIBLE:
        assert outcome.why is not None
        have = "have" if me else "has"
        said = _INELIGIBLE[outcome.why].format(who=who, be=be, whose=whose, have=have)
        return said + ", so nothing changed."
    if change is Change.REMOVED:
        if me:
            return "You are no longer a coordinator."
        return f":white_check_mark: {who} is no longer a coordinator; I'll let them know."
    if change is Change.NOT_ONE:
        return f"{who} {be}n't a coordinator, so nothing changed."
    if change is Change.FROM_SETTING:
        return (
            f"{who} {be} a coordinator through mentorbot's settings (`MENTORBOT_ADMINS`), so "
            f"{'you' if me else 'they'} can't be removed in Slack: whoever runs mentorbot can "
            "change that setting."
        )
    return (  # LAST_ONE
        f"{who} {be} the only coordinator left, so nothing changed: add someone else first "
        f"(`{COMMAND} coordinators add @someone`)."
    )


def usage_text(leftover: str = "", *, too_many: int | None = None) -> str:
    if too_many is not None:
        return f"Please name at most {too_many} people at once. {USAGE}"
    if leftover:
        return (
            f"Sorry, I didn't understand `{_echo(leftover)}`. Mention people with @ and pick "
            f"them from Slack's list, so I know exactly who you mean. {USAGE}"
        )
    return USAGE


def welcome_text(by_user_id: str) -> str:
    return (
        f":wave: <@{by_user_id}> made you a coordinator of the mentorship program. You can "
        "now run matching rounds and the program's settings from `/mentor`, your Home tab "
        "lists at-risk pairs and asks for help, and I'll DM you when a pair needs attention. "
        f"Type `{COMMAND} help` to see everything you can do."
    )


def removed_text(by_user_id: str) -> str:
    return (
        f"<@{by_user_id}> removed you from the mentorship program's coordinators, so the "
        "coordinator commands and Home sections are gone for you. Thank you for helping run "
        "the program! Your own mentorships, if you have any, carry on as before."
    )


def _echo(text: str) -> str:
    return excerpt(text.replace("`", "'"), 60, one_line=True)


# --- /mentor audit -------------------------------------------------------------------------

AUDIT_DEFAULT, AUDIT_MAX = 20, 100
AUDIT_USAGE = (
    f"Try `{COMMAND} audit` for the latest {AUDIT_DEFAULT} entries, or "
    f"`{COMMAND} audit 50` (up to {AUDIT_MAX})."
)
LINE_SHOWN = 300  # of one entry's line, in UTF-16 units; whole mentions and tokens only
PAGE_SHOWN = 2900  # of a section holding several lines (Slack's limit: 3000)
WORDS_SHOWN = 120  # of a comment or ask for help quoted in an entry


@dataclass(frozen=True)
class AuditLine:
    at: datetime
    actor: str | None  # None: mentorbot itself
    action: str
    subject_type: str | None
    subject_id: str | None
    detail: Mapping[str, Any] | None
    pair: tuple[str, str] | None = None  # (mentor, mentee) when the subject is a pair


@dataclass(frozen=True)
class Trail:
    lines: tuple[AuditLine, ...]  # newest first
    asked: int  # how many the coordinator asked for (capped at AUDIT_MAX)
    capped: bool = False  # they asked for more than AUDIT_MAX


# What each action reads as, after the actor's mention. Unknown ones show their name.
ACTION_WORDS = {
    "round.proposed": "proposed a matching round",
    "round.dropped": "dropped a pair from a matching round",
    "round.swapped": "swapped two mentors in a matching round",
    "round.approved": "approved a matching round",
    "program.topic_added": "added a topic",
    "program.expiry_set": "set how long mentors have to answer",
    "followup.nudged": "nudged a pair again",
    "followup.paused": "paused a pair",
    "followup.resumed": "resumed a pair",
    "followup.ended": "ended a pair",
    "followup.help_handled": "marked an ask for help handled",
    "followup.sent": "followed up a pair",
    "followup.at_risk": "flagged a pair at risk",
    "followup.escalated": "told the coordinators about a pair",
    "followup.recovered": "took a pair off the at-risk list (they met)",
    "followup.closed": "took a pair off the at-risk list (it ended)",
    "followup.chat": "suggested a 15-minute chat",
    "coordinators.added": "made a coordinator:",
    "coordinators.removed": "removed a coordinator:",
    "enrollment.joined": "joined the program",
    "enrollment.updated": "updated their profile",
    "enrollment.paused": "paused new requests",
    "enrollment.resumed": "resumed new requests",
    "enrollment.left": "left the program",
    "request.opened": "asked mentors",
    "request.accepted": "accepted a request",
    "request.declined": "declined a request",
    "checkin.met": "logged a meeting",
    "checkin.skipped": "skipped a check-in",
    "checkin.moved": "rescheduled a check-in",
    "checkin.help": "asked the coordinators for help",
    "goals.set": "set goals",
    "goals.reviewed": "updated goal progress",
    "term.answer": "answered the end-of-term survey",
    "term.ended": "closed a pair at the end of its term",
    "term.renewed": "started a new term",
}

# What people wrote *for the coordinators* (an ask for help, a survey comment): quoted.
WORDS_FOR_COORDINATORS = {"text": "said", "comment": "comment"}
# What people wrote for themselves or their partner: only that it exists, never the words.
PRIVATE = {
    "notes": "private notes",
    "note": "a private note",
    "thanks": "a thank-you",
    "thank_you": "a thank-you",
}
# Our own sentences (a refusal's reason, who renewed a term) and the program's own words
# (a topic a coordinator added): shown as they are.
SHOWN = {"why", "by", "topic"}
_TOKEN = re.compile(r"[\w.:+-]{1,40}")  # ids, dates, enum values: no one's words
_SLACK_USER = re.compile(r"[UW][A-Z0-9]{2,31}")
LISTED_IDS = 5


def audit_message(trail: Trail) -> tuple[str, list[Block]]:
    if not trail.lines:
        text = "Nothing has been recorded in this workspace's audit trail yet."
        return text, [section(f"{CoordinatorsIds.AUDIT_PAGE}0", text)]
    shown = len(trail.lines)
    title = f"Audit trail: the latest {shown}"
    if shown < trail.asked:
        title += " (all there are)"
    blocks: list[Block] = [HeaderBlock(block_id=CoordinatorsIds.AUDIT_HEADER, text=title)]
    for number, page in enumerate(_pages([audit_line(line) for line in trail.lines])):
        blocks.append(section(f"{CoordinatorsIds.AUDIT_PAGE}{number}", page))
    footer = "Newest first, on your own clock. :no_entry_sign: marks a request that was refused."
    if trail.capped:
        footer += f" I show at most {AUDIT_MAX} at once."
    blocks.append(context(CoordinatorsIds.AUDIT_FOOTER, footer))
    return title, blocks


def _pages(lines: list[str]) -> list[str]:
    """Lines folded into as few sections as fit (100 lines make about a dozen)."""
    pages: list[str] = []
    for line in lines:
        if pages and utf16_units(pages[-1]) + 1 + utf16_units(line) <= PAGE_SHOWN:
            pages[-1] += "\n" + line
        else:
            pages.append(line)
    return pages


def audit_line(line: AuditLine) -> str:
    """When, who, what, on what, and a short detail: whole pieces up to LINE_SHOWN."""
    who = f"<@{line.actor}>" if line.actor else "mentorbot"
    refused = line.action.startswith("refused.")
    action = line.action.removeprefix("refused.")
    if refused:
        head = f":no_entry_sign: {who} was refused `{_echo(action)}`"
    else:
        head = f"{who} {ACTION_WORDS.get(action) or f'`{_echo(action)}`'}"
    pieces = [f"{when(line.at)} · {head}"]
    target = _subject(line)
    if target:
        pieces.append(f" {target}")
    details = detail_text(line.detail)
    if details:
        pieces.append(f" ({details[0]}")
        pieces += [f", {d}" for d in details[1:]]
        pieces.append(")")
    return _fit(pieces, LINE_SHOWN)


def _subject(line: AuditLine) -> str:
    kind, subject = line.subject_type, line.subject_id
    if line.pair is not None:
        mentor, mentee = line.pair
        return f"on <@{mentor}> mentoring <@{mentee}>"
    if subject and _SLACK_USER.fullmatch(subject) and kind in {"person", "coordinator"}:
        return f"<@{subject}>"
    if subject is None:
        return ""
    noun = excerpt((kind or "").replace("_", " "), 30, one_line=True)
    return " ".join(["on", *([noun] if noun else []), excerpt(subject, 40, one_line=True)])


def detail_text(detail: Mapping[str, Any] | None) -> list[str]:
    """What an entry's detail may show a coordinator, one piece per field.

    People's words appear only where they wrote them for the coordinators (an ask for
    help, a survey comment); any other free text shows that it exists, not what it says.
    """
    pieces = []
    for key, value in (detail or {}).items():
        if value is None or value == "" or value == []:
            continue
        name = excerpt(str(key).replace("_", " "), 30, one_line=True)
        if key in PRIVATE:
            pieces.append(f"{PRIVATE[key]} (not shown)")
        elif key in WORDS_FOR_COORDINATORS and isinstance(value, str):
            words = excerpt(value, WORDS_SHOWN, one_line=True)
            pieces.append(f"{WORDS_FOR_COORDINATORS[key]} “{words}”")
        else:
            shown = _value(key, value)
            if shown is not None:
                pieces.append(f"{name}: {shown}")
    return pieces


def _value(key: str, value: Any) -> str | None:
    if isinstance(value, bool | int | float):
        return str(value)
    if isinstance(value, str):
        if _SLACK_USER.fullmatch(value):
            return f"<@{value}>"
        if key in SHOWN or _TOKEN.fullmatch(value):
            return excerpt(value, 80, one_line=True)
        return "_text not shown_"
    if isinstance(value, list):
        if all(isinstance(v, str) and _SLACK_USER.fullmatch(v) for v in value):
            mentions = " ".join(f"<@{v}>" for v in value[:LISTED_IDS])
            return mentions + (f" +{len(value) - LISTED_IDS}" if len(value) > LISTED_IDS else "")
        return f"{len(value)} item(s)"
    return None  # nested records: too much for one line


def when(instant: datetime) -> str:
    fallback = instant.astimezone(UTC).strftime("%Y-%m-%d %H:%M UTC")
    return f"<!date^{int(instant.timestamp())}^{{date_short_pretty}} {{time}}|{fallback}>"


def _fit(pieces: list[str], limit: int) -> str:
    """Whole pieces while they fit, then "…": a cut never splits a mention or an entity."""
    out = ""
    for piece in pieces:
        if utf16_units(out) + utf16_units(piece) > limit - 1:
            return out + "…"
        out += piece
    return out
