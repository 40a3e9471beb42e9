"""Settings: contract.md's variables, one clear line on a bad one, no secret shown."""

from __future__ import annotations

import logging

import pytest

from bot.config import SettingsError, load_settings
from bot.logs import RedactingFilter, redact


def test_defaults_are_the_contracts() -> None:
    settings = load_settings(env_file=None)

    assert settings.slack_api_url == "https://slack.com/api/"
    assert settings.database_url == "sqlite:///mentorbot.db"
    assert settings.port == 3000
    assert settings.admins == frozenset()
    assert settings.timezone == "UTC"
    assert settings.log_format == "text"
    assert settings.socket_mode is False


def test_admins_are_a_comma_separated_list_of_user_ids() -> None:
    settings = load_settings(env_file=None, admins=" U0AAA1 ,W0BBB2,")

    assert settings.admins == {"U0AAA1", "W0BBB2"}
    assert settings.is_coordinator("U0AAA1") and not settings.is_coordinator("U0CCC3")


def test_an_app_token_switches_to_socket_mode() -> None:
    assert load_settings(env_file=None, slack_app_token="xapp-1-A1-abc").socket_mode


def test_the_api_url_always_ends_with_a_slash() -> None:
    assert load_settings(env_file=None, slack_api_url="http://127.0.0.1:9/api").slack_api_url == (
        "http://127.0.0.1:9/api/"
    )


@pytest.mark.parametrize(
    ("field", "value", "variable"),
    [
        ("slack_bot_token", "xoxp-user-token", "SLACK_BOT_TOKEN"),
        ("slack_app_token", "xoxb-wrong-kind", "SLACK_APP_TOKEN"),
        ("database_url", "mysql://x@y/z", "DATABASE_URL"),
        ("database_url", "::nonsense::", "DATABASE_URL"),
        ("admins", "alice", "MENTORBOT_ADMINS"),
        ("timezone", "Europe/Atlantis", "MENTORBOT_TIMEZONE"),
        ("port", 70000, "PORT"),
    ],
)
def test_a_malformed_setting_is_one_line_naming_the_variable(
    field: str, value: object, variable: str
) -> None:
    with pytest.raises(SettingsError) as caught:
        load_settings(env_file=None, **{field: value})

    assert str(caught.value).startswith(f"{variable} is invalid: ")
    assert "\n" not in str(caught.value)


def test_serving_needs_a_token_and_in_http_mode_a_signing_secret() -> None:
    with pytest.raises(SettingsError, match="SLACK_BOT_TOKEN"):
        load_settings(env_file=None).require_for_serving()
    with pytest.raises(SettingsError, match="SLACK_SIGNING_SECRET"):
        load_settings(env_file=None, slack_bot_token="xoxb-1").require_for_serving()
    load_settings(
        env_file=None, slack_bot_token="xoxb-1", slack_app_token="xapp-1-x"
    ).require_for_serving()


OAUTH = {
    "slack_client_id": "1000.2000",
    "slack_client_secret": "client-secret-value",
    "slack_state_secret": "state-secret-value",
    "slack_signing_secret": "signing-secret-value",
}


def test_the_three_oauth_settings_switch_to_several_workspaces_without_a_bot_token() -> None:
    settings = load_settings(env_file=None, **OAUTH)

    settings.require_for_serving()
    assert settings.oauth
    assert {"client-secret-value", "state-secret-value"} <= set(settings.secret_values)
    assert "client-secret-value" not in repr(settings)
    assert not load_settings(env_file=None).oauth


@pytest.mark.parametrize(
    "missing", ["slack_client_id", "slack_client_secret", "slack_state_secret"]
)
def test_oauth_settings_go_together(missing: str) -> None:
    partial = {k: v for k, v in OAUTH.items() if k != missing}

    with pytest.raises(SettingsError, match="go together"):
        load_settings(env_file=None, **partial).require_for_serving()


def test_oauth_is_http_only_and_takes_no_bot_token() -> None:
    with pytest.raises(SettingsError, match="need HTTP mode: unset SLACK_APP_TOKEN"):
        load_settings(env_file=None, slack_app_token="xapp-1-x", **OAUTH).require_for_serving()
    with pytest.raises(SettingsError, match="unset SLACK_BOT_TOKEN"):
        load_settings(env_file=None, slack_bot_token="xoxb-1", **OAUTH).require_for_serving()


def test_repr_shows_no_secret_and_no_database_password() -> None:
    settings = load_settings(
        env_file=None,
        slack_bot_token="xoxb-111-secret-bot",
        slack_signing_secret="signing-secret-value",
        slack_app_token="xapp-1-secret-app",
        database_url="postgresql://mentor:hunter2@db.internal/mentorbot",
    )

    shown = repr(settings) + str(settings)
    for secret in ("secret-bot", "signing-secret-value", "secret-app", "hunter2"):
        assert secret not in shown
    assert "db.internal" in shown


def test_log_lines_never_carry_a_token(caplog: pytest.LogCaptureFixture) -> None:
    logger = logging.getLogger("test.redaction")
    logger.addFilter(RedactingFilter())
    with caplog.at_level(logging.INFO, logger="test.redaction"):
        logger.info("calling with %s and %s", "xoxb-123-456-abcdef", "xapp-1-A0-99-zz")

    assert "abcdef" not in caplog.text and "zz" not in caplog.text
    assert redact("token xoxp-1-2-3 here") == "token xoxp-*** here"


def test_the_scheduler_ticks_every_2_s_and_its_lease_lasts_30_s_unless_set(
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    assert load_settings(env_file=None).scheduler_tick_seconds == 2
    assert load_settings(env_file=None).scheduler_lease_seconds == 30
    monkeypatch.setenv("MENTORBOT_SCHEDULER_TICK_SECONDS", "0.5")
    monkeypatch.setenv("MENTORBOT_SCHEDULER_LEASE_SECONDS", "3")

    settings = load_settings(env_file=None)

    assert (settings.scheduler_tick_seconds, settings.scheduler_lease_seconds) == (0.5, 3)


def test_a_scheduler_lease_shorter_than_two_ticks_is_refused_naming_the_variable() -> None:
    # The holder renews at each tick: a shorter lease would lapse between renewals.
    with pytest.raises(SettingsError) as caught:
        load_settings(env_file=None, scheduler_tick_seconds=5, scheduler_lease_seconds=9)

    assert str(caught.value) == (
        "MENTORBOT_SCHEDULER_LEASE_SECONDS is invalid: "
        "expected at least twice MENTORBOT_SCHEDULER_TICK_SECONDS (10 s)"
    )
