"""manifest.yml creates the app as is, with exactly the scopes the code uses."""

from __future__ import annotations

import json
import re
from pathlib import Path

import pytest
import yaml

ROOT = Path(__file__).resolve().parents[2]
SCHEMA = ROOT.parent / "shared" / "slack" / "slack-manifest.schema.1.0.0.json"

# Web API method -> the bot scope it needs (None: no scope). A method the code calls that
# is missing here fails the test below, so the manifest cannot drift from the code.
SCOPE_OF_METHOD: dict[str, str | tuple[str, ...] | None] = {
    "auth.test": None,
    "views.open": None,
    "views.push": None,
    "views.update": None,
    "views.publish": None,
    "chat.postMessage": "chat:write",
    "chat.update": "chat:write",
    "chat.postEphemeral": "chat:write",
    # one person (a DM for a file) and several (a group DM for an intro)
    "conversations.open": ("im:write", "mpim:write"),
    # announcements: a public channel joined before posting; the chosen channel checked
    "conversations.join": "channels:join",
    "conversations.info": ("channels:read", "groups:read"),
    "users.info": "users:read",
    "users.lookupByEmail": ("users:read", "users:read.email"),
    "files.info": "files:read",
    "files.uploadV2": "files:write",
}

# Bolt listener event type -> (the manifest's bot event, the scope it needs). The bot
# listens to "message" for the DMs people type in the Messages tab only.
SUBSCRIPTION_OF_EVENT: dict[str, tuple[str, str | None]] = {
    "app_home_opened": ("app_home_opened", None),
    "message": ("message.im", "im:history"),
    # OAuth installs: the app leaves a workspace (no scope needed)
    "app_uninstalled": ("app_uninstalled", None),
    "tokens_revoked": ("tokens_revoked", None),
}


@pytest.fixture(scope="module")
def manifest() -> dict:
    return yaml.safe_load((ROOT / "manifest.yml").read_text())


def test_manifest_is_valid_against_slacks_published_schema(manifest: dict) -> None:
    if not SCHEMA.exists():
        pytest.skip(f"Slack's manifest schema is not beside the repo ({SCHEMA})")
    import jsonschema

    jsonschema.Draft7Validator(json.loads(SCHEMA.read_text())).validate(manifest)


def test_manifest_sets_up_what_the_bot_serves(manifest: dict) -> None:
    features, settings = manifest["features"], manifest["settings"]

    assert [c["command"] for c in features["slash_commands"]] == ["/mentor"]
    assert features["app_home"]["home_tab_enabled"] is True
    assert features["app_home"]["messages_tab_enabled"] is True
    assert settings["event_subscriptions"]["bot_events"] == [
        "app_home_opened",
        "message.im",
        "app_uninstalled",
        "tokens_revoked",
    ]
    # OAuth installs (HTTP mode): Slack sends installers back to Bolt's redirect path.
    assert [u.rsplit("/", 2)[-2:] for u in manifest["oauth_config"]["redirect_urls"]] == [
        ["slack", "oauth_redirect"]
    ]
    assert settings["interactivity"]["is_enabled"] is True
    assert settings["socket_mode_enabled"] is True


def _code() -> str:
    sources = [
        p.read_text()
        for d in ("bot", "handlers", "scheduling")
        for p in (ROOT / d).rglob("*.py")
        if "emulator" not in p.parts
    ]
    return "\n".join(sources)


def _events_the_code_listens_to() -> set[str]:
    return set(re.findall(r'app\.event\("([a-z_]+)"\)', _code()))


def _methods_the_code_calls() -> set[str]:
    code = _code()
    called = {
        name.replace("_", ".", 1)
        for name in re.findall(r"client\.(?!api_call)([a-z]+_[A-Za-z0-9_]+)\(", code)
    }
    quoted = set(re.findall(r'"((?:chat|views|conversations|users|files)\.[A-Za-z0-9]+)"', code))
    return {_camel(m) for m in called} | quoted


def _camel(method: str) -> str:
    family, _, rest = method.partition(".")
    head, *tail = rest.split("_")
    return family + "." + head + "".join(t.capitalize() for t in tail)


def test_manifest_asks_for_exactly_the_scopes_the_code_uses(manifest: dict) -> None:
    methods = _methods_the_code_calls()
    unknown = methods - SCOPE_OF_METHOD.keys()
    assert not unknown, f"add these methods' scopes to SCOPE_OF_METHOD: {unknown}"

    needed = {"commands"}
    for method in methods:
        scope = SCOPE_OF_METHOD[method]
        needed |= set(scope) if isinstance(scope, tuple) else {scope} - {None}
    for event in _events_the_code_listens_to():
        needed |= {SUBSCRIPTION_OF_EVENT[event][1]} - {None}
    assert set(manifest["oauth_config"]["scopes"]["bot"]) == needed


def test_manifest_subscribes_to_exactly_the_events_the_code_listens_to(manifest: dict) -> None:
    events = _events_the_code_listens_to()
    unknown = events - SUBSCRIPTION_OF_EVENT.keys()
    assert not unknown, f"add these events to SUBSCRIPTION_OF_EVENT: {unknown}"

    wanted = {SUBSCRIPTION_OF_EVENT[event][0] for event in events}
    assert set(manifest["settings"]["event_subscriptions"]["bot_events"]) == wanted
