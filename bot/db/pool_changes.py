"""Which programs' matching pools a transaction changed, written down in that transaction.

Each process keeps its own Pool per program (bot/matchmaking.PoolCache). To keep them
current without a rebuild, every commit that changes what the matcher sees bumps the
program's `pool_versions.version` and logs who changed (`pool_changes`) in the same
transaction; a process compares the version with its own (a primary-key read) and
reloads only the people logged since.

No service has to remember to do this: session events record, during the transaction,
each ORM row written (new, changed or deleted) and each ORM bulk UPDATE/DELETE (the
transition table's conditional UPDATEs, the slot counter), on the rows a pool is made
of; at commit the versions are bumped, in program order, last thing before COMMIT, so
the row lock is held for milliseconds and writers of one program commit in version
order (a reader that sees version v sees every change up to v). Columns the matcher
never reads (an enrollment's `waiting_since`, a person's DM channel) bump nothing.

Limits: an INSERT of enrollments, mentorships or requests written as a Core statement
(not `session.add`) is not seen; the code has none (roster import and enrollment add
ORM rows).
"""

from __future__ import annotations

from collections.abc import Iterable
from dataclasses import dataclass
from datetime import timedelta
from typing import Any

import sqlalchemy as sa
from sqlalchemy import event, select
from sqlalchemy.orm import ORMExecuteState, Session, SessionTransaction, sessionmaker
from sqlalchemy.orm.attributes import get_history

from bot.db.inserts import insert_if_absent
from bot.db.matchmaking import MentorshipRequest, PoolChange, PoolVersion
from bot.db.models import Enrollment, Mentorship, Person, Program, Topic
from bot.db.types import utcnow

# session.info key: program id -> person ids changed (None: the whole program).
TOUCHED = "pool_touched"
EVERYONE = None
# Log rows older than this are pruned (every PRUNE_EVERY versions of a program); a
# process that was idle longer finds a version missing and rebuilds.
KEEP_LOG = timedelta(days=1)
PRUNE_EVERY = 500

# What each watched table contributes to a pool: the columns whose change matters, and
# the columns naming the people it concerns.
_ENROLLMENT = frozenset({
    "role", "status", "goals", "bio", "experience_level", "capacity", "active_mentee_count",
    "cadence", "meeting_format", "program_id", "person_id", "topics",
})  # fmt: skip
_PERSON = frozenset({"slack_user_id", "display_name", "real_name", "tz", "org_team"})
_ORG_CHART = frozenset({"manager_slack_id"})  # changes the chains of everyone below
_MENTORSHIP = frozenset({"status", "end_reason", "mentor_id", "mentee_id", "program_id"})
_REQUEST = frozenset({"status", "mentor_id", "program_id"})
_PEOPLE_OF: dict[type[Any], tuple[str, ...]] = {
    Enrollment: ("person_id",),
    Mentorship: ("mentee_id", "mentor_id"),
    MentorshipRequest: ("mentor_id",),
}
_RELEVANT: dict[type[Any], frozenset[str]] = {
    Enrollment: _ENROLLMENT,
    Mentorship: _MENTORSHIP,
    MentorshipRequest: _REQUEST,
}


def track(sessions: sessionmaker[Session]) -> None:
    """Record pool changes for every session this factory makes."""
    event.listen(sessions, "after_flush", _after_flush)
    event.listen(sessions, "do_orm_execute", _on_execute)
    event.listen(sessions, "before_commit", _before_commit)
    event.listen(sessions, "after_transaction_end", _forget)


def touch(session: Session, program_id: int, person_ids: Iterable[int | None]) -> None:
    """Note that these people's rows in this program's pool changed (None: everyone)."""
    touched: dict[int, set[int | None]] = session.info.setdefault(TOUCHED, {})
    touched.setdefault(program_id, set()).update(person_ids)


def _forget(session: Session, transaction: SessionTransaction) -> None:
    # Only the whole transaction's end: a savepoint rolled back may still have touched
    # rows that the rest of the transaction changed (noting too much costs a reload).
    if transaction.parent is None:
        session.info.pop(TOUCHED, None)


def _changed(row: Any, columns: frozenset[str]) -> bool:
    return any(get_history(row, name).has_changes() for name in columns)


def _after_flush(session: Session, _context: Any) -> None:
    # After the flush: new rows have their ids and foreign keys; the lists and each
    # attribute's history still show what this flush wrote.
    with session.no_autoflush:
        for row in session.new:
            if type(row) is Person and row.manager_slack_id is not None:
                _everyone_in_team(session, row.team_id)  # may lengthen others' chains
            elif type(row) in _PEOPLE_OF:
                touch(session, row.program_id, (getattr(row, c) for c in _PEOPLE_OF[type(row)]))
        for row in session.deleted:
            _row_changed(session, row, deleted=True)
        for row in session.dirty:
            if session.is_modified(row, include_collections=True):
                _row_changed(session, row, deleted=False)


def _row_changed(session: Session, row: Any, *, deleted: bool) -> None:
    kind = type(row)
    if kind in _PEOPLE_OF:
        if deleted or _changed(row, _RELEVANT[kind]):
            # The old values too: a row moved to another program or person changes both.
            for name in ("program_id", *_PEOPLE_OF[kind]):
                history = get_history(row, name)
                if history.deleted:
                    _old_row(session, kind, row, name, history.deleted[0])
            touch(session, row.program_id, (getattr(row, c) for c in _PEOPLE_OF[kind]))
    elif kind is Person:
        if deleted or _changed(row, _ORG_CHART):
            _everyone_in_team(session, row.team_id)
        elif _changed(row, _PERSON):
            _person_everywhere(session, [row.id])
    elif kind is Topic:
        if deleted or _changed(row, frozenset({"label", "program_id"})):
            touch(session, row.program_id, [EVERYONE])
    elif kind is Program and not deleted and _changed(row, frozenset({"default_cadence"})):
        touch(session, row.id, [EVERYONE])


def _old_row(session: Session, kind: type[Any], row: Any, name: str, old: Any) -> None:
    values = {c: getattr(row, c) for c in ("program_id", *_PEOPLE_OF[kind])}
    values[name] = old
    touch(session, values["program_id"], (values[c] for c in _PEOPLE_OF[kind]))


def _person_everywhere(session: Session, person_ids: Iterable[int]) -> None:
    ids = list(person_ids)
    if not ids:
        return
    rows = session.execute(
        select(Enrollment.program_id, Enrollment.person_id).where(Enrollment.person_id.in_(ids))
    ).all()
    for program_id, person_id in rows:
        touch(session, program_id, [person_id])


def _everyone_in_team(session: Session, team_id: str) -> None:
    for program_id in session.scalars(select(Program.id).where(Program.team_id == team_id)):
        touch(session, program_id, [EVERYONE])


def _on_execute(state: ORMExecuteState) -> None:
    """Bulk UPDATE/DELETE of a watched table: find the rows it will touch, first."""
    if not (state.is_update or state.is_delete) or state.bind_mapper is None:
        return
    kind = state.bind_mapper.class_
    statement = state.statement
    values = getattr(statement, "_values", None) or {}
    columns = {getattr(key, "key", key) for key in values}
    session = state.session
    where = statement.whereclause  # type: ignore[attr-defined]
    if kind in _PEOPLE_OF:
        if state.is_update and not columns & _RELEVANT[kind]:
            return
        people = [getattr(kind, c) for c in _PEOPLE_OF[kind]]
        query = select(kind.program_id, *people)
        rows = session.execute(query.where(where) if where is not None else query).all()
        for program_id, *person_ids in rows:
            touch(session, program_id, person_ids)
    elif kind is Person:
        query = select(Person.id, Person.team_id)
        if state.is_delete or columns & _ORG_CHART:
            rows = session.execute(query.where(where) if where is not None else query).all()
            for team_id in {team for _, team in rows}:
                _everyone_in_team(session, team_id)
        elif columns & _PERSON:
            rows = session.execute(query.where(where) if where is not None else query).all()
            _person_everywhere(session, [person_id for person_id, _ in rows])
    elif kind is Topic:
        query = select(Topic.program_id)
        for program_id in set(session.scalars(query.where(where) if where is not None else query)):
            touch(session, program_id, [EVERYONE])


def _before_commit(session: Session) -> None:
    if session.in_nested_transaction():
        # A savepoint's release: the versions are bumped by the outer commit, last, so
        # the row lock is never held while the transaction waits for other locks.
        return
    session.flush()  # what is still pending may touch more
    touched: dict[int, set[int | None]] = session.info.pop(TOUCHED, {})
    if not touched:
        return
    now = utcnow()
    for program_id in sorted(touched):  # one order everywhere: no deadlock between writers
        version = bump(session, program_id)
        people = touched[program_id]
        logged = [EVERYONE] if EVERYONE in people else sorted(p for p in people if p)
        session.execute(
            sa.insert(PoolChange.__table__),
            [
                {"program_id": program_id, "version": version, "person_id": p, "created_at": now}
                for p in logged or [EVERYONE]
            ],
        )
        if version % PRUNE_EVERY == 0:
            session.execute(
                sa.delete(PoolChange.__table__).where(
                    PoolChange.program_id == program_id, PoolChange.created_at < now - KEEP_LOG
                )
            )


def bump(session: Session, program_id: int) -> int:
    """The program's next pool version, taken under its row lock (held until commit)."""
    table = PoolVersion.__table__
    insert_if_absent(
        session, PoolVersion, {"program_id": program_id, "version": 0}, unique=["program_id"]
    )
    return int(
        session.execute(
            sa.update(table)
            .where(table.c.program_id == program_id)
            .values(version=table.c.version + 1)
            .returning(table.c.version)
        ).scalar_one()
    )


def version(session: Session, program_id: int) -> int:
    """The program's pool version now (0: never changed since pools were versioned)."""
    table = PoolVersion.__table__
    found = session.execute(
        select(table.c.version).where(table.c.program_id == program_id)
    ).scalar_one_or_none()
    return int(found or 0)


@dataclass(frozen=True)
class Delta:
    """What changed in a program's pool between two versions."""

    people: frozenset[int]
    everyone: bool  # reload the whole program (or the log no longer reaches back)


def changes(session: Session, program_id: int, since: int, upto: int) -> Delta:
    """Who changed after version `since` up to `upto`, from the log."""
    table = PoolChange.__table__
    rows = session.execute(
        select(table.c.version, table.c.person_id).where(
            table.c.program_id == program_id,
            table.c.version > since,
            table.c.version <= upto,
        )
    ).all()
    seen = {v for v, _ in rows}
    complete = seen == set(range(since + 1, upto + 1))
    everyone = not complete or any(p is None for _, p in rows)
    return Delta(frozenset(p for _, p in rows if p is not None), everyone)
