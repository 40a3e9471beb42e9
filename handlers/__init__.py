"""Thin Bolt listeners, one module per flow: parse, call bot/, render, return."""

from __future__ import annotations

from slack_bolt import App

from bot.deps import Deps
from handlers import (
    checkins,
    commands,
    direct_messages,
    enrollment,
    find,
    home,
    middleware,
    program,
    requests,
    rounds,
)
from handlers.context import ProvideDeps


def register(app: App, deps: Deps) -> None:
    app.use(ProvideDeps(deps))
    app.middleware(middleware.act_once_per_event)
    app.event("app_home_opened")(home.on_home_opened)
    app.event("message")(direct_messages.on_message)
    routes = enrollment.register(app, deps) | program.register(app, deps)
    routes |= rounds.register(app, deps)
    routes |= find.register(app, deps, join=routes["join"])
    commands.register(app, deps, routes)
    requests.register(app, deps)
    checkins.register(app)
