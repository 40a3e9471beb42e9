"""The program-health chart as a PNG: meetings per period, and mentees matched and waiting.

A pure function from the series (bot.stats computes them in SQL) to PNG bytes. matplotlib
is imported here, inside `render_png`, only when a chart is asked for: the bot starts and
serves without it (tests/unit/test_startup_imports.py). It draws on an Agg canvas owned
by the figure, never through pyplot's global state, so two listeners can draw at once.
"""

from __future__ import annotations

import io
from dataclasses import dataclass
from datetime import date
from typing import Literal

WIDTH_IN, HEIGHT_IN, DPI = 10, 7.5, 100  # 1000 x 750 px: readable in Slack's preview
WAITING_NOTE = (
    "Matched: pairs open (active or paused) at the end of each period. Waiting, an estimate: "
    "mentees enrolled then, less the pairs open then (from join, leave, start and end dates)."
)


@dataclass(frozen=True)
class ChartSeries:
    """What the chart shows, one value per period (a week from Monday, or a month)."""

    name: str  # the cohort, or "All cohorts"
    first: date  # the first day shown
    last: date  # the last day shown (today, or the cohort's end when it is over)
    unit: Literal["week", "month"]
    periods: tuple[date, ...]  # the first day of each period
    meetings: tuple[int, ...]  # meetings logged with a date in the period
    matched: tuple[int, ...]  # at the end of the period
    waiting: tuple[int, ...]  # at the end of the period (an estimate, see WAITING_NOTE)


def _label(day: date, unit: str) -> str:
    return f"{day:%b %Y}" if unit == "month" else f"{day.day} {day:%b}"


def title_of(series: ChartSeries) -> str:
    span = f"{series.first.day} {series.first:%b %Y} – {series.last.day} {series.last:%b %Y}"
    return f"{series.name}: program health, {span}"


def render_png(series: ChartSeries) -> bytes:
    from matplotlib.backends.backend_agg import FigureCanvasAgg
    from matplotlib.figure import Figure
    from matplotlib.ticker import MaxNLocator

    figure = Figure(figsize=(WIDTH_IN, HEIGHT_IN), dpi=DPI, layout="constrained")
    FigureCanvasAgg(figure)
    figure.suptitle(title_of(series), fontsize=14, fontweight="bold")
    meetings, people = figure.subplots(2, 1, sharex=True)
    positions = list(range(len(series.periods)))
    per = "week" if series.unit == "week" else "month"

    meetings.bar(positions, series.meetings, color="#2e7d32", label="meetings logged")
    meetings.set_title(f"Meetings logged per {per}")
    meetings.set_ylabel("meetings")
    meetings.yaxis.set_major_locator(MaxNLocator(integer=True))
    meetings.grid(axis="y", alpha=0.3)

    people.plot(positions, series.matched, marker="o", color="#1565c0", label="matched")
    people.plot(positions, series.waiting, marker="s", color="#ef6c00", label="waiting (estimate)")
    people.set_title("Mentees matched and waiting")
    people.set_ylabel("mentees")
    people.set_xlabel(f"{per} starting" if per == "week" else "month")
    people.yaxis.set_major_locator(MaxNLocator(integer=True))
    people.set_ylim(bottom=0)
    people.grid(axis="y", alpha=0.3)
    people.legend(loc="best")

    step = max(1, len(positions) // 12)  # at most about a dozen labels
    people.set_xticks(positions[::step])
    people.set_xticklabels(
        [_label(day, series.unit) for day in series.periods[::step]], rotation=30, ha="right"
    )
    figure.supxlabel(WAITING_NOTE, fontsize=8, color="#555555")

    out = io.BytesIO()
    figure.savefig(out, format="png")
    return out.getvalue()
