"""End of term: a short survey to both of a pair when their term ends, and what it decides.

A pair's term ends on `mentorships.term_ends_on` (set when the pair starts, see
bot.mentorships; pairs from before that get theirs from `fill_term_ends`, once). The
due-work job calls `survey_due`: it finds active pairs whose term has ended and who were
not asked yet (an indexed range on term_ends_on), claims each with a conditional UPDATE
of `term_asked_at` (so of two processes only one asks), and queues the survey DM to each
of the two under a once-per-term key, in their own working hours on the term's last day.
`term_asked_at` is when the first of the two gets it: the two weeks to answer count from
there.

Each answer is a Feedback row (kind CLOSING, one per author and term: a second
submission replaces the first). The pair's row is locked while an answer is handled, so
two answers at once are taken one after the other. What they decide:

- "Close it here" by either ends the pair (bot.mentorships.end: the mentor's slot is
  freed, once); both are told, kindly, and the mentee is offered the search again.
- "Carry on" by both rolls the term over (term + 1, a new end day, not asked yet); both
  are told. One "carry on" and no answer yet: the first is told theirs is kept.
- Nobody closed it within DECIDE_WITHIN of the survey: `renew_unanswered` rolls it over,
  since carrying on is the gentle default. A rollover is a conditional UPDATE on the
  term read, so two clicks or two processes roll a term over once.

The comment is for the coordinators only: it is kept on the Feedback row and in the
audit entry (which names both of the pair, so /mentor leave forgets it, bot.privacy),
and no message to anyone quotes it.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date, datetime, timedelta
from enum import StrEnum

from sqlalchemy import case, func, select, update
from sqlalchemy.orm import Session

from bot import audit, keys, mentorships, outbox
from bot.cadence import Workday, day_label
from bot.db.enums import OPEN_MENTORSHIP_STATUSES, EndReason, FeedbackKind, MentorshipStatus
from bot.db.inserts import insert_if_absent
from bot.db.models import Feedback, Mentorship, Person, Program
from bot.keys import Kind
from bot.notices import dm
from bot.people import workday_of
from bot.text_input import UnreadableText, clean_text
from bot.views.term import (
    COMMENT_MAX,
    FIT,
    USEFULNESS,
    Choice,
    Earlier,
    SurveyForm,
    TermCounts,
    ended_message,
    renewed_message,
    survey_message,
)

TERM_BATCH = 200  # pairs claimed per transaction; the job loops until none are due
DECIDE_WITHIN = timedelta(days=14)  # after the survey, silence means carrying on
# A far-east zone starts the term's last day up to a day before UTC does: claim that
# early, and each DM waits for the person's own morning of that day.
_EARLY = timedelta(days=1)


# --- asking -------------------------------------------------------------------------------


@dataclass(frozen=True)
class Batch:
    seen: int  # rows looked at: fewer than TERM_BATCH means none is left
    done: int


def fill_term_ends(session: Session, *, default_tz: str) -> Batch:
    """Pairs started before terms were kept have no end day: give each its first term's
    (every status, so the NULLs are gone for good and this finds nothing from then on)."""
    rows = session.scalars(
        select(Mentorship)
        .where(Mentorship.term_ends_on.is_(None))
        .order_by(Mentorship.id)
        .limit(TERM_BATCH)
        .with_for_update(skip_locked=True)
    ).all()
    done = 0
    for m in rows:
        program = session.get(Program, m.program_id)
        mentee = session.get(Person, m.mentee_id)
        assert program is not None and mentee is not None
        ends_on = mentorships.first_term_end(m.started_at, program.ends_on, mentee.tz or default_tz)
        done += session.execute(
            update(Mentorship)
            .where(Mentorship.id == m.id, Mentorship.term_ends_on.is_(None))
            .values(term_ends_on=ends_on)
        ).rowcount
    return Batch(seen=len(rows), done=done)


def survey_due(session: Session, now: datetime, *, default_tz: str) -> Batch:
    """Ask the active pairs whose term has ended how it went, up to TERM_BATCH of them."""
    due = session.scalars(
        select(Mentorship)
        .where(
            Mentorship.term_ends_on <= (now + _EARLY).date(),
            Mentorship.status == MentorshipStatus.ACTIVE,
            Mentorship.term_asked_at.is_(None),
        )
        .order_by(Mentorship.term_ends_on, Mentorship.id)
        .limit(TERM_BATCH)
        .with_for_update(skip_locked=True)
    ).all()
    return Batch(seen=len(due), done=sum(_ask(session, m, now, default_tz) for m in due))


def _ask(session: Session, m: Mentorship, now: datetime, default_tz: str) -> bool:
    assert m.term_ends_on is not None
    mentor, mentee = session.get(Person, m.mentor_id), session.get(Person, m.mentee_id)
    assert mentor is not None and mentee is not None
    sides = (
        (mentor, mentee, workday_of(mentor, default_tz)),
        (mentee, mentor, workday_of(mentee, default_tz)),
    )
    when = {p.id: day.next_open(max(day.prompt_at(m.term_ends_on), now)) for p, _, day in sides}
    claimed = session.execute(
        update(Mentorship)
        .where(
            Mentorship.id == m.id,
            Mentorship.term == m.term,
            Mentorship.status == MentorshipStatus.ACTIVE,
            Mentorship.term_asked_at.is_(None),
        )
        .values(term_asked_at=min(when.values()))
        .execution_options(synchronize_session="fetch")
    ).rowcount
    if not claimed:
        return False  # another process asked this pair a moment ago
    ends_on = day_label(m.term_ends_on)
    for person, partner, _ in sides:
        text, blocks = survey_message(
            mentorship_id=m.id, partner_user_id=partner.slack_user_id, ends_on=ends_on
        )
        key = keys.once(Kind.TERM_SURVEY, m.id, m.term, person.id)
        dm(session, m.team_id, person.slack_user_id, key, text, blocks, when[person.id])
    return True


def renew_unanswered(session: Session, now: datetime, *, default_tz: str) -> Batch:
    """Roll over the terms that nobody chose to close within DECIDE_WITHIN of the survey."""
    cutoff = now - DECIDE_WITHIN
    due = session.scalars(
        select(Mentorship)
        .where(
            # The survey goes out on the term's last day or after (a day early in UTC at
            # most), so this range on the indexed column holds every pair due here.
            Mentorship.term_ends_on <= (cutoff + _EARLY).date(),
            Mentorship.status.in_(OPEN_MENTORSHIP_STATUSES),
            Mentorship.term_asked_at <= cutoff,
        )
        .order_by(Mentorship.term_ends_on, Mentorship.id)
        .limit(TERM_BATCH)
        .with_for_update(skip_locked=True)
    ).all()
    done = sum(_renew(session, _pair(session, m, default_tz), now, chooser=None) for m in due)
    return Batch(seen=len(due), done=done)


# --- answering ----------------------------------------------------------------------------


class Outcome(StrEnum):
    OPEN = "open"  # the survey may open
    KEPT = "kept"  # "carry on", and the partner has not answered yet
    ENDED = "ended"
    RENEWED = "renewed"
    NOTED = "noted"  # the pair had ended already: the ratings are kept for coordinators
    CLOSED = "closed"  # no survey is open for this pair now (a new term, or not asked yet)
    NOT_IN_PAIR = "not_in_pair"
    GONE = "gone"


@dataclass(frozen=True)
class Result:
    outcome: Outcome
    form: SurveyForm | None = None
    partner_user_id: str | None = None  # for KEPT
    decide_by: str | None = None  # for KEPT: when silence means carrying on


@dataclass(frozen=True)
class Actor:
    team_id: str
    user_id: str


@dataclass(frozen=True)
class Answer:
    """What the survey said; raw enough that the checks below are the only ones."""

    usefulness: int | None
    fit: int | None
    comment: str = ""
    choice: Choice | None = None


class Field(StrEnum):
    USEFULNESS = "usefulness"
    FIT = "fit"
    COMMENT = "comment"
    CHOICE = "choice"


class AnswerError(Exception):
    """An answer that cannot be kept as typed; each message goes beside its field."""

    def __init__(self, errors: dict[Field, str]) -> None:
        super().__init__("; ".join(errors.values()))
        self.errors = errors


@dataclass(frozen=True)
class _Pair:
    mentorship: Mentorship
    mentor: Person
    mentee: Person
    mentor_day: Workday
    mentee_day: Workday

    def sides(self) -> tuple[tuple[Person, Person, Workday], ...]:
        """(person, their partner, their hours) for each of the two."""
        return (
            (self.mentor, self.mentee, self.mentor_day),
            (self.mentee, self.mentor, self.mentee_day),
        )


@dataclass(frozen=True)
class _Context:
    pair: _Pair
    me: Person
    partner: Person
    my_day: Workday
    partner_day: Workday

    @property
    def mentorship(self) -> Mentorship:
        return self.pair.mentorship

    @property
    def is_open(self) -> bool:
        return self.mentorship.status in OPEN_MENTORSHIP_STATUSES


def survey_form(
    session: Session, mentorship_id: int | None, *, actor: Actor, now: datetime, default_tz: str
) -> Result:
    """May `actor` answer this pair's survey now? Then the form (with their earlier
    answer this term, if any); else why not."""
    found = _context(session, mentorship_id, None, actor, "term.survey", now, default_tz)
    if isinstance(found, Result):
        return found
    m = found.mentorship
    mine = _answer_of(session, m, found.me)
    earlier = None
    if mine is not None:
        chosen = None if mine.continue_term is None else _choice(mine.continue_term)
        earlier = Earlier(mine.rating, mine.fit, mine.comment or "", chosen)
    form = SurveyForm(
        mentorship_id=m.id,
        term=m.term,
        partner_user_id=found.partner.slack_user_id,
        partner_is_mentor=found.partner.id == m.mentor_id,
        ask_choice=found.is_open,
        earlier=earlier,
    )
    return Result(Outcome.OPEN, form=form)


def answer(
    session: Session,
    mentorship_id: int | None,
    term: int | None,
    entry: Answer,
    *,
    actor: Actor,
    now: datetime,
    default_tz: str,
) -> Result:
    """Keep `actor`'s answer for the term and act on their choice (see the module's
    docstring). Raises AnswerError for a rating or choice that cannot be right."""
    found = _context(session, mentorship_id, term, actor, "term.answer", now, default_tz)
    if isinstance(found, Result):
        return found
    choice, comment = _checked(entry, found)
    _keep(session, found, entry, comment, choice, now)
    _audit(session, found, "term.answer", now, _answer_detail(entry, comment, choice))
    if choice is None:
        return Result(Outcome.NOTED)
    if choice is Choice.END:
        return _end(session, found, now)
    theirs = _answer_of(session, found.mentorship, found.partner)
    if theirs is not None and theirs.continue_term:
        _renew(session, found.pair, now, chooser=found.me)
        return Result(Outcome.RENEWED)
    asked = found.mentorship.term_asked_at
    assert asked is not None
    # The last whole day of the wait, on the reader's calendar: the term rolls over on the
    # day after (at DECIDE_WITHIN), so an answer "by then" always counts.
    last = (asked + DECIDE_WITHIN - timedelta(days=1)).astimezone(found.my_day.zone).date()
    return Result(
        Outcome.KEPT, partner_user_id=found.partner.slack_user_id, decide_by=day_label(last)
    )


def answer_counts(session: Session, team_id: str) -> TermCounts:
    """How the workspace's end-of-term answers stand, for the coordinators' Home."""
    carry_on = func.sum(case((Feedback.continue_term.is_(True), 1), else_=0))
    close = func.sum(case((Feedback.continue_term.is_(False), 1), else_=0))
    row = session.execute(
        select(func.count(Feedback.id), carry_on, close)
        .join(Mentorship, Mentorship.id == Feedback.mentorship_id)
        .where(Mentorship.team_id == team_id, Feedback.kind == FeedbackKind.CLOSING)
    ).one()
    return TermCounts(answers=row[0] or 0, carry_on=row[1] or 0, close=row[2] or 0)


# --- steps --------------------------------------------------------------------------------


def _context(
    session: Session,
    mentorship_id: int | None,
    term: int | None,
    actor: Actor,
    action: str,
    now: datetime,
    default_tz: str,
) -> _Context | Result:
    """The pair (locked: answers are taken one at a time) and the actor's place in it;
    a stranger is refused and recorded."""
    m = None
    if mentorship_id is not None:
        m = session.scalar(
            select(Mentorship)
            .where(Mentorship.id == mentorship_id)
            .with_for_update()
            .execution_options(populate_existing=True)
        )
    if m is None:
        _refuse(session, actor, action, mentorship_id, now, "no such mentorship")
        return Result(Outcome.GONE)
    pair = _pair(session, m, default_tz)
    me = {p.slack_user_id: p for p in (pair.mentor, pair.mentee)}.get(actor.user_id)
    if me is None or actor.team_id != m.team_id:
        _refuse(session, actor, action, m.id, now, "not one of this pair")
        return Result(Outcome.NOT_IN_PAIR)
    if m.term_asked_at is None or (term is not None and term != m.term):
        return Result(Outcome.CLOSED)
    if me is pair.mentor:
        return _Context(pair, me, pair.mentee, pair.mentor_day, pair.mentee_day)
    return _Context(pair, me, pair.mentor, pair.mentee_day, pair.mentor_day)


def _pair(session: Session, m: Mentorship, default_tz: str) -> _Pair:
    mentor, mentee = session.get(Person, m.mentor_id), session.get(Person, m.mentee_id)
    assert mentor is not None and mentee is not None
    return _Pair(m, mentor, mentee, workday_of(mentor, default_tz), workday_of(mentee, default_tz))


def _refuse(
    session: Session, actor: Actor, action: str, subject: object, now: datetime, why: str
) -> None:
    audit.refused(
        session,
        team_id=actor.team_id,
        actor=actor.user_id,
        action=action,
        subject_type="mentorship",
        subject_id=None if subject is None else str(subject),
        now=now,
        why=why,
    )


def _checked(entry: Answer, found: _Context) -> tuple[Choice | None, str]:
    """(the choice, None once the pair has ended; the comment as kept), or AnswerError
    naming every field that needs another look."""
    errors: dict[Field, str] = {}
    if entry.usefulness not in USEFULNESS:
        errors[Field.USEFULNESS] = "Please choose from 1 to 5."
    if entry.fit not in FIT:
        errors[Field.FIT] = "Please choose from 1 to 5."
    if found.is_open and entry.choice is None:
        errors[Field.CHOICE] = "Please choose: carry on for another term, or close it here."
    comment = ""
    try:
        comment = clean_text(entry.comment).strip()[:COMMENT_MAX]
    except UnreadableText as exc:
        errors[Field.COMMENT] = str(exc)
    if errors:
        raise AnswerError(errors)
    # Once the pair has ended there is nothing left to choose.
    return (entry.choice if found.is_open else None), comment


def _keep(
    session: Session,
    found: _Context,
    entry: Answer,
    comment: str,
    choice: Choice | None,
    now: datetime,
) -> None:
    """The person's answer for this term; a second one replaces theirs."""
    m = found.mentorship
    values: dict[str, object] = {"rating": entry.usefulness, "fit": entry.fit}
    values["comment"] = comment or None
    if choice is not None:  # an answer after the pair ended keeps the earlier choice
        values["continue_term"] = choice is Choice.CONTINUE
    row = {
        "mentorship_id": m.id,
        "author_id": found.me.id,
        "kind": FeedbackKind.CLOSING,
        "term": m.term,
        "created_at": now,
    }
    unique = ["mentorship_id", "author_id", "kind", "term"]
    if not insert_if_absent(session, Feedback, row | values, unique=unique):
        session.execute(
            update(Feedback)
            .where(
                Feedback.mentorship_id == m.id,
                Feedback.author_id == found.me.id,
                Feedback.kind == FeedbackKind.CLOSING,
                Feedback.term == m.term,
            )
            .values(**values)
        )


def _answer_of(session: Session, m: Mentorship, person: Person) -> Feedback | None:
    return session.scalar(
        select(Feedback)
        .where(
            Feedback.mentorship_id == m.id,
            Feedback.author_id == person.id,
            Feedback.kind == FeedbackKind.CLOSING,
            Feedback.term == m.term,
        )
        .execution_options(populate_existing=True)
    )


def _choice(continue_term: bool) -> Choice:
    return Choice.CONTINUE if continue_term else Choice.END


def _end(session: Session, found: _Context, now: datetime) -> Result:
    """Close the pair (once: the move is conditional) and tell both, kindly."""
    m = found.mentorship
    if not mentorships.end(session, m, reason=EndReason.COMPLETED, now=now):
        return Result(Outcome.NOTED)  # ended a moment ago: the answer is kept all the same
    # The partner's survey, if it has not reached them yet, is replaced by the news below.
    unsent = keys.once(Kind.TERM_SURVEY, m.id, m.term, found.partner.id)
    outbox.withdraw(session, [unsent], why="the pair closed at the end of the term")
    answered = _answer_of(session, m, found.partner) is not None
    for person, partner, by, when in (
        (found.me, found.partner, None, now),
        (found.partner, found.me, found.me, found.partner_day.next_open(now)),
    ):
        text, blocks = ended_message(
            partner_user_id=partner.slack_user_id,
            by_user_id=by.slack_user_id if by else None,
            is_mentee=person.id == m.mentee_id,
            survey_of=m.id if by is not None and not answered else None,
        )
        key = keys.once(Kind.TERM_ENDED, m.id, person.id)
        dm(session, m.team_id, person.slack_user_id, key, text, blocks, when)
    _audit(session, found, "term.ended", now, {"term": m.term})
    return Result(Outcome.ENDED)


def _renew(session: Session, pair: _Pair, now: datetime, *, chooser: Person | None) -> bool:
    """Roll the pair's term over (once: conditional on the term read) and tell both.
    `chooser`: whose answer completed "both carry on" (None: nobody closed it in time)."""
    m = pair.mentorship
    program = session.get(Program, m.program_id)
    assert program is not None and m.term_ends_on is not None
    following = mentorships.next_term_end(m.term_ends_on, program.ends_on)
    term = m.term
    renewed = session.execute(
        update(Mentorship)
        .where(
            Mentorship.id == m.id,
            Mentorship.term == term,
            Mentorship.term_asked_at.is_not(None),
            Mentorship.status.in_(OPEN_MENTORSHIP_STATUSES),
        )
        .values(term=term + 1, term_ends_on=following, term_asked_at=None)
        .execution_options(synchronize_session="fetch")
    ).rowcount
    if not renewed:
        return False
    for person, partner, day in pair.sides():
        text, blocks = renewed_message(
            partner_user_id=partner.slack_user_id,
            term=term + 1,
            ends_on=_long_day(following),
            both_chose=chooser is not None,
        )
        when = now if chooser is not None and person.id == chooser.id else day.next_open(now)
        key = keys.once(Kind.TERM_RENEWED, m.id, term + 1, person.id)
        dm(session, m.team_id, person.slack_user_id, key, text, blocks, when)
    audit.record(
        session,
        team_id=m.team_id,
        actor=chooser.slack_user_id if chooser else None,
        action="term.renewed",
        subject_type="mentorship",
        subject_id=m.id,
        now=now,
        detail={
            "pair": [pair.mentor.slack_user_id, pair.mentee.slack_user_id],
            "term": term + 1,
            "ends_on": following.isoformat(),
            "by": "both" if chooser is not None else "no one closed it in time",
        },
    )
    return True


def _long_day(day: date) -> str:
    return f"{day_label(day)} {day.year}"


def _answer_detail(entry: Answer, comment: str, choice: Choice | None) -> dict[str, object]:
    return {
        "usefulness": entry.usefulness,
        "fit": entry.fit,
        "choice": choice.value if choice else None,
        "comment": comment,
    }


def _audit(
    session: Session, found: _Context, action: str, now: datetime, detail: dict[str, object]
) -> None:
    """An entry for the coordinators; it names both of the pair, so that either one's
    leaving forgets it (bot.privacy matches their ids)."""
    pair = found.pair
    audit.record(
        session,
        team_id=found.mentorship.team_id,
        actor=found.me.slack_user_id,
        action=action,
        subject_type="mentorship",
        subject_id=found.mentorship.id,
        now=now,
        detail={
            "pair": [pair.mentor.slack_user_id, pair.mentee.slack_user_id],
            "term": found.mentorship.term,
            **detail,
        },
    )
