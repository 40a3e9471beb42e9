"""Each check-in prompt reaches each person exactly once, whatever happens to delivery.

The pairs here are seeded directly (their intros already delivered), every person in
UTC with the default working day, so a pair's period-1 prompts both fall at 10:00 UTC
on its check-in day. Counting is per DM channel in the emulator: a prompt is a
chat.postMessage Slack accepted whose blocks carry the "We met" button.

Real processes (`mentorbot run-due`, `mentorbot scheduler`) run on the wall clock: their
pairs were paired twenty days ago, so period 1 is due and period 2 is a week away.
Outside a UTC working day (a night, a weekend) a prompt waits in the outbox for the
person's morning; those tests then bring `not_before` forward to now, as if the
morning had come, and watch the processes deliver.
"""

from __future__ import annotations

import signal
import subprocess
import time
from collections import Counter
from collections.abc import Callable
from datetime import UTC, datetime, timedelta
from pathlib import Path

import pytest
from sqlalchemy import func, select, update

from bot import mentorships
from bot.db.engine import make_engine, make_session_factory
from bot.db.enums import OutboxStatus
from bot.db.models import CheckIn, OutboxMessage
from bot.emulator import SlackEmulator
from bot.people import SlackProfile, upsert_person
from bot.programs import current_program
from bot.runtime import build_runtime
from bot.views.checkins import CheckinIds
from scheduling.due import run_due
from tests.integration import processes
from tests.integration.conftest import TEAM, rig_settings

PINNED_KICKOFF = datetime(2030, 3, 4, 12, 0, tzinfo=UTC)  # a Monday
PINNED_DUE = datetime(2030, 3, 18, 10, 0, tzinfo=UTC)  # period 1: 10:00 UTC, both of them
WAIT_S = 60  # no wait on a process lasts longer; each test takes a few seconds


def seed_pairs(emulator: SlackEmulator, db_url: str, count: int, kickoff: datetime) -> list[str]:
    """`count` pairs kicked off at `kickoff`, intros delivered; everyone's user id."""
    runtime = build_runtime(rig_settings(emulator, db_url))
    people: list[str] = []
    try:
        with runtime.deps.uow() as uow:
            session = uow.session
            program = current_program(session, TEAM, kickoff)
            for i in range(count):
                mentor, mentee = (
                    upsert_person(session, TEAM, SlackProfile(user, display_name=user, tz="UTC"))
                    for user in (f"U0MR{i:05d}", f"U0ME{i:05d}")
                )
                mentorships.start(
                    session,
                    program,
                    mentor,
                    mentee,
                    score=None,
                    reasons=[],
                    now=kickoff,
                    default_tz="UTC",
                )
                people += [mentor.slack_user_id, mentee.slack_user_id]
        run_due(runtime, kickoff)
    finally:
        runtime.close()
    emulator.clear()
    return people


def prompts_posted(emulator: SlackEmulator) -> Counter[str]:
    """Prompts Slack accepted, counted per DM channel."""
    return Counter(
        call.response["channel"]
        for call in emulator.calls("chat.postMessage")
        if call.ok and CheckinIds.MET in str(call.args.get("blocks"))
    )


def dms(emulator: SlackEmulator, people: list[str]) -> set[str]:
    return {emulator.dm_channel_id(user) for user in people}


def count_rows(db_url: str, model: type, *where: object) -> int:
    engine = make_engine(db_url)
    try:
        with make_session_factory(engine)() as session:
            return session.scalar(select(func.count()).select_from(model).where(*where)) or 0
    finally:
        engine.dispose()


def until(condition: Callable[[], bool], what: str, timeout: float = WAIT_S) -> None:
    deadline = time.monotonic() + timeout
    while not condition():
        assert time.monotonic() < deadline, f"not within {timeout} s: {what}"
        time.sleep(0.05)


def morning_has_come(db_url: str) -> None:
    """Prompts waiting for their person's working day may go now."""
    engine = make_engine(db_url)
    now = datetime.now(UTC)
    try:
        with make_session_factory(engine)() as session:
            session.execute(
                update(OutboxMessage)
                .where(OutboxMessage.status == OutboxStatus.PENDING, OutboxMessage.not_before > now)
                .values(not_before=now)
            )
            session.commit()
    finally:
        engine.dispose()


def all_sent(db_url: str) -> bool:
    return count_rows(db_url, OutboxMessage, OutboxMessage.status != OutboxStatus.SENT) == 0


def stop(process: subprocess.Popen[str]) -> str:
    """SIGTERM, and the process's output once it exited (it must exit 0)."""
    if process.poll() is None:
        process.send_signal(signal.SIGTERM)
    try:
        output, _ = process.communicate(timeout=30)
    finally:
        if process.poll() is None:
            process.kill()
    assert process.returncode == 0, output
    assert "Traceback" not in output, output
    return output


# --- `mentorbot run-due` ------------------------------------------------------------------


def test_mentorbot_run_due_twice_for_the_same_instant_prompts_each_person_once(
    tmp_path: Path, emulator: SlackEmulator, db_url: str
) -> None:
    people = seed_pairs(emulator, db_url, 6, PINNED_KICKOFF)

    twice = [
        processes.start(
            "run-due",
            "--as-of",
            PINNED_DUE.isoformat(),
            cwd=tmp_path,
            emulator=emulator,
            db_url=db_url,
        )
        for _ in range(2)
    ]
    outputs = [p.communicate(timeout=WAIT_S)[0] for p in twice]

    assert [p.returncode for p in twice] == [0, 0], outputs
    prompted = [int(o.split("prompted ")[1].split(" ")[0]) for o in outputs]
    sent = [int(o.split("sent ")[1].split(" ")[0]) for o in outputs]
    assert (sum(prompted), sum(sent)) == (6, 12)  # each pair and prompt once, by either run
    assert prompts_posted(emulator) == Counter(dict.fromkeys(dms(emulator, people), 1))
    assert all_sent(db_url)


# --- two scheduler processes --------------------------------------------------------------


@pytest.mark.parametrize(
    "db_url", [pytest.param("postgresql", marks=pytest.mark.postgres)], indirect=True
)
def test_two_scheduler_processes_on_one_postgresql_deliver_every_prompt_exactly_once(
    tmp_path: Path, emulator: SlackEmulator, db_url: str
) -> None:
    pairs = 25
    people = seed_pairs(emulator, db_url, pairs, datetime.now(UTC) - timedelta(days=20))
    # Each process's first prompt waits at Slack until both are mid-delivery.
    emulator.hold("chat.postMessage")
    both = [
        processes.start("scheduler", cwd=tmp_path, emulator=emulator, db_url=db_url)
        for _ in range(2)
    ]
    try:
        until(lambda: count_rows(db_url, CheckIn) == pairs, "every pair prompted")
        morning_has_come(db_url)
        emulator.wait_held(2, timeout=WAIT_S)
        emulator.release_held()
        until(lambda: all_sent(db_url), "every prompt delivered")
    finally:
        emulator.release_held()
        outputs = [stop(p) for p in both]  # a send still in flight finishes first

    assert prompts_posted(emulator) == Counter(dict.fromkeys(dms(emulator, people), 1)), outputs
    prompt_rows = [r for r in _rows(db_url) if r.idempotency_key.startswith("checkin-prompt:")]
    assert len(prompt_rows) == 2 * pairs
    assert len({row.claimed_by for row in prompt_rows}) == 2  # both processes delivered some


def _rows(db_url: str) -> list[OutboxMessage]:
    engine = make_engine(db_url)
    try:
        with make_session_factory(engine)() as session:
            return list(session.scalars(select(OutboxMessage)))
    finally:
        engine.dispose()


# --- Slack refusing for a stretch -----------------------------------------------------------


def test_slack_answering_429_for_minutes_then_recovering_delivers_every_prompt_once(
    emulator: SlackEmulator, db_url: str
) -> None:
    pairs = 8
    people = seed_pairs(emulator, db_url, pairs, PINNED_KICKOFF)
    runtime = build_runtime(rig_settings(emulator, db_url))
    emulator.rate_limit("chat.postMessage", retry_after=30)
    try:
        for second in range(0, 5 * 60, 10):  # five minutes of ticks, every 10 s
            run_due(runtime, PINNED_DUE + timedelta(seconds=second))
        refused = len(emulator.calls("chat.postMessage"))
        emulator.reset_faults()
        back = PINNED_DUE + timedelta(minutes=5)
        reports = [run_due(runtime, back + timedelta(seconds=s)) for s in (0, 30, 60)]
    finally:
        runtime.close()

    # Slack was asked once per Retry-After, not once per prompt and tick.
    assert refused == 10
    assert sum(r.delivered.sent for r in reports) == 2 * pairs
    assert prompts_posted(emulator) == Counter(dict.fromkeys(dms(emulator, people), 1))
    assert all_sent(db_url)


def test_slack_answering_500_for_minutes_then_recovering_delivers_every_prompt_once(
    emulator: SlackEmulator, db_url: str
) -> None:
    pairs = 8
    people = seed_pairs(emulator, db_url, pairs, PINNED_KICKOFF)
    runtime = build_runtime(rig_settings(emulator, db_url))
    emulator.fail("chat.postMessage", status=500, times=None)
    try:
        for minute in (0, 5):  # an outage of several minutes (each tick: slack_sdk's retries)
            during = run_due(runtime, PINNED_DUE + timedelta(minutes=minute))
            assert during.delivered.sent == 0 and during.delivered.retrying <= 1
        emulator.reset_faults()
        back = PINNED_DUE + timedelta(minutes=10)
        reports = [run_due(runtime, back + timedelta(minutes=m)) for m in (0, 15)]
    finally:
        runtime.close()

    assert sum(r.delivered.sent for r in reports) == 2 * pairs
    assert sum(r.delivered.failed for r in reports) == 0
    assert prompts_posted(emulator) == Counter(dict.fromkeys(dms(emulator, people), 1))
    assert all_sent(db_url)


# --- SIGKILL mid-delivery -------------------------------------------------------------------


@pytest.mark.skipif(not hasattr(signal, "SIGKILL"), reason="this platform has no SIGKILL")
def test_a_scheduler_killed_mid_delivery_and_restarted_loses_no_prompt_and_repeats_at_most_one(
    tmp_path: Path, emulator: SlackEmulator, db_url: str
) -> None:
    pairs = 10
    people = seed_pairs(emulator, db_url, pairs, datetime.now(UTC) - timedelta(days=20))
    emulator.hold("chat.postMessage", after=4)  # the fifth prompt is in flight at the kill

    first = processes.start("scheduler", cwd=tmp_path, emulator=emulator, db_url=db_url)
    try:
        until(lambda: count_rows(db_url, CheckIn) == pairs, "every pair prompted")
        morning_has_come(db_url)
        emulator.wait_held(1, timeout=WAIT_S)
    finally:
        first.kill()  # SIGKILL: no handler, no cleanup
        first.communicate(timeout=30)
    assert first.returncode == -signal.SIGKILL
    stranded = count_rows(db_url, OutboxMessage, OutboxMessage.status == OutboxStatus.SENDING)
    emulator.release_held()  # Slack had the request: it posts the message all the same
    in_flight = emulator.wait_for("chat.postMessage", count=5)[4]
    assert stranded > 1  # the kill left more of its claim than the message in flight

    second = processes.start("scheduler", cwd=tmp_path, emulator=emulator, db_url=db_url)
    try:
        until(lambda: all_sent(db_url), "every prompt delivered after the restart", timeout=30)
    finally:
        stop(second)

    posted = prompts_posted(emulator)
    assert set(posted) == dms(emulator, people)  # nothing lost
    assert {channel for channel, n in posted.items() if n > 1} <= {in_flight.response["channel"]}
    assert sum(posted.values()) - 2 * pairs <= 1  # at most the one in flight, again
