"""A person's click is answered ahead of bulk work: with 500 prompts of a fan-out queued
and Slack's rate limits holding them back, the update a click causes goes out while
most of the fan-out still waits (the fan-out is then left unfinished: how a fan-out is
sent whole under rate limits is tests/integration/test_checkin_delivery.py's and
bench/fanout.py's subject).

Ana (mentee) and Ben (mentor) from tests/integration/test_followups.py, paired weeks
ago and prompted; Ana logs their meeting through the real modal while the due-work job
sends the fan-out, as the scheduler would.
"""

from __future__ import annotations

import json
import threading
import time
from collections.abc import Callable, Iterator
from datetime import UTC, datetime, timedelta

import pytest

from bot import outbox
from bot.emulator import Bucket, RateLimits, SlackEmulator
from bot.emulator.calls import Call
from scheduling.due import DELIVERY_BATCH, run_due
from tests.integration import test_checkins as base
from tests.integration.conftest import BOT_TOKEN, TEAM, Rig
from tests.integration.test_checkins import BEN
from tests.integration.test_followups import ANA, log_meeting, open_next, paired

cast_of_three = base.cast_of_three  # autouse: Ana, Ben and Cara enrolled

FAN_OUT = 500
FANNED = {f"U{n:08d}" for n in range(FAN_OUT)}
# Slack's limits, a little faster: chat.postMessage across the workspace 20 at once,
# then 10 a second (past that the emulator answers 429 with Retry-After 1 s), one a
# second per channel; other methods by their tiers. The whole fan-out would take 50 s.
LIMITS = RateLimits(post_message_workspace=Bucket(per_minute=600, burst=20))


@pytest.fixture
def emulator() -> Iterator[SlackEmulator]:
    with SlackEmulator(tokens=[BOT_TOKEN], rate_limits=LIMITS) as running:
        for n in range(FAN_OUT):
            running.add_user(f"U{n:08d}", name=f"member{n}", tz="Europe/Paris")
        yield running


def queue_fan_out(rig: Rig, queued_at: datetime) -> None:
    """FAN_OUT prompts, queued as the due-work job queues a fan-out (before the click)."""
    messages = [
        (f"fan-out:{n}", "chat.postMessage", {"channel": f"U{n:08d}", "text": "Check-in time"})
        for n in range(FAN_OUT)
    ]
    with rig.runtime.deps.uow() as uow:
        outbox.enqueue_many(uow.session, team_id=TEAM, messages=messages, not_before=queued_at)


def fan_out_sent(calls: list[Call]) -> list[int]:
    """Positions, in Slack's log of calls, of the fan-out's messages Slack accepted."""
    return [
        i
        for i, call in enumerate(calls)
        if call.method == "chat.postMessage" and call.ok and call.args["channel"] in FANNED
    ]


def partner_told(calls: list[Call]) -> list[int]:
    """Positions of the update to Ben's prompt saying Ana logged their meeting."""
    told = "logged your check-in"
    return [
        i
        for i, call in enumerate(calls)
        if call.method == "chat.update" and call.ok and told in json.dumps(call.args)
    ]


def wait_for(found: Callable[[], bool], seconds: float) -> None:
    deadline = time.monotonic() + seconds
    while not found() and time.monotonic() < deadline:
        time.sleep(0.02)


def test_a_partners_update_from_a_click_goes_out_before_a_rate_limited_fan_out_finishes(
    rig: Rig,
) -> None:
    paired(rig, days_ago=20)
    open_next(rig)  # both prompted; Ana logs the meeting from hers below
    rig.emulator.clear()
    queue_fan_out(rig, queued_at=datetime.now(UTC) - timedelta(minutes=1))
    stop = threading.Event()

    def scheduler() -> None:  # the due-work job, tick after tick, as the scheduler runs it
        while not stop.is_set():
            run_due(rig.runtime, datetime.now(UTC))

    ticking = threading.Thread(target=scheduler, name="due-work", daemon=True)
    ticking.start()
    try:
        # Under way, and held back by Slack: a 429 (Retry-After) has been answered.
        wait_for(lambda: any(c.status == 429 for c in rig.emulator.calls()), 60)
        clicked = len(fan_out_sent(rig.emulator.calls()))
        log_meeting(rig, ANA)  # its notices are committed when this returns
        queued = len(fan_out_sent(rig.emulator.calls()))
        wait_for(lambda: bool(partner_told(rig.emulator.calls())), 60)
    finally:
        stop.set()
        rig.runtime.sender.stop()  # the message in hand, then nothing more
        ticking.join(60)
    assert not ticking.is_alive()

    calls = rig.emulator.calls()
    [update] = partner_told(calls)
    assert calls[update].args["channel"] == rig.emulator.dm_channel_id(BEN)
    assert any(call.status == 429 for call in calls[:update])  # the fan-out was held back
    before = [i for i in fan_out_sent(calls) if i < update]
    # Ben's prompt said so before the fan-out finished: after the click's notices were
    # queued, only the claims in hand (at most two) went ahead of them, not the rest.
    assert len(before) <= queued + 2 * DELIVERY_BATCH, (clicked, queued, len(before))
    assert len(before) < FAN_OUT
    sent = fan_out_sent(calls)
    assert len({calls[i].args["channel"] for i in sent}) == len(sent)  # none twice
