"""The day a pair's check-in falls on, read from storage by the flows bot.checkins
imports (and so cannot ask it): a paused pair's resume (bot.mentorships) and a
check-in's calendar file (bot.calendar).

The due-work job (bot.checkins `Schedule.day`) asks `pair_day` too: `cadence.anchored_day`
over the same anchors, counted on the mentee's calendar:
- the kickoff day;
- a change of pace (bot/pace): period `mentorships.anchor_period` falls on `anchor_on`;
- a moved check-in (bot/checkins "Reschedule"): period n falls on `checkins.moved_to`.
Of the anchors at or before a period, the one with the later period rules; on a tie,
the move (it was made at that pace). So the day a prompt names, the day a calendar file
proposes and the day a resumed pair is next prompted are one and the same.
"""

from __future__ import annotations

from datetime import date
from zoneinfo import ZoneInfo

from sqlalchemy import select
from sqlalchemy.orm import Session

from bot.cadence import Anchor, anchored_day
from bot.db.models import CheckIn, Mentorship


def paced(mentorship: Mentorship) -> Anchor | None:
    """The anchor a change of pace set, if any."""
    if mentorship.anchor_period and mentorship.anchor_on:
        return (mentorship.anchor_period, mentorship.anchor_on)
    return None


def latest_move(session: Session, mentorship_id: int, *, up_to: int | None = None) -> Anchor | None:
    """(period, day) of the pair's latest moved check-in (at or before period `up_to`)."""
    query = select(CheckIn.period, CheckIn.moved_to).where(
        CheckIn.mentorship_id == mentorship_id, CheckIn.moved_to.is_not(None)
    )
    if up_to is not None:
        query = query.where(CheckIn.period <= up_to)
    row = session.execute(query.order_by(CheckIn.period.desc()).limit(1)).first()
    return (row.period, row.moved_to) if row is not None else None


def pair_day(
    mentorship: Mentorship, period: int, *, mentee_zone: ZoneInfo, moved: Anchor | None
) -> date:
    """The calendar day of check-in `period`, given the pair's latest move at or before it
    (`latest_move`; the due-work job reads those in bulk, for a batch of pairs at once)."""
    kickoff = mentorship.started_at.astimezone(mentee_zone).date()
    return anchored_day(period, mentorship.cadence, kickoff, (paced(mentorship), moved))


class PairDays:
    """A pair's check-in days, read once: `day(n)` for any period n the reads cover
    (every period when built without `up_to`, else periods up to it)."""

    def __init__(
        self, session: Session, mentorship: Mentorship, *, mentee_tz: str, up_to: int | None = None
    ) -> None:
        self.mentorship = mentorship
        self.zone = ZoneInfo(mentee_tz)
        self.moved = latest_move(session, mentorship.id, up_to=up_to)

    def day(self, period: int) -> date:
        return pair_day(self.mentorship, period, mentee_zone=self.zone, moved=self.moved)


def check_in_day(session: Session, mentorship: Mentorship, period: int, *, mentee_tz: str) -> date:
    """The calendar day of check-in `period` of this pair."""
    return PairDays(session, mentorship, mentee_tz=mentee_tz, up_to=period).day(period)
