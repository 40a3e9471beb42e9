"""Asking mentors: a mentee's chain of up to three choices, asked one at a time.

The first choice is asked; a decline or an expiry asks the next, and the mentee is
told at each step. Every transition is a conditional UPDATE from PENDING, so a
double click, a retried request or two scheduler processes act once. A mentor's
capacity is the database's CHECK on the enrollment counter, raised in SQL inside
a savepoint: two acceptances racing for the last slot cannot both win.
"""

from __future__ import annotations

import uuid
from collections.abc import Callable, Sequence
from dataclasses import dataclass
from datetime import datetime, timedelta
from enum import StrEnum

from slack_sdk.models.blocks import Block
from sqlalchemy import select
from sqlalchemy.exc import IntegrityError
from sqlalchemy.orm import Session

from bot import audit, keys, mentorships
from bot.db.enums import EnrollmentStatus, RequestStatus
from bot.db.models import Enrollment, MentorshipRequest, OutboxMessage, Person, Program
from bot.enrollment import enrollment_in
from bot.keys import Kind
from bot.limits import DECLINE_REASON_MAX, MAX_CHOICES, NOTE_MAX
from bot.notices import dm, local_day, queue_message
from bot.transitions import move, move_all
from bot.views.requests import (
    declined_message,
    expired_message,
    request_answered_blocks,
    request_expired_blocks,
    request_message,
    request_sent_message,
)

# Words a mentee's notice given the next mentor asked (None: nobody left to ask).
Notice = Callable[[Person | None], tuple[str, list[Block]]]


class RequestError(Exception):
    """A request that cannot be made as asked; str(error) is for the mentee."""


@dataclass(frozen=True)
class Choice:
    mentor: Person
    score: float | None = None
    reasons: tuple[str, ...] = ()


class Answer(StrEnum):
    ACCEPTED = "accepted"
    DECLINED = "declined"
    ALREADY_ANSWERED = "already_answered"  # a second click, or it expired meanwhile
    FULL = "full"  # the mentor has no free slot
    NOT_YOURS = "not_yours"
    OPEN = "open"  # not answered yet, and this person may answer it


@dataclass(frozen=True)
class Outcome:
    """What became of an answer; who asked is told only to the mentor it was sent to."""

    answer: Answer
    request_id: int | None = None
    mentee_user_id: str | None = None  # when ACCEPTED or OPEN
    mentorship_id: int | None = None  # when ACCEPTED


def open_chain(
    session: Session,
    *,
    program: Program,
    mentee: Person,
    choices: Sequence[Choice],
    note: str | None,
    now: datetime,
) -> list[MentorshipRequest]:
    """Record the mentee's ordered choices and ask the first who can take someone.

    Sending the same choices again while that chain is open (a double submit, five
    at once) changes nothing and returns the open chain's requests.
    """
    if not 1 <= len(choices) <= MAX_CHOICES:
        raise RequestError(f"Choose between 1 and {MAX_CHOICES} mentors.")
    wanted = [c.mentor.id for c in choices]
    # "Already asked" first, then "is it this very chain": a racing send of the same chain
    # that commits between the two reads is then seen by both, never by the second alone.
    already = set(
        session.scalars(
            select(MentorshipRequest.mentor_id).where(
                MentorshipRequest.mentee_id == mentee.id,
                MentorshipRequest.status.in_([RequestStatus.QUEUED, RequestStatus.PENDING]),
            )
        )
    )
    if already and (same := same_open_chain(session, mentee, wanted)):
        return same
    asked_twice = [c.mentor.display_name for c in choices if c.mentor.id in already]
    if asked_twice:
        raise RequestError(
            f"You've already asked {', '.join(asked_twice)}; they still have your request."
        )
    chain = uuid.uuid4().hex
    requests = [
        MentorshipRequest(
            team_id=program.team_id,
            program_id=program.id,
            mentee_id=mentee.id,
            mentor_id=choice.mentor.id,
            chain=chain,
            rank=rank,
            status=RequestStatus.QUEUED,
            note=(note or "")[:NOTE_MAX] or None,  # a forged submission may send any length
            score=choice.score,
            reasons=list(choice.reasons),
            created_at=now,
        )
        for rank, choice in enumerate(choices, start=1)
    ]
    try:
        with session.begin_nested():
            session.add_all(requests)
            session.flush()  # the partial unique index is the last word on asking twice
    except IntegrityError:
        # Someone else's commit won the race: the same send a moment earlier, or not.
        if same := same_open_chain(session, mentee, wanted):
            return same
        raise RequestError(
            "You've already asked one of them; they still have your request."
        ) from None
    asked = _ask_next(session, program, chain, now)
    if asked is None or asked.expires_at is None:
        # The caller checks availability first; this is the race inside the race.
        raise RequestError("None of your choices can take a new mentee right now.")
    expires_on = local_day(asked.expires_at, mentee.tz)
    text, blocks = request_sent_message([c.mentor.slack_user_id for c in choices], expires_on)
    dm(
        session,
        program.team_id,
        mentee.slack_user_id,
        keys.once(Kind.REQUEST_SENT, chain),
        text,
        blocks,
        now,
    )
    audit.record(
        session,
        team_id=program.team_id,
        actor=mentee.slack_user_id,
        action="request.opened",
        subject_type="request_chain",
        subject_id=chain,
        now=now,
        detail={"choices": len(choices)},
    )
    return requests


def same_open_chain(
    session: Session, mentee: Person, mentor_ids: Sequence[int]
) -> list[MentorshipRequest]:
    """The mentee's open chain asking exactly these mentors in this order, if there is one."""
    chains = session.scalars(
        select(MentorshipRequest.chain)
        .where(
            MentorshipRequest.mentee_id == mentee.id,
            MentorshipRequest.status.in_([RequestStatus.QUEUED, RequestStatus.PENDING]),
        )
        .distinct()
    ).all()
    for chain in chains:
        links = session.scalars(
            select(MentorshipRequest)
            .where(MentorshipRequest.chain == chain)
            .order_by(MentorshipRequest.rank)
        ).all()
        if [r.mentor_id for r in links] == list(mentor_ids):
            return list(links)
    return []


def answerable(session: Session, request_id: int, *, actor_user_id: str, now: datetime) -> Outcome:
    """May this person answer this request now? A stranger's try is refused and recorded."""
    request = session.get(MentorshipRequest, request_id)
    if request is None:
        return Outcome(Answer.ALREADY_ANSWERED)
    if not _is_addressee(session, request, actor_user_id, "request.decline_open", now):
        return Outcome(Answer.NOT_YOURS, request.id)
    if request.status is not RequestStatus.PENDING:
        return Outcome(Answer.ALREADY_ANSWERED, request.id)
    mentee = session.get(Person, request.mentee_id)
    assert mentee is not None
    return Outcome(Answer.OPEN, request.id, mentee_user_id=mentee.slack_user_id)


def refuse_unreadable(
    session: Session, *, team_id: str, actor_user_id: str, value: object, now: datetime
) -> Outcome:
    """A request id no button of ours carries: refused and audited, answered as answered."""
    audit.refused(
        session,
        team_id=team_id,
        actor=actor_user_id,
        action="request.unreadable",
        subject_type="request",
        subject_id=str(value)[:64],
        now=now,
        why="a request id no button of ours carries",
    )
    return Outcome(Answer.ALREADY_ANSWERED)


def _is_addressee(
    session: Session, request: MentorshipRequest, actor_user_id: str, action: str, now: datetime
) -> bool:
    mentor = session.get(Person, request.mentor_id)
    assert mentor is not None
    if mentor.slack_user_id == actor_user_id:
        return True
    audit.refused(
        session,
        team_id=request.team_id,
        actor=actor_user_id,
        action=action,
        subject_type="request",
        subject_id=request.id,
        now=now,
        why="not the mentor this request was sent to",
    )
    return False


def accept(
    session: Session, request_id: int, *, actor_user_id: str, now: datetime, default_tz: str
) -> Outcome:
    request = session.get(MentorshipRequest, request_id)
    if request is None:
        return Outcome(Answer.ALREADY_ANSWERED)
    mentor, mentee = session.get(Person, request.mentor_id), session.get(Person, request.mentee_id)
    assert mentor is not None and mentee is not None
    if not _is_addressee(session, request, actor_user_id, "request.accept", now):
        return Outcome(Answer.NOT_YOURS, request.id)
    program = session.get(Program, request.program_id)
    assert program is not None
    # The answer and the pairing stand or fall together: with no free slot the savepoint
    # rolls back and the request stays open for the mentor to free one.
    savepoint = session.begin_nested()
    if not _answer(session, request, RequestStatus.ACCEPTED, now):
        savepoint.commit()
        return Outcome(Answer.ALREADY_ANSWERED, request.id)
    mentorship = mentorships.start(
        session,
        program,
        mentor,
        mentee,
        score=request.score,
        reasons=list(request.reasons or []),
        now=now,
        default_tz=default_tz,
    )
    if mentorship is None:
        savepoint.rollback()
        session.refresh(request)
        return Outcome(Answer.FULL, request.id)
    savepoint.commit()
    request.mentorship_id = mentorship.id
    move_all(
        session,
        MentorshipRequest,
        MentorshipRequest.chain == request.chain,
        source=RequestStatus.QUEUED,
        target=RequestStatus.CANCELLED,
        responded_at=now,
    )
    audit.record(
        session,
        team_id=program.team_id,
        actor=actor_user_id,
        action="request.accepted",
        subject_type="mentorship",
        subject_id=mentorship.id,
        now=now,
    )
    return Outcome(Answer.ACCEPTED, request.id, mentee.slack_user_id, mentorship.id)


def decline(
    session: Session, request_id: int, *, actor_user_id: str, reason: str | None, now: datetime
) -> Outcome:
    request = session.get(MentorshipRequest, request_id)
    if request is None:
        return Outcome(Answer.ALREADY_ANSWERED)
    mentor = session.get(Person, request.mentor_id)
    assert mentor is not None
    if not _is_addressee(session, request, actor_user_id, "request.decline", now):
        return Outcome(Answer.NOT_YOURS, request.id)
    if not _answer(session, request, RequestStatus.DECLINED, now):
        return Outcome(Answer.ALREADY_ANSWERED, request.id)
    request.decline_reason = (reason or "")[:DECLINE_REASON_MAX] or None
    _move_on(session, request, mentor, now, declined=True)
    mentee = session.get(Person, request.mentee_id)
    assert mentee is not None
    # The DM is rewritten where the outbox delivered it, never at an address from a payload.
    text, blocks = request_answered_blocks(
        accepted=False, mentee_user_id=mentee.slack_user_id, when=local_day(now, mentor.tz)
    )
    rewrite_request_dm(session, request, Kind.REQUEST_DECLINED, text, blocks, now)
    audit.record(
        session,
        team_id=request.team_id,
        actor=actor_user_id,
        action="request.declined",
        subject_type="request",
        subject_id=request.id,
        now=now,
    )
    return Outcome(Answer.DECLINED, request.id)


def expire_due(session: Session, now: datetime, limit: int = 200) -> int:
    """Expire requests past their time and ask the next choice; the scheduler runs this."""
    due = session.scalars(
        select(MentorshipRequest)
        .where(
            MentorshipRequest.status == RequestStatus.PENDING,
            MentorshipRequest.expires_at <= now,
        )
        .order_by(MentorshipRequest.expires_at, MentorshipRequest.id)
        .limit(limit)
        .with_for_update(skip_locked=True)
    ).all()
    expired = 0
    for request in due:
        if not _answer(session, request, RequestStatus.EXPIRED, now):
            continue  # answered a moment ago
        mentor = session.get(Person, request.mentor_id)
        assert mentor is not None
        _move_on(session, request, mentor, now, declined=False)
        mentee = session.get(Person, request.mentee_id)
        assert mentee is not None and request.expires_at is not None
        text, blocks = request_expired_blocks(
            mentee_user_id=mentee.slack_user_id, on=local_day(request.expires_at, mentor.tz)
        )
        rewrite_request_dm(session, request, Kind.REQUEST_EXPIRED, text, blocks, now)
        expired += 1
    return expired


# --- steps ----------------------------------------------------------------------------------


def _answer(
    session: Session, request: MentorshipRequest, status: RequestStatus, now: datetime
) -> bool:
    """Move PENDING -> status; False when someone (or something) answered first."""
    return move(
        session,
        MentorshipRequest,
        request.id,
        source=RequestStatus.PENDING,
        target=status,
        responded_at=now,
    )


def _ask_next(
    session: Session, program: Program, chain: str, now: datetime
) -> MentorshipRequest | None:
    """Ask the best remaining choice who can take someone; skip those who cannot."""
    queued = session.scalars(
        select(MentorshipRequest)
        .where(
            MentorshipRequest.chain == chain,
            MentorshipRequest.status == RequestStatus.QUEUED,
        )
        .order_by(MentorshipRequest.rank)
    ).all()
    for request in queued:
        mentor_enrollment = enrollment_in(session, program.id, request.mentor_id)
        if (
            mentor_enrollment is None
            or mentor_enrollment.status is not EnrollmentStatus.ACTIVE
            or mentor_enrollment.active_mentee_count >= mentor_enrollment.capacity
        ):
            _skip(session, request, now)
            continue
        asked = move(
            session,
            MentorshipRequest,
            request.id,
            source=RequestStatus.QUEUED,
            target=RequestStatus.PENDING,
            asked_at=now,
            expires_at=now + timedelta(hours=program.request_expiry_hours),
        )
        if not asked:
            continue  # cancelled meanwhile (the chain was accepted elsewhere)
        _send_request_dm(session, request, mentor_enrollment, now)
        return request
    return None


def _skip(session: Session, request: MentorshipRequest, now: datetime) -> None:
    """A later choice who can no longer take anyone is passed over."""
    move(
        session,
        MentorshipRequest,
        request.id,
        source=RequestStatus.QUEUED,
        target=RequestStatus.CANCELLED,
        responded_at=now,
    )


def _move_on(
    session: Session,
    request: MentorshipRequest,
    mentor: Person,
    now: datetime,
    *,
    declined: bool,
    notice: Notice | None = None,
) -> None:
    """After a no: ask the next choice and tell the mentee what happened and what is next.

    `notice` words the message itself (given the next mentor asked, if any).
    """
    program = session.get(Program, request.program_id)
    mentee = session.get(Person, request.mentee_id)
    assert program is not None and mentee is not None
    asked = _ask_next(session, program, request.chain, now)
    next_mentor = session.get(Person, asked.mentor_id) if asked else None
    next_id = next_mentor.slack_user_id if next_mentor else None
    if notice is not None:
        text, blocks = notice(next_mentor)
    elif declined:
        text, blocks = declined_message(
            mentor_user_id=mentor.slack_user_id, reason=request.decline_reason, next_user_id=next_id
        )
    else:
        text, blocks = expired_message(mentor_user_id=mentor.slack_user_id, next_user_id=next_id)
    dm(
        session,
        program.team_id,
        mentee.slack_user_id,
        keys.once(Kind.ANSWER, request.id),
        text,
        blocks,
        now,
    )
    if asked is None:
        mentee_enrollment = enrollment_in(session, program.id, mentee.id)
        if mentee_enrollment is not None and mentee_enrollment.waiting_since is None:
            mentee_enrollment.waiting_since = now


def _send_request_dm(
    session: Session, request: MentorshipRequest, mentor_enrollment: Enrollment, now: datetime
) -> None:
    mentee = session.get(Person, request.mentee_id)
    program = session.get(Program, request.program_id)
    assert mentee is not None and program is not None
    mentee_enrollment = enrollment_in(session, program.id, mentee.id)
    mentor = mentor_enrollment.person
    assert request.expires_at is not None
    text, blocks = request_message(
        request_id=request.id,
        mentee_user_id=mentee.slack_user_id,
        mentee_name=mentee.display_name,
        mentee_title=mentee.title,
        experience=mentee_enrollment.experience_level if mentee_enrollment else None,
        topics=[t.label for t in mentee_enrollment.topics] if mentee_enrollment else [],
        goals=(mentee_enrollment.goals or "") if mentee_enrollment else "",
        note=request.note,
        reasons=list(request.reasons or []),
        expires_on=local_day(request.expires_at, mentor.tz),
    )
    dm(
        session,
        program.team_id,
        mentor.slack_user_id,
        keys.once(Kind.REQUEST, request.id),
        text,
        blocks,
        now,
    )


def rewrite_request_dm(
    session: Session,
    request: MentorshipRequest,
    kind: Kind,
    text: str,
    blocks: Sequence[Block],
    now: datetime,
) -> None:
    """Replace a request's DM (buttons and all) where it was delivered, if it was."""
    sent = session.scalar(
        select(OutboxMessage).where(
            OutboxMessage.idempotency_key == keys.once(Kind.REQUEST, request.id)
        )
    )
    if sent is None or not sent.result or "ts" not in sent.result:
        return
    where = {"channel": sent.result["channel"], "ts": sent.result["ts"]}
    queue_message(
        session,
        request.team_id,
        keys.once(kind, request.id),
        "chat.update",
        where,
        text,
        blocks,
        now,
    )


def mentor_left(
    session: Session, request: MentorshipRequest, notice: Notice, now: datetime
) -> bool:
    """The asked mentor left the program: close the request and ask the mentee's next choice.

    PENDING -> CANCELLED is guarded like any answer; False when it was answered first.
    """
    if not _answer(session, request, RequestStatus.CANCELLED, now):
        return False
    mentor = session.get(Person, request.mentor_id)
    assert mentor is not None
    _move_on(session, request, mentor, now, declined=False, notice=notice)
    return True
