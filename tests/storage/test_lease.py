"""The scheduler lease: one holder at a time, renewed by it, taken over once it expires."""

from __future__ import annotations

import threading
from datetime import timedelta

import sqlalchemy as sa
from sqlalchemy.orm import Session, sessionmaker

from bot.db.models import Lease
from scheduling.lease import SCHEDULER, current, database_now, let_go, try_hold

TTL = timedelta(seconds=30)


def _expire(session: Session) -> None:
    """As if the holder had stopped renewing a while ago."""
    past = database_now(session) - timedelta(seconds=1)
    session.execute(sa.update(Lease).values(expires_at=past))
    session.commit()


def test_the_first_scheduler_takes_the_lease_and_a_second_is_refused_while_it_is_valid(
    session: Session,
) -> None:
    first = try_hold(session, SCHEDULER, "host:1:aaa", TTL)
    second = try_hold(session, SCHEDULER, "host:2:bbb", TTL)

    assert first.held and first.taken_from is None
    assert not second.held and second.holder == "host:1:aaa"
    assert second.expires_at == first.expires_at
    lease = current(session, SCHEDULER)
    assert lease is not None and lease.holder == "host:1:aaa"


def test_the_holder_renews_its_lease_keeping_when_it_took_it(session: Session) -> None:
    first = try_hold(session, SCHEDULER, "host:1:aaa", TTL)
    taken = current(session, SCHEDULER)
    assert taken is not None
    acquired = taken.acquired_at

    renewed = try_hold(session, SCHEDULER, "host:1:aaa", TTL)

    lease = current(session, SCHEDULER)
    assert renewed.held and renewed.taken_from is None
    assert lease is not None and lease.acquired_at == acquired
    assert renewed.expires_at is not None and first.expires_at is not None
    assert renewed.expires_at >= first.expires_at
    assert lease.expires_at - lease.renewed_at == TTL


def test_once_the_lease_expired_another_takes_it_over_and_the_old_holder_cannot_renew(
    session: Session,
) -> None:
    try_hold(session, SCHEDULER, "host:1:aaa", TTL)
    _expire(session)

    taken = try_hold(session, SCHEDULER, "host:2:bbb", TTL)
    late = try_hold(session, SCHEDULER, "host:1:aaa", TTL)

    assert taken.held and taken.taken_from == "host:1:aaa"
    assert not late.held and late.holder == "host:2:bbb"
    lease = current(session, SCHEDULER)
    assert lease is not None and lease.holder == "host:2:bbb"
    assert lease.acquired_at == lease.renewed_at


def test_a_lease_let_go_is_taken_at_once_by_the_next_scheduler(session: Session) -> None:
    try_hold(session, SCHEDULER, "host:1:aaa", TTL)

    assert let_go(session, SCHEDULER, "host:1:aaa")
    assert not let_go(session, SCHEDULER, "host:2:bbb")  # only the holder lets go
    taken = try_hold(session, SCHEDULER, "host:2:bbb", TTL)

    assert taken.held and taken.taken_from == "host:1:aaa"


def _race(session_factory: sessionmaker[Session], contenders: int) -> list[str]:
    """`contenders` threads, each on its own connection, try at the same instant;
    the holders among them."""
    start = threading.Barrier(contenders)
    winners: list[str] = []
    errors: list[BaseException] = []

    def contend(holder: str) -> None:
        try:
            with session_factory() as session:
                start.wait(10)
                if try_hold(session, SCHEDULER, holder, TTL).held:
                    winners.append(holder)
        except BaseException as exc:  # surfaced below, not lost in the thread
            errors.append(exc)

    threads = [
        threading.Thread(target=contend, args=(f"host:{n}:race",)) for n in range(contenders)
    ]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join(30)
    assert errors == []
    return winners


def test_of_schedulers_racing_for_a_lease_never_taken_exactly_one_gets_it(
    session_factory: sessionmaker[Session],
) -> None:
    winners = _race(session_factory, 6)

    with session_factory() as session:
        lease = current(session, SCHEDULER)
    assert len(winners) == 1
    assert lease is not None and lease.holder == winners[0]


def test_of_schedulers_racing_for_an_expired_lease_exactly_one_takes_it_over(
    session_factory: sessionmaker[Session],
) -> None:
    with session_factory() as session:
        try_hold(session, SCHEDULER, "host:dead:old", TTL)
        _expire(session)

    for _ in range(3):  # a race that happens to serialise proves little; run a few
        winners = _race(session_factory, 6)
        with session_factory() as session:
            lease = current(session, SCHEDULER)
            assert len(winners) == 1
            assert lease is not None and lease.holder == winners[0]
            _expire(session)


def test_a_holder_known_to_be_gone_is_replaced_at_once_and_a_live_one_is_not(
    session: Session,
) -> None:
    # A scheduler restarted in place after a crash: its predecessor's pid no longer runs.
    try_hold(session, SCHEDULER, "host:1:dead", TTL)
    alive = try_hold(session, SCHEDULER, "host:2:new", TTL, is_dead=lambda h: False)
    gone = try_hold(session, SCHEDULER, "host:2:new", TTL, is_dead=lambda h: h == "host:1:dead")

    assert not alive.held
    assert gone.held and gone.taken_from == "host:1:dead"
