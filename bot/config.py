"""Settings: the environment variables of contract.md, read once at start.

A missing or malformed setting must stop the program with one line that names
the variable, so every failure here becomes a `SettingsError` whose message is
that line. Secrets are `SecretStr` and the database URL is shown without its
password, so neither `repr(settings)` nor a log line can leak them.
"""

from __future__ import annotations

import re
import zoneinfo
from typing import Annotated, Any, Literal

from pydantic import (
    AliasChoices,
    Field,
    SecretStr,
    ValidationError,
    ValidationInfo,
    field_validator,
)
from pydantic_settings import BaseSettings, NoDecode, SettingsConfigDict
from sqlalchemy.engine import make_url
from sqlalchemy.exc import ArgumentError

SLACK_USER_ID = re.compile(r"^[UW][A-Z0-9]{2,}$")

# Field name -> the variable an operator sets, for error lines.
_ENV_NAMES = {
    "slack_bot_token": "SLACK_BOT_TOKEN",
    "slack_signing_secret": "SLACK_SIGNING_SECRET",
    "slack_app_token": "SLACK_APP_TOKEN",
    "slack_client_id": "SLACK_CLIENT_ID",
    "slack_client_secret": "SLACK_CLIENT_SECRET",
    "slack_state_secret": "SLACK_STATE_SECRET",
    "slack_api_url": "SLACK_API_URL",
    "database_url": "DATABASE_URL",
    "port": "PORT",
    "admins": "MENTORBOT_ADMINS",
    "timezone": "MENTORBOT_TIMEZONE",
    "log_format": "MENTORBOT_LOG_FORMAT",
    "log_level": "MENTORBOT_LOG_LEVEL",
    "outbox_retention_days": "MENTORBOT_OUTBOX_RETENTION_DAYS",
    "scheduler_tick_seconds": "MENTORBOT_SCHEDULER_TICK_SECONDS",
    "scheduler_lease_seconds": "MENTORBOT_SCHEDULER_LEASE_SECONDS",
}


class SettingsError(Exception):
    """A setting is missing or malformed; str(error) is the one line to print."""


class Settings(BaseSettings):
    model_config = SettingsConfigDict(
        env_file=".env",
        env_file_encoding="utf-8",
        extra="ignore",
        case_sensitive=False,
        populate_by_name=True,
    )

    slack_bot_token: SecretStr | None = None
    slack_signing_secret: SecretStr | None = None
    slack_app_token: SecretStr | None = None
    # OAuth installs in several workspaces (bot/installs.py): all three or none.
    slack_client_id: str | None = None
    slack_client_secret: SecretStr | None = None
    slack_state_secret: SecretStr | None = None
    slack_api_url: str = "https://slack.com/api/"
    database_url: str = "sqlite:///mentorbot.db"
    port: int = Field(default=3000, ge=1, le=65535)
    admins: Annotated[frozenset[str], NoDecode] = Field(
        default=frozenset(), validation_alias=AliasChoices("MENTORBOT_ADMINS", "admins")
    )
    timezone: str = Field(
        default="UTC", validation_alias=AliasChoices("MENTORBOT_TIMEZONE", "timezone")
    )
    log_format: Literal["text", "json"] = Field(
        default="text", validation_alias=AliasChoices("MENTORBOT_LOG_FORMAT", "log_format")
    )
    log_level: Literal["debug", "info", "warning", "error"] = Field(
        default="info", validation_alias=AliasChoices("MENTORBOT_LOG_LEVEL", "log_level")
    )
    # How long a sent message's body is kept (for support questions) before it is blanked.
    outbox_retention_days: int = Field(
        default=7,
        ge=0,
        le=3650,
        validation_alias=AliasChoices("MENTORBOT_OUTBOX_RETENTION_DAYS", "outbox_retention_days"),
    )
    # How often the scheduler looks for due work, and how long its lease on that work
    # lasts without renewal (scheduling/lease.py): a dead holder is replaced within
    # lease + tick seconds. Tests shorten both; operators rarely need to.
    scheduler_tick_seconds: float = Field(
        default=2.0,
        gt=0,
        le=60,
        validation_alias=AliasChoices("MENTORBOT_SCHEDULER_TICK_SECONDS", "scheduler_tick_seconds"),
    )
    scheduler_lease_seconds: float = Field(
        default=30.0,
        gt=0,
        le=600,
        validation_alias=AliasChoices(
            "MENTORBOT_SCHEDULER_LEASE_SECONDS", "scheduler_lease_seconds"
        ),
    )

    @field_validator("log_level", mode="before")
    @classmethod
    def _level_any_case(cls, value: Any) -> Any:
        return value.strip().lower() if isinstance(value, str) else value

    @field_validator("slack_bot_token")
    @classmethod
    def _bot_token_shape(cls, value: SecretStr | None) -> SecretStr | None:
        if value is not None and not value.get_secret_value().startswith("xoxb-"):
            raise ValueError("expected a bot token starting with xoxb-")
        return value

    @field_validator("slack_client_id")
    @classmethod
    def _empty_id_is_unset(cls, value: str | None) -> str | None:
        return value.strip() or None if value is not None else None

    @field_validator("slack_signing_secret", "slack_client_secret", "slack_state_secret")
    @classmethod
    def _empty_secret_is_unset(cls, value: SecretStr | None) -> SecretStr | None:
        # SLACK_SIGNING_SECRET= (empty) must not pass for a secret: it would verify nothing.
        return value if value is None or value.get_secret_value().strip() else None

    @field_validator("slack_app_token")
    @classmethod
    def _app_token_shape(cls, value: SecretStr | None) -> SecretStr | None:
        if value is not None and not value.get_secret_value():
            return None  # an empty SLACK_APP_TOKEN means "not set": HTTP mode
        if value is not None and not value.get_secret_value().startswith("xapp-"):
            raise ValueError("expected an app-level token starting with xapp-")
        return value

    @field_validator("slack_api_url")
    @classmethod
    def _api_url_shape(cls, value: str) -> str:
        if not re.match(r"^https?://[^/\s]+", value):
            raise ValueError("expected an http(s) URL such as https://slack.com/api/")
        # slack_sdk joins base_url + method name, so the slash matters.
        return value if value.endswith("/") else value + "/"

    @field_validator("database_url")
    @classmethod
    def _database_url_shape(cls, value: str) -> str:
        try:
            url = make_url(value)
        except ArgumentError:
            raise ValueError(
                "expected a SQLAlchemy URL such as sqlite:///mentorbot.db "
                "or postgresql://user@host/dbname"
            ) from None
        if url.get_backend_name() not in ("sqlite", "postgresql"):
            raise ValueError("only sqlite:// and postgresql:// databases are supported")
        return value

    @field_validator("admins", mode="before")
    @classmethod
    def _split_admins(cls, value: Any) -> Any:
        if isinstance(value, str):
            value = [part.strip() for part in value.split(",") if part.strip()]
        bad = [v for v in value if not SLACK_USER_ID.match(v)]
        if bad:
            raise ValueError(
                f"expected comma-separated Slack user IDs like U012ABC; got {', '.join(bad)}"
            )
        return frozenset(value)

    @field_validator("timezone")
    @classmethod
    def _known_timezone(cls, value: str) -> str:
        try:
            zoneinfo.ZoneInfo(value)
        except (zoneinfo.ZoneInfoNotFoundError, ValueError):
            raise ValueError("expected an IANA time zone such as Europe/Paris or UTC") from None
        return value

    @field_validator("scheduler_lease_seconds")
    @classmethod
    def _lease_outlives_ticks(cls, value: float, info: ValidationInfo) -> float:
        tick = info.data.get("scheduler_tick_seconds")
        # The holder renews at each tick: a lease shorter than two ticks would lapse
        # between renewals and let a second scheduler in.
        if tick is not None and value < 2 * tick:
            raise ValueError(
                f"expected at least twice MENTORBOT_SCHEDULER_TICK_SECONDS ({2 * tick:g} s)"
            )
        return value

    # --- derived -------------------------------------------------------------

    @property
    def socket_mode(self) -> bool:
        return self.slack_app_token is not None

    @property
    def oauth(self) -> bool:
        """Installs in several workspaces through Slack's OAuth flow (HTTP mode only)."""
        return None not in (
            self.slack_client_id,
            self.slack_client_secret,
            self.slack_state_secret,
        )

    @property
    def database_url_for_display(self) -> str:
        return make_url(self.database_url).render_as_string(hide_password=True)

    @property
    def secret_values(self) -> list[str]:
        """The tokens, signing secret and database password in use: what no log line may
        show."""
        secrets = (
            self.slack_bot_token,
            self.slack_signing_secret,
            self.slack_app_token,
            self.slack_client_secret,
            self.slack_state_secret,
        )
        values = [s.get_secret_value() for s in secrets if s is not None]
        password = make_url(self.database_url).password
        return [*values, str(password)] if password else values

    def is_coordinator(self, user_id: str) -> bool:
        return user_id in self.admins

    def require_for_serving(self) -> None:
        """What `run` needs beyond the defaults; raises one clear line."""
        oauth_parts = (self.slack_client_id, self.slack_client_secret, self.slack_state_secret)
        if any(part is not None for part in oauth_parts) and not self.oauth:
            raise SettingsError(
                "SLACK_CLIENT_ID, SLACK_CLIENT_SECRET and SLACK_STATE_SECRET go together: "
                "set all three to install in several workspaces, or none"
            )
        if self.oauth:
            self._require_for_oauth()
            return
        if self.slack_bot_token is None:
            raise SettingsError(
                "SLACK_BOT_TOKEN is required to serve Slack: "
                "set it to the app's bot token (xoxb-...)"
            )
        if not self.socket_mode and self.slack_signing_secret is None:
            raise SettingsError(
                "SLACK_SIGNING_SECRET is required in HTTP mode: set it to the app's signing secret "
                "(or set SLACK_APP_TOKEN for Socket Mode)"
            )

    def _require_for_oauth(self) -> None:
        if self.socket_mode:
            raise SettingsError(
                "SLACK_APP_TOKEN is set, but installs in several workspaces (SLACK_CLIENT_ID) "
                "need HTTP mode: unset SLACK_APP_TOKEN"
            )
        if self.slack_bot_token is not None:
            raise SettingsError(
                "SLACK_BOT_TOKEN is set, but with SLACK_CLIENT_ID each workspace's token comes "
                "from its install: unset SLACK_BOT_TOKEN"
            )
        if self.slack_signing_secret is None:
            raise SettingsError(
                "SLACK_SIGNING_SECRET is required in HTTP mode: set it to the app's signing secret"
            )

    def __repr_args__(self):  # type: ignore[override]
        for name, value in super().__repr_args__():
            yield name, (self.database_url_for_display if name == "database_url" else value)


def load_settings(*, env_file: str | None = ".env", **overrides: Any) -> Settings:
    """Build Settings from the environment and `env_file`; overrides win.

    Tests pass env_file=None so a developer's own .env cannot leak into them.
    """
    try:
        return Settings(_env_file=env_file, **overrides)  # type: ignore[call-arg]
    except ValidationError as exc:
        raise SettingsError(_one_line(exc)) from None


def _one_line(exc: ValidationError) -> str:
    error = exc.errors()[0]
    field = str(error["loc"][0]) if error["loc"] else ""
    variable = _ENV_NAMES.get(field, field.upper())
    message = str(error["msg"]).removeprefix("Value error, ")
    return f"{variable} is invalid: {message}"
