"""Outbox lanes: what a person's request queues is claimed ahead of bulk work, never
starving it; keys and claims work as before in both lanes."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta

from sqlalchemy import select
from sqlalchemy.orm import Session, sessionmaker

from bot import outbox
from bot.db.models import OutboxMessage
from bot.uow import UnitOfWork
from tests.storage import TEAM

NOW = datetime(2026, 12, 7, 9, 0, tzinfo=UTC)
POST = "chat.postMessage"


def _bulk(sessions: sessionmaker[Session], count: int, *, queued_at: datetime) -> None:
    """`count` prompts of a fan-out, due from `queued_at`, as the due-work job queues them."""
    with UnitOfWork(sessions, lambda: None) as uow:
        messages = [(f"bulk:{n}", POST, {"channel": f"U{n:06d}"}) for n in range(count)]
        outbox.enqueue_many(uow.session, team_id=TEAM, messages=messages, not_before=queued_at)


def _click(sessions: sessionmaker[Session], count: int = 1, *, prefix: str = "click") -> None:
    """What a person's click queues: `count` notices, in a request's unit of work."""
    with UnitOfWork(sessions, lambda: None, interactive=True) as uow:
        for n in range(count):
            outbox.enqueue(
                uow.session,
                team_id=TEAM,
                key=f"{prefix}:{n}",
                method=POST,
                payload={"channel": "U0ANA0001"},
                not_before=NOW,
            )


def _claim(sessions: sessionmaker[Session], limit: int = 10) -> list[str]:
    with sessions() as session:
        claimed = outbox.claim_due(session, now=NOW, worker_id="w1", limit=limit)
    return [message.key for message in claimed]


def test_a_notice_a_click_queued_is_claimed_ahead_of_a_fan_out_queued_earlier(
    session_factory: sessionmaker[Session],
) -> None:
    _bulk(session_factory, 500, queued_at=NOW - timedelta(minutes=5))
    _click(session_factory)

    claimed = _claim(session_factory)

    assert claimed[0] == "click:0"  # sent first, not after 500 prompts
    assert claimed[1:] == [f"bulk:{n}" for n in range(9)]  # then the fan-out, in order


def test_while_bulk_work_is_due_notices_take_at_most_half_of_each_claim(
    session_factory: sessionmaker[Session],
) -> None:
    _bulk(session_factory, 30, queued_at=NOW - timedelta(minutes=5))
    _click(session_factory, 8, prefix="a")
    _click(session_factory, 8, prefix="b")

    first, second = _claim(session_factory), _claim(session_factory)

    assert first == [f"a:{n}" for n in range(5)] + [f"bulk:{n}" for n in range(5)]
    assert second == ["a:5", "a:6", "a:7", "b:0", "b:1"] + [f"bulk:{n}" for n in range(5, 10)]


def test_with_no_bulk_work_due_notices_fill_the_whole_claim(
    session_factory: sessionmaker[Session],
) -> None:
    _bulk(session_factory, 5, queued_at=NOW + timedelta(hours=1))  # not due yet
    _click(session_factory, 12)

    assert _claim(session_factory) == [f"click:{n}" for n in range(10)]


def test_with_no_notices_bulk_work_fills_the_whole_claim(
    session_factory: sessionmaker[Session],
) -> None:
    _bulk(session_factory, 12, queued_at=NOW)

    assert _claim(session_factory) == [f"bulk:{n}" for n in range(10)]


def test_a_request_that_queues_a_fan_out_puts_the_rest_in_line_with_bulk_work(
    session_factory: sessionmaker[Session],
) -> None:
    _click(session_factory, outbox.INTERACTIVE_PER_UNIT + 5)

    with session_factory() as session:
        rows = session.execute(select(OutboxMessage.idempotency_key, OutboxMessage.priority))
        lanes = {key: lane for key, lane in rows}
    first = [f"click:{n}" for n in range(outbox.INTERACTIVE_PER_UNIT)]
    assert {lanes[key] for key in first} == {outbox.INTERACTIVE}
    rest = [f"click:{n}" for n in range(outbox.INTERACTIVE_PER_UNIT, len(lanes))]
    assert {lanes[key] for key in rest} == {outbox.BULK}


def test_the_due_work_jobs_own_messages_and_every_fan_out_are_bulk(
    session_factory: sessionmaker[Session],
) -> None:
    with UnitOfWork(session_factory, lambda: None) as uow:  # the due-work job's
        outbox.enqueue(
            uow.session, team_id=TEAM, key="job", method=POST, payload={}, not_before=NOW
        )
    with UnitOfWork(session_factory, lambda: None, interactive=True) as uow:
        outbox.enqueue_many(uow.session, team_id=TEAM, messages=[("fan", POST, {})], not_before=NOW)

    with session_factory() as session:
        assert set(session.scalars(select(OutboxMessage.priority))) == {outbox.BULK}


def test_a_notice_queued_twice_under_its_key_is_one_row_and_one_claim(
    session_factory: sessionmaker[Session],
) -> None:
    _click(session_factory)
    _click(session_factory)  # the same click, retried by Slack

    assert _claim(session_factory) == ["click:0"]
    assert _claim(session_factory) == []  # claimed: no second worker takes it
