"""Rematch: either of a pair ends it, at any time and without a reason, and the mentee
gets fresh suggestions that leave that mentor out.

The end goes through `bot.mentorships.end` (a guarded move to ENDED with
EndReason.REMATCHED), so two clicks, or both people at once, end the pair once and free
the mentor's slot once; the other is told it had already ended. The matcher never
proposes the two again, whatever the program's `allow_repeat_pairs`
(`ProgramPeople.parted`), and a forged pick of that mentor is refused (`find.check_pick`).

Whoever did not ask is told kindly by DM, in their working hours, and a check-in prompt
of the pair's not sent yet is withdrawn. The mentee's DM carries the find flow's own first
page of suggestions (the search itself works in a modal, so the DM shows them and a "Find
a mentor" button opens it); it goes at once when the mentee asked, else in their working
hours. All of it is one unit of work with the end.

The confirmation closes at once and its answer comes by DM (for a mentee, the DM with
the suggestions): the pool may be rebuilt for them, which can take longer than Slack
waits for a modal's answer (the find flow opens its modal first for the same reason).
"""

from __future__ import annotations

from dataclasses import dataclass, replace
from datetime import datetime
from enum import StrEnum

from sqlalchemy import func, select
from sqlalchemy.orm import Session

from bot import audit, find, keys, mentorships, outbox
from bot.config import Settings
from bot.db.enums import CheckInStatus, EndReason, MentorshipStatus
from bot.db.models import CheckIn, Mentorship, Person
from bot.enrollment import active_mentorships
from bot.find import FindError
from bot.home import queue_home_publish
from bot.keys import Kind
from bot.matchmaking import PoolCache
from bot.notices import dm, notify
from bot.people import find_person, workday_of
from bot.views.rematch import (
    ALREADY_ENDED,
    NOT_YOURS,
    Offer,
    PairChoice,
    RematchForm,
    done_text,
    mentor_told_text,
    offer_message,
)


class Outcome(StrEnum):
    OPEN = "open"  # the confirmation may open
    NONE = "none"  # no open mentorship to end
    ENDED = "ended"
    ALREADY = "already"  # ended before (a second click, or the partner a moment ago)
    NOT_IN_PAIR = "not_in_pair"  # a stranger or a forged id: refused and recorded


@dataclass(frozen=True)
class Result:
    outcome: Outcome
    form: RematchForm | None = None  # OPEN
    ended: PairChoice | None = None  # ENDED: the pair, as the person who ended it sees it
    offered: bool = False  # ENDED: the mentee was sent suggestions (they still look for one)


@dataclass(frozen=True)
class Actor:
    team_id: str
    user_id: str


def command_form(session: Session, *, actor: Actor) -> Result:
    """`/mentor rematch`: the person's open pairs to confirm (or choose from)."""
    me = find_person(session, actor.team_id, actor.user_id)
    pairs = active_mentorships(session, me) if me is not None else []
    if me is None or not pairs:
        return Result(Outcome.NONE)
    return Result(Outcome.OPEN, form=RematchForm(tuple(choice(m, me) for m in pairs)))


def home_form(
    session: Session, mentorship_id: int | None, *, actor: Actor, now: datetime
) -> Result:
    """The Home's Rematch button beside one pair: that pair's confirmation."""
    found = _mine(session, mentorship_id, actor, "rematch.open", now)
    if isinstance(found, Result):
        return found
    mentorship, me = found
    return Result(Outcome.OPEN, form=RematchForm((choice(mentorship, me),)))


def confirm(
    session: Session,
    settings: Settings,
    pools: PoolCache,
    mentorship_id: int | None,
    *,
    actor: Actor,
    now: datetime,
) -> Result:
    """End the pair for both, tell the other kindly, offer the mentee fresh suggestions,
    and answer the person who confirmed by DM (the modal is closed by then: finding the
    suggestions may take longer than Slack waits for a modal's answer)."""
    result = _end(session, settings, pools, mentorship_id, actor=actor, now=now)
    text = _answer(result)
    if text is not None:
        kind = Kind.REFUSED if result.outcome is Outcome.NOT_IN_PAIR else Kind.REMATCH_ANSWER
        key = keys.each(kind, "rematch", actor.user_id, at=now)
        notify(session, team_id=actor.team_id, user_id=actor.user_id, text=text, key=key, now=now)
    return result


def _answer(result: Result) -> str | None:
    """The DM that answers a confirmation; None for a mentee who ended it (their DM with
    the suggestions says it is done)."""
    if result.outcome is Outcome.ALREADY:
        return ALREADY_ENDED
    if result.outcome is not Outcome.ENDED or result.ended is None:
        return NOT_YOURS
    if result.ended.partner_is_mentor:
        return None
    return done_text(result.ended, offered=result.offered)


def _end(
    session: Session,
    settings: Settings,
    pools: PoolCache,
    mentorship_id: int | None,
    *,
    actor: Actor,
    now: datetime,
) -> Result:
    found = _mine(session, mentorship_id, actor, "rematch.confirm", now)
    if isinstance(found, Result):
        return found
    mentorship, me = found
    if not mentorships.end(session, mentorship, reason=EndReason.REMATCHED, now=now):
        return Result(Outcome.ALREADY)
    mentor, mentee = mentorship.mentor, mentorship.mentee
    _withdraw_prompts(session, mentorship)
    by_mentee = me.id == mentee.id
    if by_mentee:
        notify(
            session,
            team_id=mentorship.team_id,
            user_id=mentor.slack_user_id,
            text=mentor_told_text(mentee_user_id=mentee.slack_user_id),
            key=keys.once(Kind.REMATCH_TOLD, mentorship.id),
            now=workday_of(mentor, settings.timezone).next_open(now),
        )
    # An answer to the mentee's own click goes at once; news from the mentor, at work.
    when = now if by_mentee else workday_of(mentee, settings.timezone).next_open(now)
    offer = _offer(session, pools, mentorship, by_mentor=not by_mentee, when=when, now=now)
    audit.record(
        session,
        team_id=mentorship.team_id,
        actor=actor.user_id,
        action="rematch.ended",
        subject_type="mentorship",
        subject_id=mentorship.id,
        now=now,
        detail={"by": "mentee" if by_mentee else "mentor", "suggested": len(offer.cards)},
    )
    for person in (mentor, mentee):  # neither Home shows the pair any more
        queue_home_publish(
            session,
            settings,
            team_id=mentorship.team_id,
            user_id=person.slack_user_id,
            cause=f"rematch:{mentorship.id}",
            now=now,
        )
    return Result(Outcome.ENDED, ended=choice(mentorship, me), offered=offer.can_search)


def choice(mentorship: Mentorship, me: Person) -> PairChoice:
    """The pair as `me` sees it: the partner, and whether they are my mentor."""
    mine = mentorship.mentee_id == me.id  # they mentor me
    other = mentorship.mentor if mine else mentorship.mentee
    return PairChoice(
        mentorship_id=mentorship.id,
        partner_user_id=other.slack_user_id,
        partner_name=other.display_name or other.slack_user_id,
        partner_is_mentor=mine,
    )


def _offer(
    session: Session,
    pools: PoolCache,
    mentorship: Mentorship,
    *,
    by_mentor: bool,
    when: datetime,
    now: datetime,
) -> Offer:
    """The mentee's one DM: how it ended, and the find flow's suggestions."""
    mentee = mentorship.mentee
    offer = Offer(mentorship.mentor.slack_user_id, by_mentor=by_mentor, can_search=False)
    try:
        spec = find.begin(
            session, team_id=mentorship.team_id, user_id=mentee.slack_user_id, query="", now=now
        )
        if spec is not None:
            shown = find.suggestions(session, pools, spec, user_id=mentee.slack_user_id, now=now)
            offer = replace(offer, cards=shown.state.cards, can_search=True)
    except FindError:
        pass  # no longer looking for a mentor: the DM says how to, should they want one
    text, blocks = offer_message(offer)
    key = keys.once(Kind.REMATCH_OFFER, mentorship.id)
    dm(session, mentorship.team_id, mentee.slack_user_id, key, text, blocks, when)
    return offer


def _withdraw_prompts(session: Session, mentorship: Mentorship) -> None:
    """A check-in prompt of the pair's still waiting to go out would greet an ended pair."""
    period = session.scalar(
        select(func.max(CheckIn.period)).where(
            CheckIn.mentorship_id == mentorship.id, CheckIn.status == CheckInStatus.PROMPTED
        )
    )
    if period is not None:
        unsent = [
            keys.once(Kind.CHECKIN_PROMPT, mentorship.id, period, person_id)
            for person_id in (mentorship.mentor_id, mentorship.mentee_id)
        ]
        outbox.withdraw(session, unsent, why="the pair ended by a rematch")


def _mine(
    session: Session, mentorship_id: int | None, actor: Actor, action: str, now: datetime
) -> tuple[Mentorship, Person] | Result:
    """The open pair and the actor's side of it; a stranger is refused and recorded."""
    mentorship = session.get(Mentorship, mentorship_id) if mentorship_id is not None else None
    if mentorship is None:
        _refuse(session, actor, action, mentorship_id, now, "no such mentorship")
        return Result(Outcome.NOT_IN_PAIR)
    sides = {mentorship.mentor.slack_user_id: mentorship.mentor}
    sides[mentorship.mentee.slack_user_id] = mentorship.mentee
    me = sides.get(actor.user_id)
    if me is None or actor.team_id != mentorship.team_id:
        _refuse(session, actor, action, mentorship.id, now, "not one of this pair")
        return Result(Outcome.NOT_IN_PAIR)
    if mentorship.status is MentorshipStatus.ENDED:
        return Result(Outcome.ALREADY)
    return mentorship, me


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
