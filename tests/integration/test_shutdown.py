"""Stopping and crashing, with real processes and real signals.

A deploy's SIGTERM is graceful: what is in flight finishes and nothing stays
claimed. A SIGKILL loses nothing, repeats at most the message in flight, and a
restart sends everything due within a minute (not after a 5-minute lease).
"""

from __future__ import annotations

import signal
import time
from collections import Counter
from datetime import UTC, datetime, timedelta
from pathlib import Path

from sqlalchemy import select

from bot import outbox
from bot.db.engine import make_engine, make_session_factory
from bot.db.enums import OutboxStatus
from bot.db.models import OutboxMessage
from bot.emulator import SlackDriver, SlackEmulator
from tests.integration import processes
from tests.integration.conftest import BOT_TOKEN, SIGNING_SECRET, TEAM

RESTART_BOUND_S = 60  # the promise: everything due goes out within a minute of a restart


def _queue(db_url: str, count: int) -> list[str]:
    """Queue `count` due messages, each with its own text; returns the texts."""
    texts = [f"message {i:03d}" for i in range(count)]
    engine = make_engine(db_url)
    with make_session_factory(engine)() as session:
        for text in texts:
            outbox.enqueue(
                session,
                team_id=TEAM,
                key=f"bulk:{text}",
                method="chat.postMessage",
                payload={"channel": "U0MEMBER1", "text": text},
                not_before=datetime.now(UTC) - timedelta(seconds=1),
            )
        session.commit()
    engine.dispose()
    return texts


def _rows(db_url: str) -> list[OutboxMessage]:
    engine = make_engine(db_url)
    with make_session_factory(engine)() as session:
        rows = list(session.scalars(select(OutboxMessage).order_by(OutboxMessage.id)))
    engine.dispose()
    return rows


def _posted(emulator: SlackEmulator) -> Counter[str]:
    return Counter(c.args["text"] for c in emulator.calls("chat.postMessage") if c.ok)


def _wait_posted(emulator: SlackEmulator, at_least: int, timeout: float) -> None:
    deadline = time.monotonic() + timeout
    while sum(_posted(emulator).values()) < at_least:
        assert time.monotonic() < deadline, f"fewer than {at_least} messages posted in {timeout} s"
        time.sleep(0.02)


def test_sigterm_finishes_a_join_in_flight_and_puts_claimed_messages_back(
    tmp_path: Path, db_url: str
) -> None:
    texts = _queue(db_url, 40)
    with SlackEmulator(tokens=[BOT_TOKEN]) as emulator:
        emulator.add_user("U0MEMBER1", name="ana", real_name="Ana Lima", tz="Europe/Lisbon")
        emulator.slow("chat.postMessage", seconds=0.2)  # the scheduler is mid-send at SIGTERM
        emulator.slow("views.open", seconds=1.5)  # the form opens after the signal
        port = processes.free_port()
        run = processes.start("run", cwd=tmp_path, emulator=emulator, db_url=db_url, PORT=str(port))
        try:
            processes.wait_healthy(run, f"http://127.0.0.1:{port}")
            _wait_posted(emulator, 1, timeout=30)
            slack = SlackDriver(
                f"http://127.0.0.1:{port}/slack/events", SIGNING_SECRET, emulator=emulator
            )

            acknowledged = slack.slash_command("U0MEMBER1", "join")
            run.send_signal(signal.SIGTERM)
            output, _ = run.communicate(timeout=30)
        finally:
            if run.poll() is None:
                run.kill()
        opened = emulator.calls("views.open")
        posted = _posted(emulator)

    assert acknowledged.status == 200
    assert run.returncode == 0, output
    assert "Traceback" not in output
    assert [c.ok for c in opened] == [True]
    rows = _rows(db_url)
    assert [r for r in rows if r.status == OutboxStatus.SENDING] == []
    sent = {r.payload["text"] for r in rows if r.status == OutboxStatus.SENT}
    # Every message posted is recorded as sent (none would go out twice), and only once.
    assert set(posted) == sent and set(posted.values()) == {1}
    assert len(sent) < len(texts)  # the stop came mid-queue: the rest wait, pending
    assert {r.status for r in rows if r.payload["text"] not in sent} == {OutboxStatus.PENDING}


def test_after_a_sigkill_mid_delivery_a_restart_sends_all_within_a_minute_and_repeats_at_most_one(
    tmp_path: Path, db_url: str
) -> None:
    texts = _queue(db_url, 60)
    with SlackEmulator(tokens=[BOT_TOKEN]) as emulator:
        emulator.slow("chat.postMessage", seconds=0.05)
        first = processes.start("scheduler", cwd=tmp_path, emulator=emulator, db_url=db_url)
        try:
            _wait_posted(emulator, 5, timeout=30)
        finally:
            first.kill()  # SIGKILL: no handler, no cleanup
            first.communicate(timeout=10)
        assert first.returncode == -signal.SIGKILL
        assert sum(_posted(emulator).values()) < len(texts), "the kill came too late to test"

        second = processes.start("scheduler", cwd=tmp_path, emulator=emulator, db_url=db_url)
        try:
            deadline = time.monotonic() + RESTART_BOUND_S
            while set(_posted(emulator)) != set(texts) and time.monotonic() < deadline:
                time.sleep(0.1)
            posted = _posted(emulator)
            second.send_signal(signal.SIGTERM)
            output, _ = second.communicate(timeout=30)
        finally:
            if second.poll() is None:
                second.kill()

    assert set(texts) - set(posted) == set(), f"not delivered within {RESTART_BOUND_S} s"
    assert sum(posted.values()) - len(texts) <= 1  # at most the message in flight, again
    assert second.returncode == 0, output
    assert {r.status for r in _rows(db_url)} == {OutboxStatus.SENT}
