"""A unit of work commits on success, rolls back on error, and wakes the sender after
a commit that queued messages (and only then)."""

from __future__ import annotations

from datetime import UTC, datetime

import pytest
from sqlalchemy import func, select
from sqlalchemy.orm import Session, sessionmaker

from bot import outbox
from bot.db.models import OutboxMessage
from bot.uow import UnitOfWork

NOW = datetime(2026, 12, 1, 9, 0, tzinfo=UTC)


class Wakes:
    def __init__(self) -> None:
        self.count = 0

    def __call__(self) -> None:
        self.count += 1


def _queue(session: Session, key: str) -> None:
    outbox.enqueue(
        session,
        team_id="T0001",
        key=key,
        method="chat.postMessage",
        payload={"channel": "U0001", "text": "hello"},
        not_before=NOW,
    )


def _messages(sessions: sessionmaker[Session]) -> int:
    with sessions() as session:
        return session.scalar(select(func.count()).select_from(OutboxMessage)) or 0


def test_a_clean_exit_commits_and_wakes_the_sender_for_what_it_queued(session_factory) -> None:
    wakes = Wakes()
    with UnitOfWork(session_factory, wakes) as uow:
        _queue(uow.session, "greeting:1")

    assert (_messages(session_factory), wakes.count) == (1, 1)


def test_an_error_rolls_everything_back_and_wakes_nobody(session_factory) -> None:
    wakes = Wakes()
    with pytest.raises(LookupError), UnitOfWork(session_factory, wakes) as uow:
        _queue(uow.session, "greeting:1")
        raise LookupError("the domain said no")

    assert (_messages(session_factory), wakes.count) == (0, 0)


def test_a_commit_that_queued_nothing_wakes_nobody(session_factory) -> None:
    wakes = Wakes()
    with UnitOfWork(session_factory, Wakes()) as uow:
        _queue(uow.session, "greeting:1")
    with UnitOfWork(session_factory, wakes) as uow:
        _queue(uow.session, "greeting:1")  # the same key: already queued, nothing new

    assert (_messages(session_factory), wakes.count) == (1, 0)


def test_the_session_is_not_usable_after_the_unit_of_work(session_factory) -> None:
    uow = UnitOfWork(session_factory, Wakes())
    with uow:
        pass
    with pytest.raises(RuntimeError, match="outside its `with` block"):
        _ = uow.session
