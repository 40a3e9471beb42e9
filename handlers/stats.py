"""Program health: `/mentor stats [chart|export] [cohort]`, and the chart and export
buttons on a coordinator's App Home. Each service checks the right on the server
(bot.stats): the Home's buttons are only shown to coordinators, but anyone can forge them."""

from __future__ import annotations

from typing import Any

from slack_bolt import Ack, App, BoltContext

from bot.stats import (
    Asker,
    UnknownCohort,
    health_report,
    read_command,
    send_chart,
    send_export,
)
from bot.views.stats import (
    StatsIds,
    chart_on_its_way,
    command_blocks,
    command_text,
    export_on_its_way,
    unknown_cohort_text,
)
from handlers.context import deps_of
from handlers.errors import guarded
from handlers.invocation import Invocation, Route
from handlers.payloads import team_of


def stats(call: Invocation) -> None:
    """The numbers at once; a chart or a CSV is acknowledged first, then made and queued
    for the DM (drawing the first chart loads matplotlib, which takes a second)."""
    deps = call.deps
    asker = Asker(call.team_id, call.user_id)
    try:
        with deps.uow() as uow:
            command = read_command(uow.session, call.team_id, call.parsed.rest)
            report = None
            if command.action == "view":
                report = health_report(
                    uow.session, deps.settings, asker, command.target, now=deps.clock()
                )
    except UnknownCohort as unknown:
        call.ack(response_type="ephemeral", text=unknown_cohort_text(unknown.name, unknown.known))
        return
    if command.action == "view":
        if report is not None:  # None: refused, and told by DM
            call.ack(
                response_type="ephemeral", text=command_text(report), blocks=command_blocks(report)
            )
        else:
            call.ack()
        return
    send, said = (
        (send_chart, chart_on_its_way)
        if command.action == "chart"
        else (send_export, export_on_its_way)
    )
    call.ack(response_type="ephemeral", text=said(command.target.name))
    with deps.uow() as uow:
        send(uow.session, deps.settings, asker, command.target.value, now=deps.clock())


COMMANDS: dict[str, Route] = {"stats": stats}


@guarded
def on_chart(ack: Ack, body: dict[str, Any], action: dict[str, Any], context: BoltContext) -> None:
    ack()  # a Home click has no reply: the chart (or why not) arrives by DM
    deps = deps_of(context)
    with deps.uow() as uow:
        send_chart(uow.session, deps.settings, _asker(body), action.get("value"), now=deps.clock())


@guarded
def on_export(ack: Ack, body: dict[str, Any], action: dict[str, Any], context: BoltContext) -> None:
    ack()
    deps = deps_of(context)
    with deps.uow() as uow:
        send_export(uow.session, deps.settings, _asker(body), action.get("value"), now=deps.clock())


def register(app: App) -> None:
    app.action(StatsIds.CHART)(on_chart)
    app.action(StatsIds.EXPORT)(on_export)


def _asker(body: dict[str, Any]) -> Asker:
    return Asker(team_id=team_of(body), user_id=body["user"]["id"])
