"""Thin Bolt listeners, one module per flow: parse, call bot/, render, return.

`register` only wires: one middleware puts Deps in every request's context, and each
flow's module-level listeners are attached by its own `register(app)`.
"""

from __future__ import annotations

from slack_bolt import App

from bot.deps import Deps
from handlers import (
    announcements,
    calendar,
    checkins,
    cohorts,
    commands,
    direct_messages,
    enrollment,
    find,
    followups,
    goals,
    home,
    installs,
    middleware,
    pace,
    rematch,
    requests,
    roster,
    rounds,
    snooze,
    stats,
    term,
)
from handlers.context import ProvideDeps


def register(app: App, deps: Deps) -> None:
    app.use(ProvideDeps(deps))
    app.middleware(middleware.act_once_per_event)
    if deps.installs is not None:  # installs in several workspaces (OAuth)
        installs.register(app)
    app.event("app_home_opened")(home.on_home_opened)
    roster.register_events(app)  # files dropped in the DM, before plain messages
    app.event("message")(direct_messages.on_message)
    commands.register(app)
    for flow in (
        enrollment,
        find,
        requests,
        rounds,
        checkins,
        term,
        goals,
        calendar,
        followups,
        pace,
        rematch,
        snooze,
        cohorts,
        roster,
    ):
        flow.register(app)
    announcements.register(app)
    stats.register(app)
