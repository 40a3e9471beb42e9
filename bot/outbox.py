"""The outbox: every message the bot sends on its own initiative is a row first.

A message is enqueued in the same transaction as the change that caused it, under
an idempotency key naming what it is for, so a retried request or a second
scheduler run cannot enqueue it twice. Delivery claims rows (on PostgreSQL with
FOR UPDATE SKIP LOCKED), sends, and records the outcome; a 429 or an outage only
moves `not_before`. Delivery is at-least-once, and the only window for a repeat is
a crash between Slack's answer and our commit: at most one message per crash.

Claims after a crash. A claim that was never finished is taken again, so nothing
is lost; what matters is how soon. Three things keep that short without adding
repeats (see bot/workers.py and OutboxSender):
- claims are small batches, so a crash strands few rows;
- the lease is short (CLAIM_LEASE) and a live sender renews its claims every
  RENEW_EVERY while it sends, so a slow Slack never lets a second worker take a
  message that is still being sent, and a dead one's claims lapse within the lease;
- on start-up the scheduler releases at once what a dead process of this host held
  (its pid is gone), so the usual restart-in-place waits for no lease at all.
A graceful stop puts the rows it claimed but did not send back (`release`).

Two lanes. A message queued by a unit of work that serves a person's request (a click,
a command: `Deps.for_requests`) is INTERACTIVE: the "your partner logged it" update, an
acknowledgement, their Home. Everything else is BULK: prompts, announcements, reminders,
the due-work job's fan-outs (`enqueue_many` always). Each claim takes the due
interactive rows first, so a person's notice waits for at most the claim in hand, not
for a fan-out of thousands paced by Slack's rate limits; but while bulk rows are due,
at most INTERACTIVE_SHARE of a claim goes to interactive ones, so bulk work always
moves. A request queues at most INTERACTIVE_PER_UNIT interactive messages; the rest of
a large one (a round's introductions) waits in line with bulk work. The lane changes
nothing else: keys, claims, leases and retries are the same for both.
"""

from __future__ import annotations

import math
from collections.abc import Callable, Sequence
from dataclasses import dataclass
from datetime import datetime, timedelta
from typing import Any

from sqlalchemy import ColumnElement, Text, cast, or_, select, update
from sqlalchemy.orm import Session, sessionmaker

from bot.db.enums import OutboxStatus
from bot.db.inserts import insert_if_absent, insert_many_if_absent
from bot.db.models import OutboxMessage
from bot.transitions import move_all
from bot.uow import INTERACTIVE_FLAG, mark_queued

GROUP_DM = "dm.group"  # open a group DM with payload["users"], then post into it
# Upload payload["content"] into the DM with payload["user"]: payload["channel"] when the
# DM's id is known (people.dm_channel_id), else opened with conversations.open first.
FILE_DM = "dm.file"
# Post payload (chat.postMessage arguments) in a channel; when the bot is not in it and it
# is public, join it (conversations.join) and post.
CHANNEL_POST = "channel.post"
# A binary file (a PNG chart) in a FILE_DM payload: base64 text under this key instead of
# "content". It is no one's words, so bot.privacy does not search it for names.
FILE_BYTES = "content_b64"

# A live sender renews its claims three times per lease, so one missed renewal
# (a busy database) does not let another worker take a message being sent.
CLAIM_LEASE = timedelta(seconds=30)
RENEW_EVERY = CLAIM_LEASE / 3
BACKOFF_FIRST = timedelta(seconds=5)
BACKOFF_CAP = timedelta(minutes=15)
# With the cap above this is about a day of trying before a message is dead-lettered.
MAX_ATTEMPTS = 100

BULK, INTERACTIVE = 0, 1  # outbox_messages.priority: the lanes (see above)
# While bulk rows are due, the share of a claim interactive rows may take (rounded up).
INTERACTIVE_SHARE = 0.5
# A click queues a handful (the partner's update, both Homes); past this it is a fan-out.
INTERACTIVE_PER_UNIT = 20
_INTERACTIVE_QUEUED = "outbox_interactive_queued"  # session.info: how many so far


@dataclass(frozen=True)
class Claimed:
    id: int
    team_id: str
    key: str
    method: str
    payload: dict[str, Any]
    attempts: int
    worker_id: str


def enqueue(
    session: Session,
    *,
    team_id: str,
    key: str,
    method: str,
    payload: dict[str, Any],
    not_before: datetime,
) -> bool:
    """Add a message unless one with this key exists; True when it was added.

    The caller commits, so the message lands with the change that caused it.
    """
    priority = _lane(session)
    values = {
        "team_id": team_id,
        "idempotency_key": key,
        "method": method,
        "payload": payload,
        "status": OutboxStatus.PENDING,
        "attempts": 0,
        "not_before": not_before,
        "priority": priority,
    }
    added = insert_if_absent(session, OutboxMessage, values, unique=["idempotency_key"])
    if added:
        mark_queued(session)  # the unit of work wakes the sender once this commits
        if priority == INTERACTIVE:
            session.info[_INTERACTIVE_QUEUED] = session.info.get(_INTERACTIVE_QUEUED, 0) + 1
    return added


def _lane(session: Session) -> int:
    """INTERACTIVE for what a person's request queues, up to INTERACTIVE_PER_UNIT of it."""
    if not session.info.get(INTERACTIVE_FLAG):
        return BULK
    if session.info.get(_INTERACTIVE_QUEUED, 0) >= INTERACTIVE_PER_UNIT:
        return BULK
    return INTERACTIVE


def enqueue_many(
    session: Session,
    *,
    team_id: str,
    messages: list[tuple[str, str, dict[str, Any]]],
    not_before: datetime,
) -> int:
    """`enqueue` for many (key, method, payload) at once (a fan-out); how many were added."""
    rows = [
        {
            "team_id": team_id,
            "idempotency_key": key,
            "method": method,
            "payload": payload,
            "status": OutboxStatus.PENDING,
            "attempts": 0,
            "not_before": not_before,
            "priority": BULK,  # a fan-out, whoever started it
        }
        for key, method, payload in messages
    ]
    added = insert_many_if_absent(session, OutboxMessage, rows, unique=["idempotency_key"])
    if added:
        mark_queued(session)
    return added


@dataclass(frozen=True)
class Message:
    """One message to enqueue with others (`enqueue_each`), each with its own time."""

    team_id: str
    key: str
    method: str
    payload: dict[str, Any]
    not_before: datetime


def enqueue_each(session: Session, messages: Sequence[Message]) -> int:
    """`enqueue` for many messages in a few multi-row INSERTs (the due-work job's batch
    of prompts); how many were added. A key that exists already is a no-op, as ever."""
    rows = [
        {
            "team_id": m.team_id,
            "idempotency_key": m.key,
            "method": m.method,
            "payload": m.payload,
            "status": OutboxStatus.PENDING,
            "attempts": 0,
            "not_before": m.not_before,
        }
        for m in messages
    ]
    added = insert_many_if_absent(session, OutboxMessage, rows, unique=["idempotency_key"])
    if added:
        mark_queued(session)
    return added


def claim_due(session: Session, *, now: datetime, worker_id: str, limit: int) -> list[Claimed]:
    """Claim up to `limit` due rows, interactive ones first (see the lanes above); they
    are sent in the order returned."""
    interactive = _due(session, now, OutboxMessage.priority == INTERACTIVE, limit)
    # Room kept for bulk rows: all of it but the interactive rows' share (or fewer).
    room = limit - min(len(interactive), math.ceil(limit * INTERACTIVE_SHARE))
    bulk = _due(session, now, OutboxMessage.priority == BULK, room)
    rows = interactive[: limit - len(bulk)] + bulk
    claimed: list[Claimed] = []
    for row in rows:
        # Read before the UPDATE: the session then refreshes `row` with the new count.
        attempts = row.attempts + 1
        # The status check makes the claim safe on SQLite too, where FOR UPDATE is a no-op.
        taken = move_all(
            session,
            OutboxMessage,
            (OutboxMessage.id == row.id)
            & (OutboxMessage.claimed_at.is_(None) | (OutboxMessage.claimed_at == row.claimed_at)),
            source=row.status,
            target=OutboxStatus.SENDING,
            claimed_at=now,
            claimed_by=worker_id,
            attempts=OutboxMessage.attempts + 1,
        )
        if taken:
            claimed.append(
                Claimed(
                    id=row.id,
                    team_id=row.team_id,
                    key=row.idempotency_key,
                    method=row.method,
                    payload=dict(row.payload),
                    attempts=attempts,
                    worker_id=worker_id,
                )
            )
    session.commit()
    return claimed


def _due(
    session: Session, now: datetime, lane: ColumnElement[bool], limit: int
) -> list[OutboxMessage]:
    """Up to `limit` rows of one lane that are due (or whose claim lapsed), oldest first,
    locked (on PostgreSQL) against other workers until the claim commits."""
    if limit <= 0:
        return []
    # Two queries, not one OR: each then walks its own index (a lane's pending rows in
    # order; the few claims that lapsed) instead of every row of the lane.
    pending = _locked(
        session,
        (lane, OutboxMessage.status == OutboxStatus.PENDING, OutboxMessage.not_before <= now),
        limit,
    )
    lapsed = _locked(
        session,
        (
            lane,
            OutboxMessage.status == OutboxStatus.SENDING,
            OutboxMessage.claimed_at < now - CLAIM_LEASE,
        ),
        limit,
    )
    return sorted(pending + lapsed, key=lambda row: (row.not_before, row.id))[:limit]


def _locked(
    session: Session, where: tuple[ColumnElement[bool], ...], limit: int
) -> list[OutboxMessage]:
    return list(
        session.scalars(
            select(OutboxMessage)
            .where(*where)
            .order_by(OutboxMessage.not_before, OutboxMessage.id)
            .limit(limit)
            .with_for_update(skip_locked=True)
        ).all()
    )


def renew_claims(session: Session, *, worker_id: str, now: datetime) -> int:
    """Extend the lease of every row this worker holds; how many it still holds."""
    renewed = session.execute(
        update(OutboxMessage)
        .where(OutboxMessage.status == OutboxStatus.SENDING, OutboxMessage.claimed_by == worker_id)
        .values(claimed_at=now)
    ).rowcount
    session.commit()
    return renewed


def release(
    session: Session, *, worker_id: str, ids: list[int] | None = None, attempted: bool = False
) -> int:
    """Put rows this worker claimed back to pending (all of them, or only `ids`).

    `attempted` False (a graceful stop before sending them) gives back the attempt
    the claim counted; a dead worker's rows may have been sent, so theirs stays.
    """
    held = OutboxMessage.claimed_by == worker_id
    if ids is not None:
        held = held & OutboxMessage.id.in_(ids)
    values: dict[str, Any] = {"claimed_at": None, "claimed_by": None}
    if not attempted:
        values["attempts"] = OutboxMessage.attempts - 1
    released = move_all(
        session,
        OutboxMessage,
        held,
        source=OutboxStatus.SENDING,
        target=OutboxStatus.PENDING,
        **values,
    )
    session.commit()
    return released


def release_dead(session: Session, is_dead: Callable[[str], bool]) -> int:
    """Release every claim whose worker `is_dead` says is gone; how many rows."""
    holders = session.scalars(
        select(OutboxMessage.claimed_by)
        .where(OutboxMessage.status == OutboxStatus.SENDING, OutboxMessage.claimed_by.is_not(None))
        .distinct()
    ).all()
    return sum(
        release(session, worker_id=holder, attempted=True)
        for holder in holders
        if holder is not None and is_dead(holder)
    )


def _finish(session: Session, message: Claimed, target: OutboxStatus, **values: Any) -> None:
    # Only the worker holding the claim may record its outcome.
    move_all(
        session,
        OutboxMessage,
        (OutboxMessage.id == message.id) & (OutboxMessage.claimed_by == message.worker_id),
        source=OutboxStatus.SENDING,
        target=target,
        **values,
    )
    session.commit()


def mark_sent(session: Session, message: Claimed, result: dict[str, Any], now: datetime) -> None:
    _finish(session, message, OutboxStatus.SENT, sent_at=now, result=result, last_error=None)


def retry_later(
    session: Session,
    message: Claimed,
    error: str,
    now: datetime,
    *,
    wait: timedelta | None,
    counts: bool = True,
) -> None:
    """Put the message back; `wait` None means exponential backoff by attempts.

    A rate limit does not count as an attempt: it says "later", not "broken".
    """
    if counts and message.attempts >= MAX_ATTEMPTS:
        give_up(session, message, error, now)
        return
    if wait is None:
        wait = min(BACKOFF_CAP, BACKOFF_FIRST * (2 ** max(0, message.attempts - 1)))
    values: dict[str, Any] = {
        "not_before": now + wait,
        "claimed_at": None,
        "claimed_by": None,
        "last_error": error[:1000],
    }
    if not counts:
        values["attempts"] = OutboxMessage.attempts - 1
    _finish(session, message, OutboxStatus.PENDING, **values)


def give_up(session: Session, message: Claimed, error: str, now: datetime) -> None:
    _finish(session, message, OutboxStatus.FAILED, last_error=error[:1000], sent_at=None)


def withdraw(session: Session, keys: list[str], *, why: str) -> int:
    """Give up on messages not sent yet that no longer make sense (a prompt for a
    check-in period that a newer one replaced); how many. Sent ones are left alone."""
    if not keys:
        return 0
    return _withdraw_where(session, OutboxMessage.idempotency_key.in_(keys), why)


def _withdraw_where(session: Session, where: ColumnElement[bool], why: str) -> int:
    """Mark the unsent messages matching `where` failed, with why; how many."""
    return move_all(
        session,
        OutboxMessage,
        where,
        source=OutboxStatus.PENDING,
        target=OutboxStatus.FAILED,
        last_error=why,
    )


def withdraw_prefixed(session: Session, prefixes: list[str], *, why: str) -> int:
    """`withdraw` every unsent message whose key starts with one of `prefixes` (all the
    prompts of one pair, say: `keys.once(kind, pair_id, "")`); how many."""
    if not prefixes:
        return 0
    started = (OutboxMessage.idempotency_key.startswith(p, autoescape=True) for p in prefixes)
    return _withdraw_where(session, or_(*started), why)


def withdraw_team(session: Session, team_id: str, *, why: str) -> int:
    """`withdraw` every unsent message of one workspace (the app left it); how many."""
    return _withdraw_where(session, OutboxMessage.team_id == team_id, why)


def withdraw_teams_not_in(session: Session, teams: set[str], *, why: str) -> int:
    """`withdraw` every unsent message of a workspace not in `teams` (those the app is
    installed in); how many."""
    return _withdraw_where(session, OutboxMessage.team_id.not_in(teams), why)


def purge_bodies(sessions: sessionmaker[Session], *, now: datetime, retention_days: int) -> int:
    """Blank the body of every message sent (or given up on) over `retention_days` ago.

    The row stays: its key still stops a repeat, and its result (channel, ts) still
    lets a request DM be updated. Returns how many bodies were blanked.
    """
    cutoff = now - timedelta(days=retention_days)
    old = ((OutboxMessage.status == OutboxStatus.SENT) & (OutboxMessage.sent_at < cutoff)) | (
        (OutboxMessage.status == OutboxStatus.FAILED) & (OutboxMessage.created_at < cutoff)
    )
    with sessions() as session:
        blanked = session.execute(
            update(OutboxMessage)
            .where(old, cast(OutboxMessage.payload, Text) != "{}")
            .values(payload={})
        ).rowcount
        session.commit()
    return blanked
