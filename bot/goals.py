"""Goals: a pair's 1-3 goals, set by either of the two, and how each is going.

**The form.** Its rows are the pair's live goals (all but dropped ones), oldest first, and
its private_metadata names the goal each row shows. After Save the pair's live goals are
exactly the rows filled in: a row emptied drops its goal (status dropped, never deleted:
its history stays), a title typed again that matches a dropped goal of the pair brings
that goal back (not started), any other new title is a new goal. Saves of one pair queue
on its row (FOR UPDATE; SQLite's BEGIN IMMEDIATE does the same), and a live goal the form
did not show (the partner added it since the form opened) fails the save with CHANGED
beside the first title: so nobody's goal is dropped unseen, and a pair never has more than
three. The partner is told by DM, in their working hours, naming who changed what.

**Progress.** "We met" (bot/checkins calls `report_progress`) and the mentee's monthly
update write one GoalUpdate per goal reported, and move the goal's status through
`bot.transitions.GOAL`. Dropped goals are not asked about, and a report never moves one:
only the form brings a dropped goal back.

**The monthly update.** When a pair first has an open goal (not started or on track),
`mentorships.goals_review_at` is set a month later at the mentee's prompt time (an hour
into their working day, on a weekday). The due-work job (`review_due`) claims due pairs by
moving that column on with a conditional UPDATE, as check-ins do, and DMs the mentee once
per month of the pair (`keys.once(GOAL_REVIEW, pair, month)`). A snoozed mentee is asked
when the snooze ends; paused pairs wait (they are asked once resumed); a pair whose goals
are all done or dropped is not asked, and the column is cleared until an open goal
appears again. Saving the update tells nobody: it rewrites the DM to say thanks.

Someone outside the pair (a forged payload) is refused, changes nothing, and leaves an
`audit.refused` entry; goal titles never go into the audit trail.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass
from datetime import date, datetime
from enum import StrEnum

from sqlalchemy import select, update
from sqlalchemy.orm import Session

from bot import audit, keys
from bot.cadence import Workday, day_label, periods_after
from bot.db.enums import Cadence, GoalStatus, MentorshipStatus
from bot.db.models import Goal, GoalUpdate, Mentorship, OutboxMessage, Person
from bot.enrollment import active_mentorships
from bot.keys import Kind
from bot.notices import dm, queue_message
from bot.people import find_person, workday_of
from bot.text_input import UnreadableText, clean_text
from bot.transitions import move
from bot.views.goals import (
    CHANGED,
    GOALS_MAX,
    TITLE_MAX,
    GoalLine,
    GoalsForm,
    PairGoals,
    ReviewForm,
    ReviewState,
    goals_plain,
    goals_set_message,
    review_done_message,
    review_message,
)

LIVE = frozenset({GoalStatus.NOT_STARTED, GoalStatus.ON_TRACK, GoalStatus.DONE})
OPEN = frozenset({GoalStatus.NOT_STARTED, GoalStatus.ON_TRACK})  # the monthly update asks
REVIEW_BATCH = 200  # pairs claimed per transaction; the job loops until none are due


class Outcome(StrEnum):
    OPEN = "open"  # the form may open
    SAVED = "saved"
    NOTHING = "nothing"  # no goal left to update
    NOT_IN_PAIR = "not_in_pair"
    GONE = "gone"  # no such pair, or it has ended


@dataclass(frozen=True)
class Result:
    outcome: Outcome
    form: GoalsForm | ReviewForm | None = None


@dataclass(frozen=True)
class Actor:
    team_id: str
    user_id: str


@dataclass(frozen=True)
class GoalRow:
    """One row of the form as typed: "" and None when left empty."""

    title: str = ""
    due_on: date | None = None


class Field(StrEnum):
    TITLE = "title"
    DUE = "due"


@dataclass(frozen=True)
class FieldError:
    row: int  # 0-based
    field: Field
    message: str


class GoalsError(Exception):
    """A form that cannot be saved as typed; each message goes beside its field."""

    def __init__(self, errors: Sequence[FieldError]) -> None:
        super().__init__("; ".join(error.message for error in errors))
        self.errors = tuple(errors)


@dataclass(frozen=True)
class _Context:
    mentorship: Mentorship
    me: Person
    partner: Person
    mentee: Person


# --- reading ------------------------------------------------------------------------------


def live_goals(session: Session, mentorship_id: int) -> tuple[GoalLine, ...]:
    """The pair's goals that are not dropped, oldest first."""
    return goals_by_pair(session, [mentorship_id]).get(mentorship_id, ())


def goals_by_pair(
    session: Session, mentorship_ids: Sequence[int]
) -> dict[int, tuple[GoalLine, ...]]:
    """{pair: its live goals, oldest first} for the pairs that have any, in one query."""
    if not mentorship_ids:
        return {}
    found: dict[int, list[GoalLine]] = {}
    for goal in session.scalars(
        select(Goal)
        .where(Goal.mentorship_id.in_(mentorship_ids), Goal.status != GoalStatus.DROPPED)
        .order_by(Goal.id)
    ):
        line = GoalLine(goal.id, goal.title, goal.status, goal.due_on)
        found.setdefault(goal.mentorship_id, []).append(line)
    return {pair: tuple(lines) for pair, lines in found.items()}


def pairs_of(session: Session, person: Person) -> tuple[PairGoals, ...]:
    """Each of the person's open pairs (active or paused) with its live goals."""
    pairs = active_mentorships(session, person)
    goals = goals_by_pair(session, [m.id for m in pairs])
    return tuple(
        PairGoals(
            mentorship_id=m.id,
            partner_user_id=(m.mentor if m.mentee_id == person.id else m.mentee).slack_user_id,
            is_my_mentor=m.mentee_id == person.id,
            goals=goals.get(m.id, ()),
            paused=m.status is MentorshipStatus.PAUSED,
        )
        for m in pairs
    )


def my_goals(session: Session, *, team_id: str, user_id: str) -> tuple[PairGoals, ...]:
    """`/mentor goals`: the caller's pairs and their goals (none when they have no pair)."""
    person = find_person(session, team_id, user_id)
    return pairs_of(session, person) if person is not None else ()


def prompt_text(session: Session, mentorship_id: int) -> str:
    """The pair's goals for a check-in prompt, plain ("" when they set none)."""
    return goals_plain(live_goals(session, mentorship_id))


def prompt_texts(session: Session, mentorship_ids: Sequence[int]) -> dict[int, str]:
    """`prompt_text` for many pairs in one query: {pair: its goals} for those with any."""
    listed = goals_by_pair(session, mentorship_ids)
    return {pair: goals_plain(lines) for pair, lines in listed.items()}


# --- the form -----------------------------------------------------------------------------


def goals_form(
    session: Session, mentorship_id: int | None, *, actor: Actor, now: datetime
) -> Result:
    """May `actor` set this pair's goals? Then the form, filled with the live goals."""
    found = _context(session, mentorship_id, actor, "goals.open", now)
    if isinstance(found, Result):
        return found
    m = found.mentorship
    form = GoalsForm(m.id, found.partner.slack_user_id, live_goals(session, m.id))
    return Result(Outcome.OPEN, form=form)


def save_goals(
    session: Session,
    mentorship_id: int | None,
    goal_ids: Sequence[int | None] | None,
    rows: Sequence[GoalRow],
    *,
    actor: Actor,
    now: datetime,
    default_tz: str,
) -> Result:
    """Make the pair's live goals the rows filled in (see the module's docstring); tell the
    partner what changed. `goal_ids` are the goals the form's rows showed (None: unreadable).
    Raises GoalsError for a form that cannot be saved as typed."""
    found = _context(session, mentorship_id, actor, "goals.save", now, lock=True)
    if isinstance(found, Result):
        return found
    m = found.mentorship
    goals = {g.id: g for g in session.scalars(select(Goal).where(Goal.mentorship_id == m.id))}
    shown = _rows_goals(goal_ids, goals)
    if shown is None:
        _refuse(session, actor, "goals.save", m.id, now, "a goal the form never showed")
        return Result(Outcome.NOT_IN_PAIR)
    rows = list(rows)[:GOALS_MAX]
    rows += [GoalRow()] * (GOALS_MAX - len(rows))
    today = now.astimezone(workday_of(found.me, default_tz).zone).date()
    typed = _checked(rows, [goals.get(i) if i else None for i in shown], today)
    if any(g.status in LIVE and g.id not in shown for g in goals.values()):
        raise GoalsError([FieldError(0, Field.TITLE, CHANGED)])
    first = not any(g.status in LIVE for g in goals.values())
    changes = _apply(session, m, shown, typed, goals, found.me, now)
    if not any(changes.values()):
        return Result(Outcome.SAVED)
    _tell_partner(session, found, first, now, default_tz)
    _arm_review(session, m, found.mentee, now, default_tz)
    audit.record(
        session,
        team_id=m.team_id,
        actor=found.me.slack_user_id,
        action="goals.set",
        subject_type="mentorship",
        subject_id=m.id,
        now=now,
        detail=changes,
    )
    return Result(Outcome.SAVED)


def _rows_goals(
    goal_ids: Sequence[int | None] | None, goals: dict[int, Goal]
) -> list[int | None] | None:
    """The goal each row showed, padded to GOALS_MAX; None if that cannot be this pair's form."""
    if goal_ids is None or len(goal_ids) > GOALS_MAX:
        return None
    named = [i for i in goal_ids if i is not None]
    if len(set(named)) != len(named) or any(i not in goals for i in named):
        return None
    return [*goal_ids, *([None] * (GOALS_MAX - len(goal_ids)))]


def _checked(rows: Sequence[GoalRow], shown: Sequence[Goal | None], today: date) -> list[GoalRow]:
    """The rows cleaned (whitespace folded), or GoalsError with every field that is wrong."""
    errors: list[FieldError] = []
    cleaned: list[GoalRow] = []
    seen: dict[str, int] = {}
    for row, (typed, goal) in enumerate(zip(rows, shown, strict=True)):
        title, title_error = _title(typed.title)
        if title_error is None and not title and typed.due_on is not None:
            title_error = "Add a few words for this goal, or clear its date."
        if title_error is None and title.casefold() in seen:
            title_error = f"This is the same as goal {seen[title.casefold()] + 1}."
        if title_error is not None:
            errors.append(FieldError(row, Field.TITLE, title_error))
        if title:
            seen.setdefault(title.casefold(), row)
        stored = goal.due_on if goal is not None else None
        if typed.due_on is not None and typed.due_on < today and typed.due_on != stored:
            message = "That day has passed: pick today or a later day, or leave it empty."
            errors.append(FieldError(row, Field.DUE, message))
        cleaned.append(GoalRow(title, typed.due_on))
    if not errors and not any(row.title for row in cleaned):
        errors.append(
            FieldError(0, Field.TITLE, "Please write at least one goal: a sentence is plenty.")
        )
    if errors:
        raise GoalsError(errors)
    return cleaned


def _title(typed: str) -> tuple[str, str | None]:
    """(the title, whitespace folded; why it cannot be saved, or None)."""
    try:
        title = " ".join(clean_text(typed).split())
    except UnreadableText as exc:
        return "", str(exc)
    if len(title) > TITLE_MAX:
        return title, f"Please keep a goal to {TITLE_MAX} characters (this one has {len(title)})."
    return title, None


def _apply(
    session: Session,
    mentorship: Mentorship,
    shown: Sequence[int | None],
    rows: Sequence[GoalRow],
    goals: dict[int, Goal],
    me: Person,
    now: datetime,
) -> dict[str, int]:
    """Write the form's rows; how many goals were added, changed, dropped and brought back."""
    changes = {"added": 0, "changed": 0, "dropped": 0, "back": 0}
    for goal_id, row in zip(shown, rows, strict=True):
        goal = goals[goal_id] if goal_id is not None else _dropped_named(goals, row.title, shown)
        if goal is None:
            if row.title:
                session.add(
                    Goal(
                        mentorship_id=mentorship.id,
                        title=row.title,
                        due_on=row.due_on,
                        status=GoalStatus.NOT_STARTED,
                        created_by_id=me.id,
                        created_at=now,
                        updated_at=now,
                    )
                )
                changes["added"] += 1
            continue
        if not row.title:
            if goal.status in LIVE and _set_status(
                session, goal, GoalStatus.DROPPED, me, None, now
            ):
                changes["dropped"] += 1
            continue
        if goal.status is GoalStatus.DROPPED and _set_status(
            session, goal, GoalStatus.NOT_STARTED, me, None, now
        ):
            changes["back"] += 1
        if (goal.title, goal.due_on) != (row.title, row.due_on):
            goal.title, goal.due_on, goal.updated_at = row.title, row.due_on, now
            changes["changed"] += 1
    session.flush()
    return changes


def _dropped_named(goals: dict[int, Goal], title: str, shown: Sequence[int | None]) -> Goal | None:
    """A dropped goal of the pair with this title (any case), that no row shows."""
    if not title:
        return None
    for goal in goals.values():
        if (
            goal.status is GoalStatus.DROPPED
            and goal.id not in shown
            and goal.title.casefold() == title.casefold()
        ):
            return goal
    return None


def _tell_partner(
    session: Session, found: _Context, first: bool, now: datetime, default_tz: str
) -> None:
    m, partner = found.mentorship, found.partner
    text, blocks = goals_set_message(
        by_user_id=found.me.slack_user_id,
        goals=live_goals(session, m.id),
        first=first,
        mentorship_id=m.id,
    )
    key = keys.each(Kind.GOALS_SET, m.id, partner.id, at=now)
    when = workday_of(partner, default_tz).next_open(now)
    dm(session, m.team_id, partner.slack_user_id, key, text, blocks, when)


# --- progress -----------------------------------------------------------------------------


def progress_choices(session: Session, mentorship_id: int) -> tuple[GoalLine, ...]:
    """The goals a progress report asks about: the live ones."""
    return live_goals(session, mentorship_id)


def report_progress(
    session: Session,
    mentorship: Mentorship,
    reports: Sequence[tuple[int, GoalStatus]],
    *,
    author: Person,
    checkin_id: int | None,
    now: datetime,
    default_tz: str,
) -> int:
    """Record where each reported goal stands (a GoalUpdate each) and move its status;
    how many were recorded. A goal of another pair is refused; a dropped one is left."""
    goals = {
        g.id: g for g in session.scalars(select(Goal).where(Goal.mentorship_id == mentorship.id))
    }
    recorded = 0
    for goal_id, status in reports:
        goal = goals.get(goal_id)
        if goal is None:
            actor = Actor(mentorship.team_id, author.slack_user_id)
            _refuse(session, actor, "goals.progress", goal_id, now, "not a goal of this pair")
        elif goal.status is GoalStatus.DROPPED:
            continue  # only the goals form brings a dropped goal back
        elif goal.status is status:
            session.add(_update(goal, status, author, checkin_id, now))
            recorded += 1
        elif _set_status(session, goal, status, author, checkin_id, now):
            recorded += 1
    mentee = session.get(Person, mentorship.mentee_id)
    assert mentee is not None
    _arm_review(session, mentorship, mentee, now, default_tz)
    return recorded


def _set_status(
    session: Session,
    goal: Goal,
    target: GoalStatus,
    author: Person,
    checkin_id: int | None,
    now: datetime,
) -> bool:
    """Move the goal from where it was read to `target`, and record who reported it."""
    moved = move(
        session,
        Goal,
        goal.id,
        source=goal.status,
        target=target,
        completed_at=now if target is GoalStatus.DONE else None,
        updated_at=now,
    )
    if moved:
        session.add(_update(goal, target, author, checkin_id, now))
    return moved


def _update(
    goal: Goal, status: GoalStatus, author: Person, checkin_id: int | None, now: datetime
) -> GoalUpdate:
    return GoalUpdate(
        goal_id=goal.id, checkin_id=checkin_id, author_id=author.id, status=status, created_at=now
    )


# --- the monthly update -------------------------------------------------------------------


def review_form(
    session: Session, mentorship_id: int | None, *, actor: Actor, now: datetime
) -> Result:
    """May `actor` update this pair's progress? Then one select per live goal."""
    found = _context(session, mentorship_id, actor, "goals.review", now)
    if isinstance(found, Result):
        return found
    m = found.mentorship
    goals = live_goals(session, m.id)
    if not goals:
        return Result(Outcome.NOTHING)
    return Result(Outcome.OPEN, form=ReviewForm(m.id, found.partner.slack_user_id, goals))


def save_review(
    session: Session,
    mentorship_id: int | None,
    review: int | None,
    reports: Sequence[tuple[int, GoalStatus]],
    *,
    actor: Actor,
    now: datetime,
    default_tz: str,
) -> Result:
    """Record the monthly update and rewrite its DM to say thanks; nobody else is told."""
    found = _context(session, mentorship_id, actor, "goals.review", now)
    if isinstance(found, Result):
        return found
    m = found.mentorship
    recorded = report_progress(
        session, m, reports, author=found.me, checkin_id=None, now=now, default_tz=default_tz
    )
    if review is not None:
        _thank(session, found, review, now, default_tz)
    audit.record(
        session,
        team_id=m.team_id,
        actor=found.me.slack_user_id,
        action="goals.reviewed",
        subject_type="mentorship",
        subject_id=m.id,
        now=now,
        detail={"review": review, "goals": recorded},
    )
    return Result(Outcome.SAVED)


def _thank(session: Session, found: _Context, review: int, now: datetime, default_tz: str) -> None:
    """Rewrite the monthly DM where it was delivered: thanks, and when the next one comes."""
    m = found.mentorship
    sent = session.scalar(
        select(OutboxMessage).where(
            OutboxMessage.idempotency_key == keys.once(Kind.GOAL_REVIEW, m.id, review)
        )
    )
    if sent is None or not sent.result or "ts" not in sent.result:
        return  # never delivered: nothing to rewrite
    goals = live_goals(session, m.id)
    session.refresh(m)
    following = m.goals_review_at if any(g.status in OPEN for g in goals) else None
    zone = workday_of(found.mentee, default_tz).zone
    next_day = day_label(following.astimezone(zone).date()) if following else None
    mentor = found.partner if found.me.id == m.mentee_id else found.me
    text, blocks = review_done_message(
        mentor_user_id=mentor.slack_user_id, goals=goals, next_day=next_day
    )
    where = {"channel": sent.result["channel"], "ts": sent.result["ts"]}
    key = keys.each(Kind.GOAL_REVIEW_DONE, m.id, review, at=now)
    queue_message(session, m.team_id, key, "chat.update", where, text, blocks, now)


@dataclass(frozen=True)
class ReviewBatch:
    seen: int  # due pairs looked at: fewer than REVIEW_BATCH means none is left
    asked: int


def review_due(session: Session, now: datetime, *, default_tz: str) -> ReviewBatch:
    """Ask the mentees of active pairs whose monthly goal update has come, up to a batch."""
    # An ended pair is never asked again: clearing its date keeps the due query's range small.
    session.execute(
        update(Mentorship)
        .where(Mentorship.goals_review_at <= now, Mentorship.status == MentorshipStatus.ENDED)
        .values(goals_review_at=None)
    )
    due = session.scalars(
        select(Mentorship)
        .where(Mentorship.goals_review_at <= now, Mentorship.status == MentorshipStatus.ACTIVE)
        .order_by(Mentorship.goals_review_at, Mentorship.id)
        .limit(REVIEW_BATCH)
        .with_for_update(skip_locked=True)
    ).all()
    asked = sum(_ask(session, m, now, default_tz) for m in due)
    return ReviewBatch(seen=len(due), asked=asked)


def _ask(session: Session, m: Mentorship, now: datetime, default_tz: str) -> bool:
    due = m.goals_review_at
    assert due is not None
    mentee, mentor = session.get(Person, m.mentee_id), session.get(Person, m.mentor_id)
    assert mentee is not None and mentor is not None
    workday = workday_of(mentee, default_tz)
    if mentee.snoozed_until is not None and mentee.snoozed_until > now:
        _move_review(session, m.id, due, workday.next_open(mentee.snoozed_until))
        return False
    goals = live_goals(session, m.id)
    if not any(goal.status in OPEN for goal in goals):
        _move_review(session, m.id, due, None)  # set again when an open goal appears
        return False
    if not _move_review(session, m.id, due, _month_on(due, workday, now)):
        return False  # another process asked a moment ago
    review = _month_of(m, due, workday)
    text, blocks = review_message(ReviewState(m.id, review, mentor.slack_user_id, goals))
    key = keys.once(Kind.GOAL_REVIEW, m.id, review)
    dm(session, m.team_id, mentee.slack_user_id, key, text, blocks, workday.next_open(now))
    return True


def _move_review(
    session: Session, mentorship_id: int, due: datetime, following: datetime | None
) -> bool:
    """Move an active pair's goal update from `due` (the value read) to `following`: the
    claim, so of two processes only one asks."""
    moved = session.execute(
        update(Mentorship)
        .where(
            Mentorship.id == mentorship_id,
            Mentorship.status == MentorshipStatus.ACTIVE,
            Mentorship.goals_review_at == due,
        )
        .values(goals_review_at=following)
        .execution_options(synchronize_session="fetch")
    )
    return moved.rowcount == 1


def _arm_review(
    session: Session, m: Mentorship, mentee: Person, now: datetime, default_tz: str
) -> None:
    """The pair has an open goal and no update planned: plan one a month from now."""
    if not any(goal.status in OPEN for goal in live_goals(session, m.id)):
        return
    workday = workday_of(mentee, default_tz)
    session.execute(
        update(Mentorship)
        .where(Mentorship.id == m.id, Mentorship.goals_review_at.is_(None))
        .values(goals_review_at=month_after(now, workday))
        .execution_options(synchronize_session="fetch")
    )


def month_after(instant: datetime, workday: Workday) -> datetime:
    """A month after `instant` on the person's calendar, off a weekend, at their prompt time."""
    day = instant.astimezone(workday.zone).date()
    return workday.prompt_at(periods_after(day, Cadence.MONTHLY, 1))


def _month_on(due: datetime, workday: Workday, now: datetime) -> datetime:
    """The update after the one due at `due`: a month on, or a month from now after downtime."""
    following = month_after(due, workday)
    return following if following > now else month_after(now, workday)


def _month_of(m: Mentorship, due: datetime, workday: Workday) -> int:
    """The how-manyth month of the pair `due` falls in (on the mentee's calendar): names
    the update, one per month (each is at least a month after the one before)."""
    started = m.started_at.astimezone(workday.zone).date()
    day = due.astimezone(workday.zone).date()
    return (day.year - started.year) * 12 + day.month - started.month


# --- steps --------------------------------------------------------------------------------


def _context(
    session: Session,
    mentorship_id: int | None,
    actor: Actor,
    action: str,
    now: datetime,
    *,
    lock: bool = False,
) -> _Context | Result:
    """The pair and the actor's place in it; a stranger is refused and recorded."""
    query = select(Mentorship).where(Mentorship.id == mentorship_id)
    m = session.scalar(query.with_for_update() if lock else query) if mentorship_id else None
    if m is None:
        _refuse(session, actor, action, mentorship_id, now, "no such mentorship")
        return Result(Outcome.GONE)
    mentor, mentee = session.get(Person, m.mentor_id), session.get(Person, m.mentee_id)
    assert mentor is not None and mentee is not None
    me = {mentor.slack_user_id: mentor, mentee.slack_user_id: mentee}.get(actor.user_id)
    if me is None or actor.team_id != m.team_id:
        _refuse(session, actor, action, m.id, now, "not one of this pair")
        return Result(Outcome.NOT_IN_PAIR)
    if m.status is MentorshipStatus.ENDED:
        return Result(Outcome.GONE)
    return _Context(m, me, mentee if me is mentor else mentor, mentee)


def _refuse(
    session: Session, actor: Actor, action: str, subject: object, now: datetime, why: str
) -> None:
    audit.refused(
        session,
        team_id=actor.team_id,
        actor=actor.user_id,
        action=action,
        subject_type="mentorship" if action != "goals.progress" else "goal",
        subject_id=None if subject is None else str(subject),
        now=now,
        why=why,
    )
