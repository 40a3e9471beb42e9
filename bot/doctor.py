"""`mentorbot doctor`: is this deployment able to serve? One line per check.

Checks, in order: the settings; Slack accepts the bot token (`auth.test` at
SLACK_API_URL); the token has every scope manifest.yml asks for (Slack names a token's
scopes in the `x-oauth-scopes` header of each answer); the database answers; its schema
is at the newest revision. Each failure says how to fix it. Nothing is changed: no
migration, no message, and a missing SQLite file is not created.
"""

from __future__ import annotations

from collections.abc import Callable, Mapping
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import yaml
from slack_sdk import WebClient
from slack_sdk.errors import SlackApiError
from sqlalchemy import text
from sqlalchemy.engine import make_url

from bot.config import Settings, SettingsError

# The repo's manifest, for a deployment from a checkout (pip install -e .).
DEFAULT_MANIFEST = Path(__file__).resolve().parents[1] / "manifest.yml"
SLACK_TIMEOUT_S = 10

_TOKEN_ERRORS = {
    "invalid_auth": "Slack does not know this token",
    "not_authed": "no token was sent",
    "account_inactive": "the token's app or user was deactivated",
    "token_revoked": "the token was revoked",
    "token_expired": "the token expired",
}


@dataclass(frozen=True)
class Check:
    name: str
    ok: bool
    detail: str
    fix: str = ""

    def line(self) -> str:
        if self.ok:
            return f"ok    {self.name}: {self.detail}"
        return f"FAIL  {self.name}: {self.detail}; fix: {self.fix}"


def run_checks(load: Callable[[], Settings], manifest: Path | None = None) -> list[Check]:
    """Every check; those that need what an earlier one could not get are left out."""
    try:
        settings = load()
    except SettingsError as exc:
        return [Check("settings", False, str(exc), "correct it in the environment or .env")]
    checks = [_settings(settings)]
    if settings.slack_bot_token is not None:
        slack, scopes = _auth_test(settings)
        checks.append(slack)
        if slack.ok:
            checks.append(_scopes(scopes, manifest or DEFAULT_MANIFEST))
    database = _database(settings)
    checks.append(database)
    if database.ok:
        checks.append(_schema(settings))
    return checks


def _settings(settings: Settings) -> Check:
    try:
        settings.require_for_serving()
    except SettingsError as exc:
        return Check("settings", False, str(exc), "set it in the environment or .env")
    mode = "Socket Mode" if settings.socket_mode else f"HTTP mode on port {settings.port}"
    if settings.oauth:
        mode += ", installs in several workspaces (OAuth)"
    admins = len(settings.admins)
    return Check(
        "settings",
        True,
        f"{mode}; Slack API at {settings.slack_api_url}; "
        f"{admins} coordinator(s) in MENTORBOT_ADMINS; logs as {settings.log_format}",
    )


def _auth_test(settings: Settings) -> tuple[Check, set[str] | None]:
    assert settings.slack_bot_token is not None
    client = WebClient(
        token=settings.slack_bot_token.get_secret_value(),
        base_url=settings.slack_api_url,
        timeout=SLACK_TIMEOUT_S,
    )
    try:
        answer = client.auth_test()
    except SlackApiError as exc:
        error = str(exc.response.get("error"))
        return (
            Check(
                "slack token",
                False,
                f"Slack refused SLACK_BOT_TOKEN: {_TOKEN_ERRORS.get(error, error)} ({error})",
                "set SLACK_BOT_TOKEN to the Bot User OAuth Token on the app's OAuth & "
                "Permissions page (reinstall the app if it is not there)",
            ),
            None,
        )
    except OSError as exc:
        reason = getattr(exc, "reason", None) or exc
        return (
            Check(
                "slack token",
                False,
                f"cannot reach Slack at {settings.slack_api_url} ({reason})",
                "check SLACK_API_URL and that this host can reach it (proxy, firewall, DNS)",
            ),
            None,
        )
    detail = (
        f"bot {answer.get('user')} ({answer.get('user_id')}) in workspace "
        f"{answer.get('team')} ({answer.get('team_id')})"
    )
    return Check("slack token", True, detail), granted_scopes(answer.headers)


def granted_scopes(headers: Mapping[str, Any]) -> set[str] | None:
    """The scopes Slack says the token has, from `x-oauth-scopes`; None when not named."""
    for name, value in headers.items():
        if name.lower() == "x-oauth-scopes":
            raw = value[0] if isinstance(value, list) else value
            return {s.strip() for s in str(raw).split(",") if s.strip()}
    return None


def manifest_scopes(path: Path) -> set[str]:
    manifest = yaml.safe_load(path.read_text(encoding="utf-8"))
    return set(manifest["oauth_config"]["scopes"]["bot"])


def _scopes(granted: set[str] | None, manifest: Path) -> Check:
    try:
        wanted = manifest_scopes(manifest)
    except (OSError, yaml.YAMLError, KeyError, TypeError) as exc:
        return Check(
            "slack scopes",
            False,
            f"cannot read the bot scopes of {manifest} ({type(exc).__name__})",
            "pass --manifest PATH to the app's manifest.yml",
        )
    if granted is None:
        return Check(
            "slack scopes",
            False,
            "Slack did not name the token's scopes (no x-oauth-scopes header)",
            "check SLACK_API_URL points at Slack's Web API",
        )
    missing = sorted(wanted - granted)
    if missing:
        return Check(
            "slack scopes",
            False,
            f"the token lacks {', '.join(missing)} (manifest.yml asks for them)",
            "add them under OAuth & Permissions > Bot Token Scopes (or update the app from "
            "manifest.yml), then reinstall the app to the workspace",
        )
    extra = sorted(granted - wanted)
    more = f"; it also has {', '.join(extra)}, which mentorbot does not use" if extra else ""
    return Check("slack scopes", True, f"all {len(wanted)} scopes manifest.yml asks for{more}")


def _database(settings: Settings) -> Check:
    from bot.db.engine import make_engine

    where = settings.database_url_for_display
    url = make_url(settings.database_url)
    on_disk = url.get_backend_name() == "sqlite" and url.database not in (None, "", ":memory:")
    if on_disk and not Path(str(url.database)).exists():
        return Check(
            "database",
            False,
            f"no SQLite file at {url.database}",
            "run `mentorbot db upgrade` to create it, or correct DATABASE_URL",
        )
    engine = make_engine(settings.database_url)
    try:
        with engine.connect() as connection:
            if connection.dialect.name == "postgresql":
                version = connection.scalar(text("SHOW server_version"))
                kind = f"PostgreSQL {version}"
            else:
                kind = f"SQLite {connection.scalar(text('SELECT sqlite_version()'))}"
    except Exception as exc:
        first = str(getattr(exc, "orig", exc)).strip().splitlines()
        return Check(
            "database",
            False,
            f"cannot connect to {where} ({type(exc).__name__}: {first[0] if first else ''})",
            "check DATABASE_URL, and that the server runs and accepts this user",
        )
    finally:
        engine.dispose()
    return Check("database", True, f"{kind} at {where}")


def _schema(settings: Settings) -> Check:
    from alembic.script import ScriptDirectory

    from bot.db.migrate import alembic_config, current_revision, head_revision

    head = head_revision()
    current = current_revision(settings.database_url)
    if current == head:
        return Check("schema", True, f"at the newest revision, {head}")
    upgrade = "run `mentorbot db upgrade`"
    if current is None:
        return Check("schema", False, "the database was never migrated", upgrade)
    known = {
        script.revision for script in ScriptDirectory.from_config(alembic_config()).walk_revisions()
    }
    if current not in known:
        return Check(
            "schema",
            False,
            f"at {current}, a revision this version of mentorbot does not know",
            "run the newer mentorbot that migrated it, or restore a backup",
        )
    return Check("schema", False, f"at {current}, behind the newest revision {head}", upgrade)
