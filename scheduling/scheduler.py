"""APScheduler wiring: one short interval job that runs the due work.

APScheduler only keeps time; what is due lives in the database, so nothing is
kept in the scheduler's memory that a restart could lose.

Several schedulers may run against one database (`mentorbot scheduler`, and each
`mentorbot run` without --no-scheduler). The lease (scheduling/lease.py) lets one
of them at a time do the due work, so the scans and state changes are not repeated
in every process; the others only deliver the outbox, whose claims make that safe,
so a message a web process just queued goes out at its wake-up, not at the
holder's next tick.
"""

from __future__ import annotations

import logging
import threading
from dataclasses import dataclass
from datetime import UTC, datetime, timedelta

from apscheduler.schedulers.background import BackgroundScheduler
from apscheduler.schedulers.base import BaseScheduler

from bot import metrics
from bot.runtime import Runtime
from bot.workers import is_dead_here
from scheduling.due import DueReport, deliver, run_due
from scheduling.lease import SchedulerLease

log = logging.getLogger(__name__)

DUE_JOB_ID = "due-work"
TICK_SECONDS = 2.0  # the default of MENTORBOT_SCHEDULER_TICK_SECONDS


@dataclass
class RunningScheduler:
    scheduler: BaseScheduler
    lease: SchedulerLease


def scheduler_lease(runtime: Runtime) -> SchedulerLease:
    """This process's side of the lease, named like its outbox claims (host:pid:random).
    At start, a holder that was a process of this host and is gone is replaced at once."""
    ttl = timedelta(seconds=runtime.deps.settings.scheduler_lease_seconds)
    return SchedulerLease(
        runtime.deps.sessions, runtime.sender.worker_id, ttl, is_dead=is_dead_here
    )


def build_scheduler(
    runtime: Runtime, woken: threading.Event | None = None, lease: SchedulerLease | None = None
) -> BaseScheduler:
    """`woken` is set by a wake-up; one that lands while a tick runs makes it run again
    at once (APScheduler would skip the early run of a job still running, so the
    message just queued would wait a whole tick)."""
    woken = woken or threading.Event()
    lease = lease or scheduler_lease(runtime)
    scheduler = BackgroundScheduler(
        timezone=UTC,
        # One run at a time; a late tick runs once, however late.
        job_defaults={"coalesce": True, "max_instances": 1, "misfire_grace_time": None},
    )

    def tick() -> None:
        woken.clear()
        try:
            holding = lease.hold()
            if not holding.held:
                _deliver_only(runtime)
                while woken.is_set():
                    woken.clear()
                    _deliver_only(runtime)
                return
            if holding.taken_from is not None:
                # Its claims go out now if it died on this host; elsewhere they lapse.
                runtime.sender.release_dead(is_dead_here)
            # A long run (a large fan-out) keeps the lease; one job line per run, at INFO
            # when it did something, DEBUG when idle.
            with lease.kept(), metrics.observed_job(log, DUE_JOB_ID) as job:
                reports = [run_due(runtime, runtime.deps.clock())]
                while woken.is_set():
                    woken.clear()
                    reports.append(run_due(runtime, runtime.deps.clock()))
                job.quiet = all(_idle(report) for report in reports)
        except Exception:  # a bad tick must not stop the clock
            log.exception("due work failed; the next tick tries again")

    scheduler.add_job(
        tick,
        "interval",
        seconds=runtime.deps.settings.scheduler_tick_seconds,
        id=DUE_JOB_ID,
        next_run_time=datetime.now(UTC),
    )
    return scheduler


def _deliver_only(runtime: Runtime) -> None:
    d = deliver(runtime, runtime.deps.clock())
    if d.sent or d.retrying or d.failed:
        log.info(
            "outbox (lease held elsewhere): sent %d message(s), %d to retry, %d failed",
            d.sent,
            d.retrying,
            d.failed,
        )


def _idle(report: DueReport) -> bool:
    d = report.delivered
    counted = (
        d.sent,
        d.retrying,
        d.failed,
        report.expired_requests,
        report.told_waiting,
        report.prompted_pairs,
        report.term_surveys,
        report.renewed_terms,
        report.goal_reviews,
    )
    return not any(counted)


def start_in_background(runtime: Runtime) -> RunningScheduler:
    # What a crashed predecessor on this host held goes out now, not after the lease.
    runtime.sender.release_dead(is_dead_here)
    woken = threading.Event()
    lease = scheduler_lease(runtime)
    scheduler = build_scheduler(runtime, woken, lease)
    scheduler.start()

    def wake() -> None:
        woken.set()
        job = scheduler.get_job(DUE_JOB_ID)
        if job is not None:
            job.modify(next_run_time=datetime.now(UTC))

    runtime.deps.wake.connect(wake)
    return RunningScheduler(scheduler, lease)


def stop(runtime: Runtime, running: RunningScheduler) -> None:
    """Let the current send finish, then put back what was claimed but not sent, and
    hand the lease on at once (not after it expires).

    The runtime's sender sends nothing more afterwards.
    """
    runtime.deps.wake.connect(None)
    runtime.sender.stop()
    running.scheduler.shutdown(wait=True)
    released = runtime.sender.release_held()
    if released:
        log.info("put %d claimed message(s) back in the outbox for the next start", released)
    running.lease.release()
