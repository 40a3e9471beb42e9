"""What an operator scrapes: GET /metrics in Prometheus' text format, and /readyz.

Counters are this process's (they only grow, so each test compares before and after);
the outbox and due-work figures are read from the database on each scrape.
"""

from __future__ import annotations

import json
import urllib.error
import urllib.request
from collections.abc import Iterator
from datetime import UTC, datetime, timedelta

import pytest
from prometheus_client.parser import text_string_to_metric_families
from sqlalchemy import update

from bot import metrics, outbox
from bot.app import build_app
from bot.db.migrate import head_revision, upgrade
from bot.db.models import OutboxMessage
from bot.emulator import SlackEmulator
from bot.runtime import build_runtime
from bot.server import build_asgi, serving_in_thread
from scheduling import lease
from tests.integration.conftest import SIGNING_SECRET, TEAM, Rig, rig_settings

Samples = dict[tuple[str, tuple[tuple[str, str], ...]], float]


def scrape(base_url: str) -> Samples:
    with urllib.request.urlopen(f"{base_url}/metrics", timeout=10) as response:
        assert response.headers["Content-Type"].startswith("text/plain; version=")
        page = response.read().decode()
    return {
        (s.name, tuple(sorted(s.labels.items()))): s.value
        for family in text_string_to_metric_families(page)
        for s in family.samples
    }


def value(samples: Samples, name: str, **labels: str) -> float:
    return samples.get((name, tuple(sorted(labels.items()))), 0.0)


def _get(url: str) -> tuple[int, dict]:
    try:
        with urllib.request.urlopen(url, timeout=5) as response:
            return response.status, json.loads(response.read())
    except urllib.error.HTTPError as error:
        return error.code, json.loads(error.read())


def queue(rig: Rig, key: str, *, waiting: timedelta, due_for: timedelta) -> None:
    """A pending DM, queued `waiting` ago and due `due_for` ago."""
    now = datetime.now(UTC)
    with rig.runtime.deps.sessions() as session:
        outbox.enqueue(
            session,
            team_id=TEAM,
            key=key,
            method="chat.postMessage",
            payload={"channel": "U0METRIC1", "text": "hello"},
            not_before=now - due_for,
        )
        session.commit()
        session.execute(
            update(OutboxMessage)
            .where(OutboxMessage.idempotency_key == key)
            .values(created_at=now - waiting)
        )
        session.commit()


def test_a_slash_command_is_counted_under_its_kind_with_its_latency(rig: Rig) -> None:
    before = scrape(rig.base_url)
    rig.slack.slash_command("U0METRIC1", "help")
    after = scrape(rig.base_url)

    count = "mentorbot_request_duration_seconds_count"
    assert value(after, count, kind="command") == value(before, count, kind="command") + 1
    total = "mentorbot_request_duration_seconds_sum"
    assert value(after, total, kind="command") > value(before, total, kind="command")
    assert value(after, "mentorbot_database_up") == 1


def test_an_ack_later_than_two_seconds_is_counted_as_late() -> None:
    late = metrics.LATE_ACKS.labels("action")
    before = late._value.get()
    metrics.observe_request("action", 1.9)
    assert late._value.get() == before
    metrics.observe_request("action", 2.4)
    assert late._value.get() == before + 1


def test_outbox_depth_oldest_pending_age_and_due_lag_come_from_the_database(rig: Rig) -> None:
    assert value(scrape(rig.base_url), "mentorbot_outbox_depth", status="pending") == 0
    queue(rig, "m:1", waiting=timedelta(minutes=10), due_for=timedelta(seconds=90))
    queue(rig, "m:2", waiting=timedelta(minutes=1), due_for=timedelta(seconds=-3600))

    samples = scrape(rig.base_url)

    assert value(samples, "mentorbot_outbox_depth", status="pending") == 2
    assert value(samples, "mentorbot_outbox_depth", status="sending") == 0
    age = value(samples, "mentorbot_outbox_oldest_pending_age_seconds")
    assert 600 <= age < 660
    lag = value(samples, "mentorbot_due_lag_seconds", work="outbox")
    assert 90 <= lag < 150  # the one due an hour from now is not late
    assert value(samples, "mentorbot_due_lag_seconds", work="checkin_prompts") == 0


def test_sends_are_counted_by_outcome_sent_retried_and_dead(rig: Rig) -> None:
    queue(rig, "s:1", waiting=timedelta(0), due_for=timedelta(0))
    queue(rig, "s:2", waiting=timedelta(0), due_for=timedelta(0))
    queue(rig, "s:3", waiting=timedelta(0), due_for=timedelta(0))
    before = scrape(rig.base_url)
    rig.emulator.fail("chat.postMessage", error="channel_not_found")  # the first: dead
    rig.emulator.fail("chat.postMessage", error="internal_error")  # the second: retried
    rig.run_due()
    rig.run_due(datetime.now(UTC) + timedelta(minutes=1))  # the retry and the third go out
    after = scrape(rig.base_url)

    sends = "mentorbot_outbox_sends_total"
    for outcome, more in (("sent", 2), ("retried", 1), ("dead", 1)):
        assert value(after, sends, outcome=outcome) == value(before, sends, outcome=outcome) + more
    assert value(after, "mentorbot_outbox_depth", status="pending") == 0


def test_the_scheduler_lease_holder_is_named_while_the_lease_is_live(rig: Rig) -> None:
    assert value(scrape(rig.base_url), "mentorbot_scheduler_lease_holder", holder="none") == 1

    with rig.runtime.deps.sessions() as session:
        held = lease.try_hold(session, lease.SCHEDULER, "host-a:41:x", timedelta(seconds=30))
    assert held.held
    samples = scrape(rig.base_url)

    assert value(samples, "mentorbot_scheduler_lease_holder", holder="host-a:41:x") == 1
    assert value(samples, "mentorbot_scheduler_lease_holder", holder="none") == 0


def test_an_expired_lease_has_no_holder(rig: Rig) -> None:
    with rig.runtime.deps.sessions() as session:
        lease.try_hold(session, lease.SCHEDULER, "host-a:41:x", timedelta(seconds=-1))

    assert value(scrape(rig.base_url), "mentorbot_scheduler_lease_holder", holder="none") == 1


def test_readyz_is_200_with_the_revision_when_the_schema_is_current(rig: Rig) -> None:
    assert _get(f"{rig.base_url}/readyz") == (200, {"ready": True, "revision": head_revision()})


@pytest.fixture
def emulator_alone() -> Iterator[SlackEmulator]:
    with SlackEmulator(tokens=["xoxb-test-token"]) as running:
        yield running


def _readyz(emulator: SlackEmulator, url: str) -> tuple[int, dict]:
    runtime = build_runtime(rig_settings(emulator, url))
    try:
        app = build_app(runtime.deps)
        asgi = build_asgi(app, runtime.engine, signing_secret=SIGNING_SECRET)
        with serving_in_thread(asgi) as base_url:
            return _get(f"{base_url}/readyz")
    finally:
        runtime.close()


def test_readyz_is_503_and_says_to_upgrade_when_the_schema_is_behind(
    emulator_alone: SlackEmulator, empty_db_url: str
) -> None:
    upgrade(empty_db_url, "0005_pair_life")

    status, body = _readyz(emulator_alone, empty_db_url)

    assert status == 503 and body["ready"] is False
    assert "0005_pair_life" in body["reason"] and "mentorbot db upgrade" in body["reason"]


def test_readyz_is_503_when_the_database_is_unreachable(
    emulator_alone: SlackEmulator, tmp_path
) -> None:
    status, body = _readyz(emulator_alone, f"sqlite:///{tmp_path}/missing-dir/nothing.db")

    assert status == 503 and body["reason"].startswith("database unreachable")
