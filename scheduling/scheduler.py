"""APScheduler wiring: one short interval job that runs the due work.

APScheduler only keeps time; what is due lives in the database, so nothing is
kept in the scheduler's memory that a restart could lose.
"""

from __future__ import annotations

import logging
import threading
from datetime import UTC, datetime

from apscheduler.schedulers.background import BackgroundScheduler
from apscheduler.schedulers.base import BaseScheduler

from bot.runtime import Runtime
from bot.workers import is_dead_here
from scheduling.due import run_due

log = logging.getLogger(__name__)

DUE_JOB_ID = "due-work"
TICK_SECONDS = 2.0


def build_scheduler(runtime: Runtime, woken: threading.Event | None = None) -> BaseScheduler:
    """`woken` is set by a wake-up; one that lands while a tick runs makes it run again
    at once (APScheduler would skip the early run of a job still running, so the
    message just queued would wait a whole tick)."""
    woken = woken or threading.Event()
    scheduler = BackgroundScheduler(
        timezone=UTC,
        # One run at a time; a late tick runs once, however late.
        job_defaults={"coalesce": True, "max_instances": 1, "misfire_grace_time": None},
    )

    def tick() -> None:
        woken.clear()
        try:
            run_due(runtime, runtime.deps.clock())
            while woken.is_set():
                woken.clear()
                run_due(runtime, runtime.deps.clock())
        except Exception:  # a bad tick must not stop the clock
            log.exception("due work failed; the next tick tries again")

    scheduler.add_job(
        tick, "interval", seconds=TICK_SECONDS, id=DUE_JOB_ID, next_run_time=datetime.now(UTC)
    )
    return scheduler


def start_in_background(runtime: Runtime) -> BaseScheduler:
    # What a crashed predecessor on this host held goes out now, not after the lease.
    runtime.sender.release_dead(is_dead_here)
    woken = threading.Event()
    scheduler = build_scheduler(runtime, woken)
    scheduler.start()

    def wake() -> None:
        woken.set()
        job = scheduler.get_job(DUE_JOB_ID)
        if job is not None:
            job.modify(next_run_time=datetime.now(UTC))

    runtime.deps.wake.connect(wake)
    return scheduler


def stop(runtime: Runtime, scheduler: BaseScheduler) -> None:
    """Let the current send finish, then put back what was claimed but not sent.

    The runtime's sender sends nothing more afterwards.
    """
    runtime.deps.wake.connect(None)
    runtime.sender.stop()
    scheduler.shutdown(wait=True)
    released = runtime.sender.release_held()
    if released:
        log.info("put %d claimed message(s) back in the outbox for the next start", released)
