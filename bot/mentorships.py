"""A mentorship's life: started (with its introduction), paused, resumed, ended with a
reason, its next check-in advanced, and the day its term ends.

Every status change goes through `bot.transitions.move`, so two requests or two
processes cannot both end (and so both free the slot of) the same pair. A mentor's
slot is taken in SQL inside a savepoint when a pair starts: the CHECK on the
enrollment's counter decides a race for the last one.
"""

from __future__ import annotations

from datetime import date, datetime
from zoneinfo import ZoneInfo

from dateutil.relativedelta import relativedelta
from sqlalchemy import func, select, update
from sqlalchemy.exc import IntegrityError
from sqlalchemy.orm import Session

from bot import calendar, keys, outbox
from bot.anchors import PairDays
from bot.cadence import day_label, pair_due, period_day
from bot.db.enums import OPEN_MENTORSHIP_STATUSES, EndReason, MentorshipStatus
from bot.db.models import CalendarEvent, CheckIn, Enrollment, Mentorship, Person, Program
from bot.enrollment import enrollment_in
from bot.keys import Kind
from bot.notices import queue_message
from bot.people import workday_of
from bot.transitions import move
from bot.views.mentorships import intro_message

TERM = relativedelta(months=6)  # a term, when the program has no end date (or it has passed)


def start(
    session: Session,
    program: Program,
    mentor: Person,
    mentee: Person,
    *,
    score: float | None,
    reasons: list[str],
    now: datetime,
    default_tz: str,
) -> Mentorship | None:
    """Pair them if the mentor has a free slot (None if not), and introduce them.

    `default_tz` (MENTORBOT_TIMEZONE) stands for a zone Slack never told us, so the first
    check-in is aimed where the due-work job will count it (bot/checkins)."""
    try:
        with session.begin_nested():
            session.execute(
                update(Enrollment)
                .where(Enrollment.program_id == program.id, Enrollment.person_id == mentor.id)
                .values(active_mentee_count=Enrollment.active_mentee_count + 1)
            )
    except IntegrityError:
        return None
    mentee_enrollment = enrollment_in(session, program.id, mentee.id)
    cadence = (mentee_enrollment.cadence if mentee_enrollment else None) or program.default_cadence
    # The first check-in starts at the earlier of the two prompt times (bot/checkins).
    pair = [workday_of(mentor, default_tz), workday_of(mentee, default_tz)]
    mentorship = Mentorship(
        team_id=program.team_id,
        program_id=program.id,
        mentor_id=mentor.id,
        mentee_id=mentee.id,
        status=MentorshipStatus.ACTIVE,
        cadence=cadence,
        started_at=now,
        match_score=score,
        match_reasons=reasons,
        next_checkin_at=pair_due(now, cadence, 1, pair[1].tz, pair),
        term_ends_on=first_term_end(now, program.ends_on, pair[1].tz),
        created_at=now,
    )
    session.add(mentorship)
    session.flush()
    if mentee_enrollment is not None:
        mentee_enrollment.waiting_since = None
    _introduce(session, mentorship, mentor, mentee, mentee_enrollment, pair[1].tz, now)
    calendar.kickoff(session, mentorship, mentor, mentee, now=now, default_tz=default_tz)
    return mentorship


def first_term_end(started_at: datetime, program_ends_on: date | None, tz: str) -> date:
    """The day a pair's first term ends, on the mentee's calendar: the program's end when
    it has one after the start, else six months after the start."""
    started = started_at.astimezone(ZoneInfo(tz)).date()
    if program_ends_on is not None and program_ends_on > started:
        return program_ends_on
    return started + TERM


def next_term_end(term_ends_on: date, program_ends_on: date | None) -> date:
    """The day a renewed term ends: six months on, or the program's end if that is later."""
    following = term_ends_on + TERM
    if program_ends_on is not None and program_ends_on > following:
        return program_ends_on
    return following


def end(session: Session, mentorship: Mentorship, *, reason: EndReason, now: datetime) -> bool:
    """Open -> ENDED, freeing the mentor's slot; False (and nothing freed) if already ended.

    The slot is freed only by the transaction whose move ended the pair, so the count
    can never fall below the mentor's open mentorships.
    """
    ended = move(
        session,
        Mentorship,
        mentorship.id,
        source=OPEN_MENTORSHIP_STATUSES,
        target=MentorshipStatus.ENDED,
        ended_at=now,
        end_reason=reason.value,
        next_checkin_at=None,
    )
    if not ended:
        return False
    _withdraw_unsent(session, mentorship.id, ENDED_STALE, why=f"the pair ended ({reason.value})")
    session.execute(
        update(Enrollment)
        .where(
            Enrollment.program_id == mentorship.program_id,
            Enrollment.person_id == mentorship.mentor_id,
            Enrollment.active_mentee_count > 0,  # a drifted count fails no one's leave
        )
        .values(active_mentee_count=Enrollment.active_mentee_count - 1)
    )
    return True


def pause(session: Session, mentorship: Mentorship) -> bool:
    """ACTIVE -> PAUSED: no check-ins while paused; the pair keeps the mentor's slot."""
    paused = move(
        session,
        Mentorship,
        mentorship.id,
        source=MentorshipStatus.ACTIVE,
        target=MentorshipStatus.PAUSED,
        next_checkin_at=None,
    )
    if paused:
        _withdraw_unsent(session, mentorship.id, PAUSED_STALE, why="the pair was paused")
    return paused


# Messages about a pair still waiting in the outbox (for someone's working hours) that
# make no sense once it ends or pauses. Each kind's key starts with the pair's id.
PAUSED_STALE = (Kind.CHECKIN_PROMPT,)
ENDED_STALE = (Kind.CHECKIN_PROMPT, Kind.GOAL_REVIEW, Kind.TERM_SURVEY, Kind.FOLLOW_UP)


def _withdraw_unsent(
    session: Session, mentorship_id: int, kinds: tuple[Kind, ...], *, why: str
) -> int:
    prefixes = [keys.once(kind, mentorship_id, "") for kind in kinds]
    if Kind.CHECKIN_PROMPT in kinds:  # the prompts' calendar files go with them
        events = session.scalars(
            select(CalendarEvent.id).where(CalendarEvent.mentorship_id == mentorship_id)
        )
        prefixes += [keys.once(Kind.CALENDAR_FILE, event, "") for event in events]
    return outbox.withdraw_prefixed(session, prefixes, why=why)


def resume(
    session: Session, mentorship: Mentorship, *, now: datetime, default_tz: str
) -> date | None:
    """PAUSED -> ACTIVE; the day of the pair's next check-in, or None if it was not paused.

    The next check-in keeps the pair's own rhythm (bot.anchors: from the kickoff, a change
    of pace, a moved check-in): the first of its check-in days after today on the mentee's
    calendar, at the earlier of the two prompt times, with `default_tz`
    (MENTORBOT_TIMEZONE) for a zone Slack never told us, as the due-work job counts it.
    The periods the pause spanned are passed over, as after downtime; like a change of
    pace, a resume never makes a prompt fall due at once.
    """
    mentor = session.get(Person, mentorship.mentor_id)
    mentee = session.get(Person, mentorship.mentee_id)
    assert mentor is not None and mentee is not None
    workdays = (workday_of(mentor, default_tz), workday_of(mentee, default_tz))
    days = PairDays(session, mentorship, mentee_tz=workdays[1].tz)
    last = session.scalar(
        select(func.max(CheckIn.period)).where(CheckIn.mentorship_id == mentorship.id)
    )
    today = now.astimezone(workdays[1].zone).date()
    period = (last or 0) + 1
    while days.day(period) <= today:
        period += 1
    day = days.day(period)
    resumed = move(
        session,
        Mentorship,
        mentorship.id,
        source=MentorshipStatus.PAUSED,
        target=MentorshipStatus.ACTIVE,
        next_checkin_at=min(workday.prompt_at(day) for workday in workdays),
    )
    return day if resumed else None


def advance_checkin(
    session: Session, mentorship_id: int, *, due: datetime, following: datetime | None
) -> bool:
    """Move an active pair's next check-in from `due` (the one now due) to `following`.

    A conditional UPDATE on the expected value: of two processes acting on the same due
    check-in, only one moves it, and only that one prompts the pair (bot/checkins).
    """
    moved = session.execute(
        update(Mentorship)
        .where(
            Mentorship.id == mentorship_id,
            Mentorship.status == MentorshipStatus.ACTIVE,
            Mentorship.next_checkin_at == due,
        )
        .values(next_checkin_at=following)
        .execution_options(synchronize_session="fetch")
    )
    return moved.rowcount == 1


def _introduce(
    session: Session,
    mentorship: Mentorship,
    mentor: Person,
    mentee: Person,
    mentee_enrollment: Enrollment | None,
    mentee_tz: str,
    now: datetime,
) -> None:
    """One group DM with both of them and the bot, proposing the kickoff agenda."""
    assert mentorship.next_checkin_at is not None
    text, blocks = intro_message(
        mentor_user_id=mentor.slack_user_id,
        mentee_user_id=mentee.slack_user_id,
        cadence=mentorship.cadence,
        meeting_format=mentee_enrollment.meeting_format if mentee_enrollment else None,
        # The calendar day, not the instant: a far-east partner's morning is the day before in UTC.
        first_checkin=day_label(
            period_day(mentorship.started_at, mentorship.cadence, 1, mentee_tz)
        ),
        mentee_goals=(mentee_enrollment.goals or "") if mentee_enrollment else "",
        reasons=list(mentorship.match_reasons or []),
        mentorship_id=mentorship.id,
    )
    both = {"users": [mentor.slack_user_id, mentee.slack_user_id]}
    key = keys.once(Kind.INTRO, mentorship.id)
    queue_message(session, mentorship.team_id, key, outbox.GROUP_DM, both, text, blocks, now)
