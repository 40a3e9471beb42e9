"""Program health for coordinators: the numbers of `/mentor stats` and of the App Home
section, the CSV export of a cohort's pairs, and what each stats action answers.

Pure builders: state in, Block Kit (or CSV text) out. Numbers only: no names appear here
(a coordinator acts on pairs from the at-risk list, which names them). Cohort names are
typed by coordinators, so they are escaped in mrkdwn and neutralised in CSV cells.
"""

from __future__ import annotations

import csv
import io
from collections.abc import Iterable, Sequence
from dataclasses import dataclass, fields
from datetime import date, datetime

from slack_sdk.models.blocks import ActionsBlock, Block, ButtonElement, DividerBlock, HeaderBlock

from bot.views.text import clip, context, escape, section

HOME_COHORTS = 4  # cohorts on a coordinator's Home (two blocks each); the command lists more
COMMAND_COHORTS = 20  # cohorts in `/mentor stats` (one block each; a message holds 50)
NAME_SHOWN = 150  # of a cohort's name, escaped
ALL = "all"  # a chart or export button's value for every cohort at once


class StatsIds:
    CHART = "stats.chart"  # value: a cohort (program) id, or ALL
    EXPORT = "stats.export"  # likewise
    HEADER = "stats.header"
    OVERALL = "stats.overall"
    COHORT = "stats.cohort."  # + the program id
    ACTIONS = "stats.actions."  # + the program id, or ALL
    MORE = "stats.more"
    HINT = "stats.hint"


@dataclass(frozen=True)
class Health:
    """One cohort's numbers (or every cohort's, summed: `overall`), all from SQL aggregates.

    People count once per cohort they are enrolled in ("both" counts as mentor and mentee);
    pairs and what they logged belong to the cohort they were matched in.
    """

    program_id: int | None = None  # None: every cohort together
    name: str = "All cohorts"
    starts_on: date | None = None
    ends_on: date | None = None
    mentors: int = 0  # enrolled (not left) as mentor or both
    mentees: int = 0  # enrolled (not left) as mentee or both
    slots: int = 0  # mentors' capacity
    slots_used: int = 0  # their active_mentee_count (active and paused pairs hold a slot)
    matched: int = 0  # mentees in an active or paused pair
    waiting: int = 0  # mentees with no pair who are on the waiting list or were never paired
    waiting_since: datetime | None = None  # when the longest-waiting one started waiting
    running: int = 0  # active pairs
    paused: int = 0  # paused pairs
    met_last_period: int = 0  # active pairs with a meeting dated within their last period
    at_risk: int = 0  # active pairs whose last two (or more) check-ins had no meeting
    flagged: int = 0  # open pairs on the coordinators' at-risk list (three or more)
    meetings: int = 0  # meetings logged, ever
    ratings: int = 0  # meetings logged with a usefulness rating
    rating_total: int = 0  # the sum of those ratings
    thanks: int = 0  # thank-you notes left with a meeting log
    goals_not_started: int = 0
    goals_on_track: int = 0
    goals_done: int = 0
    goals_dropped: int = 0
    requests_sent: int = 0  # asked of a mentor (later choices never asked are not counted)
    requests_accepted: int = 0
    requests_declined: int = 0
    requests_expired: int = 0

    @property
    def rating(self) -> float | None:
        return self.rating_total / self.ratings if self.ratings else None

    @property
    def goals(self) -> int:
        return self.goals_not_started + self.goals_on_track + self.goals_done + self.goals_dropped


_SUMMED = tuple(
    f.name
    for f in fields(Health)
    if f.name not in ("program_id", "name", "starts_on", "ends_on", "waiting_since")
)


def overall(cohorts: Sequence[Health]) -> Health:
    """Every cohort together: the cohorts' aggregates added up (counts and sums add
    exactly; the average is recomputed from the summed ratings), the longest wait kept."""
    waits = [c.waiting_since for c in cohorts if c.waiting_since is not None]
    totals = {name: sum(getattr(c, name) for c in cohorts) for name in _SUMMED}
    return Health(waiting_since=min(waits) if waits else None, **totals)


@dataclass(frozen=True)
class ProgramHealth:
    """The workspace's program health: every cohort together and each cohort (newest first)."""

    overall: Health
    cohorts: tuple[Health, ...] = ()
    now: datetime | None = None  # for "the longest for 23 days"


# --- the words --------------------------------------------------------------------------------


def _plural(count: int, one: str, many: str | None = None) -> str:
    return f"{count} {one if count == 1 else (many or one + 's')}"


def _percent(part: int, whole: int) -> str:
    return f" ({round(100 * part / whole)}%)" if whole else ""


def _waited(since: datetime | None, now: datetime | None) -> str:
    if since is None or now is None:
        return ""
    days = max(0, (now - since).days)
    if days == 0:
        return " (the longest since today)"
    return f" (the longest for {_plural(days, 'day')})"


def cohort_title(health: Health) -> str:
    name = escape(clip(health.name, NAME_SHOWN))
    if health.program_id is None:
        return f"*{name}*"
    if health.starts_on and health.ends_on:
        return f"*{name}* · {_day(health.starts_on)} – {_day(health.ends_on)}"
    if health.starts_on:
        return f"*{name}* · from {_day(health.starts_on)}"
    return f"*{name}*"


def _day(day: date) -> str:
    return f"{day.day} {day:%b %Y}"


def health_text(health: Health, now: datetime | None) -> str:
    """One cohort's numbers as a few short lines (about 700 characters at most)."""
    h = health
    rating = (
        f"usefulness {h.rating:.1f} / 5 ({_plural(h.ratings, 'rating')})"
        if h.rating is not None
        else "no usefulness rating yet"
    )
    lines = [
        cohort_title(h),
        f":busts_in_silhouette: {_plural(h.mentors, 'mentor')}, {_plural(h.mentees, 'mentee')}"
        f" · mentor slots used: {h.slots_used} of {h.slots}{_percent(h.slots_used, h.slots)}",
        f":handshake: {h.matched} matched, {h.waiting} waiting{_waited(h.waiting_since, now)}",
        f":calendar: {h.met_last_period} of {_plural(h.running, 'running pair')} met in their "
        f"last check-in period" + (f" · {h.paused} paused" if h.paused else ""),
        f":warning: {_plural(h.at_risk, 'pair')} at risk (two check-ins in a row without a "
        f"meeting) · {h.flagged} on the at-risk list",
        f":star: {_plural(h.meetings, 'meeting')} logged · {rating} · "
        f"{_plural(h.thanks, 'thank-you note')}",
        f":dart: goals: {h.goals_done} done, {h.goals_on_track} on track, "
        f"{h.goals_not_started} not started, {h.goals_dropped} dropped",
        f":envelope: requests to mentors: {h.requests_sent} sent, {h.requests_accepted} "
        f"accepted, {h.requests_declined} declined, {h.requests_expired} expired",
    ]
    return "\n".join(lines)


def _buttons(value: str) -> ActionsBlock:
    return ActionsBlock(
        block_id=f"{StatsIds.ACTIONS}{value}",
        elements=[
            ButtonElement(text="Chart to my DM", action_id=StatsIds.CHART, value=value),
            ButtonElement(text="CSV of pairs to my DM", action_id=StatsIds.EXPORT, value=value),
        ],
    )


def home_blocks(report: ProgramHealth) -> list[Block]:
    """The coordinator's "Program health" section of the App Home: every cohort together,
    then the newest HOME_COHORTS cohorts, each with its chart and export buttons."""
    blocks: list[Block] = [
        DividerBlock(),
        HeaderBlock(block_id=StatsIds.HEADER, text="Program health"),
    ]
    if len(report.cohorts) != 1:
        blocks += [
            section(StatsIds.OVERALL, health_text(report.overall, report.now)),
            _buttons(ALL),
        ]
    for cohort in report.cohorts[:HOME_COHORTS]:
        value = str(cohort.program_id)
        blocks += [section(f"{StatsIds.COHORT}{value}", health_text(cohort, report.now))]
        blocks.append(_buttons(value))
    more = len(report.cohorts) - HOME_COHORTS
    hint = "`/mentor stats COHORT` shows one cohort"
    if more > 0:
        hint = f"_and {_plural(more, 'more cohort')}:_ " + hint
    blocks.append(context(StatsIds.MORE, hint + "; charts and CSVs arrive in your DM."))
    return blocks


def command_blocks(report: ProgramHealth) -> list[Block]:
    """`/mentor stats [cohort]`: the numbers, as an ephemeral message (no buttons: the
    chart and the export have their own words, and the Home has buttons)."""
    blocks: list[Block] = [HeaderBlock(block_id=StatsIds.HEADER, text="Program health")]
    if len(report.cohorts) != 1:
        blocks.append(section(StatsIds.OVERALL, health_text(report.overall, report.now)))
    for cohort in report.cohorts[:COMMAND_COHORTS]:
        blocks.append(
            section(f"{StatsIds.COHORT}{cohort.program_id}", health_text(cohort, report.now))
        )
    more = len(report.cohorts) - COMMAND_COHORTS
    if more > 0:
        blocks.append(context(StatsIds.MORE, f"_and {_plural(more, 'more cohort')}_"))
    blocks.append(context(StatsIds.HINT, HINT))
    return blocks


HINT = (
    "`/mentor stats chart [cohort]` sends you a chart, `/mentor stats export [cohort]` a CSV "
    "of the pairs; the at-risk pairs are listed on your App Home."
)


def command_text(report: ProgramHealth) -> str:
    """The notification text of `/mentor stats` (the blocks carry the rest)."""
    h = report.cohorts[0] if len(report.cohorts) == 1 else report.overall
    return (
        f"Program health: {h.matched} matched, {h.waiting} waiting, "
        f"{h.met_last_period} of {h.running} running pairs met in their last period."
    )


# --- answers ----------------------------------------------------------------------------------

COORDINATORS_ONLY = (
    "Sorry, program health is for program coordinators, so nothing was sent. "
    "If you think you should be one, ask your program's coordinator."
)
COHORT_GONE = "Sorry, that cohort is no longer there, so nothing was sent."


def unknown_cohort_text(name: str, known: Sequence[str]) -> str:
    cohorts = ", ".join(f"*{escape(clip(k, NAME_SHOWN))}*" for k in known) or "none yet"
    return f"There is no cohort named *{escape(clip(name, NAME_SHOWN))}*. Cohorts: {cohorts}."


def chart_on_its_way(name: str) -> str:
    return (
        f"Drawing the chart for *{escape(clip(name, NAME_SHOWN))}*: it will be in your DM "
        "in a moment."
    )


def export_on_its_way(name: str) -> str:
    return (
        f"Putting together the CSV of *{escape(clip(name, NAME_SHOWN))}*'s pairs: it will be "
        "in your DM in a moment."
    )


def chart_comment(name: str) -> str:
    return (
        f"Program health of *{escape(clip(name, NAME_SHOWN))}*: meetings logged per period, and "
        "mentees matched and waiting over time."
    )


def export_comment(name: str, pairs: int) -> str:
    return (
        f"The pairs of *{escape(clip(name, NAME_SHOWN))}* and their health "
        f"({_plural(pairs, 'pair')}). Names are as people gave them in Slack."
    )


# --- the CSV export ---------------------------------------------------------------------------

CSV_COLUMNS = (
    "cohort",
    "mentor",
    "mentor_slack_id",
    "mentee",
    "mentee_slack_id",
    "status",
    "cadence",
    "started",
    "ended",
    "meetings",
    "last_met",
    "average_rating",
    "goals_done",
    "goals",
    "checkins_without_meeting",
    "at_risk",
)
# A spreadsheet runs a cell that starts with one of these as a formula (CSV injection);
# names are typed by people, so such a cell gets a leading apostrophe, shown as text.
FORMULA_STARTS = ("=", "+", "-", "@", "\t", "\r")


@dataclass(frozen=True)
class PairRow:
    """One pair of the export, as the SQL aggregates give it."""

    cohort: str
    mentor: str
    mentor_user_id: str
    mentee: str
    mentee_user_id: str
    status: str
    cadence: str
    started: date
    ended: date | None
    meetings: int
    last_met: date | None
    rating: float | None
    goals_done: int
    goals: int
    without_meeting: int  # check-ins in a row without a meeting, since the last one
    at_risk: bool


def safe_cell(value: object) -> str:
    text = "" if value is None else str(value)
    return "'" + text if text.startswith(FORMULA_STARTS) else text


def pairs_csv(rows: Iterable[PairRow]) -> str:
    out = io.StringIO()
    writer = csv.writer(out)
    writer.writerow(CSV_COLUMNS)
    for r in rows:
        writer.writerow(
            safe_cell(v)
            for v in (
                r.cohort,
                r.mentor,
                r.mentor_user_id,
                r.mentee,
                r.mentee_user_id,
                r.status,
                r.cadence,
                r.started.isoformat(),
                r.ended.isoformat() if r.ended else "",
                r.meetings,
                r.last_met.isoformat() if r.last_met else "",
                f"{r.rating:.2f}" if r.rating is not None else "",
                r.goals_done,
                r.goals,
                r.without_meeting,
                "yes" if r.at_risk else "no",
            )
        )
    return out.getvalue()
