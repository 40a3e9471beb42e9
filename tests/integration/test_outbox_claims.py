"""Outbox claims: a live sender keeps them however slow Slack is; a dead one's come
back at once on this host, and after a short lease anywhere else."""

from __future__ import annotations

import os
import subprocess
import threading
import time
from datetime import UTC, datetime, timedelta

import pytest

from bot import outbox
from bot.db.enums import OutboxStatus
from bot.slack import OutboxSender, make_delivery_client
from bot.workers import is_dead_here, this_host, worker_id
from scheduling import scheduler as clock
from tests.integration.conftest import TEAM, Rig


def _queue(rig: Rig, key: str) -> None:
    with rig.runtime.deps.sessions() as session:
        outbox.enqueue(
            session,
            team_id=TEAM,
            key=key,
            method="chat.postMessage",
            payload={"channel": "U0MEMBER1", "text": key},
            not_before=datetime.now(UTC) - timedelta(seconds=1),
        )
        session.commit()


def _claim(rig: Rig, worker: str) -> None:
    with rig.runtime.deps.sessions() as session:
        assert outbox.claim_due(session, now=datetime.now(UTC), worker_id=worker, limit=1)


def _dead_pid() -> int:
    """The pid of a process that ran here and is gone."""
    process = subprocess.Popen(["true"])
    process.wait()
    return process.pid


def test_a_sender_slower_than_the_lease_keeps_its_claim_so_nobody_sends_twice(
    rig: Rig, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setattr(outbox, "CLAIM_LEASE", timedelta(seconds=2))
    monkeypatch.setattr(outbox, "RENEW_EVERY", timedelta(seconds=0.25))
    _queue(rig, "slow one")
    rig.emulator.slow("chat.postMessage", seconds=5)  # more than two leases long
    slow, eager = (
        OutboxSender(make_delivery_client(rig.settings), rig.runtime.deps.sessions, name)
        for name in ("slow", "eager")
    )
    sending = threading.Thread(target=slow.deliver_due, args=(datetime.now(UTC),))
    sending.start()
    while rig.outbox()[0].status != OutboxStatus.SENDING:  # the slow one holds it first
        time.sleep(0.01)
    taken_by_eager = 0
    while sending.is_alive():
        taken_by_eager += eager.deliver_due(datetime.now(UTC)).sent
        time.sleep(0.1)
    sending.join()

    assert taken_by_eager == 0
    assert len(rig.emulator.calls("chat.postMessage")) == 1
    assert [m.status for m in rig.outbox()] == [OutboxStatus.SENT]


def test_on_start_the_scheduler_takes_back_at_once_what_a_dead_process_here_held(
    rig: Rig,
) -> None:
    alive = subprocess.Popen(["sleep", "30"])
    holders = {
        "dead here": f"{this_host()}:{_dead_pid()}:abc123",
        "earlier run with our pid": f"{this_host()}:{os.getpid()}:abc123",
        "alive here": f"{this_host()}:{alive.pid}:abc123",
        "another host": f"elsewhere:{_dead_pid()}:abc123",
        "this process": worker_id(),
    }
    try:
        for name, holder in holders.items():
            _queue(rig, name)
            _claim(rig, holder)

        scheduler = clock.start_in_background(rig.runtime)
        clock.stop(rig.runtime, scheduler)
    finally:
        alive.kill()
        alive.wait()

    status = {m.payload["text"]: m.status for m in rig.outbox()}
    assert {name for name, s in status.items() if s != OutboxStatus.SENDING} == {
        "dead here",
        "earlier run with our pid",
    }


def test_only_a_worker_of_this_host_whose_process_is_gone_is_dead() -> None:
    assert is_dead_here(f"{this_host()}:{_dead_pid()}:abc123")
    assert not is_dead_here(worker_id())
    assert not is_dead_here(f"{this_host()}:{os.getppid()}:abc123")
    assert not is_dead_here(f"elsewhere:{_dead_pid()}:abc123")
    assert not is_dead_here("not a worker id")


def test_a_first_claim_counts_one_attempt(rig: Rig) -> None:
    _queue(rig, "first")

    with rig.runtime.deps.sessions() as session:
        [claimed] = outbox.claim_due(session, now=datetime.now(UTC), worker_id="w", limit=1)

    assert claimed.attempts == 1 == rig.outbox()[0].attempts


def test_a_long_delivery_run_stamps_each_claim_with_the_time_it_was_made(rig: Rig) -> None:
    """Else a claim made a minute into a run would look a minute old to another process,
    which would take it as lapsed and send the message too."""
    for n in range(25):
        _queue(rig, f"message {n:02d}")
    rig.emulator.slow("chat.postMessage", seconds=0.05)
    start = datetime(2030, 1, 7, 9, 0, tzinfo=UTC)  # pinned, far from the wall clock

    assert rig.run_due(start).delivered.sent == 25

    stamps = sorted({m.sent_at for m in rig.outbox()})
    assert stamps[0] == start  # the first claim: the run's own instant
    assert len(stamps) == 3  # one per claim of 10
    assert stamps[-1] - start >= timedelta(seconds=0.9)  # 20 posts of 50 ms later
