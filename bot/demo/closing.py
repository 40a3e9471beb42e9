"""The demo's last act: the program's health on the coordinator's Home and in
`/mentor stats`, and the chart the Chart button sends to her DM."""

from __future__ import annotations

from bot.demo import cast
from bot.demo.opening import show_fresh, show_reply
from bot.demo.stage import DemoError, Stage
from bot.views.stats import StatsIds

PNG_MAGIC = b"\x89PNG\r\n\x1a\n"


def the_programs_health(stage: Stage) -> None:
    t, coco = stage.transcript, cast.COCO
    t.heading("After eight weeks", "the program's health")
    stage.tick()
    show_fresh(stage)
    home = stage.open_home(coco.user_id)
    t.surface(f"{coco.first}'s Home tab", "home", home)
    stage.command(coco.user_id, f"stats {cast.COHORT}")
    show_reply(stage, f"{coco.first} types /mentor stats {cast.COHORT}")

    actions = next(
        (
            b["block_id"]
            for b in home["blocks"]
            if b.get("block_id", "").startswith(StatsIds.ACTIONS) and StatsIds.CHART in str(b)
        ),
        None,
    )
    if actions is None:
        raise DemoError("the coordinator's Home has no Chart button")
    stage.click(coco.user_id, StatsIds.CHART, view=home, block_id=actions)
    stage.tick()
    charts = [f for f in stage.files_for(coco.user_id) if (f.content or b"").startswith(PNG_MAGIC)]
    if not charts:
        raise DemoError("the Chart button sent no chart")
    chart = charts[-1]
    t.say(f"{coco.first} clicks Chart; the bot uploads the chart to her DM.")
    t.picture(chart.title or chart.filename, chart.filename, chart.content)
    show_fresh(stage)
