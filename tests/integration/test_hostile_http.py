"""What the HTTP surface does with requests Slack did not send, or sent once already.

Raw HTTP throughout (http.client), as an attacker would send it: the bot must answer
each with a short status and one log line, never a traceback, and never act on it.
"""

from __future__ import annotations

import http.client
import json
import logging
import time
from collections.abc import Iterator, Mapping
from datetime import UTC, datetime
from urllib.parse import urlencode, urlsplit

import pytest

from bot.app import build_app
from bot.db.models import OutboxMessage, ProcessedEvent
from bot.programs import current_program
from bot.runtime import build_runtime
from bot.server import MAX_BODY_BYTES, build_asgi, serving_in_thread
from tests.integration.conftest import COORDINATOR, SIGNING_SECRET, TEAM, Rig, rig_settings

FORM = "application/x-www-form-urlencoded"
JSON = "application/json"
PLAUSIBLE_SIGNATURE = "v0=" + "0" * 64  # well-formed, but signs nothing


def post(
    base_url: str, body: bytes | Iterator[bytes], headers: Mapping[str, str]
) -> tuple[int, bytes]:
    """POST to /slack/events; an iterator body goes out chunked (no Content-Length)."""
    url = urlsplit(base_url)
    connection = http.client.HTTPConnection(url.hostname, url.port, timeout=20)
    try:
        chunked = not isinstance(body, bytes)
        connection.request(
            "POST", "/slack/events", body=body, headers=dict(headers), encode_chunked=chunked
        )
        response = connection.getresponse()
        return response.status, response.read()
    finally:
        connection.close()


def declare_only(base_url: str, content_length: int, headers: Mapping[str, str]) -> int:
    """Send the headers of a huge request, none of its body, and read the answer."""
    url = urlsplit(base_url)
    connection = http.client.HTTPConnection(url.hostname, url.port, timeout=10)
    try:
        connection.putrequest("POST", "/slack/events")
        for name, value in {**headers, "Content-Length": str(content_length)}.items():
            connection.putheader(name, value)
        connection.endheaders()
        return connection.getresponse().status
    finally:
        connection.close()


def unsigned(content_type: str, **extra: str) -> dict[str, str]:
    return {
        "Content-Type": content_type,
        "X-Slack-Request-Timestamp": str(int(time.time())),
        "X-Slack-Signature": PLAUSIBLE_SIGNATURE,
        **extra,
    }


def signed(rig: Rig, body: bytes, content_type: str = FORM) -> dict[str, str]:
    return {"Content-Type": content_type, **rig.slack.sign(body)}


def slash_body(user_id: str, text: str) -> bytes:
    return urlencode(
        {
            "team_id": TEAM,
            "channel_id": "C0GENERAL",
            "user_id": user_id,
            "command": "/mentor",
            "text": text,
            "api_app_id": "A0MENTOR",
            "response_url": "http://127.0.0.1:9/never-called",
            "trigger_id": f"{int(time.time())}.1.replayed",
        }
    ).encode()


def tracebacks(caplog: pytest.LogCaptureFixture) -> list[str]:
    return [r.getMessage() for r in caplog.records if r.exc_info or "Traceback" in r.getMessage()]


def refusals(caplog: pytest.LogCaptureFixture) -> list[str]:
    return [r.getMessage() for r in caplog.records if r.name == "mentorbot.http"]


def expiry_hours(rig: Rig) -> int:
    with rig.runtime.deps.sessions() as session:
        return current_program(session, TEAM, datetime.now(UTC)).request_expiry_hours


# --- oversized bodies --------------------------------------------------------------------


def test_a_body_declared_over_one_mebibyte_is_refused_before_it_is_read(rig: Rig) -> None:
    status = declare_only(rig.base_url, 50 * 1024 * 1024, unsigned(JSON))

    assert status == 413


def test_a_streamed_body_over_one_mebibyte_is_refused_even_when_signed(rig: Rig) -> None:
    chunk = b"x" * 64 * 1024
    body = chunk * (MAX_BODY_BYTES // len(chunk) + 4)

    status, _ = post(rig.base_url, iter([chunk] * (len(body) // len(chunk))), signed(rig, body))

    assert status == 413
    assert rig.count(ProcessedEvent) == 0  # not even its signature was recorded


def test_a_body_of_exactly_one_mebibyte_still_gets_through_to_the_signature_check(
    rig: Rig,
) -> None:
    status, _ = post(rig.base_url, b"x" * MAX_BODY_BYTES, unsigned(FORM))

    assert status == 401


# --- unsigned or badly signed, whatever the body -------------------------------------------

UNSIGNED = {
    "bad JSON": (b'{"type": "event_callback", ', unsigned(JSON)),
    "invalid UTF-8": (b"payload=\xff\xfe\xfa", unsigned(FORM)),
    "payload= garbage": (b"payload=%7Bnot-json", unsigned(FORM)),
    "payload= a list": (b"payload=%5B1%2C2%5D", unsigned(FORM)),
    "a JSON list": (b"[1, 2]", unsigned(JSON)),
    "a non-numeric timestamp": (
        slash_body("U0MEMBER1", "help"),
        unsigned(FORM, **{"X-Slack-Request-Timestamp": "soon"}),
    ),
    "a 5,000-digit timestamp": (
        slash_body("U0MEMBER1", "help"),
        unsigned(FORM, **{"X-Slack-Request-Timestamp": "9" * 5000}),
    ),
    "a malformed signature": (
        slash_body("U0MEMBER1", "help"),
        unsigned(FORM, **{"X-Slack-Signature": "v0=zz"}),
    ),
    "no signature headers": (slash_body("U0MEMBER1", "help"), {"Content-Type": FORM}),
}


@pytest.mark.parametrize("kind", UNSIGNED)
def test_an_unsigned_request_gets_401_and_one_log_line_without_a_traceback(
    rig: Rig, caplog: pytest.LogCaptureFixture, kind: str
) -> None:
    body, headers = UNSIGNED[kind]
    caplog.set_level(logging.DEBUG)

    status, answer = post(rig.base_url, body, headers)
    rig.settle()

    assert status == 401
    assert json.loads(answer) == {"error": "invalid request"}
    assert tracebacks(caplog) == []
    assert len(refusals(caplog)) == 1
    assert rig.count(ProcessedEvent) == 0
    assert rig.emulator.calls() == []


# --- signed, but not a Slack payload -----------------------------------------------------

SIGNED_MALFORMED = {
    "bad JSON": (b'{"type": "event_callback", ', JSON),
    "invalid UTF-8": (b"payload=\xff\xfe\xfa", FORM),
    "payload= garbage": (b"payload=%7Bnot-json", FORM),
    "payload= null": (b"payload=null", FORM),
    "a JSON list": (b"[1, 2]", JSON),
    "an event that is a string": (
        json.dumps({"type": "event_callback", "event": "x", "event_id": "Ev1"}).encode(),
        JSON,
    ),
    "a view that is not a view": (
        urlencode({"payload": json.dumps({"type": "view_submission", "view": {"type": 1}})}),
        FORM,
    ),
    "a slash command from nobody": (urlencode({"command": "/mentor", "text": "help"}), FORM),
}


@pytest.mark.parametrize("kind", SIGNED_MALFORMED)
def test_a_signed_but_malformed_request_gets_400_and_one_log_line(
    rig: Rig, caplog: pytest.LogCaptureFixture, kind: str
) -> None:
    body, content_type = SIGNED_MALFORMED[kind]
    raw = body if isinstance(body, bytes) else body.encode()
    caplog.set_level(logging.DEBUG)

    status, answer = post(rig.base_url, raw, signed(rig, raw, content_type))
    rig.settle()

    assert status == 400
    assert json.loads(answer) == {"error": "malformed request"}
    assert tracebacks(caplog) == []
    assert len(refusals(caplog)) == 1
    assert rig.count(OutboxMessage) == 0


# --- replays -----------------------------------------------------------------------------


def test_a_replayed_signed_request_is_refused_and_does_not_run_again(
    rig: Rig, caplog: pytest.LogCaptureFixture
) -> None:
    body = slash_body(COORDINATOR, "expiry 7")
    headers = signed(rig, body)

    first, _ = post(rig.base_url, body, headers)
    assert expiry_hours(rig) == 7 * 24
    later = rig.slack.slash_command(COORDINATOR, "expiry 5")
    caplog.set_level(logging.INFO)
    replayed, answer = post(rig.base_url, body, headers)

    assert (first, later.status) == (200, 200)
    assert replayed == 409
    assert json.loads(answer) == {"error": "request already received"}
    assert expiry_hours(rig) == 5 * 24  # the later change stands
    assert any("replay" in line for line in refusals(caplog))
    assert tracebacks(caplog) == []


def test_a_replay_to_another_web_process_on_the_same_database_is_refused(
    rig: Rig, db_url: str
) -> None:
    body = slash_body(COORDINATOR, "expiry 7")
    headers = signed(rig, body)
    first, _ = post(rig.base_url, body, headers)
    rig.slack.slash_command(COORDINATOR, "expiry 5")

    other = build_runtime(rig_settings(rig.emulator, db_url))
    asgi = build_asgi(build_app(other.deps), other.engine, signing_secret=SIGNING_SECRET)
    with serving_in_thread(asgi) as other_url:
        replayed, _ = post(other_url, body, headers)
    other.close()

    assert (first, replayed) == (200, 409)
    assert expiry_hours(rig) == 5 * 24


def test_an_events_api_retry_is_still_acknowledged_and_acted_on_once(rig: Rig) -> None:
    # Slack resends the same body with a fresh timestamp, hence a fresh signature.
    opened = {
        "type": "event_callback",
        "team_id": TEAM,
        "api_app_id": "A0MENTOR",
        "event_id": "Ev0RETRY1",
        "event_time": int(time.time()),
        "event": {"type": "app_home_opened", "user": "U0MEMBER1", "tab": "home"},
    }
    body = json.dumps(opened).encode()
    now = int(time.time())
    original = {"Content-Type": JSON, **rig.slack.sign(body, timestamp=now - 2)}
    retry = {
        "Content-Type": JSON,
        **rig.slack.sign(body, timestamp=now),
        "X-Slack-Retry-Num": "1",
        "X-Slack-Retry-Reason": "http_timeout",
    }

    first, _ = post(rig.base_url, body, original)
    rig.wait_queued(1)
    again, _ = post(rig.base_url, body, retry)
    rig.run_due()

    assert (first, again) == (200, 200)
    assert len(rig.outbox()) == 1
    assert len(rig.emulator.calls("views.publish")) == 1
