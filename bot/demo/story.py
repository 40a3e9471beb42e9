"""The demo's story, act by act, from one seed."""

from __future__ import annotations

import random
import sys
from collections.abc import Callable
from datetime import UTC, date, datetime, timedelta
from pathlib import Path
from typing import Any

from bot.demo import cast, closing, opening
from bot.demo.stage import DemoError, staged
from bot.demo.transcript import Transcript, text_writer
from bot.demo.weeks import Weeks, long_date, pairs

FIRST_MONDAY = date(2030, 3, 4)
OPENS_AT_UTC = 12  # the first day's work happens around noon UTC


def start_of(seed: int) -> datetime:
    """The program's first day: a Monday the seed picks, so dates are reproducible."""
    day = FIRST_MONDAY + timedelta(weeks=seed % 26)
    return datetime(day.year, day.month, day.day, OPENS_AT_UTC, tzinfo=UTC)


def run_demo(
    out: Callable[[str], Any] = print,
    *,
    seed: int = 1,
    database_url: str | None = None,
    html: Path | None = None,
) -> int:
    names = {person.user_id: person.first for person in cast.EVERYONE}
    transcript = Transcript(names, echo=text_writer(names, out))
    out(
        "mentorbot demo: the real bot against a local Slack emulator, no workspace needed "
        f"(seed {seed})"
    )
    start = start_of(seed)
    try:
        with staged(start, transcript, database_url, seed) as stage:
            transcript.heading("Day 1", long_date(start))
            opening.open_the_program(stage)
            opening.everyone_joins(stage)
            found_mentor = opening.ana_finds_a_mentor(stage)
            opening.a_round_pairs_the_rest(stage)
            made = pairs(stage)
            found = next(p for p in made if p.mentee == cast.ANA.user_id)
            matched = [p for p in made if p != found]
            if len(matched) < 2 or found.mentor != found_mentor:
                raise DemoError(f"the round made {len(matched)} pair(s); the story needs two")
            rng = random.Random(seed)
            moving, quiet = rng.sample(matched, 2)
            weeks = Weeks(stage, rng, found=found, moving=moving, quiet=quiet)
            weeks.run(start.replace(hour=0) + timedelta(weeks=1))
            closing.the_programs_health(stage)
            refused = [c for c in stage.slack.calls() if not c.ok]
            out(f"\n{len(stage.slack.calls())} Slack Web API calls, {len(refused)} refused.")
            for call in refused:
                out(f"  refused: {call.method} ({call.error})")
    except DemoError as exc:
        out(f"\nThe demo stopped: {exc}")
        return 1
    if html is not None:
        from bot.demo.page import write_page

        write_page(html, transcript, f"mentorbot demo (seed {seed})")
        # Not in the transcript: the same seed tells the same story wherever it is written.
        print(f"The same story as a page: {html}", file=sys.stderr)
    return 0 if not refused else 1
