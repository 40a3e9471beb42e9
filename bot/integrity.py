"""Checks that what the database stores agrees with itself (a `doctor`-style look).

`active_mentee_count` is kept by guarded transitions rather than derived, so this
is the check that it never drifted: each enrollment's count against the open
(active or paused) mentorships it mentors.
"""

from __future__ import annotations

from dataclasses import dataclass

from sqlalchemy import func, select
from sqlalchemy.orm import Session

from bot.db.enums import OPEN_MENTORSHIP_STATUSES
from bot.db.models import Enrollment, Mentorship, Person


@dataclass(frozen=True)
class SlotMismatch:
    enrollment_id: int
    slack_user_id: str
    counted: int  # active_mentee_count as stored
    open_mentorships: int  # what it should be


def slot_mismatches(session: Session) -> list[SlotMismatch]:
    """Enrollments whose used-slot count differs from the open mentorships they mentor."""
    open_pairs = (
        select(
            Mentorship.program_id,
            Mentorship.mentor_id,
            func.count().label("pairs"),
        )
        .where(Mentorship.status.in_(OPEN_MENTORSHIP_STATUSES))
        .group_by(Mentorship.program_id, Mentorship.mentor_id)
        .subquery()
    )
    pairs = func.coalesce(open_pairs.c.pairs, 0)
    rows = session.execute(
        select(Enrollment.id, Person.slack_user_id, Enrollment.active_mentee_count, pairs)
        .join(Person, Person.id == Enrollment.person_id)
        .outerjoin(
            open_pairs,
            (open_pairs.c.program_id == Enrollment.program_id)
            & (open_pairs.c.mentor_id == Enrollment.person_id),
        )
        .where(Enrollment.active_mentee_count != pairs)
        .order_by(Enrollment.id)
    ).all()
    return [SlotMismatch(*row) for row in rows]
