"""Check-ins: each period's prompt to both people, and the one answer that settles it.

The due-work job calls `prompt_due`. It finds active pairs whose `next_checkin_at` has
come (an indexed query), works out the period now due (counted from the kickoff, see
bot.cadence), and moves `next_checkin_at` on with a conditional UPDATE: that move is
the claim, so of two processes only one prompts a pair. The period's CheckIn row is
UNIQUE(mentorship, period) and each person's prompt has its own outbox key, so even a
lost claim cannot prompt twice. After downtime the latest due period is prompted once;
an older one that was never prompted is passed over, not sent stale.

Each person's prompt waits in the outbox until their own prompt time on the period's
day (`not_before`), or, when that has passed, until they are next at work.

One answer counts for the pair: "We met" or "Skip this time" moves the CheckIn from
prompted (or missed) with `bot.transitions.move`, so two people answering at once
record one meeting; both prompts are then rewritten where they were delivered.

"Reschedule" moves the open period's meeting to a day the person picks, from today to
one period ahead on their calendar. The schedule then follows from that day: period
n moved to day D makes period n+k fall on D plus k cadence periods (off a weekend),
for both of the pair, until another move. `checkins.moved_to` is that anchor; the
pair's `next_checkin_at` moves with a conditional UPDATE on the value read, so a move
and a due-work tick, or two moves at once, cannot both win. The partner is told by DM
(in their working hours) and both prompts say where the meeting went, buttons kept.
A change of cadence (bot/pace) re-anchors the same way, on `mentorships.anchor_period`
and `anchor_on`; of the two anchors, the one with the later period rules.

"Need help" sends what the person wrote (optional, clipped to HELP_MAX) to every
coordinator (`MENTORBOT_ADMINS`) by DM, names the pair, never tells the partner, and
tells the person it was passed on; an audit entry `checkin.help` records it.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass, field
from datetime import date, datetime, timedelta
from enum import StrEnum
from typing import Any

from slack_sdk.models.blocks import Block
from sqlalchemy import case, func, literal, select, update
from sqlalchemy.orm import Session

from bot import audit, calendar, followups, home, keys, mentorships, outbox, snooze
from bot import goals as pair_goals  # `goals` is a local name here (the prompt's text)
from bot.anchors import latest_move, pair_day
from bot.cadence import (
    PERIOD_WORDS,
    Workday,
    day_label,
    one_period_later,
)
from bot.config import Settings
from bot.db.enums import CheckInStatus, GoalStatus, MentorshipStatus, OutboxStatus
from bot.db.inserts import insert_if_absent, insert_many_returning
from bot.db.models import CheckIn, CheckInNote, Mentorship, OutboxMessage, Person
from bot.enrollment import enrollment_in, goals_in
from bot.keys import Kind
from bot.notices import dm, notify
from bot.people import workday_of
from bot.text_input import UnreadableText, clean_text
from bot.transitions import move_all, move_all_returning
from bot.views.checkins import (
    HELP_MAX,
    NOTES_MAX,
    THANKS_MAX,
    USEFULNESS,
    HelpAlert,
    HelpForm,
    LogForm,
    Moved,
    MoveForm,
    PromptState,
    help_alert,
    help_sent_notice,
    logged_by_partner_message,
    logged_by_you_message,
    moved_notice,
    prompt_message,
    prompt_payload,
    skipped_message,
)

PROMPT_BATCH = 200  # pairs claimed per transaction; the job loops until none are due
MAX_CATCH_UP = 5000  # periods looked through after downtime (weekly: about a century)
_OPEN = (CheckInStatus.PROMPTED, CheckInStatus.MISSED)  # may still be answered
# A move lost to another move (or to the due-work job) a moment ago: nothing was kept.
CHANGED = "This check-in changed a moment ago. Close this and have a look at your message."


# --- prompting ----------------------------------------------------------------------------


@dataclass(frozen=True)
class _Pair:
    """A mentorship with its two people, as the prompt needs them."""

    mentorship: Mentorship
    mentor: Person
    mentee: Person
    mentor_day: Workday
    mentee_day: Workday
    moved: tuple[int, date] | None = None  # (period, day) of the pair's latest move
    # Days worked out so far: a _Pair is a snapshot, built anew after its schedule moves.
    _days: dict[int, date] = field(default_factory=dict, compare=False, repr=False)

    @property
    def anchor_tz(self) -> str:
        return self.mentee_day.tz  # periods are counted on the mentee's calendar

    def day(self, period: int) -> date:
        """The calendar day of check-in `period`: from the kickoff, or from the latest anchor
        at or before it, a move or a change of cadence (see the module's docstring)."""
        if (known := self._days.get(period)) is not None:
            return known
        day = self._days[period] = pair_day(
            self.mentorship, period, mentee_zone=self.mentee_day.zone, moved=self.moved
        )
        return day

    def due(self, period: int) -> datetime:
        """When check-in `period` starts: the earlier of the two prompt times that day."""
        day = self.day(period)
        return min(workday.prompt_at(day) for workday in (self.mentor_day, self.mentee_day))

    def sides(self) -> tuple[tuple[Person, Workday, Person, bool], ...]:
        """(person, their hours, their partner, is the mentee) for each of the two."""
        return (
            (self.mentor, self.mentor_day, self.mentee, False),
            (self.mentee, self.mentee_day, self.mentor, True),
        )


@dataclass(frozen=True)
class PromptBatch:
    seen: int  # due pairs looked at: fewer than the batch's limit means none is left
    prompted: int
    pairs: tuple[int, ...] = ()  # the pairs this batch claimed and prompted


def prompt_due(
    session: Session, now: datetime, *, default_tz: str, limit: int = PROMPT_BATCH
) -> PromptBatch:
    """Prompt the active pairs whose check-in has come, up to `limit` of them.

    Set-based, so a batch costs a handful of statements however many pairs it holds
    (bench/tick.py): the due rows (locked on PostgreSQL, SKIP LOCKED: two ticks take
    disjoint batches), what the prompts need (people, moves, last periods, goals) read
    in bulk, one conditional UPDATE that claims them all, then the periods closed and
    opened and the prompts queued with multi-row INSERTs. Each pair gets what it would
    in a batch of its own.
    """
    due = session.scalars(
        select(Mentorship)
        .where(Mentorship.status == MentorshipStatus.ACTIVE, Mentorship.next_checkin_at <= now)
        .order_by(Mentorship.next_checkin_at, Mentorship.id)
        .limit(limit)
        .with_for_update(skip_locked=True)
    ).all()
    if not due:
        return PromptBatch(seen=0, prompted=0)
    pairs = _pairs(session, due, default_tz)
    ids = [m.id for m in due]
    last = _last_periods(session, ids)
    # What each pair's next_checkin_at moves to (the claim), and the period to open.
    moves: dict[int, tuple[datetime, datetime]] = {}
    opening: dict[int, int] = {}
    for pair in pairs:
        m = pair.mentorship
        stored = m.next_checkin_at
        assert stored is not None
        sides = [(p, w) for p, w, _, _ in pair.sides()]
        following = snooze.held_until(sides, now)
        if following is not None:
            moves[m.id] = (stored, following)  # one of them is away: held until both are back
            continue
        first = last.get(m.id, 0) + 1
        period = _period_due(pair, first, now)
        if period is None:
            # Stored early (a zone unknown at kickoff): aim it at the real first prompt time.
            moves[m.id] = (stored, pair.due(first))
            continue
        moves[m.id] = (stored, pair.due(period + 1))
        opening[m.id] = period
    won = _advance_all(session, moves)
    for m in due:
        session.expire(m, ["next_checkin_at"])  # moved by Core, behind the ORM's back
    # A pair another process moved a moment ago is its to prompt, not ours.
    opening = {pair_id: period for pair_id, period in opening.items() if pair_id in won}
    by_id = {pair.mentorship.id: pair for pair in pairs}
    _close_unanswered_all(session, [by_id[pair_id] for pair_id in opening])
    periods = {pair_id: (period, by_id[pair_id].due(period)) for pair_id, period in opening.items()}
    opened = _open_periods(session, periods, now)
    prompts = [(by_id[pair_id], opening[pair_id], checkin) for pair_id, checkin in opened.items()]
    _queue_prompts(session, prompts, now)
    followups.periods_closed(session, ids, now=now, default_tz=default_tz)
    return PromptBatch(seen=len(due), prompted=len(opened), pairs=tuple(sorted(opened)))


def _pairs(session: Session, due: Sequence[Mentorship], default_tz: str) -> list[_Pair]:
    """`_pair` for a batch: their people and latest moves in two queries."""
    ids = [m.id for m in due]
    wanted = {m.mentor_id for m in due} | {m.mentee_id for m in due}
    people = {p.id: p for p in session.scalars(select(Person).where(Person.id.in_(wanted)))}
    moved: dict[int, tuple[int, date]] = {}
    for pair_id, period, moved_to in session.execute(
        select(CheckIn.mentorship_id, CheckIn.period, CheckIn.moved_to).where(
            CheckIn.mentorship_id.in_(ids), CheckIn.moved_to.is_not(None)
        )
    ):
        if pair_id not in moved or period > moved[pair_id][0]:
            moved[pair_id] = (period, moved_to)
    workdays: dict[int, Workday] = {}
    for person_id, person in people.items():
        workdays[person_id] = workday_of(person, default_tz)
    return [
        _Pair(
            m,
            people[m.mentor_id],
            people[m.mentee_id],
            workdays[m.mentor_id],
            workdays[m.mentee_id],
            moved=moved.get(m.id),
        )
        for m in due
    ]


def _last_periods(session: Session, ids: Sequence[int]) -> dict[int, int]:
    """{pair: its latest period} for the pairs that have any check-in."""
    rows = session.execute(
        select(CheckIn.mentorship_id, func.max(CheckIn.period))
        .where(CheckIn.mentorship_id.in_(ids))
        .group_by(CheckIn.mentorship_id)
    )
    return {pair_id: period for pair_id, period in rows}


def _advance_all(session: Session, moves: dict[int, tuple[datetime, datetime]]) -> set[int]:
    """`mentorships.advance_checkin` for a batch, in one UPDATE: each pair's next
    check-in moves from the value read (due) to its following one, only where it still
    holds that value; the pairs moved (the claims this process won) come back."""
    if not moves:
        return set()
    table = Mentorship.__table__
    column = table.c.next_checkin_at

    def each(pick: int) -> Any:
        return case(
            {pair_id: literal(times[pick], column.type) for pair_id, times in moves.items()},
            value=table.c.id,
        )

    won = session.execute(
        update(table)
        .where(
            table.c.id.in_(list(moves)),
            table.c.status == MentorshipStatus.ACTIVE,
            column == each(0),
        )
        .values(next_checkin_at=each(1))
        .returning(table.c.id)
    ).scalars()
    return set(won)


def _close_unanswered_all(session: Session, pairs: Sequence[_Pair]) -> None:
    """`_close_unanswered` for a batch: periods nobody answered become missed, and
    their prompts not sent yet are withdrawn."""
    if not pairs:
        return
    closed = move_all_returning(
        session,
        CheckIn,
        CheckIn.mentorship_id.in_([pair.mentorship.id for pair in pairs]),
        source=CheckInStatus.PROMPTED,
        target=CheckInStatus.MISSED,
        returning=[CheckIn.mentorship_id, CheckIn.period],
    )
    if not closed:
        return
    by_id = {pair.mentorship.id: pair for pair in pairs}
    unsent = [
        keys.once(Kind.CHECKIN_PROMPT, pair_id, period, person.id)
        for pair_id, period in closed
        for person in (by_id[pair_id].mentor, by_id[pair_id].mentee)
    ]
    outbox.withdraw(session, unsent, why="replaced by a newer check-in period")


def _open_periods(
    session: Session, periods: dict[int, tuple[int, datetime]], now: datetime
) -> dict[int, int]:
    """`_open_period` for a batch ({pair: (period, due)}): {pair: its new CheckIn's id},
    leaving out a period whose row existed already."""
    if not periods:
        return {}
    rows = [
        {
            "mentorship_id": pair_id,
            "period": period,
            "due_at": due_at,
            "status": CheckInStatus.SCHEDULED,
        }
        for pair_id, (period, due_at) in periods.items()
    ]
    inserted = insert_many_returning(
        session,
        CheckIn,
        rows,
        unique=["mentorship_id", "period"],
        returning=[CheckIn.mentorship_id, CheckIn.id],
    )
    opened = {pair_id: checkin_id for pair_id, checkin_id in inserted}
    if opened:
        move_all(
            session,
            CheckIn,
            CheckIn.id.in_(list(opened.values())),
            source=CheckInStatus.SCHEDULED,
            target=CheckInStatus.PROMPTED,
            prompted_at=now,
        )
    return opened


def _queue_prompts(
    session: Session, opened: Sequence[tuple[_Pair, int, int]], now: datetime
) -> None:
    """Both prompts of each (pair, period, check-in id), each waiting for its reader's
    own prompt time that day (or their next working hour, when that has passed)."""
    goals = _goals_all(session, [pair.mentorship for pair, _, _ in opened])
    messages = []
    for pair, period, checkin_id in opened:
        m = pair.mentorship
        day = pair.day(period)
        for person, workday, partner, is_mentee in pair.sides():
            state = PromptState(
                checkin_id, partner.slack_user_id, is_mentee, goals[m.id], day_label(day)
            )
            text, blocks = prompt_payload(state)
            messages.append(
                outbox.Message(
                    team_id=m.team_id,
                    key=keys.once(Kind.CHECKIN_PROMPT, m.id, period, person.id),
                    method="chat.postMessage",
                    payload={"channel": person.slack_user_id, "text": text, "blocks": blocks},
                    not_before=workday.next_open(max(workday.prompt_at(day), now)),
                )
            )
    outbox.enqueue_each(session, messages)


def _goals_all(session: Session, pairs: Sequence[Mentorship]) -> dict[int, str]:
    """`_goals` for a batch, in two queries: {pair: the goals its prompts show}."""
    listed = pair_goals.prompt_texts(session, [m.id for m in pairs])
    unset = [m for m in pairs if not listed.get(m.id)]
    enrolled = goals_in(session, [(m.program_id, m.mentee_id) for m in unset])
    for m in unset:
        listed[m.id] = enrolled.get((m.program_id, m.mentee_id), "")
    return listed


def _pair(session: Session, mentorship: Mentorship, default_tz: str) -> _Pair:
    mentor = session.get(Person, mentorship.mentor_id)
    mentee = session.get(Person, mentorship.mentee_id)
    assert mentor is not None and mentee is not None
    return _Pair(
        mentorship,
        mentor,
        mentee,
        workday_of(mentor, default_tz),
        workday_of(mentee, default_tz),
        moved=latest_move(session, mentorship.id),
    )


Schedule = _Pair  # what other flows may read of a pair: `.day(n)`, `.due(n)`, their hours


def schedule(session: Session, mentorship: Mentorship, *, default_tz: str) -> Schedule:
    """The pair's check-in calendar as the due-work job reads it."""
    return _pair(session, mentorship, default_tz)


def hours_changed(session: Session, person: Person, *, default_tz: str) -> int:
    """Their working hours or zone changed: bring each of their active pairs' next
    check-in forward to the new first prompt time when that is sooner; returns how many.

    The day comes from the same rule the scheduler uses (the kickoff, or the pair's latest
    move). A later time needs nothing here: the due-work job re-aims a pair it finds early.
    Each move is guarded on the value read, like the job's own.
    """
    rows = session.execute(
        select(Mentorship, _last_period()).where(
            (Mentorship.mentor_id == person.id) | (Mentorship.mentee_id == person.id),
            Mentorship.status == MentorshipStatus.ACTIVE,
            Mentorship.next_checkin_at.is_not(None),
        )
    ).all()
    moved = 0
    for mentorship, last in rows:
        sooner = _pair(session, mentorship, default_tz).due((last or 0) + 1)
        stored = mentorship.next_checkin_at
        if stored is not None and sooner < stored:
            moved += mentorships.advance_checkin(
                session, mentorship.id, due=stored, following=sooner
            )
    return moved


def _last_period() -> Any:
    return (
        select(func.max(CheckIn.period))
        .where(CheckIn.mentorship_id == Mentorship.id)
        .correlate(Mentorship)
        .scalar_subquery()
    )


def _period_due(pair: _Pair, first: int, now: datetime) -> int | None:
    """The latest period from `first` on whose prompt time has come, or None if none has."""
    if pair.due(first) > now:
        return None
    period = first
    while period < first + MAX_CATCH_UP and pair.due(period + 1) <= now:
        period += 1
    return period


def _goals(session: Session, mentorship: Mentorship) -> str:
    """The pair's goals (bot/goals); the mentee's enrollment goals while they set none."""
    if listed := pair_goals.prompt_text(session, mentorship.id):
        return listed
    enrollment = enrollment_in(session, mentorship.program_id, mentorship.mentee_id)
    return (enrollment.goals or "") if enrollment else ""


def _queue(
    session: Session,
    team_id: str,
    key: str,
    method: str,
    where: dict[str, object],
    text: str,
    blocks: list[Block],
    not_before: datetime,
) -> None:
    payload = {**where, "text": text, "blocks": [block.to_dict() for block in blocks]}
    outbox.enqueue(
        session, team_id=team_id, key=key, method=method, payload=payload, not_before=not_before
    )


# --- answering ----------------------------------------------------------------------------


class Outcome(StrEnum):
    OPEN = "open"  # not answered yet: the log form may open
    LOGGED = "logged"
    SKIPPED = "skipped"
    MOVED = "moved"
    HELP_SENT = "help_sent"
    ALREADY = "already"  # settled before: met or skipped, by `by_user_id`
    STALE = "stale"  # a newer period has begun, or the pair is paused: it cannot move
    NO_COORDINATORS = "no_coordinators"  # nobody to ask for help
    NOT_IN_PAIR = "not_in_pair"
    GONE = "gone"  # no such check-in, or the pair has ended


@dataclass(frozen=True)
class Result:
    outcome: Outcome
    form: LogForm | MoveForm | HelpForm | None = None
    status: CheckInStatus | None = None  # for ALREADY: met or skipped
    by_user_id: str | None = None  # for ALREADY: who settled it


@dataclass(frozen=True)
class Actor:
    team_id: str
    user_id: str


@dataclass(frozen=True)
class MeetingLog:
    """What the "We met" form said; raw enough that the checks below are the only ones."""

    met_on: date | None
    usefulness: int | None
    notes: str = ""
    thanks: str = ""
    progress: tuple[tuple[int, GoalStatus], ...] = ()  # (goal id, status) per goal answered


class Field(StrEnum):
    DATE = "date"
    USEFULNESS = "usefulness"
    MOVE_DATE = "move_date"
    HELP_TEXT = "help_text"


class LogError(Exception):
    """A log that cannot be saved as typed; `message` goes beside `field`."""

    def __init__(self, field: Field, message: str) -> None:
        super().__init__(message)
        self.field = field
        self.message = message


@dataclass(frozen=True)
class _Context:
    checkin: CheckIn
    mentorship: Mentorship
    me: Person
    partner: Person
    is_mentee: bool
    my_day: Workday


def log_form(
    session: Session, checkin_id: int | None, *, actor: Actor, now: datetime, default_tz: str
) -> Result:
    """May `actor` log this check-in now? Then the form's defaults; else why not."""
    found = _context(session, checkin_id, actor, "checkin.met", now, default_tz)
    if isinstance(found, Result):
        return found
    form = LogForm(
        checkin_id=found.checkin.id,
        partner_user_id=found.partner.slack_user_id,
        today=now.astimezone(found.my_day.zone).date(),
        ask_thanks=found.is_mentee,
        goals=pair_goals.progress_choices(session, found.mentorship.id),
    )
    return Result(Outcome.OPEN, form=form)


def check_log(
    session: Session,
    checkin_id: int | None,
    entry: MeetingLog,
    *,
    actor: Actor,
    now: datetime,
    default_tz: str,
) -> Result:
    """The checks `log_meeting` makes before it writes, and no write but a stranger's
    refusal: OPEN when it would keep `entry`, else why not. Raises LogError as it does.
    Reads only, so the form can be answered at once and the log made after."""
    found = _context(session, checkin_id, actor, "checkin.log", now, default_tz)
    if isinstance(found, Result):
        return found
    _checked(entry, found, now)
    return Result(Outcome.OPEN)


def log_meeting(
    session: Session,
    checkin_id: int | None,
    entry: MeetingLog,
    *,
    actor: Actor,
    now: datetime,
    settings: Settings,
) -> Result:
    """Record the meeting for the pair (once), keep the logger's private notes, rewrite
    both prompts and both Homes. Raises LogError for a date or rating that cannot be right."""
    default_tz = settings.timezone
    found = _context(session, checkin_id, actor, "checkin.log", now, default_tz)
    if isinstance(found, Result):
        return found
    met_on, usefulness = _checked(entry, found, now)
    _keep_note(session, found.checkin.id, found.me.id, entry.notes, now)
    thanks = entry.thanks.strip()[:THANKS_MAX] if found.is_mentee else ""
    moved = move_all(
        session,
        CheckIn,
        CheckIn.id == found.checkin.id,
        source=_OPEN,
        target=CheckInStatus.MET,
        responded_at=now,
        responded_by_id=found.me.id,
        met_on=met_on,
        usefulness=usefulness,
        thanks=thanks or None,
    )
    if not moved:
        return _already(session, found.checkin.id)
    pair_goals.report_progress(
        session,
        found.mentorship,
        entry.progress,
        author=found.me,
        checkin_id=found.checkin.id,
        now=now,
        default_tz=default_tz,
    )
    day = day_label(met_on)
    mine = logged_by_you_message(partner_user_id=found.partner.slack_user_id, met_on=day)
    theirs = logged_by_partner_message(
        partner_user_id=found.me.slack_user_id, met_on=day, thanks=thanks
    )
    _rewrite_prompts(session, found, mine, theirs, now)
    home.refresh_pair(session, settings, found.mentorship, cause=f"met:{found.checkin.id}", now=now)
    _audit(session, found, "checkin.met", now, {"usefulness": usefulness})
    return Result(Outcome.LOGGED)


def not_logged(
    session: Session, checkin_id: int | None, *, actor: Actor, text: str, now: datetime
) -> None:
    """Tell `actor` by DM that the log their closed form promised was not kept, and why
    (`text`): the form closed before the log was made, so no modal can say it."""
    notify(
        session,
        team_id=actor.team_id,
        user_id=actor.user_id,
        text=text,
        key=keys.each(Kind.CHECKIN_NOT_LOGGED, checkin_id, actor.user_id, at=now),
        now=now,
    )


def skip(
    session: Session, checkin_id: int | None, *, actor: Actor, now: datetime, default_tz: str
) -> Result:
    """Skip this period for the pair (once), and say so on both prompts."""
    found = _context(session, checkin_id, actor, "checkin.skip", now, default_tz)
    if isinstance(found, Result):
        return found
    moved = move_all(
        session,
        CheckIn,
        CheckIn.id == found.checkin.id,
        source=_OPEN,
        target=CheckInStatus.SKIPPED,
        responded_at=now,
        responded_by_id=found.me.id,
    )
    if not moved:
        return _already(session, found.checkin.id)
    following = _next_day(session, found.mentorship, default_tz)
    mine = skipped_message(by_user_id=None, next_day=following)
    theirs = skipped_message(by_user_id=found.me.slack_user_id, next_day=following)
    _rewrite_prompts(session, found, mine, theirs, now)
    _audit(session, found, "checkin.skipped", now, {})
    followups.periods_closed(session, [found.mentorship.id], now=now, default_tz=default_tz)
    return Result(Outcome.SKIPPED)


def move_form(
    session: Session, checkin_id: int | None, *, actor: Actor, now: datetime, default_tz: str
) -> Result:
    """May `actor` move this check-in now? Then what the date picker allows; else why not."""
    found = _context(session, checkin_id, actor, "checkin.reschedule", now, default_tz)
    if isinstance(found, Result):
        return found
    if not _movable(found):
        return Result(Outcome.STALE)
    _, latest = _move_window(found, now)
    form = MoveForm(
        checkin_id=found.checkin.id,
        partner_user_id=found.partner.slack_user_id,
        latest=day_label(latest),
        every=PERIOD_WORDS[found.mentorship.cadence],
    )
    return Result(Outcome.OPEN, form=form)


def reschedule(
    session: Session,
    checkin_id: int | None,
    day: date | None,
    *,
    actor: Actor,
    now: datetime,
    default_tz: str,
) -> Result:
    """Move the open period's meeting to `day`: the pair's next check-in follows from it,
    the partner is told, both prompts say so. Raises LogError for a day outside the window
    or when the pair's schedule changed under us (then nothing is kept)."""
    found = _context(session, checkin_id, actor, "checkin.reschedule", now, default_tz)
    if isinstance(found, Result):
        return found
    if not _movable(found):
        return Result(Outcome.STALE)
    moved_to = _checked_move(day, found, now)
    m, period = found.mentorship, found.checkin.period
    marked = session.execute(
        update(CheckIn)
        .where(CheckIn.id == found.checkin.id, CheckIn.status == CheckInStatus.PROMPTED)
        .values(moved_to=moved_to)
    ).rowcount
    if not marked:
        return _already(session, found.checkin.id)
    pair = _pair(session, m, default_tz)  # now anchored on the new day
    expected = m.next_checkin_at
    if expected is None or not mentorships.advance_checkin(
        session, m.id, due=expected, following=pair.due(period + 1)
    ):
        raise LogError(Field.MOVE_DATE, CHANGED)  # rolls the mark back too
    _tell_moved(session, found, pair, moved_to, now)
    calendar.moved(session, m, period, moved_to, mover=found.me, now=now, default_tz=default_tz)
    detail = {"to": moved_to.isoformat(), "next": pair.day(period + 1).isoformat()}
    _audit(session, found, "checkin.moved", now, detail)
    return Result(Outcome.MOVED)


def help_form(
    session: Session,
    checkin_id: int | None,
    *,
    actor: Actor,
    now: datetime,
    default_tz: str,
    coordinators: frozenset[str],
) -> Result:
    """May `actor` ask for help from this prompt? Then the form; else why not."""
    found = _context(session, checkin_id, actor, "checkin.help", now, default_tz)
    if isinstance(found, Result):
        return found
    if not coordinators:
        return Result(Outcome.NO_COORDINATORS)
    return Result(Outcome.OPEN, form=HelpForm(found.checkin.id, found.partner.slack_user_id))


def ask_help(
    session: Session,
    checkin_id: int | None,
    text: str,
    *,
    actor: Actor,
    now: datetime,
    default_tz: str,
    coordinators: frozenset[str],
) -> Result:
    """DM every coordinator what `actor` wrote about their pair, and tell `actor` it was
    passed on. Raises LogError for text that cannot be read."""
    found = _context(session, checkin_id, actor, "checkin.help", now, default_tz)
    if isinstance(found, Result):
        return found
    if not coordinators:
        return Result(Outcome.NO_COORDINATORS)
    try:
        words = clean_text(text).strip()[:HELP_MAX]
    except UnreadableText as exc:
        raise LogError(Field.HELP_TEXT, str(exc)) from None
    alert = HelpAlert(
        asker_user_id=found.me.slack_user_id,
        partner_user_id=found.partner.slack_user_id,
        asker_is_mentee=found.is_mentee,
        day=day_label(_pair(session, found.mentorship, default_tz).day(found.checkin.period)),
        text=words,
    )
    message, blocks = help_alert(alert)
    team = found.mentorship.team_id
    told = sorted(coordinators)
    for coordinator in told:
        key = keys.each(Kind.CHECKIN_HELP, found.checkin.id, coordinator, at=now)
        dm(session, team, coordinator, key, message, blocks, now)
    notify(
        session,
        team_id=team,
        user_id=found.me.slack_user_id,
        text=help_sent_notice(told),
        key=keys.each(Kind.CHECKIN_HELP_SENT, found.checkin.id, found.me.id, at=now),
        now=now,
    )
    _audit(session, found, "checkin.help", now, {"text": words, "coordinators": told})
    followups.help_asked(session, found.mentorship, found.checkin.id, found.me.id, words, now)
    return Result(Outcome.HELP_SENT)


# --- steps --------------------------------------------------------------------------------


def _context(
    session: Session,
    checkin_id: int | None,
    actor: Actor,
    action: str,
    now: datetime,
    default_tz: str,
) -> _Context | Result:
    """The check-in and the actor's place in its pair; a stranger is refused and recorded."""
    checkin = session.get(CheckIn, checkin_id) if checkin_id is not None else None
    mentorship = session.get(Mentorship, checkin.mentorship_id) if checkin else None
    if checkin is None or mentorship is None:
        _refuse(session, actor, action, checkin_id, now, "no such check-in")
        return Result(Outcome.GONE)
    mentor = session.get(Person, mentorship.mentor_id)
    mentee = session.get(Person, mentorship.mentee_id)
    assert mentor is not None and mentee is not None
    me = {mentor.slack_user_id: mentor, mentee.slack_user_id: mentee}.get(actor.user_id)
    if me is None or actor.team_id != mentorship.team_id:
        _refuse(session, actor, action, checkin.id, now, "not one of this pair")
        return Result(Outcome.NOT_IN_PAIR)
    if mentorship.status is MentorshipStatus.ENDED:
        return Result(Outcome.GONE)
    if checkin.status not in _OPEN:
        return _already(session, checkin.id)
    partner = mentee if me is mentor else mentor
    return _Context(checkin, mentorship, me, partner, me is mentee, workday_of(me, default_tz))


def _refuse(
    session: Session, actor: Actor, action: str, subject: object, now: datetime, why: str
) -> None:
    audit.refused(
        session,
        team_id=actor.team_id,
        actor=actor.user_id,
        action=action,
        subject_type="checkin",
        subject_id=None if subject is None else str(subject),
        now=now,
        why=why,
    )


def _checked(entry: MeetingLog, found: _Context, now: datetime) -> tuple[date, int]:
    zone = found.my_day.zone
    today = now.astimezone(zone).date()
    started = found.mentorship.started_at.astimezone(zone).date()
    if entry.met_on is None:
        raise LogError(Field.DATE, "Please pick the day you met.")
    if entry.met_on > today:
        raise LogError(Field.DATE, "That day hasn't come yet: pick the day you met.")
    if entry.met_on < started:
        when = f"{started:%A} {started.day} {started:%B}"
        raise LogError(Field.DATE, f"That's before you two were paired ({when}).")
    if entry.usefulness not in USEFULNESS:
        raise LogError(Field.USEFULNESS, "Please choose from 1 to 5.")
    return entry.met_on, entry.usefulness


def _keep_note(session: Session, checkin_id: int, person_id: int, body: str, now: datetime) -> None:
    """The person's private note on this check-in (a later one replaces it)."""
    body = body.strip()[:NOTES_MAX]
    if not body:
        return
    values = {"checkin_id": checkin_id, "person_id": person_id, "body": body, "created_at": now}
    if not insert_if_absent(session, CheckInNote, values, unique=["checkin_id", "person_id"]):
        session.execute(
            update(CheckInNote)
            .where(CheckInNote.checkin_id == checkin_id, CheckInNote.person_id == person_id)
            .values(body=body)
        )


def _already(session: Session, checkin_id: int) -> Result:
    checkin = session.get(CheckIn, checkin_id)
    assert checkin is not None
    session.refresh(checkin)  # a concurrent answer may have just committed
    by = session.get(Person, checkin.responded_by_id) if checkin.responded_by_id else None
    return Result(
        Outcome.ALREADY, status=checkin.status, by_user_id=by.slack_user_id if by else None
    )


def _rewrite_prompts(
    session: Session,
    found: _Context,
    mine: tuple[str, list[Block]],
    theirs: tuple[str, list[Block]],
    now: datetime,
) -> None:
    for person, (text, blocks) in ((found.me, mine), (found.partner, theirs)):
        key = keys.once(Kind.CHECKIN_CLOSED, found.checkin.id, person.id)
        _rewrite_prompt(session, found, person, (text, blocks), key, now)


def _rewrite_prompt(
    session: Session,
    found: _Context,
    person: Person,
    message: tuple[str, list[Block]],
    key: str,
    now: datetime,
) -> None:
    """Replace a person's prompt (buttons and all) where the outbox delivered it; if it
    has not gone out yet, send the new words in its place. `key` names this rewrite."""
    text, blocks = message
    prompt_key = keys.once(
        Kind.CHECKIN_PROMPT, found.mentorship.id, found.checkin.period, person.id
    )
    body = {"text": text, "blocks": [block.to_dict() for block in blocks]}
    not_sent = session.execute(
        update(OutboxMessage)
        .where(
            OutboxMessage.idempotency_key == prompt_key,
            OutboxMessage.status == OutboxStatus.PENDING,
        )
        .values(payload={"channel": person.slack_user_id, **body})
    ).rowcount
    if not_sent:
        return
    sent = session.scalar(select(OutboxMessage).where(OutboxMessage.idempotency_key == prompt_key))
    if sent is None or not sent.result or "ts" not in sent.result:
        return  # never prompted (or in flight this instant): nothing to rewrite
    where = {"channel": sent.result["channel"], "ts": sent.result["ts"]}
    _queue(session, found.mentorship.team_id, key, "chat.update", where, text, blocks, now)


def _audit(
    session: Session, found: _Context, action: str, now: datetime, detail: dict[str, object]
) -> None:
    audit.record(
        session,
        team_id=found.mentorship.team_id,
        actor=found.me.slack_user_id,
        action=action,
        subject_type="checkin",
        subject_id=found.checkin.id,
        now=now,
        detail={"period": found.checkin.period, **detail},
    )


def _next_day(session: Session, mentorship: Mentorship, default_tz: str) -> str:
    """The calendar day of the pair's next check-in period (the same day for both)."""
    last = session.scalar(
        select(func.max(CheckIn.period)).where(CheckIn.mentorship_id == mentorship.id)
    )
    return day_label(_pair(session, mentorship, default_tz).day((last or 0) + 1))


def _movable(found: _Context) -> bool:
    """Only the pair's current period moves (a newer one closes it), and only while active."""
    return (
        found.checkin.status is CheckInStatus.PROMPTED
        and found.mentorship.status is MentorshipStatus.ACTIVE
    )


def _move_window(found: _Context, now: datetime) -> tuple[date, date]:
    """The days a meeting may move to: today to one period ahead, on the mover's calendar."""
    today = now.astimezone(found.my_day.zone).date()
    return today, one_period_later(today, found.mentorship.cadence) - timedelta(days=1)


def _checked_move(day: date | None, found: _Context, now: datetime) -> date:
    earliest, latest = _move_window(found, now)
    if day is None:
        raise LogError(Field.MOVE_DATE, "Please pick the day you'll meet.")
    if day < earliest:
        raise LogError(Field.MOVE_DATE, "That day has passed: pick today or a later day.")
    if day > latest:
        every = PERIOD_WORDS[found.mentorship.cadence]
        raise LogError(
            Field.MOVE_DATE, f"That's more than {every} away: pick a day up to {day_label(latest)}."
        )
    return day


def _tell_moved(
    session: Session, found: _Context, pair: _Pair, moved_to: date, now: datetime
) -> None:
    """Both prompts say where the meeting went (buttons kept); the partner gets a DM in
    their working hours."""
    m, period = found.mentorship, found.checkin.period
    goals, day = _goals(session, m), day_label(moved_to)
    for person, partner, by in (
        (found.me, found.partner, None),
        (found.partner, found.me, found.me),
    ):
        state = PromptState(
            found.checkin.id,
            partner.slack_user_id,
            person.id == m.mentee_id,
            goals,
            day,
            moved=Moved(day, by.slack_user_id if by else None),
        )
        key = keys.each(Kind.CHECKIN_MOVED, found.checkin.id, person.id, at=now)
        _rewrite_prompt(session, found, person, prompt_message(state), key, now)
    partner_day = pair.mentee_day if found.partner.id == m.mentee_id else pair.mentor_day
    notify(
        session,
        team_id=m.team_id,
        user_id=found.partner.slack_user_id,
        text=moved_notice(
            by_user_id=found.me.slack_user_id, day=day, next_day=day_label(pair.day(period + 1))
        ),
        key=keys.each(Kind.CHECKIN_MOVED_DM, found.checkin.id, found.partner.id, at=now),
        now=partner_day.next_open(now),
    )
