"""The outbox: a Slack outage delays a message; it never drops it or sends it twice."""

from __future__ import annotations

import threading
import time
from datetime import UTC, datetime, timedelta

import pytest
from sqlalchemy import update

from bot import outbox
from bot.db.enums import OutboxStatus
from bot.db.models import OutboxMessage
from bot.runtime import build_runtime
from bot.slack import OutboxSender, make_delivery_client
from scheduling import due
from scheduling import scheduler as clock
from tests.integration.conftest import TEAM, Rig, rig_settings

NOW = datetime(2026, 12, 1, 9, 0, tzinfo=UTC)


def _queue(rig: Rig, key: str, text: str = "hello", user: str = "U0MEMBER1", **extra) -> bool:
    with rig.runtime.deps.sessions() as session:
        added = outbox.enqueue(
            session,
            team_id=TEAM,
            key=key,
            method=extra.pop("method", "chat.postMessage"),
            payload=extra.pop("payload", {"channel": user, "text": text}),
            not_before=extra.pop("not_before", NOW),
        )
        session.commit()
    return added


def test_a_message_is_queued_once_per_idempotency_key(rig: Rig) -> None:
    assert _queue(rig, "welcome:U0MEMBER1") is True
    assert _queue(rig, "welcome:U0MEMBER1", text="again") is False

    rig.run_due(NOW)

    assert [c.args["text"] for c in rig.emulator.calls("chat.postMessage")] == ["hello"]


def test_nothing_is_sent_before_it_is_due(rig: Rig) -> None:
    _queue(rig, "later", not_before=NOW + timedelta(hours=1))

    assert rig.run_due(NOW).delivered.sent == 0
    assert rig.run_due(NOW + timedelta(hours=1)).delivered.sent == 1


def test_a_rate_limit_moves_the_message_by_retry_after(rig: Rig) -> None:
    _queue(rig, "k1")
    rig.emulator.rate_limit("chat.postMessage", retry_after=7, times=1)

    assert rig.run_due(NOW).delivered.retrying == 1
    [message] = rig.outbox()
    assert message.status == OutboxStatus.PENDING
    assert message.not_before == NOW + timedelta(seconds=7)
    assert message.last_error == "ratelimited"

    assert rig.run_due(NOW + timedelta(seconds=6)).delivered.sent == 0
    assert rig.run_due(NOW + timedelta(seconds=7)).delivered.sent == 1
    assert len([c for c in rig.emulator.calls("chat.postMessage") if c.ok]) == 1


def test_a_one_second_retry_after_is_waited_out_and_the_rest_flow_in_the_same_run(
    rig: Rig,
) -> None:
    for i in range(3):
        _queue(rig, f"k{i}", text=f"message {i}", user=f"U0MEMBER{i}")
    rig.emulator.rate_limit("chat.postMessage", retry_after=1, times=1)

    started = time.monotonic()
    report = rig.run_due(NOW)

    assert (report.delivered.sent, report.delivered.retrying) == (2, 1)
    assert time.monotonic() - started >= 1.0  # the next message waited for Slack's second
    calls = rig.emulator.calls("chat.postMessage")
    assert [c.status for c in calls] == [429, 200, 200]
    assert calls[1].at - calls[0].at >= 1.0
    assert rig.run_due(NOW + timedelta(seconds=1)).delivered.sent == 1


def test_a_long_retry_after_stops_asking_slack_until_it_is_over(rig: Rig) -> None:
    for i in range(12):
        _queue(rig, f"k{i}", text=f"message {i}", user=f"U0MEMBER{i}")
    rig.emulator.rate_limit("chat.postMessage", retry_after=30)

    first = rig.run_due(NOW)
    later = rig.run_due(NOW + timedelta(seconds=20))

    assert (first.delivered.retrying, later.delivered.retrying) == (1, 0)
    assert len(rig.emulator.calls("chat.postMessage")) == 1
    assert {m.status for m in rig.outbox()} == {OutboxStatus.PENDING}
    assert {m.attempts for m in rig.outbox()} == {0}  # asked once, and that was no attempt
    rig.emulator.reset_faults()
    assert rig.run_due(NOW + timedelta(seconds=30)).delivered.sent == 12


def test_a_server_error_ends_the_run_instead_of_trying_every_message(rig: Rig) -> None:
    for i in range(5):
        _queue(rig, f"k{i}", text=f"message {i}", user=f"U0MEMBER{i}")
    rig.emulator.fail("chat.postMessage", status=500, times=3)  # one message, retried twice

    during = rig.run_due(NOW)
    after = rig.run_due(NOW + timedelta(seconds=1))

    assert (during.delivered.sent, during.delivered.retrying) == (0, 1)
    assert after.delivered.sent == 4  # the failed one backs off; the others go at once
    assert rig.run_due(NOW + timedelta(minutes=1)).delivered.sent == 1
    assert len([c for c in rig.emulator.calls("chat.postMessage") if c.ok]) == 5


def test_a_run_stops_delivering_when_its_budget_is_spent_and_the_next_carries_on(
    rig: Rig, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setattr(due, "DELIVERY_BUDGET_S", 0.0)  # spent after the first claim
    for i in range(25):
        _queue(rig, f"k{i}", text=f"message {i}", user=f"U0MEMBER{i}")

    sent = [rig.run_due(NOW).delivered.sent for _ in range(3)]

    assert sent == [10, 10, 5]


def test_an_outage_backs_off_and_the_message_arrives_when_slack_is_back(rig: Rig) -> None:
    _queue(rig, "k1")
    rig.emulator.fail("chat.postMessage", status=503, times=None)

    now = NOW
    waits = []
    for _ in range(4):
        rig.run_due(now)
        [message] = rig.outbox()
        assert message.status == OutboxStatus.PENDING
        waits.append(message.not_before - now)
        now = message.not_before
    assert waits == sorted(waits) and waits[-1] > waits[0]  # exponential backoff

    rig.emulator.reset_faults()
    assert rig.run_due(now).delivered.sent == 1
    assert rig.outbox()[0].status == OutboxStatus.SENT


def test_a_message_slack_will_never_take_is_dead_lettered_with_the_reason(rig: Rig) -> None:
    _queue(rig, "k1", user="C0NOWHERE")
    rig.emulator.fail("chat.postMessage", error="channel_not_found", times=1)

    report = rig.run_due(NOW)

    assert report.delivered.failed == 1
    [message] = rig.outbox()
    assert (message.status, message.last_error) == (OutboxStatus.FAILED, "channel_not_found")
    assert rig.run_due(NOW + timedelta(days=1)).delivered.sent == 0


def test_a_claim_abandoned_by_a_dead_process_is_taken_again_after_the_lease(rig: Rig) -> None:
    _queue(rig, "k1")
    with rig.runtime.deps.sessions() as session:
        claimed = outbox.claim_due(session, now=NOW, worker_id="dead-worker", limit=10)
    assert len(claimed) == 1  # ... and the process dies before sending

    assert rig.run_due(NOW + outbox.CLAIM_LEASE - timedelta(seconds=1)).delivered.sent == 0
    assert rig.run_due(NOW + outbox.CLAIM_LEASE + timedelta(seconds=1)).delivered.sent == 1


def test_a_restart_loses_no_queued_message(emulator, db_url) -> None:
    first = build_runtime(rig_settings(emulator, db_url))
    with first.deps.sessions() as session:
        outbox.enqueue(
            session,
            team_id=TEAM,
            key="k1",
            method="chat.postMessage",
            payload={"channel": "U0MEMBER1", "text": "hi"},
            not_before=NOW,
        )
        session.commit()
    first.close()  # the process stops before the scheduler ran

    second = build_runtime(rig_settings(emulator, db_url))
    from scheduling.due import run_due

    assert run_due(second, NOW).delivered.sent == 1
    second.close()


def test_a_group_dm_opens_the_conversation_then_posts_into_it(rig: Rig) -> None:
    _queue(
        rig,
        "intro:1",
        method=outbox.GROUP_DM,
        payload={"users": ["U0MENTOR1", "U0MENTEE1"], "text": "Meet each other!"},
    )

    rig.run_due(NOW)

    opened = rig.emulator.last("conversations.open")
    posted = rig.emulator.last("chat.postMessage")
    assert opened.args["users"] == "U0MENTOR1,U0MENTEE1"
    assert posted.args["channel"] == opened.response["channel"]["id"]
    assert rig.outbox()[0].result["channel"] == posted.args["channel"]


@pytest.mark.parametrize("workers", [4])
def test_several_workers_send_each_message_exactly_once(rig: Rig, workers: int) -> None:
    for i in range(60):
        _queue(rig, f"k{i}", text=f"message {i}")
    senders = [
        OutboxSender(make_delivery_client(rig.settings), rig.runtime.deps.sessions, f"w{n}")
        for n in range(workers)
    ]
    barrier = threading.Barrier(workers)

    def work(sender: OutboxSender) -> None:
        barrier.wait()
        while sender.deliver_due(NOW, limit=5).sent:
            pass

    threads = [threading.Thread(target=work, args=(s,)) for s in senders]
    for t in threads:
        t.start()
    for t in threads:
        t.join(30)

    texts = sorted(c.args["text"] for c in rig.emulator.calls("chat.postMessage") if c.ok)
    assert texts == sorted(f"message {i}" for i in range(60))
    assert {m.status for m in rig.outbox()} == {OutboxStatus.SENT}


def test_the_running_scheduler_delivers_promptly_when_woken(rig: Rig) -> None:
    scheduler = clock.start_in_background(rig.runtime)
    try:
        with rig.runtime.deps.sessions() as session:
            outbox.enqueue(
                session,
                team_id=TEAM,
                key="now",
                method="chat.postMessage",
                payload={"channel": "U0MEMBER1", "text": "right away"},
                not_before=datetime.now(UTC),
            )
            session.commit()
        rig.runtime.deps.wake()
        [call] = rig.emulator.wait_for("chat.postMessage", timeout=5)
    finally:
        clock.stop(rig.runtime, scheduler)

    assert call.args["text"] == "right away"


def test_a_stale_worker_cannot_overwrite_the_outcome_of_a_reclaimed_message(rig: Rig) -> None:
    _queue(rig, "k1")
    with rig.runtime.deps.sessions() as session:
        [stale] = outbox.claim_due(session, now=NOW, worker_id="slow", limit=1)
        session.execute(update(OutboxMessage).values(claimed_by="fresh"))
        session.commit()
        outbox.give_up(session, stale, "late news", NOW)

    assert rig.outbox()[0].status == OutboxStatus.SENDING
