"""The due-work job: everything the clock makes due, run once as of an instant.

The scheduler ticks it; `mentorbot run-due --as-of` calls it directly. The
database says what is due, and each piece is idempotent, so running it twice or
in two processes at once does each thing once.
"""

from __future__ import annotations

import dataclasses
import logging
import time
from dataclasses import dataclass
from datetime import datetime, timedelta

from bot import (
    announcements,
    checkins,
    events,
    find,
    followups,
    goals,
    installs,
    outbox,
    requests,
    roster_uploads,
    term,
)
from bot.runtime import Runtime
from bot.slack import DeliveryReport

log = logging.getLogger(__name__)

# Small claims: a crash strands at most this many rows (see bot/outbox.py).
DELIVERY_BATCH = 10
MAX_BATCHES_PER_RUN = 500  # bounds one run; the next tick carries on
# A fan-out paced by Slack's rate limits (10,000 prompts at a few hundred a minute) would
# hold the due-work job for half an hour; past this, the next tick (due work first) goes on.
DELIVERY_BUDGET_S = 60.0
# Retention is counted in days, and its pass reads every sent row (no index serves it):
# once an hour, not on every 2-second tick.
PURGE_EVERY = timedelta(hours=1)


@dataclass(frozen=True)
class DueReport:
    delivered: DeliveryReport
    forgotten_events: int
    expired_requests: int = 0
    told_waiting: int = 0
    prompted_pairs: int = 0
    term_surveys: int = 0  # pairs asked how their term went
    renewed_terms: int = 0  # terms rolled over because nobody closed them in time
    goal_reviews: int = 0

    def summary(self) -> str:
        d = self.delivered
        return (
            f"expired {self.expired_requests} request(s); "
            f"told {self.told_waiting} waiting mentee(s) a mentor has room; "
            f"prompted {self.prompted_pairs} pair(s) to check in; "
            f"asked {self.term_surveys} pair(s) how their term went, "
            f"renewed {self.renewed_terms} term(s) by default; "
            f"asked {self.goal_reviews} mentee(s) about their goals; "
            f"sent {d.sent} message(s), {d.retrying} to retry, {d.failed} failed; "
            f"forgot {self.forgotten_events} old event id(s)"
        )


def run_due(runtime: Runtime, now: datetime) -> DueReport:
    # With installs through OAuth, due work skips the workspaces the app is not in.
    work = _installed_only(runtime)
    # State changes first, so the messages they queue go out in this same run.
    with work.deps.sessions() as session:
        expired = requests.expire_due(session, now)
        session.commit()
    with work.deps.sessions() as session:
        told_waiting = find.notify_waiting(session, work.deps.pools, now)
        session.commit()
    prompted = _prompt_checkins(work, now)
    with work.deps.uow() as uow:
        followups.run_due(uow.session, work.deps.settings, now)
    surveyed, renewed = _end_terms(work, now)
    reviews = _review_goals(work, now)
    _announce(work, now)
    # Roster imports from Slack still queued, or whose process died: back to the
    # background (they take minutes; the tick only hands them over).
    roster_uploads.resume(work.deps, now)
    with work.deps.sessions() as session:
        forgotten = events.forget_old(session, now)
        session.commit()
    _purge_old_bodies(runtime, now)
    _withdraw_uninstalled(runtime)
    delivered = _deliver(runtime, now)
    report = DueReport(
        delivered,
        forgotten,
        expired,
        told_waiting,
        prompted,
        term_surveys=surveyed,
        renewed_terms=renewed,
        goal_reviews=reviews,
    )
    d = delivered
    counts = (d.sent, d.retrying, d.failed, expired, told_waiting, prompted, surveyed, renewed)
    if any((*counts, reviews)):
        log.info("due work as of %s: %s", now.isoformat(), report.summary())
    return report


def deliver(runtime: Runtime, now: datetime) -> DeliveryReport:
    """Only the outbox's part of a run: what a scheduler without the lease does
    (outbox claims make delivering from several processes at once safe)."""
    return _deliver(runtime, now)


def _prompt_checkins(runtime: Runtime, now: datetime) -> int:
    """Prompt the pairs whose check-in has come, a batch per transaction, until none is due."""
    prompted = 0
    for _ in range(MAX_BATCHES_PER_RUN):
        with runtime.deps.uow() as uow:
            batch = checkins.prompt_due(uow.session, now, default_tz=runtime.deps.settings.timezone)
        prompted += batch.prompted
        if batch.seen < checkins.PROMPT_BATCH:
            break
    return prompted


def _end_terms(runtime: Runtime, now: datetime) -> tuple[int, int]:
    """End of term: fill in missing end days, ask the pairs whose term ended, and roll
    over the terms nobody closed in time; a batch per transaction. (asked, renewed)"""
    tz = runtime.deps.settings.timezone
    counts = []
    for step in (
        lambda session: term.fill_term_ends(session, default_tz=tz),
        lambda session: term.survey_due(session, now, default_tz=tz),
        lambda session: term.renew_unanswered(session, now, default_tz=tz),
    ):
        done = 0
        for _ in range(MAX_BATCHES_PER_RUN):
            with runtime.deps.uow() as uow:
                batch = step(uow.session)
            done += batch.done
            if batch.seen < term.TERM_BATCH:
                break
        counts.append(done)
    return counts[1], counts[2]


def _announce(runtime: Runtime, now: datetime) -> None:
    """Fan out the announcements whose time came (one per transaction: a cohort can be
    large), then report on those whose messages are all out."""
    for _ in range(MAX_BATCHES_PER_RUN):
        with runtime.deps.uow() as uow:
            queued = announcements.send_next_due(uow.session, now)
        if queued is None:
            break
    with runtime.deps.uow() as uow:
        announcements.report_finished(uow.session, now)


def _review_goals(runtime: Runtime, now: datetime) -> int:
    """Ask for the monthly goal updates that are due, a batch per transaction."""
    asked = 0
    for _ in range(MAX_BATCHES_PER_RUN):
        with runtime.deps.uow() as uow:
            batch = goals.review_due(uow.session, now, default_tz=runtime.deps.settings.timezone)
        asked += batch.asked
        if batch.seen < goals.REVIEW_BATCH:
            break
    return asked


def _purge_old_bodies(runtime: Runtime, now: datetime) -> None:
    """Blank the bodies past retention, if the last pass was an hour ago (or, for a test
    or `run-due --as-of` that moved the instant back, later than `now`)."""
    last = runtime.purged_at
    if last is not None and last <= now < last + PURGE_EVERY:
        return
    outbox.purge_bodies(
        runtime.deps.sessions, now=now, retention_days=runtime.deps.settings.outbox_retention_days
    )
    runtime.purged_at = now


def _installed_only(runtime: Runtime) -> Runtime:
    """With installs through OAuth: the runtime as due work sees it, the workspaces the app
    is installed in and no other (bot.installs.only_teams)."""
    store = runtime.deps.installs
    if store is None:
        return runtime
    sessions = installs.only_teams(runtime.deps.sessions, installs.installed_teams(store))
    deps = dataclasses.replace(runtime.deps, sessions=sessions)  # type: ignore[arg-type]
    return dataclasses.replace(runtime, deps=deps)


def _withdraw_uninstalled(runtime: Runtime) -> None:
    """With installs through OAuth: what this run queued for a workspace the app is not
    installed in (left, or never installed) is withdrawn, marked with why, not sent."""
    store = runtime.deps.installs
    if store is None:
        return
    teams = installs.installed_teams(store)
    with runtime.deps.sessions() as session:
        withdrawn = outbox.withdraw_teams_not_in(session, teams, why=installs.NOT_INSTALLED)
        session.commit()
    if withdrawn:
        log.info("due work: %d message(s) for workspaces without the app withdrawn", withdrawn)


def _deliver(runtime: Runtime, now: datetime) -> DeliveryReport:
    """Send what is due, a small claim at a time, until none is left, Slack says not now,
    or the run's budget is spent.

    The instant moves on with the run (from `now`, which a test or `run-due --as-of` may
    pin far from the wall clock): a claim made a minute into a long run must not look a
    minute old to another process, which would take it as lapsed and send it too.
    """
    started, at = time.monotonic(), now
    sent = retrying = failed = 0
    for _ in range(MAX_BATCHES_PER_RUN):
        batch = runtime.sender.deliver_due(at, limit=DELIVERY_BATCH)
        sent, retrying, failed = sent + batch.sent, retrying + batch.retrying, failed + batch.failed
        spent = time.monotonic() - started
        if (
            batch.halted
            or batch.sent + batch.retrying + batch.failed < DELIVERY_BATCH
            or runtime.sender.stopping
            or spent > DELIVERY_BUDGET_S
        ):
            break
        at = now + timedelta(seconds=spent)
    return DeliveryReport(sent, retrying, failed)
