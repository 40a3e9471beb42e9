"""APScheduler wiring: one short interval job that runs the due work.

APScheduler only keeps time; what is due lives in the database, so nothing is
kept in the scheduler's memory that a restart could lose.
"""

from __future__ import annotations

import logging
from datetime import UTC, datetime

from apscheduler.schedulers.background import BackgroundScheduler
from apscheduler.schedulers.base import BaseScheduler
from apscheduler.schedulers.blocking import BlockingScheduler

from bot.runtime import Runtime
from scheduling.due import run_due

log = logging.getLogger(__name__)

DUE_JOB_ID = "due-work"
TICK_SECONDS = 2.0


def build_scheduler(runtime: Runtime, *, blocking: bool = False) -> BaseScheduler:
    scheduler_class = BlockingScheduler if blocking else BackgroundScheduler
    scheduler = scheduler_class(
        timezone=UTC,
        # One run at a time; a late tick runs once, however late.
        job_defaults={"coalesce": True, "max_instances": 1, "misfire_grace_time": None},
    )

    def tick() -> None:
        try:
            run_due(runtime, runtime.deps.clock())
        except Exception:  # a bad tick must not stop the clock
            log.exception("due work failed; the next tick tries again")

    scheduler.add_job(
        tick, "interval", seconds=TICK_SECONDS, id=DUE_JOB_ID, next_run_time=datetime.now(UTC)
    )
    return scheduler


def start_in_background(runtime: Runtime) -> BaseScheduler:
    scheduler = build_scheduler(runtime)
    scheduler.start()

    def wake() -> None:
        job = scheduler.get_job(DUE_JOB_ID)
        if job is not None:
            job.modify(next_run_time=datetime.now(UTC))

    runtime.deps.wake.connect(wake)
    return scheduler


def stop(runtime: Runtime, scheduler: BaseScheduler) -> None:
    runtime.deps.wake.connect(None)
    scheduler.shutdown(wait=True)
