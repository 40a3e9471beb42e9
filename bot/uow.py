"""One unit of work per request or job: one transaction, committed once.

    with deps.uow() as uow:
        outcome = requests.accept(uow.session, request_id, ...)

A clean exit commits, an exception rolls back (and propagates). When the committed
transaction queued outbox messages, the outbox sender is woken, so a person's
message leaves now rather than at the next tick; nothing is woken for a rollback,
because nothing was queued.
"""

from __future__ import annotations

from collections.abc import Callable
from types import TracebackType
from typing import Self

from sqlalchemy.orm import Session, sessionmaker

# Set in `session.info` by bot.outbox.enqueue; read (and cleared) at commit.
QUEUED_FLAG = "outbox_queued"
# Set in `session.info` by a unit of work that serves a person's request (a click, a
# command): what it queues answers them, and bot.outbox sends it ahead of bulk work.
INTERACTIVE_FLAG = "outbox_interactive"


def mark_queued(session: Session) -> None:
    session.info[QUEUED_FLAG] = True


class UnitOfWork:
    def __init__(
        self,
        sessions: sessionmaker[Session],
        wake: Callable[[], None],
        *,
        interactive: bool = False,
    ) -> None:
        self._sessions = sessions
        self._wake = wake
        self._interactive = interactive
        self._session: Session | None = None

    @property
    def session(self) -> Session:
        if self._session is None:
            raise RuntimeError("the unit of work is used outside its `with` block")
        return self._session

    def __enter__(self) -> Self:
        self._session = self._sessions()
        if self._interactive:
            self._session.info[INTERACTIVE_FLAG] = True
        return self

    def __exit__(
        self,
        exc_type: type[BaseException] | None,
        exc: BaseException | None,
        traceback: TracebackType | None,
    ) -> None:
        session = self.session
        try:
            if exc_type is None:
                session.commit()
                if session.info.pop(QUEUED_FLAG, False):
                    self._wake()
            else:
                session.rollback()
        finally:
            session.close()
            self._session = None
