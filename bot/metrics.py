"""What `GET /metrics` shows, in Prometheus' text format (prometheus-client).

Two kinds of figure:
- counted in this process (request latency by kind, late acks, sends by outcome, job
  durations): module-level metrics, each process counting its own. Prometheus scrapes
  each web process and adds them up (`sum by (kind)`);
- read from the database on each scrape (outbox depth and oldest pending age, due-work
  lag, the scheduler lease's holder): the same in every process, since the database is
  shared. Each is one query that an index answers (see DatabaseCollector).

A registry is built per served app (`registry_for`), so tests and the demo, which build
many apps in one process, never register a name twice.
"""

from __future__ import annotations

import contextlib
import logging
from collections.abc import Callable, Iterator
from datetime import datetime

import sqlalchemy as sa
from prometheus_client import CollectorRegistry, Counter, Histogram, ProcessCollector
from prometheus_client.core import GaugeMetricFamily, Metric
from prometheus_client.registry import Collector
from sqlalchemy import Engine, func, select

from bot import logs
from bot.db.enums import AnnouncementStatus, MentorshipStatus, OutboxStatus, RequestStatus
from bot.db.leases import SCHEDULER_LEASE
from bot.db.matchmaking import MentorshipRequest
from bot.db.models import Announcement, Lease, Mentorship, OutboxMessage

log = logging.getLogger(__name__)

# Where the HTTP server notes a request's arrival (time.perf_counter()) in Bolt's context.
RECEIVED_AT = "mentorbot_received_at"

# Slack wants an acknowledgement within 3 s; past 2 s an ack is at risk.
LATE_ACK_S = 2.0

REQUEST_SECONDS = Histogram(
    "mentorbot_request_duration_seconds",
    "From a Slack request's arrival to the bot's acknowledgement, by kind "
    "(command, action, view_submission, view_closed, event, options, shortcut)",
    ["kind"],
    buckets=(0.025, 0.05, 0.1, 0.25, 0.5, 1.0, 2.0, 3.0, 5.0, 10.0),
    registry=None,
)
LATE_ACKS = Counter(
    "mentorbot_late_acks",
    f"Acknowledgements later than {LATE_ACK_S:g} s (Slack gives up at 3 s), by kind",
    ["kind"],
    registry=None,
)
SENDS = Counter(
    "mentorbot_outbox_sends",
    "Outbox delivery attempts by outcome: sent, retried (back in the outbox), "
    "dead (Slack refused it for good, or too many attempts)",
    ["outcome"],
    registry=None,
)
JOB_SECONDS = Histogram(
    "mentorbot_job_duration_seconds",
    "How long a job ran (the scheduler's due-work tick, background jobs), by job",
    ["job"],
    buckets=(0.01, 0.05, 0.1, 0.5, 1.0, 5.0, 30.0, 60.0, 300.0),
    registry=None,
)
SEND_OUTCOMES = ("sent", "retried", "dead")

# Label values start at zero, so a rate() works from the first scrape.
for _outcome in SEND_OUTCOMES:
    SENDS.labels(_outcome)


def observe_request(kind: str, seconds: float) -> None:
    REQUEST_SECONDS.labels(kind).observe(seconds)
    if seconds > LATE_ACK_S:
        LATE_ACKS.labels(kind).inc()


def count_sends(*, sent: int, retried: int, dead: int) -> None:
    for outcome, n in (("sent", sent), ("retried", retried), ("dead", dead)):
        if n:
            SENDS.labels(outcome).inc(n)


@contextlib.contextmanager
def observed_job(logger: logging.Logger, name: str) -> Iterator[logs.Job]:
    """`logs.job` (its id and summary line), and its duration in JOB_SECONDS."""
    running = logs.Job(name)
    try:
        with logs.job(logger, name) as running:
            yield running
    finally:
        JOB_SECONDS.labels(name).observe(running.seconds)


LeaseHolder = Callable[[sa.Connection, datetime], str]


def scheduler_lease_holder(connection: sa.Connection, now: datetime) -> str:
    """Who holds the scheduler's lease ("none" when nobody does or it has expired;
    "unknown" on a database not yet upgraded to have the table)."""
    if not sa.inspect(connection).has_table(Lease.__tablename__):
        return "unknown"
    holder = connection.scalar(
        sa.select(Lease.holder).where(Lease.name == SCHEDULER_LEASE, Lease.expires_at > now)
    )
    return holder or "none"


class DatabaseCollector(Collector):
    """The figures read from the shared database, computed on each scrape."""

    def __init__(
        self,
        engine: Engine,
        clock: Callable[[], datetime],
        lease_holder: LeaseHolder = scheduler_lease_holder,
    ) -> None:
        self._engine = engine
        self._clock = clock
        self._lease_holder = lease_holder

    def collect(self) -> Iterator[Metric]:
        up = GaugeMetricFamily(
            "mentorbot_database_up", "1 when the last scrape could read the database"
        )
        try:
            figures = list(self._read())
        except sa.exc.SQLAlchemyError as exc:
            log.warning("metrics: cannot read the database (%s)", type(exc).__name__)
            up.add_metric([], 0)
            yield up
            return
        up.add_metric([], 1)
        yield up
        yield from figures

    def _read(self) -> Iterator[Metric]:
        now = self._clock()
        with self._engine.connect() as connection:
            yield from _outbox(connection, now)
            yield _due_lag(connection, now)
            holder = GaugeMetricFamily(
                "mentorbot_scheduler_lease_holder",
                "1 for the worker holding the scheduler's lease (none: nobody; unknown: "
                "no lease table)",
                labels=["holder"],
            )
            holder.add_metric([self._lease_holder(connection, now)], 1)
            yield holder


def _outbox(connection: sa.Connection, now: datetime) -> Iterator[Metric]:
    # Both read only unsent rows through the (status, not_before) index.
    waiting = (OutboxStatus.PENDING, OutboxStatus.SENDING)
    counts = dict(
        connection.execute(
            select(OutboxMessage.status, func.count())
            .where(OutboxMessage.status.in_(waiting))
            .group_by(OutboxMessage.status)
        ).all()
    )
    depth = GaugeMetricFamily(
        "mentorbot_outbox_depth",
        "Messages not yet sent: pending (waiting for their time or a retry) and sending "
        "(claimed by a worker)",
        labels=["status"],
    )
    for status in waiting:
        depth.add_metric([status.value], counts.get(status, 0))
    yield depth
    oldest = connection.scalar(
        select(func.min(OutboxMessage.created_at)).where(
            OutboxMessage.status == OutboxStatus.PENDING
        )
    )
    age = GaugeMetricFamily(
        "mentorbot_outbox_oldest_pending_age_seconds",
        "How long the oldest pending message has been in the outbox (0: none pending)",
    )
    age.add_metric([], _seconds_since(oldest, now))
    yield age


def _due_lag(connection: sa.Connection, now: datetime) -> Metric:
    """How late the oldest due item of each kind of due work is (0: nothing overdue).

    Each is the earliest due instant among rows already due, read from the index that
    the due-work job itself uses to find them.
    """
    due = {
        "outbox": select(func.min(OutboxMessage.not_before)).where(
            OutboxMessage.status == OutboxStatus.PENDING, OutboxMessage.not_before <= now
        ),
        "checkin_prompts": select(func.min(Mentorship.next_checkin_at)).where(
            Mentorship.next_checkin_at <= now, Mentorship.status == MentorshipStatus.ACTIVE
        ),
        "goal_reviews": select(func.min(Mentorship.goals_review_at)).where(
            Mentorship.goals_review_at <= now, Mentorship.status == MentorshipStatus.ACTIVE
        ),
        "announcements": select(func.min(Announcement.send_at)).where(
            Announcement.status == AnnouncementStatus.SCHEDULED, Announcement.send_at <= now
        ),
        "request_expiry": select(func.min(MentorshipRequest.expires_at)).where(
            MentorshipRequest.status == RequestStatus.PENDING, MentorshipRequest.expires_at <= now
        ),
    }
    lag = GaugeMetricFamily(
        "mentorbot_due_lag_seconds",
        "How late the oldest due item is, by kind of due work (0: nothing overdue); "
        "a figure that keeps growing means no scheduler is running",
        labels=["work"],
    )
    for work, query in due.items():
        lag.add_metric([work], _seconds_since(connection.scalar(query), now))
    return lag


def _seconds_since(instant: datetime | None, now: datetime) -> float:
    return max(0.0, (now - instant).total_seconds()) if instant is not None else 0.0


def registry_for(
    engine: Engine,
    clock: Callable[[], datetime],
    lease_holder: LeaseHolder = scheduler_lease_holder,
) -> CollectorRegistry:
    """A registry with this process's counters and the database's figures."""
    # Without auto_describe: it would run DatabaseCollector's queries once more at every
    # start, only to learn names no other metric here could take.
    registry = CollectorRegistry()
    for metric in (REQUEST_SECONDS, LATE_ACKS, SENDS, JOB_SECONDS):
        registry.register(metric)
    registry.register(ProcessCollector(registry=None))
    registry.register(DatabaseCollector(engine, clock, lease_holder))
    return registry
