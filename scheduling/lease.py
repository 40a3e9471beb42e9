"""A lease in the database: of several schedulers, one at a time does the due work.

Every scheduler (`mentorbot scheduler`, or the one inside `mentorbot run`) tries to
hold the lease at each tick; the holder renews it, the others skip the due work. A
holder that dies stops renewing, and at the first tick after `expires_at` another
takes it: takeover within TTL + one tick (30 s + 2 s by default).

Atomic on both dialects with one compare-and-set: read the row, then
UPDATE ... WHERE holder = <the holder we read> AND (it is us OR it has expired).
PostgreSQL: two such UPDATEs of one row queue on its row lock, and the second
re-checks its WHERE against the first's committed row (READ COMMITTED), whose holder
is no longer what it read, so it changes nothing. SQLite: every transaction begins
IMMEDIATE (bot/db/engine.py), so read-then-write runs one at a time. The first
lease of a name is an INSERT ... ON CONFLICT DO NOTHING: of two, one inserts.

One clock. Every instant compared or written comes from the database's clock, read
in the same transaction (PostgreSQL `now()`), so web and scheduler hosts whose clocks
disagree still agree on when a lease expires. SQLite is a file on one host: every
process that opens it shares that host's clock, which is then the database's clock.
The bot's own clock (deps.clock, which a test or `run-due --as-of` may pin far from
today) plays no part: a lease is about real processes, not the program's calendar.
"""

from __future__ import annotations

import contextlib
import logging
import threading
from collections.abc import Callable, Iterator
from dataclasses import dataclass
from datetime import UTC, datetime, timedelta

import sqlalchemy as sa
from sqlalchemy.orm import Session, sessionmaker

from bot.db.inserts import insert_if_absent
from bot.db.leases import SCHEDULER_LEASE
from bot.db.models import Lease

log = logging.getLogger(__name__)

SCHEDULER = SCHEDULER_LEASE  # the due-work job's lease


@dataclass(frozen=True)
class Holding:
    """The outcome of one attempt to take or renew a lease."""

    held: bool
    holder: str | None  # who holds it now, as far as this attempt saw
    expires_at: datetime | None
    taken_from: str | None = None  # the expired holder we took it over from


def database_now(session: Session) -> datetime:
    """The database's clock (see the module's docstring)."""
    if session.get_bind().dialect.name == "postgresql":
        now = session.scalar(sa.select(sa.func.now()))
        assert now is not None
        return now.astimezone(UTC)
    return datetime.now(UTC)


def try_hold(
    session: Session,
    name: str,
    holder: str,
    ttl: timedelta,
    is_dead: Callable[[str], bool] = lambda holder: False,
) -> Holding:
    """Take `name` if free or expired, renew it if ours; commits. Never waits for a holder.

    `is_dead` may say a holder is certainly gone (a pid of this host that no longer runs,
    bot/workers.py): its lease is taken at once, so a scheduler restarted in place after
    a crash does not wait out its predecessor's lease.
    """
    now = database_now(session)
    current = session.get(Lease, name, populate_existing=True)
    if current is None:
        values = {
            "name": name,
            "holder": holder,
            "acquired_at": now,
            "renewed_at": now,
            "expires_at": now + ttl,
        }
        won = insert_if_absent(session, Lease, values, unique=["name"])
        session.commit()
        if won:
            return Holding(True, holder, now + ttl)
        return Holding(False, None, None)  # another process inserted it first
    seen, ours = current.holder, current.holder == holder
    dead = not ours and current.expires_at > now and is_dead(seen)
    if not ours and current.expires_at > now and not dead:
        session.rollback()
        return Holding(False, seen, current.expires_at)
    # A dead holder renews nothing, so for it the compare-and-set alone is enough.
    free = sa.true() if dead else (Lease.holder == holder) | (Lease.expires_at <= now)
    changed = session.execute(
        sa.update(Lease)
        .where(
            Lease.name == name,
            Lease.holder == seen,  # compare-and-set: still the holder we read
            free,
        )
        .values(
            holder=holder,
            acquired_at=current.acquired_at if ours else now,
            renewed_at=now,
            expires_at=now + ttl,
        )
        .execution_options(synchronize_session=False)
    ).rowcount
    session.commit()
    if changed != 1:
        return Holding(False, None, None)  # someone else took or renewed it meanwhile
    return Holding(True, holder, now + ttl, taken_from=None if ours else seen)


def let_go(session: Session, name: str, holder: str) -> bool:
    """End our lease now (a graceful stop), so another takes over at its next tick."""
    now = database_now(session)
    ended = session.execute(
        sa.update(Lease)
        .where(Lease.name == name, Lease.holder == holder, Lease.expires_at > now)
        .values(expires_at=now)
        .execution_options(synchronize_session=False)
    ).rowcount
    session.commit()
    return ended == 1


def current(session: Session, name: str) -> Lease | None:
    """The lease row as stored (expired or not), for operators and tests."""
    return session.get(Lease, name, populate_existing=True)


class SchedulerLease:
    """One process's side of the scheduler lease.

    `hold()` at each tick; `kept()` around the due work renews it every third of the
    TTL, so a long run (a large fan-out) keeps it. `held` is False once an attempt
    failed, until one succeeds again.
    """

    def __init__(
        self,
        sessions: sessionmaker[Session],
        holder: str,
        ttl: timedelta,
        name: str = SCHEDULER,
        is_dead: Callable[[str], bool] = lambda holder: False,
    ) -> None:
        self.sessions = sessions
        self.holder = holder
        self.ttl = ttl
        self.name = name
        # Asked at the first attempt only, as the outbox's claims are released only at
        # start-up: a restart in place after a crash goes on at once; a scheduler that was
        # already running waits the lease out, as one on another host must.
        self.is_dead: Callable[[str], bool] | None = is_dead
        self.held = False

    def hold(self) -> Holding:
        try:
            with self.sessions() as session:
                is_dead, self.is_dead = self.is_dead or (lambda holder: False), None
                outcome = try_hold(session, self.name, self.holder, self.ttl, is_dead)
        except sa.exc.DBAPIError as exc:
            # A database we cannot reach: do no due work rather than risk a second holder.
            log.warning("scheduler lease: could not reach the database (%s)", type(exc).__name__)
            outcome = Holding(False, None, None)
        if outcome.taken_from is not None:
            log.info("scheduler lease taken over from %s (expired or gone)", outcome.taken_from)
        elif outcome.held and not self.held:
            log.info("scheduler lease held by this process (%s)", self.holder)
        elif self.held and not outcome.held:
            log.warning("scheduler lease lost to %s; skipping the due work", outcome.holder)
        self.held = outcome.held
        return outcome

    @contextlib.contextmanager
    def kept(self) -> Iterator[None]:
        """Renew the lease every TTL/3 while the block runs."""
        done = threading.Event()

        def renew() -> None:
            while not done.wait(self.ttl.total_seconds() / 3):
                self.hold()

        keeper = threading.Thread(target=renew, name="scheduler-lease", daemon=True)
        keeper.start()
        try:
            yield
        finally:
            done.set()
            keeper.join()

    def release(self) -> None:
        if not self.held:
            return
        self.held = False
        try:
            with self.sessions() as session:
                if let_go(session, self.name, self.holder):
                    log.info("scheduler lease released for the next scheduler")
        except sa.exc.DBAPIError as exc:  # it simply expires
            log.warning("scheduler lease: could not release it (%s)", type(exc).__name__)
