"""Status changes: one table of allowed moves per stateful noun, one `move()` for all.

Every status write goes through `move()`. It refuses a move its table does not allow
(a bug, so it raises), and it is a conditional UPDATE on the expected state, so two
requests or two processes racing to move the same row cannot both succeed: the loser
is told (False) and changes nothing.
"""

from __future__ import annotations

from collections.abc import Collection, Mapping, Sequence
from dataclasses import dataclass
from enum import StrEnum
from typing import Any

from sqlalchemy import ColumnElement, Row, update
from sqlalchemy.orm import Session

from bot.db.enums import (
    AnnouncementStatus,
    CheckInStatus,
    EnrollmentStatus,
    GoalStatus,
    MentorshipStatus,
    OutboxStatus,
    RequestStatus,
    RosterImportStatus,
    RoundStatus,
)
from bot.db.models import (
    Announcement,
    CheckIn,
    Enrollment,
    Goal,
    MatchRound,
    Mentorship,
    MentorshipRequest,
    OutboxMessage,
    RosterImport,
)


class ForbiddenTransition(RuntimeError):
    """A status change that the noun's table does not allow: a bug, never user input."""


@dataclass(frozen=True)
class Transitions:
    noun: str
    allowed: Mapping[StrEnum, frozenset[StrEnum]]

    def check(self, source: StrEnum, target: StrEnum) -> None:
        if target not in self.allowed.get(source, frozenset()):
            raise ForbiddenTransition(f"{self.noun}: {source.value} -> {target.value}")


def _table(noun: str, moves: Mapping[Any, Collection[Any]]) -> Transitions:
    return Transitions(noun, {source: frozenset(targets) for source, targets in moves.items()})


_R = RequestStatus
REQUEST = _table(
    "request",
    {
        _R.QUEUED: {_R.PENDING, _R.CANCELLED},
        _R.PENDING: {_R.ACCEPTED, _R.DECLINED, _R.EXPIRED, _R.CANCELLED},
    },
)

_M = MentorshipStatus
MENTORSHIP = _table(
    "mentorship",
    {_M.ACTIVE: {_M.PAUSED, _M.ENDED}, _M.PAUSED: {_M.ACTIVE, _M.ENDED}},
)

_E = EnrollmentStatus
ENROLLMENT = _table(
    "enrollment",
    {
        _E.ACTIVE: {_E.PAUSED, _E.LEFT},
        _E.PAUSED: {_E.ACTIVE, _E.LEFT},
        _E.LEFT: {_E.ACTIVE},  # joining again
    },
)

_O = OutboxStatus
OUTBOX = _table(
    "outbox message",
    {
        # PENDING -> FAILED: withdrawn before sending, as stale (outbox.withdraw).
        _O.PENDING: {_O.SENDING, _O.FAILED},
        # SENDING -> SENDING: a claim whose holder died is taken over.
        _O.SENDING: {_O.SENT, _O.PENDING, _O.FAILED, _O.SENDING},
    },
)

_D = RoundStatus
ROUND = _table("round", {_D.PROPOSED: {_D.APPROVED, _D.DISCARDED}})

_C = CheckInStatus
CHECKIN = _table(
    "check-in",
    {
        _C.SCHEDULED: {_C.PROMPTED},
        _C.PROMPTED: {_C.MET, _C.SKIPPED, _C.MISSED},
        # Answered after the next period began: a late log still counts, a late skip is noted.
        _C.MISSED: {_C.MET, _C.SKIPPED},
    },
)

_G = GoalStatus
GOAL = _table(
    "goal",
    {
        # Progress (a meeting log, the monthly update) moves a live goal anywhere, dropped
        # included. Dropped is left only by the goals form, when someone writes the goal
        # again: it comes back not started (bot.goals); progress reports never touch it.
        _G.NOT_STARTED: {_G.ON_TRACK, _G.DONE, _G.DROPPED},
        _G.ON_TRACK: {_G.NOT_STARTED, _G.DONE, _G.DROPPED},
        _G.DONE: {_G.NOT_STARTED, _G.ON_TRACK, _G.DROPPED},
        _G.DROPPED: {_G.NOT_STARTED},
    },
)

_A = AnnouncementStatus
ANNOUNCEMENT = _table(
    "announcement",
    {
        # Confirmed from its preview; "send now" is scheduled for the moment it is confirmed.
        _A.DRAFT: {_A.SCHEDULED},
        # SCHEDULED -> SENDING is the fan-out's claim: its messages are in the outbox.
        _A.SCHEDULED: {_A.SENDING, _A.CANCELLED},
        # Every message sent or given up on: the author was told (reported_at).
        _A.SENDING: {_A.SENT, _A.FAILED},
    },
)

_I = RosterImportStatus
ROSTER_IMPORT = _table(
    "roster import",
    {
        _I.QUEUED: {_I.RUNNING},
        # RUNNING -> RUNNING: a claim whose worker died is taken over. DONE and FAILED
        # are reached in the transaction that queues the report, so it is sent once.
        _I.RUNNING: {_I.RUNNING, _I.DONE, _I.FAILED},
    },
)

TABLES: dict[type[Any], Transitions] = {
    Announcement: ANNOUNCEMENT,
    CheckIn: CHECKIN,
    Goal: GOAL,
    MentorshipRequest: REQUEST,
    Mentorship: MENTORSHIP,
    Enrollment: ENROLLMENT,
    OutboxMessage: OUTBOX,
    MatchRound: ROUND,
    RosterImport: ROSTER_IMPORT,
}


def move(
    session: Session,
    model: type[Any],
    row_id: int,
    *,
    source: StrEnum | Collection[StrEnum],
    target: StrEnum,
    **values: Any,
) -> bool:
    """Move row `row_id` from `source` (one state or several) to `target`, setting `values`.

    True when this call moved it; False when the row was not in `source` any more
    (someone else moved it first, or it is gone).
    """
    return move_all(session, model, model.id == row_id, source=source, target=target, **values) == 1


def move_all(
    session: Session,
    model: type[Any],
    where: ColumnElement[bool],
    *,
    source: StrEnum | Collection[StrEnum],
    target: StrEnum,
    **values: Any,
) -> int:
    """Move every row matching `where` that is in `source` to `target`; how many moved."""
    sources = [source] if isinstance(source, StrEnum) else list(source)
    table = TABLES[model]
    for state in sources:
        table.check(state, target)
    return session.execute(
        update(model)
        .where(where, model.status.in_(sources))
        .values(status=target, **values)
        .execution_options(synchronize_session="fetch")
    ).rowcount


def move_all_returning(
    session: Session,
    model: type[Any],
    where: ColumnElement[bool],
    *,
    source: StrEnum | Collection[StrEnum],
    target: StrEnum,
    returning: Sequence[Any],
    **values: Any,
) -> list[Row[Any]]:
    """`move_all` that says which rows moved: the `returning` columns of each (in no
    particular order). For a batch (bot/checkins), where a count is not enough."""
    sources = [source] if isinstance(source, StrEnum) else list(source)
    table = TABLES[model]
    for state in sources:
        table.check(state, target)
    return list(
        session.execute(
            update(model)
            .where(where, model.status.in_(sources))
            .values(status=target, **values)
            .returning(*returning)
            .execution_options(synchronize_session="fetch")
        ).all()
    )
