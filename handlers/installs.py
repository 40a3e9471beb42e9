"""The app leaves a workspace (installs through OAuth): `app_uninstalled` and
`tokens_revoked`. Registered only when installs come through OAuth; bot/installs.py
deletes the tokens and withdraws what was still to be sent there."""

from __future__ import annotations

from typing import Any

from slack_bolt import App, BoltContext

from bot.installs import TOKEN_REVOKED, UNINSTALLED, forget_user_tokens, forget_workspace
from handlers.context import deps_of
from handlers.errors import guarded


def register(app: App) -> None:
    app.event("app_uninstalled")(on_app_uninstalled)
    app.event("tokens_revoked")(on_tokens_revoked)


def _team(body: dict[str, Any], context: BoltContext) -> str:
    return str(context.team_id or body.get("team_id") or "")


@guarded
def on_app_uninstalled(body: dict[str, Any], context: BoltContext) -> None:
    deps = deps_of(context)
    assert deps.installs is not None  # registered only with OAuth
    with deps.uow() as uow:
        forget_workspace(deps.installs, uow.session, _team(body, context), why=UNINSTALLED)


@guarded
def on_tokens_revoked(body: dict[str, Any], event: dict[str, Any], context: BoltContext) -> None:
    deps = deps_of(context)
    assert deps.installs is not None
    tokens = event.get("tokens") or {}
    team = _team(body, context)
    if tokens.get("bot"):  # the bot's own token: nothing more can be sent there
        with deps.uow() as uow:
            forget_workspace(deps.installs, uow.session, team, why=TOKEN_REVOKED)
    elif tokens.get("oauth"):
        forget_user_tokens(deps.installs, team, list(tokens["oauth"]))
