"""Which pairs stopped meeting: each pair's run of check-in periods without a logged
meeting, and what a coordinator's App Home lists (at-risk pairs, open asks for help).

Queries only; bot/followups acts on them and bot/home shows them.

A run ("streak") counts the periods after the pair's latest logged meeting that were
decided without one: missed (nobody answered before the next period began) or skipped.
The period under way is not decided yet and does not count. Both come from one query
for any number of pairs, with correlated subqueries that walk each pair's own periods
on UNIQUE(mentorship_id, period) (a grouped scan of every check-in, or SQLite picking
the index on status, took seconds at 20,000 pairs: bench/stats.py).

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
    mentor, mentee = aliased(Person), aliased(Person)
    snoozes = (mentor, mentee) if mind_snooze else ()
    query = select(
        Mentorship.id,
        run_length(Mentorship.id, snoozes),
        run_length(Mentorship.id, snoozes, first=True),
    ).where(Mentorship.id.in_(mentorship_ids))
    if mind_snooze:
        query = query.join(mentor, mentor.id == Mentorship.mentor_id).join(
            mentee, mentee.id == Mentorship.mentee_id
        )
    return {pair: Streak(count, first) for pair, count, first in session.execute(query) if count}


def run_length(pair: Any, snoozes: Sequence[Any] = (), *, first: bool = False) -> Any:
    """How many periods the run of the pair `pair` names (a mentorships.id column of the
    enclosing query) holds, or with `first` the number of its first period (NULL: no run).
    `snoozes`: the pair's two people (Person aliases joined there) whose snoozes to mind.

    Correlated and per pair, so each pair costs two short index walks on
    UNIQUE(mentorship_id, period), however many check-ins the table holds; bot.stats
    counts a cohort's at-risk pairs with it."""
    checkin = aliased(CheckIn)
    in_run = [
        checkin.mentorship_id == pair,
        checkin.status.in_(_WITHOUT_MEETING),
        checkin.period > last_met_period(pair),
    ]
    for person in snoozes:
        in_run.append(or_(person.snoozed_until.is_(None), checkin.due_at > person.snoozed_until))
    measure = func.min(checkin.period) if first else func.count(checkin.id)
    return select(measure).where(*in_run).correlate_except(checkin).scalar_subquery()


def last_met_period(pair: Any) -> Any:
    """The pair's latest period with a logged meeting (0 when none): its periods walked
    backwards, stopping at the first meeting (the ORDER BY also makes SQLite's planner
    take UNIQUE(mentorship_id, period) rather than the index on status)."""
    met = aliased(CheckIn)
    latest = (
        select(met.period)
        .where(met.mentorship_id == pair, met.status == CheckInStatus.MET)
        .order_by(met.period.desc())
        .limit(1)
        .correlate_except(met)
        .scalar_subquery()
    )
    return func.coalesce(latest, 0)


def last_meetings(session: Session, mentorship_ids: Sequence[int]) -> dict[int, date]:
    """{pair: the day they last met} for the pairs that logged any meeting."""
    if not mentorship_ids:
        return {}
    met = aliased(CheckIn)
    last_day = (
        select(func.max(met.met_on))
        .where(met.mentorship_id == Mentorship.id, met.status == CheckInStatus.MET)
        .correlate_except(met)
        .scalar_subquery()
    )
    rows = session.execute(select(Mentorship.id, last_day).where(Mentorship.id.in_(mentorship_ids)))
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
