"""Which pairs stopped meeting: each pair's run of check-in periods without a logged
meeting, and what a coordinator's App Home lists (at-risk pairs, open asks for help).

Queries only; bot/followups acts on them and bot/home shows them.

A run ("streak") counts the periods after the pair's latest logged meeting that were
decided without one: missed (nobody answered before the next period began) or skipped.
The period under way is not decided yet and does not count. Both counts come from one
grouped query over the check-ins after the last meeting, for any number of pairs.

Snooze: a period counts only if it began after each of the two people's snooze ended
(`people.snoozed_until`). We keep only the latest snooze, so this also drops the periods
before it: coming back from a break starts a fresh count, and while either person is
snoozed nothing counts at all.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass
from datetime import date
from typing import Any

from sqlalchemy import func, or_, select
from sqlalchemy.orm import Session, aliased

from bot.db.enums import CheckInStatus, MentorshipStatus
from bot.db.models import CheckIn, HelpRequest, Mentorship, Person
from bot.views.followups import ASKS_LISTED, PAIRS_LISTED, AtRiskPair, Board, OpenAsk

_WITHOUT_MEETING = (CheckInStatus.MISSED, CheckInStatus.SKIPPED)


@dataclass(frozen=True)
class Streak:
    periods: int  # decided periods in a row without a meeting
    first_period: int  # where the run began: names it (a follow-up is sent once per run)


def streaks(
    session: Session, mentorship_ids: Sequence[int], *, mind_snooze: bool = True
) -> dict[int, Streak]:
    """{pair: its run} for the pairs whose latest decided periods had no meeting.

    With `mind_snooze` (what the follow-ups use) periods that began before a snooze
    ended do not count; without it (what the Home shows) every period does.
    """
    if not mentorship_ids:
        return {}
    met = aliased(CheckIn)
    last_met = (
        select(func.coalesce(func.max(met.period), 0))
        .where(met.mentorship_id == CheckIn.mentorship_id, met.status == CheckInStatus.MET)
        .correlate(CheckIn)
        .scalar_subquery()
    )
    query = (
        select(CheckIn.mentorship_id, func.count(CheckIn.id), func.min(CheckIn.period))
        .where(
            CheckIn.mentorship_id.in_(mentorship_ids),
            CheckIn.status.in_(_WITHOUT_MEETING),
            CheckIn.period > last_met,
        )
        .group_by(CheckIn.mentorship_id)
    )
    if mind_snooze:
        query = _after_snoozes(query)
    return {pair: Streak(count, first) for pair, count, first in session.execute(query)}


def _after_snoozes(query: Any) -> Any:
    mentor, mentee = aliased(Person), aliased(Person)
    return (
        query.join(Mentorship, Mentorship.id == CheckIn.mentorship_id)
        .join(mentor, mentor.id == Mentorship.mentor_id)
        .join(mentee, mentee.id == Mentorship.mentee_id)
        .where(
            or_(mentor.snoozed_until.is_(None), CheckIn.due_at > mentor.snoozed_until),
            or_(mentee.snoozed_until.is_(None), CheckIn.due_at > mentee.snoozed_until),
        )
    )


def last_meetings(session: Session, mentorship_ids: Sequence[int]) -> dict[int, date]:
    """{pair: the day they last met} for the pairs that logged any meeting."""
    if not mentorship_ids:
        return {}
    rows = session.execute(
        select(CheckIn.mentorship_id, func.max(CheckIn.met_on))
        .where(CheckIn.mentorship_id.in_(mentorship_ids), CheckIn.status == CheckInStatus.MET)
        .group_by(CheckIn.mentorship_id)
    )
    return {pair: day for pair, day in rows if day is not None}


def board(session: Session, team_id: str) -> Board:
    """A coordinator's lists: at-risk pairs still running (longest waiting first) and the
    asks for help nobody has handled yet (oldest first)."""
    pairs, pairs_count = _at_risk_pairs(session, team_id)
    asks, asks_count = _open_asks(session, team_id)
    return Board(pairs=pairs, pairs_count=pairs_count, asks=asks, asks_count=asks_count)


def _at_risk_pairs(session: Session, team_id: str) -> tuple[tuple[AtRiskPair, ...], int]:
    listed = (
        Mentorship.team_id == team_id,
        Mentorship.at_risk_since.is_not(None),
        Mentorship.status != MentorshipStatus.ENDED,
    )
    count = session.scalar(select(func.count(Mentorship.id)).where(*listed)) or 0
    if not count:
        return (), 0
    mentor, mentee = aliased(Person), aliased(Person)
    rows = session.execute(
        select(Mentorship, mentor.slack_user_id, mentee.slack_user_id)
        .join(mentor, mentor.id == Mentorship.mentor_id)
        .join(mentee, mentee.id == Mentorship.mentee_id)
        .where(*listed)
        .order_by(Mentorship.at_risk_since, Mentorship.id)
        .limit(PAIRS_LISTED)
    ).all()
    ids = [m.id for m, _, _ in rows]
    runs = streaks(session, ids, mind_snooze=False)
    met = last_meetings(session, ids)
    pairs = []
    for m, mentor_user_id, mentee_user_id in rows:
        assert m.at_risk_since is not None
        run = runs.get(m.id)
        pairs.append(
            AtRiskPair(
                mentorship_id=m.id,
                mentor_user_id=mentor_user_id,
                mentee_user_id=mentee_user_id,
                periods=run.periods if run else 0,
                last_met=met.get(m.id),
                started=m.started_at.date(),
                flagged_at=m.at_risk_since,
                paused=m.status is MentorshipStatus.PAUSED,
            )
        )
    return tuple(pairs), count


def _open_asks(session: Session, team_id: str) -> tuple[tuple[OpenAsk, ...], int]:
    waiting = (HelpRequest.team_id == team_id, HelpRequest.handled_at.is_(None))
    count = session.scalar(select(func.count(HelpRequest.id)).where(*waiting)) or 0
    if not count:
        return (), 0
    asker, mentor, mentee = aliased(Person), aliased(Person), aliased(Person)
    rows = session.execute(
        select(HelpRequest, asker.slack_user_id, mentor.slack_user_id, mentee.slack_user_id)
        .join(Mentorship, Mentorship.id == HelpRequest.mentorship_id)
        .join(mentor, mentor.id == Mentorship.mentor_id)
        .join(mentee, mentee.id == Mentorship.mentee_id)
        .outerjoin(asker, asker.id == HelpRequest.asker_id)
        .where(*waiting)
        .order_by(HelpRequest.created_at, HelpRequest.id)
        .limit(ASKS_LISTED)
    ).all()
    asks = tuple(
        OpenAsk(
            request_id=ask.id,
            asker_user_id=asker_user_id,
            mentor_user_id=mentor_user_id,
            mentee_user_id=mentee_user_id,
            text=ask.text or "",
            asked_at=ask.created_at,
        )
        for ask, asker_user_id, mentor_user_id, mentee_user_id in rows
    )
    return asks, count
