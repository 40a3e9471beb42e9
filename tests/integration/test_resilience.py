"""Slack's 3-second deadline holds whatever the Web API does, and nothing is lost."""

from __future__ import annotations

import time
from concurrent.futures import ThreadPoolExecutor

from slack_bolt import Ack, App

from bot.app import build_app
from bot.db.enums import OutboxStatus
from bot.runtime import build_runtime
from bot.server import build_asgi, serving_in_thread
from handlers.errors import guarded
from tests.integration.conftest import SIGNING_SECRET, TEAM, Rig, rig_settings

SLACK_ACK_DEADLINE_S = 3.0


def test_fifty_concurrent_commands_are_acknowledged_in_time_while_slack_rate_limits_all(
    rig: Rig,
) -> None:
    rig.emulator.rate_limit(retry_after=30)  # every Web API call answers 429

    with ThreadPoolExecutor(max_workers=50) as pool:
        responses = list(
            pool.map(lambda i: rig.slack.slash_command(f"U0PERSON{i:02d}", "help"), range(50))
        )

    assert [r.status for r in responses] == [200] * 50
    assert max(r.elapsed for r in responses) < SLACK_ACK_DEADLINE_S
    assert all("/mentor help" in r.json["text"] for r in responses)


def test_home_publishes_wait_out_a_rate_limit_and_are_sent_exactly_once(rig: Rig) -> None:
    rig.emulator.rate_limit(retry_after=30)
    with ThreadPoolExecutor(max_workers=20) as pool:
        acks = list(pool.map(lambda i: rig.slack.app_home_opened(f"U0PERSON{i:02d}"), range(20)))
    assert [a.status for a in acks] == [200] * 20
    rig.wait_queued(20)

    during = rig.run_due()
    assert (during.delivered.sent, during.delivered.retrying) == (0, 1)  # one 429 is enough
    assert rig.run_due().delivered.sent == 0  # Retry-After is respected: nothing is due yet
    assert len(rig.emulator.calls("views.publish")) == 1  # Slack was not asked again

    rig.emulator.reset_faults()
    later = rig.run_due(max(m.not_before for m in rig.outbox()))  # the Retry-After has passed

    assert later.delivered.sent == 20
    published = [c for c in rig.emulator.calls("views.publish") if c.ok]
    assert sorted(c.args["user_id"] for c in published) == [f"U0PERSON{i:02d}" for i in range(20)]
    assert {m.status for m in rig.outbox()} == {OutboxStatus.SENT}
    assert {m.attempts for m in rig.outbox()} == {1}  # a rate limit is not a failed attempt


def test_an_error_right_after_ack_leaves_the_acknowledgement_standing(emulator, db_url) -> None:
    runtime = build_runtime(rig_settings(emulator, db_url))
    app: App = build_app(runtime.deps)

    @app.command("/boom")
    @guarded
    def explode(ack: Ack) -> None:
        ack(text="on it")
        raise RuntimeError("a bug right after ack()")

    with serving_in_thread(
        build_asgi(app, runtime.engine, signing_secret=SIGNING_SECRET)
    ) as base_url:
        from bot.emulator import SlackDriver

        driver = SlackDriver(f"{base_url}/slack/events", SIGNING_SECRET, emulator, team_id=TEAM)
        started = time.monotonic()
        responses = [driver.slash_command("U0MEMBER1", "", command="/boom") for _ in range(10)]
        elapsed = time.monotonic() - started
    runtime.close()

    assert [r.status for r in responses] == [200] * 10
    assert all(r.text == "on it" for r in responses)
    assert elapsed < 10 * 0.5  # none of them waited out Bolt's 3 s ack timeout


def test_an_error_before_ack_gets_an_apology_not_a_timeout(emulator, db_url) -> None:
    runtime = build_runtime(rig_settings(emulator, db_url))
    app: App = build_app(runtime.deps)

    @app.command("/broken")
    @guarded
    def broken(ack: Ack) -> None:
        raise RuntimeError("a bug before ack()")

    with serving_in_thread(
        build_asgi(app, runtime.engine, signing_secret=SIGNING_SECRET)
    ) as base_url:
        from bot.emulator import SlackDriver

        driver = SlackDriver(f"{base_url}/slack/events", SIGNING_SECRET, emulator, team_id=TEAM)
        response = driver.slash_command("U0MEMBER1", "", command="/broken")
    runtime.close()

    assert response.status == 200
    assert "something went wrong on our side" in response.text
