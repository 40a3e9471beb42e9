"""Several processes on one PostgreSQL: two web replicas, two schedulers, one killed.

The deployment README.md describes: `mentorbot run --no-scheduler` twice behind one
address (here: two ports, the test round-robins between them) and `mentorbot scheduler`
twice, all on one PostgreSQL and the Slack emulator, each its own process. The
schedulers run with a short tick and lease (MENTORBOT_SCHEDULER_TICK_SECONDS,
MENTORBOT_SCHEDULER_LEASE_SECONDS) so the takeover is quick to watch.

What must hold: every due prompt reaches its person exactly once (the message the
killed holder had in flight at Slack may go out once more, nothing else); the survivor
takes the lease over once the dead holder's has expired, never before, and then does
the due work (pairs that came due after the kill are prompted); what people do on
either web process is recorded once.
"""

from __future__ import annotations

import itertools
import signal
import subprocess
import time
from collections.abc import Callable
from datetime import UTC, datetime, timedelta
from pathlib import Path
from typing import Any

import pytest
from sqlalchemy import select, update

from bot.db.engine import make_engine, make_session_factory
from bot.db.enums import CheckInStatus, OutboxStatus
from bot.db.models import CheckIn, Lease, Mentorship, OutboxMessage, Person
from bot.emulator import DriverResponse, SlackDriver, SlackEmulator
from bot.views.checkins import CheckinIds
from scheduling.lease import SCHEDULER
from tests.integration import processes
from tests.integration.conftest import SIGNING_SECRET, TEAM
from tests.integration.test_checkin_delivery import (
    all_sent,
    count_rows,
    dms,
    morning_has_come,
    prompts_posted,
    seed_pairs,
)

TICK_S = 0.5
LEASE_S = 3.0
WAIT_S = 60  # no single wait lasts longer; the test takes about 20 s
FIRST_PAIRS = 10  # due when the schedulers start
LATER_PAIRS = 4  # come due only after the kill: the survivor must take over to prompt them
LOGGED = 4  # mentees who log their check-in through the web replicas


def _lease(db_url: str) -> Lease | None:
    engine = make_engine(db_url)
    try:
        with make_session_factory(engine)() as session:
            return session.get(Lease, SCHEDULER)
    finally:
        engine.dispose()


def _pid_of(holder: str) -> int:
    return int(holder.split(":")[-2])


def _holds(db_url: str, process: subprocess.Popen[str]) -> bool:
    lease = _lease(db_url)
    return lease is not None and _pid_of(lease.holder) == process.pid


def _claimed_by(db_url: str, process: subprocess.Popen[str]) -> int:
    engine = make_engine(db_url)
    try:
        with make_session_factory(engine)() as session:
            holders = session.scalars(
                select(OutboxMessage.claimed_by).where(OutboxMessage.status == OutboxStatus.SENDING)
            ).all()
    finally:
        engine.dispose()
    return sum(1 for h in holders if h is not None and _pid_of(h) == process.pid)


def _set_next_checkin(db_url: str, mentors: list[str], when: datetime) -> None:
    engine = make_engine(db_url)
    try:
        with make_session_factory(engine)() as session:
            ids = select(Person.id).where(Person.slack_user_id.in_(mentors))
            session.execute(
                update(Mentorship).where(Mentorship.mentor_id.in_(ids)).values(next_checkin_at=when)
            )
            session.commit()
    finally:
        engine.dispose()


def _until(condition: Callable[[], bool], what: str, timeout: float = WAIT_S) -> None:
    deadline = time.monotonic() + timeout
    while not condition():
        assert time.monotonic() < deadline, f"not within {timeout} s: {what}"
        time.sleep(0.05)


def _stop_all(running: list[subprocess.Popen[str]]) -> list[str]:
    """SIGTERM to all at once (each takes a moment to stop gracefully), once each: a
    second SIGTERM after its handler is gone would kill a process mid-exit."""
    for process in running:
        process.send_signal(signal.SIGTERM)
    outputs = []
    for process in running:
        try:
            outputs.append(process.communicate(timeout=30)[0])
        finally:
            if process.poll() is None:
                process.kill()
    for process, output in zip(running, outputs, strict=True):
        assert process.returncode == 0, output
    return outputs


def _answered(response: DriverResponse) -> str:
    """Why a request was not acknowledged: Bolt answers 404 ("no listener") when the
    listener has not called ack() within 3 s, so a slow ack on a loaded machine shows
    up as a 404 after about 3 s, not as a routing error."""
    return f"{response.status} after {response.elapsed:.2f} s: {response.text[:200]!r}"


def _prompt_for(emulator: SlackEmulator, user: str) -> dict[str, Any]:
    """The person's latest prompt: the killed holder's in-flight one may have gone twice
    (allowed once in all; the test counts repeats separately)."""
    prompts = [m for m in emulator.messages_for(user) if CheckinIds.ACTIONS_BLOCK in str(m)]
    assert 1 <= len(prompts) <= 2, prompts
    return prompts[-1]


@pytest.mark.skipif(not hasattr(signal, "SIGKILL"), reason="this platform has no SIGKILL")
@pytest.mark.parametrize(
    "db_url", [pytest.param("postgresql", marks=pytest.mark.postgres)], indirect=True
)
def test_two_web_replicas_and_two_schedulers_on_one_postgresql_survive_the_lease_holders_sigkill(
    tmp_path: Path, emulator: SlackEmulator, db_url: str
) -> None:
    people = seed_pairs(
        emulator, db_url, FIRST_PAIRS + LATER_PAIRS, datetime.now(UTC) - timedelta(days=20)
    )
    for user in people:
        emulator.add_user(user, name=user.lower(), real_name=user, tz="UTC")
    first, later = people[: 2 * FIRST_PAIRS], people[2 * FIRST_PAIRS :]
    later_mentors = later[::2]
    _set_next_checkin(db_url, later_mentors, datetime.now(UTC) + timedelta(days=365))
    # Six prompts reach Slack; the next ones wait there, in flight, until released.
    emulator.hold("chat.postMessage", after=6)

    short = {
        "MENTORBOT_SCHEDULER_TICK_SECONDS": str(TICK_S),
        "MENTORBOT_SCHEDULER_LEASE_SECONDS": str(LEASE_S),
    }
    ports = [processes.free_port(), processes.free_port()]
    web = [
        processes.start(
            "run", "--no-scheduler", cwd=tmp_path, emulator=emulator, db_url=db_url, PORT=str(p)
        )
        for p in ports
    ]
    schedulers = [
        processes.start("scheduler", cwd=tmp_path, emulator=emulator, db_url=db_url, **short)
        for _ in range(2)
    ]
    started = [*web, *schedulers]
    try:
        _until(lambda: any(_holds(db_url, s) for s in schedulers), "a scheduler takes the lease")
        holder, survivor = schedulers if _holds(db_url, schedulers[0]) else schedulers[::-1]
        for process, port in zip(web, ports, strict=True):
            processes.wait_healthy(process, f"http://127.0.0.1:{port}")
        drivers = [
            SlackDriver(
                f"http://127.0.0.1:{p}/slack/events",
                SIGNING_SECRET,
                emulator=emulator,
                team_id=TEAM,
            )
            for p in ports
        ]
        next_web = itertools.cycle(drivers).__next__  # a tiny round-robin "load balancer"

        # The schedulers run on the wall clock, which may be a night or a weekend: prompts
        # held for a person's morning are let go at once (morning_has_come).
        # Mid-tick: the holder has a prompt in flight at Slack and more of its claim to send.
        def both_in_flight() -> bool:
            morning_has_come(db_url)
            return emulator.held_calls() == 2

        _until(both_in_flight, "both schedulers have a prompt in flight")
        assert _holds(db_url, holder)
        stranded = _claimed_by(db_url, holder)
        assert stranded >= 1

        holder.send_signal(signal.SIGKILL)
        killed_at = time.monotonic()
        holder.communicate(timeout=30)
        assert holder.returncode == -signal.SIGKILL
        dead_lease = _lease(db_url)  # as the holder left it: it renews no more
        assert dead_lease is not None and _pid_of(dead_lease.holder) == holder.pid
        emulator.release_held()  # Slack had the requests: it posts them all the same
        _set_next_checkin(db_url, later_mentors, datetime.now(UTC) - timedelta(minutes=1))

        _until(lambda: _holds(db_url, survivor), "the survivor takes the lease over")
        takeover_s = time.monotonic() - killed_at
        print(
            f"\nlease takeover: {takeover_s:.2f} s after the holder's SIGKILL "
            f"(lease {LEASE_S:g} s, tick {TICK_S:g} s; {stranded} claimed message(s) stranded)"
        )

        # Meanwhile people answer their prompts through whichever replica they reach.
        answers = [d.slash_command(first[1], "help") for d in drivers]
        _until(
            lambda: all(
                any(CheckinIds.ACTIONS_BLOCK in str(m) for m in emulator.messages_for(u))
                for u in first[1 : 2 * LOGGED : 2]
            ),
            "the first mentees see their prompt",
        )
        for mentee in first[1 : 2 * LOGGED : 2]:
            clicked = next_web().block_action(
                mentee, CheckinIds.MET, message=_prompt_for(emulator, mentee)
            )
            assert clicked.status == 200, _answered(clicked)
            _until(
                lambda m=mentee: (
                    (emulator.top_view(m) or {}).get("callback_id") == CheckinIds.LOG_CALLBACK
                ),
                "the log modal opens",
            )
            shown = emulator.top_view(mentee) or {}
            submitted = next_web().view_submission(
                mentee, values={CheckinIds.USEFUL_BLOCK: {CheckinIds.USEFUL_ACTION: "4"}}
            )
            assert submitted.status == 200, (_answered(submitted), shown.get("callback_id"))

        def everything_delivered() -> bool:
            morning_has_come(db_url)
            # The logs are made after each form's answer: wait for them too.
            logged = count_rows(db_url, CheckIn, CheckIn.status == CheckInStatus.MET) == LOGGED
            return (
                count_rows(db_url, CheckIn) == FIRST_PAIRS + LATER_PAIRS
                and logged
                and all_sent(db_url)
            )

        _until(everything_delivered, "every prompt and reply delivered")
        final_lease = _lease(db_url)
    finally:
        emulator.release_held()
        outputs = _stop_all([p for p in started if p.poll() is None])

    posted = prompts_posted(emulator)
    assert set(posted) == dms(emulator, people), outputs  # nobody's prompt lost
    repeated = {channel: n for channel, n in posted.items() if n > 1}
    assert sum(posted.values()) - len(people) <= 1, repeated  # at most the one in flight
    assert all(n == 2 for n in repeated.values())
    # The survivor took over only once the dead holder's lease had run out.
    assert final_lease is not None and _pid_of(final_lease.holder) == survivor.pid
    assert final_lease.acquired_at >= dead_lease.expires_at
    assert takeover_s < 60  # the promise: within a minute of the holder's death
    # What people did through the two replicas is recorded once each.
    assert [a.status for a in answers] == [200, 200], [_answered(a) for a in answers]
    engine = make_engine(db_url)
    try:
        with make_session_factory(engine)() as session:
            met = session.scalars(select(CheckIn).where(CheckIn.status == CheckInStatus.MET)).all()
    finally:
        engine.dispose()
    assert len(met) == LOGGED
    logs = [c for c in emulator.calls("chat.update") if c.ok and "logged" in c.args["text"]]
    assert len(logs) == 2 * LOGGED  # each side's prompt rewritten once
    assert len({(c.args["channel"], c.args["ts"]) for c in logs}) == 2 * LOGGED
    assert not any("Traceback" in output for output in outputs)
