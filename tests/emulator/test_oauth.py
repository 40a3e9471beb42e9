"""The emulator's OAuth: an install page that plays the signed-in person clicking "Allow",
oauth.v2.access checking what Slack checks, and tokens that act in their own workspace."""

from __future__ import annotations

import urllib.error
import urllib.request
from collections.abc import Iterator
from urllib.parse import parse_qs, urlencode, urlsplit

import pytest
from slack_sdk import WebClient
from slack_sdk.errors import SlackApiError

from bot.emulator import SlackEmulator
from bot.emulator.installs import DEFAULT_CLIENT_ID, DEFAULT_CLIENT_SECRET, SESSION_COOKIE

REDIRECT = "https://bot.example/slack/oauth_redirect"


@pytest.fixture
def slack() -> Iterator[SlackEmulator]:
    with SlackEmulator(tokens=[]) as emulator:
        emulator.add_team("T0GLOBEX", "Globex", bot_id="B0GLOBEX", bot_user_id="U0GLOBBT")
        emulator.redirect_urls = [REDIRECT]
        yield emulator


class _Stay(urllib.request.HTTPRedirectHandler):
    def redirect_request(self, *args: object, **kwargs: object) -> None:
        return None


def allow(slack: SlackEmulator, session: str | None, **query: str) -> tuple[int, str]:
    """The person signed in as `session` ("TEAM:USER") clicks Allow; (status, Location)."""
    args = {"client_id": DEFAULT_CLIENT_ID, "scope": "chat:write,commands", "state": "s1"}
    url = f"{slack.authorize_url}?{urlencode(args | query)}"
    headers = {"Cookie": f"{SESSION_COOKIE}={session}"} if session else {}
    request = urllib.request.Request(url, headers=headers)
    try:
        with urllib.request.build_opener(_Stay()).open(request) as reply:
            return reply.status, reply.headers.get("Location", "")
    except urllib.error.HTTPError as e:
        return e.code, e.headers.get("Location", "")


def code_from(location: str) -> str:
    return parse_qs(urlsplit(location).query)["code"][0]


def test_allowing_sends_the_installer_back_with_a_code_and_the_apps_state(
    slack: SlackEmulator,
) -> None:
    status, location = allow(slack, "T0GLOBEX:U0ADMIN1")

    assert status == 302
    assert location.startswith(REDIRECT + "?")
    assert parse_qs(urlsplit(location).query)["state"] == ["s1"]


def test_the_install_page_needs_a_signed_in_person_the_apps_id_and_a_configured_redirect(
    slack: SlackEmulator,
) -> None:
    assert allow(slack, None)[0] == 401
    assert allow(slack, "T0GLOBEX:U0ADMIN1", client_id="999.999")[0] == 400
    assert allow(slack, "T0GLOBEX:U0ADMIN1", redirect_uri="https://evil.example/x")[0] == 400


def test_a_code_is_exchanged_once_for_a_bot_token_that_acts_in_its_own_workspace(
    slack: SlackEmulator,
) -> None:
    client = WebClient(base_url=slack.api_url)
    code = code_from(allow(slack, "T0GLOBEX:U0ADMIN1")[1])

    granted = client.oauth_v2_access(
        client_id=DEFAULT_CLIENT_ID, client_secret=DEFAULT_CLIENT_SECRET, code=code
    )

    assert granted["team"]["id"] == "T0GLOBEX"
    assert granted["bot_user_id"] == "U0GLOBBT"
    assert granted["scope"] == "chat:write,commands"
    token = granted["access_token"]
    assert WebClient(token=token, base_url=slack.api_url).auth_test()["team_id"] == "T0GLOBEX"
    WebClient(token=token, base_url=slack.api_url).chat_postMessage(channel="U0GPERS1", text="hi")
    assert slack.team("T0GLOBEX").messages_for("U0GPERS1")
    assert slack.messages_for("U0GPERS1") == []  # not in the first workspace
    with pytest.raises(SlackApiError, match="invalid_code"):
        client.oauth_v2_access(
            client_id=DEFAULT_CLIENT_ID, client_secret=DEFAULT_CLIENT_SECRET, code=code
        )


@pytest.mark.parametrize(
    ("secret", "redirect", "error"),
    [
        ("wrong-secret", None, "bad_client_secret"),
        (DEFAULT_CLIENT_SECRET, "https://bot.example/other", "bad_redirect_uri"),
    ],
)
def test_oauth_v2_access_checks_the_secret_and_the_redirect_uri_like_slack(
    slack: SlackEmulator, secret: str, redirect: str | None, error: str
) -> None:
    code = code_from(allow(slack, "T0GLOBEX:U0ADMIN1", redirect_uri=REDIRECT)[1])

    with pytest.raises(SlackApiError, match=error):
        WebClient(base_url=slack.api_url).oauth_v2_access(
            client_id=DEFAULT_CLIENT_ID, client_secret=secret, code=code, redirect_uri=redirect
        )


def test_an_uninstalled_workspaces_token_stops_working(slack: SlackEmulator) -> None:
    code = code_from(allow(slack, "T0GLOBEX:U0ADMIN1")[1])
    token = WebClient(base_url=slack.api_url).oauth_v2_access(
        client_id=DEFAULT_CLIENT_ID, client_secret=DEFAULT_CLIENT_SECRET, code=code
    )["access_token"]

    slack.uninstall("T0GLOBEX")

    with pytest.raises(SlackApiError, match="invalid_auth"):
        WebClient(token=token, base_url=slack.api_url).auth_test()
