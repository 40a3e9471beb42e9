"""Who coordinates the program: MENTORBOT_ADMINS, plus those a coordinator granted in Slack.

Every coordinator action asks `is_coordinator` on the server for each request, whatever
the entry point (a button is only shown to coordinators, but anyone can forge its payload).
The ones from the setting have no row and cannot be removed in Slack.

`/mentor coordinators [add|remove @someone...]` lists, grants and takes back the right:
the unique (team, user) row decides a race between two grants, a guarded DELETE one
between two removals; each change is audited, the person told by DM in their working
hours, and their Home redrawn (with or without the coordinator's sections).
"""

from __future__ import annotations

import re
from collections.abc import Mapping, Sequence
from dataclasses import dataclass
from datetime import datetime
from enum import StrEnum

from sqlalchemy import delete, select
from sqlalchemy.orm import Session

from bot import audit, keys, outbox
from bot.cadence import Workday
from bot.config import Settings
from bot.db.inserts import insert_if_absent
from bot.db.models import Coordinator
from bot.keys import Kind
from bot.people import SlackProfile, find_person, workday_of
from bot.text_input import whole_number
from bot.views.coordinators import (
    AUDIT_DEFAULT,
    AUDIT_MAX,
    Change,
    Granted,
    Ineligible,
    Outcome,
    Roster,
    Trail,
    removed_text,
    welcome_text,
)


def is_coordinator(session: Session, settings: Settings, team_id: str, user_id: str) -> bool:
    if settings.is_coordinator(user_id):
        return True
    granted = session.scalar(
        select(Coordinator.id).where(
            Coordinator.team_id == team_id, Coordinator.slack_user_id == user_id
        )
    )
    return granted is not None


def coordinators_of(session: Session, settings: Settings, team_id: str) -> frozenset[str]:
    """Everyone who coordinates in this workspace: the setting's and the granted ones."""
    granted = session.scalars(
        select(Coordinator.slack_user_id).where(Coordinator.team_id == team_id)
    )
    return frozenset(settings.admins) | frozenset(granted)


# --- the list ------------------------------------------------------------------------------


def roster(session: Session, settings: Settings, team_id: str) -> Roster:
    rows = session.scalars(
        select(Coordinator)
        .where(Coordinator.team_id == team_id)
        .order_by(Coordinator.created_at, Coordinator.id)
    )
    admins = tuple(sorted(settings.admins))
    granted = tuple(
        Granted(row.slack_user_id, row.granted_by, row.created_at)
        for row in rows
        if row.slack_user_id not in settings.admins  # a row left from before the setting
    )
    return Roster(from_setting=admins, granted=granted)


# --- what was typed --------------------------------------------------------------------------

# Slack escapes a mention as <@U123|name> (or <@U123>) when the command has should_escape.
MENTION = re.compile(r"<@([UW][A-Z0-9]{2,31})(?:\|[^<>]*)?>")
_SEPARATORS = re.compile(r"(?:[\s,;]|\band\b|&amp;)+", re.IGNORECASE)
AT_ONCE = 10  # people named in one command: each may cost a users.info call before we answer


class Verb(StrEnum):
    LIST = "list"
    ADD = "add"
    REMOVE = "remove"


_VERBS = {"list": Verb.LIST, "add": Verb.ADD, "remove": Verb.REMOVE}


@dataclass(frozen=True)
class Wanted:
    verb: Verb
    user_ids: tuple[str, ...] = ()


class UsageError(ValueError):
    """`/mentor coordinators ...` typed in a way we can't act on; `leftover` is the part
    not understood ("" when the command was fine but named nobody, or too many)."""

    def __init__(self, leftover: str = "", *, too_many: bool = False) -> None:
        super().__init__(leftover)
        self.leftover, self.too_many = leftover, too_many


def parse_wanted(text: str) -> Wanted:
    """`""` lists; `add|remove` then one or more mentions (spaces, commas or "and" between).

    Raises UsageError for anything else, e.g. a plain "@name" Slack did not turn into a
    mention, so we never guess who was meant.
    """
    words = text.strip().split(maxsplit=1)
    verb = Verb.LIST if not words else _VERBS.get(words[0].lower())
    rest = words[1] if len(words) > 1 else ""
    if verb is None or (verb is Verb.LIST and rest):
        raise UsageError(text.strip())
    if verb is Verb.LIST:
        return Wanted(verb)
    named = list(dict.fromkeys(MENTION.findall(rest)))  # each once, in the order typed
    leftover = _SEPARATORS.sub(" ", MENTION.sub(" ", rest)).strip()
    if leftover or not named:
        raise UsageError(leftover)
    if len(named) > AT_ONCE:
        raise UsageError(too_many=True)
    return Wanted(verb, tuple(named))


# --- granting and taking back --------------------------------------------------------------

# What Slack says of each person named (users.info): None when Slack knows no such user.
# Someone missing from the mapping could not be looked up (Slack busy): not held against them.
Accounts = Mapping[str, SlackProfile | None]


def answer(
    session: Session,
    settings: Settings,
    wanted: Wanted,
    *,
    team_id: str,
    actor: str,
    accounts: Accounts,
    now: datetime,
) -> Roster | list[Outcome]:
    """`/mentor coordinators ...` as parsed: the list, or what each add or remove did."""
    if wanted.verb is Verb.ADD:
        return grant(
            session,
            settings,
            team_id=team_id,
            actor=actor,
            user_ids=wanted.user_ids,
            accounts=accounts,
            now=now,
        )
    if wanted.verb is Verb.REMOVE:
        return revoke(
            session, settings, team_id=team_id, actor=actor, user_ids=wanted.user_ids, now=now
        )
    return roster(session, settings, team_id)


def grant(
    session: Session,
    settings: Settings,
    *,
    team_id: str,
    actor: str,
    user_ids: Sequence[str],
    accounts: Accounts,
    now: datetime,
) -> list[Outcome]:
    """Make each of `user_ids` a coordinator (the caller is one: `/mentor` checked)."""
    outcomes = []
    for user_id in user_ids:
        why = _ineligible(accounts, user_id)
        if settings.is_coordinator(user_id):
            outcomes.append(Outcome(user_id, Change.ALREADY, from_setting=True))
        elif why is not None:
            outcomes.append(Outcome(user_id, Change.NOT_ELIGIBLE, why=why))
        elif _insert(session, team_id, user_id, actor, now):
            _granted(session, settings, team_id, actor, user_id, accounts.get(user_id), now)
            outcomes.append(Outcome(user_id, Change.ADDED))
        else:  # granted before, or by someone else a moment ago: the unique row decided
            by = session.scalar(
                select(Coordinator.granted_by).where(
                    Coordinator.team_id == team_id, Coordinator.slack_user_id == user_id
                )
            )
            outcomes.append(Outcome(user_id, Change.ALREADY, granted_by=by))
    return outcomes


def revoke(
    session: Session,
    settings: Settings,
    *,
    team_id: str,
    actor: str,
    user_ids: Sequence[str],
    now: datetime,
) -> list[Outcome]:
    """Take the right back from each of `user_ids` (not from MENTORBOT_ADMINS)."""
    outcomes = []
    for user_id in user_ids:
        if settings.is_coordinator(user_id):
            outcomes.append(Outcome(user_id, Change.FROM_SETTING))
        elif coordinators_of(session, settings, team_id) == {user_id}:
            # Only the operator could then name a coordinator again.
            outcomes.append(Outcome(user_id, Change.LAST_ONE))
        elif _delete(session, team_id, user_id):
            _revoked(session, settings, team_id, actor, user_id, now)
            outcomes.append(Outcome(user_id, Change.REMOVED))
        else:  # never one, or removed by someone else a moment ago
            outcomes.append(Outcome(user_id, Change.NOT_ONE))
    return outcomes


def _ineligible(accounts: Accounts, user_id: str) -> Ineligible | None:
    if user_id not in accounts:
        return None
    account = accounts[user_id]
    if account is None:
        return Ineligible.UNKNOWN
    if account.is_bot:
        return Ineligible.BOT
    if account.deleted:
        return Ineligible.DEACTIVATED
    if account.is_guest:  # coordinators read what people wrote for them; members only
        return Ineligible.GUEST
    return None


def _insert(session: Session, team_id: str, user_id: str, actor: str, now: datetime) -> bool:
    values = {"team_id": team_id, "slack_user_id": user_id, "granted_by": actor, "created_at": now}
    return insert_if_absent(session, Coordinator, values, unique=["team_id", "slack_user_id"])


def _delete(session: Session, team_id: str, user_id: str) -> bool:
    removed = session.execute(
        delete(Coordinator).where(
            Coordinator.team_id == team_id, Coordinator.slack_user_id == user_id
        )
    )
    return bool(removed.rowcount)


def _granted(
    session: Session,
    settings: Settings,
    team_id: str,
    actor: str,
    user_id: str,
    account: SlackProfile | None,
    now: datetime,
) -> None:
    audit.record(
        session,
        team_id=team_id,
        actor=actor,
        action="coordinators.added",
        subject_type="person",
        subject_id=user_id,
        now=now,
    )
    key = keys.each(Kind.COORDINATOR_ADDED, team_id, user_id, at=now)
    tz = account.tz if account and account.tz else None
    _tell(session, settings, team_id, user_id, welcome_text(actor), key, now, tz)
    _redraw_home(session, settings, team_id, user_id, f"coordinator-added:{now.isoformat()}", now)


def _revoked(
    session: Session, settings: Settings, team_id: str, actor: str, user_id: str, now: datetime
) -> None:
    audit.record(
        session,
        team_id=team_id,
        actor=actor,
        action="coordinators.removed",
        subject_type="person",
        subject_id=user_id,
        now=now,
    )
    if actor != user_id:  # who removed themselves was answered at once
        key = keys.each(Kind.COORDINATOR_REMOVED, team_id, user_id, at=now)
        _tell(session, settings, team_id, user_id, removed_text(actor), key, now, None)
    _redraw_home(session, settings, team_id, user_id, f"coordinator-removed:{now.isoformat()}", now)


def _tell(
    session: Session,
    settings: Settings,
    team_id: str,
    user_id: str,
    text: str,
    key: str,
    now: datetime,
    tz: str | None,
) -> None:
    """A DM in their working hours: their own if they enrolled, else 09:00-17:00 on the
    clock Slack gave us for them (or the program's)."""
    person = find_person(session, team_id, user_id)
    workday = workday_of(person, settings.timezone) if person else Workday(tz or settings.timezone)
    outbox.enqueue(
        session,
        team_id=team_id,
        key=key,
        method="chat.postMessage",
        payload={"channel": user_id, "text": text},
        not_before=workday.next_open(now),
    )


def _redraw_home(
    session: Session, settings: Settings, team_id: str, user_id: str, cause: str, now: datetime
) -> None:
    # bot.home asks is_coordinator of this module, so it is imported when first needed.
    from bot.home import queue_home_publish

    queue_home_publish(session, settings, team_id=team_id, user_id=user_id, cause=cause, now=now)


# --- /mentor audit -------------------------------------------------------------------------


class CountError(ValueError):
    """`/mentor audit` with something other than a number of entries."""


def trail(session: Session, team_id: str, text: str) -> Trail:
    """The latest N entries of the workspace's audit trail (`/mentor audit [N]`).

    Raises CountError when the text is not a whole number from 1.
    """
    wanted = text.strip()
    count = AUDIT_DEFAULT if not wanted else whole_number(wanted)
    if count is None or count < 1:
        raise CountError(wanted)
    shown = min(count, AUDIT_MAX)
    return Trail(audit.latest(session, team_id, shown), asked=shown, capped=count > AUDIT_MAX)
