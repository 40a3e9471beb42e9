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
from zoneinfo import ZoneInfo

from slack_sdk.models.blocks import Block
from sqlalchemy import select, update
from sqlalchemy.exc import IntegrityError
from sqlalchemy.orm import Session

from bot import audit, outbox
from bot.cadence import next_checkin
from bot.db.enums import EnrollmentStatus, MentorshipStatus, RequestStatus
from bot.db.models import Enrollment, Mentorship, MentorshipRequest, OutboxMessage, Person, Program
from bot.views.enrollment import EXPERIENCE_LABELS
from bot.views.guides import CADENCE_PHRASES, FORMAT_PHRASES
from bot.views.matching import (
    DECLINE_REASON_MAX,
    NOTE_MAX,
    declined_message,
    expired_message,
    intro_message,
    request_answered_blocks,
    request_expired_blocks,
    request_message,
    request_sent_message,
)

MAX_CHOICES = 3

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
    answer: Answer
    request: MentorshipRequest | None = None
    mentorship: Mentorship | None = None


def enrollment_in(session: Session, program_id: int, person_id: int) -> Enrollment | None:
    return session.scalar(
        select(Enrollment).where(
            Enrollment.program_id == program_id, Enrollment.person_id == person_id
        )
    )


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
    if same := same_open_chain(session, mentee, wanted):
        return same
    already = set(
        session.scalars(
            select(MentorshipRequest.mentor_id).where(
                MentorshipRequest.mentee_id == mentee.id,
                MentorshipRequest.status.in_([RequestStatus.QUEUED, RequestStatus.PENDING]),
            )
        )
    )
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
    expires_on = _day(asked.expires_at, mentee)
    text, blocks = request_sent_message([c.mentor.slack_user_id for c in choices], expires_on)
    _tell(session, program.team_id, mentee, f"request-sent:{chain}", text, blocks, now)
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
        return Outcome(Answer.NOT_YOURS, request)
    if request.status is not RequestStatus.PENDING:
        return Outcome(Answer.ALREADY_ANSWERED, request)
    return Outcome(Answer.OPEN, request)


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


def accept(session: Session, request_id: int, *, actor_user_id: str, now: datetime) -> Outcome:
    request = session.get(MentorshipRequest, request_id)
    if request is None:
        return Outcome(Answer.ALREADY_ANSWERED)
    mentor, mentee = session.get(Person, request.mentor_id), session.get(Person, request.mentee_id)
    assert mentor is not None and mentee is not None
    if not _is_addressee(session, request, actor_user_id, "request.accept", now):
        return Outcome(Answer.NOT_YOURS, request)
    if not _answer(session, request, RequestStatus.ACCEPTED, now):
        return Outcome(Answer.ALREADY_ANSWERED, request)
    program = session.get(Program, request.program_id)
    assert program is not None
    mentorship = start_mentorship(
        session,
        program,
        mentor,
        mentee,
        score=request.score,
        reasons=list(request.reasons or []),
        now=now,
    )
    if mentorship is None:
        # No free slot. The request stays open for them to free one.
        _reopen(session, request)
        return Outcome(Answer.FULL, request)
    request.mentorship_id = mentorship.id
    session.execute(
        update(MentorshipRequest)
        .where(
            MentorshipRequest.chain == request.chain,
            MentorshipRequest.status == RequestStatus.QUEUED,
        )
        .values(status=RequestStatus.CANCELLED, responded_at=now)
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
    return Outcome(Answer.ACCEPTED, request, mentorship)


def start_mentorship(
    session: Session,
    program: Program,
    mentor: Person,
    mentee: Person,
    *,
    score: float | None,
    reasons: list[str],
    now: datetime,
) -> Mentorship | None:
    """Pair them if the mentor has a free slot (None if not), and introduce them.

    The slot is taken in SQL inside a savepoint: the counter's CHECK decides a race.
    """
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
        next_checkin_at=next_checkin(now, cadence, mentee.tz or "UTC"),
        created_at=now,
    )
    session.add(mentorship)
    session.flush()
    if mentee_enrollment is not None:
        mentee_enrollment.waiting_since = None
    _introduce(session, mentorship, mentor, mentee, mentee_enrollment, now)
    return mentorship


def decline(
    session: Session, request_id: int, *, actor_user_id: str, reason: str | None, now: datetime
) -> Outcome:
    request = session.get(MentorshipRequest, request_id)
    if request is None:
        return Outcome(Answer.ALREADY_ANSWERED)
    mentor = session.get(Person, request.mentor_id)
    assert mentor is not None
    if not _is_addressee(session, request, actor_user_id, "request.decline", now):
        return Outcome(Answer.NOT_YOURS, request)
    if not _answer(session, request, RequestStatus.DECLINED, now):
        return Outcome(Answer.ALREADY_ANSWERED, request)
    request.decline_reason = (reason or "")[:DECLINE_REASON_MAX] or None
    _move_on(session, request, mentor, now, declined=True)
    mentee = session.get(Person, request.mentee_id)
    assert mentee is not None
    # The DM is rewritten where the outbox delivered it, never at an address from a payload.
    text, blocks = request_answered_blocks(
        accepted=False, mentee_user_id=mentee.slack_user_id, when=_day(now, mentor)
    )
    _rewrite_request_dm(session, request, "request-declined", text, blocks, now)
    audit.record(
        session,
        team_id=request.team_id,
        actor=actor_user_id,
        action="request.declined",
        subject_type="request",
        subject_id=request.id,
        now=now,
    )
    return Outcome(Answer.DECLINED, request)


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
            mentee_user_id=mentee.slack_user_id, on=_day(request.expires_at, mentor)
        )
        _rewrite_request_dm(session, request, "request-expired", text, blocks, now)
        expired += 1
    return expired


# --- steps ----------------------------------------------------------------------------------


def _answer(
    session: Session, request: MentorshipRequest, status: RequestStatus, now: datetime
) -> bool:
    """Move PENDING -> status; False when someone (or something) answered first."""
    changed = session.execute(
        update(MentorshipRequest)
        .where(
            MentorshipRequest.id == request.id,
            MentorshipRequest.status == RequestStatus.PENDING,
        )
        .values(status=status, responded_at=now)
        .execution_options(synchronize_session="fetch")
    ).rowcount
    return changed == 1


def _reopen(session: Session, request: MentorshipRequest) -> None:
    session.execute(
        update(MentorshipRequest)
        .where(MentorshipRequest.id == request.id)
        .values(status=RequestStatus.PENDING, responded_at=None)
        .execution_options(synchronize_session="fetch")
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
            request.status = RequestStatus.CANCELLED
            request.responded_at = now
            continue
        request.status = RequestStatus.PENDING
        request.asked_at = now
        request.expires_at = now + timedelta(hours=program.request_expiry_hours)
        session.flush()
        _send_request_dm(session, request, mentor_enrollment, now)
        return request
    return None


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
    _tell(session, program.team_id, mentee, f"answer:{request.id}", text, blocks, now)
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
        experience_label=_experience_label(mentee_enrollment),
        topics=[t.label for t in mentee_enrollment.topics] if mentee_enrollment else [],
        goals=(mentee_enrollment.goals or "") if mentee_enrollment else "",
        note=request.note,
        reasons=list(request.reasons or []),
        expires_on=_day(request.expires_at, mentor),
        rank_note=None,
    )
    _tell(session, program.team_id, mentor, f"request:{request.id}", text, blocks, now)


def _rewrite_request_dm(
    session: Session,
    request: MentorshipRequest,
    kind: str,
    text: str,
    blocks: Sequence[Block],
    now: datetime,
) -> None:
    """Replace a request's DM (buttons and all) where it was delivered, if it was."""
    sent = session.scalar(
        select(OutboxMessage).where(OutboxMessage.idempotency_key == f"request:{request.id}")
    )
    if sent is None or not sent.result or "ts" not in sent.result:
        return
    where = {"channel": sent.result["channel"], "ts": sent.result["ts"]}
    _queue(
        session, request.team_id, f"{kind}:{request.id}", "chat.update", where, text, blocks, now
    )


def _introduce(
    session: Session,
    mentorship: Mentorship,
    mentor: Person,
    mentee: Person,
    mentee_enrollment: Enrollment | None,
    now: datetime,
) -> None:
    """One group DM with both of them and the bot, proposing the kickoff agenda."""
    assert mentorship.next_checkin_at is not None
    meeting_format = mentee_enrollment.meeting_format if mentee_enrollment else None
    text, blocks = intro_message(
        mentor_user_id=mentor.slack_user_id,
        mentee_user_id=mentee.slack_user_id,
        cadence_phrase=CADENCE_PHRASES[mentorship.cadence],
        format_phrase=FORMAT_PHRASES[meeting_format] if meeting_format else "in whatever way suits",
        first_checkin=_day(mentorship.next_checkin_at, mentee),
        mentee_goals=(mentee_enrollment.goals or "") if mentee_enrollment else "",
        reasons=list(mentorship.match_reasons or []),
    )
    both = {"users": [mentor.slack_user_id, mentee.slack_user_id]}
    _queue(
        session,
        mentorship.team_id,
        f"intro:{mentorship.id}",
        outbox.GROUP_DM,
        both,
        text,
        blocks,
        now,
    )


def _tell(
    session: Session,
    team_id: str,
    person: Person,
    key: str,
    text: str,
    blocks: Sequence[Block],
    now: datetime,
) -> None:
    """A DM to one person."""
    where = {"channel": person.slack_user_id}
    _queue(session, team_id, key, "chat.postMessage", where, text, blocks, now)


def _queue(
    session: Session,
    team_id: str,
    key: str,
    method: str,
    where: dict[str, object],
    text: str,
    blocks: Sequence[Block],
    now: datetime,
) -> None:
    payload = {**where, "text": text, "blocks": [block.to_dict() for block in blocks]}
    outbox.enqueue(
        session, team_id=team_id, key=key, method=method, payload=payload, not_before=now
    )


def _day(instant: datetime, person: Person) -> str:
    local = instant.astimezone(ZoneInfo(person.tz or "UTC"))
    return f"{local:%A} {local.day} {local:%B}"


def _experience_label(enrollment: Enrollment | None) -> str:
    if enrollment is None or enrollment.experience_level is None:
        return "Not given"
    return EXPERIENCE_LABELS[enrollment.experience_level]


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
