"""Thin Bolt listeners, one module per flow: parse, call bot/, render, return."""

from __future__ import annotations

from slack_bolt import App

from bot.deps import Deps
from handlers import commands, enrollment, home, matching, middleware, program, requests, rounds


def register(app: App, deps: Deps) -> None:
    middleware.register(app, deps)
    routes = enrollment.register(app, deps) | program.register(app, deps)
    routes |= rounds.register(app, deps)
    routes |= matching.register(app, deps, join=routes["join"])
    commands.register(app, deps, routes)
    home.register(app, deps)
    requests.register(app, deps)
