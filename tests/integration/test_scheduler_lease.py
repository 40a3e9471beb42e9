"""The in-process scheduler and the lease: it does the due work only while it holds the
lease, delivers the outbox either way, takes the lease once it expires, and lets it go
when it stops."""

from __future__ import annotations

import subprocess
import time
from collections.abc import Callable
from datetime import UTC, datetime, timedelta
from typing import Any

import pytest

from bot import outbox
from bot.db.models import CheckIn, Lease
from bot.workers import this_host
from scheduling import scheduler as clock
from scheduling.lease import SCHEDULER, database_now
from tests.integration.conftest import TEAM, Rig
from tests.integration.test_checkin_delivery import seed_pairs

ELSEWHERE = "elsewhere:4242:abc123"  # a live scheduler on another host


@pytest.fixture
def rig_overrides() -> dict[str, Any]:
    return {"scheduler_tick_seconds": 0.1, "scheduler_lease_seconds": 1.0}


def _until(condition: Callable[[], bool], what: str, timeout: float = 15) -> None:
    deadline = time.monotonic() + timeout
    while not condition():
        assert time.monotonic() < deadline, f"not within {timeout} s: {what}"
        time.sleep(0.02)


def _lease(rig: Rig) -> Lease | None:
    with rig.runtime.deps.sessions() as session:
        return session.get(Lease, SCHEDULER)


def _held_elsewhere(rig: Rig, for_: timedelta, holder: str = ELSEWHERE) -> None:
    with rig.runtime.deps.sessions() as session:
        now = database_now(session)
        session.add(
            Lease(
                name=SCHEDULER,
                holder=holder,
                acquired_at=now,
                renewed_at=now,
                expires_at=now + for_,
            )
        )
        session.commit()


def _expire(rig: Rig) -> None:
    with rig.runtime.deps.sessions() as session:
        lease = session.get(Lease, SCHEDULER)
        assert lease is not None
        lease.expires_at = database_now(session) - timedelta(seconds=1)
        session.commit()


def test_a_scheduler_without_the_lease_delivers_the_outbox_but_prompts_nobody_until_it_expires(
    rig: Rig, db_url: str
) -> None:
    seed_pairs(rig.emulator, db_url, 1, datetime.now(UTC) - timedelta(days=20))
    _held_elsewhere(rig, timedelta(minutes=5))
    with rig.runtime.deps.sessions() as session:
        outbox.enqueue(
            session,
            team_id=TEAM,
            key="reply",
            method="chat.postMessage",
            payload={"channel": "U0MEMBER1", "text": "a reply a web process queued"},
            not_before=datetime.now(UTC),
        )
        session.commit()

    running = clock.start_in_background(rig.runtime)
    try:
        [reply] = rig.emulator.wait_for("chat.postMessage", timeout=10)
        time.sleep(0.5)  # several ticks
        prompted_while_held_elsewhere = rig.count(CheckIn)

        _expire(rig)
        _until(lambda: rig.count(CheckIn) == 1, "the pair is prompted after the takeover")
        taken = _lease(rig)
    finally:
        clock.stop(rig.runtime, running)
    released = _lease(rig)

    assert reply.args["text"] == "a reply a web process queued"
    assert prompted_while_held_elsewhere == 0
    assert taken is not None and taken.holder == rig.runtime.sender.worker_id
    # A graceful stop lets the lease go: the next scheduler need not wait it out.
    assert released is not None and released.holder == taken.holder
    with rig.runtime.deps.sessions() as session:
        assert released.expires_at <= database_now(session)


def test_the_holder_keeps_its_lease_tick_after_tick_without_taking_it_anew(rig: Rig) -> None:
    running = clock.start_in_background(rig.runtime)
    try:
        _until(lambda: _lease(rig) is not None, "the scheduler takes the lease")
        first = _lease(rig)
        time.sleep(1.5)  # longer than the lease: only renewals keep it
        later = _lease(rig)
    finally:
        clock.stop(rig.runtime, running)

    assert first is not None and later is not None
    assert later.holder == first.holder == rig.runtime.sender.worker_id
    assert later.acquired_at == first.acquired_at
    assert later.renewed_at > first.renewed_at


def test_restarted_in_place_after_a_crash_it_takes_its_dead_predecessors_lease_at_once(
    rig: Rig, db_url: str
) -> None:
    seed_pairs(rig.emulator, db_url, 1, datetime.now(UTC) - timedelta(days=20))
    gone = subprocess.Popen(["true"])  # a process of this host that is no more
    gone.wait()
    _held_elsewhere(rig, timedelta(minutes=5), holder=f"{this_host()}:{gone.pid}:abc123")

    running = clock.start_in_background(rig.runtime)
    try:
        _until(lambda: rig.count(CheckIn) == 1, "the pair is prompted", timeout=10)
        taken = _lease(rig)
    finally:
        clock.stop(rig.runtime, running)

    # Well before the dead one's five minutes were out.
    assert taken is not None and taken.holder == rig.runtime.sender.worker_id
