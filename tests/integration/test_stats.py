"""Program health through the real endpoint: `/mentor stats` for a cohort and for all of
them, the numbers on the coordinator's App Home, a chart and a CSV in the coordinator's DM
(from the Home's buttons and from the command), members refused, and `mentorbot export`.

The program is tests/storage/stats_world.py (every number there is explained); the bot's
clock is pinned to its "today", Wednesday 12 June 2030.
"""

from __future__ import annotations

import csv
import io
import json
import subprocess
from collections.abc import Callable
from datetime import datetime
from pathlib import Path
from typing import Any

import pytest
from sqlalchemy import select

from bot.db.engine import make_engine, make_session_factory
from bot.db.models import AuditEntry
from bot.emulator import validate_blocks, validate_view
from bot.emulator.workspace import UploadedFile
from bot.views.stats import COORDINATORS_ONLY, StatsIds
from tests.integration.conftest import COORDINATOR, TEAM, Rig
from tests.integration.processes import in_process
from tests.integration.test_cli import MENTORBOT, _env
from tests.storage import stats_world as w

PNG_MAGIC = b"\x89PNG\r\n\x1a\n"
SPRING_LINES = (
    "3 mentors, 6 mentees · mentor slots used: 3 of 4 (75%)",
    "3 matched, 2 waiting (the longest for 23 days)",
    "1 of 2 running pairs met in their last check-in period · 1 paused",
    "1 pair at risk (two check-ins in a row without a meeting) · 1 on the at-risk list",
    "5 meetings logged · usefulness 3.5 / 5 (4 ratings) · 2 thank-you notes",
    "goals: 1 done, 1 on track, 1 not started, 1 dropped",
    "requests to mentors: 4 sent, 2 accepted, 1 declined, 1 expired",
)


@pytest.fixture
def rig_clock() -> Callable[[], datetime]:
    """The conftest's rig with the bot's clock pinned to the program's today."""
    return lambda: w.NOW


@pytest.fixture
def world(rig: Rig) -> w.World:
    with rig.runtime.deps.sessions() as session:
        built = w.build(session)
        session.commit()
    return built


def shown(response: Any) -> str:
    body = response.json
    assert body is not None, response.text
    return json.dumps(body, ensure_ascii=False)


def audited(rig: Rig, pattern: str) -> list[AuditEntry]:
    with rig.runtime.deps.sessions() as session:
        return list(
            session.scalars(
                select(AuditEntry).where(AuditEntry.action.like(pattern)).order_by(AuditEntry.id)
            )
        )


def files(rig: Rig, user: str) -> list[UploadedFile]:
    rig.run_due(w.NOW)
    return rig.emulator.files_for(user)


def coordinators_home(rig: Rig) -> dict[str, Any]:
    rig.slack.app_home_opened(COORDINATOR)
    rig.wait_queued(1)
    rig.run_due(w.NOW)
    home = rig.emulator.home_view(COORDINATOR)
    assert home is not None
    assert validate_view(home) == []
    return home


def table(upload: UploadedFile) -> list[dict[str, str]]:
    assert upload.content is not None
    return list(csv.DictReader(io.StringIO(upload.content.decode("utf-8"))))


# --- the numbers ---------------------------------------------------------------------------


def test_stats_for_a_cohort_show_its_numbers_and_no_names(rig: Rig, world: w.World) -> None:
    answer = rig.slack.slash_command(COORDINATOR, "stats spring")

    body = answer.json
    assert body["response_type"] == "ephemeral"
    assert validate_blocks(body["blocks"], surface="message") == []
    text = shown(answer)
    for line in SPRING_LINES:
        assert line in text, line
    assert "*Spring* · 1 Mar 2030 – 31 Aug 2030" in text
    assert "Autumn" not in text and "All cohorts" not in text
    for user in (w.MIA, w.ANA, w.IAN):  # numbers only: names are on the Home's at-risk list
        assert user not in text
    assert "Mia" not in text and "@Ana" not in text
    [viewed] = audited(rig, "stats.viewed")
    assert (viewed.actor_slack_id, viewed.subject_id) == (COORDINATOR, str(world.spring))


def test_stats_alone_show_every_cohort_together_then_each(rig: Rig, world: w.World) -> None:
    answer = rig.slack.slash_command(COORDINATOR, "stats")

    assert validate_blocks(answer.json["blocks"], surface="message") == []
    blocks = {b.get("block_id"): json.dumps(b, ensure_ascii=False) for b in answer.json["blocks"]}
    everyone = blocks[StatsIds.OVERALL]
    assert "*All cohorts*" in everyone
    assert "4 mentors, 7 mentees · mentor slots used: 3 of 5 (60%)" in everyone
    assert "3 matched, 3 waiting (the longest for 23 days)" in everyone
    autumn = blocks[f"{StatsIds.COHORT}{world.autumn}"]
    assert "1 mentor, 1 mentee" in autumn and "0 matched, 1 waiting" in autumn
    assert all(line in blocks[f"{StatsIds.COHORT}{world.spring}"] for line in SPRING_LINES[:4])
    # Newest cohort first.
    ids = [b.get("block_id") for b in answer.json["blocks"]]
    assert ids.index(f"{StatsIds.COHORT}{world.autumn}") < ids.index(
        f"{StatsIds.COHORT}{world.spring}"
    )


def test_an_unknown_cohort_is_named_and_the_cohorts_listed(rig: Rig, world: w.World) -> None:
    for text in ("stats Winter", "stats chart Winter", "stats export Winter"):
        answer = shown(rig.slack.slash_command(COORDINATOR, text))
        assert "There is no cohort named *Winter*" in answer
        assert "*Spring*" in answer and "*Autumn*" in answer
    assert rig.outbox() == []


def test_a_member_is_refused_stats_by_the_dispatcher_and_it_is_recorded(
    rig: Rig, world: w.World
) -> None:
    for text in ("stats", "stats chart", "stats export spring"):
        answer = shown(rig.slack.slash_command(w.ANA, text))
        assert "is for program coordinators" in answer and "mentors" not in answer

    rig.settle()  # the refusal is answered at once, then recorded
    assert [a.action for a in audited(rig, "refused.%")] == ["refused.command.stats"] * 3
    assert files(rig, w.ANA) == [] and audited(rig, "stats.%") == []


def test_the_coordinators_home_shows_program_health_with_chart_and_export_buttons(
    rig: Rig, world: w.World
) -> None:
    home = coordinators_home(rig)

    ids = [b.get("block_id") for b in home["blocks"]]
    for block_id in (
        StatsIds.HEADER,
        StatsIds.OVERALL,
        f"{StatsIds.COHORT}{world.spring}",
        f"{StatsIds.COHORT}{world.autumn}",
        f"{StatsIds.ACTIONS}all",
        f"{StatsIds.ACTIONS}{world.spring}",
    ):
        assert block_id in ids, block_id
    spring = json.dumps(home["blocks"][ids.index(f"{StatsIds.COHORT}{world.spring}")])
    assert all(line in json.loads(f"[{spring}]")[0]["text"]["text"] for line in SPRING_LINES)


# --- the chart -----------------------------------------------------------------------------


def test_the_chart_button_sends_a_png_to_the_coordinators_dm_and_is_audited(
    rig: Rig, world: w.World
) -> None:
    home = coordinators_home(rig)

    rig.slack.block_action(
        COORDINATOR, StatsIds.CHART, view=home, block_id=f"{StatsIds.ACTIONS}{world.spring}"
    )
    rig.settle()

    [chart] = files(rig, COORDINATOR)
    assert chart.content is not None and chart.content.startswith(PNG_MAGIC)
    assert chart.filename == "program-health-spring-2030-06-12.png"
    assert chart.title == "Program health: Spring"
    assert "Program health of *Spring*" in (chart.initial_comment or "")
    [entry] = audited(rig, "stats.chart")
    assert (entry.actor_slack_id, entry.subject_id) == (COORDINATOR, str(world.spring))
    assert entry.detail["periods"] == 16  # the weeks from 25 February to 10 June


def test_stats_chart_answers_at_once_and_the_chart_of_all_cohorts_follows(
    rig: Rig, world: w.World
) -> None:
    response = rig.slack.slash_command(COORDINATOR, "stats chart")

    assert response.in_time  # acknowledged before the drawing
    assert "Drawing the chart for *All cohorts*" in shown(response)
    rig.settle()
    [chart] = files(rig, COORDINATOR)
    assert chart.content is not None and chart.content.startswith(PNG_MAGIC)
    assert chart.filename.startswith("program-health-all-cohorts-")


# --- the export ----------------------------------------------------------------------------


def test_the_export_button_sends_the_cohorts_pairs_as_a_csv_safe_for_spreadsheets(
    rig: Rig, world: w.World
) -> None:
    home = coordinators_home(rig)

    rig.slack.block_action(
        COORDINATOR, StatsIds.EXPORT, view=home, block_id=f"{StatsIds.ACTIONS}{world.spring}"
    )
    rig.settle()

    [export] = files(rig, COORDINATOR)
    assert export.filename == "pairs-spring-2030-06-12.csv"
    rows = table(export)
    assert [(r["mentor_slack_id"], r["mentee_slack_id"]) for r in rows] == [
        (w.MIA, w.ANA),
        (w.MAX, w.OLA),
        (w.MAX, w.IAN),
        (w.MIA, w.EVE),
    ]
    ana = rows[0]
    assert (ana["mentor"], ana["mentee"]) == ("'" + w.MIA_NAME, "'@Ana")
    assert (ana["started"], ana["meetings"], ana["last_met"], ana["average_rating"]) == (
        "2030-03-04",
        "2",
        "2030-04-01",
        "4.50",
    )
    assert (ana["goals_done"], ana["goals"], ana["at_risk"]) == ("1", "2", "yes")
    assert (rows[1]["status"], rows[1]["ended"]) == ("ended", "2030-05-01")
    [entry] = audited(rig, "stats.export")
    assert entry.detail == {"pairs": 4}


def test_stats_export_names_the_cohort_and_sends_its_csv(rig: Rig, world: w.World) -> None:
    answer = shown(rig.slack.slash_command(COORDINATOR, "stats export AUTUMN"))

    assert "Putting together the CSV of *Autumn*'s pairs" in answer
    rig.settle()
    [export] = files(rig, COORDINATOR)
    assert table(export) == []  # no pair yet: the header alone
    assert export.content is not None and export.content.startswith(b"cohort,mentor,")


# --- forged buttons ------------------------------------------------------------------------


@pytest.mark.parametrize("action_id", [StatsIds.CHART, StatsIds.EXPORT])
def test_a_member_forging_a_home_button_is_refused_politely_and_recorded(
    rig: Rig, world: w.World, action_id: str
) -> None:
    home = coordinators_home(rig)

    rig.slack.block_action(w.ANA, action_id, view=home, block_id=f"{StatsIds.ACTIONS}all")
    rig.settle()

    assert files(rig, w.ANA) == [] and files(rig, COORDINATOR) == []
    [told] = [c for c in rig.emulator.calls("chat.postMessage") if c.args["channel"] == w.ANA]
    assert told.args["text"] == COORDINATORS_ONLY
    verb = action_id.split(".")[1]
    [refused] = audited(rig, "refused.%")
    assert (refused.action, refused.actor_slack_id, refused.subject_id) == (
        f"refused.stats.{verb}",
        w.ANA,
        "all",
    )
    assert audited(rig, f"stats.{verb}") == []


def test_a_button_naming_another_workspaces_cohort_sends_nothing(rig: Rig, world: w.World) -> None:
    home = coordinators_home(rig)

    rig.slack.block_action(
        COORDINATOR, StatsIds.EXPORT, "99999", view=home, block_id=f"{StatsIds.ACTIONS}all"
    )
    rig.settle()

    assert files(rig, COORDINATOR) == []
    assert "no longer there" in rig.emulator.last("chat.postMessage").args["text"]


# --- the command line ----------------------------------------------------------------------


def _built(db_url: str) -> None:
    engine = make_engine(db_url)
    with make_session_factory(engine)() as session:
        w.build(session)
        session.commit()
    engine.dispose()


def _export(tmp_path: Path, db_url: str, *args: str) -> subprocess.CompletedProcess[str]:
    return subprocess.run(
        [MENTORBOT, "export", *args],
        cwd=tmp_path,
        env=_env(DATABASE_URL=db_url),
        capture_output=True,
        text=True,
        timeout=60,
    )


def test_mentorbot_export_prints_a_cohorts_pairs_or_writes_them_to_a_file(
    tmp_path: Path, db_url: str
) -> None:
    _built(db_url)

    printed = _export(tmp_path, db_url, "--cohort", "spring", "--team", TEAM)
    written = in_process(  # the command's main() in this process
        "export", "--cohort", "Spring", "--team", TEAM, "--output", "spring.csv",
        cwd=tmp_path, DATABASE_URL=db_url,
    )  # fmt: skip

    assert printed.returncode == 0, printed.stderr
    rows = list(csv.DictReader(io.StringIO(printed.stdout)))
    assert [r["mentee_slack_id"] for r in rows] == [w.ANA, w.OLA, w.IAN, w.EVE]
    assert rows[0]["mentor"] == "'" + w.MIA_NAME
    assert written.returncode == 0 and written.stdout == ""
    assert "4 pairs" in written.stderr
    assert (tmp_path / "spring.csv").read_text(encoding="utf-8") == printed.stdout
